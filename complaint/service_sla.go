package complaint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// WithPolicies returns a copy of the service that handles cases under SLA policies: a
// case is opened under one of them (the first when Open names none), ChangePolicy moves
// it to another, and SLA computes its clocks.
func (s *Service) WithPolicies(ps *Policies) *Service {
	c := *s
	c.policies = ps
	return &c
}

// Policies returns the service's SLA policies, or nil.
func (s *Service) Policies() *Policies { return s.policies }

// checkPolicy resolves a policy ID against the service's policies: the default for an
// empty one when dflt is set. A service without policies keeps any ID as given; one whose
// policies hold none (the zero Policies, not made by NewPolicies) has no default.
func (s *Service) checkPolicy(p *kehu.Problems, field, id string, dflt bool) string {
	switch {
	case len(id) > maxShortBytes:
		p.Addf(field, "max_length", "is longer than %d bytes", maxShortBytes)
	case kehu.CheckText(field, id) != nil:
		p.Merge("", kehu.CheckText(field, id))
	case s.policies == nil:
	case id == "" && dflt && s.policies.Default() == nil:
		p.Add(field, "required", "the service's SLA policies are empty: make them with NewPolicies")
	case id == "" && dflt:
		return s.policies.Default().ID()
	case s.policies.Policy(id) == nil:
		p.Addf(field, "unknown", "%s is not one of the service's SLA policies", clip.Quote(id))
	}
	return id
}

// ReplyKind says what a reply to the customer is.
type ReplyKind string

// Reply kinds.
const (
	// Public: a reply the customer receives, on any channel; a phone call logged after
	// the fact is one. It stops the first-response and next-reply clocks and restarts
	// the periodic update.
	Public ReplyKind = "public"
	// Internal: a note for the desk, which the customer never sees: it stops no clock.
	Internal ReplyKind = "internal"
	// Automatic: a message the system sent by itself, such as an acknowledgement of
	// receipt: it stops no clock.
	Automatic ReplyKind = "automatic"
)

// Reply is the command that records a reply to the customer, or an internal note.
type Reply struct {
	Kind    ReplyKind `json:"kind"`
	Channel Channel   `json:"channel,omitempty"`
	// Text is what was said, or a summary of the call.
	Text string `json:"text"`
	// Then optionally moves the case in the same step, as Status.CanMoveTo allows: a
	// public reply that asks the customer a question moves it to waiting on the
	// customer, and still counts as the reply it is.
	Then Status `json:"then,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// Reply records a reply on an open case (not on a merged one): a public reply (channel
// required), an internal note or an automatic message, optionally with a move.
func (s *Service) Reply(ctx context.Context, id CaseID, r Reply) (*Case, error) {
	var p kehu.Problems
	action := Replied
	switch r.Kind {
	case Public:
	case Internal:
		action = Noted
	case Automatic:
		action = AutoReplied
	default:
		p.Addf("kind", "enum", "%s is not public, internal or automatic", clip.Quote(string(r.Kind)))
	}
	switch {
	case r.Channel == "" && r.Kind == Public:
		p.Add("channel", "required", "a public reply reaches the customer on a channel")
	case r.Channel != "" && !r.Channel.Valid():
		p.Addf("channel", "enum", "%s is not a channel", clip.Quote(string(r.Channel)))
	}
	checkText(&p, "text", r.Text, true, MaxWordsBytes)
	switch {
	case r.Then == "":
	case !r.Then.Valid():
		p.Addf("then", "enum", "%s is not a status", clip.Quote(string(r.Then)))
	case r.Then == Merged:
		p.Add("then", "merge", "a case is merged by Merge, which names the case it goes into")
	}
	return s.command(ctx, id, &p, action, r.Key, "reply", r, r.Text, func(c *Case, st *Step) error {
		if c.Status == Merged {
			return kehu.Invalid("case", "open", fmt.Sprintf("the case is merged into %s: reply there", c.MergedInto))
		}
		st.Channel = r.Channel
		if r.Then != "" {
			if !c.Status.CanMoveTo(r.Then) {
				return kehu.Invalid("then", "transition", fmt.Sprintf("a %s case cannot move to %s; it may move to %v", c.Status, r.Then, c.Status.Next()))
			}
			moveTo(c, r.Then)
		}
		return nil
	})
}

// moveTo changes a case's status, counting a reopening.
func moveTo(c *Case, to Status) {
	if to == Investigating && (c.Status == Resolved || c.Status == Closed) {
		c.Reopens++
	}
	c.Status = to
}

// Message is the command that records a message from the customer.
type Message struct {
	Channel Channel `json:"channel"`
	Text    string  `json:"text"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// maxMergeHops bounds the chain of merges Message follows.
const maxMergeHops = 32

// Message records a customer's message on a case. A message to a case that waits on the
// customer ends the wait: the case moves back to investigating, in the same step. A
// message to a merged case goes to the case it was merged into (following the chain of
// merges), which is the case returned. Once the first response is given, a message
// starts the next-reply clock unless an earlier one is still unanswered.
func (s *Service) Message(ctx context.Context, id CaseID, m Message) (*Case, error) {
	var p kehu.Problems
	if !m.Channel.Valid() {
		p.Addf("channel", "enum", "%s is not a channel", clip.Quote(string(m.Channel)))
	}
	checkText(&p, "text", m.Text, true, MaxWordsBytes)
	p.Merge("", kehu.CheckHostKey("key", m.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	dig := fingerprint.Of("message", m)
	for hop := 0; ; hop++ {
		c, err := s.changeStep(ctx, id, CustomerWrote, m.Key, dig, m.Text, func(c *Case, st *Step) error {
			if c.Status == Merged {
				return errMergedInto{c.MergedInto}
			}
			st.Channel = m.Channel
			if c.Status == WaitingOnCustomer {
				c.Status = Investigating
			}
			return nil
		})
		var into errMergedInto
		if !errors.As(err, &into) {
			return c, err
		}
		if hop == maxMergeHops {
			return nil, fmt.Errorf("case %s: more than %d merges to follow: %w", id, maxMergeHops, kehu.ErrConflict)
		}
		id = into.id
	}
}

type errMergedInto struct{ id CaseID }

func (e errMergedInto) Error() string { return "complaint: the case is merged into " + e.id.String() }

// ChangePolicy is the command that moves a case to another SLA policy.
type ChangePolicy struct {
	Policy string `json:"policy"`
	Note   string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// ChangePolicy moves an open case to another SLA policy from now on: each clock keeps
// the time it has counted, and the new targets apply to it (see Policies.Status).
func (s *Service) ChangePolicy(ctx context.Context, id CaseID, cp ChangePolicy) (*Case, error) {
	var p kehu.Problems
	if cp.Policy == "" {
		p.Add("policy", "required", "is empty")
	}
	s.checkPolicy(&p, "policy", cp.Policy, false)
	checkText(&p, "note", cp.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, PolicyChanged, cp.Key, "policy", cp, cp.Note, func(c *Case, st *Step) error {
		if !c.Status.Open() {
			return kehu.Invalid("case", "open", fmt.Sprintf("a %s case keeps its policy", c.Status))
		}
		c.Policy, st.Policy = cp.Policy, cp.Policy
		return nil
	})
}

// Reassess is the command that judges a case's triage again.
type Reassess struct {
	Triage Triage `json:"triage"`
	Note   string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// Reassess records a new triage of an open case and recomputes its priority (Assess);
// the SLA clocks keep their time and take the new priority's targets.
func (s *Service) Reassess(ctx context.Context, id CaseID, r Reassess) (*Case, error) {
	var p kehu.Problems
	a, err := Assess(r.Triage)
	p.Merge("triage", err)
	checkText(&p, "note", r.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, Reassessed, r.Key, "reassess", r, r.Note, func(c *Case, st *Step) error {
		if !c.Status.Open() {
			return kehu.Invalid("case", "open", fmt.Sprintf("a %s case is not reassessed", c.Status))
		}
		c.Triage, c.Assessment, st.Priority = r.Triage, a, a.Priority
		return nil
	})
}

// SLA returns the SLA state of a case at an instant (see Policies.Status). A service
// without policies answers with a *kehu.ValidationError on "policies".
func (s *Service) SLA(ctx context.Context, id CaseID, at time.Time) (SLA, error) {
	if s.policies == nil {
		return SLA{}, kehu.Invalid("policies", "required", "the service has no SLA policies: see WithPolicies")
	}
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return SLA{}, err
	}
	return s.policies.Status(c, at)
}

// Crisis is the command that sets the crisis plan of a case.
type Crisis struct {
	Spokesperson string   `json:"spokesperson"`
	KeyMessages  []string `json:"key_messages"`
	Note         string   `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// PlanCrisis records who speaks for the host on an open case handled as a crisis
// (Assessment.Crisis: the complaint is in the media), and the one to MaxKeyMessages key
// messages agreed; a later plan replaces it, and the trail keeps both. A case that is
// not a crisis is refused (rule "crisis" on "case").
func (s *Service) PlanCrisis(ctx context.Context, id CaseID, cr Crisis) (*Case, error) {
	var p kehu.Problems
	if strings.TrimSpace(cr.Spokesperson) == "" {
		p.Add("spokesperson", "required", "name the one person who speaks for the host")
	} else {
		checkText(&p, "spokesperson", cr.Spokesperson, false, maxShortBytes)
	}
	switch n := len(cr.KeyMessages); {
	case n == 0:
		p.Add("key_messages", "required", "agree at least one key message")
	case n > MaxKeyMessages:
		p.Addf("key_messages", "max_items", "has %d messages; a crisis is answered with at most %d", n, MaxKeyMessages)
	}
	for i, m := range cr.KeyMessages {
		checkText(&p, fmt.Sprintf("key_messages[%d]", i), m, true, MaxWordsBytes)
	}
	checkText(&p, "note", cr.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, CrisisPlanned, cr.Key, "crisis", cr, cr.Note, func(c *Case, _ *Step) error {
		switch {
		case !c.Status.Open():
			return kehu.Invalid("case", "open", fmt.Sprintf("a %s case takes no crisis plan", c.Status))
		case !c.Assessment.Crisis:
			return kehu.Invalid("case", "crisis", "the case is not handled as a crisis (its triage has no media exposure)")
		}
		c.Crisis = &CrisisPlan{Spokesperson: cr.Spokesperson, KeyMessages: slices.Clone(cr.KeyMessages), At: s.opts.Now()}
		return nil
	})
}

// Responsibility is the command that records who is found responsible for a complaint.
type Responsibility struct {
	// Party is who is responsible: a department, a supplier, a carrier, the customer.
	Party string `json:"party"`
	Note  string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// FindResponsible records who is responsible for an open case (Case.ResponsibleParty), as
// its assessment establishes it; a later finding replaces it, and the trail keeps both.
func (s *Service) FindResponsible(ctx context.Context, id CaseID, r Responsibility) (*Case, error) {
	var p kehu.Problems
	checkText(&p, "party", r.Party, true, maxShortBytes)
	checkText(&p, "note", r.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, ResponsibilityFound, r.Key, "responsible", r, r.Note, func(c *Case, _ *Step) error {
		if !c.Status.Open() {
			return kehu.Invalid("case", "open", fmt.Sprintf("a %s case takes no finding", c.Status))
		}
		c.ResponsibleParty = r.Party
		return nil
	})
}
