package crmtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func textTests() []test {
	return []test{
		{Name: "ServiceRefusesBadText", Run: testServiceRefusesBadText},
	}
}

// textCommand is a command of crm.Service that gives a store text, run with the text
// under test in one field.
type textCommand struct {
	name, field string
	// run runs the command on svc with text in field; c is a customer and in an
	// interaction of it that awaits a reply.
	run func(ctx context.Context, svc *crm.Service, c *crm.Customer, in *crm.Interaction, text string) error
}

func create(edit func(p *crm.Profile, text string)) func(context.Context, *crm.Service, *crm.Customer, *crm.Interaction, string) error {
	return func(ctx context.Context, svc *crm.Service, _ *crm.Customer, _ *crm.Interaction, text string) error {
		p := crm.Profile{Name: crm.Name{Display: "New Customer"}}
		edit(&p, text)
		_, err := svc.CreateCustomer(ctx, p, nil)
		return err
	}
}

func update(edit func(p *crm.Profile, text string)) func(context.Context, *crm.Service, *crm.Customer, *crm.Interaction, string) error {
	return func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, text string) error {
		_, err := svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error {
			edit(p, text)
			return nil
		}, nil)
		return err
	}
}

func interaction(edit func(in *crm.InteractionInput, text string)) func(context.Context, *crm.Service, *crm.Customer, *crm.Interaction, string) error {
	return func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, text string) error {
		in := crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelVisit, Direction: crm.Inbound, Subject: "visit"}
		edit(&in, text)
		_, err := svc.RecordInteraction(ctx, in)
		return err
	}
}

func withActor(run func(context.Context, *crm.Service, *crm.Customer, *crm.Interaction, string) error) func(context.Context, *crm.Service, *crm.Customer, *crm.Interaction, string) error {
	return func(ctx context.Context, svc *crm.Service, c *crm.Customer, in *crm.Interaction, text string) error {
		return run(kehu.WithActor(ctx, "agent "+text), svc, c, in, "")
	}
}

func textCommands() []textCommand {
	reason := func(text string) *crm.UpdateOptions { return &crm.UpdateOptions{Reason: text} }
	return []textCommand{
		{"CreateCustomer", "name.display", create(func(p *crm.Profile, s string) { p.Name.Display = s })},
		{"CreateCustomer", "name.family", create(func(p *crm.Profile, s string) { p.Name.Family = s })},
		{"CreateCustomer", "name.given", create(func(p *crm.Profile, s string) { p.Name.Given = s })},
		{"CreateCustomer", "name.phonetic", create(func(p *crm.Profile, s string) { p.Name.Phonetic = s })},
		{"CreateCustomer", "company", create(func(p *crm.Profile, s string) { p.Company = s })},
		{"CreateCustomer", "job_title", create(func(p *crm.Profile, s string) { p.JobTitle = s })},
		{"CreateCustomer", "emails[0].email", create(func(p *crm.Profile, s string) { p.Emails = []crm.Email{{Address: "a" + s + "@example.com"}} })},
		{"CreateCustomer", "emails[0].label", create(func(p *crm.Profile, s string) { p.Emails = []crm.Email{{Address: "a@example.com", Label: s}} })},
		{"CreateCustomer", "phones[0].label", create(func(p *crm.Profile, s string) { p.Phones = []crm.Phone{{Number: "+8613800138000", Label: s}} })},
		{"CreateCustomer", "addresses[0].label", create(func(p *crm.Profile, s string) {
			p.Addresses = []crm.Address{{Country: "CN", City: "Shanghai", Label: s}}
		})},
		{"CreateCustomer", "addresses[0].region", create(func(p *crm.Profile, s string) { p.Addresses = []crm.Address{{Country: "CN", Region: s}} })},
		{"CreateCustomer", "addresses[0].city", create(func(p *crm.Profile, s string) { p.Addresses = []crm.Address{{Country: "CN", City: s}} })},
		{"CreateCustomer", "addresses[0].district", create(func(p *crm.Profile, s string) {
			p.Addresses = []crm.Address{{Country: "CN", City: "Shanghai", District: s}}
		})},
		{"CreateCustomer", "addresses[0].street", create(func(p *crm.Profile, s string) { p.Addresses = []crm.Address{{Country: "CN", Street: s}} })},
		{"CreateCustomer", "addresses[0].postal_code", create(func(p *crm.Profile, s string) { p.Addresses = []crm.Address{{Country: "CN", PostalCode: s}} })},
		{"CreateCustomer", "demographics.occupation", create(func(p *crm.Profile, s string) { p.Demographics.Occupation = s })},
		{"CreateCustomer", "demographics.income_band", create(func(p *crm.Profile, s string) { p.Demographics.IncomeBand = s })},
		{"CreateCustomer", "preferences.notes[1]", create(func(p *crm.Profile, s string) { p.Preferences.Notes = []string{"ok", s} })},
		{"CreateCustomer", "interests[0]", create(func(p *crm.Profile, s string) { p.Interests = []string{s} })},
		{"CreateCustomer", "tags[1]", create(func(p *crm.Profile, s string) { p.Tags = []string{"vip", s} })},
		{"CreateCustomer", "attributes.note", create(func(p *crm.Profile, s string) { p.Attributes = map[string]crm.AttrValue{"note": crm.StringAttr(s)} })},
		{"CreateCustomer", "owner", create(func(p *crm.Profile, s string) { p.Owner = s })},
		{"CreateCustomer", "acquisition.source", create(func(p *crm.Profile, s string) { p.Acquisition.Source = s })},
		{"CreateCustomer", "acquisition.channel", create(func(p *crm.Profile, s string) { p.Acquisition.Channel = s })},
		{"CreateCustomer", "reason", func(ctx context.Context, svc *crm.Service, _ *crm.Customer, _ *crm.Interaction, s string) error {
			_, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "New Customer"}}, &crm.CreateOptions{Reason: s})
			return err
		}},
		{"CreateCustomer", "actor", withActor(create(func(*crm.Profile, string) {}))},
		{"UpdateCustomer", "name.display", update(func(p *crm.Profile, s string) { p.Name.Display = s })},
		{"UpdateCustomer", "tags[0]", update(func(p *crm.Profile, s string) { p.Tags = []string{s} })},
		{"UpdateCustomer", "attributes.note", update(func(p *crm.Profile, s string) { p.Attributes = map[string]crm.AttrValue{"note": crm.StringAttr(s)} })},
		{"UpdateCustomer", "reason", func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, s string) error {
			_, err := svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error { p.Owner = "am-2"; return nil }, reason(s))
			return err
		}},
		{"UpdateCustomer", "actor", withActor(update(func(p *crm.Profile, _ string) { p.Owner = "am-2" }))},
		{"ChangeStage", "reason", func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, s string) error {
			_, err := svc.ChangeStage(ctx, c.ID, crm.StagePotential, reason(s))
			return err
		}},
		{"ChangeStage", "actor", withActor(func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, _ string) error {
			_, err := svc.ChangeStage(ctx, c.ID, crm.StagePotential, nil)
			return err
		})},
		{"RecordConsent", "source", func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, s string) error {
			_, err := svc.RecordConsent(ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, Source: s}, nil)
			return err
		}},
		{"RecordConsent", "reason", func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, s string) error {
			_, err := svc.RecordConsent(ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}, reason(s))
			return err
		}},
		{"RecordInteraction", "subject", interaction(func(in *crm.InteractionInput, s string) { in.Subject = s })},
		{"RecordInteraction", "content", interaction(func(in *crm.InteractionInput, s string) { in.Content = s })},
		{"RecordInteraction", "outcome", interaction(func(in *crm.InteractionInput, s string) { in.Outcome = s })},
		{"RecordInteraction", "asked_for", interaction(func(in *crm.InteractionInput, s string) { in.AskedFor = s })},
		{"RecordInteraction", "agent", interaction(func(in *crm.InteractionInput, s string) { in.Agent = s })},
		{"RecordInteraction", "contact", interaction(func(in *crm.InteractionInput, s string) { in.Contact = s })},
		{"RecordInteraction", "contact.email", interaction(func(in *crm.InteractionInput, s string) {
			in.Channel, in.Contact = crm.ChannelEmail, "a"+s+"@example.com"
		})},
		{"RecordReply", "outcome", func(ctx context.Context, svc *crm.Service, _ *crm.Customer, in *crm.Interaction, s string) error {
			_, err := svc.RecordReply(ctx, in.ID, time.Time{}, s)
			return err
		}},
		{"Merge", "reason", func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, s string) error {
			dup, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Duplicate"}}, nil)
			if err != nil {
				return err
			}
			_, err = svc.Merge(ctx, c.ID, dup.ID, reason(s))
			return err
		}},
		{"Erase", "reason", func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, s string) error {
			return svc.Erase(ctx, c.ID, s)
		}},
		{"Erase", "actor", withActor(func(ctx context.Context, svc *crm.Service, c *crm.Customer, _ *crm.Interaction, _ string) error {
			return svc.Erase(ctx, c.ID, "asked to")
		})},
	}
}

// testServiceRefusesBadText checks, through crm.Service, that every command refuses text no
// store keeps as given — not UTF-8, or with a NUL — with a *kehu.ValidationError on the
// field that holds it, and that the store is left as it was: no store sees such text.
func testServiceRefusesBadText(t *testing.T, h *harness) {
	svc := h.service()
	ctx := kehu.WithActor(h.ctx, "agent-1")
	c, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Text Holder"}, Owner: "am-1"}, nil)
	require.NoError(t, err)
	h.clock.Advance(time.Minute)
	in, err := svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelVisit,
		Direction: crm.Inbound, Subject: "question", ReplyBy: h.clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	h.clock.Advance(time.Minute)
	for _, cmd := range textCommands() {
		snapshot := h.snapshot
		if cmd.name == "Merge" {
			snapshot = nil // its duplicate is created first
		}
		suite.RefusesBadText(t, cmd.name, cmd.field, func(text string) error { return cmd.run(ctx, svc, c, in, text) }, snapshot)
	}
}

// snapshot is everything the store holds, as JSON.
func (h *harness) snapshot(t *testing.T) string {
	t.Helper()
	type customer struct {
		Customer *crm.Customer
		History  []crm.Change
	}
	var out struct {
		Customers    []customer
		Interactions []*crm.Interaction
	}
	cs, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{IncludeTombstones: true, PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err)
	for _, c := range cs.Items {
		hist, err := h.s.History(h.ctx, c.ID, kehu.PageRequest{Limit: 1000})
		require.NoError(t, err)
		out.Customers = append(out.Customers, customer{c, hist.Items})
	}
	ins, err := h.s.ListInteractions(h.ctx, crm.InteractionQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err)
	out.Interactions = ins.Items
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return string(b)
}
