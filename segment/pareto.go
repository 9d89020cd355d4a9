package segment

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/integrate/quad"
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
// log space and A₀ as a signed log-sum-exp, ln(e^l₁ − e^l₂), so that heavy buyers and
// extreme α/β ratios do not overflow. The optimiser is gonum's BFGS on log-parameters
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

// paretoLogA0 returns ln A₀ of Fader & Hardie's note (eqs. 19–20):
//
//	A₀ = ₂F₁(r+s+x, c; r+s+x+1; |α−β|/(m+t_x)) / (m+t_x)^(r+s+x)
//	   − ₂F₁(r+s+x, c; r+s+x+1; |α−β|/(m+T)) / (m+T)^(r+s+x),
//
// with m = max(α, β) and c = s+1 when α ≥ β, c = r+x otherwise; −Inf when A₀ = 0
// (t_x = T). ok is false when a ₂F₁ term cannot be evaluated.
func paretoLogA0(p ParetoNBDParams, x int, tx, T float64) (float64, bool) {
	fx := float64(x)
	rsx := p.R + p.S + fx
	m, lo, c := p.Alpha, p.Beta, p.S+1
	if p.Alpha < p.Beta {
		m, lo, c = p.Beta, p.Alpha, p.R+fx
	}
	d := m - lo
	l1, s1, ok1 := log2F1(rsx, c, rsx+1, d/(m+tx), (lo+tx)/(m+tx))
	l2, s2, ok2 := log2F1(rsx, c, rsx+1, d/(m+T), (lo+T)/(m+T))
	if !ok1 || !ok2 || s1 < 0 || s2 < 0 {
		return 0, false
	}
	l1 -= rsx * math.Log(m+tx)
	l2 -= rsx * math.Log(m+T)
	return logSubExp(l1, l2), true
}

// paretoLogL is the log-likelihood of one history (eq. 18).
func paretoLogL(p ParetoNBDParams, x int, tx, T float64) (float64, bool) {
	fx := float64(x)
	logA0, ok := paretoLogA0(p, x, tx, T)
	if !ok {
		return 0, false
	}
	a1 := lnGamma(p.R+fx) - lnGamma(p.R) + p.R*math.Log(p.Alpha) + p.S*math.Log(p.Beta)
	a2 := logAddExp(-(p.R+fx)*math.Log(p.Alpha+T)-p.S*math.Log(p.Beta+T), math.Log(p.S)+logA0-math.Log(p.R+p.S+fx))
	v := a1 + a2
	return v, finiteNum(v)
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
//	1 / [1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀].
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

// paretoAlive is ProbabilityAlive without the input checks.
func paretoAlive(p ParetoNBDParams, x int, tx, T float64) (float64, error) {
	fx := float64(x)
	logA0, ok := paretoLogA0(p, x, tx, T)
	if !ok {
		return 0, fmt.Errorf("Pareto/NBD P(alive): %w", ErrNumerical)
	}
	l := math.Log(p.S) - math.Log(p.R+p.S+fx) + (p.R+fx)*math.Log(p.Alpha+T) + p.S*math.Log(p.Beta+T) + logA0
	return finiteResult("P(alive)", logisticOf(l))
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
// exactly n purchases in a period of length t. It is the closed form of Fader, Hardie &
// Lee's note "Deriving an Expression for P(X(t) = x) Under the Pareto/NBD Model" (2006,
// eq. 13): with NB(n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n,
//
//	P(X(t) = n) = NB(n) (β/(β+t))^s
//	            + α^r β^s B(r+n, s+1)/B(r, s) · [ B₁ − Σ_{i=0}^{n} Γ(r+s+i)/(Γ(r+s) i!) t^i B₂(i) ],
//
// where, for α ≥ β (m = α, c = s+1) or α < β (m = β, c = r+n), and d = |α−β|,
//
//	B₁ = ₂F₁(r+s, c; r+s+n+1; d/m) / m^(r+s),
//	B₂(i) = ₂F₁(r+s+i, c; r+s+n+1; d/(m+t)) / (m+t)^(r+s+i).
//
// The first term is the customer still active at t; the bracket is the customer dying at
// some τ < t after exactly n purchases. Every term is evaluated in log space. When the
// bracket loses more than six of its digits to cancellation (short periods, or n far
// above the mean) or a ₂F₁ cannot be evaluated, the second term is computed instead from
// the same model integrated analytically over λ and μ but not over τ,
//
//	Γ(r+n)/(Γ(r) n!) α^r s β^s ∫₀ᵗ τ^n (α+τ)^−(r+n) (β+τ)^−(s+1) dτ,
//
// by 16-point Gauss–Legendre on panels graded dyadically towards both ends of [0, t],
// which resolves the scales α, β and t/n and is accurate to about 1e-12 relative.
// n must be ≥ 0 and t finite and ≥ 0; the result is never NaN or Inf (ErrNumerical).
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
	fn := float64(n)
	lnb := lnGamma(p.R+fn) - lnGamma(p.R) - lnGamma(fn+1)
	// active at t: NB(n) (β/(β+t))^s
	l1 := lnb - p.R*math.Log1p(t/p.Alpha) - p.S*math.Log1p(t/p.Beta)
	if n > 0 {
		l1 += fn * (math.Log(t) - math.Log(p.Alpha+t))
	}
	// died before t after n purchases
	l2, ok := paretoLogDied(p, n, t)
	if !ok {
		l2, ok = paretoLogDiedQuad(p, n, t)
		if !ok {
			return 0, fmt.Errorf("Pareto/NBD probability of %d purchases in %v: %w", n, t, ErrNumerical)
		}
	}
	v, err := finiteResult("probability of purchases", math.Exp(logAddExp(l1, l2)))
	if err != nil {
		return 0, err
	}
	return min(max(v, 0), 1), nil
}

// paretoLogDied returns the log of the second term of ProbabilityOfPurchases by the
// closed form; ok is false when a ₂F₁ fails or the bracket B₁ − Σ… keeps fewer than six
// significant digits.
func paretoLogDied(p ParetoNBDParams, n int, t float64) (float64, bool) {
	fn := float64(n)
	rs := p.R + p.S
	m, lo, c := p.Alpha, p.Beta, p.S+1
	if p.Alpha < p.Beta {
		m, lo, c = p.Beta, p.Alpha, p.R+fn
	}
	d := m - lo
	cc := rs + fn + 1
	lB1, s1, ok := log2F1(rs, c, cc, d/m, lo/m)
	if !ok || s1 < 0 {
		return 0, false
	}
	lB1 -= rs * math.Log(m)
	z, w := d/(m+t), (lo+t)/(m+t)
	lmt, lt, lgrs := math.Log(m+t), math.Log(t), lnGamma(rs)
	sum := math.Inf(-1)
	for i := 0; i <= n; i++ {
		fi := float64(i)
		lf, sf, ok := log2F1(rs+fi, c, cc, z, w)
		if !ok || sf < 0 {
			return 0, false
		}
		sum = logAddExp(sum, lnGamma(rs+fi)-lgrs-lnGamma(fi+1)+fi*lt+lf-(rs+fi)*lmt)
	}
	// keep the closed form only when the difference keeps six digits: e^sum ≤ (1−1e-6) e^lB1
	if !finiteNum(lB1) || !finiteNum(sum) || sum-lB1 > math.Log1p(-1e-6) {
		return 0, false
	}
	pre := p.R*math.Log(p.Alpha) + p.S*math.Log(p.Beta) + lnBeta(p.R+fn, p.S+1) - lnBeta(p.R, p.S)
	v := pre + logSubExp(lB1, sum)
	return v, finiteNum(v)
}

// paretoLogDiedQuad returns the log of the second term of ProbabilityOfPurchases by
// Gauss–Legendre quadrature over the dropout time τ (see ProbabilityOfPurchases). The
// integrand is summed in log space relative to its largest node value.
func paretoLogDiedQuad(p ParetoNBDParams, n int, t float64) (float64, bool) {
	fn := float64(n)
	logf := func(tau float64) float64 {
		v := -(p.R+fn)*math.Log(p.Alpha+tau) - (p.S+1)*math.Log(p.Beta+tau)
		if n > 0 {
			v += fn * math.Log(tau)
		}
		return v
	}
	const nodes, levels = 16, 60
	x, wt := make([]float64, nodes), make([]float64, nodes)
	var ls, lw []float64 // log integrand and log weight at every node
	panel := func(a, b float64) {
		if !(b > a) {
			return
		}
		paretoLegendre(x, wt, a, b)
		for k := range x {
			ls = append(ls, logf(x[k]))
			lw = append(lw, math.Log(wt[k]))
		}
	}
	// [0, t/2] graded towards 0, [t/2, t] graded towards t
	h := t / 2
	panel(0, h*math.Ldexp(1, -levels))
	for k := levels; k >= 1; k-- {
		panel(h*math.Ldexp(1, -k), h*math.Ldexp(1, -k+1))
	}
	for k := 1; k <= levels; k++ {
		panel(t-h*math.Ldexp(1, -k+1), t-h*math.Ldexp(1, -k))
	}
	panel(t-h*math.Ldexp(1, -levels), t)
	top := math.Inf(-1)
	for k := range ls {
		top = max(top, ls[k]+lw[k])
	}
	if !finiteNum(top) {
		return 0, false
	}
	s := 0.0
	for k := range ls {
		s += math.Exp(ls[k] + lw[k] - top)
	}
	v := lnGamma(p.R+fn) - lnGamma(p.R) - lnGamma(fn+1) + p.R*math.Log(p.Alpha) + math.Log(p.S) + p.S*math.Log(p.Beta) + top + math.Log(s)
	return v, finiteNum(v)
}

// paretoLegendre fills x and w with the Gauss–Legendre nodes and weights on [a, b].
func paretoLegendre(x, w []float64, a, b float64) {
	quad.Legendre{}.FixedLocations(x, w, a, b)
}
