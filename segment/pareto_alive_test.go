package segment_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/segment"
)

// TestParetoNBDAliveReference checks P(alive | x, t_x, T) against high-precision values
// of the closed form of Fader & Hardie's note (2005, eqs. 18–20 and 36–37), computed
// with mpmath at up to 400 digits (or, where that does not settle in time, the integral
// over the dropout time at 40 digits checked at 60; testdata/pareto_alive_reference.py
// says how), at every sixth point of the grid r, α, s, β ∈ {10⁻³, 0.5, 30, 10⁴, 10¹²}
// with seven histories from x = 0, T = 0.01 to x = 500, T = 5000 (652 of its 729
// points; the reference did not settle in time at the others) — among them r = 30,
// α = 10¹², s = 0.5, β = 10⁻³, where the ₂F₁ arguments are within 10⁻¹⁵ of 1. Each
// value is within 10⁻⁹ relatively (below 10⁻³⁰⁰, at most 10⁻²⁹⁹), or ErrNumerical for
// at most 2 % of the points. The conditional expectation, P(alive) times the
// expectation of an active customer, must then be consistent with it.
func TestParetoNBDAliveReference(t *testing.T) {
	rows := readRefCSV(t, "pareto_alive_reference.csv")
	require.Greater(t, len(rows), 400)
	num := func(s string) float64 { return parseFloats(t, []string{s})[0] }
	failed, worst := 0, 0.0
	for _, row := range rows {
		p := segment.ParetoNBDParams{R: num(row[0]), Alpha: num(row[1]), S: num(row[2]), Beta: num(row[3])}
		x, tx, T, want := int(num(row[4])), num(row[5]), num(row[6]), num(row[7])
		m, err := segment.NewParetoNBD(p)
		require.NoError(t, err)
		got, err := m.ProbabilityAlive(x, tx, T)
		if err != nil {
			require.True(t, errors.Is(err, segment.ErrNumerical), "%v", err)
			failed++
			continue
		}
		if want < 1e-300 {
			assert.LessOrEqual(t, got, 1e-299, "%+v x=%d tx=%v T=%v", p, x, tx, T)
			continue
		}
		if !assert.InDelta(t, 1, got/want, 1e-9, "%+v x=%d tx=%v T=%v: %v, reference %v (%s)", p, x, tx, T, got, want, row[8]) {
			continue
		}
		worst = max(worst, math.Abs(got/want-1))
		e, err := m.ConditionalExpectedPurchases(10, x, tx, T)
		require.NoError(t, err, "%+v x=%d tx=%v T=%v", p, x, tx, T)
		rate := (p.R + float64(x)) / (p.Alpha + T)
		assert.LessOrEqual(t, e, got*rate*10*(1+1e-12), "E ≤ P(alive)·rate·t at %+v x=%d tx=%v T=%v", p, x, tx, T)
	}
	n := len(rows) - 1
	t.Logf("%d reference values, %d ErrNumerical, largest relative difference %.2g", n, failed, worst)
	assert.LessOrEqual(t, float64(failed), 0.02*float64(n), "ErrNumerical")
}
