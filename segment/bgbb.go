package segment

import (
	"fmt"
	"math"
)

// BGBBParams are the parameters of the discrete-time BG/BB model (Fader, Hardie & Shang
// 2010, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting", Marketing
// Science 29(6)): at each transaction opportunity an active customer buys with
// probability p ~ Beta(Alpha, Beta) and, after it, drops out with probability
// θ ~ Beta(Gamma, Delta).
type BGBBParams struct {
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
	Gamma float64 `json:"gamma"`
	Delta float64 `json:"delta"`
}

// Validate reports a *kehu.ValidationError unless every parameter is positive and finite.
func (p BGBBParams) Validate() error {
	return checkModelParams([]string{"alpha", "beta", "gamma", "delta"}, p.Alpha, p.Beta, p.Gamma, p.Delta)
}

// BGBB is a BG/BB model: its parameters and, when fitted, the fit. Its histories are
// (x, t_x, n) in whole transaction opportunities: x repeat transactions, the last at
// opportunity t_x (0 if none), out of n. They travel in RFCell as Frequency, Recency and
// T, and the TransactionModel methods take them in the same places; every time argument
// must be a whole number.
type BGBB struct {
	Params BGBBParams `json:"params"`
	// Stats describes the fit; zero for a model built with NewBGBB.
	Stats FitStats `json:"stats"`
}

// NewBGBB returns a BG/BB model with known parameters.
func NewBGBB(p BGBBParams) (*BGBB, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &BGBB{Params: p}, nil
}

// FitBGBB fits the BG/BB model to summaries whose Frequency, Recency and T count whole
// transaction opportunities, after grouping identical histories. See FitBGBBCells.
func FitBGBB(summaries []Summary, opts *FitOptions) (*BGBB, error) {
	cells, err := GroupSummaries(summaries)
	if err != nil {
		return nil, err
	}
	return FitBGBBCells(cells, opts)
}

// checkDiscreteCells validates BG/BB cells.
func checkDiscreteCells(cells []RFCell) error {
	var p fieldProblems
	if len(cells) == 0 {
		p.add("cells", "required", "there are no customers")
	}
	for i := range cells {
		c := &cells[i]
		prefix := fmt.Sprintf("cells[%d].", i)
		checkDiscreteHistory(&p, prefix, c.Frequency, c.Recency, c.T)
		checkCellWeight(&p, prefix, c.Weight)
	}
	return p.err()
}

// FitBGBBCells fits the BG/BB model by maximum likelihood to weighted (x, t_x, n) cells,
// the recency/frequency matrix of Fader, Hardie & Shang (2010, eq. 5):
//
//	L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//	  + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ),
//
// summed as a log-sum-exp. n is at most MaxOpportunities. The optimiser is gonum's BFGS
// on log-parameters with a central-difference gradient. Errors are as for FitBGNBDCells.
func FitBGBBCells(cells []RFCell, opts *FitOptions) (*BGBB, error) {
	o, err := opts.resolve(4)
	if err != nil {
		return nil, err
	}
	if err := checkDiscreteCells(cells); err != nil {
		return nil, err
	}
	total, sumX := 0.0, 0.0
	for _, c := range cells {
		total += c.Weight
		sumX += c.Weight * float64(c.Frequency)
	}
	if sumX == 0 {
		return nil, invalidArg("cells", "degenerate", "no customer made a repeat purchase: the data cannot identify BG/BB")
	}
	start := o.Start
	if start == nil {
		start = []float64{1, 1, 1, 1}
	}
	ll := func(p BGBBParams) float64 {
		s := 0.0
		for _, c := range cells {
			l, ok := bgbbLogL(p, c.Frequency, int(c.Recency), int(c.T))
			if !ok {
				return math.NaN()
			}
			s += c.Weight * l
		}
		return s
	}
	fromLog := func(x []float64) BGBBParams {
		return BGBBParams{Alpha: math.Exp(x[0]), Beta: math.Exp(x[1]), Gamma: math.Exp(x[2]), Delta: math.Exp(x[3])}
	}
	obj := fitObjective{
		name:   "BG/BB",
		weight: total,
		f: func(x []float64) float64 {
			return -ll(fromLog(x))/total + l2Penalty(o.Penalizer, x, nil)
		},
	}
	res, err := minimizeLogParams(obj, start, o)
	if err != nil {
		return nil, err
	}
	p := BGBBParams{Alpha: res.params[0], Beta: res.params[1], Gamma: res.params[2], Delta: res.params[3]}
	return &BGBB{Params: p, Stats: res.stats(ll(p), total, len(cells))}, nil
}

// bgbbLogL is the log-likelihood of one (x, t_x, n) history (FHS 2010, eq. 5), its
// beta-function ratios taken as products of ratios (lnPochRatio) and each term of the
// sum from the previous one, so that no difference of large log-gamma values loses
// digits: with m = t_x − x + i,
//
//	B(α+x, β+m)/B(α, β) = (α)_x (β)_m / (α+β)_(x+m),
//	B(γ+1, δ+t_x+i)/B(γ, δ) = γ/(γ+δ) · (δ)_(t_x+i) / (γ+δ+1)_(t_x+i).
//
// ok is false when a ratio cannot be evaluated to about 10⁻¹¹ (see lnPochRatio).
func bgbbLogL(p BGBBParams, x, tx, n int) (float64, bool) {
	fx, ftx, fn := float64(x), float64(tx), float64(n)
	ab := p.Alpha + p.Beta
	lx, ok1 := lnPochRatio(p.Alpha, ab, fx) // (α)_x/(α+β)_x
	ln1, ok2 := lnPochRatio(p.Beta, ab+fx, fn-fx)
	lsurv, ok3 := lnPochRatio(p.Delta, p.Gamma+p.Delta, fn)
	la, ok4 := lnPochRatio(p.Beta, ab+fx, ftx-fx)
	ld, ok5 := lnPochRatio(p.Delta, p.Gamma+p.Delta+1, ftx)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return 0, false
	}
	l := lx + ln1 + lsurv
	la += lx
	ld += math.Log(p.Gamma / (p.Gamma + p.Delta))
	for i := 0; i < n-tx; i++ {
		fi := float64(i)
		l = logAddExp(l, la+ld)
		la += math.Log((p.Beta + ftx - fx + fi) / (ab + ftx + fi))
		ld += math.Log((p.Delta + ftx + fi) / (p.Gamma + p.Delta + 1 + ftx + fi))
	}
	return l, !math.IsNaN(l)
}

// bgbbAliveLog returns ln P(alive at opportunity n+k | x, t_x, n) = ln[B(α+x, β+n−x)/B(α, β)
// · B(γ, δ+n+k)/B(γ, δ) / L] (FHS 2010, eq. A10).
func bgbbAliveLog(p BGBBParams, k int, x int, tx, n float64) (float64, error) {
	fx := float64(x)
	ab := p.Alpha + p.Beta
	logL, ok := bgbbLogL(p, x, int(tx), int(n))
	lx, ok1 := lnPochRatio(p.Alpha, ab, fx)
	ln1, ok2 := lnPochRatio(p.Beta, ab+fx, n-fx)
	lsurv, ok3 := lnPochRatio(p.Delta, p.Gamma+p.Delta, n+float64(k))
	if !(ok && ok1 && ok2 && ok3) {
		return 0, fmt.Errorf("BG/BB: beta ratios for (%d, %v, %v) with %+v: %w", x, tx, n, p, ErrNumerical)
	}
	if logL > 1e-9 {
		return 0, fmt.Errorf("BG/BB: log-likelihood of (%d, %v, %v) is %g > 0: %w", x, tx, n, logL, ErrNumerical)
	}
	return lx + ln1 + lsurv - logL, nil
}

// survivalSum returns Σ_{i=1}^{t} (u)_i/(v)_i, the expected number of the next t
// opportunities at which a customer is still active (u = δ+n, v = γ+δ+n, given active
// at n). Every term is positive and each is the
// previous one times a ratio, accurate to about t·10⁻¹⁶; the sum stops once the rest
// is below 10⁻¹⁷ of it.
func survivalSum(u, v, t float64) float64 {
	s, prod := 0.0, 1.0
	for k := 0.0; k < t; k++ {
		prod *= (u + k) / (v + k)
		s += prod
		if (t-k-1)*prod <= 1e-17*s {
			break
		}
	}
	return s
}

// wholeHistory validates a BG/BB history given as float arguments.
func wholeHistory(x int, tx, n float64) error {
	var p fieldProblems
	checkDiscreteHistory(&p, "", x, tx, n)
	return p.err()
}

// wholeHorizon validates a number of future opportunities.
func wholeHorizon(t float64) error {
	if !finiteNum(t) || t < 0 || t != math.Trunc(t) || t > MaxOpportunities {
		return invalidArg("t", "range", fmt.Sprintf("%v is not a whole number of opportunities up to %d", t, MaxOpportunities))
	}
	return nil
}

// LogLikelihood returns the total log-likelihood Σ weight·ln L of the cells.
func (m *BGBB) LogLikelihood(cells []RFCell) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkDiscreteCells(cells); err != nil {
		return 0, err
	}
	s := 0.0
	for _, c := range cells {
		l, ok := bgbbLogL(m.Params, c.Frequency, int(c.Recency), int(c.T))
		if !ok {
			return 0, fmt.Errorf("BG/BB log-likelihood of (%d, %v, %v): %w", c.Frequency, c.Recency, c.T, ErrNumerical)
		}
		if l > 1e-9 { // a probability above 1: precision lost to extreme parameters
			return 0, fmt.Errorf("BG/BB log-likelihood of (%d, %v, %v) is %g > 0: %w", c.Frequency, c.Recency, c.T, l, ErrNumerical)
		}
		s += c.Weight * min(l, 0)
	}
	return finiteResult("log-likelihood", s)
}

// ProbabilityAlive returns the probability that a customer with history (x, t_x, n) is
// still active at the next opportunity, n+1 (FHS 2010, eq. A10 with m = 1; Table 6's
// "P(alive in 2002)"):
//
//	B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L(α, β, γ, δ | x, t_x, n).
func (m *BGBB) ProbabilityAlive(x int, tx, n float64) (float64, error) {
	return m.ProbabilityAliveIn(1, x, tx, n)
}

// ProbabilityAliveIn returns the probability that the customer is still active at
// opportunity n+k, k ≥ 0. Its beta ratios are products of ratios (accurate for large
// parameters, where differences of log-gamma values are not); a value that cannot be
// evaluated to about 10⁻¹⁰ is ErrNumerical.
func (m *BGBB) ProbabilityAliveIn(k int, x int, tx, n float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := wholeHistory(x, tx, n); err != nil {
		return 0, err
	}
	if k < 0 || k > MaxOpportunities {
		return 0, invalidArg("k", "range", fmt.Sprintf("%d is not between 0 and %d", k, MaxOpportunities))
	}
	l, err := bgbbAliveLog(m.Params, k, x, tx, n)
	if err != nil {
		return 0, err
	}
	return probability("P(alive)", l)
}

// ExpectedPurchases returns E[X(n)], the expected number of transactions of a new
// customer in the first n opportunities (FHS 2010, eq. 8):
//
//	α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))] = α/(α+β) · Σ_{i=1}^{n} (δ)_i/(γ+δ)_i,
//
// the purchase probability times the expected number of opportunities at which the
// customer is active. The sum is what is evaluated: its terms are positive, so it
// needs no limit at γ = 1 and loses no digits when δ is large, where the closed form
// subtracts nearly equal numbers. It is accurate to about n·10⁻¹⁶ relatively.
func (m *BGBB) ExpectedPurchases(n float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := wholeHorizon(n); err != nil {
		return 0, err
	}
	p := m.Params
	v := p.Alpha / (p.Alpha + p.Beta) * survivalSum(p.Delta, p.Gamma+p.Delta, n)
	return bounded("expected purchases", v, n)
}

// bounded returns v when 0 ≤ v ≤ hi (up to rounding), clamped, and ErrNumerical
// otherwise: at most one transaction per opportunity.
func bounded(what string, v, hi float64) (float64, error) {
	slack := 1e-6*hi + 1e-300
	if !(v >= -slack && v <= hi+slack) {
		return 0, fmt.Errorf("%s: %g is outside [0, %g]: %w", what, v, hi, ErrNumerical)
	}
	return min(max(v, 0), hi), nil
}

// ConditionalExpectedPurchases returns E[X(n, n+t) | x, t_x, n], the expected number of
// transactions in the next t opportunities (FHS 2010, eq. 13):
//
//	B(α+x+1, β+n−x)/B(α, β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
//	  · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+t)/Γ(γ+δ+n+t)] / L,
//
// evaluated as the equal sum (α+x)/(α+β+n) · P(alive at n) · Σ_{i=1}^{t}
// (δ+n)_i/(γ+δ+n)_i — the posterior purchase probability times the expected number of
// the next t opportunities at which the customer is active — whose terms are positive
// (no limit at γ = 1, no cancellation for large δ). Accurate to about (n+t)·10⁻¹⁶
// relatively.
func (m *BGBB) ConditionalExpectedPurchases(t float64, x int, tx, n float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := wholeHorizon(t); err != nil {
		return 0, err
	}
	if err := wholeHistory(x, tx, n); err != nil {
		return 0, err
	}
	p := m.Params
	la, err := bgbbAliveLog(p, 0, x, tx, n)
	if err != nil {
		return 0, err
	}
	alive := math.Exp(min(la, 0))
	v := (p.Alpha + float64(x)) / (p.Alpha + p.Beta + n) * alive * survivalSum(p.Delta+n, p.Gamma+p.Delta+n, t)
	return bounded("conditional expected purchases", v, t)
}

// PurchaseRate returns the posterior mean purchase probability per opportunity while
// active, (α+x)/(α+β+n).
func (m *BGBB) PurchaseRate(x int, tx, n float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := wholeHistory(x, tx, n); err != nil {
		return 0, err
	}
	return finiteResult("purchase rate", (m.Params.Alpha+float64(x))/(m.Params.Alpha+m.Params.Beta+n))
}

// ProbabilityOfPurchases returns P(X(n) = x), the probability that a new customer makes
// exactly x transactions in the first n opportunities (FHS 2010, eq. 7):
//
//	C(n, x) B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//	  + Σ_{i=x}^{n−1} C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ),
//
// each term from the previous one by ratios, so that large parameters lose no digits;
// a value that cannot be evaluated to about 10⁻¹⁰ is ErrNumerical.
func (m *BGBB) ProbabilityOfPurchases(x int, n float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := wholeHorizon(n); err != nil {
		return 0, err
	}
	if x < 0 {
		return 0, invalidArg("x", "range", fmt.Sprintf("%d is negative", x))
	}
	if float64(x) > n {
		return 0, nil
	}
	p := m.Params
	fx := float64(x)
	ab := p.Alpha + p.Beta
	// terms i = x … n−1 and the no-dropout term, each from the previous by ratios:
	// ln C(i, x), ln B(α+x, β+i−x)/B(α, β) and ln B(γ+1, δ+i)/B(γ, δ)
	la, ok1 := lnPochRatio(p.Alpha, ab, fx)
	ld, ok2 := lnPochRatio(p.Delta, p.Gamma+p.Delta+1, fx)
	lsurv, ok3 := lnPochRatio(p.Delta, p.Gamma+p.Delta, n)
	if !(ok1 && ok2 && ok3) {
		return 0, fmt.Errorf("probability of purchases: beta ratios for x = %d, n = %v: %w", x, n, ErrNumerical)
	}
	ld += math.Log(p.Gamma / (p.Gamma + p.Delta))
	lc := 0.0
	l := math.Inf(-1)
	for i := fx; i < n; i++ {
		l = logAddExp(l, lc+la+ld)
		lc += math.Log((i + 1) / (i + 1 - fx))
		la += math.Log((p.Beta + i - fx) / (ab + i))
		ld += math.Log((p.Delta + i) / (p.Gamma + p.Delta + 1 + i))
	}
	l = logAddExp(l, lc+la+lsurv)
	return probability("probability of purchases", l)
}

// probability returns e^l for a log-probability l, or ErrNumerical when l is clearly
// above 0 (precision lost to extreme parameters).
func probability(what string, l float64) (float64, error) {
	if math.IsNaN(l) || l > 1e-9 {
		return 0, fmt.Errorf("%s: log-probability %g: %w", what, l, ErrNumerical)
	}
	return math.Exp(min(l, 0)), nil
}
