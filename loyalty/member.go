package loyalty

import (
	"context"
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// MemberState is a member's standing in a programme: when they joined and their tier.
type MemberState struct {
	Program  string         `json:"program"`
	Customer crm.CustomerID `json:"customer"`
	// Version increases by one with every stored change.
	Version  int64     `json:"version"`
	JoinedAt time.Time `json:"joined_at"`
	// Tier is the level in force: the earned level, or a manual assignment above it while
	// the assignment lasts.
	Tier string `json:"tier"`
	// Earned is the level the member holds by their own figures and reviews.
	Earned string `json:"earned"`
	// Assigned is a manual level (a status match) in force until AssignedUntil; it never
	// becomes a floor: when it ends, Tier returns to Earned.
	Assigned       string    `json:"assigned,omitempty"`
	AssignedUntil  time.Time `json:"assigned_until,omitzero"`
	AssignedReason string    `json:"assigned_reason,omitempty"`
	// DowngradeTo and DowngradeAt hold a downgrade decided at a review and delayed by the
	// programme's grace period.
	DowngradeTo string    `json:"downgrade_to,omitempty"`
	DowngradeAt time.Time `json:"downgrade_at,omitzero"`
	// NextReview is when downgrades are next decided.
	NextReview time.Time `json:"next_review,omitzero"`
	// History lists the changes of the tier in force, sorted by At (see TierAt).
	History []TierChange `json:"history,omitempty"`
	// PoolMembers lists, for a household pool, the members who share it.
	PoolMembers []crm.CustomerID `json:"pool_members,omitempty"`
}

// Standing is what the ledger holds for a member at an instant: the tier in force. Earning
// rules (member.tier), tier multipliers and reward restrictions read it, never a level the
// host names. The Service fills it from the member's state (Service.Standing); a host that
// calls Program.Preview or Program.EventAwards itself, to show what an order would earn,
// passes what the Service returned.
type Standing struct {
	// Tier is the code of the level in force; "" for a programme without tiers.
	Tier string `json:"tier,omitempty"`
}

// TierChange is one entry of a member's tier history.
type TierChange struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor,omitempty"`
}

// Reasons a tier changes.
const (
	TierJoined         = "joined"
	TierQualified      = "qualified"
	TierReviewed       = "review"
	TierAssigned       = "assigned"
	TierAssignmentEnds = "assignment_ended"
)

// Clone returns a deep copy.
func (m *MemberState) Clone() *MemberState {
	if m == nil {
		return nil
	}
	c := *m
	c.History = slices.Clone(m.History)
	c.PoolMembers = slices.Clone(m.PoolMembers)
	return &c
}

// MemberStore persists member states. It is part of Store.
type MemberStore interface {
	// UpdateMember runs fn on a copy of the member's state, atomically; a member not yet
	// stored is passed new (Program and Customer set, Version 0). If fn returns an error
	// nothing is written. Otherwise the state is stored with Version increased by one.
	UpdateMember(ctx context.Context, program string, customer crm.CustomerID, fn func(*MemberState) error) error
	// Member returns the member's state, or kehu.ErrNotFound.
	Member(ctx context.Context, program string, customer crm.CustomerID) (*MemberState, error)
	// ScanMembers returns one page of a programme's members in customer order; with DueBy
	// set, only those whose NextReview, DowngradeAt or AssignedUntil is set and at or
	// before it.
	ScanMembers(ctx context.Context, program string, q ScanQuery) (kehu.Page[*MemberState], error)
}

// truncateTimes records the state's instants as every instant is recorded (kehu.Truncate:
// whole microseconds, in UTC); tier rules compute some of them in the programme's zone.
func (m *MemberState) truncateTimes() {
	for _, t := range []*time.Time{&m.JoinedAt, &m.AssignedUntil, &m.DowngradeAt, &m.NextReview} {
		*t = kehu.Truncate(*t)
	}
	for i := range m.History {
		m.History[i].At = kehu.Truncate(m.History[i].At)
	}
}

// TierAt returns the level in force at t according to the history ("" before joining).
// The history is sorted by At, and each change is dated at the instant it took effect (a
// review at the review, a grace downgrade at DowngradeAt, the end of an assignment at
// AssignedUntil), so TierAt answers for any past instant, however late the change was
// evaluated.
func (m *MemberState) TierAt(t time.Time) string {
	tier := ""
	for _, c := range m.History {
		if c.At.After(t) {
			break
		}
		tier = c.To
	}
	return tier
}

// memberDue reports whether a member has a tier event due by t.
func memberDue(m *MemberState, t time.Time) bool {
	due := func(x time.Time) bool { return !x.IsZero() && !x.After(t) }
	return due(m.NextReview) || due(m.DowngradeAt) || due(m.AssignedUntil)
}
