package crm

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Name is a person's or business's name. It does not assume Western order: Display is the
// name as the customer writes it ("王小明", "John Smith", "Nguyễn Văn An") and is what the
// library shows and searches; Family and Given are optional parts for salutations and
// sorting; Phonetic is an optional reading (pinyin, kana, romanisation) that search also
// matches.
type Name struct {
	Display  string `json:"display"`
	Family   string `json:"family,omitempty"`
	Given    string `json:"given,omitempty"`
	Phonetic string `json:"phonetic,omitempty"`
	// FamilyFirst says the family name is written first (Chinese, Japanese, Korean,
	// Hungarian, Vietnamese). It is used only when Display is composed from the parts.
	FamilyFirst bool `json:"family_first,omitempty"`
}

// Compose returns Display, or, when it is empty, the parts joined in the name's own order
// (without a space for Han, kana and Hangul names).
func (n Name) Compose() string {
	if n.Display != "" {
		return n.Display
	}
	a, b := n.Given, n.Family
	if n.FamilyFirst {
		a, b = n.Family, n.Given
	}
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case isCJK(a) && isCJK(b):
		return a + b
	}
	return a + " " + b
}

func isCJK(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return false
		}
	}
	return s != ""
}

// Demographics are the profile fields used for analysis (age, gender, occupation,
// income, education).
type Demographics struct {
	BirthDate  kehu.Date `json:"birth_date,omitzero"`
	Gender     Gender    `json:"gender,omitempty"`
	Occupation string    `json:"occupation,omitempty"`
	// IncomeBand is the host's own label for an income range, e.g. "100k-200k CNY".
	IncomeBand string    `json:"income_band,omitempty"`
	Education  Education `json:"education,omitempty"`
}

// Acquisition records how the customer was won.
type Acquisition struct {
	// Source is the campaign, partner or referrer, e.g. "spring-fair-2026" or a customer ID.
	Source string `json:"source,omitempty"`
	// Channel is how they came: "store", "web", "referral", "agent", …
	Channel string `json:"channel,omitempty"`
}

// Preferences are how the customer likes to be served.
type Preferences struct {
	// Language is a BCP 47 tag such as "zh-CN" or "en".
	Language string `json:"language,omitempty"`
	// Channel is the preferred contact channel.
	Channel Channel `json:"channel,omitempty"`
	// TimeZone is the IANA zone the customer lives in ("Asia/Shanghai"), for contacting
	// them at a decent hour of their day.
	TimeZone string `json:"time_zone,omitempty"`
	// Notes hold free-form preferences ("no calls before 10:00", "prefers aisle seats").
	Notes []string `json:"notes,omitempty"`
}

// Profile is the editable part of a customer: everything an account manager may change
// through Service.UpdateCustomer. The service normalises it (emails lower-cased, phones to
// E.164, tags de-duplicated and sorted) and validates it before anything is stored.
type Profile struct {
	Kind PartyKind `json:"kind"`
	Name Name      `json:"name"`
	// Company is the business's legal name, or a person's employer.
	Company      string       `json:"company,omitempty"`
	JobTitle     string       `json:"job_title,omitempty"`
	Emails       []Email      `json:"emails,omitempty"`
	Phones       []Phone      `json:"phones,omitempty"`
	Addresses    []Address    `json:"addresses,omitempty"`
	Demographics Demographics `json:"demographics,omitzero"`
	DISC         DISC         `json:"disc,omitempty"`
	Preferences  Preferences  `json:"preferences,omitzero"`
	// Interests are product categories or lines the customer cares about.
	Interests []string `json:"interests,omitempty"`
	// Tags are short labels; stored trimmed, lower-cased, unique and sorted.
	Tags       []string             `json:"tags,omitempty"`
	Attributes map[string]AttrValue `json:"attributes,omitempty"`
	// Owner is the host's ID of the account manager responsible for the customer.
	Owner       string      `json:"owner,omitempty"`
	Acquisition Acquisition `json:"acquisition,omitzero"`
}

// Consent is the current state of one (channel, purpose) permission.
type Consent struct {
	Channel ConsentChannel `json:"channel"`
	Purpose Purpose        `json:"purpose"`
	Granted bool           `json:"granted"`
	At      time.Time      `json:"at"`
	// Source says where the customer gave or withdrew it: "web-form", "store:042", "call".
	Source string `json:"source"`
}

// Customer is the customer aggregate. A *Customer returned by a Service or Store is a copy:
// changing it changes nothing stored. Change the profile with Service.UpdateCustomer and the
// other fields with the service's methods, which validate, audit and publish.
type Customer struct {
	ID CustomerID `json:"id"`
	// Version increases by one with every stored change (optimistic concurrency).
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Profile
	Stage        Stage         `json:"stage"`
	StageHistory []StageChange `json:"stage_history,omitempty"`
	Consents     []Consent     `json:"consents,omitempty"`
	// MergedInto is set on a tombstone: this record was merged into that customer.
	MergedInto CustomerID `json:"merged_into,omitzero"`
	// ErasedAt is set once the customer's personal data has been erased.
	ErasedAt time.Time `json:"erased_at,omitzero"`
}

// Consent returns the current consent for a channel and purpose, and false if none was ever
// recorded.
func (c *Customer) Consent(ch ConsentChannel, p Purpose) (Consent, bool) {
	for _, k := range c.Consents {
		if k.Channel == ch && k.Purpose == p {
			return k, true
		}
	}
	return Consent{}, false
}

// MayContact reports whether an outbound contact on ch for purpose p is allowed: marketing
// needs consent that was granted and not withdrawn; service contact is allowed unless the
// customer withdrew it. Channels without a consent channel (web, visit) are allowed.
func (c *Customer) MayContact(ch Channel, p Purpose) bool {
	cc, ok := ch.ConsentChannel()
	if !ok {
		return true
	}
	k, found := c.Consent(cc, p)
	if p == PurposeMarketing {
		return found && k.Granted
	}
	return !found || k.Granted
}

// IsTombstone reports whether the customer was merged into another.
func (c *Customer) IsTombstone() bool { return !c.MergedInto.IsZero() }

// PrimaryEmail returns the primary email address, or the first, or "".
func (c *Customer) PrimaryEmail() string {
	for _, e := range c.Emails {
		if e.Primary {
			return e.Address
		}
	}
	if len(c.Emails) > 0 {
		return c.Emails[0].Address
	}
	return ""
}

// PrimaryPhone returns the primary phone number, or the first, or "".
func (c *Customer) PrimaryPhone() string {
	for _, p := range c.Phones {
		if p.Primary {
			return p.Number
		}
	}
	if len(c.Phones) > 0 {
		return c.Phones[0].Number
	}
	return ""
}

// Clone returns a deep copy.
func (c *Customer) Clone() *Customer {
	if c == nil {
		return nil
	}
	d := *c
	d.Profile.cloneSlices()
	d.StageHistory = slices.Clone(c.StageHistory)
	d.Consents = slices.Clone(c.Consents)
	return &d
}

// Clone returns a deep copy.
func (p Profile) Clone() Profile {
	p.cloneSlices()
	return p
}

// cloneSlices replaces every slice and map of p, which is a shallow copy, with its own copy.
func (p *Profile) cloneSlices() {
	p.Emails = slices.Clone(p.Emails)
	p.Phones = slices.Clone(p.Phones)
	p.Addresses = slices.Clone(p.Addresses)
	p.Preferences.Notes = slices.Clone(p.Preferences.Notes)
	p.Interests = slices.Clone(p.Interests)
	p.Tags = slices.Clone(p.Tags)
	if p.Attributes != nil {
		p.Attributes = maps.Clone(p.Attributes)
	}
}

var attrKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Normalize puts the profile in canonical form and validates it, reading phone numbers
// without a country code in defaultRegion. It returns a *kehu.ValidationError naming every bad
// field; on error the profile may be partly normalised, so callers normalise a copy.
func (p *Profile) Normalize(defaultRegion string) error {
	var probs kehu.Problems
	if p.Kind == "" {
		p.Kind = Person
	}
	if !p.Kind.Valid() {
		probs.Addf("kind", "enum", "%q is not person or business", clip.String(string(p.Kind), 32))
	}
	p.Name.Display = cleanText(p.Name.Display)
	p.Name.Family = cleanText(p.Name.Family)
	p.Name.Given = cleanText(p.Name.Given)
	p.Name.Phonetic = cleanText(p.Name.Phonetic)
	p.Name.Display = p.Name.Compose()
	if p.Name.Display == "" {
		probs.Add("name.display", "required", "the customer has no name")
	}
	checkLen(&probs, "name.display", p.Name.Display, maxShortText)
	checkLen(&probs, "name.family", p.Name.Family, maxShortText)
	checkLen(&probs, "name.given", p.Name.Given, maxShortText)
	checkLen(&probs, "name.phonetic", p.Name.Phonetic, maxShortText)
	p.Company = cleanText(p.Company)
	p.JobTitle = cleanText(p.JobTitle)
	checkLen(&probs, "company", p.Company, maxShortText)
	checkLen(&probs, "job_title", p.JobTitle, maxShortText)
	if p.Kind == Business && p.Company == "" {
		p.Company = p.Name.Display
	}

	p.Emails = normalizeContacts(p.Emails, "emails", NormalizeEmail, &probs)
	p.Phones = normalizeContacts(p.Phones, "phones", func(s string) (string, error) {
		return NormalizePhone(s, defaultRegion)
	}, &probs)
	for i := range p.Addresses {
		p.Addresses[i].normalize(fmt.Sprintf("addresses[%d]", i), &probs)
	}
	if len(p.Emails) > 20 || len(p.Phones) > 20 || len(p.Addresses) > 20 {
		probs.Add("contacts", "max_items", "at most 20 emails, 20 phones and 20 addresses")
	}

	d := &p.Demographics
	if !d.BirthDate.IsZero() && !d.BirthDate.IsValid() {
		probs.Add("demographics.birth_date", "format", "is not a valid date")
	}
	if !d.Gender.Valid() {
		probs.Addf("demographics.gender", "enum", "%q is not a known gender", clip.String(string(d.Gender), 32))
	}
	if !d.Education.Valid() {
		probs.Addf("demographics.education", "enum", "%q is not a known level", clip.String(string(d.Education), 32))
	}
	d.Occupation = cleanText(d.Occupation)
	d.IncomeBand = cleanText(d.IncomeBand)
	checkLen(&probs, "demographics.occupation", d.Occupation, maxShortText)
	checkLen(&probs, "demographics.income_band", d.IncomeBand, maxShortText)
	if !p.DISC.Valid() {
		probs.Addf("disc", "enum", "%q is not D, I, S or C", clip.String(string(p.DISC), 32))
	}

	p.Preferences.Language = strings.TrimSpace(p.Preferences.Language)
	if l := p.Preferences.Language; l != "" && !bcp47RE.MatchString(l) {
		probs.Addf("preferences.language", "format", "%q is not a BCP 47 language tag", clip.String(l, 32))
	}
	if c := p.Preferences.Channel; c != "" && !c.Valid() {
		probs.Addf("preferences.channel", "enum", "%q is not a channel", clip.String(string(c), 32))
	}
	p.Preferences.TimeZone = strings.TrimSpace(p.Preferences.TimeZone)
	if z := p.Preferences.TimeZone; z != "" {
		if _, err := loadZone(z); err != nil {
			probs.Addf("preferences.time_zone", "unknown_zone", "%q is not an IANA time zone", clip.String(z, 64))
		}
	}
	p.Preferences.Notes = normalizeList(p.Preferences.Notes, "preferences.notes", false, 2*maxShortText, &probs)
	p.Interests = normalizeList(p.Interests, "interests", true, maxShortText, &probs)
	p.Tags = normalizeList(p.Tags, "tags", true, 64, &probs)

	if len(p.Attributes) == 0 {
		p.Attributes = nil
	}
	if len(p.Attributes) > 100 {
		probs.Add("attributes", "max_items", "at most 100 attributes")
	}
	for _, k := range slices.Sorted(maps.Keys(p.Attributes)) {
		if !attrKeyRE.MatchString(k) {
			probs.Addf("attributes", "key_format", "key %q must match %s", clip.String(k, 64), attrKeyRE)
			continue
		}
		p.Attributes[k].validate("attributes."+k, &probs)
	}
	p.Owner = strings.TrimSpace(p.Owner)
	checkLen(&probs, "owner", p.Owner, maxShortText)
	p.Acquisition.Source = cleanText(p.Acquisition.Source)
	checkLen(&probs, "acquisition.source", p.Acquisition.Source, maxShortText)
	p.Acquisition.Channel = cleanText(p.Acquisition.Channel)
	if checkText(&probs, "acquisition.channel", p.Acquisition.Channel) {
		p.Acquisition.Channel = strings.ToLower(p.Acquisition.Channel)
		checkMax(&probs, "acquisition.channel", p.Acquisition.Channel, 64)
	}
	return probs.Err()
}

var bcp47RE = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// parts exposes what normalizeContacts works on.
func (e *Email) parts() (value, label *string, primary *bool) {
	return &e.Address, &e.Label, &e.Primary
}

// parts exposes what normalizeContacts works on.
func (p *Phone) parts() (value, label *string, primary *bool) { return &p.Number, &p.Label, &p.Primary }

// normalizeContacts normalises each contact's value with norm, drops repeats of a value,
// cleans labels and keeps at most one primary. kehu.Problems are reported under field[i].
func normalizeContacts[T any, P interface {
	*T
	parts() (value, label *string, primary *bool)
}](in []T, field string, norm func(string) (string, error), probs *kehu.Problems) []T {
	out := in[:0]
	seen := make(map[string]bool, len(in))
	hasPrimary := false
	for i, c := range in {
		value, label, primary := P(&c).parts()
		v, err := norm(*value)
		if err != nil {
			probs.Merge(fmt.Sprintf("%s[%d]", field, i), err)
			continue
		}
		if seen[v] {
			continue
		}
		seen[v] = true
		*value = v
		*label = cleanText(*label)
		checkLen(probs, fmt.Sprintf("%s[%d].label", field, i), *label, 64)
		*primary = *primary && !hasPrimary
		hasPrimary = hasPrimary || *primary
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// normalizeList cleans each item, drops empties, and, when asKeys is set, lower-cases,
// de-duplicates and sorts.
func normalizeList(in []string, field string, asKeys bool, maxLen int, probs *kehu.Problems) []string {
	out := make([]string, 0, len(in))
	for i, s := range in {
		s = cleanText(s)
		if s == "" {
			continue
		}
		if !checkText(probs, fmt.Sprintf("%s[%d]", field, i), s) {
			continue
		}
		if asKeys {
			s = strings.ToLower(s)
		}
		checkMax(probs, fmt.Sprintf("%s[%d]", field, i), s, maxLen)
		out = append(out, s)
	}
	if asKeys {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	if len(out) > 100 {
		probs.Addf(field, "max_items", "at most 100 items")
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
