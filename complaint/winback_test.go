package complaint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

const reasonsJSON = `{"reasons": [
  {"code": "relocated", "type": "moved_away"},
  {"code": "unpaid_bills", "type": "pushed_away_deliberately"},
  {"code": "late_delivery", "type": "pushed_away_unintentionally"},
  {"code": "rude_staff", "type": "pushed_away_unintentionally"},
  {"code": "better_product", "type": "pulled_away"},
  {"code": "cheaper_elsewhere", "type": "bought_away"},
  {"code": "no_reason", "type": "left_without_intent"}
]}`

func reasonMap(t *testing.T) *complaint.ReasonMap {
	t.Helper()
	m, err := complaint.LoadReasonMap(strings.NewReader(reasonsJSON))
	require.NoError(t, err)
	return m
}

func TestLostTypes(t *testing.T) {
	assert.Len(t, complaint.LostTypes(), 6)
	for _, lt := range complaint.LostTypes() {
		got, err := complaint.ParseLostType(" " + strings.ToUpper(string(lt)) + " ")
		require.NoError(t, err)
		assert.Equal(t, lt, got)
		want := lt != complaint.PushedAwayDeliberately && lt != complaint.MovedAway
		assert.Equal(t, want, lt.WorthWinningBack(), lt)
	}
	_, err := complaint.ParseLostType("stolen")
	requireProblem(t, err, "type", "enum")
	assert.False(t, complaint.LostType("stolen").WorthWinningBack())
}

func TestCompileReasonMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec complaint.ReasonMapSpec
		want [][2]string
	}{
		{"empty", complaint.ReasonMapSpec{}, [][2]string{{"reasons", "required"}}},
		{"bad codes", complaint.ReasonMapSpec{Reasons: []complaint.ReasonCode{
			{Code: "", Type: complaint.MovedAway},
			{Code: "price", Type: "stolen"},
			{Code: "price", Type: complaint.BoughtAway},
			{Code: "price", Type: complaint.PulledAway},
			{Code: "price", Type: complaint.BoughtAway},
		}}, [][2]string{{"reasons[0].code", "required"}, {"reasons[1].type", "enum"}, {"reasons[3].type", "conflict"},
			{"reasons[4].code", "duplicate"}}},
		{"bad precedence", complaint.ReasonMapSpec{Reasons: []complaint.ReasonCode{{Code: "x", Type: complaint.MovedAway}},
			Precedence: []complaint.LostType{complaint.BoughtAway, complaint.BoughtAway, "stolen"}},
			[][2]string{{"precedence[1]", "duplicate"}, {"precedence[2]", "enum"}, {"precedence", "incomplete"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := complaint.CompileReasonMap(tc.spec)
			for _, w := range tc.want {
				requireProblem(t, err, w[0], w[1])
			}
		})
	}
	_, err := complaint.LoadReasonMap(strings.NewReader(`{"reasons": [{"code": "x", "type": "moved_away", "weight": 1}]}`))
	requireProblem(t, err, "reasons[0].weight", "unknown_field")
	_, err = complaint.LoadReasonMap(strings.NewReader(`{"reasons": [{"code": "x", "type": "stolen"}], "precedence": ["moved_away", "lost"]}`))
	requireProblem(t, err, "reasons[0].type", "enum")
	requireProblem(t, err, "precedence[1]", "enum")
	spec := reasonMap(t).Spec()
	spec.Reasons[0].Code = "changed"
	assert.Equal(t, "relocated", reasonMap(t).Spec().Reasons[0].Code)
}

func TestClassify(t *testing.T) {
	m := reasonMap(t)
	custom, err := complaint.CompileReasonMap(complaint.ReasonMapSpec{Reasons: m.Spec().Reasons, Precedence: []complaint.LostType{
		complaint.BoughtAway, complaint.PulledAway, complaint.PushedAwayUnintentionally, complaint.LeftWithoutIntent,
		complaint.PushedAwayDeliberately, complaint.MovedAway}})
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		m       *complaint.ReasonMap
		reasons []string
		want    complaint.Classification
	}{
		{"one reason", m, []string{"cheaper_elsewhere"}, complaint.Classification{Type: complaint.BoughtAway,
			Types: []complaint.LostType{complaint.BoughtAway}}},
		{"the host's failure before the competitor's price", m, []string{"cheaper_elsewhere", "late_delivery", "rude_staff"},
			complaint.Classification{Type: complaint.PushedAwayUnintentionally,
				Types: []complaint.LostType{complaint.PushedAwayUnintentionally, complaint.BoughtAway}}},
		{"out of reach decides", m, []string{"no_reason", "better_product", "relocated"}, complaint.Classification{Type: complaint.MovedAway,
			Types: []complaint.LostType{complaint.MovedAway, complaint.PulledAway, complaint.LeftWithoutIntent}}},
		{"value before price", m, []string{"cheaper_elsewhere", "better_product"}, complaint.Classification{Type: complaint.PulledAway,
			Types: []complaint.LostType{complaint.PulledAway, complaint.BoughtAway}}},
		{"the host's precedence", custom, []string{"late_delivery", "cheaper_elsewhere", "relocated"}, complaint.Classification{
			Type: complaint.BoughtAway, Types: []complaint.LostType{complaint.BoughtAway, complaint.PushedAwayUnintentionally, complaint.MovedAway}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.m.Classify(tc.reasons)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err = m.Classify([]string{"late_delivery", "weather"})
	assert.ErrorIs(t, err, complaint.ErrUnknownReason)
	requireProblem(t, err, "reasons[1]", "unknown")
	_, err = m.Classify(nil)
	requireProblem(t, err, "reasons", "required")
	assert.NotErrorIs(t, err, complaint.ErrUnknownReason)
}

func TestPlan(t *testing.T) {
	m := reasonMap(t)
	due := time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.UTC)
	draft := complaint.WinBackPlan{Customer: kehu.CustomerIDFrom([16]byte{3}), Campaign: "spring", Reasons: []string{"late_delivery", "cheaper_elsewhere"},
		Value: complaint.Key, Contact: complaint.Contact{Owner: "account:wang", Channel: complaint.Visit, Due: due},
		Offer: complaint.Offer{Terms: "free delivery for a year and 5 % off the next order", Cost: kehu.MustMoney("800", "CNY")}}
	got, err := m.Plan(draft)
	require.NoError(t, err)
	assert.Equal(t, complaint.PushedAwayUnintentionally, got.Type)
	assert.Equal(t, due.Truncate(time.Microsecond), got.Contact.Due)
	draft.Reasons[0] = "changed"
	assert.Equal(t, "late_delivery", got.Reasons[0], "the plan keeps its own reasons")

	_, err = m.Plan(complaint.WinBackPlan{Reasons: []string{"weather"}, Value: "gold", Contact: complaint.Contact{Channel: complaint.Media},
		Offer: complaint.Offer{Cost: kehu.MustMoney("-1", "CNY")}})
	assert.ErrorIs(t, err, complaint.ErrUnknownReason)
	for _, w := range [][2]string{{"customer", "required"}, {"campaign", "required"}, {"reasons[0]", "unknown"}, {"value", "enum"},
		{"contact.owner", "required"}, {"contact.channel", "enum"}, {"offer.terms", "required"}, {"offer.cost", "range"}} {
		requireProblem(t, err, w[0], w[1])
	}
}

func cny(s string) kehu.Money { return kehu.MustMoney(s, "CNY") }

func TestEvaluateWinBack(t *testing.T) {
	results := []complaint.WinBackResult{
		{Customer: kehu.CustomerIDFrom([16]byte{1}), Campaign: "spring", Type: complaint.PushedAwayUnintentionally, Won: true,
			Revenue: cny("12000"), Cost: cny("1500")},
		{Customer: kehu.CustomerIDFrom([16]byte{2}), Campaign: "spring", Type: complaint.BoughtAway, Won: true,
			Revenue: cny("3000"), Cost: cny("2000")},
		{Customer: kehu.CustomerIDFrom([16]byte{3}), Campaign: "spring", Type: complaint.BoughtAway, Cost: cny("1000")},
		{Customer: kehu.CustomerIDFrom([16]byte{4}), Campaign: "spring", Type: complaint.PulledAway, Cost: cny("500")},
		// A call by the account manager that cost nothing.
		{Customer: kehu.CustomerIDFrom([16]byte{5}), Campaign: "key-accounts", Type: complaint.PushedAwayUnintentionally, Won: true,
			Revenue: cny("8000")},
	}
	ev, err := complaint.EvaluateWinBack("CNY", results)
	require.NoError(t, err)
	type row struct {
		key                string
		plans, won         int
		revenue, cost, net string
		roi                string // "" when not defined
	}
	rowOf := func(r complaint.WinBackReturn) row {
		out := row{key: string(r.Type) + r.Campaign, plans: r.Plans, won: r.Won, revenue: r.Revenue.String(), cost: r.Cost.String(),
			net: r.Net().String()}
		if roi, ok := r.ROI(); ok {
			out.roi = roi.String()
		}
		return out
	}
	assert.Equal(t, kehu.Currency("CNY"), ev.Currency)
	// (23000 − 5000) / 5000 = 3.6
	assert.Equal(t, row{"", 5, 3, "23000.00 CNY", "5000.00 CNY", "18000.00 CNY", "3.6"}, rowOf(ev.Total))
	var byType, byCampaign []row
	for _, r := range ev.ByType {
		byType = append(byType, rowOf(r))
	}
	for _, r := range ev.ByCampaign {
		byCampaign = append(byCampaign, rowOf(r))
	}
	assert.Equal(t, []row{
		// (20000 − 1500) / 1500 = 12.3333…
		{"pushed_away_unintentionally", 2, 2, "20000.00 CNY", "1500.00 CNY", "18500.00 CNY", "12.3333"},
		// (0 − 500) / 500 = −1
		{"pulled_away", 1, 0, "0.00 CNY", "500.00 CNY", "-500.00 CNY", "-1"},
		// (3000 − 3000) / 3000 = 0
		{"bought_away", 2, 1, "3000.00 CNY", "3000.00 CNY", "0.00 CNY", "0"},
	}, byType)
	assert.Equal(t, []row{
		{"key-accounts", 1, 1, "8000.00 CNY", "0.00 CNY", "8000.00 CNY", ""}, // cost zero: no ROI
		{"spring", 4, 2, "15000.00 CNY", "5000.00 CNY", "10000.00 CNY", "2"}, // (15000 − 5000) / 5000
	}, byCampaign)

	empty, err := complaint.EvaluateWinBack("USD", nil)
	require.NoError(t, err)
	_, ok := empty.Total.ROI()
	assert.False(t, ok)
	assert.Equal(t, "0.00 USD", empty.Total.Net().String())
}

func TestWinBackROIRounding(t *testing.T) {
	for _, tc := range []struct{ revenue, cost, want string }{
		{"2", "3", "-0.3333"},           // −1/3
		{"10000.5", "10000", "0.0001"},  // 0.00005: half away from zero
		{"9999.5", "10000", "-0.0001"},  // −0.00005
		{"10000.4", "10000", "0"},       // 0.00004
		{"5", "3", "0.6667"},            // 2/3
		{"1000000", "0.01", "99999999"}, // a tiny cost
	} {
		r := complaint.WinBackReturn{Revenue: cny(tc.revenue), Cost: cny(tc.cost)}
		roi, ok := r.ROI()
		require.True(t, ok)
		assert.True(t, roi.Equal(decimal.RequireFromString(tc.want)), "%s / %s: got %s, want %s", tc.revenue, tc.cost, roi, tc.want)
	}
}

func TestEvaluateWinBackRefusesBadInput(t *testing.T) {
	_, err := complaint.EvaluateWinBack("CNY", []complaint.WinBackResult{
		{Campaign: "a", Type: complaint.BoughtAway, Revenue: kehu.MustMoney("5", "USD"), Cost: cny("-1")},
		{Type: "stolen"},
	})
	assert.ErrorIs(t, err, kehu.ErrCurrencyMismatch, "mixed currencies")
	for _, w := range [][2]string{{"results[0].revenue", "currency_mismatch"}, {"results[0].cost", "range"},
		{"results[1].type", "enum"}, {"results[1].campaign", "required"}} {
		requireProblem(t, err, w[0], w[1])
	}
	_, err = complaint.EvaluateWinBack("", nil)
	requireProblem(t, err, "currency", "")
}
