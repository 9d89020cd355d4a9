package survey

import (
	"math/big"

	"gonum.org/v1/gonum/stat"
)

// Quadrant is an item's place on an importance–performance grid.
type Quadrant string

// The four quadrants of importance–performance analysis.
const (
	// KeepUp: important and performing well ("keep up the good work").
	KeepUp Quadrant = "keep up"
	// ConcentrateHere: important but performing poorly, where improvement pays most.
	ConcentrateHere Quadrant = "concentrate here"
	// PossibleOverkill: performing well on something that matters little.
	PossibleOverkill Quadrant = "possible overkill"
	// LowPriority: performing poorly on something that matters little.
	LowPriority Quadrant = "low priority"
)

// IPAItem is one item's importance, performance and quadrant.
type IPAItem struct {
	// Importance is the Pearson correlation of the item with the overall score (derived
	// importance), between −1 and 1.
	Importance float64
	// Performance is the item's mean answer.
	Performance float64
	// N is the number of respondents behind Importance: those who answered the item and
	// the overall question (listwise: every item and the overall question).
	N        int
	Quadrant Quadrant
}

// IPAResult is an importance–performance analysis of several items.
type IPAResult struct {
	// Items holds one entry per item, in order.
	Items []IPAItem
	// ImportanceCut and PerformanceCut are the means of the items' importances and
	// performances, the lines that divide the grid.
	ImportanceCut, PerformanceCut float64
	// N is the number of respondents read: those who answered every item and the overall
	// question (listwise) or at least one of them (pairwise).
	N      int
	Policy MissingPolicy
}

// ImportancePerformance places each item on an importance–performance grid: its
// importance is its Pearson correlation with the overall score (say, overall
// satisfaction), its performance its mean answer, and both axes are cut at the mean over
// the items (the exact mean, rounded once, so that an item equal to it is at the cut). An
// item at or above both cuts is KeepUp; important but below the performance cut,
// ConcentrateHere; below the importance cut but at or above the performance cut,
// PossibleOverkill; below both, LowPriority.
//
// Every column holds one entry per respondent, in the same order. policy says how
// missing answers are handled: Listwise reads only the respondents who answered every
// item and the overall question; Pairwise computes each correlation on the respondents
// who answered the item and the overall question, and each mean on those who answered the
// item. It is an error for an item to share fewer than two respondents with the overall
// question, or for it or the overall score to have no variance among them.
func ImportancePerformance(items []Column, overall Column, policy MissingPolicy) (IPAResult, error) {
	var ck checker
	if len(items) == 0 {
		ck.add("items", "required", "has no item")
	}
	cols := append(append(make([]Column, 0, len(items)+1), items...), overall)
	t := newTable(&ck, cols, policy, func(i int) string {
		if i == len(items) {
			return "overall"
		}
		return itemName(i)
	})
	if err := ck.err(); err != nil {
		return IPAResult{}, err
	}
	k := len(items)
	r := IPAResult{Items: make([]IPAItem, k), N: t.respondents(), Policy: policy}
	for i := range k {
		f := itemName(i)
		own, _ := t.pair(i, i)
		x, y := t.pair(i, k)
		switch {
		case len(own) == 0:
			ck.add(f, "required", "has no answer read")
		case len(x) < 2:
			ck.addf(f, "required", "has %d respondents in common with overall; at least 2 are needed", len(x))
		case !(stat.Variance(x, nil) > 0):
			ck.add(f, "constant", "has no variance among the respondents who answered overall")
		case !(stat.Variance(y, nil) > 0):
			ck.addf("overall", "constant", "has no variance among the respondents who answered %s", f)
		default:
			r.Items[i] = IPAItem{
				Importance:  stat.Correlation(x, y, nil),
				Performance: stat.Mean(own, nil),
				N:           len(x),
			}
			if err := resultFinite(f, r.Items[i].Importance, r.Items[i].Performance); err != nil {
				return IPAResult{}, err
			}
		}
	}
	if err := ck.err(); err != nil {
		return IPAResult{}, err
	}
	imp, perf := make([]float64, k), make([]float64, k)
	for i, it := range r.Items {
		imp[i], perf[i] = it.Importance, it.Performance
	}
	r.ImportanceCut, r.PerformanceCut = exactMean(imp), exactMean(perf)
	if err := resultFinite("items", r.PerformanceCut); err != nil {
		return IPAResult{}, err
	}
	for i := range r.Items {
		it := &r.Items[i]
		high, good := it.Importance >= r.ImportanceCut, it.Performance >= r.PerformanceCut
		switch {
		case high && good:
			it.Quadrant = KeepUp
		case high:
			it.Quadrant = ConcentrateHere
		case good:
			it.Quadrant = PossibleOverkill
		default:
			it.Quadrant = LowPriority
		}
	}
	return r, nil
}

// exactMean is the mean of finite xs rounded once: their exact sum divided by their
// number, so that the mean of equal values is that value and an item equal to the mean
// is at the cut (the float sum 3.7 + 3.7 + 3.7 over 3 would give 3.7000000000000006).
func exactMean(xs []float64) float64 {
	const prec = 2200 // holds any sum of float64s exactly (exponents 2⁻¹⁰⁷⁴ to 2¹⁰²⁴)
	sum := new(big.Float).SetPrec(prec)
	for _, x := range xs {
		sum.Add(sum, big.NewFloat(x))
	}
	mean, _ := new(big.Float).SetPrec(53).Quo(sum, big.NewFloat(float64(len(xs)))).Float64()
	return mean
}
