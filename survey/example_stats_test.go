package survey_test

import (
	"fmt"

	"github.com/kehu-crm/kehu/survey"
)

// Net Promoter Score from counted answers, with its 95 % interval.
func ExampleNPSFromCounts() {
	r, err := survey.NPSFromCounts(162, 108, 54, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NPS %.1f ± %.1f (SE %.2f, n = %d): [%.1f, %.1f]\n",
		r.Score, r.Margin, r.SE, r.N, r.Interval.Low, r.Interval.High)
	// Output:
	// NPS 33.3 ± 8.1 (SE 4.14, n = 324): [25.2, 41.4]
}

// Net Promoter Score from weighted 0–10 answers: the standard error uses Kish's
// effective n of the weights.
func ExampleNPSFromAnswers() {
	answers := survey.Column{Values: []float64{10, 9, 9, 8, 7, 6, 5, 10, 3, 9}}
	weights := []float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2}
	r, err := survey.NPSFromAnswers(answers, weights, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NPS %.2f, n = %d, effective n = %.0f, SE %.2f\n", r.Score, r.N, r.EffectiveN, r.SE)
	// Output:
	// NPS 6.67, n = 10, effective n = 9, SE 30.95
}

// A CSAT share with its Wilson interval, and whether it changed since the previous
// period.
func ExampleCSATFromCounts() {
	now, err := survey.CSATFromCounts(42, 50, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("CSAT %.0f %% [%.1f %%, %.1f %%]\n", 100*now.Share, 100*now.Interval.Low, 100*now.Interval.High)
	before, err := survey.CSATFromCounts(120, 160, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := survey.CompareCSAT(now, before, 0.05)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+.0f points: %s\n", 100*c.Difference, c)
	// Output:
	// CSAT 84 % [71.5 %, 91.7 %]
	// +9 points: no significant change (p = 0.1859 at α = 0.05)
}

// Cronbach's alpha of three items answered by five respondents, one of whom skipped the
// third item: listwise, that respondent is left out.
func ExampleCronbachAlpha() {
	items := []survey.Column{
		{Values: []float64{3, 2, 4, 3, 4, 5}},
		{Values: []float64{4, 3, 4, 2, 4, 5}},
		{Values: []float64{3, 4, 5, 3, 4, 0}, Missing: []bool{false, false, false, false, false, true}},
	}
	r, err := survey.CronbachAlpha(items, survey.Listwise)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("alpha %.4f, standardised %.4f, n = %d\n", r.Raw, r.Standardized, r.N)
	for i, d := range r.IfDropped {
		fmt.Printf("without item %d: %.4f\n", i+1, d.Raw)
	}
	// Output:
	// alpha 0.7326, standardised 0.7323, n = 5
	// without item 1: 0.6364
	// without item 2: 0.6000
	// without item 3: 0.6957
}
