package segment

import (
	"fmt"
	"math"
)

// ParetoNBDParams are the parameters of the Pareto/NBD model (Schmittlein, Morrison &
// Colombo 1987, "Counting Your Customers: Who Are They and What Will They Do Next?",
// Management Science 33(1)): while active a customer buys as a Poisson process with rate
// λ ~ Gamma(shape R, rate Alpha) and stays active for an exponential lifetime with rate
// μ ~ Gamma(shape S, rate Beta). Alpha and Beta are in the time unit of the data.
type ParetoNBDParams struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	S     float64 `json:"s"`
	Beta  float64 `json:"beta"`
}

// Validate reports a *kehu.ValidationError unless every parameter is positive and finite.
func (p ParetoNBDParams) Validate() error {
	return checkModelParams([]string{"r", "alpha", "s", "beta"}, p.R, p.Alpha, p.S, p.Beta)
}

// ParetoNBD is a Pareto/NBD model: its parameters and, when fitted, the fit.
type ParetoNBD struct {
	Params ParetoNBDParams `json:"params"`
	// Stats describes the fit; zero for a model built with NewParetoNBD.
	Stats FitStats `json:"stats"`
}

// NewParetoNBD returns a Pareto/NBD model with known parameters.
func NewParetoNBD(p ParetoNBDParams) (*ParetoNBD, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &ParetoNBD{Params: p}, nil
}

// FitParetoNBD fits the Pareto/NBD model by maximum likelihood to customer summaries,
// after grouping identical histories. See FitParetoNBDCells.
func FitParetoNBD(summaries []Summary, opts *FitOptions) (*ParetoNBD, error) {
	cells, err := GroupSummaries(summaries)
	if err != nil {
		return nil, err
	}
	return FitParetoNBDCells(cells, opts)
}

// FitParetoNBDCells fits the Pareto/NBD model by maximum likelihood to weighted
// histories. The likelihood of one customer is eq. 18 of Fader & Hardie's note "A Note
// on Deriving the Pareto/NBD Model and Related Expressions" (2005):
//
//	L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ],
//
// where A₀ (eqs. 19–20) is a difference of two ₂F₁ terms. Both terms are evaluated in
// log space and A₀ as a signed log-sum-exp, ln(e^l₁ − e^l₂), so that heavy buyers do
// not overflow; where that closed form cannot keep its digits (α and β far apart, t_x
// close to T) the second term is the integral over the dropout time it stands for (see
// ProbabilityAlive). The optimiser is gonum's BFGS on log-parameters
// with a central-difference gradient. Errors are as for FitBGNBDCells.
func FitParetoNBDCells(cells []RFCell, opts *FitOptions) (*ParetoNBD, error) {
	o, err := opts.resolve(4)
	if err != nil {
		return nil, err
	}
	if err := checkCells(cells); err != nil {
		return nil, err
	}
	total, sumX, sumT := 0.0, 0.0, 0.0
	for _, c := range cells {
		total += c.Weight
		sumX += c.Weight * float64(c.Frequency)
		sumT += c.Weight * c.T
	}
	if sumX == 0 {
		return nil, invalidArg("cells", "degenerate", "no customer made a repeat purchase: the data cannot identify Pareto/NBD")
	}
	start := o.Start
	if start == nil {
		// r = 1 with α matching the mean purchase rate; s = 1 with β the mean age.
		alpha := min(max(sumT/sumX, 1e-6), 1e6)
		beta := min(max(sumT/total, 1e-6), 1e6)
		start = []float64{1, alpha, 1, beta}
	}
	ll := func(p ParetoNBDParams) float64 {
		s := 0.0
		for _, c := range cells {
			l, ok := paretoLogL(p, c.Frequency, c.Recency, c.T)
			if !ok {
				return math.Inf(-1)
			}
			s += c.Weight * l
		}
		return s
	}
	fromLog := func(x []float64) ParetoNBDParams {
		return ParetoNBDParams{R: math.Exp(x[0]), Alpha: math.Exp(x[1]), S: math.Exp(x[2]), Beta: math.Exp(x[3])}
	}
	obj := fitObjective{
		name:   "Pareto/NBD",
		weight: total,
		f: func(x []float64) float64 {
			return -ll(fromLog(x))/total + l2Penalty(o.Penalizer, x, nil)
		},
	}
	res, err := minimizeLogParams(obj, start, o)
	if err != nil {
		return nil, err
	}
	p := ParetoNBDParams{R: res.params[0], Alpha: res.params[1], S: res.params[2], Beta: res.params[3]}
	return &ParetoNBD{Params: p, Stats: res.stats(ll(p), total, len(cells))}, nil
}

// paretoLogL is the log-likelihood of one history (eq. 18), written as
//
//	ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β − (r+x) ln(α+T) − s ln(β+T) + ln(1 + odds),
//
// odds being P(alive)'s (see paretoLogOdds).
func paretoLogL(p ParetoNBDParams, x int, tx, T float64) (float64, bool) {
	fx := float64(x)
	odds, _, ok := paretoLogOdds(p, x, tx, T)
	if !ok {
		return 0, false
	}
	a1 := lnGamma(p.R+fx) - lnGamma(p.R) + p.R*math.Log(p.Alpha) + p.S*math.Log(p.Beta)
	a2 := -(p.R+fx)*math.Log(p.Alpha+T) - p.S*math.Log(p.Beta+T) + logAddExp(0, odds)
	v := a1 + a2
	return v, finiteNum(v)
}

// paretoClosedMaxZ is the largest ₂F₁ argument for which paretoLogOdds uses the closed
// form: up to it, gonum's ₂F₁ agrees with the integral over the dropout time to about
// 3·10⁻¹² in P(alive) (TestParetoAliveClosedQuad); close to 1 it can be several 10⁻⁷
// off.
const paretoClosedMaxZ = 0.9

// paretoLogOdds returns l = ln[(1 − P)/P] of P(alive), an estimate errLog of its
// absolute error, and ok = false when it cannot be evaluated. The closed form
//
//	l = ln s − ln(r+s+x) + (r+x) ln(α+T) + s ln(β+T) + ln A₀
//
// is used where its ₂F₁ terms are series of moderate parameters inside their disc
// (both arguments at most paretoClosedMaxZ, the parameters at most 10⁴) and the error of l
// times 1 − P, which is what reaches P (relatively) and ln L (absolutely), is at most
// 10⁻¹¹ (A₀, a difference of two such terms, cancels when t_x is close to T, but
// then P is close to 1); elsewhere (α and β
// far apart, so that the ₂F₁ arguments approach 1 and gonum's ₂F₁ can be several 10⁻⁷
// off, or t_x close to T on the scale of max(α, β)) the odds are the integral over the
// dropout time of paretoLogOddsQuad.
func paretoLogOdds(p ParetoNBDParams, x int, tx, T float64) (l, errLog float64, ok bool) {
	const eps = 0x1p-52
	fx := float64(x)
	rsx := p.R + p.S + fx
	m, lo, c := p.Alpha, p.Beta, p.S+1
	if p.Alpha < p.Beta {
		m, lo, c = p.Beta, p.Alpha, p.R+fx
	}
	if d := m - lo; d/(m+tx) <= paretoClosedMaxZ && max(rsx, c) <= 1e4 {
		l1, s1, ok1 := log2F1(rsx, c, rsx+1, d/(m+tx), (lo+tx)/(m+tx))
		l2, s2, ok2 := log2F1(rsx, c, rsx+1, d/(m+T), (lo+T)/(m+T))
		if ok1 && ok2 && s1 > 0 && s2 > 0 {
			l1 -= rsx * math.Log(m+tx)
			l2 -= rsx * math.Log(m+T)
			logA0 := logSubExp(l1, l2)
			la, lb := (p.R+fx)*math.Log(p.Alpha+T), p.S*math.Log(p.Beta+T)
			l = math.Log(p.S) - math.Log(rsx) + la + lb + logA0
			if math.IsInf(logA0, -1) && tx == T {
				return l, 0, true
			}
			// ₂F₁ good to about 10⁻¹⁴ here, the logs to a few ulps; the difference
			// multiplies both by e^l1/(e^l1 − e^l2)
			loss := 1 / -math.Expm1(l2-l1)
			errLog = 4*eps*(math.Abs(la)+math.Abs(lb)+math.Abs(logA0)) + (1e-14+4*eps*(math.Abs(l1)+math.Abs(l2)))*loss
			// what reaches P(alive) (relatively) and ln L (absolutely) is errLog·(1 − P)
			if finiteNum(l) && errLog*logisticOf(-l) <= 1e-11 {
				return l, errLog, true
			}
		}
	}
	l, ok = paretoLogOddsQuad(p, x, tx, T)
	if !ok {
		return 0, 0, false
	}
	if math.IsInf(l, -1) {
		return l, 0, true
	}
	// the quadrature's tolerance, and the rounding of ln s + ψ(t_x)
	rx := p.R + fx
	span := T - tx
	errLog = 2e-11 + 4*eps*(math.Abs(l)+rx*math.Abs(math.Log1p(span/(p.Alpha+tx)))+p.S*math.Abs(math.Log1p(span/(p.Beta+tx)))+math.Abs(math.Log(p.Beta+tx)))
	return l, errLog, true
}

// LogLikelihood returns the total log-likelihood Σ weight·ln L of the cells.
func (m *ParetoNBD) LogLikelihood(cells []RFCell) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkCells(cells); err != nil {
		return 0, err
	}
	s := 0.0
	for _, c := range cells {
		l, ok := paretoLogL(m.Params, c.Frequency, c.Recency, c.T)
		if !ok {
			return 0, fmt.Errorf("Pareto/NBD log-likelihood of (%d, %v, %v): %w", c.Frequency, c.Recency, c.T, ErrNumerical)
		}
		s += c.Weight * l
	}
	return finiteResult("log-likelihood", s)
}

// ProbabilityAlive returns P(active at T | x, t_x, T) (note eq. 36–37):
//
//	1 / [1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀],
//
// evaluated from the closed form where its ₂F₁ series are well inside their disc and
// otherwise as the integral over the dropout time that the second term stands for, to
// 10⁻⁹ relatively or ErrNumerical.
func (m *ParetoNBD) ProbabilityAlive(x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	return paretoAlive(m.Params, x, tx, T)
}

// paretoAlive is ProbabilityAlive without the input checks: 1/(1 + e^l) with the
// log-odds l of paretoLogOdds. Its relative error is (1 − P) times that of l; a value
// that would be off by more than 10⁻⁹ relatively is ErrNumerical, except one that
// underflows to 0 whatever the error.
func paretoAlive(p ParetoNBDParams, x int, tx, T float64) (float64, error) {
	l, errLog, ok := paretoLogOdds(p, x, tx, T)
	if !ok {
		return 0, fmt.Errorf("Pareto/NBD P(alive): %w", ErrNumerical)
	}
	v := logisticOf(l)
	if errLog*(1-v) > 1e-9 && l-errLog < 746 {
		return 0, fmt.Errorf("Pareto/NBD P(alive): the odds keep fewer than nine digits (error %.2g in their log): %w", errLog, ErrNumerical)
	}
	return finiteResult("P(alive)", v)
}

// ExpectedPurchases returns E[X(t)] for a new customer (note eq. 27):
// rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)], with the limit r/α · β ln(1 + t/β) at s = 1.
func (m *ParetoNBD) ExpectedPurchases(t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	p := m.Params
	return finiteResult("expected purchases", p.R/p.Alpha*p.Beta*powDiffOverK(p.S-1, t/p.Beta))
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T] (note eq. 41):
//
//	P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].
func (m *ParetoNBD) ConditionalExpectedPurchases(t float64, x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	p := m.Params
	alive, err := paretoAlive(p, x, tx, T)
	if err != nil {
		return 0, err
	}
	rate := (p.R + float64(x)) / (p.Alpha + T)
	return finiteResult("conditional expected purchases", alive*rate*(p.Beta+T)*powDiffOverK(p.S-1, t/(p.Beta+T)))
}

// PurchaseRate returns the posterior mean purchase rate while active, (r+x)/(α+T).
func (m *ParetoNBD) PurchaseRate(x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return gammaRate(m.Params.Validate(), m.Params.R, m.Params.Alpha, x, tx, T)
}

// powDiffOverK returns [1 − (1+u)^−k] / k for u ≥ 0, and its limit ln(1+u) at k = 0,
// without cancellation for small k.
func powDiffOverK(k, u float64) float64 {
	l := math.Log1p(u)
	if math.Abs(k*l) < 1e-8 {
		return l * (1 - k*l/2)
	}
	return -math.Expm1(-k*l) / k
}

// ProbabilityOfPurchases returns P(X(t) = n), the probability that a new customer makes
// exactly n purchases in a period of length t.
//
// Given λ and μ, a customer still active at t made Poisson(λt) purchases, and one who
// dropped out at τ < t made Poisson(λτ); integrating λ ~ Gamma(r, α) and μ ~ Gamma(s, β)
// analytically (Fader, Hardie & Lee, "Deriving an Expression for P(X(t) = x) Under the
// Pareto/NBD Model", 2006, eqs. 5–9) leaves, with NB(n; τ) = Γ(r+n)/(Γ(r) n!)
// (α/(α+τ))^r (τ/(α+τ))^n,
//
//	P(X(t) = n) = NB(n; t) (β/(β+t))^s + ∫₀ᵗ NB(n; τ) s β^s (β+τ)^−(s+1) dτ.
//
// That note's closed form of the integral (its eq. 13) is a difference of ₂F₁ series that
// cancels catastrophically in the tail (short periods, or n far above the mean). In
// general the integral is evaluated instead over ℓ = ln τ, where the log of its integrand,
//
//	φ(ℓ) = (n+1)ℓ − (r+n) ln(α+e^ℓ) − (s+1) ln(β+e^ℓ) + const,
//
// is strictly concave (φ″ < 0). So the integrand is unimodal: the mode is found by
// bisection on the decreasing φ′, the range is cut where φ has dropped by 46 below its
// maximum (by concavity the two tails left out are below e^−46 ≈ 1e-20 of the integral),
// and the rest is integrated by adaptive Gauss–Kronrod (7–15 points) to a relative error
// estimate of 1e-13, all in log space relative to the maximum. Γ(r+n)/(Γ(r) n!) is taken
// from Stirling's series with its correction terms, so that it keeps its digits for r
// or n up to 1e300 (a difference of ln Γ values does not).
//
// For n ≤ 40 with α and β within a factor of two of each other and moderate parameters,
// as fitted models usually have, that note's closed form is used first, where its ₂F₁
// series are well inside their disc and an estimate of its error (the bracket's
// cancellation times the ₂F₁ and rounding errors) is at most 10⁻¹²; it costs about
// 1.5 µs a call where the quadrature costs about 15 µs, and elsewhere the quadrature
// answers.
//
// Precision: the result is within 1e-10 relative of the exact value (typically 1e-13) for
// n up to 10⁴; smaller values carry the same relative precision down to the smallest
// normal float64 (about 1e-308), below which the result underflows to 0. The cost is
// bounded independently of n: at most paretoMaxPanels Gauss–Kronrod panels of 15 points
// and two searches of at most 200 steps. When the integration does not reach its
// tolerance within that budget, or the parameters are so far out that the log-space
// terms cannot keep ten digits, the result is ErrNumerical, never an imprecise number.
// n must be ≥ 0 and t finite and ≥ 0.
func (m *ParetoNBD) ProbabilityOfPurchases(n int, t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	p := m.Params
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("probability of purchases: %w", invalidArg("n", "range", fmt.Sprintf("%d is negative", n)))
	}
	if t == 0 {
		if n == 0 {
			return 1, nil
		}
		return 0, nil
	}
	l, ok := paretoLogPMFClosed(p, n, t)
	if !ok {
		l, ok = paretoLogPMF(p, n, t)
	}
	if !ok {
		return 0, fmt.Errorf("Pareto/NBD probability of %d purchases in %v: %w", n, t, ErrNumerical)
	}
	v := math.Exp(l)
	if v > 1+1e-9 {
		return 0, fmt.Errorf("Pareto/NBD probability of %d purchases in %v is %v: %w", n, t, v, ErrNumerical)
	}
	return min(v, 1), nil
}

// paretoMaxPanels bounds the Gauss–Kronrod panels of one tail-probability integral.
const paretoMaxPanels = 200

// paretoLogPMF returns ln P(X(t) = n) for t > 0 (see ProbabilityOfPurchases); ok is false
// when it cannot be evaluated to the documented precision.
func paretoLogPMF(p ParetoNBDParams, n int, t float64) (float64, bool) {
	fn := float64(n)
	k, kerr := lnNBCoef(p.R, n)
	lnA, lnB := math.Log(p.Alpha), math.Log(p.Beta)
	// φ(ℓ) = n ln q − r ln(1+τ/α) − s ln(1+τ/β) + ln(τ/(β+τ)), τ = e^ℓ, q = τ/(α+τ):
	// the log integrand without the constant k + ln s. Each logarithm is taken of the
	// smaller ratio and the other derived from it, so that none loses digits.
	logs := func(l, lnC float64) (lq, lc float64) { // ln(τ/(c+τ)) and ln(1+τ/c)
		if d := l - lnC; d < 0 {
			lc = math.Log1p(math.Exp(d))
			return d - lc, lc
		} else {
			lq = -math.Log1p(math.Exp(-d))
			return lq, d - lq
		}
	}
	phi := func(l float64) float64 {
		lq, la := logs(l, lnA)
		lqb, lb := logs(l, lnB)
		v := -p.R*la - p.S*lb + lqb
		if n > 0 {
			v += fn * lq
		}
		return v
	}
	// φ′ = (n+1) − (n+r) q − (s+1) q_b, strictly decreasing from n+1 to −(r+s).
	dphi := func(l float64) float64 {
		q := 1 / (1 + math.Exp(lnA-l))
		qb := 1 / (1 + math.Exp(lnB-l))
		return (fn + 1) - (fn+p.R)*q - (p.S+1)*qb
	}
	L := math.Log(t)
	// alive at t: NB(n; t) (β/(β+t))^s
	lqT, laT := logs(L, lnA)
	_, lbT := logs(L, lnB)
	alive := -p.R*laT - p.S*lbT
	if n > 0 {
		alive += fn * lqT
	}
	// error bound of the log-space sums (each term to a few ulps)
	const eps = 0x1p-52
	errAlive := 4 * eps * (math.Abs(p.R*laT) + math.Abs(p.S*lbT) + math.Abs(fn*lqT))
	errLog := kerr + 4*eps*math.Abs(L)*(fn+2)
	mode := L
	if dphi(L) < 0 {
		// Newton on φ′ (φ″ < 0), kept inside a bracket that bisection shrinks when a step
		// leaves it.
		lo := min(lnA, lnB) + math.Log((fn+1)/(2*(fn+p.R+p.S+1)))
		hi := L
		x := max(lo, min(hi, math.Log(fn+1)+lnA-math.Log(fn+p.R+p.S+1)))
		for range 200 {
			q := 1 / (1 + math.Exp(lnA-x))
			qb := 1 / (1 + math.Exp(lnB-x))
			g := (fn + 1) - (fn+p.R)*q - (p.S+1)*qb
			if g > 0 {
				lo = x
			} else {
				hi = x
			}
			d2 := (fn+p.R)*q*(1-q) + (p.S+1)*qb*(1-qb)
			next := x + g/d2
			if !(next > lo && next < hi) {
				next = lo + (hi-lo)/2
			}
			if math.Abs(next-x) <= 1e-9*(1+math.Abs(x)) || !(next > lo && next < hi) {
				x = next
				break
			}
			x = next
		}
		mode = x
	}
	top := phi(mode)
	if !finiteNum(top) {
		return 0, false
	}
	const drop = 40.0
	// the scale of the peak, from the curvature at the mode, for the first step outwards
	q := 1 / (1 + math.Exp(lnA-mode))
	qb := 1 / (1 + math.Exp(lnB-mode))
	curv := (fn+p.R)*q*(1-q) + (p.S+1)*qb*(1-qb)
	step := 1 / math.Sqrt(max(curv, 1e-300))
	step = min(max(step, 1e-12*max(1, math.Abs(mode))), 1e3)
	// edge returns a point beyond which (away from the mode, in direction dir) φ stays
	// below top − drop, searching outwards then bisecting; the limit caps it at L.
	edge := func(dir float64) (float64, bool) {
		near, h := mode, step
		var far float64
		for i := 0; ; i++ {
			if i == 200 {
				return 0, false
			}
			far = mode + dir*h
			if dir > 0 && far >= L {
				return L, true
			}
			if phi(far) < top-drop {
				break
			}
			near, h = far, 2*h
		}
		for range 4 { // a cut within an eighth of the last step is close enough
			mid := near + (far-near)/2
			if !(mid != near && mid != far) {
				break
			}
			if phi(mid) < top-drop {
				far = mid
			} else {
				near = mid
			}
		}
		return far, true
	}
	a, ok := edge(-1)
	if !ok {
		return 0, false
	}
	b := L
	if mode < L {
		if b, ok = edge(1); !ok {
			return 0, false
		}
	}
	edges := []float64{a, mode, b}
	if mode >= b {
		edges = []float64{a, b}
	}
	lint, ok := logIntegralGK(phi, top, edges, paretoMaxPanels)
	if !ok {
		return 0, false
	}
	died := math.Log(p.S) + top + lint
	// each part's rounding weighted by its share of the sum: a part that is a vanishing
	// share (the alive part for large s, whose exponent s·ln(1+t/β) is large) cannot
	// spoil the result's digits
	shareAlive := 1 / (1 + math.Exp(died-alive))
	errLog += shareAlive*errAlive + (1-shareAlive)*4*eps*math.Abs(top)
	v := k + logAddExp(alive, died)
	if math.IsNaN(v) || math.IsInf(v, 1) {
		return 0, false
	}
	// a value that underflows even allowing for the error is exactly 0 in float64
	if errLog > 1e-11 && v+errLog > -746 {
		return 0, false
	}
	return v, true
}

// lnNBCoef returns ln[Γ(r+n)/(Γ(r) n!)] and a bound on its absolute rounding error, by
// Stirling's series with its remainders (stirlingErr), arranged so that no two large
// terms cancel: n ln((r+n)/(n+1)) + (r−½) ln(1+n/r) − ½ ln(n+1) + 1 − ½ ln 2π
// + ω(r+n) − ω(r) − ω(n+1).
func lnNBCoef(r float64, n int) (float64, float64) {
	if n == 0 {
		return 0, 0
	}
	fn := float64(n)
	t1 := fn * math.Log((r+fn)/(fn+1))
	t2 := (r - 0.5) * math.Log1p(fn/r)
	t3 := -0.5 * math.Log(fn+1)
	w := stirlingErr(r+fn) - stirlingErr(r) - stirlingErr(fn+1)
	v := t1 + t2 + t3 + 1 - 0.5*math.Log(2*math.Pi) + w
	const eps = 0x1p-52
	return v, 4 * eps * (math.Abs(t1) + math.Abs(t2) + math.Abs(t3) + 2 + 16*(1+math.Abs(w)))
}

// stirlingErr returns ω(x) = ln Γ(x) − [(x−½) ln x − x + ½ ln 2π] for x > 0: by the
// asymptotic series from x = 10 on (absolute error below 1e-17), else directly.
func stirlingErr(x float64) float64 {
	if x >= 10 {
		y := 1 / (x * x)
		return (1.0/12 - y*(1.0/360-y*(1.0/1260-y*(1.0/1680-y/1188)))) / x
	}
	return lnGamma(x) - ((x-0.5)*math.Log(x) - x + 0.5*math.Log(2*math.Pi))
}

// Gauss–Kronrod 7–15 abscissae and weights on [−1, 1] (Piessens et al., QUADPACK qk15).
var (
	gkX = [8]float64{
		0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
		0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
		0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
		0.207784955007898467600689403773245, 0,
	}
	gkWK = [8]float64{
		0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
		0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
		0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
		0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
	}
	// Gauss weights of the odd-indexed abscissae 1, 3, 5 and 7
	gkWG = [4]float64{
		0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
		0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
	}
)

// gkPanel is one panel of logIntegralGK with its Kronrod value and error estimate.
type gkPanel struct{ a, b, k, err float64 }

// gk15 integrates e^(f(x) − top) over [a, b] by the 15-point Kronrod rule and estimates
// its error as QUADPACK does.
func gk15(f func(float64) float64, top, a, b float64) gkPanel {
	c, h := (a+b)/2, (b-a)/2
	var fv [15]float64
	fc := math.Exp(f(c) - top)
	kr, g := fc*gkWK[7], fc*gkWG[3]
	for j := range 7 {
		x := h * gkX[j]
		f1, f2 := math.Exp(f(c-x)-top), math.Exp(f(c+x)-top)
		fv[2*j], fv[2*j+1] = f1, f2
		kr += gkWK[j] * (f1 + f2)
		if j%2 == 1 {
			g += gkWG[j/2] * (f1 + f2)
		}
	}
	mean := kr / 2
	asc := gkWK[7] * math.Abs(fc-mean)
	for j := range 7 {
		asc += gkWK[j] * (math.Abs(fv[2*j]-mean) + math.Abs(fv[2*j+1]-mean))
	}
	kr, g, asc = kr*h, g*h, asc*math.Abs(h)
	err := math.Abs(kr - g)
	if asc != 0 && err != 0 {
		err = asc * min(1, math.Pow(200*err/asc, 1.5))
	}
	return gkPanel{a: a, b: b, k: kr, err: err}
}

// logIntegralGK returns ln ∫ e^f over [edges[0], edges[len−1]] by globally adaptive
// Gauss–Kronrod quadrature, starting from the panels between consecutive edges and
// halving the panel with the largest error estimate until the estimated total error is
// below 1e-13 of the integral; top should be about the maximum of f (the integrand is
// summed as e^(f − top)). ok is false if that takes more than maxPanels panels or the
// integral is not positive and finite.
func logIntegralGK(f func(float64) float64, top float64, edges []float64, maxPanels int) (float64, bool) {
	const rel = 1e-11
	var panels []gkPanel
	for i := 1; i < len(edges); i++ {
		if edges[i] > edges[i-1] {
			panels = append(panels, gk15(f, top, edges[i-1], edges[i]))
		}
	}
	if len(panels) == 0 {
		return 0, false
	}
	for {
		total, errSum, worst := 0.0, 0.0, 0
		for i, pn := range panels {
			total += pn.k
			errSum += pn.err
			if pn.err > panels[worst].err {
				worst = i
			}
		}
		if !(total > 0) || !finiteNum(total) || !finiteNum(errSum) {
			return 0, false
		}
		if errSum <= rel*total {
			return math.Log(total), true
		}
		if len(panels) >= maxPanels {
			return 0, false
		}
		w := panels[worst]
		mid := w.a + (w.b-w.a)/2
		if !(mid > w.a && mid < w.b) {
			return 0, false
		}
		panels[worst] = gk15(f, top, w.a, mid)
		panels = append(panels, gk15(f, top, mid, w.b))
	}
}
