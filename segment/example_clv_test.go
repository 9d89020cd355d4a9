package segment_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu/segment"
)

// Predictions from the BG/NBD model with the parameters Fader, Hardie & Lee (2005)
// estimated on CDNOW (weeks): the customer with two repeat purchases, the last at 30.43
// weeks of 38.86.
func ExampleNewBGNBD() {
	m, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	if err != nil {
		fmt.Println(err)
		return
	}
	next39, _ := m.ConditionalExpectedPurchases(39, 2, 30.43, 38.86)
	alive, _ := m.ProbabilityAlive(2, 30.43, 38.86)
	newcomer, _ := m.ExpectedPurchases(39)
	none, _ := m.ProbabilityOfPurchases(0, 39)
	fmt.Printf("purchases in the next 39 weeks: %.3f\n", next39)
	fmt.Printf("P(alive): %.3f\n", alive)
	fmt.Printf("a new customer's purchases in 39 weeks: %.3f\n", newcomer)
	fmt.Printf("P(no repeat purchase in 39 weeks): %.4f\n", none)
	// Output:
	// purchases in the next 39 weeks: 1.226
	// P(alive): 0.727
	// a new customer's purchases in 39 weeks: 1.197
	// P(no repeat purchase in 39 weeks): 0.5738
}

// Fitting the BG/BB model to a recency/frequency matrix: the 11,104 donors of Fader,
// Hardie & Shang (2010), six annual opportunities, grouped into 22 cells.
func ExampleFitBGBBCells() {
	rows := [][4]float64{ // x, t_x, n, donors
		{0, 0, 6, 3464}, {1, 1, 6, 1091}, {1, 2, 6, 277}, {1, 3, 6, 129}, {1, 4, 6, 78},
		{1, 5, 6, 119}, {1, 6, 6, 129}, {2, 2, 6, 613}, {2, 3, 6, 255}, {2, 4, 6, 155},
		{2, 5, 6, 173}, {2, 6, 6, 234}, {3, 3, 6, 322}, {3, 4, 6, 181}, {3, 5, 6, 225},
		{3, 6, 6, 357}, {4, 4, 6, 240}, {4, 5, 6, 284}, {4, 6, 6, 512}, {5, 5, 6, 335},
		{5, 6, 6, 728}, {6, 6, 6, 1203},
	}
	cells := make([]segment.RFCell, len(rows))
	for i, r := range rows {
		cells[i] = segment.RFCell{Frequency: int(r[0]), Recency: r[1], T: r[2], Weight: r[3]}
	}
	m, err := segment.FitBGBBCells(cells, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := m.Params
	fmt.Printf("alpha %.3f beta %.3f gamma %.3f delta %.3f\n", p.Alpha, p.Beta, p.Gamma, p.Delta)
	fmt.Printf("log-likelihood %.1f\n", m.Stats.LogLikelihood)
	alive, _ := m.ProbabilityAlive(2, 4, 6)
	fmt.Printf("P(alive next year | 2 donations, last in year 4): %.2f\n", alive)
	// Output:
	// alpha 1.204 beta 0.750 gamma 0.657 delta 2.783
	// log-likelihood -33225.6
	// P(alive next year | 2 donations, last in year 4): 0.59
}

// Discounted twelve-month CLV of a CDNOW customer from BG/NBD and Gamma-Gamma with the
// published parameters: 4.345 weeks a month, 1 % a month.
func ExampleForecastCLV() {
	bg, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	gg, _ := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	customer := segment.Summary{
		Customer:  "0001",
		Frequency: 2, Recency: 30.43, T: 38.86,
		Monetary: decimal.RequireFromString("22.35"),
	}
	v, err := segment.ForecastCLV(bg, gg, customer, segment.Week, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %.2f purchases × %.2f = CLV %.2f\n", v.Customer, v.ExpectedPurchases, v.ExpectedSpend, v.CLV)
	// Output:
	// 0001: 1.56 purchases × 24.66 = CLV 36.29
}

// openComplaints is a host's complaint count, here a map.
type openComplaints map[string]int

func (o openComplaints) OpenComplaints(_ context.Context, customer string) (int, error) {
	return o[customer], nil
}

// Churn risk from P(alive) and overdue silence, raised by an open complaint, and the
// lost-customer type of a customer who left, from a reason code.
func ExampleChurnScore() {
	bg, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	opts := &segment.ChurnOptions{Complaints: openComplaints{"0002": 1}}
	for _, s := range []segment.Summary{
		{Customer: "0001", Frequency: 26, Recency: 30.86, T: 31},
		{Customer: "0002", Frequency: 4, Recency: 22, T: 31},
	} {
		r, err := segment.ChurnScore(context.Background(), bg, s, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: P(alive) %.2f, overdue %.2f, complaints %d, score %.2f\n", r.Customer, r.ProbabilityAlive, r.Overdue, r.OpenComplaints, r.Score)
	}
	t, ok := segment.DefaultLostReasons().Classify("competitor_discount")
	fmt.Println(t, t.Label(), ok)
	// Output:
	// 0001: P(alive) 0.97, overdue 0.10, complaints 0, score 0.06
	// 0002: P(alive) 0.66, overdue 0.66, complaints 1, score 0.55
	// bought_away 被收买的客户 true
}
