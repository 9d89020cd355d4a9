package segment

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// GammaGammaParams are the parameters of the Gamma-Gamma spend model (Fader & Hardie
// 2013, "The Gamma-Gamma Model of Monetary Value", note 025; after Colombo & Jiang 1999):
// a customer's transaction values are Gamma(shape P, rate ν) around their mean spend,
// and ν ~ Gamma(shape Q, rate V) across customers. V is in money units.
type GammaGammaParams struct {
	P float64 `json:"p"`
	Q float64 `json:"q"`
	V float64 `json:"v"`
}

// Validate reports a *kehu.ValidationError unless every parameter is positive and finite.
func (p GammaGammaParams) Validate() error {
	return checkModelParams([]string{"p", "q", "v"}, p.P, p.Q, p.V)
}

// GammaGamma is a Gamma-Gamma spend model: its parameters and, when fitted, the fit. The
// model assumes that spend per transaction is independent of purchase frequency; check
// the correlation of the two on the repeat customers before using it.
type GammaGamma struct {
	Params GammaGammaParams `json:"params"`
	// Stats describes the fit; zero for a model built with NewGammaGamma.
	Stats FitStats `json:"stats"`
}

// NewGammaGamma returns a Gamma-Gamma model with known parameters.
func NewGammaGamma(p GammaGammaParams) (*GammaGamma, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &GammaGamma{Params: p}, nil
}

// FitGammaGamma fits the Gamma-Gamma model to the repeat customers of the summaries
// (Frequency ≥ 1, Monetary the mean repeat spend); one-time buyers are skipped. See
// GroupSpend and FitGammaGammaCells.
func FitGammaGamma(summaries []Summary, opts *FitOptions) (*GammaGamma, error) {
	cells, err := GroupSpend(summaries)
	if err != nil {
		return nil, err
	}
	return FitGammaGammaCells(cells, opts)
}

// checkSpendCells validates Gamma-Gamma cells.
func checkSpendCells(cells []SpendCell) error {
	var p fieldProblems
	if len(cells) == 0 {
		p.add("cells", "required", "there are no repeat customers")
	}
	for i := range cells {
		c := &cells[i]
		prefix := fmt.Sprintf("cells[%d].", i)
		if c.Frequency < 1 {
			p.add(prefix+"frequency", "range", "%d is not a repeat customer's (at least 1)", c.Frequency)
		}
		if !(c.Mean > 0) || math.IsInf(c.Mean, 0) {
			p.add(prefix+"mean", "range", "%v is not a positive finite amount", c.Mean)
		}
		checkCellWeight(&p, prefix, c.Weight)
	}
	return p.err()
}

// FitGammaGammaCells fits the Gamma-Gamma model by maximum likelihood to weighted
// (x, m̄) cells of repeat customers. The log-likelihood of a customer's mean spend m̄
// over x transactions is (note 025, eq. 3, as lifetimes computes it)
//
//	ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m̄ + px ln x − (px+q) ln(v + x m̄).
//
// The optimiser is gonum's BFGS on log-parameters with the analytic gradient. Errors
// are as for FitBGNBDCells; cells whose mean spends are all equal cannot identify the
// model (rule "degenerate").
func FitGammaGammaCells(cells []SpendCell, opts *FitOptions) (*GammaGamma, error) {
	o, err := opts.resolve(3)
	if err != nil {
		return nil, err
	}
	if err := checkSpendCells(cells); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(cells, func(c SpendCell) bool { return c.Mean != cells[0].Mean }) {
		// The likelihood grows without bound as the spread of spend goes to 0.
		return nil, invalidArg("cells", "degenerate", "every repeat customer's mean spend is the same: the data cannot identify how spend varies")
	}
	total, sumM := 0.0, 0.0
	for _, c := range cells {
		total += c.Weight
		sumM += c.Weight * c.Mean
	}
	start := o.Start
	if start == nil {
		// p = 1, q = 2: the population mean spend p·v/(q−1) is the sample mean.
		start = []float64{1, 2, sumM / total}
	}
	obj := fitObjective{
		name:   "Gamma-Gamma",
		weight: total,
		f: func(x []float64) float64 {
			return -ggEval(cells, x, nil)/total + l2Penalty(o.Penalizer, x, nil)
		},
		grad: func(g, x []float64) {
			ggEval(cells, x, g)
			for i := range g {
				g[i] = -g[i] / total
			}
			l2Penalty(o.Penalizer, x, g)
		},
	}
	res, err := minimizeLogParams(obj, start, o)
	if err != nil {
		return nil, err
	}
	p := GammaGammaParams{P: res.params[0], Q: res.params[1], V: res.params[2]}
	ll := ggEval(cells, []float64{math.Log(p.P), math.Log(p.Q), math.Log(p.V)}, nil)
	return &GammaGamma{Params: p, Stats: res.stats(ll, total, len(cells))}, nil
}

// ggEval returns the total log-likelihood at log-parameters lx and, if g is not nil,
// writes its gradient with respect to lx.
func ggEval(cells []SpendCell, lx []float64, g []float64) float64 {
	p, q, v := math.Exp(lx[0]), math.Exp(lx[1]), math.Exp(lx[2])
	lgq, lv := lnGamma(q), math.Log(v)
	var psq float64
	if g != nil {
		psq = mathext.Digamma(q)
		g[0], g[1], g[2] = 0, 0, 0
	}
	ll := 0.0
	for _, c := range cells {
		x := float64(c.Frequency)
		px := p * x
		lm, lnx, lxmv := math.Log(c.Mean), math.Log(x), math.Log(x*c.Mean+v)
		ll += c.Weight * (lnGamma(px+q) - lnGamma(px) - lgq + q*lv + (px-1)*lm + px*lnx - (px+q)*lxmv)
		if g != nil {
			pspq := mathext.Digamma(px + q)
			g[0] += c.Weight * x * (pspq - mathext.Digamma(px) + lm + lnx - lxmv)
			g[1] += c.Weight * (pspq - psq + lv - lxmv)
			g[2] += c.Weight * (q/v - (px+q)/(x*c.Mean+v))
		}
	}
	if g != nil {
		g[0] *= p
		g[1] *= q
		g[2] *= v
	}
	if math.IsNaN(ll) {
		return math.Inf(-1)
	}
	return ll
}

// LogLikelihood returns the total log-likelihood Σ weight·ln L of the spend cells.
func (m *GammaGamma) LogLikelihood(cells []SpendCell) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkSpendCells(cells); err != nil {
		return 0, err
	}
	p := m.Params
	return finiteResult("log-likelihood", ggEval(cells, []float64{math.Log(p.P), math.Log(p.Q), math.Log(p.V)}, nil))
}

// ExpectedSpend returns the population mean spend per transaction, p·v/(q−1); it
// exists only for q > 1.
func (m *GammaGamma) ExpectedSpend() (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	p := m.Params
	if !(p.Q > 1) {
		return 0, invalidArg("q", "range", fmt.Sprintf("%v: the mean spend p·v/(q−1) exists only for q > 1", p.Q))
	}
	return finiteResult("expected spend", p.P*p.V/(p.Q-1))
}

// ConditionalExpectedSpend returns E[M | x, m̄], the expected mean spend per
// transaction of a customer with x repeat transactions of mean value m̄ (note 025,
// eq. 5; lifetimes' conditional_expected_average_profit):
//
//	p(v + x m̄) / (px + q − 1),
//
// a weighted average of the population mean p·v/(q−1) and the customer's own m̄. For
// x = 0 it is the population mean (m̄ is ignored). It needs px + q > 1.
func (m *GammaGamma) ConditionalExpectedSpend(x int, mean float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if x < 0 {
		return 0, invalidArg("frequency", "range", fmt.Sprintf("%d is negative", x))
	}
	if x == 0 {
		return m.ExpectedSpend()
	}
	if !finiteNum(mean) || mean < 0 {
		return 0, invalidArg("mean", "range", fmt.Sprintf("%v is not a non-negative finite amount", mean))
	}
	p := m.Params
	fx := float64(x)
	den := p.P*fx + p.Q - 1
	if !(den > 0) {
		return 0, invalidArg("q", "range", fmt.Sprintf("the conditional mean needs p·x + q > 1, got %v", den+1))
	}
	// p(v + x m̄)/den, arranged so that neither product overflows first
	return finiteResult("conditional expected spend", p.P/den*p.V+p.P*fx/den*mean)
}
