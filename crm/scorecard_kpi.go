package crm

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/enum"
)

// KPIName names a key performance indicator of the customer scorecard.
type KPIName string

// The KPIs of the customer scorecard, in the order a Scorecard lists them, each with its
// formula for a period P and the period before it, P−1. "Active in P" always means: at
// least one order (an OrderFact with an amount of 0 or more) placed in P; a refund (a
// negative amount) never makes a customer active. "Net revenue" is the sum of the
// amounts of the orders and refunds placed in P, anonymous ones included. Counts have
// the denominator 1. KPIDefinition and KPI.Definition give each definition as a sentence.
const (
	// KPINewCustomers = customers whose FirstSeen falls in P.
	KPINewCustomers KPIName = "new_customers"
	// KPIActiveCustomers = customers active in P.
	KPIActiveCustomers KPIName = "active_customers"
	// KPIEmailOnFile = customers first seen before P ends who have an email on file /
	// all customers first seen before P ends.
	KPIEmailOnFile KPIName = "email_on_file"
	// KPIKnownRevenueShare = net revenue of orders by identified customers / net revenue
	// of all orders; no data when the total is 0 or less.
	KPIKnownRevenueShare KPIName = "known_revenue_share"
	// KPIRetentionRate = customers active in both P−1 and P / customers active in P−1.
	KPIRetentionRate KPIName = "retention_rate"
	// KPIChurnRate = customers active in P−1 and not in P / customers active in P−1
	// (1 − retention). Lower is better.
	KPIChurnRate KPIName = "churn_rate"
	// KPIRepeatPurchaseRate = customers with two or more orders in P / customers active
	// in P.
	KPIRepeatPurchaseRate KPIName = "repeat_purchase_rate"
	// KPIAverageOrderValue = net revenue / number of orders placed in P (refunds are not
	// orders), in the scorecard's currency.
	KPIAverageOrderValue KPIName = "average_order_value"
	// KPIComplaintsReceived = complaints received in P. Lower is better.
	KPIComplaintsReceived KPIName = "complaints_received"
	// KPIComplaintsInSLA = complaints received in P whose SLA was met / those received in
	// P whose SLA is met or breached as of the scorecard's AsOf (ComplaintFact.Outcome);
	// pending ones and ones without a due time are left out.
	KPIComplaintsInSLA KPIName = "complaints_within_sla"
	// KPISatisfactionRate = satisfied answers / satisfaction answers given in P.
	KPISatisfactionRate KPIName = "satisfaction_rate"
	// KPINPS = 100 × (promoters (9–10) − detractors (0–6)) / NPS answers given in P; the
	// numerator is promoters − detractors.
	KPINPS KPIName = "nps"
	// KPIRepurchaseIntent = answers that would buy again / repurchase-intent answers given
	// in P.
	KPIRepurchaseIntent KPIName = "repurchase_intent"
	// KPINewMembers = loyalty members who joined in P.
	KPINewMembers KPIName = "new_members"
	// KPIActiveMembers = members who joined before P ends and are active in P.
	KPIActiveMembers KPIName = "active_members"
	// KPIContactedCustomers = customers with at least one interaction in P.
	KPIContactedCustomers KPIName = "contacted_customers"
)

// KPIUnit says what a KPI's value is and how it is shown.
type KPIUnit string

// The units of KPI values.
const (
	// UnitCount is a whole number; the denominator is 1.
	UnitCount KPIUnit = "count"
	// UnitRate is a share between 0 and 1, shown in per cent; targets are written as a
	// fraction ("0.9") or in per cent ("90%").
	UnitRate KPIUnit = "rate"
	// UnitScore is a score in points, here the NPS from −100 to +100: the value is 100 ×
	// numerator / denominator.
	UnitScore KPIUnit = "score"
	// UnitMoney is an amount of the scorecard's currency per unit of the denominator.
	UnitMoney KPIUnit = "money"
)

// Better says which way a KPI improves.
type Better string

// Directions of improvement.
const (
	HigherIsBetter Better = "higher"
	LowerIsBetter  Better = "lower"
)

// kpiDef is one row of the catalogue: what the KPI is and how it is computed from the
// tallies of a period.
type kpiDef struct {
	name    KPIName
	unit    KPIUnit
	better  Better
	source  string // the input it needs: "customers", "orders", …
	def     string
	formula func(t *tally) (num, den decimal.Decimal, noData string)
}

// kpiCatalogue holds every KPI in the order a Scorecard lists them.
var kpiCatalogue = []kpiDef{
	{KPINewCustomers, UnitCount, HigherIsBetter, "customers",
		"Customers first seen in the period (FirstSeen within it), identified or anonymous; the denominator is 1.",
		newCustomers},
	{KPIActiveCustomers, UnitCount, HigherIsBetter, "orders",
		"Customers with at least one order (an amount of 0 or more) placed in the period; the denominator is 1.",
		activeCustomers},
	{KPIEmailOnFile, UnitRate, HigherIsBetter, "customers",
		"Customers on file at the end of the period (first seen before it ends) who have an email address on file, divided by all customers on file then.",
		emailOnFile},
	{KPIKnownRevenueShare, UnitRate, HigherIsBetter, "orders",
		"Net revenue (orders minus refunds) of orders placed in the period by identified customers, divided by the net revenue of all orders placed in the period, anonymous ones included; no data when that total is 0 or less.",
		knownRevenueShare},
	{KPIRetentionRate, UnitRate, HigherIsBetter, "orders",
		"Customers active in both the previous period and this one, divided by the customers active in the previous period.",
		retentionRate},
	{KPIChurnRate, UnitRate, LowerIsBetter, "orders",
		"Customers active in the previous period but not in this one, divided by the customers active in the previous period (1 − retention).",
		churnRate},
	{KPIRepeatPurchaseRate, UnitRate, HigherIsBetter, "orders",
		"Customers with two or more orders placed in the period, divided by the customers with at least one.",
		repeatPurchaseRate},
	{KPIAverageOrderValue, UnitMoney, HigherIsBetter, "orders",
		"Net revenue of the period (orders minus refunds placed in it, anonymous ones included), divided by the number of orders placed in it (refunds are not orders).",
		averageOrderValue},
	{KPIComplaintsReceived, UnitCount, LowerIsBetter, "complaints",
		"Complaints received in the period; the denominator is 1.",
		complaintsReceived},
	{KPIComplaintsInSLA, UnitRate, HigherIsBetter, "complaints",
		"Complaints received in the period and handled by their due time, divided by the complaints received in the period whose outcome is known as of the scorecard's AsOf: handled (in time or late), or still open after their due time; complaints without a due time and open ones not yet due are left out.",
		complaintsInSLA},
	{KPISatisfactionRate, UnitRate, HigherIsBetter, "surveys",
		"Satisfaction answers given in the period that the host's survey counts as satisfied, divided by all satisfaction answers given in the period.",
		satisfactionRate},
	{KPINPS, UnitScore, HigherIsBetter, "surveys",
		"Net Promoter Score of the answers (0–10) given in the period: 100 × (promoters, answers of 9 or 10, minus detractors, answers of 0 to 6) / all answers; the numerator is promoters − detractors.",
		nps},
	{KPIRepurchaseIntent, UnitRate, HigherIsBetter, "surveys",
		"Repurchase-intent answers given in the period that say the customer would buy again, divided by all repurchase-intent answers given in the period.",
		repurchaseIntent},
	{KPINewMembers, UnitCount, HigherIsBetter, "members",
		"Loyalty members who joined in the period; the denominator is 1.",
		newMembers},
	{KPIActiveMembers, UnitCount, HigherIsBetter, "members and orders",
		"Loyalty members who joined before the period ended and have at least one order placed in the period; the denominator is 1.",
		activeMembers},
	{KPIContactedCustomers, UnitCount, HigherIsBetter, "interactions",
		"Customers with at least one interaction in the period (any channel or direction); the denominator is 1.",
		contactedCustomers},
}

var kpiIndex = func() map[KPIName]int {
	m := make(map[KPIName]int, len(kpiCatalogue))
	for i, d := range kpiCatalogue {
		m[d.name] = i
	}
	return m
}()

// KPINames returns the names of every KPI, in the order a Scorecard lists them.
func KPINames() []KPIName {
	out := make([]KPIName, len(kpiCatalogue))
	for i, d := range kpiCatalogue {
		out[i] = d.name
	}
	return out
}

// Valid reports whether n names a KPI of the scorecard.
func (n KPIName) Valid() bool { _, ok := kpiIndex[n]; return ok }

// ParseKPIName reads a KPI name (trimmed, lower-cased); an unknown one is a
// *kehu.ValidationError on "kpi" with rule "enum".
func ParseKPIName(s string) (KPIName, error) { return enum.Parse[KPIName]("kpi", s) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseKPIName.
func (n *KPIName) UnmarshalText(b []byte) error { return enum.Unmarshal("kpi", n, b) }

// KPIDefinition returns the KPI's definition, its unit and the way it improves; false for
// a name that is not a KPI.
func KPIDefinition(n KPIName) (definition string, unit KPIUnit, better Better, ok bool) {
	i, ok := kpiIndex[n]
	if !ok {
		return "", "", "", false
	}
	d := kpiCatalogue[i]
	return d.def, d.unit, d.better, true
}

// The formulas. Each reads one period's tally and returns the numerator and denominator
// (with a reason in noData when its input was not given).
var one = decimal.NewFromInt(1)

func count(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

func newCustomers(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	return count(t.newCustomers), one, ""
}

func activeCustomers(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasOrders {
		return count(0), one, "no order source"
	}
	return count(t.active), one, ""
}

func emailOnFile(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	return count(t.withEmail), count(t.onFile), ""
}

func knownRevenueShare(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasOrders {
		return count(0), count(0), "no order source"
	}
	return t.knownRevenue, t.revenue, ""
}

func retentionRate(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasOrders {
		return count(0), count(0), "no order source"
	}
	return count(t.retained), count(t.activeBefore), ""
}

func churnRate(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasOrders {
		return count(0), count(0), "no order source"
	}
	return count(t.activeBefore - t.retained), count(t.activeBefore), ""
}

func repeatPurchaseRate(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasOrders {
		return count(0), count(0), "no order source"
	}
	return count(t.repeaters), count(t.active), ""
}

func averageOrderValue(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasOrders {
		return count(0), count(0), "no order source"
	}
	return t.revenue, count(t.orders), ""
}

func complaintsReceived(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasComplaints {
		return count(0), one, "no complaint source"
	}
	return count(t.complaints), one, ""
}

func complaintsInSLA(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasComplaints {
		return count(0), count(0), "no complaint source"
	}
	return count(t.slaMet), count(t.slaMet + t.slaBreached), ""
}

func satisfactionRate(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasSurveys {
		return count(0), count(0), "no survey source"
	}
	return count(t.satisfied), count(t.satisfactionAnswers), ""
}

func nps(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasSurveys {
		return count(0), count(0), "no survey source"
	}
	return count(t.promoters - t.detractors), count(t.npsAnswers), ""
}

func repurchaseIntent(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasSurveys {
		return count(0), count(0), "no survey source"
	}
	return count(t.wouldRepurchase), count(t.repurchaseAnswers), ""
}

func newMembers(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasMembers {
		return count(0), one, "no member source"
	}
	return count(t.newMembers), one, ""
}

func activeMembers(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	switch {
	case !t.hasMembers:
		return count(0), one, "no member source"
	case !t.hasOrders:
		return count(0), one, "no order source"
	}
	return count(t.activeMembers), one, ""
}

func contactedCustomers(t *tally) (decimal.Decimal, decimal.Decimal, string) {
	if !t.hasInteractions {
		return count(0), one, "no interaction source"
	}
	return count(t.contacted), one, ""
}

// TargetOp says which side of a target meets it.
type TargetOp string

// Target operators.
const (
	AtLeast TargetOp = "at_least"
	AtMost  TargetOp = "at_most"
)

// TargetStatus is how a KPI stands against its target.
type TargetStatus string

// Target statuses.
const (
	TargetMet    TargetStatus = "met"
	TargetMissed TargetStatus = "missed"
	// TargetNoData means the KPI has no value in the period, so the target is neither met
	// nor missed.
	TargetNoData TargetStatus = "no_data"
)

// TargetCheck is a KPI compared with its target, exactly (see Ratio.Cmp).
type TargetCheck struct {
	Op TargetOp `json:"op"`
	// Value is the target in the KPI's unit: a rate as a fraction (0.9 for 90 %), an NPS in
	// points, a count, or an amount of the scorecard's currency.
	Value  decimal.Decimal `json:"value"`
	Status TargetStatus    `json:"status"`
}

// Trend is how a KPI moved since the previous period, read with its Better direction.
type Trend string

// Trends.
const (
	Improved  Trend = "improved"
	Worsened  Trend = "worsened"
	Unchanged Trend = "unchanged"
	// TrendNoData means this period or the previous one has no value.
	TrendNoData Trend = "no_data"
)

// KPIChange is a KPI's previous period and the change since.
type KPIChange struct {
	Period      Period          `json:"period"`
	Numerator   decimal.Decimal `json:"numerator"`
	Denominator decimal.Decimal `json:"denominator"`
	// NoData is why the previous period has no value; empty when it has one.
	NoData string `json:"no_data,omitempty"`
	// Delta is this period's value minus the previous period's, exact, in the KPI's unit
	// (percentage points ÷ 100 for a rate); without a value when either has none.
	Delta Ratio `json:"delta"`
	Trend Trend `json:"trend"`
}

// KPI is one indicator of a Scorecard for one period. Its value is Numerator /
// Denominator (times 100 for a score), kept exact; Round and String show it rounded.
type KPI struct {
	Name       KPIName `json:"name"`
	Definition string  `json:"definition"`
	Unit       KPIUnit `json:"unit"`
	Better     Better  `json:"better"`
	Period     Period  `json:"period"`
	// Numerator and Denominator are exact. For a count the denominator is 1; a
	// denominator of 0 means there is no value ("no data").
	Numerator   decimal.Decimal `json:"numerator"`
	Denominator decimal.Decimal `json:"denominator"`
	// Currency is the scorecard's currency, for a money KPI; empty otherwise.
	Currency kehu.Currency `json:"currency,omitempty"`
	// NoData says why the KPI has no value in the period ("no order source", "no
	// satisfaction answers"); empty when it has one.
	NoData string `json:"no_data,omitempty"`
	// Target is the comparison with the definition's target; nil when it sets none.
	Target *TargetCheck `json:"target,omitempty"`
	// Change compares the KPI with the previous period.
	Change KPIChange `json:"change"`

	places int32
	mode   kehu.RoundingMode
}

// Value returns the exact value in the KPI's unit: Numerator/Denominator, or for a score
// 100 × Numerator/Denominator. It has no value (Ratio.Defined is false) with no data.
func (k KPI) Value() Ratio { return valueOf(k.Unit, k.Numerator, k.Denominator) }

func valueOf(u KPIUnit, num, den decimal.Decimal) Ratio {
	r := Ratio{Num: num, Den: den}
	if u == UnitScore {
		return r.Scale(100)
	}
	return r
}

// HasValue reports whether the KPI has a value in its period.
func (k KPI) HasValue() bool { return k.NoData == "" && k.Value().Defined() }

// Round returns the value rounded for display with the definition's rounding: a rate in
// per cent to the definition's places (0.92345 → 92.3), a score to the same places, an
// amount to the currency's minor units, a count as it is. False with no data.
func (k KPI) Round() (decimal.Decimal, bool) {
	if !k.HasValue() {
		return decimal.Decimal{}, false
	}
	return roundValue(k.Unit, k.Value(), k.Currency, k.places, k.mode)
}

func roundValue(u KPIUnit, v Ratio, cur kehu.Currency, places int32, mode kehu.RoundingMode) (decimal.Decimal, bool) {
	switch u {
	case UnitRate:
		return v.Scale(100).Round(places, mode)
	case UnitMoney:
		return v.Round(int32(cur.MinorUnits()), mode)
	case UnitScore:
		return v.Round(places, mode)
	}
	return v.Round(0, mode)
}

// String shows the value as a person reads it: "92.3 %", "NPS 31.6", "123.45 CNY", "1200";
// "no data (why)" without a value.
func (k KPI) String() string {
	v, ok := k.Round()
	if !ok {
		why := k.NoData
		if why == "" {
			why = "empty denominator"
		}
		return "no data (" + why + ")"
	}
	return formatValue(k.Unit, v, k.Currency, k.places)
}

func formatValue(u KPIUnit, v decimal.Decimal, cur kehu.Currency, places int32) string {
	switch u {
	case UnitRate:
		return v.StringFixed(places) + " %"
	case UnitMoney:
		return v.StringFixed(int32(cur.MinorUnits())) + " " + string(cur)
	case UnitScore:
		return v.StringFixed(places)
	}
	return v.String()
}

// ChangeString shows the change since the previous period: "+4.3 pts (improved)",
// "-12 (worsened)", "no data".
func (k KPI) ChangeString() string {
	if k.Change.Trend == TrendNoData || !k.Change.Delta.Defined() {
		return "no data"
	}
	d := k.Change.Delta
	var v decimal.Decimal
	switch k.Unit {
	case UnitRate:
		v, _ = d.Scale(100).Round(k.places, k.mode)
	case UnitMoney:
		v, _ = d.Round(int32(k.Currency.MinorUnits()), k.mode)
	case UnitScore:
		v, _ = d.Round(k.places, k.mode)
	default:
		v, _ = d.Round(0, k.mode)
	}
	s := formatValue(k.Unit, v, k.Currency, k.places)
	if k.Unit == UnitRate {
		s = strings.TrimSuffix(s, " %") + " pts"
	}
	if v.Sign() >= 0 {
		s = "+" + s
	}
	return fmt.Sprintf("%s (%s)", s, k.Change.Trend)
}

// checkTarget compares a value with a target exactly.
func checkTarget(v Ratio, hasValue bool, op TargetOp, target decimal.Decimal) TargetCheck {
	tc := TargetCheck{Op: op, Value: target, Status: TargetNoData}
	if !hasValue {
		return tc
	}
	c, _ := v.Cmp(target)
	if op == AtLeast && c >= 0 || op == AtMost && c <= 0 {
		tc.Status = TargetMet
	} else {
		tc.Status = TargetMissed
	}
	return tc
}

// trendOf reads the sign of a change with the KPI's direction.
func trendOf(delta Ratio, better Better) Trend {
	if !delta.Defined() {
		return TrendNoData
	}
	switch s := delta.Num.Sign(); {
	case s == 0:
		return Unchanged
	case (s > 0) == (better == HigherIsBetter):
		return Improved
	}
	return Worsened
}

// PreviousString shows the value of the previous period as String shows this one's.
func (k KPI) PreviousString() string {
	p := k
	p.Numerator, p.Denominator, p.NoData = k.Change.Numerator, k.Change.Denominator, k.Change.NoData
	return p.String()
}

// TargetString shows the target and how the KPI stands against it: "≥ 90.0 %: met";
// empty without a target.
func (k KPI) TargetString() string {
	if k.Target == nil {
		return ""
	}
	sym := "≥"
	if k.Target.Op == AtMost {
		sym = "≤"
	}
	v, _ := roundValue(k.Unit, Ratio{Num: k.Target.Value, Den: one}, k.Currency, k.places, k.mode)
	return fmt.Sprintf("%s %s: %s", sym, formatValue(k.Unit, v, k.Currency, k.places), k.Target.Status)
}
