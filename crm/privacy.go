package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
)

// CustomerExport is everything kehu holds about one customer (privacy and data
// security), as returned by Service.Export.
type CustomerExport struct {
	ExportedAt   time.Time      `json:"exported_at"`
	Customer     *Customer      `json:"customer"`
	History      []Change       `json:"history"`
	Interactions []*Interaction `json:"interactions"`
}

// Export returns everything held about a customer — the record, its whole audit history and
// every interaction — as indented JSON.
func (s *Service) Export(ctx context.Context, id CustomerID) ([]byte, error) {
	c, err := s.store.GetCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	out := CustomerExport{ExportedAt: s.opts.Now(), Customer: c, History: []Change{}, Interactions: []*Interaction{}}
	for page := (kehu.PageRequest{Limit: 1000}); ; {
		h, err := s.store.History(ctx, id, page)
		if err != nil {
			return nil, err
		}
		out.History = append(out.History, h.Items...)
		if h.Next == "" {
			break
		}
		page.After = h.Next
	}
	for page := (kehu.PageRequest{Limit: 1000}); ; {
		p, err := s.store.ListInteractions(ctx, InteractionQuery{CustomerID: id, PageRequest: page})
		if err != nil {
			return nil, err
		}
		out.Interactions = append(out.Interactions, p.Items...)
		if p.Next == "" {
			break
		}
		page.After = p.Next
	}
	return json.MarshalIndent(out, "", "  ")
}

// personalField reports whether an audited field holds personal data that Erase removes.
func personalField(field string) bool {
	for _, p := range []string{"name.", "emails", "phones", "addresses", "demographics.",
		"disc", "preferences.", "attributes.", "job_title"} {
		if strings.HasPrefix(field, p) {
			return true
		}
	}
	return false
}

// Erase anonymises a customer (the right to erasure). It removes the name, contacts,
// addresses (keeping country and region), demographics, DISC style, preferences, attributes
// and job title; for a person also the company. In the audit history every personal value
// is replaced with Redacted, and in interactions the contact, whom they asked for, subject,
// content and outcome. It keeps what is not personal — kind, stage and stage history,
// creation time, tags, interests, owner, acquisition, consents, and each interaction's
// channel, direction, time and reply times — so aggregates stay right, and it records the
// erasure itself in the history. Erasing twice is harmless: a second call finishes any
// redaction a failed first call left undone and changes nothing else.
//
// A merged-away customer is not erased: Erase fails with ErrMerged, naming the survivor,
// and changes nothing. The survivor holds the merged data — the duplicate's contacts,
// profile fields, interactions and copies of its history — so the host erases the survivor
// (ResolveCustomer finds it), and that erases every customer merged into it too: the
// tombstones keep the profile they had when merged, and their own history.
func (s *Service) Erase(ctx context.Context, id CustomerID, reason string) error {
	var probs kehu.Problems
	checkLen(&probs, "reason", reason, maxShortText)
	checkActor(ctx, &probs)
	if err := probs.Err(); err != nil {
		return err
	}
	if err := s.erase(ctx, id, reason, false); err != nil {
		return err
	}
	merged, err := s.mergedInto(ctx, id)
	if err != nil {
		return fmt.Errorf("erase customers merged into %s: %w", id, err)
	}
	for _, m := range merged {
		if err := s.erase(ctx, m, reason, true); err != nil {
			return fmt.Errorf("erase customer %s, merged into %s: %w", m, id, err)
		}
	}
	return nil
}

// erase anonymises one customer (see Erase), a tombstone only if tombstone is set, and
// redacts its history and interactions.
func (s *Service) erase(ctx context.Context, id CustomerID, reason string, tombstone bool) error {
	var entry *Change
	err := s.store.UpdateCustomer(ctx, id, func(c *Customer) (*Change, error) {
		switch {
		case !c.ErasedAt.IsZero():
			return nil, errNoChange
		case c.IsTombstone() && !tombstone:
			return nil, fmt.Errorf("customer %s merged into %s, which holds the merged data: erase %s: %w",
				c.ID, c.MergedInto, c.MergedInto, ErrMerged)
		}
		before := c.Clone()
		now := s.opts.Now()
		p := &c.Profile
		p.Name = Name{Display: "erased customer"}
		if p.Kind == Person {
			p.Company = ""
		}
		p.JobTitle = ""
		p.Emails, p.Phones = nil, nil
		for i, a := range p.Addresses {
			p.Addresses[i] = Address{Country: a.Country, Region: a.Region}
		}
		p.Demographics = Demographics{}
		p.DISC = ""
		p.Preferences = Preferences{}
		p.Attributes = nil
		c.ErasedAt = now
		c.Version = before.Version + 1
		c.UpdatedAt = now
		fields := Diff(before, c)
		for i := range fields {
			if personalField(fields[i].Field) {
				fields[i].Old, fields[i].New = Redacted, Redacted
			}
		}
		entry = s.change(ctx, c, ActionErase, reason, "", fields)
		return entry, nil
	})
	if err != nil && err != errNoChange {
		return err
	}
	if err := s.store.RedactHistory(ctx, id, personalField); err != nil {
		return fmt.Errorf("erase history of %s: %w", id, err)
	}
	for page := (kehu.PageRequest{Limit: 1000}); ; {
		p, err := s.store.ListInteractions(ctx, InteractionQuery{CustomerID: id, PageRequest: page})
		if err != nil {
			return err
		}
		for _, in := range p.Items {
			if err := s.store.UpdateInteraction(ctx, in.ID, redactInteraction); err != nil {
				return fmt.Errorf("erase interaction %s: %w", in.ID, err)
			}
		}
		if p.Next == "" {
			break
		}
		page.After = p.Next
	}
	if entry == nil {
		return nil
	}
	return s.publish(ctx, CustomerEvent{
		Name: EventCustomerErased, CustomerID: id, Version: entry.Version, At: entry.At, Actor: entry.Actor,
	})
}

// mergedInto lists the customers merged into id, directly or through a customer merged
// into it: the origins of the entries a merge copied into id's history, in the order
// first copied.
func (s *Service) mergedInto(ctx context.Context, id CustomerID) ([]CustomerID, error) {
	var out []CustomerID
	seen := map[CustomerID]bool{}
	for page := (kehu.PageRequest{Limit: 1000}); ; {
		p, err := s.store.History(ctx, id, page)
		if err != nil {
			return nil, err
		}
		for _, ch := range p.Items {
			if !ch.From.IsZero() && ch.From != id && !seen[ch.From] {
				seen[ch.From] = true
				out = append(out, ch.From)
			}
		}
		if p.Next == "" {
			return out, nil
		}
		page.After = p.Next
	}
}

// redactInteraction replaces the personal text of an erased customer's interaction.
func redactInteraction(in *Interaction) error {
	for _, f := range []*string{&in.Contact, &in.AskedFor, &in.Subject, &in.Content, &in.Outcome} {
		if *f != "" {
			*f = Redacted
		}
	}
	return nil
}
