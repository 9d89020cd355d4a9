package loyalty

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordedEntry builds the earn entry that creditLots writes for an earning of one point
// type: grid[i][j] is what rule j gave line i ("" the order as a whole), and debt is what
// the account owed before. Lines and rules that gave nothing have no lot and no award.
func recordedEntry(lines []string, rules []string, grid [][]int64, debt int64) (*Entry, []string, []RuleAward, [][]int64) {
	e := &Entry{Kind: KindEarn, Account: AccountKey{PointType: "points"}}
	var keptLines []string
	var keptGrid [][]int64
	for i, line := range lines {
		var sum int64
		for _, v := range grid[i] {
			sum += v
		}
		if sum == 0 {
			continue
		}
		pay := min(debt, sum)
		debt -= pay
		e.Lots = append(e.Lots, LotMove{Points: sum - pay, Line: line})
		e.Points += sum
		e.Debt -= pay
		keptLines = append(keptLines, line)
		keptGrid = append(keptGrid, grid[i])
	}
	var awards []RuleAward
	var cols []int
	for j, r := range rules {
		var sum int64
		for i := range keptGrid {
			sum += keptGrid[i][j]
		}
		if sum > 0 {
			awards = append(awards, RuleAward{Rule: r, Points: sum})
			cols = append(cols, j)
		}
	}
	e.Awards = awards
	out := make([][]int64, len(keptGrid))
	for i := range keptGrid {
		for _, j := range cols {
			out[i] = append(out[i], keptGrid[i][j])
		}
	}
	return e, keptLines, awards, out
}

func TestSplitAwards(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		rules []string
		grid  [][]int64
		debt  int64
		ok    bool
	}{
		{"one line, several rules", []string{"1"}, []string{BaseRuleID, "a", "b"}, [][]int64{{10, 5, 7}}, 0, true},
		{"one rule, several lines", []string{"1", "2", "3"}, []string{BaseRuleID}, [][]int64{{10}, {20}, {30}}, 0, true},
		{"one rule, debt paid from the first line", []string{"1", "2"}, []string{BaseRuleID}, [][]int64{{10}, {20}}, 4, true},
		{"one rule, debt took the first line", []string{"1", "2"}, []string{BaseRuleID}, [][]int64{{10}, {20}}, 10, false},
		{"one rule, debt took more than the first line", []string{"1", "2"}, []string{BaseRuleID}, [][]int64{{10}, {20}}, 15, false},
		{"one line, debt took it all", []string{"1"}, []string{BaseRuleID, "a"}, [][]int64{{10, 3}}, 50, true},
		{"base points beside an order-wide bonus", []string{"1", "2", ""}, []string{BaseRuleID, "bonus"},
			[][]int64{{10, 0}, {20, 0}, {0, 100}}, 0, true},
		{"a rule over lines and the order, beside base points", []string{"1", ""}, []string{BaseRuleID, "r"},
			[][]int64{{10, 5}, {0, 100}}, 0, true},
		{"two rules over two lines", []string{"1", "2"}, []string{BaseRuleID, "mult"}, [][]int64{{60, 30}, {40, 20}}, 0, false},
		{"two rules, one of them on one line", []string{"1", "2"}, []string{BaseRuleID, "r"}, [][]int64{{60, 0}, {40, 20}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, lines, rules, want := recordedEntry(tc.lines, tc.rules, tc.grid, tc.debt)
			earned, known := lotsEarned(e)
			cells, ok := splitAwards(rules, lines, earned, known)
			require.Equal(t, tc.ok, ok)
			if ok {
				for i := range want {
					assert.Equal(t, want[i], cells[i*len(rules):(i+1)*len(rules)], "line %q", lines[i])
				}
			}
			var total int64
			for _, a := range appendEntryAwards(nil, e) {
				total += a.Points
			}
			assert.Equal(t, e.Points, total, "the awards add up to what the entry credited")
		})
	}
}

// TestSplitAwardsNeverGuesses checks splitAwards against the breakdown an entry was made
// from, over random entries: whenever it settles every cell, each is what the rule gave the
// line, and appendEntryAwards gives each rule its points in every case.
func TestSplitAwardsNeverGuesses(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	settled := 0
	for run := range 5000 {
		n, m := 1+rng.IntN(4), 1+rng.IntN(4)
		lines := make([]string, n)
		for i := range lines {
			lines[i] = fmt.Sprint(i + 1)
		}
		if rng.IntN(2) == 0 {
			lines[n-1] = "" // the order as a whole
		}
		rules := make([]string, m)
		for j := range rules {
			rules[j] = fmt.Sprint("r", j)
		}
		if rng.IntN(2) == 0 {
			rules[0] = BaseRuleID
		}
		grid := make([][]int64, n)
		for i := range grid {
			grid[i] = make([]int64, m)
			for j := range grid[i] {
				if rng.IntN(3) > 0 && (lines[i] != "" || rules[j] != BaseRuleID) {
					grid[i][j] = int64(1 + rng.IntN(50))
				}
			}
		}
		var debt int64
		if rng.IntN(4) == 0 {
			debt = int64(rng.IntN(100))
		}
		e, kept, awards, want := recordedEntry(lines, rules, grid, debt)
		if len(kept) == 0 {
			continue
		}
		earned, known := lotsEarned(e)
		if cells, ok := splitAwards(awards, kept, earned, known); ok {
			settled++
			for i := range want {
				require.Equal(t, want[i], cells[i*len(awards):(i+1)*len(awards)], "run %d, line %q", run, kept[i])
			}
		}
		byRule := map[string]int64{}
		for _, a := range appendEntryAwards(nil, e) {
			byRule[a.RuleID] += a.Points
		}
		for _, r := range awards {
			require.Equal(t, r.Points, byRule[r.Rule], "run %d, rule %s", run, r.Rule)
		}
	}
	assert.Greater(t, settled, 1000, "most small entries settle")
}
