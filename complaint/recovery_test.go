package complaint_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// policy: a frontline employee may give a valued guest up to 100 CNY and 1000 points on
// her own authority; a manager up to 1000 CNY and 10000 points.
const policyJSON = `{"roles": [
  {"role": "frontline", "ceilings": [
    {"value": "standard", "money": [{"amount": "50", "currency": "CNY"}], "points": 500},
    {"value": "valued", "money": [{"amount": "100", "currency": "CNY"}, {"amount": "15", "currency": "USD"}], "points": 1000}]},
  {"role": "manager", "ceilings": [
    {"value": "standard", "money": [{"amount": "1000", "currency": "CNY"}], "points": 10000},
    {"value": "valued", "money": [{"amount": "1000", "currency": "CNY"}], "points": 10000}]}
]}`

func policy(t *testing.T) *complaint.Empowerment {
	t.Helper()
	e, err := complaint.LoadEmpowerment(strings.NewReader(policyJSON))
	require.NoError(t, err)
	return e
}

// compensator pays each key once, as loyalty's idempotent commands do, and fails the first
// fail calls.
type compensator struct {
	mu    sync.Mutex
	fail  int
	calls []string
	paid  map[string]string // key → reference
	order []complaint.Grant
}

func (f *compensator) Compensate(_ context.Context, g complaint.Grant) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, g.Key)
	if f.fail > 0 {
		f.fail--
		return "", errors.New("loyalty is unavailable")
	}
	if ref, ok := f.paid[g.Key]; ok {
		return ref, nil
	}
	if f.paid == nil {
		f.paid = map[string]string{}
	}
	ref := fmt.Sprintf("pay-%d", len(f.paid)+1)
	f.paid[g.Key] = ref
	f.order = append(f.order, g)
	return ref, nil
}

// resolvedCase opens the room-service complaint (a valued guest) and resolves it.
func resolvedCase(t *testing.T, svc *complaint.Service, ctx context.Context) *complaint.Case {
	t.Helper()
	c, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	for _, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Resolved} {
		c, err = svc.Move(ctx, c.ID, complaint.Move{To: to, Key: "to-" + string(to)})
		require.NoError(t, err)
	}
	return c
}

func actions(c *complaint.Case) []complaint.Action {
	var out []complaint.Action
	for _, st := range c.Steps[4:] { // after opened, acknowledged, assessed, resolved
		out = append(out, st.Action)
	}
	return out
}

func TestRecoveryRecord(t *testing.T) {
	svc, _, clock := newService(t)
	ctx := kehu.WithActor(t.Context(), "frontline:elizabeth")
	c := resolvedCase(t, svc, ctx)

	c, err := svc.Apologise(ctx, c.ID, complaint.Apologise{Channel: complaint.Visit, Note: "went to the room", Key: "sorry"})
	require.NoError(t, err)
	require.NotNil(t, c.Recovery)
	assert.Equal(t, &complaint.Apology{At: clock.Now(), Channel: complaint.Visit, By: "frontline:elizabeth"}, c.Recovery.Apology)
	again, err := svc.Apologise(ctx, c.ID, complaint.Apologise{Channel: complaint.Visit, Note: "went to the room", Key: "sorry"})
	require.NoError(t, err)
	assert.Equal(t, c, again, "a repeat returns the case as it is")
	_, err = svc.Apologise(ctx, c.ID, complaint.Apologise{Channel: complaint.Phone, Key: "sorry"})
	assert.ErrorIs(t, err, kehu.ErrKeyReused)
	_, err = svc.Apologise(ctx, c.ID, complaint.Apologise{Channel: complaint.Phone, Key: "sorry-2"})
	requireProblem(t, err, "case", "once")

	clock.Advance(time.Minute)
	c, err = svc.RecordFix(ctx, c.ID, complaint.RecordFix{What: "flight held and taxi called", Key: "fix"})
	require.NoError(t, err)
	assert.Equal(t, []complaint.Fix{{At: clock.Now(), What: "flight held and taxi called", By: "frontline:elizabeth"}}, c.Recovery.Fixes)

	clock.Advance(48 * time.Hour)
	c, err = svc.RecordFollowUp(ctx, c.ID, complaint.RecordFollowUp{Channel: complaint.Phone, Result: complaint.FollowUpRestored, Key: "call-back"})
	require.NoError(t, err)
	assert.Equal(t, []complaint.FollowUp{{At: clock.Now(), Channel: complaint.Phone, Result: complaint.FollowUpRestored, By: "frontline:elizabeth"}},
		c.Recovery.FollowUps)

	before := 1
	c, err = svc.RecordSatisfaction(ctx, c.ID, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5},
		Outcome: 5, Speed: 5, Courtesy: 4, Before: &before, Key: "csat"})
	require.NoError(t, err)
	before = 3 // the command's pointer is not kept
	one := 1
	assert.Equal(t, &complaint.Satisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: 5, Speed: 5, Courtesy: 4, Before: &one, At: clock.Now()},
		c.Recovery.Satisfaction)
	assert.InDelta(t, 14.0/3, c.Recovery.Satisfaction.After(), 1e-12)
	_, err = svc.RecordSatisfaction(ctx, c.ID, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: 1, Speed: 1, Courtesy: 1, Key: "csat-2"})
	requireProblem(t, err, "case", "once")

	assert.Equal(t, []complaint.Action{complaint.Apologised, complaint.Fixed, complaint.FollowedUp, complaint.SatisfactionRecorded}, actions(c))
	last := c.Steps[len(c.Steps)-1]
	assert.Equal(t, "frontline:elizabeth", last.Actor)
	assert.Equal(t, complaint.Resolved, last.To, "recovery steps keep the status")
	stored, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored)
}

func requireProblem(t *testing.T, err error, field, rule string) {
	t.Helper()
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has(field, rule), "want %s (%s) in %v", field, rule, err)
}

func TestRecoveryCommandsRefuseBadInput(t *testing.T) {
	svc, _, _ := newService(t)
	svc = svc.WithCompensation(policy(t), &compensator{})
	ctx := t.Context()
	c := resolvedCase(t, svc, ctx)
	seven := 7
	long := strings.Repeat("x", complaint.MaxWordsBytes+1)
	for _, tc := range []struct {
		name string
		run  func() error
		want [][2]string
	}{
		{"apology", func() error {
			_, err := svc.Apologise(ctx, c.ID, complaint.Apologise{Channel: "pigeon", Note: long, Key: "kehu:x"})
			return err
		}, [][2]string{{"channel", "enum"}, {"note", "max_length"}, {"key", "reserved"}}},
		{"fix", func() error {
			_, err := svc.RecordFix(ctx, c.ID, complaint.RecordFix{What: " "})
			return err
		}, [][2]string{{"what", "required"}, {"key", "required"}}},
		{"follow-up", func() error {
			_, err := svc.RecordFollowUp(ctx, c.ID, complaint.RecordFollowUp{Channel: "fax", Result: "happy", Key: "k"})
			return err
		}, [][2]string{{"channel", "enum"}, {"result", "enum"}}},
		{"satisfaction off the scale", func() error {
			_, err := svc.RecordSatisfaction(ctx, c.ID, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5},
				Outcome: 0, Speed: 6, Courtesy: 3, Before: &seven, Key: "k"})
			return err
		}, [][2]string{{"outcome", "range"}, {"speed", "range"}, {"before", "range"}}},
		{"no scale", func() error {
			_, err := svc.RecordSatisfaction(ctx, c.ID, complaint.RecordSatisfaction{Outcome: 3, Key: "k"})
			return err
		}, [][2]string{{"scale", "range"}}},
		{"points grant", func() error {
			_, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints,
				Money: kehu.MustMoney("1", "CNY"), Key: "k"})
			return err
		}, [][2]string{{"points", "range"}, {"money", "forbidden"}, {"role", "required"}}},
		{"money grant", func() error {
			_, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationRefund,
				Money: kehu.MustMoney("-1", "CNY"), Points: 3, Role: "frontline", Key: "k"})
			return err
		}, [][2]string{{"money", "range"}, {"points", "forbidden"}}},
		{"grant without value", func() error {
			_, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationCoupon, Role: "frontline", Key: "k"})
			return err
		}, [][2]string{{"money", "required"}}},
		{"unknown type", func() error {
			_, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: "cash", Role: "frontline", Key: "k"})
			return err
		}, [][2]string{{"type", "enum"}}},
		{"unknown role", func() error {
			_, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 1, Role: "ceo", Key: "k"})
			return err
		}, [][2]string{{"role", "unknown"}}},
		{"decision", func() error {
			_, err := svc.DecideCompensation(ctx, c.ID, complaint.DecideCompensation{Approve: true})
			return err
		}, [][2]string{{"grant", "required"}, {"role", "required"}, {"key", "required"}}},
		{"decision on no grant", func() error {
			_, err := svc.DecideCompensation(ctx, c.ID, complaint.DecideCompensation{Grant: complaint.GrantIDFrom([16]byte{9}), Approve: true,
				Role: "manager", Key: "k"})
			return err
		}, [][2]string{{"grant", "not_found"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			for _, w := range tc.want {
				requireProblem(t, err, w[0], w[1])
			}
		})
	}
	stored, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored, "refused commands write nothing")

	_, err = complaint.NewService(svc.Store(), nil).RequestCompensation(ctx, c.ID, complaint.RequestCompensation{
		Type: complaint.CompensationPoints, Points: 1, Role: "frontline", Key: "k"})
	assert.ErrorIs(t, err, complaint.ErrNotConfigured)
}

func TestRecoveryOnAMergedCase(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	a, err := svc.Open(ctx, roomService("a"))
	require.NoError(t, err)
	b, err := svc.Open(ctx, roomService("b"))
	require.NoError(t, err)
	_, err = svc.Merge(ctx, b.ID, a.ID, "", "merge")
	require.NoError(t, err)
	_, err = svc.RecordFix(ctx, b.ID, complaint.RecordFix{What: "x", Key: "fix"})
	requireProblem(t, err, "case", "merged")
}

func TestCompensationWithinTheCeilingIsPaidAtOnce(t *testing.T) {
	svc, _, clock := newService(t)
	pay := &compensator{}
	svc = svc.WithCompensation(policy(t), pay)
	ctx := kehu.WithActor(t.Context(), "frontline:elizabeth")
	c := resolvedCase(t, svc, ctx)

	c, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 800,
		Role: "frontline", Note: "for the cancelled dinner", Key: "points"})
	require.NoError(t, err)
	require.Len(t, c.Recovery.Grants, 1)
	g := c.Recovery.Grants[0]
	assert.Equal(t, complaint.Grant{ID: g.ID, Case: c.ID, Customer: c.Customer, Type: complaint.CompensationPoints, Points: 800,
		Status: complaint.GrantGranted, RequestedBy: "frontline:elizabeth", RequestedRole: "frontline", RequestedAt: clock.Now(),
		DecidedBy: "frontline:elizabeth", DecidedRole: "frontline", DecidedAt: clock.Now(), GrantedAt: clock.Now(), Reference: "pay-1",
		Key: "complaint.compensation:" + c.ID.String() + ":" + g.ID.String(), RequestKey: "points"}, g)
	require.NoError(t, kehu.CheckHostKey("key", g.Key), "a host passes the payment key on as its own (to loyalty)")
	assert.Equal(t, []string{g.Key}, pay.calls)
	assert.Equal(t, []complaint.Action{complaint.CompensationRequested, complaint.CompensationGranted}, actions(c))
	assert.Equal(t, "grant "+g.ID.String()+": 800 points requested as frontline; for the cancelled dinner", c.Steps[4].Note)
	assert.Equal(t, "grant "+g.ID.String()+": paid, reference pay-1", c.Steps[5].Note)

	again, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 800,
		Role: "frontline", Note: "for the cancelled dinner", Key: "points"})
	require.NoError(t, err)
	assert.Equal(t, c, again, "a repeat changes nothing")
	assert.Len(t, pay.calls, 1, "and pays nothing: the grant is granted")

	// 800 + 300 points is over the 1000 of her ceiling: the second grant waits.
	c, err = svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 300,
		Role: "frontline", Key: "more-points"})
	require.NoError(t, err)
	assert.Equal(t, complaint.GrantRequested, c.Recovery.Grants[1].Status)
	// Money is counted per currency: 100 CNY and 15 USD are each within her ceiling.
	c, err = svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationRefund,
		Money: kehu.MustMoney("100", "CNY"), Role: "frontline", Key: "refund"})
	require.NoError(t, err)
	c, err = svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationGift,
		Money: kehu.MustMoney("15", "USD"), Role: "frontline", Key: "gift"})
	require.NoError(t, err)
	c, err = svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationCoupon,
		Money: kehu.MustMoney("0.01", "CNY"), Role: "frontline", Key: "coupon"})
	require.NoError(t, err)
	var statuses []complaint.GrantStatus
	for _, g := range c.Recovery.Grants {
		statuses = append(statuses, g.Status)
	}
	assert.Equal(t, []complaint.GrantStatus{complaint.GrantGranted, complaint.GrantRequested, complaint.GrantGranted, complaint.GrantGranted,
		complaint.GrantRequested}, statuses, "a split grant does not get past the ceiling")
	assert.Len(t, pay.paid, 3)
}

func TestCompensationAboveTheCeilingWaitsForApproval(t *testing.T) {
	svc, _, _ := newService(t)
	pay := &compensator{}
	svc = svc.WithCompensation(policy(t), pay)
	front := kehu.WithActor(t.Context(), "frontline:elizabeth")
	boss := kehu.WithActor(t.Context(), "manager:lee")
	c := resolvedCase(t, svc, front)

	c, err := svc.RequestCompensation(front, c.ID, complaint.RequestCompensation{Type: complaint.CompensationRefund,
		Money: kehu.MustMoney("450", "CNY"), Role: "frontline", Key: "refund"})
	require.NoError(t, err)
	g := c.Recovery.Grants[0]
	assert.Equal(t, complaint.GrantRequested, g.Status)
	assert.Empty(t, pay.calls, "nothing is paid before approval")

	_, err = svc.DecideCompensation(front, c.ID, complaint.DecideCompensation{Grant: g.ID, Approve: true, Role: "frontline", Key: "self-approve"})
	assert.ErrorIs(t, err, complaint.ErrBeyondAuthority)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	requireProblem(t, err, "role", "ceiling")
	_, err = svc.DecideCompensation(boss, c.ID, complaint.DecideCompensation{Grant: g.ID, Approve: true, Role: "ceo", Key: "ceo"})
	requireProblem(t, err, "role", "unknown")

	c, err = svc.DecideCompensation(boss, c.ID, complaint.DecideCompensation{Grant: g.ID, Approve: true, Role: "manager", Note: "ok", Key: "approve"})
	require.NoError(t, err)
	g = c.Recovery.Grants[0]
	assert.Equal(t, complaint.GrantGranted, g.Status)
	assert.Equal(t, "manager:lee", g.DecidedBy)
	assert.Equal(t, "manager", g.DecidedRole)
	assert.Equal(t, "frontline:elizabeth", g.RequestedBy)
	assert.Equal(t, []complaint.Action{complaint.CompensationRequested, complaint.CompensationApproved, complaint.CompensationGranted}, actions(c))
	assert.Equal(t, "manager:lee", c.Steps[5].Actor)
	assert.Equal(t, "grant "+g.ID.String()+": approved as manager; ok", c.Steps[5].Note)
	assert.Len(t, pay.calls, 1)

	_, err = svc.DecideCompensation(boss, c.ID, complaint.DecideCompensation{Grant: g.ID, Approve: false, Role: "manager", Key: "refuse-late"})
	requireProblem(t, err, "grant", "status")

	c, err = svc.RequestCompensation(front, c.ID, complaint.RequestCompensation{Type: complaint.CompensationGift,
		Money: kehu.MustMoney("20", "CNY"), Role: "frontline", Key: "gift"})
	require.NoError(t, err)
	assert.Equal(t, complaint.GrantRequested, c.Recovery.Grants[1].Status, "450 already granted: 20 more is over her 100")
	c, err = svc.DecideCompensation(boss, c.ID, complaint.DecideCompensation{Grant: c.Recovery.Grants[1].ID, Role: "manager", Key: "refuse"})
	require.NoError(t, err)
	assert.Equal(t, complaint.GrantRefused, c.Recovery.Grants[1].Status)
	assert.Equal(t, complaint.CompensationRefused, c.Steps[len(c.Steps)-1].Action)
	assert.Len(t, pay.calls, 1, "a refused grant is not paid")
}

// Two systems send the same grant command at once, and the compensator fails the first
// call: the grant is paid exactly once, and both systems end with it granted.
func TestCompensationIsPaidOnceUnderRacingRetries(t *testing.T) {
	for round := range 20 {
		svc, _, _ := newService(t)
		pay := &compensator{fail: 1}
		svc = svc.WithCompensation(policy(t), pay)
		ctx := kehu.WithActor(t.Context(), "frontline:elizabeth")
		c := resolvedCase(t, svc, ctx)
		cmd := complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 500, Role: "frontline", Key: "grant-1"}

		results := make([]*complaint.Case, 2)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 { // each system retries a failed command
					got, err := svc.RequestCompensation(ctx, c.ID, cmd)
					if err == nil {
						results[i] = got
						return
					}
				}
			}()
		}
		wg.Wait()

		require.Len(t, pay.paid, 1, "round %d: paid exactly once", round)
		stored, err := svc.Case(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, stored.Recovery.Grants, 1)
		g := stored.Recovery.Grants[0]
		assert.Equal(t, complaint.GrantGranted, g.Status)
		assert.Equal(t, "pay-1", g.Reference)
		for _, k := range pay.calls {
			assert.Equal(t, g.Key, k, "every call carries the grant's key")
		}
		assert.GreaterOrEqual(t, len(pay.calls), 2, "the failed call was tried again")
		assert.Equal(t, []complaint.Action{complaint.CompensationRequested, complaint.CompensationGranted}, actions(stored))
		for i, r := range results {
			require.NotNil(t, r, "system %d got an answer", i)
			assert.Equal(t, complaint.GrantGranted, r.Recovery.Grants[0].Status)
		}
	}
}

// A crash between paying and recording leaves the grant approved: SettleCompensation
// calls the compensator again with the same key, which pays once, and records it granted.
func TestSettleCompensationAfterAFailure(t *testing.T) {
	svc, _, _ := newService(t)
	pay := &compensator{fail: 1}
	svc = svc.WithCompensation(policy(t), pay)
	ctx := t.Context()
	c := resolvedCase(t, svc, ctx)
	got, err := svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationRefund,
		Money: kehu.MustMoney("30", "CNY"), Role: "frontline", Key: "refund"})
	require.Error(t, err)
	require.NotNil(t, got, "the case as stored comes with the error")
	assert.Equal(t, complaint.GrantApproved, got.Recovery.Grants[0].Status, "approved, not paid")

	c, err = svc.SettleCompensation(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, complaint.GrantGranted, c.Recovery.Grants[0].Status)
	c, err = svc.SettleCompensation(ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, pay.calls, 2, "nothing left to settle")
	assert.Len(t, pay.paid, 1)
	_, err = complaint.NewService(svc.Store(), nil).SettleCompensation(ctx, c.ID)
	assert.ErrorIs(t, err, complaint.ErrNotConfigured)
}

func TestRecoveryEnums(t *testing.T) {
	for _, tc := range []struct {
		field string
		parse func(string) (string, error)
		good  []string
	}{
		{"type", func(s string) (string, error) { v, err := complaint.ParseCompensationType(s); return string(v), err },
			[]string{"points", "coupon", "refund", "gift"}},
		{"status", func(s string) (string, error) { v, err := complaint.ParseGrantStatus(s); return string(v), err },
			[]string{"requested", "approved", "granted", "refused"}},
		{"result", func(s string) (string, error) { v, err := complaint.ParseFollowUpResult(s); return string(v), err },
			[]string{"restored", "not_restored", "unreachable"}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			for _, g := range tc.good {
				v, err := tc.parse(" " + strings.ToUpper(g))
				require.NoError(t, err)
				assert.Equal(t, g, v)
			}
			_, err := tc.parse("cash")
			requireProblem(t, err, tc.field, "enum")
		})
	}
	var g complaint.Grant
	require.NoError(t, json.Unmarshal([]byte(`{"type": "gift", "status": "refused"}`), &g))
	assert.Equal(t, complaint.GrantRefused, g.Status)
	assert.Error(t, json.Unmarshal([]byte(`{"type": "cash"}`), &g))
}

func TestEmpowerment(t *testing.T) {
	e := policy(t)
	assert.Equal(t, []string{"frontline", "manager"}, e.Roles())
	money, points := e.Ceiling("frontline", complaint.Valued)
	require.Len(t, money, 2)
	assert.True(t, money[0].Equal(kehu.MustMoney("100", "CNY")))
	assert.Equal(t, int64(1000), points)
	money, points = e.Ceiling("manager", complaint.Key)
	assert.Nil(t, money, "no ceiling for key accounts: every grant needs a decision")
	assert.Zero(t, points)
	spec := e.Spec()
	spec.Roles[0].Ceilings[0].Points = 1
	assert.Equal(t, int64(500), e.Spec().Roles[0].Ceilings[0].Points, "Spec returns a copy")

	ok, err := e.Covers("frontline", complaint.Standard, []complaint.Grant{
		{Type: complaint.CompensationCoupon, Money: kehu.MustMoney("30", "CNY"), Status: complaint.GrantGranted},
		{Type: complaint.CompensationCoupon, Money: kehu.MustMoney("40", "CNY"), Status: complaint.GrantRefused},
	}, complaint.Grant{Type: complaint.CompensationRefund, Money: kehu.MustMoney("20", "CNY")})
	require.NoError(t, err)
	assert.True(t, ok, "30 granted + 20 = 50: within; the refused 40 does not count")

	for _, tc := range []struct {
		name string
		json string
		want [][2]string
	}{
		{"no roles", `{"roles": []}`, [][2]string{{"roles", "required"}}},
		{"bad role", `{"roles": [{"role": "", "ceilings": []}, {"role": "a"}, {"role": "a"}]}`,
			[][2]string{{"roles[0].role", "required"}, {"roles[2].role", "duplicate"}}},
		{"bad ceilings", `{"roles": [{"role": "a", "ceilings": [
			{"value": "standard", "points": -1},
			{"value": "key", "money": [{"amount": "-5", "currency": "CNY"}, {"amount": "5", "currency": "USD"}, {"amount": "6", "currency": "USD"}]},
			{"value": "key"}]}]}`,
			[][2]string{{"roles[0].ceilings[0].points", "range"},
				{"roles[0].ceilings[1].money[0]", "range"}, {"roles[0].ceilings[1].money[2]", "duplicate"}, {"roles[0].ceilings[2].value", "duplicate"}}},
		{"unknown field", `{"roles": [{"role": "a", "limit": 5}]}`, [][2]string{{"roles[0].limit", "unknown_field"}}},
		{"trailing data", `{"roles": [{"role": "a"}]} {}`, [][2]string{{"empowerment", "syntax"}}},
		{"bad money", `{"roles": [{"role": "a", "ceilings": [{"value": "key", "money": [{"amount": "x", "currency": "CNY"}]}]}]}`,
			[][2]string{{"roles[0].ceilings[0].money[0].amount", "format"}}},
		{"empty", ` `, [][2]string{{"empowerment", "required"}}},
		{"unknown band", `{"roles": [{"role": "a", "ceilings": [{"value": "key"}, {"value": "gold", "points": -1}]}]}`,
			[][2]string{{"roles[0].ceilings[1].value", "enum"}, {"roles[0].ceilings[1].points", "range"}}},
		{"bad money and band together", `{"roles": [{"role": "a", "ceilings": [{"value": "gold", "money": [{"amount": "1", "currency": "XXQ"}]}]}]}`,
			[][2]string{{"roles[0].ceilings[0].value", "enum"}, {"roles[0].ceilings[0].money[0].currency", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := complaint.LoadEmpowerment(strings.NewReader(tc.json))
			for _, w := range tc.want {
				requireProblem(t, err, w[0], w[1])
			}
		})
	}
	_, err = complaint.LoadEmpowerment(strings.NewReader(`{"roles": [{"role": "a", "ceilings": [{"value": "key", "money": [{"amount": "x", "currency": "CNY"}]}]}]}`))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Len(t, verr.Fields, 1, "an amount that does not decode is reported once: %v", err)
	_, err = complaint.CompileEmpowerment(complaint.EmpowermentSpec{Roles: []complaint.RoleCeilings{{Role: "a",
		Ceilings: []complaint.Ceiling{{Value: complaint.Key, Money: []kehu.Money{{}}}, {Value: "gold"}}}}})
	requireProblem(t, err, "roles[0].ceilings[0].money[0]", "required")
	requireProblem(t, err, "roles[0].ceilings[1].value", "enum")
	_, err = complaint.LoadEmpowerment(nil)
	requireProblem(t, err, "empowerment", "required")
}

// recoveredCase is a case with the grants given, for the pure reports.
func recoveredCase(n byte, category string, sev complaint.Severity, band complaint.ValueBand, grants ...complaint.Grant) *complaint.Case {
	c := &complaint.Case{ID: complaint.CaseIDFrom([16]byte{n}), Category: category, Status: complaint.Closed,
		Triage: complaint.Triage{Severity: sev, Urgency: complaint.Normal, Value: band}}
	if len(grants) > 0 {
		c.Recovery = &complaint.Recovery{Grants: grants}
	}
	return c
}

func money(amount, cur string, t complaint.CompensationType) complaint.Grant {
	return complaint.Grant{Type: t, Money: kehu.MustMoney(amount, cur), Status: complaint.GrantGranted}
}

func points(n int64) complaint.Grant {
	return complaint.Grant{Type: complaint.CompensationPoints, Points: n, Status: complaint.GrantGranted}
}

func TestCheckConsistency(t *testing.T) {
	const delivery, packaging = complaint.CategoryDelivery, complaint.CategoryPackaging
	mod, minor := complaint.Moderate, complaint.Minor
	pending := money("500", "CNY", complaint.CompensationRefund)
	pending.Status = complaint.GrantApproved
	merged := recoveredCase(10, delivery, mod, complaint.Standard, money("999", "CNY", complaint.CompensationRefund))
	merged.Status = complaint.Merged
	cases := []*complaint.Case{
		recoveredCase(1, delivery, mod, complaint.Standard, money("50", "CNY", complaint.CompensationRefund)),
		recoveredCase(2, delivery, mod, complaint.Standard, money("20", "CNY", complaint.CompensationCoupon), money("30", "CNY", complaint.CompensationGift)),
		recoveredCase(3, delivery, mod, complaint.Standard), // nothing granted: 0 CNY and 0 points
		recoveredCase(4, delivery, mod, complaint.Standard, points(100)),
		merged, // left out
		recoveredCase(5, delivery, mod, complaint.Key, money("80", "CNY", complaint.CompensationRefund)),
		recoveredCase(6, delivery, mod, complaint.Key, money("100", "CNY", complaint.CompensationRefund)),
		recoveredCase(7, packaging, minor, complaint.Standard, money("40", "CNY", complaint.CompensationCoupon), pending),
		recoveredCase(8, packaging, minor, complaint.Standard, money("55", "CNY", complaint.CompensationCoupon)),
		recoveredCase(9, packaging, minor, complaint.Standard, money("10", "USD", complaint.CompensationCoupon)),
	}
	// Allowed spread: the larger of 10 CNY (or 0 points) and 25 % of the group's largest.
	tol := complaint.Tolerance{Ratio: decimal.RequireFromString("0.25"), Money: []kehu.Money{kehu.MustMoney("10", "CNY")}}
	got, err := complaint.CheckConsistency(cases, tol)
	require.NoError(t, err)

	type row struct {
		group  complaint.Group
		unit   string
		spread string
		cases  []string // case number: amount, least first
	}
	var rows []row
	for _, inc := range got {
		r := row{group: inc.Group, unit: string(inc.Currency), spread: inc.Spread.String()}
		if inc.Currency == "" {
			r.unit, r.spread = "points", fmt.Sprint(inc.SpreadPoints)
		}
		for _, c := range inc.Cases {
			v := c.Money.String()
			if inc.Currency == "" {
				v = fmt.Sprint(c.Points)
			}
			r.cases = append(r.cases, fmt.Sprintf("%d: %s", c.Case.UUID()[0], v))
		}
		rows = append(rows, r)
	}
	deliveryStd := complaint.Group{Category: delivery, Severity: mod, Value: complaint.Standard}
	assert.Equal(t, []row{
		// 0, 50, 50: spread 50 > max(10, 12.5). Case 4 had points only and is not compared.
		{deliveryStd, "CNY", "50.00 CNY", []string{"3: 0.00 CNY", "1: 50.00 CNY", "2: 50.00 CNY"}},
		// 0 and 100 points: spread 100 > max(0, 25).
		{deliveryStd, "points", "100", []string{"3: 0", "4: 100"}},
		// Delivery for key accounts: 80 and 100, spread 20 ≤ max(10, 25): consistent.
		// Packaging: 40 and 55 (the approved 500 is not granted), spread 15 > max(10, 13.75).
		// Case 9 alone in USD: spread 0.
		{complaint.Group{Category: packaging, Severity: minor, Value: complaint.Standard}, "CNY", "15.00 CNY", []string{"7: 40.00 CNY", "8: 55.00 CNY"}},
	}, rows)

	loose := complaint.Tolerance{Money: []kehu.Money{kehu.MustMoney("50", "CNY")}, Points: 100}
	got, err = complaint.CheckConsistency(cases, loose)
	require.NoError(t, err)
	assert.Empty(t, got, "within 50 CNY and 100 points everything is consistent")

	_, err = complaint.CheckConsistency([]*complaint.Case{nil}, complaint.Tolerance{Ratio: decimal.NewFromInt(2),
		Money: []kehu.Money{{}, kehu.MustMoney("-1", "CNY"), kehu.MustMoney("1", "USD"), kehu.MustMoney("2", "USD")}, Points: -1})
	for _, w := range [][2]string{{"cases[0]", "required"}, {"tolerance.ratio", "range"}, {"tolerance.money[0]", "required"},
		{"tolerance.money[1]", "range"}, {"tolerance.money[3]", "duplicate"}, {"tolerance.points", "range"}} {
		requireProblem(t, err, w[0], w[1])
	}
	huge := recoveredCase(11, delivery, mod, complaint.Standard, points(1<<62), points(1<<62))
	_, err = complaint.CheckConsistency([]*complaint.Case{huge}, complaint.Tolerance{})
	requireProblem(t, err, "cases[0].recovery.grants", "overflow")
}

func satisfied(n byte, category string, outcome, speed, courtesy int, before ...int) *complaint.Case {
	c := recoveredCase(n, category, complaint.Moderate, complaint.Standard)
	s := &complaint.Satisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: outcome, Speed: speed, Courtesy: courtesy}
	if len(before) > 0 {
		s.Before = &before[0]
	}
	c.Recovery = &complaint.Recovery{Satisfaction: s}
	return c
}

func TestRecoveryEffects(t *testing.T) {
	merged := satisfied(9, complaint.CategoryDelivery, 1, 1, 1)
	merged.Status = complaint.Merged
	cases := []*complaint.Case{
		satisfied(1, complaint.CategoryDelivery, 4, 5, 3, 2), // after 4: improved from 2, restored
		satisfied(2, complaint.CategoryDelivery, 2, 3, 4, 3), // after 3: not improved, not restored
		satisfied(3, complaint.CategoryDelivery, 5, 5, 5),    // after 5: restored, no before
		satisfied(4, complaint.CategoryPackaging, 1, 1, 1, 1),
		recoveredCase(5, complaint.CategoryPackaging, complaint.Minor, complaint.Standard), // not measured
		merged,
	}
	got, err := complaint.RecoveryEffects(cases, 4)
	require.NoError(t, err)
	require.Len(t, got, 2)
	d := got[0]
	assert.Equal(t, complaint.CategoryDelivery, d.Category)
	assert.Equal(t, 3, d.Cases)
	assert.Equal(t, 2, d.Before)
	assert.InDelta(t, 2.5, d.MeanBefore, 1e-12)     // (2 + 3) / 2
	assert.InDelta(t, 11.0/3, d.MeanOutcome, 1e-12) // (4 + 2 + 5) / 3
	assert.InDelta(t, 13.0/3, d.MeanSpeed, 1e-12)   // (5 + 3 + 5) / 3
	assert.InDelta(t, 4.0, d.MeanCourtesy, 1e-12)   // (3 + 4 + 5) / 3
	assert.InDelta(t, 4.0, d.MeanAfter, 1e-12)      // (12 + 9 + 15) / 9
	assert.Equal(t, 1, d.Improved)                  // case 1
	assert.Equal(t, 2, d.Restored)                  // cases 1 and 3
	assert.InDelta(t, 2.0/3, d.ShareRestored, 1e-12)
	assert.Equal(t, complaint.RecoveryEffect{Category: complaint.CategoryPackaging, Cases: 1, Before: 1, MeanBefore: 1, MeanAfter: 1,
		MeanOutcome: 1, MeanSpeed: 1, MeanCourtesy: 1}, got[1])

	other := satisfied(6, complaint.CategoryDelivery, 7, 7, 7)
	other.Recovery.Satisfaction.Scale = complaint.Scale{Min: 0, Max: 10}
	_, err = complaint.RecoveryEffects(append(cases, other, nil), 6)
	requireProblem(t, err, "cases[6].recovery.satisfaction.scale", "scale_mismatch")
	requireProblem(t, err, "cases[7]", "required")
	requireProblem(t, err, "restored_at", "range")
}

type surveyor struct {
	mu     sync.Mutex
	closed []complaint.CaseID
	fail   bool
}

func (s *surveyor) RequestRecoverySurvey(_ context.Context, c *complaint.Case) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = append(s.closed, c.ID)
	if s.fail {
		return errors.New("survey is unavailable")
	}
	return nil
}

func TestRecoverySurveyOnEveryClosure(t *testing.T) {
	base, _, _ := newService(t)
	sv := &surveyor{}
	svc := base.WithRecoverySurvey(sv)
	ctx := t.Context()
	c := resolvedCase(t, svc, ctx)
	_, err := svc.Answer(ctx, c.ID, complaint.Answer{Accepted: true, Key: "accept"})
	require.NoError(t, err)
	assert.Equal(t, []complaint.CaseID{c.ID}, sv.closed, "closed by the customer's acceptance")
	_, err = svc.Answer(ctx, c.ID, complaint.Answer{Accepted: true, Key: "accept"})
	require.NoError(t, err)
	assert.Len(t, sv.closed, 1, "a repeated command asks nothing")

	for _, to := range []complaint.Status{complaint.Investigating, complaint.Resolved, complaint.Closed} {
		_, err = svc.Move(ctx, c.ID, complaint.Move{To: to, Key: "again-" + string(to)})
		require.NoError(t, err)
	}
	assert.Len(t, sv.closed, 2, "reopened and closed again by a move: asked again")
	_, err = base.Move(ctx, c.ID, complaint.Move{To: complaint.Investigating, Key: "reopen-2"})
	require.NoError(t, err)

	sv.fail = true
	_, err = svc.Move(ctx, c.ID, complaint.Move{To: complaint.Resolved, Key: "resolve-3"})
	require.NoError(t, err, "only a closure asks")
	got, err := svc.Move(ctx, c.ID, complaint.Move{To: complaint.Closed, Key: "close-3"})
	require.Error(t, err)
	require.NotNil(t, got)
	assert.Equal(t, complaint.Closed, got.Status, "the closure is stored; the survey's error comes with it")
	assert.Len(t, sv.closed, 3)
}

// A case with a recovery record survives JSON, the form a document store keeps.
func TestRecoveryJSON(t *testing.T) {
	svc, _, _ := newService(t)
	svc = svc.WithCompensation(policy(t), &compensator{})
	ctx := kehu.WithActor(t.Context(), "frontline:elizabeth")
	c := resolvedCase(t, svc, ctx)
	before := 2
	for _, run := range []func() (*complaint.Case, error){
		func() (*complaint.Case, error) {
			return svc.Apologise(ctx, c.ID, complaint.Apologise{Channel: complaint.Visit, Key: "a"})
		},
		func() (*complaint.Case, error) {
			return svc.RecordFix(ctx, c.ID, complaint.RecordFix{What: "redone", Key: "f"})
		},
		func() (*complaint.Case, error) {
			return svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationRefund,
				Money: kehu.MustMoney("88.50", "CNY"), Role: "frontline", Key: "r"})
		},
		func() (*complaint.Case, error) {
			return svc.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 5000,
				Role: "frontline", Key: "p"})
		},
		func() (*complaint.Case, error) {
			return svc.RecordFollowUp(ctx, c.ID, complaint.RecordFollowUp{Channel: complaint.Phone, Result: complaint.FollowUpNotRestored, Key: "u"})
		},
		func() (*complaint.Case, error) {
			return svc.RecordSatisfaction(ctx, c.ID, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5}, Outcome: 3,
				Speed: 2, Courtesy: 5, Before: &before, Key: "s"})
		},
	} {
		var err error
		c, err = run()
		require.NoError(t, err)
	}
	data, err := json.Marshal(c)
	require.NoError(t, err)
	var back complaint.Case
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, c, &back, "%s", data)
}

// A guest complains by phone and by email, and the two cases are merged into one. Each was
// within the frontline's ceiling alone; the complaint's ceiling counts the grants of the
// cases merged into it, so a second 100 CNY for the same complaint waits for a role that
// covers 200, instead of being paid at once.
func TestTheCeilingCountsTheCasesMergedIn(t *testing.T) {
	svc, _, _ := newService(t)
	pay := &compensator{}
	svc = svc.WithCompensation(policy(t), pay)
	ctx := kehu.WithActor(t.Context(), "frontline:elizabeth")
	call, err := svc.Open(ctx, roomService("call"))
	require.NoError(t, err)
	mail, err := svc.Open(ctx, roomService("mail"))
	require.NoError(t, err)
	coupon := func(id complaint.CaseID, key string) *complaint.Case {
		t.Helper()
		c, err := svc.RequestCompensation(ctx, id, complaint.RequestCompensation{Type: complaint.CompensationCoupon,
			Money: kehu.MustMoney("100", "CNY"), Role: "frontline", Key: key})
		require.NoError(t, err)
		return c
	}
	c := coupon(call.ID, "desk-1")
	assert.Equal(t, complaint.GrantGranted, c.Recovery.Grants[0].Status, "within the ceiling of 100")
	_, err = svc.Merge(ctx, call.ID, mail.ID, "the same complaint", "merge")
	require.NoError(t, err)

	c = coupon(mail.ID, "desk-2")
	g := c.Recovery.Grants[len(c.Recovery.Grants)-1]
	assert.Equal(t, complaint.GrantRequested, g.Status, "100 more for the same complaint is beyond the frontline's 100")
	assert.Len(t, pay.calls, 1, "paid once")
	_, err = svc.DecideCompensation(ctx, mail.ID, complaint.DecideCompensation{Grant: g.ID, Approve: true, Role: "frontline", Key: "self-approve"})
	assert.ErrorIs(t, err, complaint.ErrBeyondAuthority)
	c, err = svc.DecideCompensation(kehu.WithActor(t.Context(), "manager:li"), mail.ID,
		complaint.DecideCompensation{Grant: g.ID, Approve: true, Role: "manager", Key: "approve"})
	require.NoError(t, err)
	assert.Equal(t, complaint.GrantGranted, c.Recovery.Grants[len(c.Recovery.Grants)-1].Status, "a manager's 1000 covers it")
}
