package crm

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Actions recorded in the audit history.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionStage   = "stage"
	ActionConsent = "consent"
	ActionMerge   = "merge"    // on the survivor: a duplicate was merged in
	ActionMerged  = "merged"   // on the duplicate: it became a tombstone
	ActionErase   = "erase"    // personal data was erased
	Redacted      = "[erased]" // the value that replaces erased personal data in history
)

// FieldChange is one field's old and new value, rendered as text.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Change is one entry of a customer's audit history: who changed what, when (every change
// to a customer file leaves a record). History is append-only; the one exception is
// erasure, which replaces personal values with Redacted but keeps every entry.
type Change struct {
	ID         ChangeID   `json:"id"`
	CustomerID CustomerID `json:"customer_id"`
	// Version is the customer's version after the change.
	Version int64     `json:"version"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Reason  string    `json:"reason,omitempty"`
	// Key is the idempotency key of the command that made the change, if any. A store
	// keeps keys unique per customer.
	Key string `json:"key,omitempty"`
	// Digest fingerprints what the keyed command asked (a consent, a stage, a merge), so
	// that a repeat of it is told from the key reused for another command; empty for a
	// change without a key and for a profile update, whose payload is a function.
	Digest string        `json:"digest,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
	// From is set on entries copied from a merged duplicate's history: the duplicate's ID.
	From CustomerID `json:"from,omitzero"`
}

// Field returns the change to the named field, if the entry has one.
func (ch *Change) Field(name string) (FieldChange, bool) {
	for _, f := range ch.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return FieldChange{}, false
}

// Diff returns the field-by-field difference between two versions of a customer, sorted by
// field name. Contacts are compared by their normalised value, so reordering a list is no
// change; each attribute, consent and demographic field is its own entry.
func Diff(before, after *Customer) []FieldChange {
	a, b := flatten(before), flatten(after)
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []FieldChange
	for _, k := range keys {
		if a[k] != b[k] {
			out = append(out, FieldChange{Field: k, Old: a[k], New: b[k]})
		}
	}
	return out
}

// flatten renders every audited field of a customer as text, keyed by its path. Empty values
// are left out, so adding a field shows as "" → value.
func flatten(c *Customer) map[string]string {
	m := make(map[string]string, 32)
	if c == nil {
		return m
	}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("kind", string(c.Kind))
	put("name.display", c.Name.Display)
	put("name.family", c.Name.Family)
	put("name.given", c.Name.Given)
	put("name.phonetic", c.Name.Phonetic)
	if c.Name.FamilyFirst {
		put("name.family_first", "true")
	}
	put("company", c.Company)
	put("job_title", c.JobTitle)
	emails := make([]string, len(c.Emails))
	for i, e := range c.Emails {
		emails[i] = e.Address + contactFlags(e.Label, e.Primary, e.Verified)
	}
	slices.Sort(emails)
	put("emails", strings.Join(emails, ", "))
	phones := make([]string, len(c.Phones))
	for i, p := range c.Phones {
		phones[i] = p.Number + contactFlags(p.Label, p.Primary, false)
	}
	slices.Sort(phones)
	put("phones", strings.Join(phones, ", "))
	addrs := make([]string, len(c.Addresses))
	for i, a := range c.Addresses {
		s := a.String()
		if a.Label != "" {
			s = a.Label + ": " + s
		}
		if a.Primary {
			s += " (primary)"
		}
		addrs[i] = s
	}
	slices.Sort(addrs)
	put("addresses", strings.Join(addrs, " | "))
	put("demographics.birth_date", c.Demographics.BirthDate.String())
	put("demographics.gender", string(c.Demographics.Gender))
	put("demographics.occupation", c.Demographics.Occupation)
	put("demographics.income_band", c.Demographics.IncomeBand)
	put("demographics.education", string(c.Demographics.Education))
	put("disc", strings.ToUpper(string(c.DISC)))
	put("preferences.language", c.Preferences.Language)
	put("preferences.channel", string(c.Preferences.Channel))
	put("preferences.notes", strings.Join(c.Preferences.Notes, " | "))
	put("preferences.time_zone", c.Preferences.TimeZone)
	put("interests", strings.Join(c.Interests, ", "))
	put("tags", strings.Join(c.Tags, ", "))
	for k, v := range c.Attributes {
		put("attributes."+k, string(v.Kind())+":"+v.String())
	}
	put("owner", c.Owner)
	put("acquisition.source", c.Acquisition.Source)
	put("acquisition.channel", c.Acquisition.Channel)
	put("stage", string(c.Stage))
	for _, k := range c.Consents {
		state := "withdrawn"
		if k.Granted {
			state = "granted"
		}
		put("consents."+string(k.Channel)+"."+string(k.Purpose),
			fmt.Sprintf("%s %s via %s", state, k.At.UTC().Format(time.RFC3339), k.Source))
	}
	put("merged_into", c.MergedInto.String())
	if !c.ErasedAt.IsZero() {
		put("erased_at", c.ErasedAt.UTC().Format(time.RFC3339))
	}
	return m
}

func contactFlags(label string, primary, verified bool) string {
	var flags []string
	if label != "" {
		flags = append(flags, label)
	}
	if primary {
		flags = append(flags, "primary")
	}
	if verified {
		flags = append(flags, "verified")
	}
	if len(flags) == 0 {
		return ""
	}
	return " (" + strings.Join(flags, ", ") + ")"
}
