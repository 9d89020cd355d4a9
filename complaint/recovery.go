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
	"github.com/kehu-crm/kehu/internal/enum"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// Actions of service recovery, recorded in a case's Steps.
const (
	// Apologised: the customer received an apology.
	Apologised Action = "apologised"
	// Fixed: what went wrong was put right (a fix was recorded).
	Fixed Action = "fixed"
	// CompensationRequested: a compensation grant was asked for; within the requester's
	// ceiling it is approved by the same step.
	CompensationRequested Action = "compensation_requested"
	// CompensationApproved and CompensationRefused: a grant above the requester's ceiling
	// was decided by a role whose ceiling covers it.
	CompensationApproved Action = "compensation_approved"
	CompensationRefused  Action = "compensation_refused"
	// CompensationGranted: the Compensator paid an approved grant.
	CompensationGranted Action = "compensation_granted"
	// FollowedUp: the customer was contacted after the recovery.
	FollowedUp Action = "followed_up"
	// SatisfactionRecorded: the customer's satisfaction after recovery was recorded.
	SatisfactionRecorded Action = "satisfaction_recorded"
)

// Recovery is what a host did to put a failure right and keep the customer: an apology,
// fixes, compensation, follow-ups and the customer's satisfaction afterwards. The Service
// fills it in, one step of the audit trail per command.
type Recovery struct {
	Apology      *Apology      `json:"apology,omitempty"`
	Fixes        []Fix         `json:"fixes,omitempty"`
	Grants       []Grant       `json:"grants,omitempty"`
	FollowUps    []FollowUp    `json:"follow_ups,omitempty"`
	Satisfaction *Satisfaction `json:"satisfaction,omitempty"`
}

// Clone returns a deep copy; nil stays nil.
func (r *Recovery) Clone() *Recovery {
	if r == nil {
		return nil
	}
	out := Recovery{Fixes: slices.Clone(r.Fixes), Grants: slices.Clone(r.Grants), FollowUps: slices.Clone(r.FollowUps)}
	if r.Apology != nil {
		a := *r.Apology
		out.Apology = &a
	}
	if r.Satisfaction != nil {
		s := *r.Satisfaction
		if s.Before != nil {
			b := *s.Before
			s.Before = &b
		}
		out.Satisfaction = &s
	}
	return &out
}

// Grant returns the grant with the ID, or nil.
func (r *Recovery) Grant(id GrantID) *Grant {
	if r == nil {
		return nil
	}
	for i := range r.Grants {
		if r.Grants[i].ID == id {
			return &r.Grants[i]
		}
	}
	return nil
}

// Apology is the apology a customer received.
type Apology struct {
	At      time.Time `json:"at"`
	Channel Channel   `json:"channel"`
	// By is who apologised (the actor of the step).
	By string `json:"by,omitempty"`
}

// Fix is one thing done to put the failure right: a replacement sent, a charge reversed, a
// process changed.
type Fix struct {
	At   time.Time `json:"at"`
	What string    `json:"what"`
	By   string    `json:"by,omitempty"`
}

// FollowUp is a contact with the customer after the recovery, and what it found.
type FollowUp struct {
	At      time.Time      `json:"at"`
	Channel Channel        `json:"channel"`
	Result  FollowUpResult `json:"result"`
	By      string         `json:"by,omitempty"`
}

// FollowUpResult is what a follow-up found.
type FollowUpResult string

// Follow-up results.
const (
	// FollowUpRestored: the customer is satisfied with how the failure was put right.
	FollowUpRestored FollowUpResult = "restored"
	// FollowUpNotRestored: the customer is still dissatisfied; the case may be reopened.
	FollowUpNotRestored FollowUpResult = "not_restored"
	// FollowUpUnreachable: the customer could not be reached.
	FollowUpUnreachable FollowUpResult = "unreachable"
)

// Valid reports whether r is a declared result.
func (r FollowUpResult) Valid() bool {
	return r == FollowUpRestored || r == FollowUpNotRestored || r == FollowUpUnreachable
}

// ParseFollowUpResult reads a result; anything else is a *kehu.ValidationError on "result".
func ParseFollowUpResult(s string) (FollowUpResult, error) {
	return enum.Parse[FollowUpResult]("result", s)
}

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown results.
func (r *FollowUpResult) UnmarshalText(b []byte) error { return enum.Unmarshal("result", r, b) }

// Scale is the rating scale satisfaction is measured on, both ends included: {1, 5} for the
// usual five-point scale.
type Scale struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// MaxScale bounds a scale's ends: 0 ≤ Min < Max ≤ MaxScale.
const MaxScale = 100

func (sc Scale) check() error {
	if sc.Min < 0 || sc.Max > MaxScale || sc.Min >= sc.Max {
		return kehu.Invalid("scale", "range", fmt.Sprintf("%d to %d is not a scale: want 0 ≤ min < max ≤ %d", sc.Min, sc.Max, MaxScale))
	}
	return nil
}

// Satisfaction is the customer's satisfaction after recovery on the three dimensions of
// fairness a complainant judges a recovery by: the outcome (what they got: distributive
// fairness), the speed (how quickly and easily it came: procedural fairness) and the
// courtesy (how they were treated: interactional fairness), each on Scale.
type Satisfaction struct {
	Scale    Scale `json:"scale"`
	Outcome  int   `json:"outcome"`
	Speed    int   `json:"speed"`
	Courtesy int   `json:"courtesy"`
	// Before is the customer's overall satisfaction before the recovery, on the same
	// scale, as the host measured it (at the complaint, from a survey), if it did.
	Before *int      `json:"before,omitempty"`
	At     time.Time `json:"at"`
}

// After is the overall satisfaction after recovery: the mean of the three dimensions.
func (s Satisfaction) After() float64 { return float64(s.Outcome+s.Speed+s.Courtesy) / 3 }

// CompensationType is what a grant gives.
type CompensationType string

// Compensation types. Points are counted in Grant.Points; the others have a value in
// money, Grant.Money (a gift at its cost).
const (
	CompensationPoints CompensationType = "points"
	CompensationCoupon CompensationType = "coupon"
	CompensationRefund CompensationType = "refund"
	CompensationGift   CompensationType = "gift"
)

// Valid reports whether t is a declared type.
func (t CompensationType) Valid() bool {
	return t == CompensationPoints || t == CompensationCoupon || t == CompensationRefund || t == CompensationGift
}

// ParseCompensationType reads a type; anything else is a *kehu.ValidationError on "type".
func ParseCompensationType(s string) (CompensationType, error) {
	return enum.Parse[CompensationType]("type", s)
}

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown types.
func (t *CompensationType) UnmarshalText(b []byte) error { return enum.Unmarshal("type", t, b) }

// GrantStatus is where a compensation grant stands:
//
//	requested → approved → granted
//	requested → refused
//
// A grant within the requester's ceiling is approved when it is requested.
type GrantStatus string

// Grant statuses.
const (
	// GrantRequested: above the requester's ceiling, waiting for a decision.
	GrantRequested GrantStatus = "requested"
	// GrantApproved: approved, not yet paid by the Compensator.
	GrantApproved GrantStatus = "approved"
	// GrantGranted: paid; Grant.Reference is the Compensator's reference.
	GrantGranted GrantStatus = "granted"
	// GrantRefused: refused by an approver.
	GrantRefused GrantStatus = "refused"
)

// Valid reports whether s is a declared status.
func (s GrantStatus) Valid() bool {
	return s == GrantRequested || s == GrantApproved || s == GrantGranted || s == GrantRefused
}

// ParseGrantStatus reads a status; anything else is a *kehu.ValidationError on "status".
func ParseGrantStatus(s string) (GrantStatus, error) { return enum.Parse[GrantStatus]("status", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown statuses.
func (s *GrantStatus) UnmarshalText(b []byte) error { return enum.Unmarshal("status", s, b) }

// committed reports whether a grant in status s counts against a ceiling.
func (s GrantStatus) committed() bool { return s == GrantApproved || s == GrantGranted }

type grantKind struct{}

func (grantKind) KindName() string { return "grant_id" }

// GrantID identifies a compensation grant.
type GrantID = kehu.ID[grantKind]

// ParseGrantID parses a grant ID.
func ParseGrantID(s string) (GrantID, error) { return kehu.ParseID[grantKind](s) }

// GrantIDFrom wraps a UUID as a GrantID.
var GrantIDFrom = kehu.IDFrom[grantKind]

// Grant is one compensation given to a complainant, from request to payment.
type Grant struct {
	ID       GrantID          `json:"id"`
	Case     CaseID           `json:"case"`
	Customer kehu.CustomerID  `json:"customer"`
	Type     CompensationType `json:"type"`
	// Money is the value of a coupon, refund or gift; Points the points granted.
	Money  kehu.Money  `json:"money,omitzero"`
	Points int64       `json:"points,omitempty"`
	Status GrantStatus `json:"status"`
	// RequestedBy is the actor who asked for the grant, under RequestedRole.
	RequestedBy   string    `json:"requested_by,omitempty"`
	RequestedRole string    `json:"requested_role"`
	RequestedAt   time.Time `json:"requested_at"`
	// DecidedBy, DecidedRole and DecidedAt record who approved or refused the grant: the
	// requester when it was within their ceiling.
	DecidedBy   string    `json:"decided_by,omitempty"`
	DecidedRole string    `json:"decided_role,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	// GrantedAt is when the payment was recorded, and Reference what the Compensator
	// answered (a loyalty entry, a refund number).
	GrantedAt time.Time `json:"granted_at,omitzero"`
	Reference string    `json:"reference,omitempty"`
	// Key is the idempotency key of the payment, "complaint.compensation:" followed by the
	// case and the grant: the Compensator gets the same key on every attempt, so it pays at
	// most once. It is a key a host may pass on as its own (to loyalty's Points.Key, to a
	// payment provider): it does not start with kehu.LibraryKeyPrefix.
	Key string `json:"key"`
	// RequestKey is the key of the RequestCompensation command that asked for the grant.
	RequestKey string `json:"request_key"`
}

// Compensator pays an approved grant: the host wires it to loyalty (points, coupons) or to
// its payments (refunds), so complaint imports neither.
//
// Compensate must be idempotent by g.Key: the Service calls it again with the same key
// when a command is retried, or when SettleCompensation runs after a crash between
// paying and recording the payment, and every call with one key must pay once and return
// the same reference. (loyalty's commands take such a key: pass g.Key as theirs.)
type Compensator interface {
	Compensate(ctx context.Context, g Grant) (reference string, err error)
}

// RecoverySurveyor asks a customer how their complaint was handled, once a case is closed.
// The host wires it to the survey package.
type RecoverySurveyor interface {
	RequestRecoverySurvey(ctx context.Context, c *Case) error
}

// ErrNotConfigured reports a compensation command on a service made without
// WithCompensation.
var ErrNotConfigured = errors.New("complaint: compensation is not configured: make the service with WithCompensation")

// ErrBeyondAuthority reports an approval by a role whose ceiling does not cover the grant.
// The error is also a *kehu.ValidationError on "role", rule "ceiling", and matches
// kehu.ErrInvalid.
var ErrBeyondAuthority = errors.New("complaint: the grant is beyond the role's ceiling")

// recoverySettings are the recovery parts of a Service.
type recoverySettings struct {
	empowerment *Empowerment
	compensator Compensator
	surveyor    RecoverySurveyor
}

// WithCompensation returns a copy of the service that grants compensation within the
// ceilings of e and pays it through c. Both are required by the compensation commands,
// which fail with ErrNotConfigured without them.
func (s *Service) WithCompensation(e *Empowerment, c Compensator) *Service {
	out := *s
	out.recovery.empowerment, out.recovery.compensator = e, c
	return &out
}

// WithRecoverySurvey returns a copy of the service that calls sv once for every closure of
// a case (an accepted Answer, or a Move to Closed), after storing it; never for a repeated
// command. An error of sv is returned with the stored case.
func (s *Service) WithRecoverySurvey(sv RecoverySurveyor) *Service {
	out := *s
	out.recovery.surveyor = sv
	return &out
}

// afterStep runs after a step is stored: it asks for the recovery survey of a closure.
func (s *Service) afterStep(ctx context.Context, c *Case, st Step) error {
	if s.recovery.surveyor == nil || st.To != Closed || st.From == Closed {
		return nil
	}
	if err := s.recovery.surveyor.RequestRecoverySurvey(ctx, c.Clone()); err != nil {
		return fmt.Errorf("stored, but requesting the recovery survey failed: %w", err)
	}
	return nil
}

// MaxRecoveryEntries bounds the fixes, grants and follow-ups of one case, each.
const MaxRecoveryEntries = 100

func checkText(p *kehu.Problems, field, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		p.Add(field, "required", "is empty")
	case len(v) > max:
		p.Addf(field, "max_length", "is longer than %d bytes", max)
	default:
		p.Merge("", kehu.CheckText(field, v))
	}
}

// recoverable refuses recovery on a merged case: its recovery goes with the case it went into.
func recoverable(c *Case) error {
	if c.Status == Merged {
		return kehu.Invalid("case", "merged", fmt.Sprintf("the case was merged into %s: recover it there", c.MergedInto))
	}
	return nil
}

// mergedGrants lists the grants of the cases merged into case id, directly or through a
// case merged into it: one complaint's, which its ceilings count together, so that a
// complaint made twice (by phone and by email) and merged gets the ceiling once. A merged
// case takes no grant after its merge, so what it lists cannot grow. (A merge that
// commits while a grant is being decided is not counted by that decision.)
func (s *Service) mergedGrants(ctx context.Context, id CaseID) ([]Grant, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	into := map[CaseID][]*Case{}
	q := CaseQuery{Customer: c.Customer, Statuses: []Status{Merged}, PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.ListCases(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, m := range page.Items {
			into[m.MergedInto] = append(into[m.MergedInto], m)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	var out []Grant
	seen := map[CaseID]bool{id: true}
	for todo := []CaseID{id}; len(todo) > 0; todo = todo[1:] {
		for _, m := range into[todo[0]] {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			if m.Recovery != nil {
				out = append(out, m.Recovery.Grants...)
			}
			todo = append(todo, m.ID)
		}
	}
	return out, nil
}

func recovery(c *Case) *Recovery {
	if c.Recovery == nil {
		c.Recovery = &Recovery{}
	}
	return c.Recovery
}

// Apologise is the command that records an apology.
type Apologise struct {
	// Channel is how the apology was made.
	Channel Channel `json:"channel"`
	Note    string  `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// Apologise records the apology the customer received, with its time and channel. A case
// is apologised for once (a second apology is rule "once" on "case"); a merged case not at
// all.
func (s *Service) Apologise(ctx context.Context, id CaseID, a Apologise) (*Case, error) {
	var p kehu.Problems
	if !a.Channel.Valid() {
		p.Addf("channel", "enum", "%s is not a channel", clip.Quote(string(a.Channel)))
	}
	checkText(&p, "note", a.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, Apologised, a.Key, "apologise", a, a.Note, func(c *Case, _ *Step) error {
		if err := recoverable(c); err != nil {
			return err
		}
		r := recovery(c)
		if r.Apology != nil {
			return kehu.Invalid("case", "once", "the customer has been apologised to")
		}
		r.Apology = &Apology{At: s.opts.Now(), Channel: a.Channel, By: kehu.ActorFrom(ctx)}
		return nil
	})
}

// RecordFix is the command that records what was done to put the failure right.
type RecordFix struct {
	What string `json:"what"`
	Note string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// RecordFix records a fix: what was done to put the failure right.
func (s *Service) RecordFix(ctx context.Context, id CaseID, f RecordFix) (*Case, error) {
	var p kehu.Problems
	checkText(&p, "what", f.What, true, MaxWordsBytes)
	checkText(&p, "note", f.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, Fixed, f.Key, "fix", f, f.Note, func(c *Case, _ *Step) error {
		if err := recoverable(c); err != nil {
			return err
		}
		r := recovery(c)
		if len(r.Fixes) >= MaxRecoveryEntries {
			return kehu.Invalid("case", "max_items", fmt.Sprintf("has %d fixes already", len(r.Fixes)))
		}
		r.Fixes = append(r.Fixes, Fix{At: s.opts.Now(), What: f.What, By: kehu.ActorFrom(ctx)})
		return nil
	})
}

// RecordFollowUp is the command that records a follow-up contact.
type RecordFollowUp struct {
	Channel Channel        `json:"channel"`
	Result  FollowUpResult `json:"result"`
	Note    string         `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// RecordFollowUp records a contact with the customer after the recovery and what it found.
func (s *Service) RecordFollowUp(ctx context.Context, id CaseID, f RecordFollowUp) (*Case, error) {
	var p kehu.Problems
	if !f.Channel.Valid() {
		p.Addf("channel", "enum", "%s is not a channel", clip.Quote(string(f.Channel)))
	}
	if !f.Result.Valid() {
		p.Addf("result", "enum", "%s is not restored, not_restored or unreachable", clip.Quote(string(f.Result)))
	}
	checkText(&p, "note", f.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, FollowedUp, f.Key, "follow_up", f, f.Note, func(c *Case, _ *Step) error {
		if err := recoverable(c); err != nil {
			return err
		}
		r := recovery(c)
		if len(r.FollowUps) >= MaxRecoveryEntries {
			return kehu.Invalid("case", "max_items", fmt.Sprintf("has %d follow-ups already", len(r.FollowUps)))
		}
		r.FollowUps = append(r.FollowUps, FollowUp{At: s.opts.Now(), Channel: f.Channel, Result: f.Result, By: kehu.ActorFrom(ctx)})
		return nil
	})
}

// RecordSatisfaction is the command that records the customer's satisfaction after
// recovery.
type RecordSatisfaction struct {
	Scale    Scale `json:"scale"`
	Outcome  int   `json:"outcome"`
	Speed    int   `json:"speed"`
	Courtesy int   `json:"courtesy"`
	// Before is the overall satisfaction before the recovery, as the host measured it;
	// nil if it did not.
	Before *int   `json:"before,omitempty"`
	Note   string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// RecordSatisfaction records the customer's satisfaction after recovery on the three
// fairness dimensions, each within the declared scale (rule "range"), and optionally the
// satisfaction before. It is recorded once per case (rule "once" on "case").
func (s *Service) RecordSatisfaction(ctx context.Context, id CaseID, r RecordSatisfaction) (*Case, error) {
	var p kehu.Problems
	scaleErr := r.Scale.check()
	p.Merge("", scaleErr)
	if scaleErr == nil {
		fields := []struct {
			name string
			v    *int
		}{{"outcome", &r.Outcome}, {"speed", &r.Speed}, {"courtesy", &r.Courtesy}, {"before", r.Before}}
		for _, f := range fields {
			if f.v != nil && (*f.v < r.Scale.Min || *f.v > r.Scale.Max) {
				p.Addf(f.name, "range", "%d is outside the scale %d to %d", *f.v, r.Scale.Min, r.Scale.Max)
			}
		}
	}
	checkText(&p, "note", r.Note, false, MaxWordsBytes)
	return s.command(ctx, id, &p, SatisfactionRecorded, r.Key, "satisfaction", r, r.Note, func(c *Case, _ *Step) error {
		if err := recoverable(c); err != nil {
			return err
		}
		rec := recovery(c)
		if rec.Satisfaction != nil {
			return kehu.Invalid("case", "once", "the satisfaction after recovery is recorded")
		}
		sat := &Satisfaction{Scale: r.Scale, Outcome: r.Outcome, Speed: r.Speed, Courtesy: r.Courtesy, At: s.opts.Now()}
		if r.Before != nil {
			b := *r.Before
			sat.Before = &b
		}
		rec.Satisfaction = sat
		return nil
	})
}

// RequestCompensation is the command that asks for a compensation grant.
type RequestCompensation struct {
	Type CompensationType `json:"type"`
	// Money is the value of a coupon, refund or gift (positive); Points the points of a
	// points grant (positive). The other stays zero.
	Money  kehu.Money `json:"money,omitzero"`
	Points int64      `json:"points,omitempty"`
	// Role is the requester's role, which sets their ceiling. The host sets it from its
	// own authentication of the actor, never from what a client sends.
	Role string `json:"role"`
	Note string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key): a retry pays at
	// most once.
	Key string `json:"-"`
}

func (r RequestCompensation) check() error {
	var p kehu.Problems
	switch {
	case !r.Type.Valid():
		p.Addf("type", "enum", "%s is not points, coupon, refund or gift", clip.Quote(string(r.Type)))
	case r.Type == CompensationPoints:
		if r.Points <= 0 {
			p.Add("points", "range", "a points grant gives a positive number of points")
		}
		if r.Money.Currency() != "" || !r.Money.IsZero() {
			p.Add("money", "forbidden", "a points grant has no money value")
		}
	default:
		switch {
		case r.Money.Currency() == "":
			p.Addf("money", "required", "a %s grant has a value in money", r.Type)
		case !r.Money.IsPositive():
			p.Add("money", "range", "is not positive")
		}
		if r.Points != 0 {
			p.Addf("points", "forbidden", "a %s grant gives no points", r.Type)
		}
	}
	checkText(&p, "role", r.Role, true, maxShortBytes)
	checkText(&p, "note", r.Note, false, MaxWordsBytes)
	p.Merge("", kehu.CheckHostKey("key", r.Key))
	return p.Err()
}

// RequestCompensation asks for a grant for the case's customer. Within the ceiling of the
// requester's role for the customer's value band (Case.Triage.Value), counting what the
// case, and every case merged into it, was already granted or approved in the same
// currency or in points, it is approved
// at once and paid through the Compensator; above it the grant waits, in status requested,
// for DecideCompensation by a role whose ceiling covers it. The request (and an approval
// within the ceiling) is a step of the audit trail, and so is the payment.
//
// The grant is recorded as approved before the Compensator is called, and as granted
// after. If the Compensator fails, the error is returned with the case as stored (the
// grant approved): retry the command with the same key, or call SettleCompensation, and
// the Compensator is called again with the grant's same Key, so that it pays once.
//
// A role the policy does not name is rule "unknown" on "role"; without WithCompensation
// it fails with ErrNotConfigured.
func (s *Service) RequestCompensation(ctx context.Context, id CaseID, r RequestCompensation) (*Case, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	e := s.recovery.empowerment
	if e == nil || s.recovery.compensator == nil {
		return nil, ErrNotConfigured
	}
	gid := GrantIDFrom(s.opts.NewID())
	what := fmt.Sprintf("%s of %s", r.Type, r.Money)
	if r.Type == CompensationPoints {
		what = fmt.Sprintf("%d points", r.Points)
	}
	note := grantNote(gid, what+" requested as "+r.Role, r.Note)
	merged, err := s.mergedGrants(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.change(ctx, id, CompensationRequested, r.Key, fingerprint.Of("compensation_request", r), note, func(c *Case) error {
		if err := e.checkRole(r.Role); err != nil {
			return err
		}
		if err := recoverable(c); err != nil {
			return err
		}
		rec := recovery(c)
		if len(rec.Grants) >= MaxRecoveryEntries {
			return kehu.Invalid("case", "max_items", fmt.Sprintf("has %d grants already", len(rec.Grants)))
		}
		now, actor := s.opts.Now(), kehu.ActorFrom(ctx)
		g := Grant{ID: gid, Case: c.ID, Customer: c.Customer, Type: r.Type, Money: r.Money, Points: r.Points,
			Status: GrantRequested, RequestedBy: actor, RequestedRole: r.Role, RequestedAt: now,
			Key: compensationKey(c.ID, gid), RequestKey: r.Key}
		ok, err := e.covers(r.Role, c.Triage.Value, append(slices.Clip(rec.Grants), merged...), g)
		if err != nil {
			return err
		}
		if ok {
			g.Status, g.DecidedBy, g.DecidedRole, g.DecidedAt = GrantApproved, actor, r.Role, now
		}
		rec.Grants = append(rec.Grants, g)
		return nil
	})
	if c == nil {
		return nil, err
	}
	c, serr := s.settle(ctx, c, func(g *Grant) bool { return g.RequestKey == r.Key })
	return c, errors.Join(err, serr)
}

// DecideCompensation is the command that approves or refuses a grant waiting for a
// decision.
type DecideCompensation struct {
	Grant   GrantID `json:"grant"`
	Approve bool    `json:"approve"`
	// Role is the decider's role (see RequestCompensation.Role).
	Role string `json:"role"`
	Note string `json:"note,omitempty"`
	// Key is required and makes the command idempotent (see Open.Key).
	Key string `json:"-"`
}

// DecideCompensation approves or refuses a grant in status requested. An approval needs a
// role whose ceiling for the customer's value band covers the grant together with what the
// case, and every case merged into it, was already granted or approved in its currency or
// in points; otherwise it fails
// with ErrBeyondAuthority and writes nothing. A refusal may come from any role the policy
// names. An approved grant is paid at once through the Compensator, as RequestCompensation
// pays; a retry of the command after a failed payment pays it once.
func (s *Service) DecideCompensation(ctx context.Context, id CaseID, d DecideCompensation) (*Case, error) {
	var p kehu.Problems
	if d.Grant.IsZero() {
		p.Add("grant", "required", "name the grant")
	}
	checkText(&p, "role", d.Role, true, maxShortBytes)
	checkText(&p, "note", d.Note, false, MaxWordsBytes)
	p.Merge("", kehu.CheckHostKey("key", d.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	e := s.recovery.empowerment
	if e == nil || s.recovery.compensator == nil {
		return nil, ErrNotConfigured
	}
	action := CompensationRefused
	if d.Approve {
		action = CompensationApproved
	}
	note := grantNote(d.Grant, fmt.Sprintf("%s as %s", strings.TrimPrefix(string(action), "compensation_"), d.Role), d.Note)
	merged, err := s.mergedGrants(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.change(ctx, id, action, d.Key, fingerprint.Of("compensation_decision", d), note, func(c *Case) error {
		if err := e.checkRole(d.Role); err != nil {
			return err
		}
		if err := recoverable(c); err != nil {
			return err
		}
		g := c.Recovery.Grant(d.Grant)
		switch {
		case g == nil:
			return kehu.Invalid("grant", "not_found", fmt.Sprintf("case %s has no grant %s", c.ID, d.Grant))
		case g.Status != GrantRequested:
			return kehu.Invalid("grant", "status", fmt.Sprintf("grant %s is %s, not waiting for a decision", g.ID, g.Status))
		}
		if d.Approve {
			ok, err := e.covers(d.Role, c.Triage.Value, append(slices.Clip(c.Recovery.Grants), merged...), *g)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: %w", ErrBeyondAuthority, kehu.Invalid("role", "ceiling",
					fmt.Sprintf("the ceiling of %s for a %s customer does not cover the grant", clip.Quote(d.Role), c.Triage.Value)))
			}
		}
		g.Status, g.DecidedBy, g.DecidedRole, g.DecidedAt = GrantRefused, kehu.ActorFrom(ctx), d.Role, s.opts.Now()
		if d.Approve {
			g.Status = GrantApproved
		}
		return nil
	})
	if c == nil || !d.Approve {
		return c, err
	}
	c, serr := s.settle(ctx, c, func(g *Grant) bool { return g.ID == d.Grant })
	return c, errors.Join(err, serr)
}

// SettleCompensation pays every approved grant of the case that is not yet recorded as
// granted: what a host runs after a crash between paying and recording, or after a
// Compensator failure, when the command is not retried. The Compensator gets each grant's
// own Key, so a grant it paid already is not paid again.
func (s *Service) SettleCompensation(ctx context.Context, id CaseID) (*Case, error) {
	if s.recovery.compensator == nil {
		return nil, ErrNotConfigured
	}
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.settle(ctx, c, func(*Grant) bool { return true })
}

// settle pays the approved grants of c that pick selects, one after another, and records
// each as granted.
func (s *Service) settle(ctx context.Context, c *Case, pick func(*Grant) bool) (*Case, error) {
	if c.Recovery == nil {
		return c, nil
	}
	var todo []Grant
	for _, g := range c.Recovery.Grants {
		if g.Status == GrantApproved && pick(&g) {
			todo = append(todo, g)
		}
	}
	for _, g := range todo {
		ref, err := s.recovery.compensator.Compensate(ctx, g)
		if err != nil {
			return c, fmt.Errorf("grant %s is approved but not paid; retry the command or SettleCompensation: %w", g.ID, err)
		}
		if len(ref) > maxShortBytes {
			return c, fmt.Errorf("grant %s: the compensator's reference is longer than %d bytes: %w", g.ID, maxShortBytes, kehu.ErrInvalid)
		}
		key := kehu.LibraryKey("complaint.granted", g.ID.String())
		note := grantNote(g.ID, "paid, reference "+ref, "")
		next, err := s.change(ctx, c.ID, CompensationGranted, key, fingerprint.Of("granted", g.ID), note, func(x *Case) error {
			cur := x.Recovery.Grant(g.ID)
			switch {
			case cur == nil:
				return fmt.Errorf("grant %s: %w", g.ID, kehu.ErrNotFound)
			case cur.Status == GrantGranted:
				return errApplied
			case cur.Status != GrantApproved:
				return fmt.Errorf("grant %s is %s: %w", g.ID, cur.Status, kehu.ErrConflict)
			}
			cur.Status, cur.Reference, cur.GrantedAt = GrantGranted, ref, s.opts.Now()
			return nil
		})
		if next != nil {
			c = next
		}
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// compensationKey is a grant's payment key.
func compensationKey(c CaseID, g GrantID) string {
	return "complaint.compensation:" + c.String() + ":" + g.String()
}

// grantNote is the note of a compensation step: the grant, what happened to it, and the
// host's note.
func grantNote(id GrantID, what, note string) string {
	s := "grant " + id.String() + ": " + what
	if note != "" {
		s += "; " + note
	}
	return s
}
