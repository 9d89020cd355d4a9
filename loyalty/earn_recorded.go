package loyalty

import (
	"cmp"
	"slices"

	"github.com/kehu-crm/kehu"
)

// recordedEarning is the earning that a command's earn entries credit, read from them: what
// a repeated EarnOrder or EarnEvent reports (see EarnResult.Earning). It holds the awards
// the entries determine and no explanation; the entries of the ledger's internal accounts
// (tier figures) are not part of an earning. Its awards come in the order Preview and
// EventAwards give them: base points by line of lines, then by point type; then each
// rule's in programme order, by line and then the order as a whole. A rule p does not
// know (one of another version) comes last.
func recordedEarning(p *Program, entries []Entry, lines []kehu.OrderLine) *Earning {
	var awards []Award
	for i := range entries {
		if e := &entries[i]; e.Kind == KindEarn && !IsInternalAccount(e.Account.PointType) {
			awards = appendEntryAwards(awards, e)
		}
	}
	rank := awardRanks(p, lines)
	slices.SortStableFunc(awards, func(a, b Award) int {
		x, y := rank(a), rank(b)
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]), cmp.Compare(x[2], y[2]))
	})
	return &Earning{given: &earningJSON{Awards: awards}}
}

// awardRanks returns an award's place in Preview's order: its rule (base rates first, then
// order rules by priority, then event rules in programme order), its line (in the order of
// lines, the order as a whole last) and its point type (in programme order).
func awardRanks(p *Program, lines []kehu.OrderLine) func(Award) [3]int {
	plan := p.plan
	rules := make(map[string]int, len(plan.rules)+len(plan.events)+1)
	rules[BaseRuleID] = -1
	for i, r := range plan.rules {
		rules[r.ID] = i
	}
	for i, r := range plan.events {
		rules[r.ID] = len(plan.rules) + i
	}
	return func(a Award) [3]int {
		rule, ok := rules[a.RuleID]
		if !ok {
			rule = len(plan.rules) + len(plan.events)
		}
		line := len(lines) // the order as a whole
		if a.LineID != "" {
			line = slices.IndexFunc(lines, func(l kehu.OrderLine) bool { return l.ID == a.LineID })
			if line < 0 {
				line = len(lines) + 1
			}
		}
		ptype := slices.Index(plan.types, a.PointType)
		if ptype < 0 {
			ptype = len(plan.types)
		}
		return [3]int{rule, line, ptype}
	}
}

// appendEntryAwards appends the awards of one earn entry to dst: each rule's points
// (Entry.Awards) on the lines of the entry's lots (LotMove.Line) where the two determine
// them (see splitAwards), and otherwise each rule's points as one award with no line.
func appendEntryAwards(dst []Award, e *Entry) []Award {
	pt := e.Account.PointType
	rules := e.Awards
	if len(rules) == 0 && e.Points > 0 {
		rules = []RuleAward{{Rule: e.Source.Rule, Points: e.Points}} // an entry without its breakdown
	}
	lines := make([]string, len(e.Lots))
	for i, m := range e.Lots {
		lines[i] = cmp.Or(m.Line, e.Source.Line)
	}
	earned, known := lotsEarned(e)
	if cells, ok := splitAwards(rules, lines, earned, known); ok {
		for j, r := range rules {
			for i, line := range lines {
				if v := cells[i*len(rules)+j]; v > 0 {
					dst = append(dst, Award{PointType: pt, Points: v, LineID: line, RuleID: r.Rule})
				}
			}
		}
		return dst
	}
	for _, r := range rules {
		if r.Points > 0 {
			dst = append(dst, Award{PointType: pt, Points: r.Points, RuleID: r.Rule})
		}
	}
	return dst
}

// lotsEarned returns what each lot of an earn entry earned (Lot.Earned): what the entry put
// in it plus what it paid of the account's debt. creditLots pays debt from the first lot on,
// so an entry that paid debt paid all of it from its first lot, unless the debt took all
// that the first lot earned: then which lots paid it is not recorded, and known is false.
func lotsEarned(e *Entry) (earned []int64, known bool) {
	earned = make([]int64, len(e.Lots))
	var sum int64
	for i, m := range e.Lots {
		earned[i] = m.Points
		sum += m.Points
	}
	if paid := -e.Debt; paid > 0 {
		if len(earned) == 0 || (earned[0] == 0 && len(earned) > 1) {
			return earned, false
		}
		earned[0] += paid
		sum += paid
	}
	return earned, sum == e.Points
}

// splitAwards works out what each rule gave each lot of an entry — cells[i×len(rules)+j] is
// rule j's points in lot i — from what each rule gave (rules) and, when known, what each
// lot earned, where these determine it; ok is false where they do not. The points are
// never negative, and base rates never give the order as a whole (a lot of line ""), so a
// lot or a rule with one cell left open gets what is left of it, and one with nothing left
// closes its open cells at zero; this is repeated until no cell is open (ok) or none can be
// settled.
func splitAwards(rules []RuleAward, lines []string, earned []int64, known bool) (cells []int64, ok bool) {
	n, m := len(lines), len(rules)
	if n == 0 || m == 0 {
		return nil, false
	}
	cells = make([]int64, n*m)
	open := make([]bool, n*m)
	left := n * m
	for i, line := range lines {
		for j, r := range rules {
			if line == "" && r.Rule == BaseRuleID {
				left--
				continue
			}
			open[i*m+j] = true
		}
	}
	rowLeft := slices.Clone(earned)
	colLeft := make([]int64, m)
	for j, r := range rules {
		colLeft[j] = r.Points
	}
	// settle fixes cell c at v, taking it from what its lot and its rule have left.
	settle := func(c int, v int64) bool {
		i, j := c/m, c%m
		if v < 0 || v > colLeft[j] || (known && v > rowLeft[i]) {
			return false // the entry contradicts itself
		}
		cells[c], open[c] = v, false
		colLeft[j] -= v
		if known {
			rowLeft[i] -= v
		}
		left--
		return true
	}
	// settleLine settles a line of cells (a lot's, or a rule's): the one open cell gets what
	// is left, or every open cell gets zero when nothing is left.
	settleLine := func(at func(k int) int, count int, rest int64) (progress, ok bool) {
		var openCells []int
		for k := range count {
			if c := at(k); open[c] {
				openCells = append(openCells, c)
			}
		}
		switch {
		case len(openCells) == 0:
			return false, rest == 0
		case rest == 0:
			for _, c := range openCells {
				settle(c, 0)
			}
			return true, true
		case len(openCells) == 1:
			return true, settle(openCells[0], rest)
		}
		return false, true
	}
	for progress := true; progress && left > 0; {
		progress = false
		if known {
			for i := range n {
				moved, ok := settleLine(func(k int) int { return i*m + k }, m, rowLeft[i])
				if !ok {
					return nil, false
				}
				progress = progress || moved
			}
		}
		for j := range m {
			moved, ok := settleLine(func(k int) int { return k*m + j }, n, colLeft[j])
			if !ok {
				return nil, false
			}
			progress = progress || moved
		}
	}
	if left > 0 {
		return nil, false
	}
	for _, v := range colLeft {
		if v != 0 {
			return nil, false
		}
	}
	if known {
		for _, v := range rowLeft {
			if v != 0 {
				return nil, false
			}
		}
	}
	return cells, true
}
