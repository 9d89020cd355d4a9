package loyalty_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// calendarTiers is the retail programme with its tiers measured on the calendar year and
// reviewed every 1 January (in Shanghai), one level down at most, after 30 days' grace.
func calendarTiers(t *testing.T, window, review string, replace ...string) *loyalty.Program {
	t.Helper()
	json := strings.NewReplacer(replace...).Replace(retailTiers)
	json = strings.Replace(json, `"window": {"kind": "rolling_months", "months": 12}`,
		`"window": {"kind": "`+window+`"}`, 1)
	json = strings.Replace(json, `"review": "anniversary"`, `"review": "`+review+`"`, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(json))
	require.NoError(t, err)
	return p
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func cst(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, shanghai) }

func TestCalendarReviewJudgesTheYearThatEnded(t *testing.T) {
	p := calendarTiers(t, loyalty.WindowCalendarYear, loyalty.ReviewCalendarYear)
	opts, clock, _ := kehu.Deterministic(cst(2025, 3, 1, 10))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	kept, dropped := crm.CustomerIDFrom([16]byte{1}), crm.CustomerIDFrom([16]byte{2})
	earn := func(c crm.CustomerID, id, amount string) {
		t.Helper()
		_, err := svc.EarnOrder(ctx, p, order(id, clock.Now(), amount), loyalty.Member{CustomerID: c})
		require.NoError(t, err)
	}
	tierOf := func(c crm.CustomerID) *loyalty.MemberState {
		t.Helper()
		st, err := svc.EvaluateTier(ctx, p, c)
		require.NoError(t, err)
		return st.State
	}
	// Both reach gold in 2025; only one spends enough in 2026 to keep it.
	earn(kept, "K-2025", "8000.00")
	earn(dropped, "D-2025", "8000.00")
	clock.Set(cst(2026, 1, 1, 9))
	_, err := svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "gold", tierOf(kept).Tier, "the 2026 review judges 2025")
	assert.Equal(t, "gold", tierOf(dropped).Tier, "the 2026 review judges 2025")
	clock.Set(cst(2026, 6, 1, 10))
	earn(kept, "K-2026", "8000.00")

	clock.Set(cst(2027, 1, 1, 0))
	n, err := svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, "gold", tierOf(kept).Tier, "qualified in 2026: still gold after the 1 January 2027 review")
	st := tierOf(dropped)
	assert.Equal(t, "gold", st.Tier, "30 days' grace")
	assert.Equal(t, "silver", st.DowngradeTo, "one level down at most")
	assert.Equal(t, cst(2027, 1, 31, 0), st.DowngradeAt.In(shanghai))

	clock.Set(cst(2027, 1, 31, 0))
	_, err = svc.ReviewTiers(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "silver", tierOf(dropped).Tier, "after the grace period")
	assert.Equal(t, "gold", tierOf(kept).Tier)
}

func TestMembershipYearReviewJudgesTheYearThatEnded(t *testing.T) {
	p := calendarTiers(t, loyalty.WindowAnniversaryYear, loyalty.ReviewAnniversary)
	joined := cst(2026, 3, 15, 10)
	opts, clock, _ := kehu.Deterministic(joined)
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	c := crm.CustomerIDFrom([16]byte{3})
	_, err := svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "8000.00"), loyalty.Member{CustomerID: c})
	require.NoError(t, err)
	clock.Set(cst(2027, 3, 15, 10))
	st, err := svc.EvaluateTier(ctx, p, c)
	require.NoError(t, err)
	assert.Equal(t, "gold", st.State.Tier, "qualified in the membership year that just ended")
	assert.Empty(t, st.State.DowngradeTo)
	assert.Equal(t, int64(0), st.Figures.Spend, "the new membership year starts empty")

	clock.Set(cst(2028, 3, 15, 10))
	st, err = svc.EvaluateTier(ctx, p, c)
	require.NoError(t, err)
	assert.Equal(t, "silver", st.State.DowngradeTo, "nothing spent in the second membership year")
}

func TestReviewWindow(t *testing.T) {
	joined := cst(2026, 6, 10, 12)
	for _, tc := range []struct {
		window   string
		review   time.Time
		from, to time.Time
	}{
		{loyalty.WindowCalendarYear, cst(2027, 1, 1, 0), cst(2026, 1, 1, 0), cst(2027, 1, 1, 0)},
		{loyalty.WindowCalendarYear, cst(2027, 6, 10, 12), cst(2026, 1, 1, 0), cst(2027, 1, 1, 0)},
		{loyalty.WindowAnniversaryYear, cst(2027, 6, 10, 12), cst(2026, 6, 10, 12), cst(2027, 6, 10, 12)},
		// No membership year has ended yet: the one in progress, up to the review.
		{loyalty.WindowAnniversaryYear, cst(2027, 1, 1, 0), cst(2026, 6, 10, 12), cst(2027, 1, 1, 0)},
	} {
		tiers := loyalty.Tiers{Window: loyalty.TierWindow{Kind: tc.window}}
		from, to := tiers.ReviewWindow(tc.review, joined, shanghai)
		assert.Equal(t, tc.from, from.In(shanghai), "%s at %s", tc.window, tc.review)
		assert.Equal(t, tc.to, to.In(shanghai), "%s at %s", tc.window, tc.review)
	}
	rolling := loyalty.Tiers{Window: loyalty.TierWindow{Kind: loyalty.WindowRollingMonths, Months: 12}}
	from, to := rolling.ReviewWindow(cst(2027, 1, 1, 0), joined, shanghai)
	assert.Equal(t, cst(2026, 1, 1, 0), from.In(shanghai), "a rolling window looks back from the review")
	assert.Equal(t, cst(2027, 1, 1, 0), to.In(shanghai))
}

func TestTierHistoryDatedWhenChangesTookEffect(t *testing.T) {
	p := calendarTiers(t, loyalty.WindowCalendarYear, loyalty.ReviewCalendarYear)
	q := calendarTiers(t, loyalty.WindowCalendarYear, loyalty.ReviewCalendarYear, `"max_drop": 1, "grace_days": 30`, `"max_drop": 0`)
	for _, tc := range []struct {
		name string
		p    *loyalty.Program
		// want is the history after joining and the upgrade to gold.
		want []loyalty.TierChange
	}{
		{"grace downgrade at its end", p, []loyalty.TierChange{
			{From: "gold", To: "silver", At: cst(2028, 1, 31, 0), Reason: loyalty.TierReviewed}}},
		{"review at the review instant", q, []loyalty.TierChange{
			{From: "gold", To: "member", At: cst(2028, 1, 1, 0), Reason: loyalty.TierReviewed}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, clock, _ := kehu.Deterministic(cst(2026, 5, 1, 10))
			svc := loyalty.NewService(nil, opts)
			ctx := context.Background()
			c := crm.CustomerIDFrom([16]byte{4})
			_, err := svc.EarnOrder(ctx, tc.p, order("SO-1", clock.Now(), "8000.00"), loyalty.Member{CustomerID: c})
			require.NoError(t, err)
			// Qualified in 2026, kept at the 2027 review; nothing in 2027, and nothing runs
			// until March 2028: the 2028 review and the grace downgrade are evaluated late.
			clock.Set(cst(2028, 3, 5, 9))
			st, err := svc.EvaluateTier(ctx, tc.p, c)
			require.NoError(t, err)
			h := st.State.History
			require.Len(t, h, 2+len(tc.want))
			stored, err := svc.Store().Member(ctx, tc.p.ID(), c)
			require.NoError(t, err)
			for _, at := range append([]time.Time{stored.JoinedAt, stored.NextReview, stored.DowngradeAt}, historyTimes(stored.History)...) {
				assert.True(t, at.IsZero() || at.Location() == time.UTC, "instants are recorded in UTC, got %s", at)
			}
			for i, w := range tc.want {
				got := h[2+i]
				assert.Equal(t, w.From, got.From)
				assert.Equal(t, w.To, got.To)
				assert.Equal(t, w.Reason, got.Reason)
				assert.Equal(t, w.At, got.At.In(shanghai), "dated when it took effect, not when evaluated")
				assert.Equal(t, w.From, st.State.TierAt(w.At.Add(-time.Microsecond)))
				assert.Equal(t, w.To, st.State.TierAt(w.At))
			}
		})
	}
}

func TestAssignmentEndDatedAtItsEnd(t *testing.T) {
	p := calendarTiers(t, loyalty.WindowCalendarYear, loyalty.ReviewCalendarYear)
	opts, clock, _ := kehu.Deterministic(cst(2026, 5, 1, 10))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	c := crm.CustomerIDFrom([16]byte{5})
	until := cst(2026, 7, 1, 0)
	_, err := svc.AssignTier(ctx, p, c, "platinum", until, "status match")
	require.NoError(t, err)
	clock.Set(cst(2026, 7, 20, 9)) // evaluated 19 days after the assignment ended
	_, err = svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "2500.00"), loyalty.Member{CustomerID: c})
	require.NoError(t, err)
	st, err := svc.EvaluateTier(ctx, p, c)
	require.NoError(t, err)
	var path []string
	for _, h := range st.State.History {
		path = append(path, h.To+"@"+h.At.In(shanghai).Format("01-02")+":"+h.Reason)
	}
	assert.Equal(t, []string{"member@05-01:joined", "platinum@05-01:assigned: status match",
		"member@07-01:assignment_ended", "silver@07-20:qualified"}, path)
	assert.Equal(t, "member", st.State.TierAt(cst(2026, 7, 10, 0)), "between the assignment's end and the upgrade")
	assert.Equal(t, "platinum", st.State.TierAt(until.Add(-time.Microsecond)))
}

func TestLateRefundLowersTheWindowOfThePurchase(t *testing.T) {
	p := calendarTiers(t, loyalty.WindowCalendarYear, loyalty.ReviewCalendarYear)
	opts, clock, _ := kehu.Deterministic(cst(2026, 12, 20, 10))
	svc := loyalty.NewService(nil, opts)
	ctx := context.Background()
	c := crm.CustomerIDFrom([16]byte{6})
	joined := clock.Now()
	_, err := svc.EarnOrder(ctx, p, order("SO-1", clock.Now(), "1000.00", "500.00"), loyalty.Member{CustomerID: c})
	require.NoError(t, err)
	_, err = svc.EarnOrder(ctx, p, order("SO-2", clock.Now(), "700.00"), loyalty.Member{CustomerID: c})
	require.NoError(t, err)
	in2026, in2027 := cst(2026, 12, 31, 23), cst(2027, 6, 1, 0)
	figures := func(at time.Time) loyalty.Figures {
		t.Helper()
		f, err := svc.Figures(ctx, p, c, joined, at)
		require.NoError(t, err)
		return f
	}
	assert.Equal(t, loyalty.Figures{Spend: 220000, Purchases: 2}, figures(in2026))

	clock.Set(cst(2027, 1, 10, 10))
	_, err = svc.Refund(ctx, p, loyalty.Refund{Customer: c, Order: "SO-1", Lines: []loyalty.RefundLine{{Line: "1", Quantity: 1}}, Key: "r-1"})
	require.NoError(t, err)
	_, err = svc.Refund(ctx, p, loyalty.Refund{Customer: c, Order: "SO-2", Key: "r-2"})
	require.NoError(t, err)
	assert.Equal(t, loyalty.Figures{Spend: 50000, Purchases: 1}, figures(in2026),
		"the refunds of January take back what the December purchases counted in 2026")
	assert.Equal(t, loyalty.Figures{}, figures(in2027), "and take nothing from 2027")
	clock.Set(in2027)
	st, err := svc.EvaluateTier(ctx, p, c)
	require.NoError(t, err)
	assert.Equal(t, loyalty.Figures{}, st.Figures)
}

func historyTimes(h []loyalty.TierChange) []time.Time {
	out := make([]time.Time, len(h))
	for i, c := range h {
		out[i] = c.At
	}
	return out
}

// TestRollingWindowFromTheEndOfAMonth: a rolling window starts the same day of the month
// Months months back, on the last day of that month when it is shorter (as
// kehu.Date.AddMonths counts), at the same time of day. So its start never moves back as
// time goes on: three months before 30 and 31 May 2026 is 28 February (2026 is a common
// year), and before 1 June it is 1 March; twelve months before 29 February 2024 is 28
// February 2023. Counting the overflow into March instead would start the window on
// 2 and 3 March and then go back to 1 March, dropping a purchase of 1 March for two days.
func TestRollingWindowFromTheEndOfAMonth(t *testing.T) {
	joined := cst(2022, 1, 10, 12)
	for _, tc := range []struct {
		months   int
		at, from time.Time
	}{
		{3, cst(2026, 5, 30, 15), cst(2026, 2, 28, 15)},
		{3, cst(2026, 5, 31, 15), cst(2026, 2, 28, 15)},
		{3, cst(2026, 6, 1, 15), cst(2026, 3, 1, 15)},
		{1, cst(2026, 3, 31, 9), cst(2026, 2, 28, 9)},
		{1, cst(2024, 3, 31, 9), cst(2024, 2, 29, 9)},
		{12, cst(2024, 2, 29, 20), cst(2023, 2, 28, 20)},
		{12, cst(2025, 2, 28, 20), cst(2024, 2, 28, 20)},
		{12, cst(2025, 3, 1, 20), cst(2024, 3, 1, 20)},
	} {
		tiers := loyalty.Tiers{Window: loyalty.TierWindow{Kind: loyalty.WindowRollingMonths, Months: tc.months}}
		from, to := tiers.WindowAt(tc.at, joined, shanghai)
		assert.Equal(t, tc.from, from.In(shanghai), "%d months at %s", tc.months, tc.at)
		assert.True(t, to.After(tc.at), "the instant itself counts")
		from, to = tiers.ReviewWindow(tc.at, joined, shanghai)
		assert.Equal(t, tc.from, from.In(shanghai), "review of %d months at %s", tc.months, tc.at)
		assert.Equal(t, tc.at, to.In(shanghai))
	}
}

// TestAReviewStoredInASkippedHourIsReviewedOnce: a member who joined at 02:30 on
// 2023-03-10 in New York has an anniversary review at 02:30 on 2024-03-10, a time the
// clocks skipped that night (02:00 EST → 03:00 EDT); reviews are placed at the jump, 03:00
// EDT. A review stored before that, as time.Date placed the wall time (an instant just
// before the jump), is the same review: the year is judged once, and a gold member with
// no spend and a drop of at most one level ends silver, not member.
func TestAReviewStoredInASkippedHourIsReviewedOnce(t *testing.T) {
	ctx := context.Background()
	spec := strings.Replace(retailTiers, `"time_zone": "Asia/Shanghai"`, `"time_zone": "America/New_York"`, 1)
	spec = strings.Replace(spec, `, "grace_days": 30`, ``, 1)
	p, err := loyalty.LoadProgram(strings.NewReader(spec))
	require.NoError(t, err)
	ny := p.Location()
	joined := time.Date(2023, 3, 10, 2, 30, 0, 0, ny)
	stored := time.Date(2024, 3, 10, 2, 30, 0, 0, ny) // a wall time that never was
	require.True(t, stored.Before(time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)), "time.Date placed it before the jump: %s", stored)

	st := loyalty.NewMemoryStore()
	member := crm.CustomerIDFrom([16]byte{5})
	require.NoError(t, st.UpdateMember(ctx, p.Spec().ID, member, func(m *loyalty.MemberState) error {
		m.JoinedAt, m.Tier, m.Earned, m.NextReview = kehu.Truncate(joined), "gold", "gold", kehu.Truncate(stored)
		return nil
	}))
	opts, _, _ := kehu.Deterministic(time.Date(2024, 3, 10, 8, 0, 0, 0, time.UTC)) // 04:00 EDT
	svc := loyalty.NewService(st, opts)
	status, err := svc.EvaluateTier(ctx, p, member)
	require.NoError(t, err)
	assert.Equal(t, "silver", status.State.Tier, "one review, one level down")
	next := status.State.NextReview.In(ny)
	assert.Equal(t, kehu.MustDate(2025, 3, 10), kehu.DateOf(next), "the next review is a year on: %s", next)
}
