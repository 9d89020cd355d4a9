package segment

import "math"

// The closed form of the BG/NBD and MBG/NBD expectations (FHL 2005, eqs. 9–10;
// Batislam et al. 2007), kept as an independent check of bgMean where gonum's ₂F₁
// keeps its digits: moderate parameters (bgClosedSmall) and z ≤ 0.9.
const (
	bgClosedSmall     = 100
	bgClosedSmallLoss = 1e4
)

// bgMeanClosed evaluates bgMean's closed form (see log2F1 for the ₂F₁; the limits are
// taken at A = 1 and at A + B = 1) and estimates its loss factor: the magnitude of
// the larger of the two numbers subtracted over the difference.
func bgMeanClosed(R, A, B, z, w float64) (g, loss float64, ok bool) {
	C := A + B - 1
	if math.Abs(C) < 1e-9 {
		// (A+B−1) ₂F₁(R, B; A+B−1; z) → R B z ₂F₁(R+1, B+1; 2; z) as A+B−1 → 0, and
		// A − 1 = −B there: G = R z w^R ₂F₁(R+1, B+1; 2; z), exact up to O(A+B−1).
		lf, sign, ok := log2F1(R+1, B+1, 2, z, w)
		if !ok || sign < 0 {
			return 0, 0, false
		}
		return R * z * math.Exp(R*log1mz(z, w)+lf), 1, true
	}
	if math.Abs(A-1) < 1e-3 && z <= 0.5 {
		if q, ok := oneMinusTermOverAm1(R, A, C, z); ok {
			return C * q, 1, true // every term smooth through A = 1; no subtraction of near equals
		}
	}
	loss = 1
	v, err := nearOneLimit(A, func(a float64) (float64, error) {
		c := a + B - 1
		lf, sign, ok := log2F1(R, B, c, z, w)
		if !ok {
			return 0, ErrNumerical
		}
		lterm := R*log1mz(z, w) + lf // ln of w^R ₂F₁
		var oneMinus float64
		if sign > 0 {
			oneMinus = -math.Expm1(lterm)
		} else {
			oneMinus = 1 + math.Exp(lterm)
		}
		loss = max(loss, max(1, math.Exp(lterm))/math.Abs(oneMinus))
		return c / (a - 1) * oneMinus, nil
	})
	if err != nil || !finiteNum(v) {
		return 0, loss, false
	}
	return v, loss, true
}

// oneMinusTermOverAm1 returns (1 − w^A ₂F₁(A, B; C; z)) / (a − 1) for C − B = a − 1 and
// z ≤ ½, without the 0/0 of the closed form at a = 1. By Euler's
// transformation w^A ₂F₁(A, B; C; z) = w^(a−1) ₂F₁(C−A, a−1; C; z), and every term
// k ≥ 1 of that series carries the factor (a−1)_k = (a−1)(a)_(k−1), so
//
//	(1 − term)/(a−1) = −expm1((a−1) ln w)/(a−1) − w^(a−1) Σ_{k≥1} (C−A)_k (a)_(k−1) z^k / ((C)_k k!),
//
// both parts smooth through a = 1. The series converges geometrically for z ≤ ½; ok is
// false if it does not settle within 10,000 terms or is not finite.
func oneMinusTermOverAm1(A, a, C, z float64) (float64, bool) {
	l := math.Log1p(-z)
	am1 := a - 1
	first := -l * (1 + am1*l/2) // limit of −expm1(am1·l)/am1
	if math.Abs(am1*l) >= 1e-8 {
		first = -math.Expm1(am1*l) / am1
	}
	u := (C - A) / C * z
	g := u
	converged := false
	for k := 1.0; k < 10_000; k++ {
		u *= (C - A + k) * (a + k - 1) / ((C + k) * (k + 1)) * z
		g += u
		if !finiteNum(g) {
			return 0, false
		}
		if math.Abs(u) <= 1e-17*math.Abs(g) {
			converged = true
			break
		}
	}
	if !converged {
		return 0, false
	}
	v := first - math.Exp(am1*l)*g
	return v, finiteNum(v)
}
