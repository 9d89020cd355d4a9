package fake

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// rng is a per-customer random stream: a math/rand/v2 PCG held by value and called
// directly, so that a stream costs no allocation (a *rand.Rand would reach its source
// through an interface, which moves the source to the heap).
type rng struct {
	pcg      rand.PCG
	spare    float64 // second normal deviate of the polar method
	hasSpare bool
}

// Stream kinds: each customer has one independent stream per kind.
const (
	streamProfile      = 0x70726f66696c6531 // "profile1"
	streamTransactions = 0x7472616e73616331 // "transac1"
	streamCustomerID   = 0x637573742d696431 // "cust-id1"
)

// splitmix64 is the finaliser of SplitMix64 (Steele, Lea & Flood 2014): a bijection that
// spreads nearby inputs (seed, index) over the whole 64-bit space.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream returns customer i's random stream of the given kind. It depends only on the
// generator's seed, i and kind, so customer i is the same however many customers are
// generated and in whatever order.
func (g *Generator) stream(i int, kind uint64) rng {
	var r rng
	x := uint64(i)
	r.pcg.Seed(splitmix64(g.k0^splitmix64(x^kind)), splitmix64(g.k1+splitmix64(x+kind)))
	return r
}

// float returns a uniform deviate in [0, 1).
func (r *rng) float() float64 { return float64(r.pcg.Uint64()>>11) * 0x1p-53 }

// intn returns a uniform int in [0, n) for n > 0 by multiply-shift (Lemire 2019); the
// bias, below n/2^64, is far beneath anything a test could see.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.pcg.Uint64(), uint64(n))
	return int(hi)
}

// between returns a uniform int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// exp returns a standard exponential deviate (mean 1) by inversion.
func (r *rng) exp() float64 { return -math.Log1p(-r.float()) }

// normal returns a standard normal deviate by Marsaglia's polar method.
func (r *rng) normal() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	for {
		u := 2*r.float() - 1
		v := 2*r.float() - 1
		s := u*u + v*v
		if s == 0 || s >= 1 {
			continue
		}
		f := math.Sqrt(-2 * math.Log(s) / s)
		r.spare, r.hasSpare = v*f, true
		return u * f
	}
}

// gammaDist samples Gamma(shape, rate) by the method of Marsaglia & Tsang (2000), "A simple
// method for generating gamma variables", ACM TOMS 26(3). A shape below 1 is boosted:
// Gamma(a) = Gamma(a+1)·U^(1/a).
type gammaDist struct {
	shape, rate float64
	d, c        float64 // d = a' − 1/3, c = 1/√(9d) for the boosted shape a'
	boost       bool
}

func newGamma(shape, rate float64) gammaDist {
	g := gammaDist{shape: shape, rate: rate}
	a := shape
	if a < 1 {
		g.boost = true
		a++
	}
	g.d = a - 1.0/3
	g.c = 1 / math.Sqrt(9*g.d)
	return g
}

// sample draws Gamma(shape, rate); divide it by a per-customer rate with sampleRate.
func (g gammaDist) sample(r *rng) float64 { return g.standard(r) / g.rate }

// sampleRate draws Gamma(shape, rate) with the given rate instead of g.rate.
func (g gammaDist) sampleRate(r *rng, rate float64) float64 { return g.standard(r) / rate }

// standard draws Gamma(shape, 1).
func (g gammaDist) standard(r *rng) float64 {
	var x float64
	for {
		n := r.normal()
		v := 1 + g.c*n
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.float()
		n2 := n * n
		if u < 1-0.0331*n2*n2 || math.Log(u) < 0.5*n2+g.d*(1-v+math.Log(v)) {
			x = g.d * v
			break
		}
	}
	if g.boost {
		// U^(1/a) computed in log space; it underflows to 0 only for rates so small
		// that the customer would never buy again anyway.
		x *= math.Exp(math.Log(1-r.float()) / g.shape)
	}
	return x
}

// betaDist samples Beta(a, b) as X/(X+Y) with X ~ Gamma(a, 1), Y ~ Gamma(b, 1).
type betaDist struct{ x, y gammaDist }

func newBeta(a, b float64) betaDist { return betaDist{newGamma(a, 1), newGamma(b, 1)} }

func (b betaDist) sample(r *rng) float64 {
	x := b.x.standard(r)
	y := b.y.standard(r)
	if x+y == 0 {
		return 0.5 // both underflowed: vanishingly rare, and any value in (0, 1) is fair
	}
	return x / (x + y)
}

// weighted picks an index with probability proportional to integer weights.
type weighted struct{ cum []uint32 }

func newWeighted(w []uint32) weighted {
	cum := make([]uint32, len(w))
	var t uint32
	for i, x := range w {
		t += x
		cum[i] = t
	}
	return weighted{cum}
}

// pick returns an index in [0, len(w)).
func (w weighted) pick(r *rng) int { return w.pickPrefix(r, len(w.cum)) }

// pickPrefix returns an index in [0, k) with probability proportional to the first k
// weights; k must be at least 1 and the prefix must have a positive total.
func (w weighted) pickPrefix(r *rng, k int) int {
	u := uint32(r.intn(int(w.cum[k-1])))
	lo, hi := 0, k-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if w.cum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
