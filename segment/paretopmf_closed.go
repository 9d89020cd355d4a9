package segment

import "math"

// Limits of paretoLogPMFClosed, the fast path of ProbabilityOfPurchases.
const (
	// paretoClosedMaxN is the largest n it is tried for: it costs n+2 ₂F₁ evaluations.
	paretoClosedMaxN = 40
	// paretoClosedMaxParam bounds r+s+n and the ₂F₁'s second parameter, so that its
	// series, with an argument at most ½, is summed directly and to about 10⁻¹⁴.
	paretoClosedMaxParam = 1e3
	// paretoClosedTol is the largest estimated relative error it may return.
	paretoClosedTol = 1e-12
)

// paretoLogPMFClosed returns ln P(X(t) = n) by the closed form of Fader, Hardie & Lee
// (2006, eq. 13) where it is well conditioned, and ok = false elsewhere. With m =
// max(α, β), c = s+1 when α ≥ β and r+n otherwise, d = |α−β|, u = t/(m+t),
//
//	P(X(t) = n) = NB(n; t) (β/(β+t))^s + s (r)_n/(r+s)_(n+1) · α^r β^s/m^(r+s)
//	  · [ F(r+s; d/m) − (m/(m+t))^(r+s) Σ_{i=0}^{n} (r+s)_i/i! u^i F(r+s+i; d/(m+t)) ],
//
// F(a; z) = ₂F₁(a, c; r+s+n+1; z). The bracket is a difference of positive numbers that
// cancels for short periods and large n, so the closed form is used only where both ₂F₁
// arguments are at most ½ (α and β within a factor of two; the ₂F₁ then is its own
// power series, good to about 10⁻¹⁴), the parameters at most paretoClosedMaxParam, n at
// most paretoClosedMaxN, and the error estimate — the bracket's loss factor times the
// ₂F₁ and rounding errors of its two parts, plus the rounding of the factors in front —
// is at most paretoClosedTol.
func paretoLogPMFClosed(p ParetoNBDParams, n int, t float64) (float64, bool) {
	if n > paretoClosedMaxN {
		return 0, false
	}
	fn := float64(n)
	rs := p.R + p.S
	m, lo, c := p.Alpha, p.Beta, p.S+1
	if p.Alpha < p.Beta {
		m, lo, c = p.Beta, p.Alpha, p.R+fn
	}
	d := m - lo
	cc := rs + fn + 1
	if !(d/m <= 0.5) || cc > paretoClosedMaxParam || c > paretoClosedMaxParam {
		return 0, false
	}
	const eps = 0x1p-52
	const fErr = 1e-14 // relative error of each ₂F₁ here
	lF1, s1, ok := log2F1(rs, c, cc, d/m, lo/m)
	if !ok || s1 < 0 {
		return 0, false
	}
	z, w := d/(m+t), (lo+t)/(m+t)
	lu := math.Log(t) - math.Log(m+t) // ln u
	sum, coef := math.Inf(-1), 0.0    // log Σ and ln (r+s)_i/i!
	errSum := 0.0
	for i := 0; i <= n; i++ {
		fi := float64(i)
		if i > 0 {
			coef += math.Log((rs + fi - 1) / fi)
		}
		lf, sf, ok := log2F1(rs+fi, c, cc, z, w)
		if !ok || sf < 0 {
			return 0, false
		}
		term := coef + fi*lu + lf
		errSum = max(errSum, 4*eps*(math.Abs(coef)+math.Abs(fi*lu)+math.Abs(lf)+fi))
		sum = logAddExp(sum, term)
	}
	lmt := -rs * math.Log1p(t/m) // (m/(m+t))^(r+s)
	sum += lmt
	errSum += 4 * eps * math.Abs(lmt)
	if !(sum < lF1) || !finiteNum(lF1) {
		return 0, false
	}
	bracket := logSubExp(lF1, sum)
	loss := 1 / -math.Expm1(sum-lF1)
	errDied := loss * (fErr + 4*eps*math.Abs(lF1) + fErr + errSum)
	// in front: ln s + ln (r)_n/(r+s)_n − ln(r+s+n) + r ln(α/m) + s ln(β/m)
	front := math.Log(p.S) - math.Log(rs+fn) + p.R*math.Log(p.Alpha/m) + p.S*math.Log(p.Beta/m)
	for j := 0.0; j < fn; j++ {
		front += math.Log((p.R + j) / (rs + j))
	}
	errDied += 4 * eps * (math.Abs(front) + 2*fn + math.Abs(p.R*math.Log(p.Alpha/m)) + math.Abs(p.S*math.Log(p.Beta/m)))
	died := front + bracket
	// alive at t: NB(n; t) (β/(β+t))^s, as in paretoLogPMF
	k, kerr := lnNBCoef(p.R, n)
	la, lb := math.Log1p(t/p.Alpha), math.Log1p(t/p.Beta)
	alive := k - p.R*la - p.S*lb
	errAlive := kerr + 4*eps*(math.Abs(k)+math.Abs(p.R*la)+math.Abs(p.S*lb))
	if n > 0 {
		lq := math.Log(t) - math.Log(p.Alpha+t)
		alive += fn * lq
		errAlive += 4 * eps * math.Abs(fn*lq)
	}
	share := 1 / (1 + math.Exp(died-alive)) // the alive part's share of the sum
	errLog := share*errAlive + (1-share)*errDied
	v := logAddExp(alive, died)
	if !finiteNum(v) || !(errLog <= paretoClosedTol) {
		return 0, false
	}
	return v, true
}
