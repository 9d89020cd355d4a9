package survey

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/kehu-crm/kehu"
)

// Answers gathers one item's answers across responses to the survey, for the statistics:
// the values in response order (a matrix item is a question and one of its rows), with
// every response that did not answer it — a question not shown, not answered, or answered
// "not applicable" — marked missing, never a zero; and each response's weight. Values are
// the raw answers, not reverse-keyed (see ReverseKeyed, or Score for scored values).
//
// Every response must be of this survey and version and valid; the first that is not is
// an error naming it. A question that does not exist, or a matrix row missing or unknown,
// is a *kehu.ValidationError.
func (s *Survey) Answers(responses iter.Seq[*Response], question, row string) (Column, []float64, error) {
	qi, ok := s.index[question]
	if !ok {
		return Column{}, nil, kehu.Invalid("question", "unknown", fmt.Sprintf("%q is not a question of survey %s version %d", question, s.spec.ID, s.spec.Version))
	}
	it := &s.items[qi]
	switch {
	case it.q.Kind == Matrix && !hasRow(it, row):
		return Column{}, nil, kehu.Invalid("row", "row", fmt.Sprintf("%q is not a row of question %s", row, question))
	case it.q.Kind != Matrix && row != "":
		return Column{}, nil, kehu.Invalid("row", "kind", fmt.Sprintf("question %s has no rows", question))
	}
	var col Column
	var weights []float64
	n := 0
	for r := range orNone(responses) {
		if err := s.own(r, n); err != nil {
			return Column{}, nil, err
		}
		v, given := 0.0, false
		for _, a := range r.Answers {
			if a.Question == question && a.Row == row && a.Value != nil {
				v, given = *a.Value, true
				break
			}
		}
		col.Values = append(col.Values, v)
		col.Missing = append(col.Missing, !given)
		weights = append(weights, r.Weight)
		n++
	}
	return col, weights, nil
}

// orNone returns responses, or for nil an empty sequence: a nil iterator is no responses.
func orNone(responses iter.Seq[*Response]) iter.Seq[*Response] {
	if responses == nil {
		return func(func(*Response) bool) {}
	}
	return responses
}

// own checks that response n is a valid response to this survey version.
func (s *Survey) own(r *Response, n int) error { return s.ownAt(r, n, nil) }

// ownAt is own that also records the slot of each answer in at (see check).
func (s *Survey) ownAt(r *Response, n int, at []int32) error {
	if r == nil {
		return kehu.Invalid(fmt.Sprintf("responses[%d]", n), "required", "is nil")
	}
	if r.Survey != s.spec.ID || r.Version != s.spec.Version {
		return kehu.Invalid(fmt.Sprintf("responses[%d].version", n), "match",
			fmt.Sprintf("response %s answered %s version %d, not %s version %d", r.ID, r.Survey, r.Version, s.spec.ID, s.spec.Version))
	}
	var p kehu.Problems
	s.check(&p, r.Answers, at)
	if err := p.Err(); err != nil {
		return fmt.Errorf("survey: response %d (%s): %w", n, r.ID, err)
	}
	return nil
}

// questionOf returns the compiled question with the ID, which must be of one of the kinds.
func (s *Survey) questionOf(id string, kinds ...Kind) (*item, error) {
	qi, ok := s.index[id]
	if !ok {
		return nil, kehu.Invalid("question", "unknown", fmt.Sprintf("%q is not a question of survey %s version %d", id, s.spec.ID, s.spec.Version))
	}
	it := &s.items[qi]
	if !slices.Contains(kinds, it.q.Kind) {
		return nil, kehu.Invalid("question", "kind", fmt.Sprintf("question %s is a %s question, not %v", id, it.q.Kind, kinds))
	}
	return it, nil
}

// NPS is the Net Promoter Score of an NPS question over the responses, weighted by their
// respondent weights (see NPSFromAnswers), at the confidence level. Only a question
// declared NPS has one: a 1–10 or 1–5 rating is never an NPS.
func (s *Survey) NPS(responses iter.Seq[*Response], question string, level float64) (NPSResult, error) {
	if _, err := s.questionOf(question, NPS); err != nil {
		return NPSResult{}, err
	}
	col, w, err := s.Answers(responses, question, "")
	if err != nil {
		return NPSResult{}, err
	}
	return NPSFromAnswers(col, w, level)
}

// CSAT is the share of satisfied answers of a CSAT question over the responses — in the
// question's declared satisfied set, which a scale never changes silently — weighted by
// respondent, with its Wilson interval at the level (see CSATFromAnswers).
func (s *Survey) CSAT(responses iter.Seq[*Response], question string, level float64) (CSATResult, error) {
	it, err := s.questionOf(question, CSAT)
	if err != nil {
		return CSATResult{}, err
	}
	col, w, err := s.Answers(responses, question, "")
	if err != nil {
		return CSATResult{}, err
	}
	// Satisfied or not, as 1 or 0, whatever the set.
	for i, v := range col.Values {
		col.Values[i] = 0
		if slices.Contains(it.q.Satisfied, int(v)) {
			col.Values[i] = 1
		}
	}
	return CSATFromAnswers(col, w, Bounds{Min: 0, Max: 1}, 1, level)
}

// CES is the customer effort score of a CES question over the responses (see
// CESFromAnswers), on the question's declared scale. An effort scale (EffortHigh, 1
// best) is reverse-keyed on its bounds first, so that for every CES question a higher
// mean and "agree" mean easier. Scales are never pooled across questions.
func (s *Survey) CES(responses iter.Seq[*Response], question string) (CESResult, error) {
	it, err := s.questionOf(question, CES)
	if err != nil {
		return CESResult{}, err
	}
	col, w, err := s.Answers(responses, question, "")
	if err != nil {
		return CESResult{}, err
	}
	b := Bounds{Min: float64(it.from), Max: float64(it.to)}
	if it.q.Effort == EffortHigh {
		if col, err = ReverseKeyed(col, b); err != nil {
			return CESResult{}, err
		}
	}
	r, err := CESFromAnswers(col, w, b)
	r.Aggregate = it.q.Aggregate
	return r, err
}

// itemRef is a rating item of the survey: a question, or a row of a matrix question.
type itemRef struct {
	it      *item
	row     string
	reverse bool
}

// dimensionItems are the rating items of a dimension, in the survey's order.
func (s *Survey) dimensionItems(dimension string) []itemRef {
	var out []itemRef
	for i := range s.items {
		it := &s.items[i]
		q := it.q
		switch {
		case q.Kind == Matrix:
			for _, r := range q.Rows {
				if cmp.Or(r.Dimension, q.Dimension) == dimension {
					out = append(out, itemRef{it: it, row: r.ID, reverse: q.Reverse || r.Reverse})
				}
			}
		case q.Kind.rated() && q.Dimension == dimension:
			out = append(out, itemRef{it: it, reverse: q.Reverse || (q.Kind == CES && q.Effort == EffortHigh)})
		}
	}
	return out
}

// Alpha is Cronbach's alpha of a dimension's rating items over the responses (see
// CronbachAlpha), each item scored as Score scores it (reverse-keyed items reversed on
// their declared bounds), with the missing-answer policy given: a "not applicable" answer
// or a question not shown is missing.
func (s *Survey) Alpha(responses iter.Seq[*Response], dimension string, policy MissingPolicy) (AlphaResult, error) {
	if !slices.ContainsFunc(s.spec.Dimensions, func(d Dimension) bool { return d.ID == dimension }) {
		return AlphaResult{}, kehu.Invalid("dimension", "unknown", fmt.Sprintf("%q is not a dimension of survey %s", dimension, s.spec.ID))
	}
	refs := s.dimensionItems(dimension)
	items := make([]Column, len(refs))
	n := 0
	for r := range orNone(responses) {
		if err := s.own(r, n); err != nil {
			return AlphaResult{}, err
		}
		for k, ref := range refs {
			v, given := ref.value(r)
			items[k].Values = append(items[k].Values, v)
			items[k].Missing = append(items[k].Missing, !given)
		}
		n++
	}
	return CronbachAlpha(items, policy)
}

// SampleServqual is SERVQUAL over a sample of responses.
type SampleServqual struct {
	// ServqualResult holds the gaps of the sample's mean answers: for each item the mean
	// perception less the mean expectation (respondent-weighted, missing answers left
	// out of each mean), each dimension's mean gap and the scores.
	ServqualResult
	// Outcomes counts the respondents whose own unweighted score exceeded, met or fell
	// below their expectations; a respondent missing a whole dimension is not counted.
	Outcomes map[Outcome]int
	// N is the number of responses read.
	N int
}

// Servqual is SERVQUAL (Parasuraman, Zeithaml & Berry 1988) over the responses: two matrix
// questions of the survey on one scale, expectations and perceptions, whose 22 rows are
// the instrument's items in order (tangibles 1–4, reliability 5–9, responsiveness 10–13,
// assurance 14–17, empathy 18–22, see Servqual), with the importance split of 100
// points (nil for an even split). Every response's Weight must be finite and positive
// ("responses[3].weight").
func (s *Survey) Servqual(responses iter.Seq[*Response], expectations, perceptions string, importance []float64) (SampleServqual, error) {
	e, err := s.questionOf(expectations, Matrix)
	if err != nil {
		return SampleServqual{}, err
	}
	p, err := s.questionOf(perceptions, Matrix)
	if err != nil {
		return SampleServqual{}, err
	}
	if len(e.q.Rows) != ServqualItems || len(p.q.Rows) != ServqualItems {
		return SampleServqual{}, kehu.Invalid("questions", "servqual", fmt.Sprintf("SERVQUAL needs two matrix questions of %d rows", ServqualItems))
	}
	if e.from != p.from || e.to != p.to {
		return SampleServqual{}, kehu.Invalid("questions", "servqual", "expectations and perceptions are asked on different scales")
	}
	b := Bounds{Min: float64(e.from), Max: float64(e.to)}
	var sumE, sumP, wE, wP [ServqualItems]float64
	out := SampleServqual{Outcomes: map[Outcome]int{}}
	var exceeded, met, below int
	// dest maps a slot of the survey to where its value goes in one respondent's answers:
	// item k's expectation at k, its perception at ServqualItems + k; -1 for other slots.
	dest := make([]int8, len(s.slots))
	for j := range dest {
		dest[j] = -1
	}
	for k := range ServqualItems {
		dest[e.slot+k], dest[p.slot+k] = int8(k), int8(ServqualItems+k)
	}
	var ans servqualAnswers // one respondent's answers, reused from response to response
	var at []int32          // the slot of each answer, as the check found it
	for r := range orNone(responses) {
		if r != nil { // a nil response is refused by ownAt
			at = slices.Grow(at[:0], len(r.Answers))[:len(r.Answers)]
		}
		if err := s.ownAt(r, out.N, at); err != nil {
			return SampleServqual{}, err
		}
		ans.given = 0
		for i, sl := range at {
			if sl < 0 {
				continue
			}
			if d := dest[sl]; d >= 0 {
				if v := r.Answers[i].Value; v != nil {
					ans.values[d] = *v
					ans.given |= 1 << d
				}
			}
		}
		w := r.Weight
		if !(w > 0) || math.IsInf(w, 0) {
			return SampleServqual{}, kehu.Invalid(fmt.Sprintf("responses[%d].weight", out.N), "range", fmt.Sprintf("%v is not a finite positive weight", w))
		}
		for k := range ServqualItems {
			if ans.given&(1<<k) != 0 {
				sumE[k] += w * ans.values[k]
				wE[k] += w
			}
			if ans.given&(1<<(ServqualItems+k)) != 0 {
				sumP[k] += w * ans.values[ServqualItems+k]
				wP[k] += w
			}
		}
		if own, ok := ans.outcome(); ok {
			switch own {
			case Exceeded:
				exceeded++
			case Met:
				met++
			default:
				below++
			}
		}
		out.N++
	}
	for o, n := range map[Outcome]int{Exceeded: exceeded, Met: met, Below: below} {
		if n > 0 {
			out.Outcomes[o] = n
		}
	}
	means := func(sum, w [ServqualItems]float64) Column {
		c := Column{Values: make([]float64, ServqualItems), Missing: make([]bool, ServqualItems)}
		for k := range ServqualItems {
			if w[k] > 0 {
				c.Values[k] = sum[k] / w[k]
			} else {
				c.Missing[k] = true
			}
		}
		return c
	}
	res, err := Servqual(means(sumE, wE), means(sumP, wP), b, importance)
	if err != nil {
		return SampleServqual{}, err
	}
	out.ServqualResult = res
	return out, nil
}

func hasRow(it *item, row string) bool {
	_, ok := it.rows[row]
	return ok
}

// servqualAnswers are one respondent's SERVQUAL answers: item k's expectation at
// values[k] and its perception at values[ServqualItems+k], each given where its bit of
// given is set.
type servqualAnswers struct {
	values [2 * ServqualItems]float64
	given  uint64
}

// outcome is the outcome of the respondent's unweighted SERVQUAL score (the mean of the
// dimension gaps, as Servqual computes it), or false when a dimension has no item
// answered both ways. The answers were checked against their scale already.
func (a *servqualAnswers) outcome() (Outcome, bool) {
	var score float64
	for d := Tangibles; d <= Empathy; d++ {
		first, last := d.Items()
		var sum float64
		n := 0
		for k := first - 1; k < last; k++ {
			if both := uint64(1)<<k | uint64(1)<<(ServqualItems+k); a.given&both == both {
				sum += a.values[ServqualItems+k] - a.values[k]
				n++
			}
		}
		if n == 0 {
			return "", false
		}
		score += sum / float64(n) / 5
	}
	return OutcomeOf(score), true
}

// ImportancePerformance is the importance–performance analysis of the survey's rating
// items against an overall rating question (see the function ImportancePerformance): each
// item's correlation with the overall answer against its mean, quadrants cut at the means
// of both — where to concentrate improvement. Items are every rating question but the
// overall one and every matrix row, read as scored (reverse-keyed items reversed);
// names[i] is Items[i]'s question, or question.row.
func (s *Survey) ImportancePerformance(responses iter.Seq[*Response], overall string, policy MissingPolicy) (IPAResult, []string, error) {
	o, err := s.questionOf(overall, Likert, NPS, CSAT, CES)
	if err != nil {
		return IPAResult{}, nil, err
	}
	var refs []itemRef
	var names []string
	for i := range s.items {
		it := &s.items[i]
		q := it.q
		switch {
		case it == o:
		case q.Kind == Matrix:
			for _, r := range q.Rows {
				refs = append(refs, itemRef{it: it, row: r.ID, reverse: q.Reverse || r.Reverse})
				names = append(names, q.ID+"."+r.ID)
			}
		case q.Kind.rated():
			refs = append(refs, itemRef{it: it, reverse: q.Reverse || (q.Kind == CES && q.Effort == EffortHigh)})
			names = append(names, q.ID)
		}
	}
	columns := make([]Column, len(refs)+1) // the items, then the overall answer
	refs = append(refs, itemRef{it: o})
	n := 0
	for r := range orNone(responses) {
		if err := s.own(r, n); err != nil {
			return IPAResult{}, nil, err
		}
		for k, ref := range refs {
			v, given := ref.value(r)
			columns[k].Values = append(columns[k].Values, v)
			columns[k].Missing = append(columns[k].Missing, !given)
		}
		n++
	}
	res, err := ImportancePerformance(columns[:len(refs)-1], columns[len(refs)-1], policy)
	return res, names, err
}

// value is the item's scored answer in r, and whether r has one.
func (ref itemRef) value(r *Response) (float64, bool) {
	for _, a := range r.Answers {
		if a.Question == ref.it.q.ID && a.Row == ref.row && a.Value != nil {
			v := *a.Value
			if ref.reverse {
				v = float64(ref.it.from+ref.it.to) - v
			}
			return v, true
		}
	}
	return 0, false
}
