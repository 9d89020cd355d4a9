package crm

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

// Domain errors of the crm package.
var (
	// ErrNoConsent reports an outbound contact the customer has not consented to.
	ErrNoConsent = errors.New("no consent for this contact")
	// ErrMerged reports a change aimed at a customer that was merged into another (a
	// tombstone). It matches kehu.ErrConflict.
	ErrMerged = fmt.Errorf("%w: customer was merged into another", kehu.ErrConflict)
	// ErrErased reports a change aimed at a customer whose personal data was erased. It
	// matches kehu.ErrConflict.
	ErrErased = fmt.Errorf("%w: customer was erased", kehu.ErrConflict)
)

// Service is the crm domain service: it normalises and validates input, enforces the
// lifecycle and consent rules, writes the audit history, and publishes events. It is safe
// for concurrent use. Make one with NewService: the zero value is not usable.
type Service struct {
	store  Store
	opts   kehu.Options
	region string
}

// DefaultRegion is the region in which a Service reads phone numbers typed without a
// country code, unless InRegion names another.
const DefaultRegion = "CN"

// NewService returns a service over store. A nil store means NewMemoryStore(); nil options
// mean the defaults (see Options). Phone numbers typed without a country code are read in
// DefaultRegion; InRegion returns a service that reads them elsewhere.
func NewService(store Store, opts *kehu.Options) *Service {
	if store == nil {
		store = NewMemoryStore()
	}
	return &Service{store: store, opts: opts.Resolved(), region: DefaultRegion}
}

// InRegion returns a copy of the service that reads phone numbers typed without a country
// code in region, an ISO 3166-1 alpha-2 code such as "US". The copy shares the store and
// options; s is unchanged. A region libphonenumber does not know makes every national
// number fail validation on field "phones[i].number".
func (s *Service) InRegion(region string) *Service {
	c := *s
	c.region = strings.ToUpper(strings.TrimSpace(region))
	return &c
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// CreateOptions are the optional parts of a new customer.
type CreateOptions struct {
	// Key, when not empty, makes the create idempotent: repeating it returns the customer the
	// first call created; repeating it with a different profile fails with
	// kehu.ErrKeyReused. It is checked by kehu.CheckHostKey and stored as given.
	Key string
	// Stage is the starting lifecycle stage; default StageIntent.
	Stage Stage
	// Reason is recorded in the audit history.
	Reason string
}

// CreateCustomer validates and stores a new customer, recording its creation in the audit
// history. The profile is normalised first (see Profile.Normalize).
func (s *Service) CreateCustomer(ctx context.Context, p Profile, opt *CreateOptions) (*Customer, error) {
	var o CreateOptions
	if opt != nil {
		o = *opt
	}
	var probs kehu.Problems
	p = p.Clone()
	probs.Merge("", p.Normalize(s.region))
	if o.Stage == "" {
		o.Stage = StageIntent
	}
	if !o.Stage.Valid() {
		probs.Addf("stage", "enum", "%q is not a stage", clip.String(string(o.Stage), 32))
	}
	checkOptionalKey(&probs, o.Key)
	checkLen(&probs, "reason", o.Reason, maxShortText)
	checkActor(ctx, &probs)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := s.opts.Now()
	actor := kehu.ActorFrom(ctx)
	c := &Customer{
		ID:        kehu.CustomerIDFrom(s.opts.NewID()),
		Version:   1,
		CreatedAt: now,
		UpdatedAt: now,
		Profile:   p,
		Stage:     o.Stage,
		StageHistory: []StageChange{{
			To: o.Stage, At: now, Actor: actor, Reason: o.Reason,
		}},
	}
	first := s.change(ctx, c, ActionCreate, o.Reason, o.Key, Diff(nil, c))
	err := s.store.CreateCustomer(ctx, c, first)
	if errors.Is(err, kehu.ErrDuplicate) && o.Key != "" {
		return s.replayCreate(ctx, c, first)
	}
	if err != nil {
		return nil, err
	}
	return c.Clone(), s.publish(ctx, CustomerEvent{
		Name: EventCustomerCreated, CustomerID: c.ID, Version: 1, At: now, Actor: actor,
		To: c.Stage, Fields: fieldNames(first.Fields),
	})
}

// replayCreate answers a repeated create: the first result if the payload is the same.
func (s *Service) replayCreate(ctx context.Context, c *Customer, first *Change) (*Customer, error) {
	prev, err := s.store.GetCustomerByKey(ctx, first.Key)
	if err != nil {
		return nil, err
	}
	h, err := s.store.History(ctx, prev.ID, kehu.PageRequest{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(h.Items) == 0 || !slices.Equal(h.Items[0].Fields, first.Fields) {
		return nil, fmt.Errorf("create customer with key %q: %w", first.Key, kehu.ErrKeyReused)
	}
	return prev, nil
}

func (s *Service) change(ctx context.Context, c *Customer, action, reason, key string, fields []FieldChange) *Change {
	return &Change{
		ID:         kehu.IDFrom[changeKind](s.opts.NewID()),
		CustomerID: c.ID,
		Version:    c.Version,
		At:         s.opts.Now(),
		Actor:      kehu.ActorFrom(ctx),
		Action:     action,
		Reason:     reason,
		Key:        key,
		Fields:     fields,
	}
}

func fieldNames(fs []FieldChange) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Field
	}
	return out
}

func (s *Service) publish(ctx context.Context, events ...kehu.Event) error {
	if err := s.opts.Events.Publish(ctx, events...); err != nil {
		return fmt.Errorf("change stored, but publishing events failed: %w", err)
	}
	return nil
}

// GetCustomer returns the customer, or kehu.ErrNotFound. A merged-away customer is returned as
// its tombstone (see ResolveCustomer).
func (s *Service) GetCustomer(ctx context.Context, id CustomerID) (*Customer, error) {
	return s.store.GetCustomer(ctx, id)
}

// ResolveCustomer returns the customer, following merge tombstones to the survivor.
func (s *Service) ResolveCustomer(ctx context.Context, id CustomerID) (*Customer, error) {
	for range 32 {
		c, err := s.store.GetCustomer(ctx, id)
		if err != nil || !c.IsTombstone() {
			return c, err
		}
		id = c.MergedInto
	}
	return nil, fmt.Errorf("customer %s: merge chain longer than 32: %w", id, kehu.ErrConflict)
}

// UpdateOptions qualify a change.
type UpdateOptions struct {
	// Key, when not empty, makes the change idempotent: a repeat with the same key changes
	// nothing and returns the customer as it is; a repeat that is another command (a stage
	// change keyed like an earlier profile update, another target stage, a consent for
	// another channel, purpose, choice, source or time) fails with kehu.ErrKeyReused, also
	// when it would change nothing. Keys are unique per customer and checked by
	// kehu.CheckHostKey.
	Key string
	// IfVersion, when not zero, applies the change only if the customer is still at that
	// version (optimistic concurrency for hosts that read, show and then write); otherwise
	// the change fails with kehu.ErrConflict.
	IfVersion int64
	// Reason is recorded in the audit history: at most 200 characters.
	Reason string
}

// check checks what a change records in the audit history besides its own fields: the
// key, the reason and the actor.
func (o UpdateOptions) check(ctx context.Context, probs *kehu.Problems) {
	checkOptionalKey(probs, o.Key)
	checkLen(probs, "reason", o.Reason, maxShortText)
	checkActor(ctx, probs)
}

// errNoChange tells update that fn made no change, so nothing is written.
var errNoChange = errors.New("no change")

// maxAttempts bounds how often the service retries a write that lost a race in a store
// that detects conflicts optimistically instead of serialising writers.
const maxAttempts = 8

// update runs a guarded change: it refuses tombstones and erased customers, checks
// IfVersion, lets mutate change a copy, and stores it with an audit entry of the diff. If
// mutate changes nothing, nothing is written. A store's kehu.ErrConflict (a lost race) is retried
// against the fresh version. It returns the stored customer and the entry (nil when nothing
// changed). digest fingerprints what the command asked (see Change.Digest); it is kept with
// a key, and "" for a command whose payload cannot be fingerprinted.
func (s *Service) update(ctx context.Context, id CustomerID, action string, o UpdateOptions, digest string,
	mutate func(c *Customer) error) (*Customer, *Change, error) {
	var probs kehu.Problems
	o.check(ctx, &probs)
	if err := probs.Err(); err != nil {
		return nil, nil, err
	}
	var (
		saved *Customer
		entry *Change
		ruled bool // the error, if any, is the service's own ruling, not the store's
		err   error
	)
	for range maxAttempts {
		saved, entry, ruled = nil, nil, false
		err = s.store.UpdateCustomer(ctx, id, func(c *Customer) (*Change, error) {
			ruled = true
			switch {
			case c.IsTombstone():
				return nil, fmt.Errorf("customer %s merged into %s: %w", c.ID, c.MergedInto, ErrMerged)
			case !c.ErasedAt.IsZero():
				return nil, fmt.Errorf("customer %s: %w", c.ID, ErrErased)
			case o.IfVersion != 0 && c.Version != o.IfVersion:
				return nil, fmt.Errorf("customer %s is at version %d, not %d: %w", c.ID, c.Version, o.IfVersion, kehu.ErrConflict)
			}
			before := c.Clone()
			if err := mutate(c); err != nil {
				return nil, err
			}
			diff := Diff(before, c)
			if len(diff) == 0 {
				saved = before
				return nil, errNoChange
			}
			c.Version = before.Version + 1
			c.UpdatedAt = s.opts.Now()
			entry = s.change(ctx, c, action, o.Reason, o.Key, diff)
			if o.Key != "" {
				entry.Digest = digest
			}
			saved = c.Clone()
			ruled = false
			return entry, nil
		})
		if err == nil || ruled || !errors.Is(err, kehu.ErrConflict) || o.IfVersion != 0 {
			break
		}
	}
	switch {
	case errors.Is(err, errNoChange) && o.Key != "":
		// Nothing to write, but a key used for another command is refused all the same.
		if _, err := s.sameCommand(ctx, id, &Change{Action: action, Key: o.Key, Digest: digest}); err != nil &&
			!errors.Is(err, kehu.ErrNotFound) {
			return nil, nil, err
		}
		return saved, nil, nil
	case errors.Is(err, errNoChange):
		return saved, nil, nil
	case errors.Is(err, kehu.ErrDuplicate) && o.Key != "" && entry != nil:
		return s.replayUpdate(ctx, id, entry)
	case err != nil && ruled && o.Key != "":
		// A repeat that comes after its first attempt committed, or races it, may find the
		// customer moved on (another version than IfVersion, merged away): the key answers
		// before any rule does.
		c, _, rerr := s.replayUpdate(ctx, id, &Change{Action: action, Key: o.Key, Digest: digest})
		if errors.Is(rerr, kehu.ErrNotFound) {
			return nil, nil, err
		}
		return c, nil, rerr
	case err != nil:
		return nil, nil, err
	}
	return saved, entry, nil
}

// replayUpdate answers a change whose key the customer's history already holds: the
// customer as it is if the first change with the key is the same command, else
// kehu.ErrKeyReused.
func (s *Service) replayUpdate(ctx context.Context, id CustomerID, repeat *Change) (*Customer, *Change, error) {
	if _, err := s.sameCommand(ctx, id, repeat); err != nil {
		return nil, nil, err
	}
	c, err := s.store.GetCustomer(ctx, id)
	return c, nil, err
}

// sameCommand finds the change of the customer's history made with repeat's key and checks
// that it was made by the same command as repeat: kehu.ErrKeyReused if not, kehu.ErrNotFound
// if no change holds the key. The same command is the same action with the same digest (the
// consent, the target stage). A profile update's payload is a function, so for it the
// action alone tells a repeat from a key reused for something else; so it does for a
// change recorded before changes kept digests, with, for a stage change, the same target
// stage.
func (s *Service) sameCommand(ctx context.Context, id CustomerID, repeat *Change) (*Change, error) {
	first, err := s.changeByKey(ctx, id, repeat.Key)
	if err != nil {
		return nil, err
	}
	same := first.Action == repeat.Action
	switch {
	case !same:
	case first.Digest != "":
		same = first.Digest == repeat.Digest
	case repeat.Action == ActionStage:
		for _, f := range repeat.Fields {
			if g, ok := first.Field(f.Field); !ok || g.New != f.New {
				same = false
			}
		}
	}
	if !same {
		return nil, fmt.Errorf("customer %s change with key %q: %w", id, repeat.Key, kehu.ErrKeyReused)
	}
	return first, nil
}

// changeByKey finds the entry of a customer's history made with key.
func (s *Service) changeByKey(ctx context.Context, id CustomerID, key string) (*Change, error) {
	page := kehu.PageRequest{Limit: 1000}
	for {
		h, err := s.store.History(ctx, id, page)
		if err != nil {
			return nil, err
		}
		for i := range h.Items {
			if h.Items[i].Key == key {
				return &h.Items[i], nil
			}
		}
		if h.Next == "" {
			return nil, fmt.Errorf("customer %s: no change with key %q: %w", id, key, kehu.ErrNotFound)
		}
		page.After = h.Next
	}
}

// UpdateCustomer changes a customer's profile. fn edits a copy of the profile; the service
// then normalises and validates it, and stores it with an audit entry holding each changed
// field's old and new value. If fn returns an error, or the result is invalid, nothing is
// written. A change that changes nothing writes nothing.
func (s *Service) UpdateCustomer(ctx context.Context, id CustomerID, fn func(p *Profile) error, opt *UpdateOptions) (*Customer, error) {
	var o UpdateOptions
	if opt != nil {
		o = *opt
	}
	if fn == nil {
		return nil, kehu.Invalid("fn", "required", "no change function given")
	}
	c, entry, err := s.update(ctx, id, ActionUpdate, o, "", func(c *Customer) error {
		p := c.Profile.Clone()
		if err := fn(&p); err != nil {
			return err
		}
		if err := p.Normalize(s.region); err != nil {
			return err
		}
		c.Profile = p
		return nil
	})
	if err != nil || entry == nil {
		return c, err
	}
	return c, s.publish(ctx, CustomerEvent{
		Name: EventCustomerUpdated, CustomerID: c.ID, Version: c.Version, At: entry.At,
		Actor: entry.Actor, Fields: fieldNames(entry.Fields),
	})
}

// ChangeStage moves a customer to another lifecycle stage if Stage.CanMoveTo allows it, and
// records the move in the stage history and the audit history. Moving to the current stage
// changes nothing.
func (s *Service) ChangeStage(ctx context.Context, id CustomerID, to Stage, opt *UpdateOptions) (*Customer, error) {
	var o UpdateOptions
	if opt != nil {
		o = *opt
	}
	if !to.Valid() {
		return nil, kehu.Invalid("stage", "enum", fmt.Sprintf("%q is not a stage", clip.String(string(to), 32)))
	}
	var from Stage
	c, entry, err := s.update(ctx, id, ActionStage, o, fingerprint.Of("crm-stage", to), func(c *Customer) error {
		from = c.Stage
		if from == to {
			return nil
		}
		if !from.CanMoveTo(to) {
			return &kehu.ValidationError{Fields: []kehu.FieldError{{Field: "stage", Rule: "transition",
				Message: fmt.Sprintf("cannot move from %s to %s (allowed: %v)", from, to, from.Next())}}}
		}
		c.Stage = to
		c.StageHistory = append(c.StageHistory, StageChange{
			From: from, To: to, At: s.opts.Now(), Actor: kehu.ActorFrom(ctx), Reason: o.Reason,
		})
		return nil
	})
	if err != nil || entry == nil {
		return c, err
	}
	return c, s.publish(ctx, CustomerEvent{
		Name: EventStageChanged, CustomerID: c.ID, Version: c.Version, At: entry.At,
		Actor: entry.Actor, From: from, To: to, Fields: []string{"stage"},
	})
}

// ConsentInput records a customer's consent, or its withdrawal, for one channel and purpose.
type ConsentInput struct {
	Channel ConsentChannel
	Purpose Purpose
	Granted bool
	// Source is where it was given: "web-form", "store:042", "call:agent-7". Required.
	Source string
	// At is when the customer gave it; zero means now. It may not be in the future.
	At time.Time
}

// RecordConsent stores the current consent for a channel and purpose and audits the change.
// An older statement than the one held (by At) is refused with kehu.ErrConflict, so a late
// message cannot overturn a newer choice. With a key, a repeat — the same channel, purpose,
// choice, source and At as given — returns the customer as it is; the key used before for
// anything else (a withdrawal under the key of a grant, say) fails with kehu.ErrKeyReused
// and records nothing.
func (s *Service) RecordConsent(ctx context.Context, id CustomerID, in ConsentInput, opt *UpdateOptions) (*Customer, error) {
	var o UpdateOptions
	if opt != nil {
		o = *opt
	}
	now := s.opts.Now()
	var probs kehu.Problems
	if !in.Channel.Valid() {
		probs.Addf("channel", "enum", "%q is not a consent channel", clip.String(string(in.Channel), 32))
	}
	if !in.Purpose.Valid() {
		probs.Addf("purpose", "enum", "%q is not a purpose", clip.String(string(in.Purpose), 32))
	}
	in.Source = cleanText(in.Source)
	if in.Source == "" {
		probs.Add("source", "required", "say where the consent was given")
	}
	checkLen(&probs, "source", in.Source, maxShortText)
	in.At = kehu.Truncate(in.At)
	digest := consentDigest(in) // At as given: zero, now, is not what a repeat is told by
	if in.At.IsZero() {
		in.At = now
	}
	if in.At.After(now) {
		probs.Add("at", "future", "consent cannot be given in the future")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	c, entry, err := s.update(ctx, id, ActionConsent, o, digest, func(c *Customer) error {
		k := Consent{Channel: in.Channel, Purpose: in.Purpose, Granted: in.Granted, At: in.At, Source: in.Source}
		for i, old := range c.Consents {
			if old.Channel == in.Channel && old.Purpose == in.Purpose {
				if in.At.Before(old.At) {
					return fmt.Errorf("consent for %s/%s given at %s is older than the one held (%s): %w",
						in.Channel, in.Purpose, in.At.Format(time.RFC3339), old.At.Format(time.RFC3339), kehu.ErrConflict)
				}
				c.Consents[i] = k
				return nil
			}
		}
		c.Consents = append(c.Consents, k)
		return nil
	})
	if err != nil || entry == nil {
		return c, err
	}
	return c, s.publish(ctx, CustomerEvent{
		Name: EventConsentRecorded, CustomerID: c.ID, Version: c.Version, At: entry.At,
		Actor: entry.Actor, Fields: fieldNames(entry.Fields),
	})
}

// consentDigest fingerprints what a consent command asked: its channel, purpose, choice,
// source and time as given (zero when not given), the time in UTC.
func consentDigest(in ConsentInput) string {
	at := in.At
	if !at.IsZero() {
		at = at.UTC()
	}
	return fingerprint.Of("crm-consent", struct {
		Channel ConsentChannel `json:"channel"`
		Purpose Purpose        `json:"purpose"`
		Granted bool           `json:"granted"`
		Source  string         `json:"source"`
		At      time.Time      `json:"at,omitzero"`
	}{in.Channel, in.Purpose, in.Granted, in.Source, at})
}

// History returns one page of a customer's audit history in the order it was recorded.
func (s *Service) History(ctx context.Context, id CustomerID, page kehu.PageRequest) (kehu.Page[Change], error) {
	if page.Limit < 0 {
		return kehu.Page[Change]{}, kehu.Invalid("limit", "range", "must not be negative")
	}
	return s.store.History(ctx, id, page)
}

// FindByEmail returns the customers holding the email address, typed in any case.
func (s *Service) FindByEmail(ctx context.Context, email string) ([]*Customer, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	return s.store.LookupCustomers(ctx, LookupEmail, e)
}

// FindByPhone returns the customers holding the phone number, typed in any format; numbers
// without a country code are read in the service's region (see InRegion).
func (s *Service) FindByPhone(ctx context.Context, phone string) ([]*Customer, error) {
	p, err := NormalizePhone(phone, s.region)
	if err != nil {
		return nil, err
	}
	return s.store.LookupCustomers(ctx, LookupPhone, p)
}

// Query is a customer search.
type Query struct {
	// Keyword is what the user typed: words of a name (in any script), a company, an email,
	// a tag, or a phone number in any format. Every word must match.
	Keyword string
	// Stages keeps customers in any of these stages.
	Stages []Stage
	// Tags keeps customers having every one of these tags.
	Tags []string
	// Owner keeps customers of this account manager.
	Owner string
	// CreatedFrom and CreatedTo keep customers created in [CreatedFrom, CreatedTo).
	CreatedFrom, CreatedTo time.Time
	// IncludeTombstones also returns merged-away customers.
	IncludeTombstones bool
	kehu.PageRequest
}

// Search returns one page of the customers matching q, in a stable order (by ID, which is
// creation order for the default IDs). Pass the page's Next as q.After for the next page.
func (s *Service) Search(ctx context.Context, q Query) (kehu.Page[*Customer], error) {
	var probs kehu.Problems
	terms, err := ParseKeyword(q.Keyword)
	probs.Merge("", err)
	for i, st := range q.Stages {
		if !st.Valid() {
			probs.Addf(fmt.Sprintf("stages[%d]", i), "enum", "%q is not a stage", clip.String(string(st), 32))
		}
	}
	tags := normalizeList(q.Tags, "tags", true, 64, &probs)
	checkLen(&probs, "owner", strings.TrimSpace(q.Owner), maxShortText)
	if q.Limit < 0 {
		probs.Add("limit", "range", "must not be negative")
	}
	if !q.CreatedFrom.IsZero() && !q.CreatedTo.IsZero() && q.CreatedTo.Before(q.CreatedFrom) {
		probs.Add("created_to", "range", "is before created_from")
	}
	if err := probs.Err(); err != nil {
		return kehu.Page[*Customer]{}, err
	}
	return s.store.SearchCustomers(ctx, SearchQuery{
		Terms: terms, Stages: q.Stages, Tags: tags, Owner: strings.TrimSpace(q.Owner),
		CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo,
		IncludeTombstones: q.IncludeTombstones, PageRequest: q.PageRequest,
	})
}

// checkActor checks the actor the context names (kehu.WithActor), whom the audit history
// records: a name every store keeps as given (kehu.CheckName).
func checkActor(ctx context.Context, probs *kehu.Problems) {
	probs.Merge("", kehu.CheckName("actor", kehu.ActorFrom(ctx)))
}

// checkOptionalKey checks a host's idempotency key, if one is given.
func checkOptionalKey(probs *kehu.Problems, key string) {
	if key != "" {
		probs.Merge("", kehu.CheckHostKey("key", key))
	}
}
