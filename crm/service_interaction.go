package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// InteractionInput records one contact with a customer.
type InteractionInput struct {
	CustomerID CustomerID
	Channel    Channel
	Direction  Direction
	// Purpose of the contact; default PurposeService. Outbound marketing needs consent.
	Purpose Purpose
	// At is when it happened; zero means now. It may not be in the future (by the
	// service's clock): a contact is recorded once it took place.
	At time.Time
	// Contact is the phone number or address used; phones and emails are normalised.
	Contact  string
	AskedFor string
	Agent    string
	// Subject is required: what the contact was about.
	Subject string
	Content string
	Outcome string
	// Urgency defaults to UrgencyNormal.
	Urgency Urgency
	// ReplyBy is when a reply is due; zero if none is needed. It may not precede At.
	ReplyBy time.Time
	// Key makes the call idempotent: a repeat returns the first interaction; a repeat with
	// different content fails with kehu.ErrKeyReused.
	Key string
}

// RecordInteraction adds an interaction to a customer's timeline. An outbound contact on a
// channel the customer has not consented to for its purpose fails with ErrNoConsent
// (marketing needs consent; service contact is refused only when withdrawn), and so does
// a marketing contact dated before the consent in force was given: the record would show
// a contact the customer had not agreed to as if they had. Interactions with merged-away
// or erased customers fail with ErrMerged or ErrErased; one whose customer is erased while
// it is being recorded is kept redacted, as the erasure leaves the others, and fails with
// ErrErased.
func (s *Service) RecordInteraction(ctx context.Context, in InteractionInput) (*Interaction, error) {
	now := s.opts.Now()
	rec, err := s.buildInteraction(in, now)
	if err != nil {
		return nil, err
	}
	c, err := s.store.GetCustomer(ctx, in.CustomerID)
	if err != nil {
		return nil, err
	}
	if err := mayRecord(c, rec); err != nil {
		// A repeat of an interaction recorded before the customer moved on (consent
		// withdrawn, merged away) answers with the first: the key answers before any rule.
		// (An erased customer's interactions are redacted: a repeat is told so.)
		if rec.Key != "" && c.ErasedAt.IsZero() {
			first := rec
			if c.IsTombstone() { // its interactions moved to the customer it was merged into
				sv, rerr := s.ResolveCustomer(ctx, c.ID)
				if rerr != nil {
					return nil, rerr
				}
				first = rec.Clone()
				first.CustomerID = sv.ID
			}
			if prev, done, rerr := s.replayInteraction(ctx, first, in.At.IsZero()); done {
				return prev, rerr
			}
		}
		return nil, err
	}
	err = s.store.CreateInteraction(ctx, rec)
	if errors.Is(err, kehu.ErrDuplicate) && rec.Key != "" {
		if prev, done, rerr := s.replayInteraction(ctx, rec, in.At.IsZero()); done {
			return prev, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	// An erasure that committed after the check above and listed the customer's
	// interactions before this one was stored did not redact it: redact it here. (One that
	// commits after the read below lists it, and redacts it itself.)
	if c, err := s.store.GetCustomer(ctx, rec.CustomerID); err != nil {
		return nil, err
	} else if !c.ErasedAt.IsZero() {
		if err := s.store.UpdateInteraction(ctx, rec.ID, redactInteraction); err != nil {
			return nil, fmt.Errorf("erase interaction %s: %w", rec.ID, err)
		}
		return nil, fmt.Errorf("customer %s, erased while the interaction was recorded (it is kept redacted): %w", c.ID, ErrErased)
	}
	return rec.Clone(), s.publish(ctx, InteractionEvent{
		Name: EventInteractionRecorded, InteractionID: rec.ID, CustomerID: rec.CustomerID,
		Channel: rec.Channel, Direction: rec.Direction, At: rec.At,
	})
}

// sameInteraction compares what a caller supplies, ignoring what the service assigns and
// what a later reply may change: the time too when the caller gave none (nowAt), since
// the service then dates the interaction when it is recorded.
func sameInteraction(a, b *Interaction, nowAt bool) bool {
	norm := func(in *Interaction) Interaction {
		x := *in
		x.ID, x.CreatedAt, x.RepliedAt, x.ReplyRecordedAt, x.Outcome = InteractionID{}, time.Time{}, time.Time{}, time.Time{}, ""
		x.At, x.ReplyBy = x.At.Round(0).UTC(), x.ReplyBy.Round(0).UTC()
		if nowAt {
			x.At = time.Time{}
		}
		return x
	}
	return norm(a) == norm(b)
}

// mayRecord checks that an interaction may be recorded for the customer (see
// RecordInteraction).
func mayRecord(c *Customer, rec *Interaction) error {
	switch {
	case c.IsTombstone():
		return fmt.Errorf("customer %s merged into %s: %w", c.ID, c.MergedInto, ErrMerged)
	case !c.ErasedAt.IsZero():
		return fmt.Errorf("customer %s: %w", c.ID, ErrErased)
	case rec.Direction == Outbound && !c.MayContact(rec.Channel, rec.Purpose):
		return fmt.Errorf("%s %s contact with customer %s: %w", rec.Purpose, rec.Channel, c.ID, ErrNoConsent)
	case rec.Direction == Outbound && rec.Purpose == PurposeMarketing && consentedAfter(c, rec):
		return fmt.Errorf("%s %s contact with customer %s on %s, before they consented: %w", rec.Purpose, rec.Channel, c.ID,
			rec.At.Format(time.RFC3339), ErrNoConsent)
	}
	return nil
}

// replayInteraction answers an interaction whose key may have been used: the interaction
// recorded with it, if it is the same (see sameInteraction), else kehu.ErrKeyReused. done
// is false when no interaction has the key.
func (s *Service) replayInteraction(ctx context.Context, rec *Interaction, nowAt bool) (*Interaction, bool, error) {
	prev, err := s.store.GetInteractionByKey(ctx, rec.Key)
	switch {
	case errors.Is(err, kehu.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, true, err
	case !sameInteraction(prev, rec, nowAt):
		return nil, true, fmt.Errorf("interaction with key %q: %w", rec.Key, kehu.ErrKeyReused)
	}
	return prev, true, nil
}

// consentedAfter reports whether the consent that allows the contact rec was given after
// rec took place.
func consentedAfter(c *Customer, rec *Interaction) bool {
	cc, ok := rec.Channel.ConsentChannel()
	if !ok {
		return false
	}
	k, found := c.Consent(cc, rec.Purpose)
	return found && k.At.After(rec.At)
}

func (s *Service) buildInteraction(in InteractionInput, now time.Time) (*Interaction, error) {
	var probs kehu.Problems
	if in.CustomerID.IsZero() {
		probs.Add("customer_id", "required", "is empty")
	}
	if !in.Channel.Valid() {
		probs.Addf("channel", "enum", "%q is not a channel", clip.String(string(in.Channel), 32))
	}
	if !in.Direction.Valid() {
		probs.Addf("direction", "enum", "%q is not inbound or outbound", clip.String(string(in.Direction), 32))
	}
	if in.Purpose == "" {
		in.Purpose = PurposeService
	}
	if !in.Purpose.Valid() {
		probs.Addf("purpose", "enum", "%q is not a purpose", clip.String(string(in.Purpose), 32))
	}
	if in.Urgency == "" {
		in.Urgency = UrgencyNormal
	}
	if !in.Urgency.Valid() {
		probs.Addf("urgency", "enum", "%q is not an urgency", clip.String(string(in.Urgency), 32))
	}
	in.At, in.ReplyBy = kehu.Truncate(in.At), kehu.Truncate(in.ReplyBy)
	if in.At.IsZero() {
		in.At = now
	}
	if in.At.After(now) {
		probs.Add("at", "future", "an interaction cannot take place in the future")
	}
	if !in.ReplyBy.IsZero() && in.ReplyBy.Before(in.At) {
		probs.Add("reply_by", "range", "is before the interaction")
	}
	in.Subject = cleanText(in.Subject)
	if in.Subject == "" {
		probs.Add("subject", "required", "say what the contact was about")
	}
	checkLen(&probs, "subject", in.Subject, maxShortText)
	in.Content = strings.TrimSpace(in.Content)
	checkLen(&probs, "content", in.Content, maxLongText)
	in.Outcome = strings.TrimSpace(in.Outcome)
	checkLen(&probs, "outcome", in.Outcome, maxLongText)
	in.AskedFor = cleanText(in.AskedFor)
	checkLen(&probs, "asked_for", in.AskedFor, maxShortText)
	in.Agent = strings.TrimSpace(in.Agent)
	checkLen(&probs, "agent", in.Agent, maxShortText)
	checkOptionalKey(&probs, in.Key)
	if in.Contact = strings.TrimSpace(in.Contact); in.Contact != "" {
		switch in.Channel {
		case ChannelPhone, ChannelSMS:
			p, err := NormalizePhone(in.Contact, s.region)
			probs.Merge("contact", err)
			in.Contact = p
		case ChannelEmail:
			e, err := NormalizeEmail(in.Contact)
			probs.Merge("contact", err)
			in.Contact = e
		default:
			checkLen(&probs, "contact", in.Contact, maxShortText)
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return &Interaction{
		ID: kehu.IDFrom[interactionKind](s.opts.NewID()), CustomerID: in.CustomerID,
		Channel: in.Channel, Direction: in.Direction, Purpose: in.Purpose, At: in.At,
		Contact: in.Contact, AskedFor: in.AskedFor, Agent: in.Agent, Subject: in.Subject,
		Content: in.Content, Outcome: in.Outcome, Urgency: in.Urgency, ReplyBy: in.ReplyBy,
		CreatedAt: now, Key: in.Key,
	}, nil
}

// RecordReply marks an interaction's reply as made at the given time (zero means now), with
// an optional outcome. Replying twice keeps the first reply time.
func (s *Service) RecordReply(ctx context.Context, id InteractionID, at time.Time, outcome string) (*Interaction, error) {
	at = kehu.Truncate(at)
	if at.IsZero() {
		at = s.opts.Now()
	}
	outcome = strings.TrimSpace(outcome)
	var probs kehu.Problems
	checkLen(&probs, "outcome", outcome, maxLongText)
	if at.After(s.opts.Now()) {
		probs.Add("at", "future", "a reply cannot be made in the future")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	var out *Interaction
	first := false
	err := s.store.UpdateInteraction(ctx, id, func(in *Interaction) error {
		if in.ReplyBy.IsZero() {
			return kehu.Invalid("reply_by", "required", "the interaction does not await a reply")
		}
		if at.Before(in.At) {
			return kehu.Invalid("at", "range", "the reply is before the interaction")
		}
		if in.RepliedAt.IsZero() {
			in.RepliedAt, in.ReplyRecordedAt = at, s.opts.Now()
			first = true
		}
		if outcome != "" {
			in.Outcome = outcome
		}
		out = in.Clone()
		return nil
	})
	if err != nil || !first {
		return out, err
	}
	return out, s.publish(ctx, InteractionEvent{
		Name: EventReplyRecorded, InteractionID: out.ID, CustomerID: out.CustomerID,
		Channel: out.Channel, Direction: out.Direction, At: at,
	})
}

// Timeline returns one page of a customer's interactions with from ≤ At < to (zero bounds
// are open), oldest first.
func (s *Service) Timeline(ctx context.Context, id CustomerID, from, to time.Time, page kehu.PageRequest) (kehu.Page[*Interaction], error) {
	if err := checkRange(from, to, page); err != nil {
		return kehu.Page[*Interaction]{}, err
	}
	if id.IsZero() {
		return kehu.Page[*Interaction]{}, kehu.Invalid("customer_id", "required", "is empty")
	}
	if _, err := s.store.GetCustomer(ctx, id); err != nil {
		return kehu.Page[*Interaction]{}, err
	}
	return s.store.ListInteractions(ctx, InteractionQuery{CustomerID: id, From: from, To: to, PageRequest: page})
}

// OverdueReplies returns one page of interactions, across all customers, whose reply was due
// before now (the service's clock) and has not been made, oldest first.
func (s *Service) OverdueReplies(ctx context.Context, page kehu.PageRequest) (kehu.Page[*Interaction], error) {
	if err := checkRange(time.Time{}, time.Time{}, page); err != nil {
		return kehu.Page[*Interaction]{}, err
	}
	return s.store.ListInteractions(ctx, InteractionQuery{OverdueAt: s.opts.Now(), PageRequest: page})
}

func checkRange(from, to time.Time, page kehu.PageRequest) error {
	var probs kehu.Problems
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		probs.Add("to", "range", "is before from")
	}
	if page.Limit < 0 {
		probs.Add("limit", "range", "must not be negative")
	}
	return probs.Err()
}
