package survey_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/survey"
)

// TestImportancePerformanceAttitude checks the analysis of R's attitude data with rating
// as the overall score: importances are R's cor(attitude)[1, -1] (complaints 0.8254176,
// privileges 0.4261169, learning 0.6236782, raises 0.5901390, critical 0.1564392, advance
// 0.1550863), performances colMeans(attitude), both recomputed independently with
// Python's statistics.correlation and fmean.
func TestImportancePerformanceAttitude(t *testing.T) {
	items := attitudeItems(t)
	tests := []struct {
		name        string
		importance  float64
		performance float64
		quadrant    survey.Quadrant
	}{
		{"complaints", 0.825417569542146, 66.6, survey.KeepUp},
		{"privileges", 0.42611687010026444, 53.13333333333333, survey.LowPriority},
		{"learning", 0.6236781645002107, 56.36666666666667, survey.ConcentrateHere},
		{"raises", 0.5901389948776861, 64.63333333333334, survey.KeepUp},
		{"critical", 0.15643915160723781, 74.76666666666667, survey.PossibleOverkill},
		{"advance", 0.15508625260119357, 42.93333333333333, survey.LowPriority},
	}
	for _, policy := range []survey.MissingPolicy{survey.Listwise, survey.Pairwise} {
		r, err := survey.ImportancePerformance(items[1:], items[0], policy)
		require.NoError(t, err)
		require.Len(t, r.Items, len(tests))
		assert.Equal(t, 30, r.N)
		// The cuts are the means of the six importances and performances.
		var imp, perf float64
		for _, tc := range tests {
			imp += tc.importance / 6
			perf += tc.performance / 6
		}
		assert.InDelta(t, imp, r.ImportanceCut, 1e-12)
		assert.InDelta(t, perf, r.PerformanceCut, 1e-12)
		for i, tc := range tests {
			t.Run(policy.String()+"/"+tc.name, func(t *testing.T) {
				it := r.Items[i]
				assert.InDelta(t, tc.importance, it.Importance, 1e-12)
				assert.InDelta(t, tc.performance, it.Performance, 1e-12)
				assert.Equal(t, tc.quadrant, it.Quadrant)
				assert.Equal(t, 30, it.N)
			})
		}
	}
	// The published importances, to the digits they are quoted with.
	r, err := survey.ImportancePerformance(items[1:], items[0], survey.Pairwise)
	require.NoError(t, err)
	for i, want := range []float64{0.8254176, 0.4261169, 0.6236782, 0.5901390, 0.1564392, 0.1550863} {
		assert.InDelta(t, want, r.Items[i].Importance, 5e-8, attitudeNames[i+1])
	}
}

// TestImportancePerformanceMissing checks the pairwise policy on the attitude data with
// seven cells marked missing against an independent computation with Python's
// statistics module: each correlation on the departments that answered the item and
// rating, each mean on those that answered the item.
func TestImportancePerformanceMissing(t *testing.T) {
	items := attitudeItems(t, [2]int{0, 1}, [2]int{3, 2}, [2]int{7, 4}, [2]int{12, 6}, [2]int{20, 0}, [2]int{21, 1}, [2]int{5, 5})
	r, err := survey.ImportancePerformance(items[1:], items[0], survey.Pairwise)
	require.NoError(t, err)
	want := []struct {
		importance, performance float64
		n                       int
	}{
		{0.8093180326186363, 67.35714285714286, 27},
		{0.3793877306052956, 53.41379310344828, 28},
		{0.5964650802862913, 56.36666666666667, 29},
		{0.5555545364774934, 64.44827586206897, 28},
		{-0.08056828630305647, 75.65517241379311, 28},
		{0.14895968325989697, 43.55172413793103, 28},
	}
	for i, w := range want {
		assert.InDelta(t, w.importance, r.Items[i].Importance, 1e-12, attitudeNames[i+1])
		assert.InDelta(t, w.performance, r.Items[i].Performance, 1e-12, attitudeNames[i+1])
		assert.Equal(t, w.n, r.Items[i].N, attitudeNames[i+1])
	}
	l, err := survey.ImportancePerformance(items[1:], items[0], survey.Listwise)
	require.NoError(t, err)
	assert.Equal(t, 23, l.N)
	assert.Equal(t, 23, l.Items[0].N)
}

// TestImportancePerformanceItemAtTheCut checks the tie rule at the cuts: an item equal to
// the mean over the items is at the cut, so k copies of one item (performance 3.7,
// importance its correlation with overall) are all KeepUp, for every k, and the cuts are
// the item's own values — though the floating-point mean 3.7 + 3.7 + 3.7 over 3 is
// 3.7000000000000006.
func TestImportancePerformanceItemAtTheCut(t *testing.T) {
	item := given(4, 3, 5, 4, 2, 5, 3, 4, 4, 3)
	overall := given(4, 3, 5, 5, 2, 4, 3, 4, 5, 3)
	for k := 2; k <= 12; k++ {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			items := make([]survey.Column, k)
			for i := range items {
				items[i] = item
			}
			r, err := survey.ImportancePerformance(items, overall, survey.Listwise)
			require.NoError(t, err)
			for i, it := range r.Items {
				assert.Equal(t, survey.KeepUp, it.Quadrant, "items[%d] %+v, cuts %v and %v", i, it, r.ImportanceCut, r.PerformanceCut)
			}
			assert.Equal(t, 3.7, r.PerformanceCut)
			assert.Equal(t, r.Items[0].Importance, r.ImportanceCut)
		})
	}
}

func TestImportancePerformanceInvalid(t *testing.T) {
	a, b := given(3, 2, 4, 3, 4), given(4, 3, 4, 2, 4)
	_, err := survey.ImportancePerformance(nil, a, survey.Pairwise)
	requireInvalid(t, err, "items", "required")
	_, err = survey.ImportancePerformance([]survey.Column{a}, given(1, 2), survey.Pairwise)
	requireInvalid(t, err, "overall", "length")
	_, err = survey.ImportancePerformance([]survey.Column{a}, given(1, 1, 1, 1, 1), survey.Pairwise)
	requireInvalid(t, err, "overall", "constant")
	_, err = survey.ImportancePerformance([]survey.Column{given(1, 1, 1, 1, 1)}, b, survey.Pairwise)
	requireInvalid(t, err, "items[0]", "constant")
	_, err = survey.ImportancePerformance([]survey.Column{a}, b, survey.MissingPolicy(7))
	requireInvalid(t, err, "policy", "enum")
}
