package crm_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// A monthly customer scorecard with targets: satisfaction at least 90 %, churn at most
// 10 %, an NPS of 30 or more. The host's data here sits in a ScorecardData; a host with
// its data in a database implements the source interfaces instead.
func ExampleScorecardDefinition_Compute() {
	def, err := crm.LoadScorecard(strings.NewReader(`{
		"currency": "CNY",
		"time_zone": "Asia/Shanghai",
		"targets": {
			"satisfaction_rate": {"at_least": "90%"},
			"churn_rate": {"at_most": "10%"},
			"nps": {"at_least": 30}
		}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	sh := def.Location()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, sh) }
	id := func(n byte) crm.CustomerID { return crm.CustomerIDFrom(uuid.UUID{15: n}) }
	cny := func(s string) kehu.Money { return kehu.MustMoney(s, "CNY") }

	data := &crm.ScorecardData{
		Customers: []crm.CustomerFact{
			{ID: id(1), FirstSeen: day(3, 1), HasEmail: true, Identified: true},
			{ID: id(2), FirstSeen: day(9, 9), Identified: true},
			{ID: id(3), FirstSeen: day(11, 2), HasEmail: true, Identified: true},
			{ID: id(4), FirstSeen: day(11, 8)}, // a guest checkout
		},
		Orders: []crm.OrderFact{
			{CustomerID: id(1), At: day(10, 3), Amount: cny("120.00")},
			{CustomerID: id(2), At: day(10, 9), Amount: cny("80.00")},
			{CustomerID: id(1), At: day(11, 4), Amount: cny("150.00")},
			{CustomerID: id(1), At: day(11, 20), Amount: cny("60.00")},
			{CustomerID: id(3), At: day(11, 5), Amount: cny("90.00")},
			{CustomerID: id(4), At: day(11, 8), Amount: cny("40.00")},
			{CustomerID: id(1), At: day(11, 25), Amount: cny("-30.00")}, // a refund
		},
		Complaints: []crm.ComplaintFact{
			{ReceivedAt: day(11, 6), DueAt: day(11, 7), HandledAt: day(11, 6)},
			{ReceivedAt: day(11, 12), DueAt: day(11, 13), HandledAt: day(11, 15)},
		},
		Surveys: []crm.SurveyFact{
			{At: day(11, 21), Measure: crm.MeasureSatisfaction, Satisfied: true},
			{At: day(11, 21), Measure: crm.MeasureSatisfaction, Satisfied: true},
			{At: day(11, 22), Measure: crm.MeasureSatisfaction, Satisfied: false},
			{At: day(11, 21), Measure: crm.MeasureNPS, Score: 10},
			{At: day(11, 22), Measure: crm.MeasureNPS, Score: 9},
			{At: day(11, 23), Measure: crm.MeasureNPS, Score: 5},
			{At: day(11, 23), Measure: crm.MeasureRepurchase, WouldRepurchase: true},
		},
	}
	sc, err := def.Compute(context.Background(), data.Input(crm.Month(2026, time.November)))
	if err != nil {
		fmt.Println(err)
		return
	}
	// November's net revenue is 150 + 60 + 90 + 40 − 30 = 310, of which 270 came from
	// identified customers (87.1 %), over 4 orders (77.50 CNY each); customer 1 bought twice
	// (1 of 3 active customers); of October's two buyers only customer 1 came back.
	fmt.Print(sc)

	churn, _ := sc.KPI(crm.KPIChurnRate)
	fmt.Println()
	fmt.Println(churn.Definition)
	fmt.Printf("%s / %s = %s, target %s\n", churn.Numerator, churn.Denominator, churn, churn.Target.Status)
	// Output:
	// scorecard 2026-11-01..2026-12-01 (previous 2026-10-01..2026-11-01, CNY)
	// kpi                    value      target            previous    change
	// new_customers          2                            0           +2 (improved)
	// active_customers       3                            2           +1 (improved)
	// email_on_file          50.0 %                       50.0 %      +0.0 pts (unchanged)
	// known_revenue_share    87.1 %                       100.0 %     -12.9 pts (worsened)
	// retention_rate         50.0 %                       no data     no data
	// churn_rate             50.0 %     ≤ 10.0 %: missed  no data     no data
	// repeat_purchase_rate   33.3 %                       0.0 %       +33.3 pts (improved)
	// average_order_value    77.50 CNY                    100.00 CNY  -22.50 CNY (worsened)
	// complaints_received    2                            0           +2 (worsened)
	// complaints_within_sla  50.0 %                       no data     no data
	// satisfaction_rate      66.7 %     ≥ 90.0 %: missed  no data     no data
	// nps                    33.3       ≥ 30.0: met       no data     no data
	// repurchase_intent      100.0 %                      no data     no data
	// new_members            no data                      no data     no data
	// active_members         no data                      no data     no data
	// contacted_customers    no data                      no data     no data
	//
	// Customers active in the previous period but not in this one, divided by the customers active in the previous period (1 − retention).
	// 1 / 2 = 50.0 %, target missed
}
