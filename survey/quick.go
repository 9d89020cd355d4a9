package survey

import "github.com/kehu-crm/kehu"

// quickCheck accepts answers that are plainly valid, in one pass and, for ratings, without
// allocating: a survey whose questions are always shown, answers in the questionnaire's
// order (a question or row may be skipped when it is not required), each answer valid for
// its question. It reports false for anything else — a survey with visibility conditions,
// answers out of order or repeated, a required question skipped, any problem at all — and
// the caller then runs the full check, which names every problem; quickCheck never
// reports one itself, so the errors are those of the full check alone. When at is not nil
// and the answers are accepted, at[i] is the slot answer i answers, as check records it.
//
// An answer accepted here passes every rule of check: its question and row are those of
// a slot (known, and a matrix answer names its row); slots only move forward, so no
// question or row is answered twice; no condition hides a question; no required slot is
// skipped, before, between or after the answers; and the answer itself is checked by
// checkAnswer, or, for a rating with a value and nothing else, by the same comparisons
// made inline.
func (s *Survey) quickCheck(answers []Answer, at []int32) bool {
	if !s.quick {
		return false
	}
	slots := s.slots
	cursor := 0 // the next slot an answer may take
	for i := range answers {
		a := &answers[i]
		j := cursor
		if j >= len(slots) || slots[j].question != a.Question || slots[j].row != a.Row {
			var ok bool
			if j, ok = s.slotOf(a); !ok || j < cursor {
				return false
			}
		}
		if j > cursor && slots[cursor].nextRequired < int32(j) { // a required slot skipped
			return false
		}
		sl := &slots[j]
		if sl.rated && a.Value != nil && a.Option == "" && len(a.Options) == 0 && a.Text == "" {
			v := *a.Value
			// Within the scale (NaN and infinities fail) and whole, the comparisons of
			// checkAnswer: within the scale, int64(v) is exact when v is whole.
			if !(v >= sl.from && v <= sl.to) || v != float64(int64(v)) {
				return false
			}
		} else if !s.quickAnswer(i, a, sl) {
			return false
		}
		if at != nil {
			at[i] = int32(j)
		}
		cursor = j + 1
	}
	return cursor >= len(slots) || int(slots[cursor].nextRequired) == len(slots)
}

// slotOf finds the slot an answer out of the expected order answers.
func (s *Survey) slotOf(a *Answer) (int, bool) {
	qi, ok := s.index[a.Question]
	if !ok {
		return 0, false
	}
	it := &s.items[qi]
	if it.kind != Matrix {
		return it.slot, a.Row == ""
	}
	ri, ok := it.rows[a.Row]
	return it.slot + ri, ok
}

// quickAnswer checks an answer of any other form with checkAnswer, and reports whether it
// found nothing.
func (s *Survey) quickAnswer(i int, a *Answer, sl *slot) bool {
	var p kehu.Problems
	s.items[sl.item].checkAnswer(&p, i, a, true)
	return p.Err() == nil
}
