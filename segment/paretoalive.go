package segment

import "math"

// paretoLogOddsQuad returns ln[(1 − P)/P] of Pareto/NBD's P(alive) as an integral over
// the dropout time τ in (t_x, T). The odds are the likelihood of the histories ending
// in a dropout in (t_x, T) over that of the customer still active at T; integrating
// λ ~ Gamma(r, α) and μ ~ Gamma(s, β) (Fader & Hardie's note, eqs. 11–18) leaves
//
//	(1 − P)/P = s ∫_{t_x}^T ((α+T)/(α+τ))^(r+x) ((β+T)/(β+τ))^s dτ/(β+τ),
//
// the closed form s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀ without its ₂F₁ terms. The integrand
// is positive and decreasing in τ, and its logarithm,
//
//	ψ(δ) = (r+x) ln(1 + (T−t_x−δ)/(α+t_x+δ)) + s ln(1 + (T−t_x−δ)/(β+t_x+δ)) − ln(β+t_x+δ)
//
// with δ = τ − t_x, is a sum of terms that each keep their relative precision, so the
// odds keep theirs whatever the size of α and β; the integrand is summed relative to
// its maximum ψ(0), as ψ(δ) − ψ(0) = −(r+x) ln(1 + δ/(α+t_x)) − (s+1) ln(1 + δ/(β+t_x)). The integral is taken by adaptive
// Gauss–Kronrod quadrature (logIntegralGK) over panels that double in length from the
// scale 1/|ψ′(0)| on which the integrand first falls. It returns −Inf when t_x = T (no
// time to drop out in); ok is false when the quadrature does not reach its relative
// tolerance of 10⁻¹¹ within its panel budget or a value is not finite.
func paretoLogOddsQuad(p ParetoNBDParams, x int, tx, T float64) (float64, bool) {
	span := T - tx
	if !(span > 0) {
		return math.Inf(-1), span == 0
	}
	rx := p.R + float64(x)
	a0, b0 := p.Alpha+tx, p.Beta+tx
	// ψ(0), and ψ(δ) − ψ(0) = −(r+x) ln(1 + δ/(α+t_x)) − (s+1) ln(1 + δ/(β+t_x)), which
	// keeps its relative precision however large ψ(0) is
	top := rx*math.Log1p(span/a0) + p.S*math.Log1p(span/b0) - math.Log(b0)
	psi := func(d float64) float64 {
		return -rx*math.Log1p(d/a0) - (p.S+1)*math.Log1p(d/b0)
	}
	// −ψ′(0): the scale of the first fall
	rate := rx/a0 + (p.S+1)/b0
	h := span
	if 1/rate < span {
		h = 1 / rate
	}
	edges := []float64{0}
	for e := h; e < span; e *= 2 {
		edges = append(edges, e)
	}
	edges = append(edges, span)
	if !finiteNum(top) {
		return 0, false
	}
	l, ok := logIntegralGK(psi, 0, edges, len(edges)+paretoMaxPanels)
	if !ok {
		return 0, false
	}
	v := math.Log(p.S) + top + l
	return v, finiteNum(v)
}
