package survey

import (
	"math"
)

// NPSResult is a Net Promoter Score with its standard error and confidence interval.
type NPSResult struct {
	// Score is 100 × (p₊ − p₋), between −100 and 100, where p₊ is the share of promoters
	// (answers 9 and 10) and p₋ the share of detractors (0 to 6).
	Score float64
	// Promoters, Passives and Detractors are the shares (0 to 1, weighted when weights
	// apply) of the answers 9–10, 7–8 and 0–6. They sum to 1.
	Promoters, Passives, Detractors float64
	// N is the number of answers counted; EffectiveN is Kish's effective n of their
	// weights (N when unweighted), the n the standard error uses.
	N          int
	EffectiveN float64
	// SE is the standard error of Score, in points.
	SE float64
	// Margin is z × SE, the half-width of the interval before clipping.
	Margin float64
	// Interval is Score ± Margin, clipped to [−100, 100].
	Interval Interval
}

// NPSFromCounts returns the Net Promoter Score of counted answers: promoters (9–10),
// passives (7–8) and detractors (0–6), with a normal confidence interval at the level
// (0.95 for 95 %).
//
// The standard error is that of a difference of two shares of one multinomial sample,
// with the population variance (denominator n):
//
//	NPS = 100 (p₊ − p₋),  SE = 100 √((p₊ + p₋ − (p₊ − p₋)²) / n)
//
// The sample-variance convention (n − 1) gives a slightly wider SE; 162 promoters, 108
// passives and 54 detractors give NPS 33.33, SE 4.1409 here (4.1473 with n − 1), and a
// 95 % margin of ±8.116 points. The interval Score ± z·SE, z = Φ⁻¹(1 − (1 − level)/2), is
// clipped to [−100, 100]. Counts must not be negative, and at least one must be positive.
func NPSFromCounts(promoters, passives, detractors int, level float64) (NPSResult, error) {
	var ck checker
	ck.count("promoters", promoters)
	ck.count("passives", passives)
	ck.count("detractors", detractors)
	ck.level("level", level)
	n := float64(promoters) + float64(passives) + float64(detractors)
	switch {
	case !ck.ok():
	case n == 0:
		ck.add("", "required", "promoters, passives and detractors are all 0")
	case n > math.MaxInt64/2:
		ck.add("", "range", "promoters, passives and detractors add up to more than can be counted")
	}
	if err := ck.err(); err != nil {
		return NPSResult{}, err
	}
	return npsFromShares(float64(promoters)/n, float64(passives)/n, float64(detractors)/n,
		promoters+passives+detractors, n, level), nil
}

// NPSFromAnswers returns the Net Promoter Score of answers on the 0–10 scale, weighted by
// respondent when weights is not nil (one positive weight per respondent, missing answers
// included), with a normal confidence interval at the level.
//
// Only the whole numbers 0 to 10 are answers; any other given value is an error. With
// weights, the shares are weighted and the standard error of NPSFromCounts uses Kish's
// effective n = (Σw)² / Σw² of the weights of the answers counted. Answers 10, 9, 9, 8,
// 7, 6, 5, 10, 3, 9 weighted 1, 1, 1, 1, 1, 2, 2, 2, 2, 2 give NPS 6.67 with effective
// n 9 and SE 30.95.
func NPSFromAnswers(answers Column, weights []float64, level float64) (NPSResult, error) {
	var ck checker
	ck.weights("weights", weights, len(answers.Values))
	ck.level("level", level)
	if len(answers.Missing) != 0 && len(answers.Missing) != len(answers.Values) {
		ck.addf("answers.missing", "length", "has %d flags for %d values", len(answers.Missing), len(answers.Values))
	}
	if !ck.ok() {
		return NPSResult{}, ck.err()
	}
	// One pass both checks and counts: an answer is a whole number 0 to 10.
	var (
		counts [11]int
		ws     weightSum
		share  [11]float64
		bad    bool
	)
	if weights != nil {
		ws.scale = maxWeight(answers, weights)
	}
	for i, x := range answers.Values {
		if !answers.given(i) {
			continue
		}
		k := int(x)
		if float64(k) != x || k < 0 || k > 10 {
			bad = true
			continue
		}
		counts[k]++
		if weights != nil {
			share[k] += ws.add(weights[i])
		}
	}
	if bad {
		b := Bounds{0, 10}
		ck.column("answers", answers, &b, true)
		return NPSResult{}, ck.err()
	}
	var by [3]int
	for k, c := range counts {
		by[npsClass(k)] += c
	}
	n := by[0] + by[1] + by[2]
	if n == 0 {
		ck.add("answers", "required", "has no answer")
		return NPSResult{}, ck.err()
	}
	if weights == nil {
		f := float64(n)
		return npsFromShares(float64(by[0])/f, float64(by[1])/f, float64(by[2])/f, n, f, level), nil
	}
	var wby [3]float64
	for k, s := range share {
		wby[npsClass(k)] += s
	}
	return npsFromShares(wby[0]/ws.sum, wby[1]/ws.sum, wby[2]/ws.sum, n, ws.effectiveN(), level), nil
}

// npsClass is 0 for a promoter, 1 for a passive and 2 for a detractor.
func npsClass(answer int) int {
	switch {
	case answer >= 9:
		return 0
	case answer >= 7:
		return 1
	}
	return 2
}

func npsFromShares(pro, pas, det float64, n int, neff, level float64) NPSResult {
	d := pro - det
	v := max(0, pro+det-d*d)
	se := 100 * math.Sqrt(v/neff)
	score := 100 * d
	margin := zFor(level) * se
	return NPSResult{
		Score:      score,
		Promoters:  pro,
		Passives:   pas,
		Detractors: det,
		N:          n,
		EffectiveN: neff,
		SE:         se,
		Margin:     margin,
		Interval: Interval{
			Low:   max(-100, score-margin),
			High:  min(100, score+margin),
			Level: level,
		},
	}
}
