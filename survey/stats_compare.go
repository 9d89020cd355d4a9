package survey

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Change is the plain-language verdict of a period-over-period comparison.
type Change string

// The verdicts of a comparison.
const (
	SignificantIncrease Change = "significant increase"
	SignificantDecrease Change = "significant decrease"
	NoSignificantChange Change = "no significant change"
)

// Comparison is a two-sided z test of the change of a score from a previous period to the
// current one.
type Comparison struct {
	// Difference is current − previous, in the score's unit (a share for CSAT, points for
	// NPS).
	Difference float64
	// SE is the standard error of Difference under the test's null hypothesis.
	SE float64
	// Z is Difference / SE, and P its two-sided p-value 2(1 − Φ(|Z|)).
	Z, P float64
	// Alpha is the significance level the verdict is stated at.
	Alpha float64
	// Change is SignificantIncrease or SignificantDecrease when P < Alpha, and
	// NoSignificantChange otherwise.
	Change Change
	// CurrentN and PreviousN are the periods' numbers of answers; CurrentEffectiveN and
	// PreviousEffectiveN their effective n, the n the test uses.
	CurrentN, PreviousN                   int
	CurrentEffectiveN, PreviousEffectiveN float64
}

// String states the verdict in plain language with its p-value and level:
// "no significant change (p = 0.1859 at α = 0.05)".
func (c Comparison) String() string {
	return fmt.Sprintf("%s (p = %.4g at α = %g)", c.Change, c.P, c.Alpha)
}

// CompareCSAT tests the change of a CSAT share from previous to current with the pooled
// two-proportion z test, without continuity correction (R's prop.test with correct =
// FALSE):
//
//	p̂ = (p₁n₁ + p₂n₂) / (n₁ + n₂),  SE = √(p̂(1 − p̂)(1/n₁ + 1/n₂)),  z = (p₁ − p₂) / SE
//
// with the effective n of each result (its N when unweighted). 42 of 50 satisfied against
// 120 of 160 is a difference of 0.09, z 1.3229, p 0.1859: no significant change at α =
// 0.05. alpha is the significance level, strictly between 0 and 1. Two periods whose
// shares are both 0 or both 1 show no change (z 0, p 1).
func CompareCSAT(current, previous CSATResult, alpha float64) (Comparison, error) {
	var ck checker
	ck.csat("current", current)
	ck.csat("previous", previous)
	ck.level("alpha", alpha)
	if err := ck.err(); err != nil {
		return Comparison{}, err
	}
	n1, n2 := current.EffectiveN, previous.EffectiveN
	p := (current.Share*n1 + previous.Share*n2) / (n1 + n2)
	se := math.Sqrt(max(0, p*(1-p)) * (1/n1 + 1/n2))
	c := Comparison{
		Difference: current.Share - previous.Share,
		SE:         se,
		Alpha:      alpha,
		CurrentN:   current.N, PreviousN: previous.N,
		CurrentEffectiveN: n1, PreviousEffectiveN: n2,
	}
	if err := c.test("current"); err != nil {
		return Comparison{}, err
	}
	return c, nil
}

// CompareNPS tests the change of a Net Promoter Score from previous to current with a z
// test on the difference of two independent scores, whose standard error is
// √(SE₁² + SE₂²) with each score's SE as NPSFromCounts or NPSFromAnswers computes it.
// 162 promoters, 108 passives and 54 detractors (NPS 33.33) against 150, 100 and 70 (NPS
// 25) is a difference of 8.33 points, SE 6.056, z 1.376, p 0.1688. Two periods that both
// have a standard error of 0 (every answer in one group) show no change if their scores
// are equal, and are an error otherwise, since no z exists.
func CompareNPS(current, previous NPSResult, alpha float64) (Comparison, error) {
	var ck checker
	ck.nps("current", current)
	ck.nps("previous", previous)
	ck.level("alpha", alpha)
	if err := ck.err(); err != nil {
		return Comparison{}, err
	}
	c := Comparison{
		Difference: current.Score - previous.Score,
		SE:         math.Hypot(current.SE, previous.SE),
		Alpha:      alpha,
		CurrentN:   current.N, PreviousN: previous.N,
		CurrentEffectiveN: current.EffectiveN, PreviousEffectiveN: previous.EffectiveN,
	}
	if err := c.test("current"); err != nil {
		return Comparison{}, err
	}
	return c, nil
}

// test sets Z, P and Change from Difference and SE.
func (c *Comparison) test(field string) error {
	if c.SE == 0 {
		if c.Difference != 0 {
			var ck checker
			ck.add(field, "degenerate", "both periods have a standard error of 0 and different scores; no z test applies")
			return ck.err()
		}
		c.Z, c.P, c.Change = 0, 1, NoSignificantChange
		return nil
	}
	c.Z = c.Difference / c.SE
	c.P = 2 * distuv.UnitNormal.Survival(math.Abs(c.Z))
	if err := resultFinite(field, c.Z, c.P); err != nil {
		return err
	}
	switch {
	case c.P >= c.Alpha:
		c.Change = NoSignificantChange
	case c.Difference > 0:
		c.Change = SignificantIncrease
	default:
		c.Change = SignificantDecrease
	}
	return nil
}

// csat checks a CSAT result given by a caller: a share in [0, 1] and an effective n of at
// least 1 (the smallest a result can have).
func (c *checker) csat(field string, r CSATResult) {
	if !(r.Share >= 0 && r.Share <= 1) {
		c.addf(field+".share", "range", "%v is not a share between 0 and 1", r.Share)
	}
	c.effectiveN(field, r.N, r.EffectiveN)
}

// nps checks an NPS result given by a caller: a score in [−100, 100], a finite SE of 0 or
// more and an effective n of at least 1.
func (c *checker) nps(field string, r NPSResult) {
	if !(r.Score >= -100 && r.Score <= 100) {
		c.addf(field+".score", "range", "%v is not a score between −100 and 100", r.Score)
	}
	if !finite(r.SE) || r.SE < 0 {
		c.addf(field+".se", "range", "%v is not a finite standard error, 0 or more", r.SE)
	}
	c.effectiveN(field, r.N, r.EffectiveN)
}

func (c *checker) effectiveN(field string, n int, neff float64) {
	if n < 1 {
		c.addf(field+".n", "range", "%d is not a positive number of answers", n)
	}
	if !finite(neff) || neff < 1-1e-12 || neff > float64(n)*(1+1e-12) {
		c.addf(field+".effective_n", "range", "%v is not between 1 and n = %d", neff, n)
	}
}
