package survey

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

type responseKind struct{}

func (responseKind) KindName() string { return "response_id" }

// ResponseID identifies a stored response.
type ResponseID = kehu.ID[responseKind]

// ParseResponseID parses a response ID.
func ParseResponseID(s string) (ResponseID, error) { return kehu.ParseID[responseKind](s) }

// ResponseIDFrom wraps a UUID as a ResponseID.
var ResponseIDFrom = kehu.IDFrom[responseKind]

// Answer is the answer to one question (or to one row of a matrix question).
type Answer struct {
	Question string `json:"question"`
	// Row is the matrix row answered.
	Row string `json:"row,omitempty"`
	// Value is a point of the scale (Likert, NPS, CSAT, CES, matrix; an integer) or a
	// number (Number).
	Value *float64 `json:"value,omitempty"`
	// Option is the code of a single choice, or of a rating question's non-scoring answer
	// ("not applicable", "don't know"), given instead of a Value.
	Option string `json:"option,omitempty"`
	// Options are the codes of a multiple choice.
	Options []string `json:"options,omitempty"`
	// Text is a free-text answer.
	Text string `json:"text,omitempty"`
}

// Trigger is what prompted a response: a purchase, a complaint's closure, a visit.
type Trigger struct {
	// Kind is the host's name for it, e.g. "purchase", "complaint_closed".
	Kind string `json:"kind,omitempty"`
	// Ref is the host's reference: the order ID, the case ID.
	Ref string `json:"ref,omitempty"`
}

// Submission is a response as a respondent sends it. A host may decode it from the
// respondent's request: Weight and Key are the host's to set and are never read from JSON.
// Customer is, where the host knows who is answering (a signed-in member, an invitation's
// token), the host's too: set it from that, not from the request.
type Submission struct {
	Survey  string `json:"survey"`
	Version int    `json:"version"`
	// Customer is the respondent, when known.
	Customer kehu.CustomerID `json:"customer,omitzero"`
	// Channel is how the survey reached them ("email", "app", "store").
	Channel string  `json:"channel,omitempty"`
	Trigger Trigger `json:"trigger,omitzero"`
	// Weight is the respondent's weight for post-stratification, more than 0; 0 means 1.
	// It is the host's, from what it knows of the sample, and is not read from JSON: a
	// weight a respondent could send would let one response outweigh all the others.
	Weight  float64  `json:"-"`
	Answers []Answer `json:"answers"`
	// Key is required and makes the submission idempotent: a repeat with the same key and
	// payload returns the first response, also when it races the first attempt; a repeat
	// with another payload fails with kehu.ErrKeyReused. Checked by kehu.CheckHostKey.
	Key string `json:"-"`
}

// Response is a stored, validated response.
type Response struct {
	ID       ResponseID      `json:"id"`
	Survey   string          `json:"survey"`
	Version  int             `json:"version"`
	Customer kehu.CustomerID `json:"customer,omitzero"`
	Channel  string          `json:"channel,omitempty"`
	Trigger  Trigger         `json:"trigger,omitzero"`
	// Weight is the respondent's weight (1 unless the submission gave one).
	Weight      float64   `json:"weight"`
	Answers     []Answer  `json:"answers"`
	SubmittedAt time.Time `json:"submitted_at"`
	// Key is the submission's idempotency key and Digest a fingerprint of what it asked.
	Key    string `json:"key"`
	Digest string `json:"digest"`
}

// Clone returns a deep copy.
func (r *Response) Clone() *Response {
	if r == nil {
		return nil
	}
	c := *r
	c.Answers = cloneAnswers(r.Answers)
	return &c
}

func cloneAnswers(as []Answer) []Answer {
	out := slices.Clone(as)
	for i := range out {
		if v := out[i].Value; v != nil {
			x := *v
			out[i].Value = &x
		}
		out[i].Options = slices.Clone(out[i].Options)
	}
	return out
}

// Check validates answers against the survey and reports every problem at once in a
// *kehu.ValidationError whose fields name the answer ("answers[3].value") or, for a
// missing answer, the question ("answers.q7"):
//
//   - an answer names a question of the survey (rule "unknown"), and a matrix row of it
//     (rule "row"); no question or row is answered twice (rule "unique");
//   - an answer to a question the survey does not show, given the answers before it, is
//     refused (rule "hidden"): hidden answers are never scored;
//   - a shown required question is answered (rule "required");
//   - a rating is an integer of the scale (rule "integer", "range"), or a non-scoring
//     option of the question; NPS answers are integers 0 to 10; a number is finite and
//     within its bounds; a choice is one of the options (rule "option"), a multiple
//     choice without repeats; a text is at most MaxTextBytes of UTF-8 (rule "encoding")
//     without a NUL byte (rule "control_char");
//   - an answer carries only what its kind takes (rule "kind").
func (s *Survey) Check(answers []Answer) error {
	var p kehu.Problems
	s.check(&p, answers, nil)
	return p.Err()
}

// check is Check; when at is not nil it also records, for each answer, the slot it
// answers (Survey.slots; -1 for an answer to no slot), so that a caller reading the
// answers need not look them up again. Plainly valid answers pass quickCheck; any others
// are checked in full by checkAll.
func (s *Survey) check(p *kehu.Problems, answers []Answer, at []int32) {
	if s.quickCheck(answers, at) {
		return
	}
	s.checkAll(p, answers, at)
}

// checkAll is check of any answers, which reports every problem.
func (s *Survey) checkAll(p *kehu.Problems, answers []Answer, at []int32) {
	// The answers of each question, in the order given, as linked lists: first[q] is the
	// first answer of item q and next[i] the answer after i of the same item (-1: none).
	// Small responses keep them on the stack.
	var firstBuf, lastBuf, nextBuf [64]int32
	first := buffer(firstBuf[:], len(s.items))
	last := buffer(lastBuf[:], len(s.items)) // the last answer of each item, while linking
	next := buffer(nextBuf[:], len(answers))
	// rowSeen has a bit per matrix row of the survey (item.rowBit + the row's position).
	var rowBuf [16]uint64
	rowSeen := rowBuf[:]
	if n := (s.rowBits + 63) / 64; n > len(rowBuf) {
		rowSeen = make([]uint64, n)
	}
	for q := range first {
		first[q], last[q] = -1, -1
	}
	cursor := 0 // the slot the next answer is expected at, in the questionnaire's order
	for i := range answers {
		a := &answers[i]
		next[i] = -1
		if at != nil {
			at[i] = -1
		}
		// Answers usually come in the questionnaire's order: the expected slot is checked
		// first by comparing names, and the maps are asked only when it is not the one.
		qi, ri := -1, -1
		if cursor < len(s.slots) {
			if sl := &s.slots[cursor]; sl.question == a.Question && sl.row == a.Row {
				qi, ri = int(sl.item), int(sl.rowIdx)
				cursor++
			}
		}
		if qi < 0 {
			var ok bool
			if qi, ok = s.index[a.Question]; !ok {
				p.Addf(answerPath(i, ".question"), "unknown", "%s is not a question of survey %s version %d", clip.Quote(a.Question), s.spec.ID, s.spec.Version)
				continue
			}
			it := &s.items[qi]
			cursor = it.slot + 1
			if it.q.Kind == Matrix {
				if r, ok := it.rows[a.Row]; ok {
					ri = r
					cursor = it.slot + r + 1
				}
			}
		}
		it := &s.items[qi]
		if at != nil && (it.kind != Matrix || ri >= 0) {
			at[i] = int32(it.slot + max(ri, 0))
		}
		if it.kind == Matrix {
			if ri >= 0 {
				bit := uint(it.rowBit + ri)
				if rowSeen[bit>>6]&(1<<(bit&63)) != 0 {
					p.Addf(answerPath(i, ""), "unique", "question %s%s is answered twice", a.Question, rowSuffix(a.Row))
				}
				rowSeen[bit>>6] |= 1 << (bit & 63)
			}
		} else if first[qi] >= 0 {
			p.Addf(answerPath(i, ""), "unique", "question %s is answered twice", a.Question)
		}
		if last[qi] < 0 {
			first[qi] = int32(i)
		} else {
			next[last[qi]] = int32(i)
		}
		last[qi] = int32(i)
		it.checkAnswer(p, i, a, ri >= 0)
	}
	// The answers conditions read: those of the questions before the last condition.
	var env map[string]any
	if s.lastCond >= 0 {
		env = make(map[string]any, s.lastCond)
	}
	var machine vm.VM
	for qi := range s.items {
		it := &s.items[qi]
		q := it.q
		shown := it.visible == nil
		if !shown {
			ok, err := exprpolicy.Run(&machine, it.visible, env)
			shown = err == nil && ok
		}
		switch {
		case !shown:
			for j := first[qi]; j >= 0; j = next[j] {
				p.Addf(answerPath(int(j), ""), "hidden", "question %s is not shown for the answers before it", q.ID)
			}
			continue
		case first[qi] < 0 && q.Required:
			p.Addf("answers."+q.ID, "required", "question %s is required", q.ID)
		case q.Kind == Matrix && q.Required:
			for ri, r := range q.Rows {
				if bit := uint(it.rowBit + ri); rowSeen[bit>>6]&(1<<(bit&63)) == 0 {
					p.Addf("answers."+q.ID+"."+r.ID, "required", "row %s of question %s is required", r.ID, q.ID)
				}
			}
		}
		if qi < s.lastCond && first[qi] >= 0 {
			if v, ok := envAnswer(q, answers, first[qi], next); ok {
				env[q.ID] = v
			}
		}
	}
}

// buffer returns buf[:n], or a new slice when buf is too short.
func buffer(buf []int32, n int) []int32 {
	if n > len(buf) {
		return make([]int32, n)
	}
	return buf[:n]
}

func rowSuffix(row string) string {
	if row == "" {
		return ""
	}
	return " row " + row
}

// envAnswer is the answer as a visibility condition sees it; first is the question's first
// answer and next links the others.
func envAnswer(q *Question, answers []Answer, first int32, next []int32) (any, bool) {
	a := answers[first]
	switch q.Kind {
	case SingleChoice:
		return a.Option, a.Option != ""
	case Text:
		return a.Text, true
	case MultipleChoice:
		return slices.Clone(a.Options), true
	case Matrix:
		m := map[string]float64{}
		for i := first; i >= 0; i = next[i] {
			if v := answers[i].Value; v != nil {
				m[answers[i].Row] = *v
			}
		}
		return m, true
	}
	if a.Value == nil {
		return nil, false // a non-scoring option: no value to compare
	}
	return *a.Value, true
}

// checkAnswer checks one answer against its question; rowKnown reports that a matrix
// answer's row is one of the question's.
func (it *item) checkAnswer(p *kehu.Problems, i int, a *Answer, rowKnown bool) {
	q := it.q
	kind := func(field, what string) {
		p.Addf(answerPath(i, "."+field), "kind", "a %s question takes no %s", q.Kind, what)
	}
	if it.kind == Matrix {
		switch {
		case a.Row == "":
			p.Addf(answerPath(i, ".row"), "required", "a matrix answer names its row")
		case !rowKnown:
			p.Addf(answerPath(i, ".row"), "row", "%s is not a row of question %s", clip.Quote(a.Row), q.ID)
		}
	} else if a.Row != "" {
		kind("row", "rows")
	}
	switch it.kind {
	case Likert, NPS, CSAT, CES, Matrix:
		if len(a.Options) > 0 {
			kind("options", "multiple choice")
		}
		if a.Text != "" {
			kind("text", "text")
		}
		switch {
		case a.Option != "" && a.Value != nil:
			p.Add(answerPath(i, ".option"), "kind", "give a value or a non-scoring option, not both")
		case a.Option != "":
			if _, ok := it.options[a.Option]; !ok {
				p.Addf(answerPath(i, ".option"), "option", "%s is not an option of question %s", clip.Quote(a.Option), q.ID)
			}
		case a.Value == nil:
			p.Add(answerPath(i, ".value"), "required", "a rating answer has a value or a non-scoring option")
		default:
			v := *a.Value
			switch {
			case !(v >= float64(it.from) && v <= float64(it.to)): // NaN and infinities fail too
				if math.IsNaN(v) || math.IsInf(v, 0) {
					p.Addf(answerPath(i, ".value"), "integer", "%v is not an integer point of the scale", v)
				} else {
					p.Addf(answerPath(i, ".value"), "range", "%v is not between %d and %d", v, it.from, it.to)
				}
			case v != float64(int64(v)): // within the scale, so int64(v) is exact when v is whole
				p.Addf(answerPath(i, ".value"), "integer", "%v is not an integer point of the scale", v)
			}
		}
	case Number:
		if a.Option != "" || len(a.Options) > 0 || a.Text != "" {
			kind("option", "options or text")
		}
		switch v := a.Value; {
		case v == nil:
			p.Add(answerPath(i, ".value"), "required", "a number answer has a value")
		case math.IsNaN(*v) || math.IsInf(*v, 0):
			p.Add(answerPath(i, ".value"), "range", "is not a finite number")
		case q.Min != nil && *v < *q.Min, q.Max != nil && *v > *q.Max:
			p.Addf(answerPath(i, ".value"), "range", "%v is outside the question's bounds", *v)
		}
	case SingleChoice:
		if a.Value != nil || len(a.Options) > 0 || a.Text != "" {
			kind("value", "value, options or text")
		}
		if _, ok := it.options[a.Option]; !ok {
			p.Addf(answerPath(i, ".option"), "option", "%s is not an option of question %s", clip.Quote(a.Option), q.ID)
		}
	case MultipleChoice:
		if a.Value != nil || a.Option != "" || a.Text != "" {
			kind("value", "value, single option or text")
		}
		seen := make(map[string]bool, len(a.Options))
		for j, code := range a.Options {
			of := func() string { return answerPath(i, ".options["+strconv.Itoa(j)+"]") }
			if _, ok := it.options[code]; !ok {
				p.Addf(of(), "option", "%s is not an option of question %s", clip.Quote(code), q.ID)
			} else if seen[code] {
				p.Addf(of(), "unique", "%s is chosen twice", clip.Quote(code))
			}
			seen[code] = true
		}
	case Text:
		if a.Value != nil || a.Option != "" || len(a.Options) > 0 {
			kind("value", "value or options")
		}
		if len(a.Text) > MaxTextBytes {
			p.Addf(answerPath(i, ".text"), "max_length", "is longer than %d bytes", MaxTextBytes)
		} else if err := kehu.CheckText("", a.Text); err != nil {
			p.Merge(answerPath(i, ".text"), err)
		}
	}
}

// answerPath is the path of answer i, or of its field: answers[3].value. It is built only
// for a problem, so a valid response costs no strings.
func answerPath(i int, field string) string { return "answers[" + strconv.Itoa(i) + "]" + field }
