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
// The ₂F₁ term is evaluated in log space with Euler's transformation (see log2F1), so
// heavy buyers do not overflow; at a = 1, where the closed form is 0/0, the limit is
// taken.
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
// where the bracket, the negative-binomial tail, is the regularised incomplete beta
// function I_{t/(α+t)}(n, r).
func (m *BGNBD) ProbabilityOfPurchases(n int, t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return bgPMF(m.Params, false, n, t)
}

// bgAlive returns P(alive) for BG/NBD or MBG/NBD.
func bgAlive(p BGNBDParams, modified bool, x int, tx, T float64) float64 {
	fx := float64(x)
	if !modified && x == 0 {
		return 1
	}
	bx := p.B + fx - 1
	if modified {
		bx = p.B + fx
	}
	l := math.Log(p.A) - math.Log(bx) + (p.R+fx)*(math.Log(p.Alpha+T)-math.Log(p.Alpha+tx))
	return logisticOf(l)
}

// bgConditional evaluates the conditional expectation for BG/NBD or MBG/NBD; with
// x = t_x = T = 0 it is the unconditional E[X(t)].
func bgConditional(p BGNBDParams, modified bool, t float64, x int, tx, T float64) (float64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if t == 0 {
		return 0, nil
	}
	alive := bgAlive(p, modified, x, tx, T)
	fx := float64(x)
	z := t / (p.Alpha + T + t)
	if math.Abs(p.A-1) < 1e-3 && z <= 0.5 {
		c := p.A + p.B + fx - 1
		if modified {
			c++
		}
		if q, ok := oneMinusTermOverAm1(p.R+fx, p.A, c, z); ok {
			return checkBGConditional(c*q*alive, alive, p, fx, t, T)
		}
	}
	v, err := nearOneLimit(p.A, func(a float64) (float64, error) {
		// c = a+b+x−1 and ₂F₁(r+x, b+x; c) for BG/NBD; c = a+b+x and ₂F₁(r+x, b+x+1; c) for MBG.
		c := a + p.B + fx - 1
		bb := p.B + fx
		if modified {
			c++
			bb++
		}
		w := (p.Alpha + T) / (p.Alpha + T + t)
		lf, sign, ok := log2F1(p.R+fx, bb, c, z, w)
		if !ok {
			return 0, fmt.Errorf("conditional expected purchases: ₂F₁(%g, %g; %g; %g): %w", p.R+fx, bb, c, z, ErrNumerical)
		}
		// term = ((α+T)/(α+T+t))^(r+x) · ₂F₁, in log space
		lterm := (p.R+fx)*log1mz(z, w) + lf
		var oneMinus float64 // 1 − term
		if sign > 0 {
			oneMinus = -math.Expm1(lterm)
		} else {
			oneMinus = 1 + math.Exp(lterm)
		}
		return c / (a - 1) * oneMinus * alive, nil
	})
	if err != nil {
		return 0, err
	}
	return checkBGConditional(v, alive, p, fx, t, T)
}

// checkBGConditional checks 0 ≤ E[Y(t)] ≤ P(alive)·(r+x)t/(α+T), the expectation
// without dropout: a value outside is lost precision (extreme parameters), reported as
// ErrNumerical rather than returned.
func checkBGConditional(v, alive float64, p BGNBDParams, fx, t, T float64) (float64, error) {
	bound := alive * ((p.R + fx) / (p.Alpha + T) * t)
	slack := 1e-6*bound + 1e-300 // Cephes is good to ~1e-11, less near a = 1
	if !(v >= -slack && v <= bound+slack) {
		return 0, fmt.Errorf("conditional expected purchases: %g is outside [0, %g]: %w", v, bound, ErrNumerical)
	}
	return finiteResult("conditional expected purchases", min(max(v, 0), bound))
}

// oneMinusTermOverAm1 returns (1 − w^A ₂F₁(A, B; C; z)) / (a − 1) for C − B = a − 1 and
// z ≤ ½, without the 0/0 of the closed form at a = 1. By Euler's
// transformation w^A ₂F₁(A, B; C; z) = w^(a−1) ₂F₁(C−A, a−1; C; z), and every term
// k ≥ 1 of that series carries the factor (a−1)_k = (a−1)(a)_(k−1), so
//
//	(1 − term)/(a−1) = −expm1((a−1) ln w)/(a−1) − w^(a−1) Σ_{k≥1} (C−A)_k (a)_(k−1) z^k / ((C)_k k!),
//
// both parts smooth through a = 1. The series converges geometrically for z ≤ ½; ok is
// false if it does not settle within 10,000 terms or is not finite.
func oneMinusTermOverAm1(A, a, C, z float64) (float64, bool) {
	l := math.Log1p(-z)
	am1 := a - 1
	first := -l * (1 + am1*l/2) // limit of −expm1(am1·l)/am1
	if math.Abs(am1*l) >= 1e-8 {
		first = -math.Expm1(am1*l) / am1
	}
	u := (C - A) / C * z
	g := u
	converged := false
	for k := 1.0; k < 10_000; k++ {
		u *= (C - A + k) * (a + k - 1) / ((C + k) * (k + 1)) * z
		g += u
		if !finiteNum(g) {
			return 0, false
		}
		if math.Abs(u) <= 1e-17*math.Abs(g) {
			converged = true
			break
		}
	}
	if !converged {
		return 0, false
	}
	v := first - math.Exp(am1*l)*g
	return v, finiteNum(v)
}

// bgPMF is P(X(t) = n) for BG/NBD or MBG/NBD (Batislam, Denizel & Filiztekin 2007).
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
	lab := lnBeta(p.A, p.B)
	// no-death branch: survive every opportunity, exactly n purchases
	keep := p.B + fn // B(a, b+n) for BG/NBD, B(a, b+n+1) for MBG/NBD
	if modified {
		keep++
	}
	var nb float64 // ln NB(n; r, α, t)
	switch {
	case t == 0 && n == 0:
		nb = 0
	case t == 0:
		nb = math.Inf(-1)
	default:
		q := p.Alpha / (p.Alpha + t)
		nb = lnGamma(p.R+fn) - lnGamma(p.R) - lnGamma(fn+1) + p.R*math.Log(q)
		if n > 0 {
			nb += fn * math.Log(t/(p.Alpha+t))
		}
	}
	v := math.Exp(lnBeta(p.A, keep) - lab + nb)
	// death branch: drop out right after the n-th purchase (BG/NBD: n ≥ 1; MBG also
	// at time 0) having had at least n purchase opportunities in t
	if n > 0 || modified {
		die := p.B + fn - 1
		if modified {
			die++
		}
		tail := 1.0
		if n > 0 {
			if t == 0 {
				tail = 0
			} else {
				tail = mathext.RegIncBeta(fn, p.R, t/(p.Alpha+t))
			}
		}
		if die > 0 && tail > 0 {
			v += math.Exp(lnBeta(p.A+1, die)-lab) * tail
		}
	}
	return finiteResult("probability of purchases", min(max(v, 0), 1))
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
