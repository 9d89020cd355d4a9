package segment

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/kehu-crm/kehu"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/optimize"
)

// Errors of the lifetime-value models. Bad input is reported as a *kehu.ValidationError
// (errors.Is(err, kehu.ErrInvalid)); these sentinels cover the numerical side.
var (
	// ErrNotConverged reports that a maximum-likelihood fit did not reach a proper
	// maximum: the iteration limit was hit, the line search failed far from an optimum,
	// a parameter ran off to zero or infinity, or the likelihood is flat or saddle-shaped
	// at the end (its Hessian is not positive definite: the data do not identify the
	// model). Fits wrap it with the model name and the reason.
	ErrNotConverged = errors.New("segment: model fit did not converge")
	// ErrNumerical reports that a prediction could not be evaluated to a finite number
	// for the given parameters and history (for example parameters near 1e300). It is
	// returned instead of NaN or Inf.
	ErrNumerical = errors.New("segment: numerical evaluation failed")
)

// MaxOpportunities is the largest number of transaction opportunities n the BG/BB model
// accepts; its likelihood sums over n − t_x terms.
const MaxOpportunities = 100_000

// RFCell is one cell of the recency/frequency matrix: Weight customers who share the
// same purchase history. The continuous-time models (BG/NBD, MBG/NBD, Pareto/NBD) read
// Frequency as x, Recency as t_x and T as the age T, in Period units; the discrete-time
// BG/BB model reads them as x, t_x and n, whole transaction opportunities. Grouping
// identical histories makes a fit cost grow with the number of distinct histories, not
// the number of customers (Fader & Hardie fit CDNOW's 2,357 customers this way).
type RFCell struct {
	// Frequency x is the number of repeat purchase periods.
	Frequency int `json:"frequency"`
	// Recency t_x is the age at the last purchase (0 when x = 0).
	Recency float64 `json:"recency"`
	// T is the age at the end of observation (n for BG/BB).
	T float64 `json:"t"`
	// Weight is the number of customers with this history; it may be fractional (a
	// sampling weight) but must be positive.
	Weight float64 `json:"weight"`
}

// SpendCell groups the repeat customers who share the same number of repeat purchases
// and the same mean repeat spend, for the Gamma-Gamma model.
type SpendCell struct {
	// Frequency x is the number of repeat purchases; it must be at least 1.
	Frequency int `json:"frequency"`
	// Mean is the mean value of the repeat purchases, m̄_x > 0.
	Mean float64 `json:"mean"`
	// Weight is the number of customers in the cell.
	Weight float64 `json:"weight"`
}

// FitOptions tunes a maximum-likelihood fit. A nil *FitOptions, and any zero field,
// means the default.
type FitOptions struct {
	// MaxIterations bounds the quasi-Newton iterations (default 1000).
	MaxIterations int
	// Tolerance is the gradient threshold at which the optimiser stops, measured on the
	// mean log-likelihood per customer with respect to the logarithms of the parameters
	// (default 1e-9). A fit is accepted when the gradient is below 1e-5 at the end.
	Tolerance float64
	// Penalizer adds Penalizer·Σθ² to the mean negative log-likelihood, an L2 penalty on
	// the parameters θ exactly as lifetimes' penalizer_coef (default 0, a plain MLE).
	Penalizer float64
	// Start is an optional starting point in the order of the model's parameters (for
	// BG/NBD: r, α, a, b). Every value must be positive and finite.
	Start []float64
}

// Fit defaults and limits.
const (
	defaultMaxIterations = 1000
	defaultTolerance     = 1e-9
	acceptGradient       = 1e-5 // accepted final gradient (inf-norm), see FitOptions.Tolerance
	maxLogParam          = 40.0 // |log θ| beyond this means the parameter ran off
	maxReportedProblems  = 20
)

// resolve validates the options of a model with nparams parameters and fills in the
// defaults.
func (o *FitOptions) resolve(nparams int) (FitOptions, error) {
	var r FitOptions
	if o != nil {
		r = *o
	}
	var p kehu.Problems
	if r.MaxIterations < 0 {
		p.Addf("max_iterations", "range", "%d is negative", r.MaxIterations)
	}
	if r.MaxIterations == 0 {
		r.MaxIterations = defaultMaxIterations
	}
	if math.IsNaN(r.Tolerance) || math.IsInf(r.Tolerance, 0) || r.Tolerance < 0 {
		p.Addf("tolerance", "range", "%v is not a non-negative finite number", r.Tolerance)
	}
	if r.Tolerance == 0 {
		r.Tolerance = defaultTolerance
	}
	if math.IsNaN(r.Penalizer) || math.IsInf(r.Penalizer, 0) || r.Penalizer < 0 {
		p.Addf("penalizer", "range", "%v is not a non-negative finite number", r.Penalizer)
	}
	if r.Start != nil {
		if len(r.Start) != nparams {
			p.Addf("start", "length", "has %d values, the model has %d parameters", len(r.Start), nparams)
		} else {
			for i, v := range r.Start {
				if !(v > 0) || math.IsInf(v, 0) {
					p.Addf(fmt.Sprintf("start[%d]", i), "range", "%v is not a positive finite number", v)
				}
			}
		}
		r.Start = slices.Clone(r.Start)
	}
	return r, p.Err()
}

// FitStats describes a completed fit.
type FitStats struct {
	// LogLikelihood is the total log-likelihood of the data at the estimate (without
	// the penalty term), Σ weight·ln L.
	LogLikelihood float64 `json:"log_likelihood"`
	// Customers is the total weight of the data; Cells the number of distinct histories.
	Customers float64 `json:"customers"`
	Cells     int     `json:"cells"`
	// Iterations and Evaluations count the optimiser's major iterations and objective
	// evaluations; GradientNorm is the final inf-norm of the gradient of the mean
	// objective with respect to the log-parameters.
	Iterations   int     `json:"iterations"`
	Evaluations  int     `json:"evaluations"`
	GradientNorm float64 `json:"gradient_norm"`
	// StdErrors are the asymptotic standard errors of the parameters, in the model's
	// parameter order, from the observed information (the Hessian of the negative
	// log-likelihood at the estimate, by finite differences) — what lifetimes reports as
	// se(coef).
	StdErrors []float64 `json:"std_errors"`
}

// fieldProblems collects validation problems and stops listing them after a few, so that a
// million bad rows do not make a million-line error.
type fieldProblems struct {
	kehu.Problems
	extra int
}

// add records a problem, or counts it once the list is long enough.
func (p *fieldProblems) add(field, rule, format string, args ...any) {
	if p.Len() >= maxReportedProblems {
		p.extra++
		return
	}
	p.Addf(field, rule, format, args...)
}

// err returns the problems as a *kehu.ValidationError (nil if none), with a final entry
// counting those not listed.
func (p *fieldProblems) err() error {
	if p.extra > 0 {
		p.Addf("", "more", "%d further problems not listed", p.extra)
	}
	return p.Err()
}

// finiteNum reports whether v is neither NaN nor infinite.
func finiteNum(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkHistory validates one continuous-time history (x, t_x, T).
func checkHistory(p *fieldProblems, prefix string, x int, tx, T float64) {
	if x < 0 {
		p.add(prefix+"frequency", "range", "%d is negative", x)
	}
	switch {
	case !finiteNum(tx) || tx < 0:
		p.add(prefix+"recency", "range", "%v is not a non-negative finite number", tx)
	case !finiteNum(T) || T < 0:
		p.add(prefix+"t", "range", "%v is not a non-negative finite number", T)
	case tx > T:
		p.add(prefix+"recency", "range", "recency %v is after the age T %v", tx, T)
	case x == 0 && tx != 0:
		p.add(prefix+"recency", "consistency", "is %v but a customer with no repeat purchase has recency 0", tx)
	case x > 0 && tx == 0:
		p.add(prefix+"recency", "consistency", "is 0 but the customer has %d repeat purchases", x)
	}
}

// checkDiscreteHistory validates one BG/BB history (x, t_x, n) in whole opportunities.
func checkDiscreteHistory(p *fieldProblems, prefix string, x int, tx, n float64) {
	switch {
	case !finiteNum(n) || n < 0 || n != math.Trunc(n):
		p.add(prefix+"t", "range", "%v is not a whole number of opportunities", n)
	case n > MaxOpportunities:
		p.add(prefix+"t", "range", "%v opportunities exceed the maximum %d", n, MaxOpportunities)
	case !finiteNum(tx) || tx < 0 || tx != math.Trunc(tx):
		p.add(prefix+"recency", "range", "%v is not a whole number of opportunities", tx)
	case tx > n:
		p.add(prefix+"recency", "range", "recency %v is after the last opportunity %v", tx, n)
	case x < 0 || float64(x) > tx:
		p.add(prefix+"frequency", "range", "%d is not between 0 and the recency %v", x, tx)
	case x == 0 && tx != 0:
		p.add(prefix+"recency", "consistency", "is %v but a customer with no repeat purchase has recency 0", tx)
	case x > 0 && tx == 0:
		p.add(prefix+"recency", "consistency", "is 0 but the customer has %d repeat purchases", x)
	}
}

// checkCellWeight validates a cell weight: positive and finite.
func checkCellWeight(p *fieldProblems, prefix string, w float64) {
	if !(w > 0) || math.IsInf(w, 0) {
		p.add(prefix+"weight", "range", "%v is not a positive finite number", w)
	}
}

// GroupSummaries groups customers with identical (x, t_x, T) into weighted cells, sorted
// by frequency, recency and T so that a fit is deterministic. It returns a
// *kehu.ValidationError if a summary is not a valid history: negative frequency, recency
// outside [0, T], or recency inconsistent with frequency (0 exactly when x = 0).
func GroupSummaries(summaries []Summary) ([]RFCell, error) {
	var p fieldProblems
	if len(summaries) == 0 {
		p.add("summaries", "required", "there are no customers")
	}
	for i := range summaries {
		s := &summaries[i]
		if !validHistory(s.Frequency, s.Recency, s.T) {
			checkHistory(&p, fmt.Sprintf("summaries[%d].", i), s.Frequency, s.Recency, s.T)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	type key struct {
		x     int
		tx, T float64
	}
	index := make(map[key]int, min(len(summaries), 1<<16))
	cells := make([]RFCell, 0, min(len(summaries), 1<<16))
	for i := range summaries {
		s := &summaries[i]
		k := key{s.Frequency, s.Recency + 0, s.T + 0} // +0 folds -0 into 0
		if j, ok := index[k]; ok {
			cells[j].Weight++
			continue
		}
		index[k] = len(cells)
		cells = append(cells, RFCell{Frequency: s.Frequency, Recency: k.tx, T: k.T, Weight: 1})
	}
	sortCells(cells)
	return cells, nil
}

// sortCells orders cells by frequency, recency and T.
func sortCells(cells []RFCell) {
	slices.SortFunc(cells, func(a, b RFCell) int {
		return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Recency, b.Recency), cmp.Compare(a.T, b.T))
	})
}

// checkCells validates continuous-time cells.
func checkCells(cells []RFCell) error {
	var p fieldProblems
	if len(cells) == 0 {
		p.add("cells", "required", "there are no customers")
	}
	for i := range cells {
		c := &cells[i]
		if validHistory(c.Frequency, c.Recency, c.T) && c.Weight > 0 && !math.IsInf(c.Weight, 0) {
			continue
		}
		prefix := fmt.Sprintf("cells[%d].", i)
		checkHistory(&p, prefix, c.Frequency, c.Recency, c.T)
		checkCellWeight(&p, prefix, c.Weight)
	}
	return p.err()
}

// validHistory is the fast path of checkHistory: whether (x, t_x, T) has no problem.
func validHistory(x int, tx, T float64) bool {
	return x >= 0 && tx >= 0 && tx <= T && !math.IsInf(T, 0) && (x == 0) == (tx == 0)
}

// GroupSpend collects the repeat customers (x ≥ 1) of the summaries into Gamma-Gamma
// cells of identical (x, mean repeat spend); one-time buyers are skipped, as Fader &
// Hardie (2013) fit the model on repeat customers only. A repeat customer whose
// Monetary is not positive is a validation error (the Gamma-Gamma density needs m̄ > 0).
func GroupSpend(summaries []Summary) ([]SpendCell, error) {
	var p fieldProblems
	type key struct {
		x int
		m float64
	}
	index := make(map[key]int)
	var cells []SpendCell
	for i := range summaries {
		s := &summaries[i]
		if s.Frequency < 0 {
			p.add(fmt.Sprintf("summaries[%d].frequency", i), "range", "%d is negative", s.Frequency)
			continue
		}
		if s.Frequency == 0 {
			continue
		}
		m := s.Monetary.InexactFloat64()
		if !(m > 0) || math.IsInf(m, 0) {
			p.add(fmt.Sprintf("summaries[%d].monetary", i), "range", "%s is not a positive amount for a repeat customer", s.Monetary.String())
			continue
		}
		k := key{s.Frequency, m}
		if j, ok := index[k]; ok {
			cells[j].Weight++
			continue
		}
		index[k] = len(cells)
		cells = append(cells, SpendCell{Frequency: s.Frequency, Mean: m, Weight: 1})
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, kehu.Invalid("summaries", "required", "there is no repeat customer to fit spend on")
	}
	slices.SortFunc(cells, func(a, b SpendCell) int {
		return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Mean, b.Mean))
	})
	return cells, nil
}

// fitObjective is a fit's target: the mean negative log-likelihood (plus penalty) as a
// function of the logarithms of the parameters.
type fitObjective struct {
	name string
	// f returns the objective at log-parameters x; it may return +Inf where the
	// likelihood cannot be evaluated.
	f func(x []float64) float64
	// grad, if not nil, writes the analytic gradient at x into g. Without it, central
	// finite differences are used.
	grad func(g, x []float64)
	// weight is the total weight of the data, which scales the mean objective back to
	// the information matrix.
	weight float64
}

// fitResult is the optimiser's outcome in natural parameters.
type fitResult struct {
	params      []float64
	stdErrors   []float64
	iterations  int
	evaluations int
	gradNorm    float64
}

// stats fills the optimiser's part of FitStats.
func (r fitResult) stats(ll, weight float64, cells int) FitStats {
	return FitStats{
		LogLikelihood: ll,
		Customers:     weight,
		Cells:         cells,
		Iterations:    r.iterations,
		Evaluations:   r.evaluations,
		GradientNorm:  r.gradNorm,
		StdErrors:     r.stdErrors,
	}
}

// minimizeLogParams fits an objective with gonum's BFGS on the log-parameters; when BFGS
// stops short it runs Nelder-Mead from the best point and BFGS again, within the same
// iteration budget. It reports ErrNotConverged when the final gradient is still large,
// a parameter ran off to 0 or ∞, or the likelihood is flat at the optimum (stdErrors).
func minimizeLogParams(obj fitObjective, start []float64, o FitOptions) (fitResult, error) {
	n := len(start)
	x0 := make([]float64, n)
	for i, v := range start {
		x0[i] = math.Log(v)
	}
	evals := 0
	f := func(x []float64) float64 {
		evals++
		for _, v := range x {
			if !(math.Abs(v) <= maxLogParam) {
				return math.Inf(1)
			}
		}
		v := obj.f(x)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	grad := obj.grad
	if grad == nil {
		grad = func(g, x []float64) {
			fd.Gradient(g, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-5})
		}
	}
	safeGrad := func(g, x []float64) {
		grad(g, x)
		for i, v := range g {
			if !finiteNum(v) {
				g[i] = 0 // the line search then sees no descent and stops cleanly
			}
		}
	}
	gnorm := func(x []float64) float64 {
		g := make([]float64, n)
		grad(g, x)
		m := 0.0
		for _, v := range g {
			if !finiteNum(v) {
				return math.Inf(1)
			}
			m = max(m, math.Abs(v))
		}
		return m
	}
	problem := optimize.Problem{Func: f, Grad: safeGrad}
	settings := func(iters int) *optimize.Settings {
		return &optimize.Settings{
			GradientThreshold: o.Tolerance,
			MajorIterations:   iters,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 25},
		}
	}
	best := slices.Clone(x0)
	bestF := f(best)
	iters := 0
	try := func(method optimize.Method, from []float64, maxIter int) {
		res, err := optimize.Minimize(problem, from, settings(maxIter), method)
		if res == nil {
			return
		}
		iters += res.Stats.MajorIterations
		_ = err // a failed line search still leaves the best point found
		if res.F < bestF && finiteNum(res.F) {
			bestF = res.F
			best = slices.Clone(res.X)
		}
	}
	if !finiteNum(bestF) {
		return fitResult{}, fmt.Errorf("%s: the log-likelihood cannot be evaluated at the starting point: %w", obj.name, ErrNotConverged)
	}
	try(&optimize.BFGS{}, best, o.MaxIterations)
	g := gnorm(best)
	if !(g <= acceptGradient) && iters < o.MaxIterations {
		// BFGS stopped short (usually a line-search failure in a flat valley):
		// Nelder-Mead to move on, then BFGS again to converge.
		try(&optimize.NelderMead{}, best, o.MaxIterations-iters)
		if iters < o.MaxIterations {
			try(&optimize.BFGS{}, best, o.MaxIterations-iters)
		}
		g = gnorm(best)
	}
	res := fitResult{iterations: iters, evaluations: evals, gradNorm: g, params: make([]float64, n)}
	for i, v := range best {
		res.params[i] = math.Exp(v)
		if math.Abs(v) > maxLogParam-1 {
			return res, fmt.Errorf("%s: parameter %d ran off to %g (the data do not identify the model): %w", obj.name, i, res.params[i], ErrNotConverged)
		}
	}
	if !(g <= acceptGradient) {
		return res, fmt.Errorf("%s: gradient %.3g after %d iterations: %w", obj.name, g, iters, ErrNotConverged)
	}
	se, err := stdErrors(obj, f, grad, best)
	if err != nil {
		return res, err
	}
	res.stdErrors = se
	return res, nil
}

// stdErrors checks that the optimum is a proper maximum of the likelihood — the Hessian
// of the mean objective in log-parameters is positive definite, so the data identify
// every parameter — and returns the standard errors of the natural parameters by the
// delta method: se(θᵢ) = θᵢ·√([H⁻¹]ᵢᵢ / W). A flat or saddle direction (for example a
// dropout parameter when nobody ever returned) is ErrNotConverged.
func stdErrors(obj fitObjective, f func([]float64) float64, grad func(g, x []float64), x []float64) ([]float64, error) {
	n := len(x)
	h := mat.NewSymDense(n, nil)
	if obj.grad != nil {
		jac := mat.NewDense(n, n, nil)
		fd.Jacobian(jac, func(y, x []float64) { grad(y, x) }, x, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-4})
		for i := range n {
			for j := i; j < n; j++ {
				h.SetSym(i, j, (jac.At(i, j)+jac.At(j, i))/2)
			}
		}
	} else {
		fd.Hessian(h, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-4})
	}
	for i := range n {
		for j := i; j < n; j++ {
			if !finiteNum(h.At(i, j)) {
				return nil, fmt.Errorf("%s: the Hessian at the estimate is not finite: %w", obj.name, ErrNotConverged)
			}
		}
	}
	var es mat.EigenSym
	if !es.Factorize(h, false) {
		return nil, fmt.Errorf("%s: the Hessian at the estimate cannot be factorised: %w", obj.name, ErrNotConverged)
	}
	vals := es.Values(nil)
	if !(vals[0] > 1e-9*max(1, vals[n-1])) {
		return nil, fmt.Errorf("%s: the likelihood is flat or not at a maximum (smallest curvature %.3g): the data do not identify the model: %w", obj.name, vals[0], ErrNotConverged)
	}
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil, fmt.Errorf("%s: the Hessian at the estimate is not positive definite: %w", obj.name, ErrNotConverged)
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		return nil, fmt.Errorf("%s: the Hessian at the estimate cannot be inverted: %w", obj.name, ErrNotConverged)
	}
	se := make([]float64, n)
	for i := range n {
		se[i] = math.Exp(x[i]) * math.Sqrt(cov.At(i, i)/obj.weight)
	}
	return se, nil
}

// l2Penalty returns Penalizer·Σθ² at log-parameters x and adds its gradient to g (if g is
// not nil).
func l2Penalty(c float64, x, g []float64) float64 {
	if c == 0 {
		return 0
	}
	s := 0.0
	for i, v := range x {
		e := math.Exp(v)
		s += e * e
		if g != nil {
			g[i] += 2 * c * e * e
		}
	}
	return c * s
}

// logAddExp returns log(e^a + e^b) without overflow; −Inf arguments are allowed.
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(a, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// logSubExp returns log(e^a − e^b) for a ≥ b, and −Inf when a ≤ b (the difference is
// zero or lost to rounding).
func logSubExp(a, b float64) float64 {
	if !(a > b) {
		return math.Inf(-1)
	}
	return a + math.Log(-math.Expm1(b-a))
}

// logisticOf returns 1 / (1 + e^l) without overflow.
func logisticOf(l float64) float64 {
	if l > 0 {
		e := math.Exp(-l)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(l))
}

// lnGamma is ln Γ(x) for x > 0.
func lnGamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// hyp2f1 evaluates ₂F₁(a, b; c; z) for 0 ≤ z < 1 with gonum's mathext.Hypergeo (the
// Cephes algorithm), guarded: a panic inside it (Cephes' digamma at a non-positive
// integer) becomes ok = false, and inputs on which Cephes can loop for a very long time
// or forever are summed as a plain power series instead (which fails cleanly if it does
// not converge):
//   - a parameter below −10⁵, or c − a − b below −10⁵: its recurrences run once per
//     unit of the parameter;
//   - z > 0.9 with c − a − b an integer and either c − a − b > 150 or
//     (1 − z)(|a| + |b|) > 100: its digamma expansion then overflows to NaN and never
//     meets its stopping test;
//   - z > 0.9 with c − a − b a negative integer: Hypergeo then sums the plain series
//     but stops after 10,000 terms without saying whether it converged, which near
//     z = 1 it has not (10⁺¹¹⁵ for 10⁺¹³¹); series2F1 reports the failure instead.
func hyp2f1(a, b, c, z float64) (v float64, ok bool) {
	if z == 0 {
		return 1, true
	}
	d := c - a - b
	const far = -1e5
	switch {
	case a < far || b < far || c < far || d < far:
		return series2F1(a, b, c, z)
	case z > 0.9 && math.Abs(d-math.Round(d)) < 1e-9 && (d < 0 || d > 150 || (1-z)*(math.Abs(a)+math.Abs(b)) > 100):
		return series2F1(a, b, c, z)
	}
	defer func() {
		if recover() != nil {
			v, ok = 0, false
		}
	}()
	v = mathext.Hypergeo(a, b, c, z)
	return v, finiteNum(v)
}

// series2F1 sums the Gauss series of ₂F₁(a, b; c; z) term by term, for the guarded case
// of hyp2f1 only; ok is false unless it converges to a finite value within 100,000 terms.
func series2F1(a, b, c, z float64) (float64, bool) {
	s, u := 1.0, 1.0
	for k := 0.0; k < 100_000; k++ {
		if c+k == 0 {
			return 0, false
		}
		u *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
		s += u
		if !finiteNum(s) {
			return 0, false
		}
		if math.Abs(u) <= 1e-17*math.Abs(s) {
			return s, true
		}
	}
	return 0, false
}

// log2F1 returns ln|₂F₁(a, b; c; z)| and its sign for 0 ≤ z < 1; w must be 1 − z,
// computed by the caller without cancellation (for z = t/(α+T+t), w = (α+T)/(α+T+t)).
//
// Three representations are tried, all evaluated with gonum's mathext.Hypergeo:
//
//  1. the Gauss series itself;
//  2. Euler's transformation ₂F₁(a, b; c; z) = w^(c−a−b) ₂F₁(c−a, c−b; c; z), the one to
//     use when c − a − b < 0 and z is close to 1 (the direct series then diverges as
//     z → 1, and for heavy buyers with large x its value overflows long before its
//     terms decay);
//  3. for z > ½, the linear transformation to 1 − z (Abramowitz & Stegun 15.3.6),
//     ₂F₁(a, b; c; z) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) ₂F₁(a, b; a+b−c+1; w)
//     + w^(c−a−b) Γ(c)Γ(a+b−c)/(Γ(a)Γ(b)) ₂F₁(c−a, c−b; c−a−b+1; w),
//     summed in log space: it is finite where the value itself overflows a float64.
//
// A series whose upper parameters are not both positive has terms of both signs that
// can cancel badly, so each candidate's condition number κ is estimated — for a Gauss
// series ₂F₁(|a|, |b|; c; z) / |₂F₁(a, b; c; z)|, the sum of the terms' magnitudes over
// the sum (1 when no term is negative); for 15.3.6 the same ratio of its two parts —
// and the candidate with the smallest κ wins, Euler's on a tie when c − a − b < 0.
// When none is finite with κ ≤ 10⁸ (about eight correct digits or more) and a, b, c > 0,
// the Gauss series is summed term by term in log space (logSeries2F1) as a last resort;
// ok is false if that fails too.
func log2F1(a, b, c, z, w float64) (logAbs, sign float64, ok bool) {
	if z == 0 {
		return 0, 1, true
	}
	if !(z > 0 && z < 1 && w > 0 && w <= 1) {
		return 0, 0, false
	}
	type cand struct {
		v, s, cnd float64
		ok        bool
	}
	gauss := func(pa, pb, pre float64) cand {
		h, ok := hyp2f1(pa, pb, c, z)
		if !ok || h == 0 {
			return cand{}
		}
		r := cand{v: pre + math.Log(math.Abs(h)), s: math.Copysign(1, h), cnd: 1}
		if !finiteNum(r.v) {
			return cand{}
		}
		r.ok = true
		if (pa < 0 || pb < 0) && c > 0 {
			if habs, ok := hyp2f1(math.Abs(pa), math.Abs(pb), c, z); ok {
				r.cnd = habs / math.Abs(h)
			} else {
				r.cnd = math.Inf(1)
			}
		}
		return r
	}
	d := c - a - b
	direct := func() cand { return gauss(a, b, 0) }
	euler := func() cand { return gauss(c-a, c-b, d*log1mz(z, w)) }
	first, second := direct, euler
	if d < 0 {
		first, second = euler, direct
	}
	best := first()
	if !best.ok || best.cnd > 1 {
		if c2 := second(); c2.ok && (!best.ok || c2.cnd < best.cnd) {
			best = c2
		}
	}
	if (!best.ok || best.cnd > 1) && z > 0.5 {
		if c3 := near1(a, b, c, d, w); c3.ok && (!best.ok || c3.cnd < best.cnd) {
			best = cand(c3)
		}
	}
	if (!best.ok || !(best.cnd <= 1e8)) && a > 0 && b > 0 && c > 0 {
		// Last resort for positive parameters: the Gauss series summed in log space
		// (all terms positive, κ = 1), finite even where the value overflows.
		if v, ok := logSeries2F1(a, b, c, z); ok {
			return v, 1, true
		}
	}
	if !best.ok || !(best.cnd <= 1e8) {
		return 0, 0, false
	}
	return best.v, best.s, true
}

// logSeries2F1 returns ln ₂F₁(a, b; c; z) for a, b, c > 0 and 0 < z < 1 by summing the
// Gauss series in log space, scaled by its largest term. It needs about
// (a + b)/(1 − z) terms; ok is false beyond two million.
func logSeries2F1(a, b, c, z float64) (float64, bool) {
	if !(a > 0 && b > 0 && c > 0 && z > 0 && z < 1) {
		return 0, false
	}
	lt, m, s := 0.0, 0.0, 1.0 // ln of the current term; the sum is e^m · s
	prev := math.Inf(1)
	for k := 0.0; k < 2e6; k++ {
		ratio := (a + k) * (b + k) / ((c + k) * (k + 1)) * z
		lt += math.Log(ratio)
		if lt > m {
			s = s*math.Exp(m-lt) + 1
			m = lt
		} else {
			s += math.Exp(lt - m)
		}
		if !finiteNum(lt) || !finiteNum(s) {
			return 0, false
		}
		// The ratio of consecutive terms tends to z and crosses it at most once
		// (ratio − z has the sign of (a+b−c−1)k + ab − c), so from here on it stays
		// below q = max(ratio, z) if it is at or below z for good or falling from above.
		// Stop when the geometric bound of the rest is below 1e-17 of the sum.
		settled := (ratio <= z && a+b-c-1 <= 0) || (ratio > z && ratio < prev)
		prev = ratio
		if q := max(ratio, z); settled && q < 1 && lt+math.Log(q)-math.Log1p(-q)-(m+math.Log(s)) < -39 {
			return m + math.Log(s), true
		}
	}
	return 0, false
}

// log1mz returns ln(1 − z) from z and w = 1 − z, whichever is more accurate.
func log1mz(z, w float64) float64 {
	if z < 0.5 {
		return math.Log1p(-z)
	}
	return math.Log(w)
}

// near1Result is a candidate value of ln|₂F₁| from near1.
type near1Result struct {
	v, s, cnd float64
	ok        bool
}

// near1 evaluates ₂F₁(a, b; c; 1 − w) by Abramowitz & Stegun 15.3.6 in log space (see
// log2F1); it needs c − a − b = d not an integer (the gamma factors have poles there).
func near1(a, b, c, d, w float64) near1Result {
	if math.Abs(d-math.Round(d)) < 1e-6 {
		return near1Result{}
	}
	lg := func(x float64) (float64, float64) {
		v, s := math.Lgamma(x)
		return v, float64(s)
	}
	part := func(gnum1, gnum2, gden1, gden2, pa, pb, pc, pre float64) (float64, float64, bool) {
		l1, s1 := lg(gnum1)
		l2, s2 := lg(gnum2)
		l3, s3 := lg(gden1)
		l4, s4 := lg(gden2)
		if math.IsInf(l3, 1) || math.IsInf(l4, 1) { // 1/Γ at a pole is 0: no such term
			return math.Inf(-1), 1, true
		}
		h, ok := hyp2f1(pa, pb, pc, w)
		if !ok || h == 0 {
			return 0, 0, false
		}
		v := l1 + l2 - l3 - l4 + pre + math.Log(math.Abs(h))
		return v, s1 * s2 * s3 * s4 * math.Copysign(1, h), !math.IsNaN(v) && !math.IsInf(v, 1)
	}
	v1, s1, ok1 := part(c, d, c-a, c-b, a, b, 1-d, 0)
	v2, s2, ok2 := part(c, -d, a, b, c-a, c-b, 1+d, d*math.Log(w))
	if !ok1 || !ok2 || (math.IsInf(v1, -1) && math.IsInf(v2, -1)) {
		return near1Result{}
	}
	// signed log-sum-exp of the two parts
	hi, lo, shi, slo := v1, v2, s1, s2
	if v2 > v1 {
		hi, lo, shi, slo = v2, v1, s2, s1
	}
	r := math.Exp(lo - hi) // ≤ 1
	sum := 1 + shi*slo*r
	if !(sum > 0) {
		return near1Result{}
	}
	return near1Result{v: hi + math.Log(sum), s: shi, cnd: (1 + r) / sum, ok: true}
}

// nearOneLimit evaluates f(a) where f has a removable singularity at a = 1 (the closed
// forms divide by a − 1): within 10⁻⁶ of 1 it extrapolates from symmetric pairs at
// 1 ± h and 1 ± 2h (Richardson: (4·m(h) − m(2h))/3 with m the pair's mean), accurate
// to O(h⁴) for h = 10⁻³.
func nearOneLimit(a float64, f func(a float64) (float64, error)) (float64, error) {
	const band, h = 1e-6, 1e-3
	if math.Abs(a-1) > band {
		return f(a)
	}
	var m [2]float64
	for i, step := range []float64{h, 2 * h} {
		lo, err := f(1 - step)
		if err != nil {
			return 0, err
		}
		hi, err := f(1 + step)
		if err != nil {
			return 0, err
		}
		m[i] = (lo + hi) / 2
	}
	return (4*m[0] - m[1]) / 3, nil
}

// lnPochRatio returns ln[(u)_n / (v)_n] = ln Π_{k<n} (u+k)/(v+k) for u, v > 0 and a
// whole n ≥ 0: the log of a ratio of rising factorials, such as the ratio of beta
// functions B(a, b+n)/B(a, b) = (b)_n/(a+b)_n. Up to 4096 factors it is the product
// itself (rescaled through logs so that it neither overflows nor underflows), each
// factor correct to a rounding whatever the sizes of u and v, so the result is
// accurate to about n·10⁻¹⁶ absolutely. Beyond, it is the difference of four
// log-gamma values, accepted only when their rounding (10⁻¹⁶ of their magnitudes)
// stays below 10⁻¹¹, and ok is false otherwise: that difference is what loses digits
// when u or v is large (ln Γ(10¹²) ≈ 2.6·10¹³, whose last bit is worth 4·10⁻³).
func lnPochRatio(u, v, n float64) (float64, bool) {
	if n <= 0 {
		return 0, true
	}
	if n <= 4096 {
		s, prod := 0.0, 1.0
		for k := 0.0; k < n; k++ {
			prod *= (u + k) / (v + k)
			if prod > 1e250 || prod < 1e-250 {
				s += math.Log(prod)
				prod = 1
			}
		}
		s += math.Log(prod)
		return s, finiteNum(s)
	}
	g1, g2, g3, g4 := lnGamma(u+n), lnGamma(u), lnGamma(v+n), lnGamma(v)
	r := g1 - g2 - g3 + g4
	rounding := 2.3e-16 * (math.Abs(g1) + math.Abs(g2) + math.Abs(g3) + math.Abs(g4))
	return r, finiteNum(r) && rounding <= 1e-11
}

// finiteResult returns v, or ErrNumerical when v is not finite.
func finiteResult(what string, v float64) (float64, error) {
	if !finiteNum(v) {
		return 0, fmt.Errorf("%s: %w", what, ErrNumerical)
	}
	return v, nil
}

// TransactionModel predicts the purchases of a customer from their history (x, t_x, T)
// in the units the model was fitted in. BG/NBD, MBG/NBD, Pareto/NBD and BG/BB implement
// it; CLV and ChurnScore take any of them.
type TransactionModel interface {
	// ConditionalExpectedPurchases is the expected number of purchases in the next t
	// periods of a customer with history (x, t_x, T).
	ConditionalExpectedPurchases(t float64, x int, tx, T float64) (float64, error)
	// ProbabilityAlive is the probability that the customer is still active at T.
	ProbabilityAlive(x int, tx, T float64) (float64, error)
	// PurchaseRate is the customer's expected purchase rate per period while active
	// (the posterior mean of their rate given the history); its inverse is the
	// customer's own expected time between purchases.
	PurchaseRate(x int, tx, T float64) (float64, error)
}

// errNilModel is returned by the methods of a nil model (a fresh error each time, so
// that no caller can change another's).
func errNilModel() error { return invalidArg("model", "required", "the model is nil") }

// invalidArg is kehu.Invalid, named for brevity.
func invalidArg(field, rule, message string) error { return kehu.Invalid(field, rule, message) }

// checkModelParams validates positive finite model parameters, named in order.
func checkModelParams(names []string, values ...float64) error {
	var p fieldProblems
	for i, v := range values {
		if !(v > 0) || math.IsInf(v, 0) {
			p.add(names[i], "range", "%v is not a positive finite number", v)
		}
	}
	return p.err()
}

// checkHistoryArgs validates a single continuous-time history.
func checkHistoryArgs(x int, tx, T float64) error {
	var p fieldProblems
	checkHistory(&p, "", x, tx, T)
	return p.err()
}

// checkHorizonArg validates a prediction horizon t ≥ 0.
func checkHorizonArg(t float64) error {
	if !finiteNum(t) || t < 0 {
		return kehu.Invalid("t", "range", fmt.Sprintf("%v is not a non-negative finite number", t))
	}
	return nil
}
