package loyalty

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestGroupAwards checks groupAwards against sums worked out with maps, for earnings small
// enough for its stack scratch and too large for it, over interleaved point types, lines
// and rules.
func TestGroupAwards(t *testing.T) {
	interleaved := []Award{
		{PointType: "points", Points: 10, LineID: "1", RuleID: "base"},
		{PointType: "miles", Points: 7, LineID: "1", RuleID: "base"},
		{PointType: "points", Points: 20, LineID: "2", RuleID: "base"},
		{PointType: "points", Points: 5, LineID: "1", RuleID: "double"},
		{PointType: "points", Points: 3, LineID: "", RuleID: "bonus"},
		{PointType: "points", Points: 4, LineID: "2", RuleID: "base"}, // base again, not next to its others
		{PointType: "miles", Points: 1, LineID: "", RuleID: "bonus"},
	}
	var many []Award
	for i := range 150 {
		many = append(many, Award{PointType: []string{"a", "b", "c"}[i%3], Points: int64(i + 1),
			LineID: strconv.Itoa(i % 7), RuleID: "r" + strconv.Itoa(i%11)})
	}
	for _, tc := range []struct {
		name   string
		awards []Award
	}{{"interleaved", interleaved}, {"more than the scratch holds", many}} {
		t.Run(tc.name, func(t *testing.T) {
			// Independently: the order of first appearance and the sums, with maps.
			var types []string
			seen := map[string]bool{}
			lines, rules := map[string][]string{}, map[string][]string{}
			byLine, byRule := map[[2]string]int64{}, map[[2]string]int64{}
			for _, a := range tc.awards {
				if !seen[a.PointType] {
					seen[a.PointType] = true
					types = append(types, a.PointType)
				}
				if _, ok := byLine[[2]string{a.PointType, a.LineID}]; !ok {
					lines[a.PointType] = append(lines[a.PointType], a.LineID)
				}
				if _, ok := byRule[[2]string{a.PointType, a.RuleID}]; !ok {
					rules[a.PointType] = append(rules[a.PointType], a.RuleID)
				}
				byLine[[2]string{a.PointType, a.LineID}] += a.Points
				byRule[[2]string{a.PointType, a.RuleID}] += a.Points
			}
			got := groupAwards(tc.awards)
			if !assert.Len(t, got, len(types)) {
				return
			}
			for g, pt := range types {
				assert.Equal(t, pt, got[g].pointType, "groups keep the order of first appearance")
				var wantShares []lotShare
				for _, l := range lines[pt] {
					wantShares = append(wantShares, lotShare{line: l, points: byLine[[2]string{pt, l}]})
				}
				var wantRules []RuleAward
				for _, r := range rules[pt] {
					wantRules = append(wantRules, RuleAward{Rule: r, Points: byRule[[2]string{pt, r}]})
				}
				assert.Equal(t, wantShares, got[g].shares, "%s: one share per line", pt)
				assert.Equal(t, wantRules, got[g].rules, "%s: one award per rule", pt)
				assert.Equal(t, len(got[g].rules), cap(got[g].rules), "%s: rules are clipped, so appending cannot reach another group", pt)
			}
		})
	}
}
