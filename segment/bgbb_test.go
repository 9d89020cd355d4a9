package segment_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// loadDonations reads donations.csv (frequency, recency, periods, weights): the
// recency/frequency matrix of 11,104 donors over n = 6 annual opportunities used by
// Fader, Hardie & Shang (2010).
func loadDonations(t testing.TB) []segment.RFCell {
	t.Helper()
	rows := readModelCSV(t, "donations.csv")
	cells := make([]segment.RFCell, 0, len(rows))
	total := 0.0
	for _, r := range rows {
		require.Len(t, r, 4)
		x, err := strconv.Atoi(r[0])
		require.NoError(t, err)
		tx, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err)
		n, err := strconv.ParseFloat(r[2], 64)
		require.NoError(t, err)
		w, err := strconv.ParseFloat(r[3], 64)
		require.NoError(t, err)
		cells = append(cells, segment.RFCell{Frequency: x, Recency: tx, T: n, Weight: w})
		total += w
	}
	require.Equal(t, 11104.0, total)
	return cells
}

// TestBGBBFitDonations checks the BG/BB fit on the donations data against Fader,
// Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
// Setting", Marketing Science 29(6): α = 1.204, β = 0.750, γ = 0.657, δ = 2.783
// (as in lifetimes test_estimation.py test_params_out_is_close_to_Hardie_paper).
func TestBGBBFitDonations(t *testing.T) {
	cells := loadDonations(t)
	m, err := segment.FitBGBBCells(cells, nil)
	require.NoError(t, err)
	p := m.Params
	tests := []struct {
		name      string
		want, got float64
	}{
		{"alpha", 1.204, p.Alpha},
		{"beta", 0.750, p.Beta},
		{"gamma", 0.657, p.Gamma},
		{"delta", 2.783, p.Delta},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, tc.got, 0.0005, tc.name)
		})
	}
	assert.InDelta(t, -33225.6, m.Stats.LogLikelihood, 0.05)
	assert.Equal(t, 11104.0, m.Stats.Customers)

	// FHS 2010 Table 6, P(alive in 2002): 0.11 for (x, t_x) = (0, 0), 0.59 for (2, 4),
	// 0.93 for (6, 6) (lifetimes test_prob_alive_is_close_to_Hardie_paper_table_6).
	alive := []struct {
		x    int
		tx   float64
		want float64
	}{{0, 0, 0.11}, {2, 4, 0.59}, {6, 6, 0.93}}
	for _, tc := range alive {
		got, err := m.ProbabilityAlive(tc.x, tc.tx, 6)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 0.005, "P(alive)(%d, %v, 6)", tc.x, tc.tx)
	}

	// Hardie's BG/BB spreadsheet ("Conditional Expectations (II)", total of column F):
	// the donors make 12,884.2 donations in the next 5 years (lifetimes
	// test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet).
	sum := 0.0
	for _, c := range cells {
		e, err := m.ConditionalExpectedPurchases(5, c.Frequency, c.Recency, c.T)
		require.NoError(t, err)
		sum += c.Weight * e
	}
	assert.InDelta(t, 12884.2, sum, 0.5)

	// Hardie's spreadsheet ("In-Sample Fit", cells C18 and C24): expected donors with 0
	// and with 6 repeat donations in 6 years, 3,454.9 and 1,253.1.
	p0, err := m.ProbabilityOfPurchases(0, 6)
	require.NoError(t, err)
	p6, err := m.ProbabilityOfPurchases(6, 6)
	require.NoError(t, err)
	assert.InDelta(t, 3454.9, 11104*p0, 0.5)
	assert.InDelta(t, 1253.1, 11104*p6, 0.5)
}

// TestBGBBConsistency checks the BG/BB expressions against each other: P(X(n) = x)
// sums to 1 with mean E[X(n)], and the conditional expectation of a new customer
// (0, 0, 0) over n opportunities is the unconditional E[X(n)].
func TestBGBBConsistency(t *testing.T) {
	m, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783})
	require.NoError(t, err)
	for _, n := range []float64{1, 6, 30} {
		sum, mean := 0.0, 0.0
		for x := 0; x <= int(n); x++ {
			p, err := m.ProbabilityOfPurchases(x, n)
			require.NoError(t, err)
			sum += p
			mean += float64(x) * p
		}
		ex, err := m.ExpectedPurchases(n)
		require.NoError(t, err)
		assert.InDelta(t, 1, sum, 1e-12)
		assert.InDelta(t, ex, mean, 1e-10)
		cond, err := m.ConditionalExpectedPurchases(n, 0, 0, 0)
		require.NoError(t, err)
		assert.InDelta(t, ex, cond, 1e-10)
	}

	// γ = 1 exactly: the closed forms' limit, close to its neighbours.
	one, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1.2, Beta: 0.75, Gamma: 1, Delta: 2.8})
	require.NoError(t, err)
	near, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1.2, Beta: 0.75, Gamma: 1.001, Delta: 2.8})
	require.NoError(t, err)
	a, err := one.ConditionalExpectedPurchases(5, 3, 4, 6)
	require.NoError(t, err)
	b, err := near.ConditionalExpectedPurchases(5, 3, 4, 6)
	require.NoError(t, err)
	assert.InDelta(t, b, a, 1e-3)
}

// TestBGBBValidation checks that BG/BB histories must be whole opportunities.
func TestBGBBValidation(t *testing.T) {
	m, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783})
	require.NoError(t, err)
	tests := []struct {
		name string
		call func() error
	}{
		{"fractional n", func() error { _, err := m.ProbabilityAlive(1, 1, 5.5); return err }},
		{"x above recency", func() error { _, err := m.ProbabilityAlive(3, 2, 6); return err }},
		{"fractional horizon", func() error { _, err := m.ConditionalExpectedPurchases(0.5, 1, 1, 6); return err }},
		{"too many opportunities", func() error { _, err := m.ExpectedPurchases(1e7); return err }},
		{"negative k", func() error { _, err := m.ProbabilityAliveIn(-1, 1, 1, 6); return err }},
		{"fit on fractional cells", func() error {
			_, err := segment.FitBGBBCells([]segment.RFCell{{Frequency: 1, Recency: 1.5, T: 6, Weight: 1}}, nil)
			return err
		}},
		{"bad params", func() error {
			_, err := segment.NewBGBB(segment.BGBBParams{Alpha: 1, Beta: 0, Gamma: 1, Delta: 1})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.call(), kehu.ErrInvalid)
		})
	}
}
