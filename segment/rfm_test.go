package segment_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

// naiveBins is an independent O(N²) implementation of the documented tie rule: a value
// with `less` smaller values and `equal` equal values (itself included) has the mid-rank
// percentile P = (less + equal/2)/N and bin ⌊bins·P⌋ + 1 — computed here by counting, in
// float64, not with the sort and integer formula of the package.
func naiveBins(values []float64, bins int) []int {
	n := len(values)
	out := make([]int, n)
	for i, v := range values {
		less, equal := 0, 0
		for _, w := range values {
			switch {
			case w < v:
				less++
			case w == v:
				equal++
			}
		}
		p := (float64(less) + float64(equal)/2) / float64(n)
		out[i] = int(math.Floor(float64(bins)*p+1e-9)) + 1
	}
	return out
}

func TestQuantileBins(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		bins   int
		want   []int
	}{
		{"ten distinct values in quintiles", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, []int{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}},
		{"input order does not matter", []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, 5, []int{5, 1, 5, 1, 4, 2, 4, 2, 3, 3}},
		{"all tied: the middle bin", []float64{7, 7, 7, 7}, 5, []int{3, 3, 3, 3}},
		{"one value", []float64{42}, 5, []int{3}},
		{"a big tied group at the bottom skips bin 1", []float64{0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, 5, []int{2, 2, 2, 2, 2, 2, 4, 4, 5, 5}},
		{"negative and infinite values", []float64{math.Inf(-1), -3, 0, math.Inf(1)}, 2, []int{1, 1, 2, 2}},
		{"minus zero equals zero", []float64{math.Copysign(0, -1), 0}, 2, []int{2, 2}},
		{"empty", nil, 5, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := segment.QuantileBins(tt.values, tt.bins)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			if len(tt.values) > 0 {
				assert.Equal(t, naiveBins(tt.values, tt.bins), got, "independent computation")
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		_, err := segment.QuantileBins([]float64{1, math.NaN()}, 5)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
		_, err = segment.QuantileBins([]float64{1}, 1)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
		_, err = segment.QuantileBins([]float64{1}, 101)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	})
}

// TestQuantileBinsRandom compares with the independent computation on heavily tied and
// untied data, both through the counting path (few distinct integers) and the radix sort
// path (spread-out floats), and checks that shuffling changes nothing.
func TestQuantileBinsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct {
		name string
		gen  func() float64
	}{
		{"few integers", func() float64 { return float64(rng.IntN(4)) }},
		{"skewed integers", func() float64 { return math.Floor(rng.ExpFloat64() * 3) }},
		{"floats", func() float64 { return rng.NormFloat64() * 1e6 }},
		{"floats with ties", func() float64 { return math.Round(rng.NormFloat64()*3) * 1e10 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, bins := range []int{2, 3, 5, 10} {
				vals := make([]float64, 1+rng.IntN(700))
				for i := range vals {
					vals[i] = tc.gen()
				}
				got, err := segment.QuantileBins(vals, bins)
				require.NoError(t, err)
				require.Equal(t, naiveBins(vals, bins), got)
				perm := rng.Perm(len(vals))
				shuffled := make([]float64, len(vals))
				for i, p := range perm {
					shuffled[i] = vals[p]
				}
				got2, err := segment.QuantileBins(shuffled, bins)
				require.NoError(t, err)
				for i, p := range perm {
					require.Equal(t, got[p], got2[i])
				}
			}
		})
	}
}

// TestDefaultRFMSegmentsGrid checks all 25 cells of the R × F grid against the table in
// the documentation of DefaultRFMSegments (the rfm/pandas segment map plus Lost at 1-1).
func TestDefaultRFMSegmentsGrid(t *testing.T) {
	grid := map[int][5]string{ // R → F=1..5
		5: {segment.SegNew, segment.SegPotentialLoyalist, segment.SegPotentialLoyalist, segment.SegChampions, segment.SegChampions},
		4: {segment.SegPromising, segment.SegPotentialLoyalist, segment.SegPotentialLoyalist, segment.SegLoyal, segment.SegLoyal},
		3: {segment.SegAboutToSleep, segment.SegAboutToSleep, segment.SegNeedAttention, segment.SegLoyal, segment.SegLoyal},
		2: {segment.SegHibernating, segment.SegHibernating, segment.SegAtRisk, segment.SegAtRisk, segment.SegCantLoseThem},
		1: {segment.SegLost, segment.SegHibernating, segment.SegAtRisk, segment.SegAtRisk, segment.SegCantLoseThem},
	}
	rules := segment.DefaultRFMSegments()
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for m := 1; m <= 5; m++ {
				name := ""
				for _, rule := range rules {
					if rule.R.Contains(r) && rule.F.Contains(f) && rule.M.Contains(m) {
						name = rule.Name
						break
					}
				}
				require.Equal(t, grid[r][f-1], name, "R=%d F=%d M=%d", r, f, m)
			}
		}
	}
	names := map[string]bool{}
	for _, r := range rules {
		names[r.Name] = true
	}
	assert.Len(t, names, 11, "the eleven segments of the rfm package")
}

func summariesFor(vals [][3]int) []segment.Summary {
	out := make([]segment.Summary, len(vals))
	for i, v := range vals {
		out[i] = segment.Summary{Customer: "c" + strconv.Itoa(i), DaysSinceLast: v[0], Orders: v[1], Total: decimal.NewFromInt(int64(v[2]))}
	}
	return out
}

func TestRFMScoresAndSegments(t *testing.T) {
	// Ten customers with distinct values: scores are exact quintiles.
	var vals [][3]int
	for i := range 10 {
		vals = append(vals, [3]int{100 - 10*i, i + 1, 10 * (i + 1)})
	}
	got, err := segment.RFM(summariesFor(vals), nil)
	require.NoError(t, err)
	require.Len(t, got, 10)
	wantScore := []int{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}
	for i, s := range got {
		assert.Equal(t, wantScore[i], s.R, "R of %d: fewer days is better", i)
		assert.Equal(t, wantScore[i], s.F)
		assert.Equal(t, wantScore[i], s.M)
	}
	assert.Equal(t, segment.SegLost, got[0].Segment)
	assert.Equal(t, segment.SegChampions, got[9].Segment)
	assert.Equal(t, "555", got[9].Code())
	assert.Equal(t, segment.SegNeedAttention, got[4].Segment, "R=3 F=3")

	t.Run("average monetary", func(t *testing.T) {
		s := []segment.Summary{
			{Customer: "a", Orders: 10, Total: decimal.NewFromInt(100)}, // 10 per order
			{Customer: "b", Orders: 1, Total: decimal.NewFromInt(50)},   // 50 per order
		}
		got, err := segment.RFM(s, &segment.RFMOptions{Monetary: segment.MonetaryAverage, Bins: 2})
		require.NoError(t, err)
		assert.Equal(t, 1, got[0].M)
		assert.Equal(t, 2, got[1].M)
		assert.Equal(t, "10", got[0].Monetary.String())
		assert.Empty(t, got[0].Segment, "no default table for 2 bins")
	})
	t.Run("rfm package table with Other", func(t *testing.T) {
		got, err := segment.RFM(summariesFor(vals), &segment.RFMOptions{Segments: segment.RFMPackageSegments(), Other: "Others"})
		require.NoError(t, err)
		assert.Equal(t, segment.SegChampions, got[9].Segment)
		assert.Equal(t, segment.SegHibernating, got[0].Segment, "1-1-1: Hibernating comes before Lost")
	})
	t.Run("custom table and fallback", func(t *testing.T) {
		rules := []segment.RFMSegmentRule{{Name: "best", R: segment.Only(3), F: segment.Between(2, 3)}}
		got, err := segment.RFM(summariesFor(vals), &segment.RFMOptions{Bins: 3, Segments: rules})
		require.NoError(t, err)
		assert.Equal(t, "best", got[9].Segment)
		assert.Equal(t, "Other", got[0].Segment)
	})
	t.Run("empty", func(t *testing.T) {
		got, err := segment.RFM(nil, nil)
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}

func TestRFMValidation(t *testing.T) {
	tests := []struct {
		name  string
		s     []segment.Summary
		opts  *segment.RFMOptions
		field string
	}{
		{"bins", nil, &segment.RFMOptions{Bins: 1}, "bins"},
		{"monetary", nil, &segment.RFMOptions{Monetary: "median"}, "monetary"},
		{"segment range", nil, &segment.RFMOptions{Segments: []segment.RFMSegmentRule{{Name: "x", R: segment.Between(0, 9)}}}, "segments[0].r"},
		{"segment name", nil, &segment.RFMOptions{Segments: []segment.RFMSegmentRule{{}}}, "segments[0].name"},
		{"negative total", []segment.Summary{{Customer: "a", Total: decimal.NewFromInt(-1)}}, nil, "summaries[0].total"},
		{"negative orders", []segment.Summary{{Customer: "a", Orders: -1}}, nil, "summaries[0].orders"},
		{"total out of range", []segment.Summary{{Customer: "a", Total: decimal.New(1, -40)}}, nil, "summaries[0].total"},
		// a last purchase after the observation end would score as the most recent
		{"negative days since last", []segment.Summary{{Customer: "a", Orders: 1, DaysSinceLast: -5, Total: decimal.NewFromInt(1)}}, nil, "summaries[0].days_since_last"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.RFM(tt.s, tt.opts)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, ""), "%v", err)
		})
	}
}

// checkRFMIndependently recomputes every score of got with naiveBins over the same values.
func checkRFMIndependently(t *testing.T, sums []segment.Summary, got []segment.RFMScore) {
	t.Helper()
	n := len(sums)
	r, f, m := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, s := range sums {
		r[i] = -float64(s.DaysSinceLast)
		f[i] = float64(s.Orders)
		m[i] = s.Total.InexactFloat64()
	}
	wr, wf, wm := naiveBins(r, 5), naiveBins(f, 5), naiveBins(m, 5)
	for i, s := range got {
		require.Equal(t, sums[i].Customer, s.Customer)
		require.Equal(t, wr[i], s.R, "R of %s", s.Customer)
		require.Equal(t, wf[i], s.F, "F of %s", s.Customer)
		require.Equal(t, wm[i], s.M, "M of %s", s.Customer)
	}
}

// TestRFMCDNOW scores the CDNOW sample (whole window to 1998-06-30), where most
// customers bought once: the tie rule must not fail and must match the independent
// computation; every customer with one order gets the same F.
func TestRFMCDNOW(t *testing.T) {
	sums, err := segment.Summarize(loadCDNOWSample(t), segment.Options{ObservationEnd: utcDay(1998, 6, 30)})
	require.NoError(t, err)
	require.Len(t, sums, 2357)
	got, err := segment.RFM(sums, nil)
	require.NoError(t, err)
	checkRFMIndependently(t, sums, got)
	once := 0
	fOnce := map[int]bool{}
	for i, s := range sums {
		if s.Orders == 1 {
			once++
			fOnce[got[i].F] = true
		}
	}
	assert.Equal(t, 1205, once, "customers with a single transaction in CDNOW_sample.txt (independent count below)")
	assert.Equal(t, map[int]bool{2: true}, fOnce, "ties share one bin: ⌊5·(1205/2)/2357⌋ + 1 = 2")
	// Independent count of single-transaction customers from the raw rows.
	per := map[string]int{}
	for _, tx := range loadCDNOWSample(t) {
		per[tx.Customer]++
	}
	n1 := 0
	for _, c := range per {
		if c == 1 {
			n1++
		}
	}
	assert.Equal(t, n1, once)
}

// TestRFMOnlineRetail scores the Online Retail customers and checks every score against
// the independent computation, and that row order does not matter.
func TestRFMOnlineRetail(t *testing.T) {
	txns, _, err := segment.ReadOnlineRetail(onlineRetail(t), "*.csv")
	require.NoError(t, err)
	sums, err := segment.Summarize(txns, segment.Options{ObservationEnd: utcDay(2011, 3, 1)})
	require.NoError(t, err)
	require.Len(t, sums, 1682, "testdata/online-retail/SOURCE.md: 1,682 customers")
	got, err := segment.RFM(sums, nil)
	require.NoError(t, err)
	checkRFMIndependently(t, sums, got)

	rev := slices.Clone(sums)
	slices.Reverse(rev)
	got2, err := segment.RFM(rev, nil)
	require.NoError(t, err)
	for i := range got2 {
		assert.Equal(t, got[len(got)-1-i], got2[i])
	}
	counts := map[string]int{}
	for _, s := range got {
		counts[s.Segment]++
	}
	assert.Equal(t, len(sums), func() int {
		n := 0
		for _, c := range counts {
			n += c
		}
		return n
	}())
	assert.NotContains(t, counts, "Other", "the default grid names every cell")
}
