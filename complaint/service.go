package complaint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// Service opens complaint cases and moves them through their process, through a Store. It
// is safe for concurrent use. Make one with NewService: the zero value is not usable.
type Service struct {
	store    Store
	opts     kehu.Options
	policies *Policies
	recovery recoverySettings
}

// NewService returns a service over store. A nil store means NewMemoryStore(); nil options
// mean the defaults (time.Now, UUIDv7, events dropped).
func NewService(store Store, opts *kehu.Options) *Service {
	if store == nil {
		store = NewMemoryStore()
	}
	return &Service{store: store, opts: opts.Resolved()}
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Event names published by the Service.
const (
	EventCaseOpened = "complaint.case_opened"
	EventCaseMoved  = "complaint.case_moved"
)

// CaseEvent is published for every step of a case: EventCaseOpened for the first,
// EventCaseMoved for the others.
type CaseEvent struct {
	Case CaseID `json:"case"`
	Step Step   `json:"step"`
}

// EventName implements kehu.Event.
func (e CaseEvent) EventName() string {
	if e.Step.Action == Opened {
		return EventCaseOpened
	}
	return EventCaseMoved
}

// OccurredAt implements kehu.Event.
func (e CaseEvent) OccurredAt() time.Time { return e.Step.At }

// Open is the command that opens a case.
type Open struct {
	Customer kehu.CustomerID `json:"customer"`
	Channel  Channel         `json:"channel"`
	Words    string          `json:"words"`
	Remedy   string          `json:"remedy,omitempty"`
	Category string          `json:"category"`
	Triage   Triage          `json:"triage"`
	ReplyBy  time.Time       `json:"reply_by,omitzero"`
	Assignee string          `json:"assignee,omitempty"`
	Order    string          `json:"order,omitempty"`
	// Interaction is the crm interaction the complaint came in through, if any.
	Interaction string `json:"interaction,omitempty"`
	// Policy is the ID of the SLA policy the case is handled under: one of the
	// service's policies (WithPolicies), its default when empty.
	Policy string `json:"policy,omitempty"`
	Note   string `json:"note,omitempty"`
	// Proactive opens the case before the customer has complained: the host found the
	// failure first (a bag that missed its flight, a delivery that will be late) and sets
	// out to put it right and to tell the customer. Words, otherwise required, may then
	// be empty, and Channel is how the host will reach the customer. The case then runs
	// like any other.
	Proactive bool `json:"proactive,omitempty"`
	// Key is required and makes the command idempotent: a repeat with the same key and
	// payload returns the case it opened, also when it races the first attempt; a repeat
	// with another payload fails with kehu.ErrKeyReused.
	Key string `json:"-"`
}

// Text limits of a case.
const (
	MaxWordsBytes = 20_000
	maxShortBytes = 200
)

// Open records a complaint as a case in status Received, with its priority computed from
// the triage (Assess), and the first step of its audit trail; with Open.Proactive, a
// failure the host found before the customer complained. Bad input is a
// *kehu.ValidationError naming every bad field, and writes nothing.
func (s *Service) Open(ctx context.Context, o Open) (*Case, error) {
	var p kehu.Problems
	if o.Customer.IsZero() {
		p.Add("customer", "required", "is empty")
	}
	if !o.Channel.Valid() {
		p.Addf("channel", "enum", "%s is not a channel", clip.Quote(string(o.Channel)))
	}
	if strings.TrimSpace(o.Words) == "" && !o.Proactive {
		p.Add("words", "required", "record the customer's own words")
	} else {
		checkText(&p, "words", o.Words, false, MaxWordsBytes)
	}
	if o.Category == "" {
		p.Add("category", "required", "is empty")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"remedy", o.Remedy, MaxWordsBytes}, {"note", o.Note, MaxWordsBytes}, {"category", o.Category, maxShortBytes},
		{"assignee", o.Assignee, maxShortBytes}, {"order", o.Order, maxShortBytes}, {"interaction", o.Interaction, maxShortBytes}} {
		checkText(&p, f.name, f.v, false, f.max)
	}
	checkActor(ctx, &p)
	assessment, err := Assess(o.Triage)
	p.Merge("triage", err)
	policy := s.checkPolicy(&p, "policy", o.Policy, true)
	p.Merge("", kehu.CheckHostKey("key", o.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	dig := fingerprint.Of("open", o)
	if c, done, err := s.replayOpen(ctx, o.Key, dig); done || err != nil {
		return c, err
	}
	now := s.opts.Now()
	c := &Case{
		ID: CaseIDFrom(s.opts.NewID()), Customer: o.Customer, Channel: o.Channel, Words: o.Words, Remedy: o.Remedy,
		Proactive: o.Proactive, Category: o.Category, Triage: o.Triage, Assessment: assessment, ReplyBy: kehu.Truncate(o.ReplyBy),
		Assignee: o.Assignee, Order: o.Order, Interaction: o.Interaction, Status: Received, Policy: policy, Version: 1,
		OpenedAt: now, Key: o.Key,
		Steps: []Step{{Action: Opened, At: now, Actor: kehu.ActorFrom(ctx), To: Received, Note: o.Note, Channel: o.Channel,
			Policy: policy, Priority: assessment.Priority, Key: o.Key, Digest: dig}},
	}
	if err := s.store.CreateCase(ctx, c); err != nil {
		if errors.Is(err, kehu.ErrDuplicate) {
			if first, done, rerr := s.replayOpen(ctx, o.Key, dig); done || rerr != nil {
				return first, rerr
			}
		}
		return nil, err
	}
	return c, s.publish(ctx, c.ID, c.Steps[0])
}

// replayOpen answers an Open whose key was seen before.
func (s *Service) replayOpen(ctx context.Context, key, dig string) (*Case, bool, error) {
	c, err := s.store.CaseByKey(ctx, key)
	switch {
	case errors.Is(err, kehu.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case len(c.Steps) == 0 || c.Steps[0].Digest != dig:
		return nil, true, fmt.Errorf("open %s: %w", clip.Quote(key), kehu.ErrKeyReused)
	}
	return c, true, nil
}

// Move is the command that moves a case to another status.
type Move struct {
	To Status `json:"to"`
	// From, when set, is the status the move is made from, as the one who moves the case
	// saw it: a case that is in another status by the time the move is written (the
	// customer accepted the resolution an agent is about to reopen) fails with
	// kehu.ErrConflict and nothing is written. Empty moves the case from whatever status
	// it is in, when the process allows.
	From Status `json:"from,omitempty"`
	Note string `json:"note,omitempty"`
	// Key is required and makes the move idempotent (see Open.Key): two agents who both
	// send "resolve" under one key move the case once.
	Key string `json:"-"`
}

// errApplied reports, inside an update, that the command's key is already a step.
var errApplied = errors.New("complaint: the command was applied before")

// Move changes a case's status if Status.CanMoveTo allows it, and records the step with
// its actor, time and note. A move the process does not allow is a *kehu.ValidationError on
// "to" (rule "transition") and writes nothing; two concurrent moves from the same status
// never both succeed. A closed or resolved case moved back to investigating counts a
// reopening. Where a case might move on between what an agent saw and their move — two
// moves that can follow each other, as closing and reopening can — Move.From makes the
// move only from the status they saw.
func (s *Service) Move(ctx context.Context, id CaseID, m Move) (*Case, error) {
	var p kehu.Problems
	if !m.To.Valid() {
		p.Addf("to", "enum", "%s is not a status", clip.Quote(string(m.To)))
	}
	if m.To == Merged {
		p.Add("to", "merge", "a case is merged by Merge, which names the case it goes into")
	}
	if m.From != "" && !m.From.Valid() {
		p.Addf("from", "enum", "%s is not a status", clip.Quote(string(m.From)))
	}
	checkText(&p, "note", m.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, Moved, m.Key, "move", m, m.Note, func(c *Case, _ *Step) error {
		if m.From != "" && c.Status != m.From {
			return fmt.Errorf("case %s is %s, not %s: %w", c.ID, c.Status, m.From, kehu.ErrConflict)
		}
		if !c.Status.CanMoveTo(m.To) {
			return kehu.Invalid("to", "transition", fmt.Sprintf("a %s case cannot move to %s; it may move to %v", c.Status, m.To, c.Status.Next()))
		}
		moveTo(c, m.To)
		return nil
	})
}

// change applies one command to a case: once, by its key (a repeat with the same payload
// returns the case as it is, with another payload kehu.ErrKeyReused), atomically, with a
// step of the action recording the actor, the time, the status before and after and the
// note. apply changes the case or refuses the command, writing nothing.
func (s *Service) change(ctx context.Context, id CaseID, action Action, key, dig, note string, apply func(*Case) error) (*Case, error) {
	return s.changeStep(ctx, id, action, key, dig, note, func(c *Case, _ *Step) error { return apply(c) })
}

// command applies a command once (see changeStep) after checking its key, together with
// the problems its other fields had: any problem, and nothing is written.
func (s *Service) command(ctx context.Context, id CaseID, p *kehu.Problems, action Action, key, name string, payload any, note string, apply func(*Case, *Step) error) (*Case, error) {
	p.Merge("", kehu.CheckHostKey("key", key))
	checkActor(ctx, p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.changeStep(ctx, id, action, key, fingerprint.Of(name, payload), note, apply)
}

// changeStep is change whose apply also fills in the step's own fields (a channel, a
// policy, a priority).
func (s *Service) changeStep(ctx context.Context, id CaseID, action Action, key, dig, note string, apply func(*Case, *Step) error) (*Case, error) {
	var p kehu.Problems
	checkActor(ctx, &p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var step Step
	err := s.store.UpdateCase(ctx, id, s.once(ctx, action, key, dig, note, &step, apply))
	return s.changed(ctx, id, step, err)
}

// once is the update a command makes of a case: nothing, when a step of the case carries
// its key (errApplied; kehu.ErrKeyReused if the step was another command's); otherwise
// apply, and the step it records, in step.
func (s *Service) once(ctx context.Context, action Action, key, dig, note string, step *Step, apply func(*Case, *Step) error) func(*Case) (*Step, error) {
	return func(c *Case) (*Step, error) {
		for _, st := range c.Steps {
			if st.Key == key {
				if st.Digest != dig {
					return nil, fmt.Errorf("%s %s: %w", action, clip.Quote(key), kehu.ErrKeyReused)
				}
				return nil, errApplied
			}
		}
		*step = Step{Action: action, At: s.opts.Now(), Actor: kehu.ActorFrom(ctx), From: c.Status, Note: note, Key: key, Digest: dig}
		if err := apply(c, step); err != nil {
			return nil, err
		}
		step.To = c.Status
		return step, nil
	}
}

// changed answers a command whose update of case id returned err: the case as it is, and
// once a step was written, what publishing it and what follows from it returned.
func (s *Service) changed(ctx context.Context, id CaseID, step Step, err error) (*Case, error) {
	switch {
	case errors.Is(err, errApplied):
		return s.store.Case(ctx, id)
	case err != nil:
		return nil, err
	}
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, errors.Join(s.publish(ctx, id, step), s.afterStep(ctx, c, step))
}

// Answer is the customer's answer to a resolved case.
type Answer struct {
	Accepted bool `json:"accepted"`
	// Recourse is required when the customer rejects the resolution: what they were
	// offered next.
	Recourse string `json:"recourse,omitempty"`
	Note     string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// Answer records the customer's answer to the resolution of a resolved case: accepted,
// the case is closed; rejected, it goes back to investigating with the recourse they were
// offered recorded. Either way the answer is kept on the case (Case.Response) and in its
// trail, so the trail shows the closure and how the customer took the decision.
func (s *Service) Answer(ctx context.Context, id CaseID, a Answer) (*Case, error) {
	var p kehu.Problems
	if !a.Accepted && strings.TrimSpace(a.Recourse) == "" {
		p.Add("recourse", "required", "a rejected resolution records the recourse the customer was offered")
	}
	checkText(&p, "recourse", a.Recourse, false, MaxWordsBytes)
	checkText(&p, "note", a.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, Answered, a.Key, "answer", a, a.Note, func(c *Case, _ *Step) error {
		if c.Status != Resolved {
			return kehu.Invalid("case", "resolved", fmt.Sprintf("a %s case has no resolution to answer", c.Status))
		}
		c.Response = &CustomerResponse{Accepted: a.Accepted, At: s.opts.Now(), Recourse: a.Recourse}
		if !a.Accepted {
			moveTo(c, Investigating)
			return nil
		}
		c.Status = Closed
		return nil
	})
}

// Handover is the command that escalates or reassigns a case.
type Handover struct {
	// To is who handles the case from now on (a person, a team, a manager).
	To   string `json:"to"`
	Note string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

func (h Handover) check() error {
	var p kehu.Problems
	if strings.TrimSpace(h.To) == "" {
		p.Add("to", "required", "name who handles the case")
	} else {
		checkText(&p, "to", h.To, false, maxShortBytes)
	}
	checkText(&p, "note", h.Note, false, MaxWordsBytes)
	p.Merge("", kehu.CheckHostKey("key", h.Key))
	return p.Err()
}

// Escalate hands an open case to a higher level (h.To) and counts the escalation; the
// status is kept. A closed or merged case is not escalated (rule "open").
func (s *Service) Escalate(ctx context.Context, id CaseID, h Handover) (*Case, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, Escalated, h.Key, fingerprint.Of("escalate", h), h.Note, func(c *Case) error {
		if !c.Status.Open() {
			return kehu.Invalid("case", "open", fmt.Sprintf("a %s case is not escalated", c.Status))
		}
		c.Assignee = h.To
		c.Escalations++
		return nil
	})
}

// Reassign hands an open case to someone else at the same level; the status is kept.
func (s *Service) Reassign(ctx context.Context, id CaseID, h Handover) (*Case, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, Reassigned, h.Key, fingerprint.Of("reassign", h), h.Note, func(c *Case) error {
		if !c.Status.Open() {
			return kehu.Invalid("case", "open", fmt.Sprintf("a %s case is not reassigned", c.Status))
		}
		c.Assignee = h.To
		return nil
	})
}

// Merge folds a case into another open case of the same customer: it moves to Merged and
// names the case that carries on, which takes no step of its own. A case is not merged
// into itself, into a closed or merged case, or into another customer's case; the case
// merged into is checked as it stands when the merge is written (Store.UpdateCaseWith),
// so two agents merging two cases each into the other leave one carrying on, and a case
// closed at that moment takes in no open complaint.
func (s *Service) Merge(ctx context.Context, id, into CaseID, note, key string) (*Case, error) {
	var p kehu.Problems
	if into.IsZero() {
		p.Add("into", "required", "name the case that carries on")
	} else if into == id {
		p.Add("into", "distinct", "a case is not merged into itself")
	}
	checkText(&p, "note", note, false, MaxWordsBytes)
	p.Merge("", kehu.CheckHostKey("key", key))
	checkActor(ctx, &p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	payload := struct {
		Into CaseID
		Note string
	}{into, note}
	// The case merged into is read with the case, and held until the merge is written: a
	// merge of it into this case, or its closing, cannot commit in between.
	var step Step
	err := s.store.UpdateCaseWith(ctx, id, into, func(c, survivor *Case) (*Step, error) {
		return s.once(ctx, MergedStep, key, fingerprint.Of("merge", payload), note, &step, func(c *Case, _ *Step) error {
			switch {
			case c.Customer != survivor.Customer:
				return kehu.Invalid("into", "customer", "the cases are of different customers")
			case !survivor.Status.Open():
				return kehu.Invalid("into", "open", fmt.Sprintf("case %s is %s", into, survivor.Status))
			case !c.Status.CanMoveTo(Merged):
				return kehu.Invalid("case", "transition", fmt.Sprintf("a %s case is not merged", c.Status))
			}
			c.Status, c.MergedInto = Merged, into
			return nil
		})(c)
	})
	return s.changed(ctx, id, step, err)
}

// checkActor checks the actor the context names (kehu.WithActor), whom a case's trail
// records: a name every store keeps as given (kehu.CheckName).
func checkActor(ctx context.Context, p *kehu.Problems) {
	p.Merge("", kehu.CheckName("actor", kehu.ActorFrom(ctx)))
}

// Case returns a case.
func (s *Service) Case(ctx context.Context, id CaseID) (*Case, error) { return s.store.Case(ctx, id) }

func (s *Service) publish(ctx context.Context, id CaseID, st Step) error {
	if err := s.opts.Events.Publish(ctx, CaseEvent{Case: id, Step: st}); err != nil {
		return fmt.Errorf("stored, but publishing the event failed: %w", err)
	}
	return nil
}
