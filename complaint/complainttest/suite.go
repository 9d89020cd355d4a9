package complainttest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/internal/suite"
)

type (
	test  = suite.Test[*harness]
	group = suite.Group[*harness]
)

type harness struct {
	t   *testing.T
	ctx context.Context
	s   complaint.Store
	ids *kehu.SeqIDs
	at  time.Time
	// newStore makes another empty store, for a test that needs more than s.
	newStore func(t *testing.T) complaint.Store
}

// Run checks that the stores made by newStore keep every contract written on
// complaint.Store: cases round-trip with every field (through Case, CaseByKey and ListCases,
// as created and as an update writes them), one case per ID and per key, updates
// are atomic (a failed update writes nothing) and serialised (two concurrent moves from one
// status never both succeed), the history is append-only, listings filter and page, and
// nothing is shared with the caller. The Text group checks, through complaint.Service,
// that every command refuses text no store keeps as given and writes nothing. The Sequences group then runs random sequences of
// commands through complaint.Service over the store and over the memory store side by
// side, which must give the same answers, events, payments and cases at every step;
// KEHU_COMPLAINT_SEQ_SEQS, KEHU_COMPLAINT_SEQ_STEPS and KEHU_COMPLAINT_SEQ_SEED run more
// or other sequences.
//
// newStore is called once per leaf subtest, and once more per sequence of the Sequences
// group, and must return an empty store each time. Run it with -race.
func Run(t *testing.T, newStore func(t *testing.T) complaint.Store) {
	t.Helper()
	suite.Run(t, []group{
		{Name: "Cases", Tests: []test{
			{Name: "RoundTrip", Run: testRoundTrip},
			{Name: "OnePerIDAndKey", Run: testOnePerIDAndKey},
			{Name: "BadKeys", Run: testBadKeys},
			{Name: "NotFound", Run: testNotFound},
			{Name: "Copies", Run: testCopies},
			{Name: "Listing", Run: testListing},
		}},
		{Name: "Updates", Tests: []test{
			{Name: "AppendsTheStep", Run: testUpdateAppends},
			{Name: "FailureWritesNothing", Run: testUpdateFailure},
			{Name: "HistoryIsAppendOnly", Run: testHistoryAppendOnly},
			{Name: "ConcurrentMovesFromOneStatus", Run: testConcurrentMoves},
			{Name: "WithHandsTheOtherCase", Run: testUpdateWith},
			{Name: "WithMissingCase", Run: testUpdateWithMissing},
			{Name: "WithCrossedUpdates", Run: testUpdateWithCrossed},
			{Name: "RecoveryRoundTrips", Run: testRecoveryRoundTrips},
			{Name: "EveryFieldRoundTrips", Run: testUpdateRoundTrips},
		}},
		{Name: "Text", Tests: []test{
			{Name: "ServiceRefusesBadText", Run: testServiceRefusesBadText},
		}},
		{Name: "Sequences", Tests: sequenceTests()},
	}, func(t *testing.T) *harness {
		return &harness{t: t, ctx: context.Background(), s: newStore(t), ids: kehu.NewSeqIDs(), at: suite.Start(), newStore: newStore}
	})
}

// fullCase is a case with every field set (checked by reflection).
func (h *harness) fullCase(key string) *complaint.Case {
	return &complaint.Case{
		ID: complaint.CaseIDFrom(h.ids.NewID()), Customer: kehu.CustomerIDFrom(h.ids.NewID()), Channel: complaint.Phone,
		Words: "房间服务取消了没人通知我", Remedy: "道歉和补偿", Proactive: true, Category: complaint.CategoryServiceHandling,
		Triage:     complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Key, MediaExposure: true},
		Assessment: complaint.Assessment{Priority: complaint.P1, Score: 27, Crisis: true},
		ReplyBy:    h.at.Add(4 * time.Hour), ResponsibleParty: "room service", Assignee: "agent-7", Order: "RS-1",
		Interaction: "int-1", Status: complaint.Received, Policy: "standard", MergedInto: complaint.CaseIDFrom(h.ids.NewID()), Reopens: 1, Escalations: 2,
		Response: &complaint.CustomerResponse{Accepted: true, At: h.at.Add(time.Hour), Recourse: "店长复核"},
		Crisis:   &complaint.CrisisPlan{Spokesperson: "公关部王经理", KeyMessages: []string{"我们已联系顾客", "全额退款"}, At: h.at.Add(time.Minute)},
		Recovery: h.fullRecovery(),
		Steps: []complaint.Step{{Action: complaint.Opened, At: h.at, Actor: "agent-7", From: complaint.Received, To: complaint.Received,
			Note: "来电", Channel: complaint.Phone, Policy: "standard", Priority: complaint.P1, Key: key, Digest: "digest-" + key}},
		Version: 1, OpenedAt: h.at, Key: key,
	}
}

func (h *harness) create(c *complaint.Case) {
	h.t.Helper()
	require.NoError(h.t, h.s.CreateCase(h.ctx, c), "CreateCase %s", c.Key)
}

func (h *harness) get(id complaint.CaseID) *complaint.Case {
	h.t.Helper()
	c, err := h.s.Case(h.ctx, id)
	require.NoError(h.t, err, "Case")
	return c
}

func testRoundTrip(t *testing.T, h *harness) {
	c := h.fullCase("k-1")
	suite.RequireEveryFieldSet(t, c)
	h.create(c)
	assert.Equal(t, c, h.get(c.ID), "Case returns every field")
	byKey, err := h.s.CaseByKey(h.ctx, "k-1")
	require.NoError(t, err)
	assert.Equal(t, c, byKey, "CaseByKey returns every field")
	suite.RequireUTC(t, byKey, "CaseByKey")
	page, err := h.s.ListCases(h.ctx, complaint.CaseQuery{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, c, page.Items[0], "ListCases returns every field")
}

func testOnePerIDAndKey(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	sameID := h.fullCase("other")
	sameID.ID = c.ID
	assert.ErrorIs(t, h.s.CreateCase(h.ctx, sameID), kehu.ErrDuplicate, "a used ID")
	sameKey := h.fullCase("k")
	assert.ErrorIs(t, h.s.CreateCase(h.ctx, sameKey), kehu.ErrDuplicate, "a used key")
	_, err := h.s.Case(h.ctx, sameKey.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused CreateCase writes nothing")
	errs := suite.Parallel(8, func(int) error { return h.s.CreateCase(h.ctx, h.fullCase("racing")) })
	suite.ExactlyOne(t, errs, "CreateCase racing on one key")
}

func testBadKeys(t *testing.T, h *harness) {
	for _, bk := range append([]suite.BadKey{{Key: "", Rule: "required"}}, suite.BadKeys()...) {
		suite.RequireBadKey(t, h.s.CreateCase(h.ctx, h.fullCase(bk.Key)), bk.Rule, fmt.Sprintf("CreateCase with key %q", bk.Key))
	}
	page, err := h.s.ListCases(h.ctx, complaint.CaseQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

func testNotFound(t *testing.T, h *harness) {
	id := complaint.CaseIDFrom(h.ids.NewID())
	_, err := h.s.Case(h.ctx, id)
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	_, err = h.s.CaseByKey(h.ctx, "nope")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	err = h.s.UpdateCase(h.ctx, id, func(*complaint.Case) (*complaint.Step, error) { return nil, nil })
	assert.ErrorIs(t, err, kehu.ErrNotFound)
}

func testCopies(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	want := c.Clone()
	c.Steps[0].Note, c.Words = "changed", "changed"
	got := h.get(want.ID)
	assert.Equal(t, want, got, "the store keeps no pointer it was given")
	got.Steps[0].Note = "changed"
	assert.Equal(t, want, h.get(want.ID), "the store returns no pointer it keeps")
}

func testListing(t *testing.T, h *harness) {
	customer := kehu.CustomerIDFrom(h.ids.NewID())
	var want []complaint.CaseID
	for i := range 13 {
		c := h.fullCase(fmt.Sprint("k-", i))
		if i%2 == 0 {
			c.Customer = customer
			want = append(want, c.ID)
		}
		if i%3 == 0 {
			c.Status = complaint.Closed
		}
		h.create(c)
	}
	ids := func(cs []*complaint.Case) []complaint.CaseID {
		out := make([]complaint.CaseID, len(cs))
		for i, c := range cs {
			out[i] = c.ID
		}
		return out
	}
	mine := suite.Walk(t, "ListCases of a customer", 3, 7, func(pr kehu.PageRequest) (kehu.Page[*complaint.Case], error) {
		return h.s.ListCases(h.ctx, complaint.CaseQuery{Customer: customer, PageRequest: pr})
	}, nil)
	assert.Equal(t, want, ids(mine), "a customer's cases, in the order opened")
	closed, err := h.s.ListCases(h.ctx, complaint.CaseQuery{Statuses: []complaint.Status{complaint.Closed}})
	require.NoError(t, err)
	assert.Len(t, closed.Items, 5, "cases 0, 3, 6, 9, 12 are closed")
	_, err = h.s.ListCases(h.ctx, complaint.CaseQuery{PageRequest: kehu.PageRequest{After: "not a cursor"}})
	var verr *kehu.ValidationError
	if assert.ErrorAs(t, err, &verr, "a cursor the store did not make") {
		assert.True(t, verr.Has("after", ""), "a bad cursor is refused on field after, got %v", err)
	}
}

func testUpdateAppends(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	step := complaint.Step{Action: complaint.Moved, At: h.at.Add(time.Hour), From: complaint.Received, To: complaint.Acknowledged, Key: "ack"}
	require.NoError(t, h.s.UpdateCase(h.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		x.Status = complaint.Acknowledged
		return &step, nil
	}))
	got := h.get(c.ID)
	assert.Equal(t, complaint.Acknowledged, got.Status)
	assert.Equal(t, c.Version+1, got.Version, "Version increases by one")
	assert.Equal(t, append(c.Steps, step), got.Steps, "the step is appended")
}

func testUpdateFailure(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	boom := errors.New("boom")
	err := h.s.UpdateCase(h.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		x.Status = complaint.Closed
		return nil, boom
	})
	assert.ErrorIs(t, err, boom, "fn's error is returned as is")
	assert.Equal(t, c, h.get(c.ID), "a failed update writes nothing")
}

func testHistoryAppendOnly(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	require.NoError(t, h.s.UpdateCase(h.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		x.Steps = nil // a function that rewrites history does not get its way
		return &complaint.Step{Action: complaint.Noted, At: h.at, To: x.Status, Note: "n"}, nil
	}))
	got := h.get(c.ID)
	require.Len(t, got.Steps, 2)
	assert.Equal(t, c.Steps[0], got.Steps[0], "earlier steps stay")
}

func testConcurrentMoves(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	errMoved := errors.New("the case has moved on")
	errs := suite.Parallel(8, func(i int) error {
		// A store that answers kehu.ErrConflict is tried again, as the Service would.
		return suite.RetryConflicts(func() error {
			return h.s.UpdateCase(h.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
				if x.Status != complaint.Received {
					return nil, errMoved // the move is from received only
				}
				x.Status = complaint.Acknowledged
				return &complaint.Step{Action: complaint.Moved, At: h.at, From: complaint.Received, To: complaint.Acknowledged, Key: fmt.Sprint("ack-", i)}, nil
			})
		})
	})
	assert.Equal(t, 1, winners(t, errs, errMoved, "moves"), "exactly one of the moves from received succeeds")
	got := h.get(c.ID)
	assert.Len(t, got.Steps, 2, "one move recorded")
	assert.Equal(t, c.Version+1, got.Version)
}

// testUpdateWith checks that UpdateCaseWith hands fn the other case as stored, keeps fn's
// changes to the updated case only, and fails as UpdateCase does when fn fails.
func testUpdateWith(t *testing.T, h *harness) {
	a, b := h.fullCase("a"), h.fullCase("b")
	h.create(a)
	h.create(b)
	step := complaint.Step{Action: complaint.MergedStep, At: h.at.Add(time.Hour), From: complaint.Received, To: complaint.Merged, Key: "merge"}
	require.NoError(t, h.s.UpdateCaseWith(h.ctx, a.ID, b.ID, func(x, other *complaint.Case) (*complaint.Step, error) {
		assert.Equal(t, b, other, "the other case as stored")
		other.Status, other.Words = complaint.Closed, "changed" // not kept
		x.Status, x.MergedInto = complaint.Merged, other.ID
		return &step, nil
	}))
	got := h.get(a.ID)
	assert.Equal(t, complaint.Merged, got.Status)
	assert.Equal(t, b.ID, got.MergedInto)
	assert.Equal(t, a.Version+1, got.Version)
	assert.Equal(t, append(a.Steps, step), got.Steps, "the step is appended")
	assert.Equal(t, b, h.get(b.ID), "the other case is not written")

	boom := errors.New("boom")
	err := h.s.UpdateCaseWith(h.ctx, b.ID, a.ID, func(x, _ *complaint.Case) (*complaint.Step, error) {
		x.Status = complaint.Closed
		return nil, boom
	})
	assert.ErrorIs(t, err, boom, "fn's error is returned as is")
	assert.Equal(t, b, h.get(b.ID), "a failed update writes nothing")
}

// testUpdateWithMissing checks that a missing case, updated or read, is kehu.ErrNotFound
// and that fn is not called.
func testUpdateWithMissing(t *testing.T, h *harness) {
	a := h.fullCase("a")
	h.create(a)
	missing := complaint.CaseIDFrom(h.ids.NewID())
	fn := func(_, _ *complaint.Case) (*complaint.Step, error) {
		t.Error("fn called for a missing case")
		return nil, nil
	}
	assert.ErrorIs(t, h.s.UpdateCaseWith(h.ctx, a.ID, missing, fn), kehu.ErrNotFound, "the other case missing")
	assert.ErrorIs(t, h.s.UpdateCaseWith(h.ctx, missing, a.ID, fn), kehu.ErrNotFound, "the updated case missing")
	assert.Equal(t, a, h.get(a.ID))
}

// testUpdateWithCrossed runs two updates at once, each writing one case and reading the
// other, and each writing only if both cases are still open, as merging a into b and b
// into a do: every time exactly one succeeds. A store that reads the other case without
// holding it lets both see the other open and both write.
func testUpdateWithCrossed(t *testing.T, h *harness) {
	errMerged := errors.New("a case is no longer open")
	for round := range 25 {
		a, b := h.fullCase(fmt.Sprint("a-", round)), h.fullCase(fmt.Sprint("b-", round))
		a.Status, b.Status = complaint.Investigating, complaint.Investigating
		h.create(a)
		h.create(b)
		ids := [2]complaint.CaseID{a.ID, b.ID}
		errs := suite.Parallel(2, func(i int) error {
			return suite.RetryConflicts(func() error {
				return h.s.UpdateCaseWith(h.ctx, ids[i], ids[1-i], func(x, other *complaint.Case) (*complaint.Step, error) {
					if x.Status != complaint.Investigating || other.Status != complaint.Investigating {
						return nil, errMerged
					}
					x.Status, x.MergedInto = complaint.Merged, other.ID
					return &complaint.Step{Action: complaint.MergedStep, At: h.at, From: complaint.Investigating, To: complaint.Merged, Key: "merge"}, nil
				})
			})
		})
		if won := winners(t, errs, errMerged, fmt.Sprint("round ", round)); won != 1 {
			t.Fatalf("round %d: %d of the two crossed updates succeeded, want exactly one", round, won)
		}
		merged := 0
		for _, id := range ids {
			if h.get(id).Status == complaint.Merged {
				merged++
			}
		}
		assert.Equal(t, 1, merged, "round %d: one case carries on", round)
	}
}

// winners counts the writers that succeeded among errs, and reports as an error of the
// test every writer that failed with anything but the function's own error lost.
func winners(t *testing.T, errs []error, lost error, what string) int {
	t.Helper()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, lost):
			t.Errorf("%s, writer %d: %v, want the function's own error", what, i, err)
		}
	}
	return won
}

// fullRecovery is a recovery record with every field set (checked by reflection with the
// case that holds it).
func (h *harness) fullRecovery() *complaint.Recovery {
	before := 2
	return &complaint.Recovery{
		Apology: &complaint.Apology{At: h.at.Add(10 * time.Minute), Channel: complaint.Visit, By: "agent-7"},
		Fixes:   []complaint.Fix{{At: h.at.Add(20 * time.Minute), What: "送餐重做并送到房间", By: "agent-7"}},
		Grants: []complaint.Grant{{
			ID: complaint.GrantIDFrom(h.ids.NewID()), Case: complaint.CaseIDFrom(h.ids.NewID()),
			Customer: kehu.CustomerIDFrom(h.ids.NewID()), Type: complaint.CompensationRefund, Money: kehu.MustMoney("88.50", "CNY"),
			Points: 1, Status: complaint.GrantGranted, RequestedBy: "agent-7", RequestedRole: "frontline", RequestedAt: h.at.Add(30 * time.Minute),
			DecidedBy: "manager-1", DecidedRole: "manager", DecidedAt: h.at.Add(40 * time.Minute), GrantedAt: h.at.Add(41 * time.Minute),
			Reference: "refund-77", Key: "complaint.compensation:x:y", RequestKey: "grant-1",
		}},
		FollowUps: []complaint.FollowUp{{At: h.at.Add(48 * time.Hour), Channel: complaint.Phone, Result: complaint.FollowUpRestored, By: "agent-9"}},
		Satisfaction: &complaint.Satisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: 4, Speed: 5, Courtesy: 5,
			Before: &before, At: h.at.Add(49 * time.Hour)},
	}
}

// A recovery record written by an update comes back unchanged, so a store that forgets the
// field (or part of it) fails here.
func testRecoveryRoundTrips(t *testing.T, h *harness) {
	c := h.fullCase("k")
	c.Recovery = nil
	h.create(c)
	rec := h.fullRecovery()
	suite.RequireEveryFieldSet(t, rec)
	require.NoError(t, h.s.UpdateCase(h.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		x.Recovery = rec.Clone()
		return &complaint.Step{Action: complaint.CompensationGranted, At: h.at.Add(time.Hour), To: x.Status, Key: "granted"}, nil
	}))
	got := h.get(c.ID)
	assert.Equal(t, rec, got.Recovery, "the recovery written by UpdateCase is returned by Case")
	byKey, err := h.s.CaseByKey(h.ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, rec, byKey.Recovery, "and by CaseByKey")
	suite.RequireUTC(t, got, "Case after a recovery update")
}

// changedCase returns c with every field but ID, Key, Version and Steps set to another
// value (checked by reflection).
func (h *harness) changedCase(c *complaint.Case) *complaint.Case {
	before := 1
	x := &complaint.Case{
		ID: c.ID, Customer: kehu.CustomerIDFrom(h.ids.NewID()), Channel: complaint.Social,
		Words: "快递被退回了", Remedy: "重新发货", Category: complaint.CategoryDelivery,
		Triage:     complaint.Triage{Severity: complaint.Critical, Urgency: complaint.Immediate, Value: complaint.Valued},
		Assessment: complaint.Assessment{Priority: complaint.P2, Score: 32},
		ReplyBy:    h.at.Add(8 * time.Hour), ResponsibleParty: "carrier", Assignee: "agent-9", Order: "SO-2",
		Interaction: "int-2", Status: complaint.Investigating, Policy: "premium", MergedInto: complaint.CaseIDFrom(h.ids.NewID()),
		Reopens: 3, Escalations: 4,
		Response: &complaint.CustomerResponse{At: h.at.Add(2 * time.Hour), Recourse: "消费者协会"},
		Crisis:   &complaint.CrisisPlan{Spokesperson: "客服总监", KeyMessages: []string{"已重新发货"}, At: h.at.Add(3 * time.Minute)},
		Recovery: &complaint.Recovery{
			Apology: &complaint.Apology{At: h.at.Add(time.Hour), Channel: complaint.Phone, By: "agent-9"},
			Fixes:   []complaint.Fix{{At: h.at.Add(2 * time.Hour), What: "重新发货", By: "agent-9"}},
			Grants: []complaint.Grant{{
				ID: complaint.GrantIDFrom(h.ids.NewID()), Case: c.ID, Customer: kehu.CustomerIDFrom(h.ids.NewID()),
				Type: complaint.CompensationRefund, Money: kehu.MustMoney("20.00", "CNY"), Points: 2, Status: complaint.GrantGranted,
				RequestedBy: "agent-9", RequestedRole: "frontline", RequestedAt: h.at.Add(3 * time.Hour),
				DecidedBy: "manager-2", DecidedRole: "manager", DecidedAt: h.at.Add(4 * time.Hour), GrantedAt: h.at.Add(5 * time.Hour),
				Reference: "refund-78", Key: "complaint.compensation:a:b", RequestKey: "grant-2",
			}},
			FollowUps: []complaint.FollowUp{{At: h.at.Add(72 * time.Hour), Channel: complaint.Email, Result: complaint.FollowUpNotRestored, By: "agent-1"}},
			Satisfaction: &complaint.Satisfaction{Scale: complaint.Scale{Min: 0, Max: 10}, Outcome: 6, Speed: 7, Courtesy: 8,
				Before: &before, At: h.at.Add(73 * time.Hour)},
		},
		Steps: c.Steps, Version: c.Version, OpenedAt: h.at.Add(-time.Minute), Key: c.Key,
	}
	unchanged := []string{"ID", "Key", "Version", "Steps"}
	v, w := reflect.ValueOf(*c), reflect.ValueOf(*x)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if reflect.DeepEqual(v.Field(i).Interface(), w.Field(i).Interface()) && !slices.Contains(unchanged, name) {
			h.t.Fatalf("changedCase leaves Case.%s as it was: give it another value", name)
		}
	}
	return x
}

// An update may change every field of a case but its identity and its history: Case,
// CaseByKey and ListCases then return the case as fn left it, with ID, Key and Version
// the store's and the step (every field set) appended. So a store whose update forgets a
// field of the case or of the step fails here, and so does one that keeps fn's changes to
// ID, Key, Version or Steps.
func testUpdateRoundTrips(t *testing.T, h *harness) {
	c := h.fullCase("k")
	h.create(c)
	changed := h.changedCase(c)
	step := complaint.Step{Action: complaint.PolicyChanged, At: h.at.Add(time.Hour), Actor: "manager-2",
		From: complaint.Received, To: complaint.Investigating, Note: "升级处理", Channel: complaint.Social,
		Policy: "premium", Priority: complaint.P2, Key: "policy-1", Digest: "digest-policy-1"}
	suite.RequireEveryFieldSet(t, step)
	require.NoError(t, h.s.UpdateCase(h.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		*x = *changed.Clone()
		x.ID, x.Key, x.Version = complaint.CaseIDFrom(h.ids.NewID()), "another key", 99
		x.Steps = []complaint.Step{step, step}
		return &step, nil
	}))
	want := changed.Clone()
	want.ID, want.Key, want.Version = c.ID, c.Key, c.Version+1
	want.Steps = append(slices.Clone(c.Steps), step)
	assert.Equal(t, want, h.get(c.ID), "Case returns every field an update wrote")
	byKey, err := h.s.CaseByKey(h.ctx, c.Key)
	require.NoError(t, err)
	assert.Equal(t, want, byKey, "CaseByKey returns every field an update wrote")
	page, err := h.s.ListCases(h.ctx, complaint.CaseQuery{Customer: changed.Customer})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "ListCases selects on the customer an update wrote")
	assert.Equal(t, want, page.Items[0], "ListCases returns every field an update wrote")
	page, err = h.s.ListCases(h.ctx, complaint.CaseQuery{Customer: c.Customer})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "ListCases no longer lists the case under its former customer")
	page, err = h.s.ListCases(h.ctx, complaint.CaseQuery{Statuses: []complaint.Status{complaint.Investigating}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "ListCases selects on the status an update wrote")
	suite.RequireUTC(t, byKey, "CaseByKey after an update")
}
