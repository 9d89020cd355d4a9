package fake

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
)

// PurchaseModel holds the parameters of the generative model behind Orders: the
// BG/NBD model of purchase counts (Fader, Hardie & Lee 2005, "Counting your customers the
// easy way", Marketing Science 24(2)) and the Gamma-Gamma model of spend per order (Fader,
// Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer base analysis",
// Journal of Marketing Research 42(4); after Colombo & Jiang 1999).
//
// For each customer:
//
//	λ ~ Gamma(shape R, rate Alpha)   purchases per week while active
//	p ~ Beta(A, B)                   probability of dropping out after each repeat purchase
//	ν ~ Gamma(shape Q, rate Gamma)   the customer's spend rate
//
// The first purchase falls at a uniform time in the first half of the window; the following
// ones form a Poisson process of rate λ until the customer drops out or the window ends. As
// in the BG/NBD model, the customer may drop out only after a repeat purchase, never right
// after the first. Each order's value is z ~ Gamma(shape P, rate ν) major units of the
// currency, so the customer's mean order value is P/ν.
//
// A zero field means the default: the published fits to the CDNOW cohort of 2,357
// customers — R 0.243, Alpha 4.414, A 0.793, B 2.426 from the BG/NBD paper, and P 6.25,
// Q 3.74, Gamma 15.44 (in US dollars there) from the Gamma-Gamma fit of the same authors.
// With these defaults the mean order is P·Gamma/(Q−1) ≈ 35.2 units of the currency. Gamma
// scales spend: multiplying it by k multiplies every customer's order values by k in
// distribution, which suits the model to a currency or a market with dearer baskets.
type PurchaseModel struct {
	R, Alpha float64 // Gamma heterogeneity of the purchase rate λ (per week)
	A, B     float64 // Beta heterogeneity of the dropout probability p
	P        float64 // shape of the order value given ν
	Q, Gamma float64 // Gamma heterogeneity of the spend rate ν (per currency unit)
}

// DefaultPurchaseModel returns the CDNOW fits used when Options.Model is zero.
func DefaultPurchaseModel() PurchaseModel {
	return PurchaseModel{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, P: 6.25, Q: 3.74, Gamma: 15.44}
}

// Options configure a Generator. A nil *Options, or a zero field, means the default.
type Options struct {
	// ChineseShare is the share of customers with Chinese names, living in China; the others
	// have English names and live in the United States or the United Kingdom. Default 0.6;
	// a negative value means none.
	ChineseShare float64
	// BusinessShare is the share of customers that are businesses rather than people.
	// Default 0.1; a negative value means none.
	BusinessShare float64
	// Region is the host's home region (ISO 3166-1 alpha-2), the defaultRegion to pass to
	// crm.Profile.Normalize. Default "CN". "US" or "GB" puts every customer with an
	// English name in that country; any other region splits them 60:40 between the US and
	// the UK. Phone numbers are always written with their country code, so they normalise
	// in any region.
	Region string
	// Currency is the ISO 4217 code of every amount. Default "CNY".
	Currency string
	// Start and End bound the order window [Start, End). Default 2025-01-01 to
	// 2026-01-01 UTC. Setting only one of them keeps the default length of 365 days.
	Start, End time.Time
	// Model is the purchase model; zero fields take the CDNOW defaults.
	Model PurchaseModel
}

// Generator produces deterministic customers and orders from a seed. Customer i's
// profile and orders depend only on the seed, the options and i. A Generator holds
// no mutable state, so it is safe for concurrent use.
type Generator struct {
	seed   uint64
	k0, k1 uint64
	opts   Options

	currency kehu.Currency
	minor    int     // decimal places of the currency
	scale    float64 // minor units per major unit
	weeks    float64 // window length in weeks

	lambda, nu, spend gammaDist
	dropout           betaDist

	cat catalogue
}

// New returns a Generator for seed, or a *kehu.ValidationError if opts are invalid: a share
// above 1 or not a number, a currency that crm.ParseCurrency refuses, End not after Start,
// or a model parameter that is negative, infinite or not a number.
func New(seed uint64, opts *Options) (*Generator, error) {
	o, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	return newGenerator(seed, o), nil
}

// MustNew is New for options written in the source: it panics if they are invalid.
func MustNew(seed uint64, opts *Options) *Generator {
	g, err := New(seed, opts)
	if err != nil {
		panic("fake.MustNew: " + err.Error()) // MustNew: bad options in the source
	}
	return g
}

func newGenerator(seed uint64, o Options) *Generator {
	// The per-customer streams are keyed from this base stream, so that every output
	// depends on the whole seed.
	base := rand.New(rand.NewPCG(seed, seed^0x6b6568752d66616b)) // "kehu-fak"
	g := &Generator{seed: seed, k0: base.Uint64(), k1: base.Uint64(), opts: o}
	g.currency = kehu.Currency(o.Currency)
	g.minor = g.currency.MinorUnits()
	g.scale = math.Pow10(g.minor)
	g.weeks = float64(o.End.Sub(o.Start)) / float64(week)
	m := o.Model
	g.lambda = newGamma(m.R, m.Alpha)
	g.dropout = newBeta(m.A, m.B)
	g.nu = newGamma(m.Q, m.Gamma)
	g.spend = newGamma(m.P, 1)
	g.cat = newCatalogue(g.currency)
	return g
}

const week = 7 * 24 * time.Hour

// Validate reports what New would refuse in o.
func (o *Options) Validate() error {
	_, err := resolve(o)
	return err
}

func resolve(opts *Options) (Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var probs kehu.Problems
	share := func(field string, v *float64, def float64) {
		switch {
		case math.IsNaN(*v) || *v > 1:
			probs.Addf(field, "range", "%v is not in [0, 1]", *v)
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	share("chinese_share", &o.ChineseShare, 0.6)
	share("business_share", &o.BusinessShare, 0.1)
	o.Region = strings.ToUpper(strings.TrimSpace(o.Region))
	if o.Region == "" {
		o.Region = "CN"
	}
	if o.Currency == "" {
		o.Currency = "CNY"
	}
	if c, err := kehu.ParseCurrency(o.Currency); err != nil {
		probs.Merge("", err)
	} else {
		o.Currency = string(c)
	}
	switch {
	case o.Start.IsZero() && o.End.IsZero():
		o.Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		o.End = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	case o.Start.IsZero():
		o.Start = o.End.AddDate(0, 0, -365)
	case o.End.IsZero():
		o.End = o.Start.AddDate(0, 0, 365)
	}
	if !o.End.After(o.Start) {
		probs.Addf("end", "range", "%v is not after start %v", o.End, o.Start)
	}
	def := DefaultPurchaseModel()
	m := &o.Model
	for _, f := range []struct {
		name   string
		v, def *float64
	}{
		{"r", &m.R, &def.R}, {"alpha", &m.Alpha, &def.Alpha}, {"a", &m.A, &def.A},
		{"b", &m.B, &def.B}, {"p", &m.P, &def.P}, {"q", &m.Q, &def.Q}, {"gamma", &m.Gamma, &def.Gamma},
	} {
		switch v := *f.v; {
		case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
			probs.Addf("model."+f.name, "range", "%v is not a positive number", v)
		case v == 0:
			*f.v = *f.def
		}
	}
	return o, probs.Err()
}

// Options returns the options in effect, with every default filled in.
func (g *Generator) Options() Options { return g.opts }

// Seed returns the seed the generator was built from.
func (g *Generator) Seed() uint64 { return g.seed }
