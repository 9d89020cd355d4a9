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

// Validate reports a *crm.ValidationError unless every parameter is positive and finite.
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
