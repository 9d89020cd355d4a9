package segment

import "math"

// bgQuadMaxRefine bounds the panels that bgMeanQuad's adaptive quadrature adds to its
// starting grid (at most about 140 panels), so that its cost is bounded.
const bgQuadMaxRefine = 300

// bgMeanQuad returns bgMean's G as an integral over the dropout probability. Given p
// and the purchase rate λ, an active customer makes (1 − e^(−λpt'))/p purchases on
// average in a horizon t' (FHL 2005, eq. 7); over λ ~ Gamma(R, α+T) that is
// g(p) = (1 − (1+p·s)^−R)/p with s = z/w = t/(α+T), and
//
//	G = ∫₀¹ g(p) p^(A−1) (1−p)^(B−1) dp / ∫₀¹ p^(A−1) (1−p)^(B−1) dp.
//
// Both integrals are taken over u = ln(p/(1−p)) by adaptive Gauss–Kronrod quadrature
// (logIntegralGK) on [logit ε, logit(1−δ)], with the two ends [0, ε] and [1−δ, 1] as
// power series in p and 1−p: ε and δ are small enough (the series' ratios at most
// 10⁻³) that ten terms leave less than 10⁻²⁵ out. The denominator is the beta function
// integrated the same way, so no ratio of large gamma functions is needed, and the
// powers p^A (1−p)^B are taken relative to their value at the centre p₀ = A/(A+B)
// (their mode in u), which keeps the integrands' relative precision when A or B is
// large. Every part is positive: nothing cancels. ok is false when a part is not
// finite and positive, the grid would be wider than the float range allows, or the
// quadrature does not reach its relative tolerance of 10⁻¹¹ within bgQuadMaxRefine
// panels.
func bgMeanQuad(R, A, B, z, w float64) (float64, bool) {
	s := z / w
	if !(s > 0) || !finiteNum(s) || !(R > 0) || !finiteNum(R*s) {
		return 0, false
	}
	eps := 1e-3 / max((R+1)*s, math.Abs(1-B)+1, 1)
	del := 1e-3 / max(R+1, math.Abs(2-A)+1)
	lnEps, lnDel := math.Log(eps), math.Log(del)
	uLo := lnEps - math.Log1p(-eps)
	uHi := math.Log1p(-del) - lnDel
	if !(uLo > -700 && uHi < 700) {
		return 0, false
	}
	u0 := min(max(math.Log(A)-math.Log(B), uLo), uHi)
	p0, q0 := 1/(1+math.Exp(-u0)), 1/(1+math.Exp(u0)) // p₀ and 1 − p₀
	lnP0, lnQ0 := -math.Log1p(math.Exp(-u0)), -math.Log1p(math.Exp(u0))
	c0 := A*lnP0 + B*lnQ0 // ln of p₀^A (1−p₀)^B, the integrands' common scale
	// ln[p^A (1−p)^B] − c0 at u = u0 + d, each log-ratio taken from its small difference
	weight := func(d float64) float64 {
		return -A*math.Log1p(q0*math.Expm1(-d)) - B*math.Log1p(p0*math.Expm1(d))
	}
	lnG := func(u float64) float64 { // ln g(p) at p = 1/(1+e^−u)
		p := 1 / (1 + math.Exp(-u))
		return math.Log(-math.Expm1(-R*math.Log1p(p*s))) + math.Log1p(math.Exp(-u))
	}
	num := func(d float64) float64 { return weight(d) + lnG(u0+d) }

	// starting panels: finely around the centre on the scale of the weight's peak,
	// sqrt(1/A + 1/B) in u, then two units of u apart (g changes on a scale of one)
	dLo, dHi := uLo-u0, uHi-u0
	edges := []float64{0}
	scale := math.Sqrt(1/A + 1/B)
	for h := scale; h < 2; h *= 2 {
		edges = append(edges, h, -h)
	}
	for h := 2.0; h < max(-dLo, dHi)+2; h += 2 {
		edges = append(edges, h, -h)
	}
	kept := edges[:0]
	for _, e := range edges {
		if e > dLo && e < dHi {
			kept = append(kept, e)
		}
	}
	edges = append(kept, dLo, dHi)
	sortFloats(edges)
	topN, topD := math.Inf(-1), math.Inf(-1)
	for _, e := range edges {
		topN, topD = max(topN, num(e)), max(topD, weight(e))
	}
	if !finiteNum(topN) || !finiteNum(topD) {
		return 0, false
	}
	maxPanels := len(edges) + bgQuadMaxRefine
	lnNum, ok := logIntegralGK(num, topN, edges, maxPanels)
	if !ok {
		return 0, false
	}
	lnDen, ok := logIntegralGK(weight, topD, edges, maxPanels)
	if !ok {
		return 0, false
	}
	lnNum += topN
	lnDen += topD

	// the ends as series, each relative to the same scale c0
	lnS := math.Log(s)
	lnR := math.Log(R)
	// [0, ε]: g(p) = R s Σ (R+1)_j/(j+1)! (−ps)^j and (1−p)^(B−1) = Σ (1−B)_i/i! p^i
	const terms = 10
	var x, y, yA, v [terms]float64
	x[0], y[0] = 1, 1
	for j := 1; j < terms; j++ {
		fj := float64(j)
		x[j] = x[j-1] * (R + fj) / (fj + 1) * (-s * eps)
		y[j] = y[j-1] * (fj - B) / fj * eps
	}
	leftNum, leftDen := 0.0, 0.0
	for k := range terms {
		dk := 0.0
		for j := 0; j <= k; j++ {
			dk += x[j] * y[k-j]
		}
		leftNum += dk / (A + float64(k))
		leftDen += y[k] / (A + float64(k))
	}
	// [1−δ, 1] with q = 1 − p: g(1−q) p^(A−1) = [c − P Σ_{j≥1} (R)_j σ^j q^j/j!] (1−q)^(A−2),
	// c = 1 − (1+s)^−R, P = (1+s)^−R, σ = s/(1+s); the weight alone is (1−q)^(A−1)
	lp := -R * math.Log1p(s)
	c, P := -math.Expm1(lp), math.Exp(lp)
	sigma := s / (1 + s)
	v[0], yA[0] = c, 1
	ya2 := [terms]float64{1}
	u := P
	for j := 1; j < terms; j++ {
		fj := float64(j)
		u *= (R + fj - 1) / fj * sigma * del
		v[j] = -u
		ya2[j] = ya2[j-1] * (fj + 1 - A) / fj * del
		yA[j] = yA[j-1] * (fj - A) / fj * del
	}
	rightNum, rightDen := 0.0, 0.0
	for k := range terms {
		ek := 0.0
		for j := 0; j <= k; j++ {
			ek += v[j] * ya2[k-j]
		}
		rightNum += ek / (B + float64(k))
		rightDen += yA[k] / (B + float64(k))
	}
	if !(leftNum > 0 && leftDen > 0 && rightNum > 0 && rightDen > 0) {
		return 0, false
	}
	lnLeft := A*lnEps - c0
	lnRight := B*lnDel - c0
	top := logAddExp(logAddExp(lnR+lnS+lnLeft+math.Log(leftNum), lnNum), lnRight+math.Log(rightNum))
	bottom := logAddExp(logAddExp(lnLeft+math.Log(leftDen), lnDen), lnRight+math.Log(rightDen))
	g := math.Exp(top - bottom)
	if !finiteNum(g) || !(g > 0) {
		return 0, false
	}
	return g, true
}

// sortFloats sorts a short slice in place (insertion sort: the grids have a few dozen
// points).
func sortFloats(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
