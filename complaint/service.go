package complaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Service opens complaint cases and moves them through their process, through a Store. It
// is safe for concurrent use. Make one with NewService: the zero value is not usable.
type Service struct {
	store Store
	opts  kehu.Options
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
	Note        string `json:"note,omitempty"`
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
// the triage (Assess), and the first step of its audit trail. Bad input is a
// *kehu.ValidationError naming every bad field, and writes nothing.
func (s *Service) Open(ctx context.Context, o Open) (*Case, error) {
	var p kehu.Problems
	if o.Customer.IsZero() {
		p.Add("customer", "required", "is empty")
	}
	if !o.Channel.Valid() {
		p.Addf("channel", "enum", "%s is not a channel", clip.Quote(string(o.Channel)))
	}
	switch {
	case strings.TrimSpace(o.Words) == "":
		p.Add("words", "required", "record the customer's own words")
	case len(o.Words) > MaxWordsBytes:
		p.Addf("words", "max_length", "is longer than %d bytes", MaxWordsBytes)
	}
	if o.Category == "" {
		p.Add("category", "required", "is empty")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"remedy", o.Remedy, MaxWordsBytes}, {"note", o.Note, MaxWordsBytes}, {"category", o.Category, maxShortBytes},
		{"assignee", o.Assignee, maxShortBytes}, {"order", o.Order, maxShortBytes}, {"interaction", o.Interaction, maxShortBytes}} {
		if len(f.v) > f.max {
			p.Addf(f.name, "max_length", "is longer than %d bytes", f.max)
		}
	}
	assessment, err := Assess(o.Triage)
	p.Merge("triage", err)
	p.Merge("", kehu.CheckHostKey("key", o.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	dig := digest("open", o)
	if c, done, err := s.replayOpen(ctx, o.Key, dig); done || err != nil {
		return c, err
	}
	now := s.opts.Now()
	c := &Case{
		ID: CaseIDFrom(s.opts.NewID()), Customer: o.Customer, Channel: o.Channel, Words: o.Words, Remedy: o.Remedy,
		Category: o.Category, Triage: o.Triage, Assessment: assessment, ReplyBy: kehu.Truncate(o.ReplyBy),
		Assignee: o.Assignee, Order: o.Order, Interaction: o.Interaction, Status: Received, Version: 1,
		OpenedAt: now, Key: o.Key,
		Steps: []Step{{Action: Opened, At: now, Actor: kehu.ActorFrom(ctx), To: Received, Note: o.Note, Key: o.Key, Digest: dig}},
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
	To   Status `json:"to"`
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
// reopening.
func (s *Service) Move(ctx context.Context, id CaseID, m Move) (*Case, error) {
	var p kehu.Problems
	if !m.To.Valid() {
		p.Addf("to", "enum", "%s is not a status", clip.Quote(string(m.To)))
	}
	if m.To == Merged {
		p.Add("to", "merge", "a case is merged by Merge, which names the case it goes into")
	}
	if len(m.Note) > MaxWordsBytes {
		p.Addf("note", "max_length", "is longer than %d bytes", MaxWordsBytes)
	}
	p.Merge("", kehu.CheckHostKey("key", m.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	dig := digest("move", m)
	var step Step
	err := s.store.UpdateCase(ctx, id, func(c *Case) (*Step, error) {
		for _, st := range c.Steps {
			if st.Key == m.Key {
				if st.Digest != dig {
					return nil, fmt.Errorf("move %s: %w", clip.Quote(m.Key), kehu.ErrKeyReused)
				}
				return nil, errApplied
			}
		}
		if !c.Status.CanMoveTo(m.To) {
			return nil, kehu.Invalid("to", "transition", fmt.Sprintf("a %s case cannot move to %s; it may move to %v", c.Status, m.To, c.Status.Next()))
		}
		if m.To == Investigating && (c.Status == Resolved || c.Status == Closed) {
			c.Reopens++
		}
		step = Step{Action: Moved, At: s.opts.Now(), Actor: kehu.ActorFrom(ctx), From: c.Status, To: m.To, Note: m.Note, Key: m.Key, Digest: dig}
		c.Status = m.To
		return &step, nil
	})
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
	return c, s.publish(ctx, id, step)
}

// Case returns a case.
func (s *Service) Case(ctx context.Context, id CaseID) (*Case, error) { return s.store.Case(ctx, id) }

func (s *Service) publish(ctx context.Context, id CaseID, st Step) error {
	if err := s.opts.Events.Publish(ctx, CaseEvent{Case: id, Step: st}); err != nil {
		return fmt.Errorf("stored, but publishing the event failed: %w", err)
	}
	return nil
}

// digest fingerprints what a command asked, to tell a retry from a reused key.
func digest(kind string, payload any) string {
	b, err := json.Marshal(payload)
	if err != nil {
		b = fmt.Appendf(nil, "%#v", payload)
	}
	h := sha256.Sum256(append([]byte(kind+"\x00"), b...))
	return hex.EncodeToString(h[:])
}
