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
			s += c.Weight * bgbbLogL(p, c.Frequency, int(c.Recency), int(c.T))
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

// bgbbLogL is the log-likelihood of one (x, t_x, n) history (FHS 2010, eq. 5).
func bgbbLogL(p BGBBParams, x, tx, n int) float64 {
	fx, ftx, fn := float64(x), float64(tx), float64(n)
	lab, lgd := lnBeta(p.Alpha, p.Beta), lnBeta(p.Gamma, p.Delta)
	l := lnBeta(p.Alpha+fx, p.Beta+fn-fx) - lab + lnBeta(p.Gamma, p.Delta+fn) - lgd
	for i := 0; i < n-tx; i++ {
		fi := float64(i)
		l = logAddExp(l, lnBeta(p.Alpha+fx, p.Beta+ftx-fx+fi)-lab+lnBeta(p.Gamma+1, p.Delta+ftx+fi)-lgd)
	}
	return l
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
		l := bgbbLogL(m.Params, c.Frequency, int(c.Recency), int(c.T))
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
// opportunity n+k, k ≥ 0.
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
	p := m.Params
	fx := float64(x)
	l := lnBeta(p.Alpha+fx, p.Beta+n-fx) - lnBeta(p.Alpha, p.Beta) + lnBeta(p.Gamma, p.Delta+n+float64(k)) - lnBeta(p.Gamma, p.Delta) -
		bgbbLogL(p, x, int(tx), int(n))
	return probability("P(alive)", l)
}

// ExpectedPurchases returns E[X(n)], the expected number of transactions of a new
// customer in the first n opportunities (FHS 2010, eq. 8):
//
//	α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))],
//
// with the limit taken at γ = 1.
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
	v, err := nearOneLimit(p.Gamma, func(g float64) (float64, error) {
		d := lnGamma(g+p.Delta) - lnGamma(g+p.Delta+n) + lnGamma(1+p.Delta+n) - lnGamma(1+p.Delta)
		return p.Alpha / (p.Alpha + p.Beta) * p.Delta / (g - 1) * -math.Expm1(d), nil
	})
	if err != nil {
		return 0, err
	}
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
// in log space, with the limit taken at γ = 1.
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
	fx := float64(x)
	logL := bgbbLogL(p, x, int(tx), int(n))
	v, err := nearOneLimit(p.Gamma, func(g float64) (float64, error) {
		lpre := lnBeta(p.Alpha+fx+1, p.Beta+n-fx) - lnBeta(p.Alpha, p.Beta) + lnGamma(g+p.Delta) - lnGamma(1+p.Delta) - logL
		a := lnGamma(1+p.Delta+n) - lnGamma(g+p.Delta+n)
		b := lnGamma(1+p.Delta+n+t) - lnGamma(g+p.Delta+n+t)
		// e^a − e^b = e^a·(−expm1(b − a)); its sign matches γ − 1's
		return p.Delta / (g - 1) * math.Exp(lpre+a) * -math.Expm1(b-a), nil
	})
	if err != nil {
		return 0, err
	}
	if logL > 1e-9 {
		return 0, fmt.Errorf("conditional expected purchases: log-likelihood %g > 0: %w", logL, ErrNumerical)
	}
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
//	  + Σ_{i=x}^{n−1} C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ).
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
	lab, lgd := lnBeta(p.Alpha, p.Beta), lnBeta(p.Gamma, p.Delta)
	lchoose := func(i float64) float64 { return lnGamma(i+1) - lnGamma(fx+1) - lnGamma(i-fx+1) }
	l := lchoose(n) + lnBeta(p.Alpha+fx, p.Beta+n-fx) - lab + lnBeta(p.Gamma, p.Delta+n) - lgd
	for i := fx; i < n; i++ {
		l = logAddExp(l, lchoose(i)+lnBeta(p.Alpha+fx, p.Beta+i-fx)-lab+lnBeta(p.Gamma+1, p.Delta+i)-lgd)
	}
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
