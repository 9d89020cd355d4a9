package complaint_test

import (
	"fmt"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// A shop classifies the customers it lost from the reasons its exit calls recorded, plans
// an individual contact and an offer for each one worth winning back, and after the
// campaign weighs the revenue regained against what the campaign cost.
func Example_winBack() {
	reasons, err := complaint.LoadReasonMap(strings.NewReader(`{"reasons": [
	  {"code": "relocated",         "type": "moved_away"},
	  {"code": "late_delivery",     "type": "pushed_away_unintentionally"},
	  {"code": "cheaper_elsewhere", "type": "bought_away"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	lost := map[byte][]string{1: {"cheaper_elsewhere", "late_delivery"}, 2: {"cheaper_elsewhere"}, 3: {"relocated"}}
	var results []complaint.WinBackResult
	for n := byte(1); n <= 3; n++ {
		plan, err := reasons.Plan(complaint.WinBackPlan{Customer: kehu.CustomerIDFrom([16]byte{n}), Campaign: "spring", Reasons: lost[n],
			Value: complaint.Valued, Contact: complaint.Contact{Owner: "account:wang", Channel: complaint.Phone},
			Offer: complaint.Offer{Terms: "free delivery for a year", Cost: kehu.MustMoney("300", "CNY")}})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("customer %d: %s, worth winning back: %t\n", n, plan.Type, plan.Type.WorthWinningBack())
		if !plan.Type.WorthWinningBack() {
			continue
		}
		// The campaign's outcome, as the host measured it over the following year.
		won := n == 1
		revenue := kehu.MustMoney("0", "CNY")
		if won {
			revenue = kehu.MustMoney("2400", "CNY")
		}
		results = append(results, complaint.WinBackResult{Customer: plan.Customer, Campaign: plan.Campaign, Type: plan.Type, Won: won,
			Revenue: revenue, Cost: plan.Offer.Cost})
	}
	ev, err := complaint.EvaluateWinBack("CNY", results)
	if err != nil {
		fmt.Println(err)
		return
	}
	roi, _ := ev.Total.ROI()
	fmt.Printf("won %d of %d: %s back for %s, ROI %s\n", ev.Total.Won, ev.Total.Plans, ev.Total.Revenue, ev.Total.Cost, roi)
	// Output:
	// customer 1: pushed_away_unintentionally, worth winning back: true
	// customer 2: bought_away, worth winning back: true
	// customer 3: moved_away, worth winning back: false
	// won 1 of 2: 2400.00 CNY back for 600.00 CNY, ROI 3
}
