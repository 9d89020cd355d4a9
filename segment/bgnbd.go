package segment

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mathext"
)

// BGNBDParams are the four parameters of the BG/NBD model (Fader, Hardie & Lee 2005,
// "Counting Your Customers the Easy Way", Marketing Science 24(2)): while active, a
// customer buys as a Poisson process with rate λ ~ Gamma(shape R, rate Alpha); after each
// repeat purchase the customer drops out with probability p ~ Beta(A, B). Alpha is in the
// time unit of the data (weeks for CDNOW). MBG/NBD uses the same four parameters.
type BGNBDParams struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
}

// Validate reports a *kehu.ValidationError unless every parameter is positive and finite.
func (p BGNBDParams) Validate() error {
	return checkModelParams([]string{"r", "alpha", "a", "b"}, p.R, p.Alpha, p.A, p.B)
}

// BGNBD is a BG/NBD model: its parameters and, when it came from FitBGNBD, the fit.
// Its methods never return NaN or Inf: bad input is a *kehu.ValidationError and a value
// that cannot be evaluated is ErrNumerical.
type BGNBD struct {
	Params BGNBDParams `json:"params"`
	// Stats describes the fit; zero for a model built with NewBGNBD.
	Stats FitStats `json:"stats"`
}

// NewBGNBD returns a BG/NBD model with known parameters, for example published ones.
func NewBGNBD(p BGNBDParams) (*BGNBD, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &BGNBD{Params: p}, nil
}

// FitBGNBD fits the BG/NBD model by maximum likelihood to customer summaries, after
// grouping customers with identical (x, t_x, T). See FitBGNBDCells.
func FitBGNBD(summaries []Summary, opts *FitOptions) (*BGNBD, error) {
	cells, err := GroupSummaries(summaries)
	if err != nil {
		return nil, err
	}
	return FitBGNBDCells(cells, opts)
}

// FitBGNBDCells fits the BG/NBD model by maximum likelihood to weighted histories. The
// log-likelihood of one customer is, in the form lifetimes uses (FHL 2005, eq. 6),
//
//	ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
//	     + ln[ (α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x) ]
//
// with the last term as a log-sum-exp. The optimiser is gonum's BFGS on the logarithms
// of the parameters with the analytic gradient. Bad cells give a *kehu.ValidationError; a
// fit that does not reach a stationary point wraps ErrNotConverged.
func FitBGNBDCells(cells []RFCell, opts *FitOptions) (*BGNBD, error) {
	return fitBGFamily(cells, opts, false, "BG/NBD", func(p BGNBDParams, st FitStats) *BGNBD {
		return &BGNBD{Params: p, Stats: st}
	})
}

// fitBGFamily fits BG/NBD (modified = false) or MBG/NBD (modified = true).
func fitBGFamily[M any](cells []RFCell, opts *FitOptions, modified bool, name string, build func(BGNBDParams, FitStats) M) (M, error) {
	var zero M
	o, err := opts.resolve(4)
	if err != nil {
		return zero, err
	}
	if err := checkCells(cells); err != nil {
		return zero, err
	}
	d := newBGData(cells)
	if d.sumX == 0 {
		return zero, invalidArg("cells", "degenerate", "no customer made a repeat purchase: the data cannot identify "+name)
	}
	start := o.Start
	if start == nil {
		start = d.start()
	}
	obj := fitObjective{
		name:   name,
		weight: d.total,
		f:      func(x []float64) float64 { return d.eval(modified, x, nil) + l2Penalty(o.Penalizer, x, nil) },
		grad: func(g, x []float64) {
			d.eval(modified, x, g)
			l2Penalty(o.Penalizer, x, g)
		},
	}
	res, err := minimizeLogParams(obj, start, o)
	if err != nil {
		return zero, err
	}
	p := BGNBDParams{R: res.params[0], Alpha: res.params[1], A: res.params[2], B: res.params[3]}
	logx := []float64{math.Log(p.R), math.Log(p.Alpha), math.Log(p.A), math.Log(p.B)}
	st := res.stats(-d.eval(modified, logx, nil)*d.total, d.total, len(cells))
	return build(p, st), nil
}

// bgData is a cell list prepared for fast BG/NBD and MBG/NBD likelihoods: the terms that
// depend on x only are computed once per distinct x, and ln(α + t) once per distinct
// time, so each cell costs one exp and one log1p.
type bgData struct {
	xs    []float64 // distinct frequencies
	times []float64 // distinct recency and T values
	xi    []int32   // per cell: index into xs
	ti    []int32   // per cell: index of T into times
	txi   []int32   // per cell: index of t_x into times
	w     []float64
	total float64
	// sumX and sumT feed the starting point.
	sumX, sumT float64
}

// newBGData prepares validated cells for the BG/NBD and MBG/NBD likelihoods.
func newBGData(cells []RFCell) *bgData {
	d := &bgData{
		xi:  make([]int32, len(cells)),
		ti:  make([]int32, len(cells)),
		txi: make([]int32, len(cells)),
		w:   make([]float64, len(cells)),
	}
	times := make([]float64, 0, 2*len(cells))
	for _, c := range cells {
		times = append(times, c.Recency, c.T)
	}
	slices.Sort(times)
	d.times = slices.Compact(times)
	xIndex := map[int]int32{}
	for i, c := range cells {
		j, ok := xIndex[c.Frequency]
		if !ok {
			j = int32(len(d.xs))
			xIndex[c.Frequency] = j
			d.xs = append(d.xs, float64(c.Frequency))
		}
		d.xi[i] = j
		t, _ := slices.BinarySearch(d.times, c.T)
		tx, _ := slices.BinarySearch(d.times, c.Recency)
		d.ti[i], d.txi[i] = int32(t), int32(tx)
		d.w[i] = c.Weight
		d.total += c.Weight
		d.sumX += c.Weight * float64(c.Frequency)
		d.sumT += c.Weight * c.T
	}
	return d
}

// start is a data-driven starting point: r = 1, α matching the mean purchase rate,
// a = 1, b = 2.
func (d *bgData) start() []float64 {
	alpha := 1.0
	if d.sumX > 0 && d.sumT > 0 {
		alpha = d.sumT / d.sumX
	}
	alpha = min(max(alpha, 1e-6), 1e6)
	return []float64{1, alpha, 1, 2}
}

// bgPerX holds the x-only terms of the likelihood and their derivatives.
type bgPerX struct {
	base, dr, da, db float64 // A1 + A2 and its derivatives (the α part is r/α for all x)
	death            float64 // ln a − ln(b + x − 1) (BG) or ln a − ln(b + x) (MBG)
	ddeathB          float64 // d death / d b
	hasDeath         bool
}

// eval returns the mean negative log-likelihood at log-parameters lx and, if g is not
// nil, writes its gradient with respect to lx.
func (d *bgData) eval(modified bool, lx []float64, g []float64) float64 {
	r, alpha, a, b := math.Exp(lx[0]), math.Exp(lx[1]), math.Exp(lx[2]), math.Exp(lx[3])
	grad := g != nil
	logAlpha := math.Log(alpha)
	lgr, lgb, lgab := lnGamma(r), lnGamma(b), lnGamma(a+b)
	var psr, psb, psab float64
	if grad {
		psr, psb, psab = mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
	}
	shift := 0.0 // MBG/NBD shifts b + x to b + x + 1 in A2 and b + x − 1 to b + x in the death term
	if modified {
		shift = 1
	}
	perX := make([]bgPerX, len(d.xs))
	for k, x := range d.xs {
		px := &perX[k]
		px.base = lnGamma(r+x) - lgr + r*logAlpha + lgab + lnGamma(b+x+shift) - lgb - lnGamma(a+b+x+shift)
		if grad {
			psabx := mathext.Digamma(a + b + x + shift)
			px.dr = mathext.Digamma(r+x) - psr + logAlpha
			px.da = psab - psabx
			px.db = psab + mathext.Digamma(b+x+shift) - psb - psabx
		}
		if x > 0 || modified {
			px.hasDeath = true
			px.death = math.Log(a) - math.Log(b+x-1+shift)
			px.ddeathB = -1 / (b + x - 1 + shift)
		}
	}
	lt := make([]float64, len(d.times))
	var inv []float64
	if grad {
		inv = make([]float64, len(d.times))
	}
	for j, t := range d.times {
		lt[j] = math.Log(alpha + t)
		if grad {
			inv[j] = 1 / (alpha + t)
		}
	}
	acc := d.cellSums(perX, d.xs, lt, inv, r, 1/a, grad)
	ll := acc[0]
	if grad {
		w := d.total
		g[0] = -r * acc[1] / w
		g[1] = -alpha * (acc[2] + r/alpha*w) / w
		g[2] = -a * acc[3] / w
		g[3] = -b * acc[4] / w
	}
	v := -ll / d.total
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	return v
}

// parallelCells is the cell count above which the cell loop runs on all CPUs.
const parallelCells = 20_000

// cellSums sums the log-likelihood (acc[0]) and its derivatives with respect to r, α
// (without the r/α part), a and b (acc[1:5]) over the cells, splitting large inputs
// into fixed chunks whose partial sums are added in order, so the result does not
// depend on scheduling.
func (d *bgData) cellSums(perX []bgPerX, xs, lt, inv []float64, r, invA float64, grad bool) [5]float64 {
	n := len(d.w)
	chunks := 1
	if n >= parallelCells {
		chunks = min(runtime.GOMAXPROCS(0), 8)
	}
	parts := make([][5]float64, chunks)
	var wg sync.WaitGroup
	for c := range chunks {
		lo, hi := c*n/chunks, (c+1)*n/chunks
		run := func() {
			parts[c] = d.cellRange(lo, hi, perX, xs, lt, inv, r, invA, grad)
		}
		if chunks == 1 {
			run()
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	wg.Wait()
	var acc [5]float64
	for _, p := range parts {
		for i := range acc {
			acc[i] += p[i]
		}
	}
	return acc
}

// cellRange sums the cells lo..hi−1 for cellSums.
func (d *bgData) cellRange(lo, hi int, perX []bgPerX, xs, lt, inv []float64, r, invA float64, grad bool) [5]float64 {
	var ll, dr, dal, da, db float64
	for i := lo; i < hi; i++ {
		k := d.xi[i]
		px := &perX[k]
		rx := r + xs[k]
		w := d.w[i]
		ti := d.ti[i]
		a3 := -rx * lt[ti]
		if !px.hasDeath {
			ll += w * (px.base + a3)
			if grad {
				dr += w * (px.dr - lt[ti])
				dal -= w * rx * inv[ti]
				da += w * px.da
				db += w * px.db
			}
			continue
		}
		txi := d.txi[i]
		a4 := px.death - rx*lt[txi]
		// log-sum-exp of a3 and a4 with the weights of each branch
		var m, e float64
		if a3 >= a4 {
			m, e = a3, math.Exp(a4-a3)
		} else {
			m, e = a4, math.Exp(a3-a4)
		}
		// log(1+e) rather than log1p: e ∈ [0, 1] and only the absolute error of the
		// sum matters here, and math.Log is several times faster than math.Log1p.
		ll += w * (px.base + m + math.Log(1+e))
		if grad {
			w3 := 1 / (1 + e) // share of the a3 branch
			if a3 < a4 {
				w3 = e / (1 + e)
			}
			w4 := 1 - w3
			dr += w * (px.dr - w3*lt[ti] - w4*lt[txi])
			dal -= w * rx * (w3*inv[ti] + w4*inv[txi])
			da += w * (px.da + w4*invA)
			db += w * (px.db + w4*px.ddeathB)
		}
	}
	return [5]float64{ll, dr, dal, da, db}
}

// LogLikelihood returns the total log-likelihood Σ weight·ln L of the cells under the
// model's parameters.
func (m *BGNBD) LogLikelihood(cells []RFCell) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return bgLogLikelihood(m.Params, false, cells)
}

// bgLogLikelihood is LogLikelihood for BG/NBD (modified = false) or MBG/NBD.
func bgLogLikelihood(p BGNBDParams, modified bool, cells []RFCell) (float64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := checkCells(cells); err != nil {
		return 0, err
	}
	d := newBGData(cells)
	lx := []float64{math.Log(p.R), math.Log(p.Alpha), math.Log(p.A), math.Log(p.B)}
	return finiteResult("log-likelihood", -d.eval(modified, lx, nil)*d.total)
}

// ExpectedPurchases returns E[X(t)], the expected number of repeat purchases of a new
// customer in a period of length t (FHL 2005, eq. 9):
//
//	(a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
//
// It is evaluated as ConditionalExpectedPurchases is, with the same precision.
func (m *BGNBD) ExpectedPurchases(t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	return bgConditional(m.Params, false, t, 0, 0, 0)
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T], the expected number of
// purchases in the next t periods of a customer with history (x, t_x, T) (FHL 2005,
// eq. 10):
//
//	(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
//	  / [1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x)].
//
// The closed form divides by zero at a = 1 and at a + b = 1 (x = 0), and loses digits
// when b is large or the horizon short (it subtracts two nearly equal numbers), so it
// is not what is evaluated: the value is P(alive) times the expected purchases of an
// active customer, summed as a series of positive terms over the purchases the
// customer would make without dropping out (see bgMean). It is accurate to 10⁻⁹
// relatively (usually 10⁻¹²) for every positive finite parameter and history; where
// the series would need more than 500,000 terms (about (r+x)·t/(α+T) expected purchases
// without dropout, or a horizon t ≫ α+T with small r+x) it is the integral of the
// same expectation over the dropout probability, by quadrature with a bounded number
// of panels (about 0.1 ms); a value neither keeps to that precision is ErrNumerical,
// never an imprecise number.
func (m *BGNBD) ConditionalExpectedPurchases(t float64, x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	return bgConditional(m.Params, false, t, x, tx, T)
}

// ProbabilityAlive returns P(active at T | x, t_x, T) (FHL 2008 note "Computing
// P(alive) using the BG/NBD model"): 1 for x = 0, otherwise
// 1 / [1 + a/(b+x−1) ((α+T)/(α+t_x))^(r+x)].
func (m *BGNBD) ProbabilityAlive(x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	return finiteResult("P(alive)", bgAlive(m.Params, false, x, tx, T))
}

// PurchaseRate returns the posterior mean purchase rate of the customer while active,
// (r+x)/(α+T): their own expected time between purchases is its inverse.
func (m *BGNBD) PurchaseRate(x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return gammaRate(m.Params.Validate(), m.Params.R, m.Params.Alpha, x, tx, T)
}

// ProbabilityOfPurchases returns P(X(t) = n), the probability that a new customer makes
// exactly n repeat purchases in a period of length t (FHL 2005, eq. 8):
//
//	B(a, b+n)/B(a, b) · Γ(r+n)/(Γ(r) n!) · (α/(α+t))^r (t/(α+t))^n
//	+ 1{n>0} B(a+1, b+n−1)/B(a, b) · [1 − Σ_{j<n} NB(j)],
//
// where the bracket, the negative-binomial tail, is summed directly (or, beyond 10⁵
// terms, the regularised incomplete beta function I_{t/(α+t)}(n, r)). The ratios of
// beta and gamma functions are products of ratios, accurate whatever the size of the
// parameters; a value that cannot be evaluated to about 10⁻¹⁰ is ErrNumerical.
func (m *BGNBD) ProbabilityOfPurchases(n int, t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return bgPMF(m.Params, false, n, t)
}

// bgAlive returns P(alive) for BG/NBD or MBG/NBD.
func bgAlive(p BGNBDParams, modified bool, x int, tx, T float64) float64 {
	return logisticOf(bgAliveLogOdds(p, modified, x, tx, T))
}

// bgAliveLogOdds returns l = ln[(1 − P)/P] of P(alive) for BG/NBD or MBG/NBD, −Inf for
// a BG/NBD customer without repeat purchases. The log of (α+T)/(α+t_x) is taken as
// log1p((T−t_x)/(α+t_x)), which keeps its relative precision when α ≫ T.
func bgAliveLogOdds(p BGNBDParams, modified bool, x int, tx, T float64) float64 {
	fx := float64(x)
	if !modified && x == 0 {
		return math.Inf(-1)
	}
	bx := p.B + fx - 1
	if modified {
		bx = p.B + fx
	}
	return math.Log(p.A) - math.Log(bx) + (p.R+fx)*math.Log1p((T-tx)/(p.Alpha+tx))
}

// logLogisticOf returns ln[1 / (1 + e^l)] without overflow or underflow.
func logLogisticOf(l float64) float64 {
	if l > 0 {
		return -l - math.Log1p(math.Exp(-l))
	}
	return -math.Log1p(math.Exp(l))
}

// bgConditional evaluates the conditional expectation for BG/NBD or MBG/NBD; with
// x = t_x = T = 0 it is the unconditional E[X(t)].
//
// Given the history, a customer who is still active has purchase rate λ ~ Gamma(r+x,
// α+T) and dropout probability p ~ Beta(a, b') with b' = b+x (BG/NBD) or b+x+1
// (MBG/NBD), so the expectation is P(alive) · G with G = E[min(N, J)]: N ~ NB(r+x,
// z = t/(α+T+t)) the purchases in t of a customer who never drops out, and J the
// purchase after which the customer drops out, P(J > k) = q_k = (b')_k/(a+b')_k. See
// bgMean for how G is evaluated.
func bgConditional(p BGNBDParams, modified bool, t float64, x int, tx, T float64) (float64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if t == 0 {
		return 0, nil
	}
	lodds := bgAliveLogOdds(p, modified, x, tx, T)
	if math.IsNaN(lodds) {
		return 0, fmt.Errorf("conditional expected purchases: P(alive) is not a number: %w", ErrNumerical)
	}
	alive := logisticOf(lodds)
	if alive == 0 {
		return 0, nil // below the smallest float64: nobody is left to buy
	}
	fx := float64(x)
	R, B := p.R+fx, p.B+fx
	if modified {
		B++
	}
	aT := p.Alpha + T
	z, w := t/(aT+t), aT/(aT+t)
	g, err := bgMean(R, p.A, B, z, w)
	if err != nil {
		return 0, err
	}
	// 0 < E[Y(t)] ≤ P(alive)·(r+x)·t/(α+T), the expectation without dropout.
	bound := R * (t / aT)
	if !(g > 0) || !(g <= bound*(1+1e-9)) || !finiteNum(g) {
		return 0, fmt.Errorf("conditional expected purchases: %g is outside (0, %g]: %w", g, bound, ErrNumerical)
	}
	g = min(g, bound)
	if v := alive * g; alive >= 0x1p-1000 && v >= 0x1p-1000 && finiteNum(v) {
		return v, nil
	}
	// P(alive) or the product near or below the normal float range (where float64
	// keeps fewer digits): in log space, and a product below the range is 0, the
	// nearest float64 to it
	return math.Exp(logLogisticOf(lodds) + math.Log(g)), nil
}

// Limits of bgMean's evaluations.
const (
	// bgSeriesTerms bounds the terms of the series in bgMean (about 2 ms), which stays
	// accurate to about 10⁻¹⁰ up to it (the error of the recurrences grows with the
	// terms).
	bgSeriesTerms = 500_000
)

// bgMean returns G = E[min(N, J)] for N ~ NB(R, z) (P(N = m) = w^R (R)_m z^m / m!,
// w = 1 − z) and P(J > k) = q_k = (B)_k/(A+B)_k: the expected purchases of an active
// BG/NBD customer in a horizon with z = t/(α+T+t) (FHL 2005, eq. 7 integrated over
// the gamma purchase rate and the beta dropout probability). FHL's closed form (eq. 9
// and 10) is
//
//	G = (A+B−1)/(A−1) · [1 − w^R ₂F₁(R, B; A+B−1; z)],
//
// which divides by zero at A = 1 and A + B = 1 and, when G is much smaller than
// (A+B−1)/(A−1) (large B, short horizons), subtracts two nearly equal numbers and
// loses about log₁₀((A+B−1)/((A−1)G)) digits. So G is summed as the series
//
//	G = Σ_{m≥1} P(N = m) · S_m,   S_m = Σ_{k<m} q_k,
//
// whose terms are all positive (no cancellation, no special parameter values). It
// needs about the mean R·z/w of N plus a few standard deviations of terms; when that
// is more than bgSeriesTerms, G is the integral over the dropout probability of
// bgMeanQuad (positive integrands, a bounded number of quadrature panels, whatever A
// and B); if that fails too, the answer is ErrNumerical. The closed form is not a
// fallback: with parameters in the hundreds and z near 1, gonum's ₂F₁ can be wrong
// by any amount (even its sign) without a sign of it.
func bgMean(R, A, B, z, w float64) (float64, error) {
	need := bgSeriesNeed(R, z, w)
	if need <= bgSeriesTerms {
		if g, ok := bgMeanSeries(R, A, B, z, w); ok {
			return g, nil
		}
	}
	g, ok := bgMeanQuad(R, A, B, z, w)
	if !ok {
		return 0, fmt.Errorf("conditional expected purchases: neither the series (about %.3g terms) nor the integral over the dropout probability keeps the precision for r+x = %g, a = %g, b' = %g, z = %g: %w", need, R, A, B, z, ErrNumerical)
	}
	return g, nil
}

// bgSeriesNeed estimates the number of terms bgMeanSeries needs: the mean R·z/w of N,
// twelve of its standard deviations, and the 40/(−ln z) terms of a geometric tail
// falling by z.
func bgSeriesNeed(R, z, w float64) float64 {
	mean := R * z / w
	return mean + 12*math.Sqrt(mean/w) + 40/(-math.Log(z)) + 10
}

// bgMeanSeries sums bgMean's series; ok is false if it does not converge within
// bgSeriesTerms terms. The terms are scaled by w^−R while summed (and by powers of two
// if they grow large), so the sum neither underflows nor overflows.
func bgMeanSeries(R, A, B, z, w float64) (float64, bool) {
	const big = 0x1p900 // a power of two: rescaling by it is exact
	rescaled := 0.0
	term, q, s, sum := 1.0, 1.0, 0.0, 0.0
	for m := 1.0; m <= bgSeriesTerms; m++ {
		term *= (R + m - 1) / m * z // P(N = m) / w^R, over big^rescaled
		s += q                      // S_m
		q *= (B + m - 1) / (A + B + m - 1)
		u := term * s
		sum += u
		if sum > big {
			term /= big
			sum /= big
			u /= big
			rescaled++
		}
		// The ratio of consecutive terms u is at most (R+j)z/j for j ≥ m (S_{j+1}/S_j
		// ≤ (j+1)/j since q is decreasing), and that bound decreases with j: the rest
		// is below u·ρ/(1−ρ).
		if rho := (R + m) * z / m; rho < 1 && u*rho <= 1e-17*(1-rho)*sum {
			if !finiteNum(sum) || !(sum > 0) {
				return 0, false
			}
			// one rounding of the exponent, whose size (≈ the mean of N) sets the
			// precision: 10⁻¹⁶ of it, absolutely
			l := R*log1mz(z, w) + rescaled*900*math.Ln2
			if l > -700 {
				return math.Exp(l) * sum, true
			}
			return math.Exp(l + math.Log(sum)), true
		}
	}
	return 0, false
}

// bgPMF is P(X(t) = n) for BG/NBD or MBG/NBD (FHL 2005, eq. 8; Batislam, Denizel &
// Filiztekin 2007): with q_k = P(J > k) = (b')_k/(a+b')_k the probability of surviving
// k dropout opportunities (b' = b for BG/NBD, b+1 for MBG/NBD, and for MBG/NBD a factor
// b/(a+b) for the opportunity at time 0),
//
//	P(X(t) = n) = q_n · NB(n) + (q_{n−1} − q_n) · P(NB ≥ n),
//
// the ratios of beta functions taken as products of ratios (lnPochRatio), not as
// differences of log-gamma values, which lose digits when a or b is large.
func bgPMF(p BGNBDParams, modified bool, n int, t float64) (float64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("probability of purchases: %w", invalidArg("n", "range", fmt.Sprintf("%d is negative", n)))
	}
	fn := float64(n)
	var nb float64 // ln NB(n; r, α, t)
	switch {
	case t == 0 && n == 0:
		nb = 0
	case t == 0:
		nb = math.Inf(-1)
	default:
		lc, ok := lnPochRatio(p.R, 1, fn) // ln (r)_n / n!
		if !ok {
			return 0, fmt.Errorf("probability of purchases: (r)_n/n! for r = %g, n = %d: %w", p.R, n, ErrNumerical)
		}
		nb = lc - p.R*math.Log1p(t/p.Alpha)
		if n > 0 {
			nb += fn * math.Log(t/(p.Alpha+t))
		}
	}
	// ln q_n: the first opportunity at time 0 (MBG/NBD only), then n after purchases
	var l0 float64
	b0, c0 := p.B, p.A+p.B // b' and a + b'
	if modified {
		l0 = math.Log(p.B / (p.A + p.B))
		b0++
		c0++
	}
	lqn, ok := lnPochRatio(b0, c0, fn)
	if !ok {
		return 0, fmt.Errorf("probability of purchases: beta ratio for a = %g, b = %g, n = %d: %w", p.A, p.B, n, ErrNumerical)
	}
	v := math.Exp(l0 + lqn + nb)
	// death branch: drop out right after the n-th purchase (BG/NBD: n ≥ 1; MBG also
	// at time 0) having had at least n purchase opportunities in t
	if n > 0 || modified {
		tail := 1.0
		if n > 0 {
			if t == 0 {
				tail = 0
			} else {
				tail = nbTail(p.R, fn, nb, t/(p.Alpha+t), p.Alpha/(p.Alpha+t))
			}
		}
		if tail > 0 {
			// q_{n−1} − q_n = q_{n−1} · a/(a+b'+n−1); for MBG/NBD at n = 0, 1 − b/(a+b).
			var ld float64
			if modified && n == 0 {
				ld = math.Log(p.A / (p.A + p.B))
			} else {
				lq, ok := lnPochRatio(b0, c0, fn-1)
				if !ok {
					return 0, fmt.Errorf("probability of purchases: beta ratio for a = %g, b = %g, n = %d: %w", p.A, p.B, n, ErrNumerical)
				}
				ld = l0 + lq + math.Log(p.A/(c0+fn-1))
			}
			v += math.Exp(ld) * tail
		}
	}
	if !finiteNum(v) || v < 0 || v > 1+1e-12 {
		return 0, fmt.Errorf("probability of purchases: %g: %w", v, ErrNumerical)
	}
	return min(v, 1), nil
}

// nbTail returns P(N ≥ n) for N ~ NB(R, z), n ≥ 1, given ln P(N = n) = lnb: beyond the
// mode as the sum upwards from n (positive terms that fall geometrically), below it as
// 1 − Σ_{j<n} P(N = j) (the tail is then at least about ½, so nothing cancels), and
// for sums of more than 10⁵ terms as the regularised incomplete beta function
// I_z(n, R), which loses digits when R is very large.
func nbTail(R, n, lnb, z, w float64) float64 {
	const maxTerms = 100_000
	if mode := (R - 1) * z / w; n > mode {
		term, sum := 1.0, 1.0
		for m := n; m < n+maxTerms; m++ {
			rho := (R + m) * z / (m + 1)
			term *= rho
			sum += term
			if rho < 1 && term*rho <= 1e-17*(1-rho)*sum {
				return min(math.Exp(lnb)*sum, 1)
			}
		}
	} else if n <= maxTerms {
		nb0 := R * log1mz(z, w)
		term, cdf := math.Exp(nb0), 0.0
		for j := 0.0; j < n; j++ {
			cdf += term
			term *= (R + j) * z / (j + 1)
		}
		return max(1-cdf, 0)
	}
	return mathext.RegIncBeta(n, R, z)
}

// gammaRate is the posterior mean of a Gamma(r, α) purchase rate given x purchases in
// T: (r+x)/(α+T).
func gammaRate(paramErr error, r, alpha float64, x int, tx, T float64) (float64, error) {
	if paramErr != nil {
		return 0, paramErr
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	return finiteResult("purchase rate", (r+float64(x))/(alpha+T))
}
