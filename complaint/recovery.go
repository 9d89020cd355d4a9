package complaint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
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
	// Key is the idempotency key of the payment, made from the case and the grant: the
	// Compensator gets the same key on every attempt, so it pays at most once.
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
	}
}

// recoverable refuses recovery on a merged case: its recovery goes with the case it went into.
func recoverable(c *Case) error {
	if c.Status == Merged {
		return kehu.Invalid("case", "merged", fmt.Sprintf("the case was merged into %s: recover it there", c.MergedInto))
	}
	return nil
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
	p.Merge("", kehu.CheckHostKey("key", a.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, Apologised, a.Key, fingerprint.Of("apologise", a), a.Note, func(c *Case) error {
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
	p.Merge("", kehu.CheckHostKey("key", f.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, Fixed, f.Key, fingerprint.Of("fix", f), f.Note, func(c *Case) error {
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
	p.Merge("", kehu.CheckHostKey("key", f.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, FollowedUp, f.Key, fingerprint.Of("follow_up", f), f.Note, func(c *Case) error {
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
	p.Merge("", kehu.CheckHostKey("key", r.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, id, SatisfactionRecorded, r.Key, fingerprint.Of("satisfaction", r), r.Note, func(c *Case) error {
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
// case was already granted or approved in the same currency or in points, it is approved
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
			Key: kehu.LibraryKey("complaint.compensation", c.ID.String(), gid.String()), RequestKey: r.Key}
		ok, err := e.covers(r.Role, c.Triage.Value, rec.Grants, g)
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
// case was already granted or approved in its currency or in points; otherwise it fails
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
			ok, err := e.covers(d.Role, c.Triage.Value, c.Recovery.Grants, *g)
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

// Empowerment is a compiled compensation policy: the ceilings each role may grant on its
// own authority, per customer value band, in money per currency and in points. Compile it
// from an EmpowermentSpec with CompileEmpowerment or LoadEmpowerment. It is immutable and
// safe for concurrent use.
//
// A role's ceiling bounds what one case may be given in a currency (or in points), counting
// the grants approved or granted already: a frontline employee does not get past her
// ceiling by splitting a compensation into small grants. A band or currency a role has no
// ceiling for is a ceiling of zero: every grant of it needs approval.
type Empowerment struct {
	spec  EmpowermentSpec
	roles map[string]map[ValueBand]ceiling
}

type ceiling struct {
	money  map[kehu.Currency]decimal.Decimal
	points int64
}

// EmpowermentSpec is a compensation policy as written, in Go or strict JSON:
//
//	{"roles": [
//	  {"role": "frontline", "ceilings": [
//	    {"value": "standard", "money": [{"amount": "50", "currency": "CNY"}], "points": 500},
//	    {"value": "key", "money": [{"amount": "200", "currency": "CNY"}], "points": 2000}]},
//	  {"role": "manager", "ceilings": [
//	    {"value": "key", "money": [{"amount": "2000", "currency": "CNY"}], "points": 20000}]}
//	]}
type EmpowermentSpec struct {
	Roles []RoleCeilings `json:"roles"`
}

// RoleCeilings are the ceilings of one role.
type RoleCeilings struct {
	Role     string    `json:"role"`
	Ceilings []Ceiling `json:"ceilings"`
}

// Ceiling is what a role may grant one case of a customer in a value band: at most Money
// in each currency listed (one amount per currency), and at most Points.
type Ceiling struct {
	Value  ValueBand    `json:"value"`
	Money  []kehu.Money `json:"money,omitempty"`
	Points int64        `json:"points,omitempty"`
}

// MaxRoles bounds the roles of an empowerment policy.
const MaxRoles = 100

func (s EmpowermentSpec) clone() EmpowermentSpec {
	out := EmpowermentSpec{Roles: slices.Clone(s.Roles)}
	for i := range out.Roles {
		out.Roles[i].Ceilings = slices.Clone(out.Roles[i].Ceilings)
		for j := range out.Roles[i].Ceilings {
			out.Roles[i].Ceilings[j].Money = slices.Clone(out.Roles[i].Ceilings[j].Money)
		}
	}
	return out
}

// CompileEmpowerment checks a policy and compiles it. Every problem is reported at once in
// a *kehu.ValidationError, by path: "roles[1].role" (rules "required", "max_length",
// "duplicate"), "roles[1].ceilings[0].value" ("enum", "duplicate"),
// "roles[1].ceilings[0].money[2]" ("required" for an amount with no currency, "range" for
// a negative one, "duplicate" for a second amount in one currency),
// "roles[1].ceilings[0].points" ("range").
func CompileEmpowerment(spec EmpowermentSpec) (*Empowerment, error) {
	var p kehu.Problems
	switch {
	case len(spec.Roles) == 0:
		p.Add("roles", "required", "name at least one role")
	case len(spec.Roles) > MaxRoles:
		p.Addf("roles", "max_items", "has more than %d roles", MaxRoles)
	}
	e := &Empowerment{spec: spec.clone(), roles: map[string]map[ValueBand]ceiling{}}
	for i, r := range spec.Roles {
		path := fmt.Sprintf("roles[%d]", i)
		checkText(&p, path+".role", r.Role, true, maxShortBytes)
		if _, dup := e.roles[r.Role]; dup && r.Role != "" {
			p.Addf(path+".role", "duplicate", "%s is named twice", clip.Quote(r.Role))
		}
		bands := map[ValueBand]ceiling{}
		for j, cl := range r.Ceilings {
			cpath := fmt.Sprintf("%s.ceilings[%d]", path, j)
			if !cl.Value.Valid() {
				p.Addf(cpath+".value", "enum", "%s is not standard, valued or key", clip.Quote(string(cl.Value)))
			} else if _, dup := bands[cl.Value]; dup {
				p.Addf(cpath+".value", "duplicate", "the %s band has two ceilings", cl.Value)
			}
			if cl.Points < 0 {
				p.Add(cpath+".points", "range", "is negative")
			}
			ce := ceiling{money: map[kehu.Currency]decimal.Decimal{}, points: cl.Points}
			for k, m := range cl.Money {
				mpath := fmt.Sprintf("%s.money[%d]", cpath, k)
				switch _, dup := ce.money[m.Currency()]; {
				case m.Currency() == "":
					p.Add(mpath, "required", "has no currency")
				case m.IsNegative():
					p.Add(mpath, "range", "is negative")
				case dup:
					p.Addf(mpath, "duplicate", "a second amount in %s", m.Currency())
				default:
					ce.money[m.Currency()] = m.Amount()
				}
			}
			bands[cl.Value] = ce
		}
		if r.Role != "" {
			e.roles[r.Role] = bands
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// MaxEmpowermentBytes bounds the JSON of a policy that LoadEmpowerment reads.
const MaxEmpowermentBytes = 1 << 20

// LoadEmpowerment reads a policy from strict JSON (unknown fields and trailing data are
// errors; rule "syntax" on "empowerment") and compiles it. Bad values are reported by
// their path in the policy, as CompileEmpowerment reports them.
func LoadEmpowerment(r io.Reader) (*Empowerment, error) {
	// The wire form keeps bands and amounts raw, so that a bad one is reported with its path.
	var wire struct {
		Roles []struct {
			Role     string `json:"role"`
			Ceilings []struct {
				Value  string            `json:"value"`
				Money  []json.RawMessage `json:"money,omitempty"`
				Points int64             `json:"points,omitempty"`
			} `json:"ceilings"`
		} `json:"roles"`
	}
	if err := loadStrict(r, "empowerment", MaxEmpowermentBytes, &wire); err != nil {
		return nil, err
	}
	var p kehu.Problems
	bad := map[string]bool{} // amounts that did not decode, reported already
	spec := EmpowermentSpec{Roles: make([]RoleCeilings, len(wire.Roles))}
	for i, r := range wire.Roles {
		spec.Roles[i] = RoleCeilings{Role: r.Role, Ceilings: make([]Ceiling, len(r.Ceilings))}
		for j, c := range r.Ceilings {
			ce := Ceiling{Value: ValueBand(c.Value), Points: c.Points, Money: make([]kehu.Money, len(c.Money))}
			for k, raw := range c.Money {
				path := fmt.Sprintf("roles[%d].ceilings[%d].money[%d]", i, j, k)
				if err := json.Unmarshal(raw, &ce.Money[k]); err != nil {
					p.Merge(path, err)
					bad[path] = true
				}
			}
			spec.Roles[i].Ceilings[j] = ce
		}
	}
	e, err := CompileEmpowerment(spec)
	if p.Len() == 0 {
		return e, err
	}
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			if !bad[f.Field] {
				p.Add(f.Field, f.Rule, f.Message)
			}
		}
	}
	return nil, p.Err()
}

// Spec returns a copy of the policy as written.
func (e *Empowerment) Spec() EmpowermentSpec { return e.spec.clone() }

// Roles returns the roles the policy names, in its order.
func (e *Empowerment) Roles() []string {
	out := make([]string, len(e.spec.Roles))
	for i, r := range e.spec.Roles {
		out[i] = r.Role
	}
	return out
}

// checkRole refuses a role the policy does not name.
func (e *Empowerment) checkRole(role string) error {
	if _, ok := e.roles[role]; !ok {
		return kehu.Invalid("role", "unknown", fmt.Sprintf("%s is not a role of the empowerment policy", clip.Quote(role)))
	}
	return nil
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

// Ceiling returns what a role may grant one case of a customer in the band: the money
// ceilings, one per currency in the policy's order, and the points ceiling. A role the
// policy does not name, or a band it gives no ceiling, has none (nil, 0).
func (e *Empowerment) Ceiling(role string, band ValueBand) ([]kehu.Money, int64) {
	for _, r := range e.spec.Roles {
		if r.Role != role {
			continue
		}
		for _, c := range r.Ceilings {
			if c.Value == band {
				return slices.Clone(c.Money), c.Points
			}
		}
	}
	return nil, 0
}

// Covers reports whether the role may approve on its own authority a grant g for a case of a
// customer in the band that already has the grants given (of which those approved or
// granted count).
func (e *Empowerment) Covers(role string, band ValueBand, grants []Grant, g Grant) (bool, error) {
	return e.covers(role, band, grants, g)
}

func (e *Empowerment) covers(role string, band ValueBand, grants []Grant, g Grant) (bool, error) {
	ce, ok := e.roles[role][band]
	if !ok {
		return false, nil
	}
	if g.Type == CompensationPoints {
		total := g.Points
		for _, o := range grants {
			if o.ID != g.ID && o.Status.committed() && o.Type == CompensationPoints {
				var ok bool
				if total, ok = checked.Add(total, o.Points); !ok {
					return false, kehu.Invalid("points", "overflow", "the case's points do not fit in an int64")
				}
			}
		}
		return total <= ce.points, nil
	}
	limit, ok := ce.money[g.Money.Currency()]
	if !ok {
		return false, nil
	}
	total := g.Money.Amount()
	for _, o := range grants {
		if o.ID != g.ID && o.Status.committed() && o.Type != CompensationPoints && o.Money.Currency() == g.Money.Currency() {
			total = total.Add(o.Money.Amount())
		}
	}
	return total.Cmp(limit) <= 0, nil
}

// Tolerance is how far the compensation of comparable cases may differ before
// CheckConsistency reports them. A group is reported when the spread of its amounts (the
// largest less the smallest) is more than both Ratio × the largest amount and the absolute
// tolerance of its currency (Money) or of points (Points). The zero Tolerance reports any
// difference.
type Tolerance struct {
	// Ratio is a share of the group's largest amount, from 0 to 1: 0.25 lets 75 and 100
	// pass.
	Ratio decimal.Decimal `json:"ratio"`
	// Money holds at most one absolute tolerance per currency.
	Money  []kehu.Money `json:"money,omitempty"`
	Points int64        `json:"points,omitempty"`
}

// Group is a set of comparable cases: one cause, one severity, one customer value band.
type Group struct {
	Category string    `json:"category"`
	Severity Severity  `json:"severity"`
	Value    ValueBand `json:"value"`
}

// Inconsistency is a group of comparable cases whose granted compensation in one currency,
// or in points, differs beyond the tolerance.
type Inconsistency struct {
	Group Group `json:"group"`
	// Currency is the currency compared; "" when points are compared.
	Currency kehu.Currency `json:"currency,omitempty"`
	// Spread is the largest amount less the smallest (in Currency, or in points in
	// SpreadPoints).
	Spread       kehu.Money `json:"spread,omitzero"`
	SpreadPoints int64      `json:"spread_points,omitempty"`
	// Cases are the compared cases and what each was granted, least first.
	Cases []Compensated `json:"cases"`
}

// Compensated is what one case was granted in the currency, or the points, compared.
type Compensated struct {
	Case   CaseID     `json:"case"`
	Money  kehu.Money `json:"money,omitzero"`
	Points int64      `json:"points,omitempty"`
}

// granted sums what a case was granted (status granted only): money per currency, and
// points.
func granted(c *Case) (map[kehu.Currency]decimal.Decimal, int64, bool) {
	money := map[kehu.Currency]decimal.Decimal{}
	var points int64
	if c.Recovery == nil {
		return money, 0, true
	}
	for _, g := range c.Recovery.Grants {
		if g.Status != GrantGranted {
			continue
		}
		if g.Type == CompensationPoints {
			var ok bool
			if points, ok = checked.Add(points, g.Points); !ok {
				return nil, 0, false
			}
			continue
		}
		money[g.Money.Currency()] = money[g.Money.Currency()].Add(g.Money.Amount())
	}
	return money, points, true
}

// pointsUnit marks points among the currencies of a group.
const pointsUnit kehu.Currency = "points"

// CheckConsistency groups cases that are comparable — same category, severity and value
// band (Case.Triage) — and reports the groups whose granted compensation differs beyond
// the tolerance, per currency and in points separately, with the cases involved. Only
// grants in status granted count. In a currency (or in points), the cases compared are
// those granted something in it and those granted nothing at all (a zero); a case
// compensated only in other units is left out. Merged cases are left out: their recovery
// goes with the case they went into. Pass the cases to compare: the closed cases of a
// quarter, say.
//
// Groups come ordered by category, severity, value band, then currency, points last. A nil
// case is rule "required" on "cases[i]", a case whose points overflow an int64 rule
// "overflow" on "cases[i].recovery.grants", a bad tolerance a problem on "tolerance.…".
func CheckConsistency(cases []*Case, tol Tolerance) ([]Inconsistency, error) {
	var p kehu.Problems
	if tol.Ratio.Sign() < 0 || tol.Ratio.Cmp(decimal.NewFromInt(1)) > 0 {
		p.Add("tolerance.ratio", "range", "is not between 0 and 1")
	}
	abs := map[kehu.Currency]decimal.Decimal{}
	for i, m := range tol.Money {
		path := fmt.Sprintf("tolerance.money[%d]", i)
		switch _, dup := abs[m.Currency()]; {
		case m.Currency() == "":
			p.Add(path, "required", "has no currency")
		case m.IsNegative():
			p.Add(path, "range", "is negative")
		case dup:
			p.Addf(path, "duplicate", "a second tolerance in %s", m.Currency())
		default:
			abs[m.Currency()] = m.Amount()
		}
	}
	if tol.Points < 0 {
		p.Add("tolerance.points", "range", "is negative")
	}
	abs[pointsUnit] = decimal.NewFromInt(tol.Points)

	type member struct {
		id    CaseID
		units map[kehu.Currency]decimal.Decimal
	}
	groups := map[Group][]member{}
	for i, c := range cases {
		if c == nil {
			p.Addf(fmt.Sprintf("cases[%d]", i), "required", "is nil")
			continue
		}
		if c.Status == Merged {
			continue
		}
		money, points, ok := granted(c)
		if !ok {
			p.Add(fmt.Sprintf("cases[%d].recovery.grants", i), "overflow", "the points granted do not fit in an int64")
			continue
		}
		if points != 0 {
			money[pointsUnit] = decimal.NewFromInt(points)
		}
		g := Group{Category: c.Category, Severity: c.Triage.Severity, Value: c.Triage.Value}
		groups[g] = append(groups[g], member{id: c.ID, units: money})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	var out []Inconsistency
	for g, members := range groups {
		units := map[kehu.Currency]bool{}
		for _, m := range members {
			for u := range m.units {
				units[u] = true
			}
		}
		for u := range units {
			var rows []Compensated
			var amounts []decimal.Decimal
			for _, m := range members {
				v, ok := m.units[u]
				if !ok && len(m.units) > 0 {
					continue // compensated in other units only
				}
				amounts = append(amounts, v)
				row := Compensated{Case: m.id}
				if u == pointsUnit {
					row.Points = v.IntPart()
				} else {
					row.Money, _ = kehu.MoneyFromDecimal(v, u)
				}
				rows = append(rows, row)
			}
			lo, hi := slices.MinFunc(amounts, decimal.Decimal.Cmp), slices.MaxFunc(amounts, decimal.Decimal.Cmp)
			spread := hi.Sub(lo)
			allowed := decimal.Max(abs[u], tol.Ratio.Mul(hi))
			if spread.Cmp(allowed) <= 0 {
				continue
			}
			order := make([]int, len(rows))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(a, b int) int { return amounts[a].Cmp(amounts[b]) })
			sorted := make([]Compensated, len(rows))
			for i, k := range order {
				sorted[i] = rows[k]
			}
			inc := Inconsistency{Group: g, Cases: sorted}
			if u == pointsUnit {
				inc.SpreadPoints = spread.IntPart()
			} else {
				inc.Currency = u
				inc.Spread, _ = kehu.MoneyFromDecimal(spread, u)
			}
			out = append(out, inc)
		}
	}
	slices.SortFunc(out, func(a, b Inconsistency) int {
		if c := strings.Compare(a.Group.Category, b.Group.Category); c != 0 {
			return c
		}
		if c := slices.Index(severities, a.Group.Severity) - slices.Index(severities, b.Group.Severity); c != 0 {
			return c
		}
		if c := slices.Index(valueBands, a.Group.Value) - slices.Index(valueBands, b.Group.Value); c != 0 {
			return c
		}
		ap, bp := a.Currency == "", b.Currency == ""
		switch {
		case ap != bp && ap:
			return 1
		case ap != bp:
			return -1
		}
		return strings.Compare(string(a.Currency), string(b.Currency))
	})
	return out, nil
}

// RecoveryEffect answers, for one category of complaint, whether recovery restores
// satisfaction.
type RecoveryEffect struct {
	Category string `json:"category"`
	// Cases counts the cases with a satisfaction after recovery; Before those of them with
	// a satisfaction before.
	Cases  int `json:"cases"`
	Before int `json:"before"`
	// MeanBefore is the mean satisfaction before, over the cases that have one (0 when
	// none does). MeanAfter is the mean of Satisfaction.After, and MeanOutcome, MeanSpeed
	// and MeanCourtesy the means of each dimension, over all Cases.
	MeanBefore   float64 `json:"mean_before"`
	MeanAfter    float64 `json:"mean_after"`
	MeanOutcome  float64 `json:"mean_outcome"`
	MeanSpeed    float64 `json:"mean_speed"`
	MeanCourtesy float64 `json:"mean_courtesy"`
	// Improved counts the cases with a satisfaction before whose satisfaction after is
	// higher than it.
	Improved int `json:"improved"`
	// Restored counts the cases whose satisfaction after is at least the level the report
	// was asked for, and ShareRestored is Restored / Cases.
	Restored      int     `json:"restored"`
	ShareRestored float64 `json:"share_restored"`
}

// RecoveryEffects reports satisfaction before and after recovery per category, categories
// in alphabetical order: does recovery restore satisfaction? A case counts when it has a
// satisfaction after recovery; it is restored when its satisfaction after (the mean of
// the three dimensions, Satisfaction.After) is at least restoredAt. Every case measured
// must use one scale (rule "scale_mismatch" on "cases[i].recovery.satisfaction.scale"), and
// restoredAt must lie on it (rule "range" on "restored_at"). Merged cases are left out.
func RecoveryEffects(cases []*Case, restoredAt float64) ([]RecoveryEffect, error) {
	var p kehu.Problems
	var scale *Scale
	type acc struct {
		e                            RecoveryEffect
		before, out, speed, courtesy float64
	}
	byCat := map[string]*acc{}
	for i, c := range cases {
		if c == nil {
			p.Addf(fmt.Sprintf("cases[%d]", i), "required", "is nil")
			continue
		}
		if c.Status == Merged || c.Recovery == nil || c.Recovery.Satisfaction == nil {
			continue
		}
		s := c.Recovery.Satisfaction
		if scale == nil {
			scale = &s.Scale
		} else if s.Scale != *scale {
			p.Addf(fmt.Sprintf("cases[%d].recovery.satisfaction.scale", i), "scale_mismatch", "%d to %d, while other cases use %d to %d",
				s.Scale.Min, s.Scale.Max, scale.Min, scale.Max)
			continue
		}
		a := byCat[c.Category]
		if a == nil {
			a = &acc{e: RecoveryEffect{Category: c.Category}}
			byCat[c.Category] = a
		}
		after := s.After()
		a.e.Cases++
		a.out += float64(s.Outcome)
		a.speed += float64(s.Speed)
		a.courtesy += float64(s.Courtesy)
		if s.Before != nil {
			a.e.Before++
			a.before += float64(*s.Before)
			if after > float64(*s.Before) {
				a.e.Improved++
			}
		}
		if after >= restoredAt {
			a.e.Restored++
		}
	}
	if math.IsNaN(restoredAt) || (scale != nil && (restoredAt < float64(scale.Min) || restoredAt > float64(scale.Max))) {
		p.Add("restored_at", "range", "is not a point of the scale the cases use")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	out := make([]RecoveryEffect, 0, len(byCat))
	for _, a := range byCat {
		n := float64(a.e.Cases)
		a.e.MeanOutcome, a.e.MeanSpeed, a.e.MeanCourtesy = a.out/n, a.speed/n, a.courtesy/n
		a.e.MeanAfter = (a.out + a.speed + a.courtesy) / (3 * n)
		if a.e.Before > 0 {
			a.e.MeanBefore = a.before / float64(a.e.Before)
		}
		a.e.ShareRestored = float64(a.e.Restored) / n
		out = append(out, a.e)
	}
	slices.SortFunc(out, func(a, b RecoveryEffect) int { return strings.Compare(a.Category, b.Category) })
	return out, nil
}

// loadStrict decodes one JSON object from r into dst: unknown fields, trailing data and
// more than max bytes are errors on field, as are a missing or empty reader.
func loadStrict(r io.Reader, field string, max int, dst any) error {
	if r == nil {
		return kehu.Invalid(field, "required", "no reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return fmt.Errorf("complaint: reading the %s: %w", field, err)
	}
	if len(data) > max {
		return kehu.Invalid(field, "max_length", fmt.Sprintf("is longer than %d bytes", max))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return kehu.Invalid(field, "required", "is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var verr *kehu.ValidationError
		if errors.As(err, &verr) {
			var p kehu.Problems
			p.Merge(field, err)
			return p.Err()
		}
		return kehu.Invalid(field, "syntax", clip.String(err.Error(), 200))
	}
	if _, err := dec.Token(); err != io.EOF {
		return kehu.Invalid(field, "syntax", fmt.Sprintf("has data after the object, at byte %d", dec.InputOffset()))
	}
	return nil
}
