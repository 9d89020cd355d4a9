package segment

// MBGNBD is the modified BG/NBD model of Batislam, Denizel & Filiztekin (2007),
// "Empirical validation and comparison of models for customer base analysis",
// International Journal of Research in Marketing 24(3): as BG/NBD, but a customer may
// also drop out right after the first purchase, so a one-time buyer is not certainly
// alive. Its parameters have the same names and roles as BG/NBD's.
type MBGNBD struct {
	Params BGNBDParams `json:"params"`
	// Stats describes the fit; zero for a model built with NewMBGNBD.
	Stats FitStats `json:"stats"`
}

// NewMBGNBD returns an MBG/NBD model with known parameters.
func NewMBGNBD(p BGNBDParams) (*MBGNBD, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &MBGNBD{Params: p}, nil
}

// FitMBGNBD fits the MBG/NBD model by maximum likelihood to customer summaries, after
// grouping identical histories. See FitMBGNBDCells.
func FitMBGNBD(summaries []Summary, opts *FitOptions) (*MBGNBD, error) {
	cells, err := GroupSummaries(summaries)
	if err != nil {
		return nil, err
	}
	return FitMBGNBDCells(cells, opts)
}

// FitMBGNBDCells fits the MBG/NBD model by maximum likelihood to weighted histories.
// The log-likelihood of one customer is
//
//	ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b)
//	     + ln[ (α+T)^−(r+x) + a/(b+x) (α+t_x)^−(r+x) ],
//
// the dropout branch now present for x = 0 too. Errors are as for FitBGNBDCells.
func FitMBGNBDCells(cells []RFCell, opts *FitOptions) (*MBGNBD, error) {
	return fitBGFamily(cells, opts, true, "MBG/NBD", func(p BGNBDParams, st FitStats) *MBGNBD {
		return &MBGNBD{Params: p, Stats: st}
	})
}

// LogLikelihood returns the total log-likelihood Σ weight·ln L of the cells.
func (m *MBGNBD) LogLikelihood(cells []RFCell) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return bgLogLikelihood(m.Params, true, cells)
}

// ExpectedPurchases returns E[X(t)] for a new customer:
// b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))], evaluated and accurate as
// ConditionalExpectedPurchases.
func (m *MBGNBD) ExpectedPurchases(t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	return bgConditional(m.Params, true, t, 0, 0, 0)
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T]:
//
//	(a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]
//	  / [1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)],
//
// evaluated as for BG/NBD (a series of positive terms, not the closed form), with the
// same precision: 10⁻⁹ relatively, or ErrNumerical.
func (m *MBGNBD) ConditionalExpectedPurchases(t float64, x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := checkHorizonArg(t); err != nil {
		return 0, err
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	return bgConditional(m.Params, true, t, x, tx, T)
}

// ProbabilityAlive returns 1 / [1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)], below 1 even for
// x = 0.
func (m *MBGNBD) ProbabilityAlive(x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	if err := m.Params.Validate(); err != nil {
		return 0, err
	}
	if err := checkHistoryArgs(x, tx, T); err != nil {
		return 0, err
	}
	return finiteResult("P(alive)", bgAlive(m.Params, true, x, tx, T))
}

// PurchaseRate returns the posterior mean purchase rate while active, (r+x)/(α+T).
func (m *MBGNBD) PurchaseRate(x int, tx, T float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return gammaRate(m.Params.Validate(), m.Params.R, m.Params.Alpha, x, tx, T)
}

// ProbabilityOfPurchases returns P(X(t) = n) for a new customer (Batislam et al. 2007):
//
//	B(a, b+n+1)/B(a, b) · NB(n) + B(a+1, b+n)/B(a, b) · P(NB ≥ n),
//
// NB being the negative-binomial count of purchases in t of a customer who never drops
// out; evaluated and accurate as BGNBD.ProbabilityOfPurchases.
func (m *MBGNBD) ProbabilityOfPurchases(n int, t float64) (float64, error) {
	if m == nil {
		return 0, errNilModel()
	}
	return bgPMF(m.Params, true, n, t)
}
