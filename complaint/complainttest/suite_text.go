package complainttest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/internal/suite"
)

// textCommand is a command of complaint.Service that gives a store text, run with the
// text under test in one field.
type textCommand struct {
	name, field string
	// run runs the command on svc with text in field; id is an open case and other
	// another open case of its customer.
	run func(ctx context.Context, svc *complaint.Service, id, other complaint.CaseID, text string) error
}

func textOpen(customer kehu.CustomerID, edit func(o *complaint.Open, text string)) func(context.Context, *complaint.Service, complaint.CaseID, complaint.CaseID, string) error {
	return func(ctx context.Context, svc *complaint.Service, _, _ complaint.CaseID, text string) error {
		o := openCommand(customer, "open-text")
		edit(&o, text)
		_, err := svc.Open(ctx, o)
		return err
	}
}

func openCommand(customer kehu.CustomerID, key string) complaint.Open {
	return complaint.Open{Customer: customer, Channel: complaint.Phone, Words: "the parcel came broken", Category: "delivery",
		Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Valued, MediaExposure: true}, Key: key}
}

func textCommands(customer kehu.CustomerID) []textCommand {
	type cmdFn = func(context.Context, *complaint.Service, complaint.CaseID, complaint.CaseID, string) error
	one := func(f func(ctx context.Context, svc *complaint.Service, id, other complaint.CaseID, s string) (*complaint.Case, error)) cmdFn {
		return func(ctx context.Context, svc *complaint.Service, id, other complaint.CaseID, s string) error {
			_, err := f(ctx, svc, id, other, s)
			return err
		}
	}
	actor := func(f cmdFn) cmdFn {
		return func(ctx context.Context, svc *complaint.Service, id, other complaint.CaseID, s string) error {
			return f(kehu.WithActor(ctx, "agent "+s), svc, id, other, "")
		}
	}
	move := func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
		return svc.Move(ctx, id, complaint.Move{To: complaint.Investigating, Note: s, Key: "move"})
	}
	message := func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
		return svc.Message(ctx, id, complaint.Message{Channel: complaint.Phone, Text: "hello" + s, Key: "message"})
	}
	merge := func(ctx context.Context, svc *complaint.Service, id, other complaint.CaseID, s string) (*complaint.Case, error) {
		return svc.Merge(ctx, other, id, s, "merge")
	}
	fix := func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
		return svc.RecordFix(ctx, id, complaint.RecordFix{What: "sent a new one" + s, Key: "fix"})
	}
	grant := complaint.GrantIDFrom(kehu.NewSeqIDsIn(0x77).NewID())
	return []textCommand{
		{"Open", "words", textOpen(customer, func(o *complaint.Open, s string) { o.Words = s })},
		{"Open", "remedy", textOpen(customer, func(o *complaint.Open, s string) { o.Remedy = s })},
		{"Open", "note", textOpen(customer, func(o *complaint.Open, s string) { o.Note = s })},
		{"Open", "category", textOpen(customer, func(o *complaint.Open, s string) { o.Category = s })},
		{"Open", "assignee", textOpen(customer, func(o *complaint.Open, s string) { o.Assignee = s })},
		{"Open", "order", textOpen(customer, func(o *complaint.Open, s string) { o.Order = s })},
		{"Open", "interaction", textOpen(customer, func(o *complaint.Open, s string) { o.Interaction = s })},
		{"Open", "policy", textOpen(customer, func(o *complaint.Open, s string) { o.Policy = s })},
		{"Open", "actor", actor(textOpen(customer, func(*complaint.Open, string) {}))},
		{"Move", "note", one(move)},
		{"Move", "actor", actor(one(move))},
		{"Escalate", "to", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Escalate(ctx, id, complaint.Handover{To: "lead" + s, Key: "escalate"})
		})},
		{"Escalate", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Escalate(ctx, id, complaint.Handover{To: "lead", Note: s, Key: "escalate"})
		})},
		{"Reassign", "to", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Reassign(ctx, id, complaint.Handover{To: "agent" + s, Key: "reassign"})
		})},
		{"Merge", "note", one(merge)},
		{"Merge", "actor", actor(one(merge))},
		{"Answer", "recourse", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Answer(ctx, id, complaint.Answer{Recourse: "a refund" + s, Key: "answer"})
		})},
		{"Answer", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Answer(ctx, id, complaint.Answer{Accepted: true, Note: s, Key: "answer"})
		})},
		{"Reply", "text", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Reply(ctx, id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Phone, Text: "sorry" + s, Key: "reply"})
		})},
		{"Message", "text", one(message)},
		{"Message", "actor", actor(one(message))},
		{"ChangePolicy", "policy", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.ChangePolicy(ctx, id, complaint.ChangePolicy{Policy: "vip" + s, Key: "policy"})
		})},
		{"ChangePolicy", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.ChangePolicy(ctx, id, complaint.ChangePolicy{Policy: "vip", Note: s, Key: "policy"})
		})},
		{"Reassess", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Reassess(ctx, id, complaint.Reassess{Triage: openCommand(customer, "").Triage, Note: s, Key: "reassess"})
		})},
		{"PlanCrisis", "spokesperson", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.PlanCrisis(ctx, id, complaint.Crisis{Spokesperson: "Li" + s, KeyMessages: []string{"we are sorry"}, Key: "crisis"})
		})},
		{"PlanCrisis", "key_messages[1]", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.PlanCrisis(ctx, id, complaint.Crisis{Spokesperson: "Li", KeyMessages: []string{"we are sorry", "we fix it" + s}, Key: "crisis"})
		})},
		{"PlanCrisis", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.PlanCrisis(ctx, id, complaint.Crisis{Spokesperson: "Li", KeyMessages: []string{"we are sorry"}, Note: s, Key: "crisis"})
		})},
		{"FindResponsible", "party", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.FindResponsible(ctx, id, complaint.Responsibility{Party: "carrier" + s, Key: "responsible"})
		})},
		{"FindResponsible", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.FindResponsible(ctx, id, complaint.Responsibility{Party: "carrier", Note: s, Key: "responsible"})
		})},
		{"Apologise", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.Apologise(ctx, id, complaint.Apologise{Channel: complaint.Phone, Note: s, Key: "apologise"})
		})},
		{"RecordFix", "what", one(fix)},
		{"RecordFix", "actor", actor(one(fix))},
		{"RecordFix", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.RecordFix(ctx, id, complaint.RecordFix{What: "sent a new one", Note: s, Key: "fix"})
		})},
		{"RecordFollowUp", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.RecordFollowUp(ctx, id, complaint.RecordFollowUp{Channel: complaint.Phone, Result: complaint.FollowUpRestored, Note: s, Key: "follow-up"})
		})},
		{"RecordSatisfaction", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.RecordSatisfaction(ctx, id, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: 4, Speed: 4, Courtesy: 5, Note: s, Key: "satisfaction"})
		})},
		{"RequestCompensation", "role", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 100, Role: "frontline" + s, Key: "request"})
		})},
		{"RequestCompensation", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 100, Role: "frontline", Note: s, Key: "request"})
		})},
		{"DecideCompensation", "role", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.DecideCompensation(ctx, id, complaint.DecideCompensation{Grant: grant, Approve: true, Role: "manager" + s, Key: "decide"})
		})},
		{"DecideCompensation", "note", one(func(ctx context.Context, svc *complaint.Service, id, _ complaint.CaseID, s string) (*complaint.Case, error) {
			return svc.DecideCompensation(ctx, id, complaint.DecideCompensation{Grant: grant, Role: "manager", Note: s, Key: "decide"})
		})},
	}
}

// testServiceRefusesBadText checks, through complaint.Service, that every command refuses
// text no store keeps as given — not UTF-8, or with a NUL — with a *kehu.ValidationError
// on the field that holds it, and that the store is left as it was: no store sees such
// text.
func testServiceRefusesBadText(t *testing.T, h *harness) {
	opts, _, _ := kehu.Deterministic(suite.Start())
	svc := complaint.NewService(h.s, opts).WithCompensation(sequenceEmpowerment(t), &seqCompensator{paid: map[string]string{}})
	ctx := kehu.WithActor(h.ctx, "agent-1")
	customer := kehu.CustomerIDFrom(h.ids.NewID())
	a, err := svc.Open(ctx, openCommand(customer, "open-a"))
	require.NoError(t, err)
	b, err := svc.Open(ctx, openCommand(customer, "open-b"))
	require.NoError(t, err)
	for _, cmd := range textCommands(customer) {
		suite.RefusesBadText(t, cmd.name, cmd.field, func(text string) error { return cmd.run(ctx, svc, a.ID, b.ID, text) }, h.snapshot)
	}
}

// snapshot is every case the store holds, as JSON.
func (h *harness) snapshot(t *testing.T) string {
	t.Helper()
	cs, err := h.s.ListCases(h.ctx, complaint.CaseQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err)
	b, err := json.Marshal(cs.Items)
	require.NoError(t, err)
	return string(b)
}
