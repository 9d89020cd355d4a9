package crm_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// scID returns a fixed customer ID.
func scID(n byte) crm.CustomerID {
	var u uuid.UUID
	u[0], u[15] = 0x5c, n
	return crm.CustomerIDFrom(u)
}

// scAt reads "2026-11-05 14:00" as UTC.
func scAt(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func cny(s string) kehu.Money { return kehu.MustMoney(s, "CNY") }

func scDefinition(t testing.TB, spec crm.ScorecardSpec) *crm.ScorecardDefinition {
	t.Helper()
	d, err := crm.CompileScorecard(spec)
	require.NoError(t, err)
	return d
}

// handData is the hand-checked data set: November 2026 (UTC) against October, with
// September read for October's retention.
//
//	customer  first seen   email  identified  member since
//	A         2026-08-10   yes    yes         2026-09-01
//	B         2026-10-05   no     yes         2026-12-05 (after November)
//	C         2026-11-03   yes    yes         2026-11-10
//	D         2026-11-20   no     no (anonymous)
//	E         2026-12-02   yes    yes         (first seen after November: not on file)
func handData() *crm.ScorecardData {
	A, B, C, D, E := scID(1), scID(2), scID(3), scID(4), scID(5)
	d := &crm.ScorecardData{
		Customers: []crm.CustomerFact{
			{ID: A, FirstSeen: scAt("2026-08-10 10:00"), HasEmail: true, Identified: true},
			{ID: B, FirstSeen: scAt("2026-10-05 10:00"), Identified: true},
			{ID: C, FirstSeen: scAt("2026-11-03 10:00"), HasEmail: true, Identified: true},
			{ID: D, FirstSeen: scAt("2026-11-20 10:00")},
			{ID: E, FirstSeen: scAt("2026-12-02 10:00"), HasEmail: true, Identified: true},
		},
		Orders: []crm.OrderFact{
			{CustomerID: A, At: scAt("2026-09-15 12:00"), Amount: cny("100")}, // September: A active
			{CustomerID: A, At: scAt("2026-10-02 12:00"), Amount: cny("50")},  // October
			{CustomerID: B, At: scAt("2026-10-10 12:00"), Amount: cny("30")},
			{CustomerID: B, At: scAt("2026-10-20 12:00"), Amount: cny("20")},
			{CustomerID: A, At: scAt("2026-11-01 00:00"), Amount: cny("80")}, // November, its first instant
			{CustomerID: A, At: scAt("2026-11-15 12:00"), Amount: cny("40")},
			{CustomerID: C, At: scAt("2026-11-05 12:00"), Amount: cny("60")},
			{CustomerID: D, At: scAt("2026-11-21 12:00"), Amount: cny("25")},
			{At: scAt("2026-11-22 12:00"), Amount: cny("45")},                 // anonymous
			{CustomerID: A, At: scAt("2026-11-25 12:00"), Amount: cny("-20")}, // refunds
			{CustomerID: B, At: scAt("2026-11-26 12:00"), Amount: cny("-30")},
			{CustomerID: E, At: scAt("2026-12-01 00:00"), Amount: cny("99")}, // December: outside
		},
		Members: []crm.MemberFact{
			{CustomerID: A, Joined: scAt("2026-09-01 09:00")},
			{CustomerID: C, Joined: scAt("2026-11-10 09:00")},
			{CustomerID: B, Joined: scAt("2026-12-05 09:00")},
		},
		Interactions: []crm.InteractionFact{
			{CustomerID: A, At: scAt("2026-11-03 09:00")},
			{CustomerID: A, At: scAt("2026-11-04 09:00")},
			{CustomerID: B, At: scAt("2026-10-12 09:00")},
			{CustomerID: C, At: scAt("2026-11-30 23:59")},
		},
		Complaints: []crm.ComplaintFact{
			// November, judged as of 2026-12-01 00:00:
			{ReceivedAt: scAt("2026-11-02 09:00"), DueAt: scAt("2026-11-03 09:00"), HandledAt: scAt("2026-11-02 17:00")}, // met
			{ReceivedAt: scAt("2026-11-10 09:00"), DueAt: scAt("2026-11-12 09:00"), HandledAt: scAt("2026-11-14 09:00")}, // breached (late)
			{ReceivedAt: scAt("2026-11-28 09:00"), DueAt: scAt("2026-11-29 09:00")},                                      // breached (open, overdue)
			{ReceivedAt: scAt("2026-11-30 09:00"), DueAt: scAt("2026-12-02 09:00")},                                      // pending
			{ReceivedAt: scAt("2026-11-15 09:00")},                                                                       // no due time
			// October:
			{ReceivedAt: scAt("2026-10-05 09:00"), DueAt: scAt("2026-10-06 09:00"), HandledAt: scAt("2026-10-06 09:00")}, // met, at the due time
		},
	}
	// November: 10 satisfaction answers, 9 satisfied; October: 4, 3 satisfied.
	for i := range 10 {
		d.Surveys = append(d.Surveys, crm.SurveyFact{At: scAt("2026-11-20 10:00"), Measure: crm.MeasureSatisfaction, Satisfied: i != 0})
	}
	for i := range 4 {
		d.Surveys = append(d.Surveys, crm.SurveyFact{At: scAt("2026-10-20 10:00"), Measure: crm.MeasureSatisfaction, Satisfied: i != 0})
	}
	for _, s := range []int{10, 9, 8, 7, 6, 0, 10} { // November NPS
		d.Surveys = append(d.Surveys, crm.SurveyFact{At: scAt("2026-11-21 10:00"), Measure: crm.MeasureNPS, Score: s})
	}
	for _, s := range []int{9, 3} { // October NPS
		d.Surveys = append(d.Surveys, crm.SurveyFact{At: scAt("2026-10-21 10:00"), Measure: crm.MeasureNPS, Score: s})
	}
	for _, yes := range []bool{true, true, false} { // November repurchase intent; none in October
		d.Surveys = append(d.Surveys, crm.SurveyFact{At: scAt("2026-11-22 10:00"), Measure: crm.MeasureRepurchase, WouldRepurchase: yes})
	}
	return d
}

func handSpec() crm.ScorecardSpec {
	return crm.ScorecardSpec{
		Currency: "CNY",
		Targets: map[crm.KPIName]crm.ScorecardTarget{
			crm.KPISatisfactionRate:  {AtLeast: "90%"},
			crm.KPIChurnRate:         {AtMost: "0.05"},
			crm.KPINPS:               {AtLeast: "30"},
			crm.KPIAverageOrderValue: {AtLeast: "35.00"},
		},
	}
}

func TestScorecardHandChecked(t *testing.T) {
	def := scDefinition(t, handSpec())
	sc, err := def.Compute(context.Background(), handData().Input(crm.Month(2026, time.November)))
	require.NoError(t, err)
	assert.Equal(t, crm.Month(2026, time.October), sc.Previous)
	assert.Equal(t, scAt("2026-12-01 00:00"), sc.AsOf)
	require.Len(t, sc.KPIs, len(crm.KPINames()))

	tests := []struct {
		kpi          crm.KPIName
		num, den     string // November
		shown        string
		pnum, pden   string // October
		trend        crm.Trend
		targetStatus crm.TargetStatus // "" without a target
	}{
		// C and D first seen in November; B in October.
		{crm.KPINewCustomers, "2", "1", "2", "1", "1", crm.Improved, ""},
		// November: A (80, 40), C (60), D (25); B only refunded. October: A, B.
		{crm.KPIActiveCustomers, "3", "1", "3", "2", "1", crm.Improved, ""},
		// On file at the end of November: A, B, C, D (E comes later); with email A, C: 2/4.
		// October: A, B; with email A: 1/2.
		{crm.KPIEmailOnFile, "2", "4", "50.0 %", "1", "2", crm.Unchanged, ""},
		// Net revenue 80+40+60+25+45−20−30 = 200; identified A (80+40−20 = 100), C (60),
		// B (−30): 130. 130/200 = 65 %. October: 50+30+20 = 100, all known.
		{crm.KPIKnownRevenueShare, "130", "200", "65.0 %", "100", "100", crm.Worsened, ""},
		// Active in October {A, B}, in November {A, C, D}: kept A, 1/2. October kept
		// September's {A}: 1/1.
		{crm.KPIRetentionRate, "1", "2", "50.0 %", "1", "1", crm.Worsened, ""},
		// Lost B: 1/2; October lost nobody: 0/1. Target ≤ 5 %: missed.
		{crm.KPIChurnRate, "1", "2", "50.0 %", "0", "1", crm.Worsened, crm.TargetMissed},
		// November: A bought twice among A, C, D: 1/3. October: B twice among A, B: 1/2.
		{crm.KPIRepeatPurchaseRate, "1", "3", "33.3 %", "1", "2", crm.Worsened, ""},
		// 200 net over 5 orders (refunds are not orders) = 40.00; October 100/3 = 33.33.
		// Target ≥ 35.00: met.
		{crm.KPIAverageOrderValue, "200", "5", "40.00 CNY", "100", "3", crm.Improved, crm.TargetMet},
		// Five received in November, one in October.
		{crm.KPIComplaintsReceived, "5", "1", "5", "1", "1", crm.Worsened, ""},
		// Met 1, breached 2 (one late, one open past due), 1 pending and 1 without a due
		// time left out: 1/3. October: 1/1 (handled exactly at the due time).
		{crm.KPIComplaintsInSLA, "1", "3", "33.3 %", "1", "1", crm.Worsened, ""},
		// 9 of 10 satisfied: exactly 90 %, which meets ≥ 90 %. October 3/4.
		{crm.KPISatisfactionRate, "9", "10", "90.0 %", "3", "4", crm.Improved, crm.TargetMet},
		// Promoters 10, 9, 10 (3), detractors 6, 0 (2), 7 answers: 100 × 1/7 = 14.2857…
		// October: 9 and 3, 100 × 0/2 = 0. Target ≥ 30: missed.
		{crm.KPINPS, "1", "7", "14.3", "0", "2", crm.Improved, crm.TargetMissed},
		// 2 of 3 would buy again; October has no answers.
		{crm.KPIRepurchaseIntent, "2", "3", "66.7 %", "0", "0", crm.TrendNoData, ""},
		// C joined in November; nobody in October (B joined in December).
		{crm.KPINewMembers, "1", "1", "1", "0", "1", crm.Improved, ""},
		// Members by the end of November with a November order: A, C. October: A.
		{crm.KPIActiveMembers, "2", "1", "2", "1", "1", crm.Improved, ""},
		// November: A (twice), C (at 23:59 on the 30th); October: B.
		{crm.KPIContactedCustomers, "2", "1", "2", "1", "1", crm.Improved, ""},
	}
	for i, tt := range tests {
		t.Run(string(tt.kpi), func(t *testing.T) {
			k, ok := sc.KPI(tt.kpi)
			require.True(t, ok)
			assert.Equal(t, tt.kpi, sc.KPIs[i].Name, "catalogue order")
			assert.True(t, k.Numerator.Equal(decimal.RequireFromString(tt.num)), "numerator %s", k.Numerator)
			assert.True(t, k.Denominator.Equal(decimal.RequireFromString(tt.den)), "denominator %s", k.Denominator)
			assert.Equal(t, tt.shown, k.String())
			assert.True(t, k.Change.Numerator.Equal(decimal.RequireFromString(tt.pnum)), "previous numerator %s", k.Change.Numerator)
			assert.True(t, k.Change.Denominator.Equal(decimal.RequireFromString(tt.pden)), "previous denominator %s", k.Change.Denominator)
			assert.Equal(t, tt.trend, k.Change.Trend)
			assert.NotEmpty(t, k.Definition)
			assert.Equal(t, crm.Month(2026, time.November), k.Period)
			if tt.targetStatus == "" {
				assert.Nil(t, k.Target)
			} else {
				require.NotNil(t, k.Target)
				assert.Equal(t, tt.targetStatus, k.Target.Status)
			}
		})
	}

	// The changes, exactly: satisfaction 9/10 − 3/4 = 3/20 (+15.0 points); AOV 40 − 100/3
	// = 20/3 (+6.67 CNY); NPS 100/7 − 0 (+14.3).
	sat, _ := sc.KPI(crm.KPISatisfactionRate)
	v, ok := sat.Change.Delta.Round(6, kehu.HalfUp)
	require.True(t, ok)
	assert.Equal(t, "0.15", v.String())
	assert.Equal(t, "+15.0 pts (improved)", sat.ChangeString())
	aov, _ := sc.KPI(crm.KPIAverageOrderValue)
	assert.Equal(t, "+6.67 CNY (improved)", aov.ChangeString())
	assert.Equal(t, "33.33 CNY", aov.PreviousString())
	assert.Equal(t, "≥ 35.00 CNY: met", aov.TargetString())
	np, _ := sc.KPI(crm.KPINPS)
	assert.Equal(t, "+14.3 (improved)", np.ChangeString())
	rep, _ := sc.KPI(crm.KPIRepurchaseIntent)
	assert.Equal(t, "no data", rep.ChangeString())
	assert.Equal(t, "no data (empty denominator)", rep.PreviousString())
	churn, _ := sc.KPI(crm.KPIChurnRate)
	assert.Equal(t, "≤ 5.0 %: missed", churn.TargetString())
	assert.Equal(t, "+50.0 pts (worsened)", churn.ChangeString())
}

// Churn is 1 − retention whenever there is a previous period; both have no data without
// one, never NaN.
func TestScorecardChurnIsOneMinusRetention(t *testing.T) {
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	sc, err := def.Compute(context.Background(), handData().Input(crm.Month(2026, time.November)))
	require.NoError(t, err)
	ret, _ := sc.KPI(crm.KPIRetentionRate)
	churn, _ := sc.KPI(crm.KPIChurnRate)
	assert.True(t, ret.Numerator.Add(churn.Numerator).Equal(ret.Denominator))

	// September's previous period (August) had nobody active: no data.
	sc, err = def.Compute(context.Background(), handData().Input(crm.Month(2026, time.September)))
	require.NoError(t, err)
	for _, name := range []crm.KPIName{crm.KPIRetentionRate, crm.KPIChurnRate} {
		k, _ := sc.KPI(name)
		assert.False(t, k.HasValue(), name)
		assert.Equal(t, "empty denominator", k.NoData)
		_, ok := k.Round()
		assert.False(t, ok)
		assert.Equal(t, "no data (empty denominator)", k.String())
	}
}

// Without a source its KPIs have no data, with the reason; with an empty source counts
// are zero and rates have no data.
func TestScorecardNoData(t *testing.T) {
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY", Targets: map[crm.KPIName]crm.ScorecardTarget{
		crm.KPISatisfactionRate: {AtLeast: "0.9"},
	}})
	data := &crm.ScorecardData{Customers: []crm.CustomerFact{{ID: scID(1), FirstSeen: scAt("2026-01-01 00:00")}}}
	sc, err := def.Compute(context.Background(), data.Input(crm.Month(2026, time.November)))
	require.NoError(t, err)
	reasons := map[crm.KPIName]string{
		crm.KPINewCustomers: "", crm.KPIEmailOnFile: "",
		crm.KPIActiveCustomers: "no order source", crm.KPIAverageOrderValue: "no order source",
		crm.KPIComplaintsReceived: "no complaint source", crm.KPISatisfactionRate: "no survey source",
		crm.KPINewMembers: "no member source", crm.KPIActiveMembers: "no member source",
		crm.KPIContactedCustomers: "no interaction source",
	}
	for name, why := range reasons {
		k, _ := sc.KPI(name)
		assert.Equal(t, why, k.NoData, name)
		assert.Equal(t, why == "", k.HasValue(), name)
	}
	sat, _ := sc.KPI(crm.KPISatisfactionRate)
	require.NotNil(t, sat.Target)
	assert.Equal(t, crm.TargetNoData, sat.Target.Status)
	assert.Equal(t, crm.TrendNoData, sat.Change.Trend)

	// Empty sources: counts are 0; rates over nothing have no data.
	data.Orders, data.Surveys, data.Complaints = []crm.OrderFact{}, []crm.SurveyFact{}, []crm.ComplaintFact{}
	sc, err = def.Compute(context.Background(), data.Input(crm.Month(2026, time.November)))
	require.NoError(t, err)
	for _, name := range []crm.KPIName{crm.KPIActiveCustomers, crm.KPIComplaintsReceived} {
		k, _ := sc.KPI(name)
		assert.True(t, k.HasValue(), name)
		assert.Equal(t, "0", k.String())
	}
	for _, name := range []crm.KPIName{crm.KPIKnownRevenueShare, crm.KPIRepeatPurchaseRate, crm.KPIAverageOrderValue,
		crm.KPIComplaintsInSLA, crm.KPISatisfactionRate, crm.KPINPS, crm.KPIRepurchaseIntent} {
		k, _ := sc.KPI(name)
		assert.Equal(t, "empty denominator", k.NoData, name)
	}
}

// rows is a source that yields exactly what it holds, in and out of range, and an error
// after them if set.
type rows[T any] struct {
	xs  []T
	err error
}

func (r rows[T]) seq() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range r.xs {
			if !yield(x, nil) {
				return
			}
		}
		if r.err != nil {
			var zero T
			yield(zero, r.err)
		}
	}
}

type (
	rawCustomers rows[crm.CustomerFact]
	rawOrders    rows[crm.OrderFact]
	rawSurveys   rows[crm.SurveyFact]
	rawMembers   rows[crm.MemberFact]
)

func (r rawCustomers) CustomerFacts(context.Context) iter.Seq2[crm.CustomerFact, error] {
	return rows[crm.CustomerFact](r).seq()
}

func (r rawOrders) OrderFacts(context.Context, time.Time, time.Time) iter.Seq2[crm.OrderFact, error] {
	return rows[crm.OrderFact](r).seq()
}

func (r rawSurveys) SurveyFacts(context.Context, time.Time, time.Time) iter.Seq2[crm.SurveyFact, error] {
	return rows[crm.SurveyFact](r).seq()
}

func (r rawMembers) MemberFacts(context.Context) iter.Seq2[crm.MemberFact, error] {
	return rows[crm.MemberFact](r).seq()
}

func kpiOf(t *testing.T, sc *crm.Scorecard, name crm.KPIName) crm.KPI {
	t.Helper()
	k, ok := sc.KPI(name)
	require.True(t, ok)
	return k
}

func TestScorecardAdversarial(t *testing.T) {
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	ctx := context.Background()
	nov := crm.Month(2026, time.November)
	A, B := scID(1), scID(2)
	customers := rawCustomers{xs: []crm.CustomerFact{
		{ID: A, FirstSeen: scAt("2026-01-01 00:00"), Identified: true},
		{ID: B, FirstSeen: scAt("2026-01-01 00:00"), Identified: true},
	}}

	t.Run("a refund lowers revenue and makes nobody active", func(t *testing.T) {
		// A buys 100 and is refunded 30; B is only refunded 50 (for an October order).
		// Net revenue 100 − 30 − 50 = 20 over 1 order: AOV 20.00; active: A only.
		sc, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: customers, Orders: rawOrders{xs: []crm.OrderFact{
			{CustomerID: A, At: scAt("2026-11-02 10:00"), Amount: cny("100")},
			{CustomerID: A, At: scAt("2026-11-03 10:00"), Amount: cny("-30")},
			{CustomerID: B, At: scAt("2026-11-04 10:00"), Amount: cny("-50")},
		}}})
		require.NoError(t, err)
		assert.Equal(t, "1", kpiOf(t, sc, crm.KPIActiveCustomers).String())
		assert.Equal(t, "20.00 CNY", kpiOf(t, sc, crm.KPIAverageOrderValue).String())
		// No repeat purchase: a refund is not a second order.
		assert.Equal(t, "0.0 %", kpiOf(t, sc, crm.KPIRepeatPurchaseRate).String())
	})

	t.Run("refunds above sales leave the revenue share without data", func(t *testing.T) {
		// Net revenue 10 − 40 = −30: a share of a negative total means nothing.
		sc, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: customers, Orders: rawOrders{xs: []crm.OrderFact{
			{At: scAt("2026-11-02 10:00"), Amount: cny("10")},
			{CustomerID: A, At: scAt("2026-11-03 10:00"), Amount: cny("-40")},
		}}})
		require.NoError(t, err)
		k := kpiOf(t, sc, crm.KPIKnownRevenueShare)
		assert.False(t, k.HasValue())
		assert.Equal(t, "-40", k.Numerator.String())
		assert.Equal(t, "-30", k.Denominator.String())
	})

	t.Run("an order before the period counts in the previous one only", func(t *testing.T) {
		// A's order of 31 October counts for October; one of August, before every
		// window the source was asked for, counts nowhere.
		sc, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: customers, Orders: rawOrders{xs: []crm.OrderFact{
			{CustomerID: A, At: scAt("2026-10-31 23:59"), Amount: cny("10")},
			{CustomerID: B, At: scAt("2026-08-15 10:00"), Amount: cny("99")},
			{CustomerID: B, At: scAt("2026-11-10 10:00"), Amount: cny("5")},
		}}})
		require.NoError(t, err)
		k := kpiOf(t, sc, crm.KPIActiveCustomers)
		assert.Equal(t, "1", k.Numerator.String()) // B
		assert.Equal(t, "1", k.Change.Numerator.String())
		assert.Equal(t, "5.00 CNY", kpiOf(t, sc, crm.KPIAverageOrderValue).String())
		r := kpiOf(t, sc, crm.KPIRetentionRate)
		assert.Equal(t, "0/1", r.Value().String()) // A active in October, not in November
		assert.Equal(t, "no data (empty denominator)", r.PreviousString())
	})

	t.Run("a customer listed twice", func(t *testing.T) {
		dup := rawCustomers{xs: append(append([]crm.CustomerFact{}, customers.xs...), crm.CustomerFact{ID: A, FirstSeen: scAt("2026-02-01 00:00")})}
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: dup})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("customers[2].id", "duplicate"), err)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	})

	t.Run("a member listed twice or unknown", func(t *testing.T) {
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: customers, Members: rawMembers{xs: []crm.MemberFact{
			{CustomerID: A, Joined: scAt("2026-02-01 00:00")},
			{CustomerID: A, Joined: scAt("2026-03-01 00:00")},
			{CustomerID: scID(9), Joined: scAt("2026-03-01 00:00")},
			{CustomerID: B},
		}}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("members[1].customer_id", "duplicate"), err)
		assert.True(t, verr.Has("members[2].customer_id", "unknown_customer"), err)
		assert.True(t, verr.Has("members[3].joined", "required"), err)
	})

	t.Run("NPS answers outside 0-10 are refused, every one named", func(t *testing.T) {
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: customers, Surveys: rawSurveys{xs: []crm.SurveyFact{
			{At: scAt("2026-11-02 10:00"), Measure: crm.MeasureNPS, Score: 10},
			{At: scAt("2026-11-02 10:00"), Measure: crm.MeasureNPS, Score: 11},
			{At: scAt("2026-11-02 10:00"), Measure: crm.MeasureNPS, Score: -1},
			{At: scAt("2026-11-02 10:00"), Measure: crm.MeasureSatisfaction, Score: 4},
			{At: scAt("2026-11-02 10:00"), Measure: crm.MeasureNPS, Satisfied: true},
			{At: scAt("2026-11-02 10:00"), Measure: "csat"},
			{Measure: crm.MeasureRepurchase},
		}}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("surveys[1].score", "range"), err)
		assert.True(t, verr.Has("surveys[2].score", "range"), err)
		assert.True(t, verr.Has("surveys[3].score", "unused"), err)
		assert.True(t, verr.Has("surveys[4].satisfied", "unused"), err)
		assert.True(t, verr.Has("surveys[5].measure", "enum"), err)
		assert.True(t, verr.Has("surveys[6].at", "required"), err)
		assert.Len(t, verr.Fields, 6)
	})

	t.Run("mixed currencies", func(t *testing.T) {
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: customers, Orders: rawOrders{xs: []crm.OrderFact{
			{CustomerID: A, At: scAt("2026-11-02 10:00"), Amount: cny("100")},
			{CustomerID: A, At: scAt("2026-11-03 10:00"), Amount: kehu.MustMoney("10", "USD")},
			{CustomerID: A, At: scAt("2026-11-03 10:00")},
			{CustomerID: scID(9), At: scAt("2026-11-03 10:00"), Amount: cny("1")},
			{CustomerID: A, Amount: cny("1")},
		}}})
		require.ErrorIs(t, err, kehu.ErrCurrencyMismatch)
		require.ErrorIs(t, err, kehu.ErrInvalid)
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("orders[1].amount", "currency_mismatch"), err)
		assert.True(t, verr.Has("orders[2].amount", "required"), err)
		assert.True(t, verr.Has("orders[3].customer_id", "unknown_customer"), err)
		assert.True(t, verr.Has("orders[4].at", "required"), err)
	})

	t.Run("too many problems stop the reading", func(t *testing.T) {
		bad := make([]crm.CustomerFact, 1000)
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: rawCustomers{xs: bad}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Len(t, verr.Fields, crm.MaxScorecardProblems+1)
		assert.True(t, verr.Has("scorecard", "too_many_problems"))
	})

	t.Run("a source's error", func(t *testing.T) {
		boom := errors.New("disk on fire")
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: nov, Customers: rawCustomers{xs: customers.xs, err: boom}})
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "reading customers")
	})

	t.Run("a cancelled context", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		_, err := def.Compute(c, crm.ScorecardInput{Period: nov, Customers: customers})
		require.ErrorIs(t, err, context.Canceled)
	})

	t.Run("bad periods and no customers", func(t *testing.T) {
		_, err := def.Compute(ctx, crm.ScorecardInput{Period: crm.Period{From: kehu.MustDate(2026, 12, 1), To: kehu.MustDate(2026, 11, 1)}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("period.to", "order"), err)
		assert.True(t, verr.Has("customers", "required"), err)
		_, err = def.Compute(ctx, crm.ScorecardInput{Period: crm.Period{To: kehu.Date{Year: 2026, Month: 2, Day: 30}}, Customers: customers})
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("period.from", "required"), err)
		assert.True(t, verr.Has("period.to", "format"), err)
		_, err = def.Compute(ctx, crm.ScorecardInput{Period: nov, Previous: crm.Month(2026, time.November), Customers: customers})
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("previous.to", "order"), err)
	})
}

// A customer first seen at the first instant of the period is new in it; one first seen
// at its end belongs to the next. The period's days are read in the definition's zone.
func TestScorecardTimeZone(t *testing.T) {
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY", TimeZone: "Asia/Shanghai"})
	sh := def.Location()
	data := &crm.ScorecardData{Customers: []crm.CustomerFact{
		{ID: scID(1), FirstSeen: time.Date(2026, 11, 1, 0, 0, 0, 0, sh)},           // new
		{ID: scID(2), FirstSeen: time.Date(2026, 10, 31, 23, 59, 59, 0, sh)},       // October
		{ID: scID(3), FirstSeen: time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)},  // 00:30 on 1 December in Shanghai
		{ID: scID(4), FirstSeen: time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)},   // midnight in Shanghai: November
		{ID: scID(5), FirstSeen: time.Date(2026, 10, 31, 15, 59, 59, 0, time.UTC)}, // October in Shanghai
	}}
	sc, err := def.Compute(context.Background(), data.Input(crm.Month(2026, time.November)))
	require.NoError(t, err)
	k := kpiOf(t, sc, crm.KPINewCustomers)
	assert.Equal(t, "2", k.Numerator.String())
	assert.Equal(t, "2", k.Change.Numerator.String())
}

func TestPeriodPrevious(t *testing.T) {
	d := kehu.MustDate
	tests := []struct {
		p, want crm.Period
	}{
		{crm.Month(2026, time.March), crm.Month(2026, time.February)},
		{crm.Month(2026, time.January), crm.Month(2025, time.December)},
		// A quarter: the three months before.
		{crm.Period{From: d(2026, 4, 1), To: d(2026, 7, 1)}, crm.Period{From: d(2026, 1, 1), To: d(2026, 4, 1)}},
		// A year.
		{crm.Period{From: d(2026, 1, 1), To: d(2027, 1, 1)}, crm.Period{From: d(2025, 1, 1), To: d(2026, 1, 1)}},
		// A week: seven days.
		{crm.Period{From: d(2026, 3, 2), To: d(2026, 3, 9)}, crm.Period{From: d(2026, 2, 23), To: d(2026, 3, 2)}},
		// Days across the end of February in a leap year: 29 Feb to 2 Mar is 2 days.
		{crm.Period{From: d(2028, 2, 29), To: d(2028, 3, 2)}, crm.Period{From: d(2028, 2, 27), To: d(2028, 2, 29)}},
	}
	for _, tt := range tests {
		t.Run(tt.p.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.Previous())
		})
	}
}

func TestComplaintOutcome(t *testing.T) {
	asOf := scAt("2026-12-01 00:00")
	due := scAt("2026-11-10 12:00")
	tests := []struct {
		name string
		c    crm.ComplaintFact
		want crm.SLAOutcome
	}{
		{"handled before due", crm.ComplaintFact{DueAt: due, HandledAt: due.Add(-time.Hour)}, crm.SLAMet},
		{"handled exactly at due", crm.ComplaintFact{DueAt: due, HandledAt: due}, crm.SLAMet},
		{"handled late", crm.ComplaintFact{DueAt: due, HandledAt: due.Add(time.Microsecond)}, crm.SLABreached},
		{"open and overdue", crm.ComplaintFact{DueAt: due}, crm.SLABreached},
		{"open, due after as-of", crm.ComplaintFact{DueAt: asOf.Add(time.Hour)}, crm.SLAPending},
		{"open, due exactly at as-of", crm.ComplaintFact{DueAt: asOf}, crm.SLAPending},
		{"no due time", crm.ComplaintFact{HandledAt: due}, crm.SLANone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.ReceivedAt = scAt("2026-11-09 12:00")
			assert.Equal(t, tt.want, tt.c.Outcome(asOf))
		})
	}
}

func TestRatioRound(t *testing.T) {
	tests := []struct {
		num, den int64
		places   int32
		mode     kehu.RoundingMode
		want     string
	}{
		{2, 3, 2, kehu.HalfUp, "0.67"},     // 0.666… → 0.67
		{1, 3, 2, kehu.HalfUp, "0.33"},     // 0.333… → 0.33
		{1, 8, 2, kehu.HalfUp, "0.13"},     // 0.125 → a tie, away from zero
		{1, 8, 2, kehu.HalfEven, "0.12"},   // 0.125 → a tie, to the even 2
		{3, 8, 2, kehu.HalfEven, "0.38"},   // 0.375 → a tie, to the even 8
		{1, 8, 2, kehu.HalfDown, "0.12"},   // 0.125 → a tie, toward zero
		{-1, 8, 2, kehu.HalfUp, "-0.13"},   // −0.125 → away from zero
		{-1, 8, 2, kehu.Floor, "-0.13"},    // toward −∞
		{-1, 8, 2, kehu.Ceiling, "-0.12"},  // toward +∞
		{1, 8, 2, kehu.Down, "0.12"},       // truncated
		{1, 8, 2, kehu.Up, "0.13"},         // away from zero
		{1, 7, 0, kehu.HalfUp, "0"},        // 0.142…
		{9, 10, 1, kehu.HalfUp, "0.9"},     // exact
		{899, 1000, 1, kehu.HalfUp, "0.9"}, // 0.899 → 0.9
		{8996, 10000, 3, kehu.Down, "0.899"},
		{100, 7, 1, kehu.HalfUp, "14.3"}, // NPS 100 × 1/7
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d@%d/%v", tt.num, tt.den, tt.places, tt.mode), func(t *testing.T) {
			got, ok := crm.NewRatio(tt.num, tt.den).Round(tt.places, tt.mode)
			require.True(t, ok)
			assert.Equal(t, tt.want, got.String())
		})
	}
	_, ok := crm.NewRatio(1, 0).Round(2, kehu.HalfUp)
	assert.False(t, ok, "no value over zero")
	_, ok = crm.Ratio{}.Round(2, kehu.HalfUp)
	assert.False(t, ok, "the zero Ratio has no value")
	_, ok = crm.NewRatio(1, 2).Cmp(decimal.NewFromInt(1))
	assert.True(t, ok)
	c, _ := crm.NewRatio(8996, 10000).Cmp(decimal.RequireFromString("0.9"))
	assert.Equal(t, -1, c, "89.96 % is below 90 %, though it shows as 90.0 %")
	assert.Equal(t, "1/6", crm.NewRatio(1, 2).Sub(crm.NewRatio(1, 3)).String())
	assert.False(t, crm.NewRatio(1, 2).Sub(crm.NewRatio(1, 0)).Defined())
}

// TestRatioRoundAgainstRat checks Ratio.Round on random fractions of decimals (signed
// numerators, up to 6 places, places −3 to 6, every mode) against an independent
// rounding of the exact quotient in math/big: q = Num/Den·10^places as a big.Rat, its
// integer part and remainder, and the mode's rule written out.
func TestRatioRoundAgainstRat(t *testing.T) {
	modes := []kehu.RoundingMode{kehu.HalfUp, kehu.HalfEven, kehu.HalfDown, kehu.Down, kehu.Up, kehu.Floor, kehu.Ceiling}
	rng := rand.New(rand.NewPCG(7, 11))
	dec := func(maxAbs int64, allowNeg bool) decimal.Decimal {
		v := rng.Int64N(maxAbs) + 1
		if allowNeg && rng.IntN(2) == 0 {
			v = -v
		}
		return decimal.New(v, -int32(rng.IntN(7)))
	}
	for range 20000 {
		// Small numerators make ties (·5 exactly at the rounding place) frequent.
		r := crm.Ratio{Num: dec(2000, true), Den: dec(16, false)}
		places := int32(rng.IntN(10) - 3)
		mode := modes[rng.IntN(len(modes))]
		got, ok := r.Round(places, mode)
		require.True(t, ok)

		q := new(big.Rat).Quo(r.Num.Rat(), r.Den.Rat())
		scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(places, -places))), nil))
		if places >= 0 {
			q.Mul(q, scale)
		} else {
			q.Quo(q, scale)
		}
		n := new(big.Int).Quo(q.Num(), q.Denom()) // toward zero
		frac := new(big.Rat).Sub(q, new(big.Rat).SetInt(n))
		sign := frac.Sign()
		half := new(big.Rat).Abs(frac).Cmp(big.NewRat(1, 2))
		away := false
		switch mode {
		case kehu.Up:
			away = sign != 0
		case kehu.Floor:
			away = sign < 0
		case kehu.Ceiling:
			away = sign > 0
		case kehu.HalfUp:
			away = half >= 0
		case kehu.HalfDown:
			away = half > 0
		case kehu.HalfEven:
			away = half > 0 || half == 0 && n.Bit(0) == 1
		}
		if away {
			n.Add(n, big.NewInt(int64(sign)))
		}
		want := decimal.NewFromBigInt(n, -places)
		require.True(t, want.Equal(got), "%s to %d places %v: got %s, want %s", r, places, mode, got, want)
	}
}

func TestScorecardStringTable(t *testing.T) {
	def := scDefinition(t, handSpec())
	sc, err := def.Compute(context.Background(), handData().Input(crm.Month(2026, time.November)))
	require.NoError(t, err)
	s := sc.String()
	assert.Contains(t, s, "scorecard 2026-11-01..2026-12-01 (previous 2026-10-01..2026-11-01, CNY)")
	for _, name := range crm.KPINames() {
		assert.Contains(t, s, string(name))
	}
	assert.Equal(t, len(crm.KPINames())+2, strings.Count(s, "\n"))
}

// A previous period given apart from the period: what falls between belongs to neither.
func TestScorecardPreviousWithGap(t *testing.T) {
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	A, B := scID(1), scID(2)
	data := &crm.ScorecardData{
		Customers: []crm.CustomerFact{
			{ID: A, FirstSeen: scAt("2026-01-01 00:00")},
			{ID: B, FirstSeen: scAt("2026-10-10 00:00")}, // first seen in the gap
		},
		Orders: []crm.OrderFact{
			{CustomerID: A, At: scAt("2026-08-10 10:00"), Amount: cny("1")}, // before September
			{CustomerID: A, At: scAt("2026-09-10 10:00"), Amount: cny("2")}, // September
			{CustomerID: B, At: scAt("2026-10-10 10:00"), Amount: cny("4")}, // October: the gap
			{CustomerID: A, At: scAt("2026-11-10 10:00"), Amount: cny("8")}, // November
		},
	}
	in := data.Input(crm.Month(2026, time.November))
	in.Previous = crm.Month(2026, time.September)
	sc, err := def.Compute(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, crm.Month(2026, time.September), sc.Previous)
	active := kpiOf(t, sc, crm.KPIActiveCustomers)
	assert.Equal(t, "1", active.Numerator.String())        // A
	assert.Equal(t, "1", active.Change.Numerator.String()) // A, not B
	ret := kpiOf(t, sc, crm.KPIRetentionRate)
	assert.Equal(t, "1/1", ret.Value().String())                       // A in September and November
	assert.True(t, ret.Change.Numerator.Equal(ret.Change.Denominator)) // September kept August's A
	newc := kpiOf(t, sc, crm.KPINewCustomers)
	assert.Equal(t, "0", newc.Numerator.String())
	assert.Equal(t, "0", newc.Change.Numerator.String())
	onFile := kpiOf(t, sc, crm.KPIEmailOnFile)
	assert.Equal(t, "1", onFile.Change.Denominator.String()) // by the end of September: A
	assert.Equal(t, "2", onFile.Denominator.String())
	aov := kpiOf(t, sc, crm.KPIAverageOrderValue)
	assert.Equal(t, "8.00 CNY", aov.String())
	assert.Equal(t, "2.00 CNY", aov.PreviousString())
}

func TestScorecardPeriodTooEarly(t *testing.T) {
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	_, err := def.Compute(context.Background(), crm.ScorecardInput{
		Period:    crm.Period{From: kehu.MustDate(2, 1, 1), To: kehu.MustDate(9000, 1, 1)},
		Customers: rawCustomers{},
	})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("period", "range"), err)
}

// FuzzScorecardCompute: rows made from arbitrary bytes never panic the computation; it
// either fails with a *kehu.ValidationError or gives a scorecard whose every KPI either
// has a value or says why not, and whose rates stay within 0–1 where they must.
func FuzzScorecardCompute(f *testing.F) {
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12"))
	f.Add([]byte("\xff\x00\xfe\x01\xfd\x02\x80\x7f\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0"))
	def, err := crm.CompileScorecard(crm.ScorecardSpec{Currency: "CNY"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		at := func(x byte) time.Time {
			if x == 0 {
				return time.Time{}
			}
			return scAt("2026-08-20 00:00").Add(time.Duration(x) * 12 * time.Hour)
		}
		d := &crm.ScorecardData{Orders: []crm.OrderFact{}, Surveys: []crm.SurveyFact{}, Complaints: []crm.ComplaintFact{},
			Members: []crm.MemberFact{}, Interactions: []crm.InteractionFact{}}
		for i := 0; i+3 < len(b); i += 4 {
			x, y, z, w := b[i], b[i+1], b[i+2], b[i+3]
			id := scID(x % 8)
			if x%8 == 7 {
				id = crm.CustomerID{}
			}
			switch w % 6 {
			case 0:
				d.Customers = append(d.Customers, crm.CustomerFact{ID: id, FirstSeen: at(y), HasEmail: z&1 == 1, Identified: z&2 == 2})
			case 1:
				cur := "CNY"
				if z == 255 {
					cur = "USD"
				}
				d.Orders = append(d.Orders, crm.OrderFact{CustomerID: id, At: at(y), Amount: kehu.MustMoney(fmt.Sprint(int(z)-40), cur)})
			case 2:
				d.Interactions = append(d.Interactions, crm.InteractionFact{CustomerID: id, At: at(y)})
			case 3:
				d.Members = append(d.Members, crm.MemberFact{CustomerID: id, Joined: at(y)})
			case 4:
				d.Complaints = append(d.Complaints, crm.ComplaintFact{ReceivedAt: at(y), DueAt: at(z), HandledAt: at(z ^ x)})
			case 5:
				m := []crm.SurveyMeasure{crm.MeasureSatisfaction, crm.MeasureNPS, crm.MeasureRepurchase, "other"}[z%4]
				d.Surveys = append(d.Surveys, crm.SurveyFact{At: at(y), Measure: m, Score: int(x%13) - 1, Satisfied: z&4 == 4, WouldRepurchase: z&8 == 8})
			}
		}
		sc, err := def.Compute(context.Background(), d.Input(crm.Month(2026, time.November)))
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("%v is not a validation error", err)
			}
			return
		}
		for _, k := range sc.KPIs {
			if k.HasValue() == (k.NoData != "") {
				t.Fatalf("%s: value %v but no data %q", k.Name, k.HasValue(), k.NoData)
			}
			_ = k.String() + k.ChangeString() + k.PreviousString() + k.TargetString()
			if !k.HasValue() || k.Unit != crm.UnitRate || k.Name == crm.KPIKnownRevenueShare {
				continue
			}
			if lo, _ := k.Value().Cmp(decimal.Zero); lo < 0 {
				t.Fatalf("%s below 0: %s", k.Name, k.Value())
			}
			if hi, _ := k.Value().Cmp(decimal.NewFromInt(1)); hi > 0 {
				t.Fatalf("%s above 1: %s", k.Name, k.Value())
			}
		}
	})
}
