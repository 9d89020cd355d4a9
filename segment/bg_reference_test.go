package segment_test

import (
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/segment"
)

// readRefCSV reads a CSV file of segment/testdata/bgref (see SOURCE.md there) without
// its header.
func readRefCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err, "the reference values are part of the repository")
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), 100)
	return rows[1:]
}

func parseFloats(t *testing.T, fields []string) []float64 {
	t.Helper()
	out := make([]float64, len(fields))
	for i, s := range fields {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, s)
		out[i] = v
	}
	return out
}

// TestBGNBDReference checks the BG/NBD and MBG/NBD conditional expectations (FHL
// 2005, eqs. 9 and 10; Batislam, Denizel & Filiztekin 2007) against mpmath at 80
// digits (testdata/bgref/bgnbd.csv, computed by gen.py there: the closed forms with
// mpmath's ₂F₁, or an integral over the dropout probability where that is too slow)
// at about 1,200 points: parameters in [10⁻³, 10¹²] including a + b = 1, a = 1 and
// b up to 10¹², histories x ≤ 500, T ≤ 5000 and horizons t ≤ 5000. Each value is
// within 10⁻⁹ relatively, or ErrNumerical (counted, and allowed for at most 1 % of the
// points; none at present).
func TestBGNBDReference(t *testing.T) {
	var points, numerical int
	for _, r := range readRefCSV(t, "bgref/bgnbd.csv") {
		require.Len(t, r, 11)
		v := parseFloats(t, r[1:10])
		p := segment.BGNBDParams{R: v[0], Alpha: v[1], A: v[2], B: v[3]}
		x, tx, T, tt, want := int(v[4]), v[5], v[6], v[7], v[8]
		var got float64
		var err error
		if r[0] == "mbgnbd" {
			m, merr := segment.NewMBGNBD(p)
			require.NoError(t, merr)
			got, err = m.ConditionalExpectedPurchases(tt, x, tx, T)
		} else {
			m, merr := segment.NewBGNBD(p)
			require.NoError(t, merr)
			got, err = m.ConditionalExpectedPurchases(tt, x, tx, T)
		}
		points++
		if err != nil {
			require.True(t, errors.Is(err, segment.ErrNumerical), "%v: %v", r, err)
			numerical++
			continue
		}
		assert.InDelta(t, want, got, 1e-300+1e-9*want, "%v", r)
	}
	t.Logf("%d points, %d ErrNumerical", points, numerical)
	assert.LessOrEqual(t, float64(numerical), 0.01*float64(points))
}

// TestBGBBReference checks BG/BB (Fader, Hardie & Shang 2010, eqs. 8, 13 and A10)
// against mpmath at 80 digits (testdata/bgref/bgbb.csv) at about 400 points with
// parameters in [10⁻³, 10¹²] including γ = 1: E[X(n)], the conditional expectation
// over the next t opportunities and P(alive), each within 10⁻⁹ relatively.
func TestBGBBReference(t *testing.T) {
	for _, r := range readRefCSV(t, "bgref/bgbb.csv") {
		require.Len(t, r, 11)
		v := parseFloats(t, r)
		m, err := segment.NewBGBB(segment.BGBBParams{Alpha: v[0], Beta: v[1], Gamma: v[2], Delta: v[3]})
		require.NoError(t, err)
		x, tx, n, tt := int(v[4]), v[5], v[6], v[7]
		ex, err := m.ExpectedPurchases(n)
		require.NoError(t, err, "%v", r)
		assert.InDelta(t, v[8], ex, 1e-300+1e-9*v[8], "E[X(n)] %v", r)
		cond, err := m.ConditionalExpectedPurchases(tt, x, tx, n)
		require.NoError(t, err, "%v", r)
		assert.InDelta(t, v[9], cond, 1e-300+1e-9*v[9], "conditional %v", r)
		alive, err := m.ProbabilityAlive(x, tx, n)
		require.NoError(t, err, "%v", r)
		assert.InDelta(t, v[10], alive, 1e-300+1e-9*v[10], "P(alive) %v", r)
	}
}

// TestBGNBDAPlusBOne checks BG/NBD at a + b = 1, where the third parameter of the ₂F₁ in
// FHL 2005 eqs. 9 and 10 is 0 and the closed form is 0·∞: the expectations are finite
// and smooth there, equal to their neighbours at b ± 10⁻¹², and CLV works.
func TestBGNBDAPlusBOne(t *testing.T) {
	at, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.5, Alpha: 5, A: 0.3, B: 0.7})
	require.NoError(t, err)
	for _, tt := range []float64{0.01, 10, 39, 5000} {
		got, err := at.ExpectedPurchases(tt)
		require.NoError(t, err)
		cond, err := at.ConditionalExpectedPurchases(tt, 0, 0, 5)
		require.NoError(t, err)
		for _, d := range []float64{-1e-12, 1e-12} {
			near, err := segment.NewBGNBD(segment.BGNBDParams{R: 0.5, Alpha: 5, A: 0.3, B: 0.7 + d})
			require.NoError(t, err)
			want, err := near.ExpectedPurchases(tt)
			require.NoError(t, err)
			assert.InDelta(t, want, got, 1e-9*want, "E[X(%v)]", tt)
			wantCond, err := near.ConditionalExpectedPurchases(tt, 0, 0, 5)
			require.NoError(t, err)
			assert.InDelta(t, wantCond, cond, 1e-9*wantCond, "E[Y(%v) | 0, 0, 5]", tt)
		}
	}
	// mpmath at 80 digits (gen.py in testdata/bgref): E[X(10)] = 0.76722016998907850683
	got, err := at.ExpectedPurchases(10)
	require.NoError(t, err)
	assert.InDelta(t, 0.76722016998907850683, got, 1e-15)

	gg, err := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, V: 15.44})
	require.NoError(t, err)
	v, err := segment.CLV(at, gg, segment.Summary{Frequency: 0, T: 5}, segment.Week, nil)
	require.NoError(t, err)
	assert.Greater(t, v, 0.0)
}

// TestBGNBDLongSeriesReference checks the BG/NBD and MBG/NBD conditional expectations
// where the expected purchases without dropout, (r+x)·t/(α+T), are above 3·10⁵ (5·10⁵
// for the sampled points), so that the positive series would need more than its
// 500,000 terms and the integral over the dropout probability answers: against mpmath at 40 digits checked at 80
// (testdata/bgref/hard.csv, computed by hard.py there with the closed forms of FHL 2005
// eqs. 9–10 and Batislam et al. 2007, each also checked against an independent
// tanh-sinh quadrature where that finished). The points include r = 93.7, α = 0.011,
// a = 0.127, b = 0.313, t = 77, where a + b < 1 rules the closed form out. Each value is
// within 10⁻⁹ relatively, and none is ErrNumerical.
func TestBGNBDLongSeriesReference(t *testing.T) {
	rows := readRefCSV(t, "bgref/hard.csv")
	named := 0
	for _, r := range rows {
		require.Len(t, r, 11)
		v := parseFloats(t, r[1:10])
		p := segment.BGNBDParams{R: v[0], Alpha: v[1], A: v[2], B: v[3]}
		x, tx, T, tt, want := int(v[4]), v[5], v[6], v[7], v[8]
		require.Greater(t, (p.R+float64(x))*tt/(p.Alpha+T), 3e5, "%v", r)
		if p == (segment.BGNBDParams{R: 93.7, Alpha: 0.011, A: 0.127, B: 0.313}) {
			named++
		}
		var got float64
		var err error
		if r[0] == "mbgnbd" {
			m, merr := segment.NewMBGNBD(p)
			require.NoError(t, merr)
			got, err = m.ConditionalExpectedPurchases(tt, x, tx, T)
		} else {
			m, merr := segment.NewBGNBD(p)
			require.NoError(t, merr)
			got, err = m.ConditionalExpectedPurchases(tt, x, tx, T)
		}
		require.NoError(t, err, "%v", r)
		assert.InDelta(t, want, got, 1e-300+1e-9*want, "%v", r)
	}
	assert.Equal(t, 4, named, "the named corner, BG/NBD and MBG/NBD, x = 0 and 1")
	t.Logf("%d points", len(rows))
}
