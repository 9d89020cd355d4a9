package survey

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"

	"github.com/expr-lang/expr/vm"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
	"github.com/kehu-crm/kehu/internal/strictjson"
)

// Bounds of a questionnaire.
const (
	// MaxQuestions bounds the questions of a survey, matrix rows included.
	MaxQuestions = 1000
	// MaxScalePoints bounds the points of a rating scale.
	MaxScalePoints = 101
	// MaxSpecBytes bounds the JSON Load reads.
	MaxSpecBytes = 4 << 20
	// MaxTextBytes bounds a free-text answer.
	MaxTextBytes = 10_000
)

var (
	surveyIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	questionPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// Survey is a compiled questionnaire: every question checked, every scale known, every
// visibility condition type-checked and compiled. Compile and Load are the only ways to
// get one, so a *Survey is always valid. It is immutable and safe for concurrent use.
type Survey struct {
	spec Spec
	// items are the questions in order, with what validation needs of each.
	items []item
	index map[string]int // question ID → position in items
	// lastCond is the position of the last item with a visibility condition, -1 if none:
	// only the answers before it are ever read by a condition.
	lastCond int
	// rowBits is the number of matrix rows of the survey.
	rowBits int
	// slots are the answers the survey takes, in its order: a question, or a row of a
	// matrix question. Check reads answers in this order first.
	slots []slot
	// quick is true when every question is always shown (no visibility condition), so
	// that a response can be checked in one pass over its answers (see quickCheck).
	quick bool
}

// slot is one answer the survey takes.
type slot struct {
	question, row string
	item, rowIdx  int32 // rowIdx: -1 outside a matrix
	// rated is a rating question or a matrix row, whose value is an integer point of
	// from to to.
	rated    bool
	from, to float64
	// nextRequired is the first slot at or after this one that must be answered: a
	// required question, or a row of a required matrix; len(slots) when none.
	nextRequired int32
}

// item is a compiled question.
type item struct {
	q       *Question // in spec
	kind    Kind      // q.Kind, kept here for the loop that checks answers
	from    int       // the scale, for rated kinds
	to      int
	options map[string]Option
	rows    map[string]int // a matrix's row IDs → their positions
	// rowBit is where the item's rows start in the bit set check keeps of rows answered.
	rowBit  int
	slot    int         // the item's first slot in Survey.slots
	visible *vm.Program // nil: always shown
}

// Compile checks a questionnaire as a whole and returns it compiled, or a
// *kehu.ValidationError listing every problem at once with its path
// ("sections[1].questions[2].scale"):
//
//   - id: 1 to 64 of a-z, 0-9, '_', '-'; version 1 or more; locale required, and every
//     label has text in it;
//   - dimensions: unique IDs, weights finite and not negative;
//   - questions: at least one; IDs unique lower-case identifiers; a known kind;
//   - rating scales: Likert, CES and matrix questions declare From < To with at most
//     MaxScalePoints points; NPS is 0–10 and may not declare another scale; CSAT is 1–5
//     unless declared, with satisfied answers inside the scale (default the top two); CES
//     declares its direction; a rating question's options are all non-scoring;
//   - choice questions have options with unique, non-empty codes; a number question's
//     bounds are finite with min ≤ max; a matrix has rows with unique IDs;
//   - reverse keying only on Likert, CES and matrix items; weights finite and not
//     negative; dimensions that exist;
//   - visibility conditions compile and type-check as bool over the questions before them
//     (a rating, NPS or number answer is a float, a single choice or a text a string, a
//     multiple choice a list of strings).
func Compile(spec Spec) (*Survey, error) {
	s := &Survey{spec: spec.clone(), index: map[string]int{}, lastCond: -1}
	if err := s.compile(); err != nil {
		return nil, err
	}
	return s, nil
}

// Load reads a questionnaire from strict JSON (unknown fields and trailing data are
// errors, as is a questionnaire longer than MaxSpecBytes) and compiles it. A
// questionnaire that does not decode is a *kehu.ValidationError naming every offending
// value by its path, as Compile names fields: "sections[0].questions[1].labl" with rule
// "unknown_field" (and the nearest known field, `did you mean "label"?`),
// "sections[0].questions[1].required" with rule "type" for a string where true or false
// belongs; a syntax error or trailing data is on "survey", rule "syntax".
func Load(r io.Reader) (*Survey, error) {
	var spec Spec
	if err := strictjson.Decode(r, surveyDoc, &spec); err != nil {
		return nil, err
	}
	return Compile(spec)
}

// surveyDoc is a questionnaire as Load reads it.
var surveyDoc = strictjson.Doc{
	Root:    "survey",
	Object:  "the survey object",
	Reading: "survey: reading the questionnaire",
	Limit:   MaxSpecBytes,
}

// Spec returns a deep copy of the questionnaire the survey was compiled from.
func (s *Survey) Spec() Spec { return s.spec.clone() }

// ID returns the survey's ID.
func (s *Survey) ID() string { return s.spec.ID }

// Version returns the survey's version.
func (s *Survey) Version() int { return s.spec.Version }

// Locale returns the survey's default locale.
func (s *Survey) Locale() string { return s.spec.Locale }

// Question returns a copy of the question with the ID.
func (s *Survey) Question(id string) (Question, bool) {
	i, ok := s.index[id]
	if !ok {
		return Question{}, false
	}
	return s.items[i].q.clone(), true
}

// QuestionIDs returns the IDs of the questions, in order.
func (s *Survey) QuestionIDs() []string {
	out := make([]string, len(s.items))
	for i, it := range s.items {
		out[i] = it.q.ID
	}
	return out
}

// MarshalJSON writes the questionnaire the survey was compiled from, the JSON Load reads.
func (s *Survey) MarshalJSON() ([]byte, error) { return json.Marshal(s.spec) }

func (s *Survey) compile() error {
	var p kehu.Problems
	sp := &s.spec
	switch {
	case sp.ID == "":
		p.Add("id", "required", "is empty")
	case !surveyIDPattern.MatchString(sp.ID):
		p.Addf("id", "format", "%s is not 1 to 64 of a-z, 0-9, '_', '-'", clip.Quote(sp.ID))
	}
	if sp.Version < 1 {
		p.Addf("version", "range", "%d is less than 1", sp.Version)
	}
	if sp.Locale == "" {
		p.Add("locale", "required", `is empty: name the labels' default locale, e.g. "zh"`)
	} else {
		p.Merge("", kehu.CheckText("locale", sp.Locale))
	}
	s.label(&p, "title", sp.Title)

	dims := map[string]bool{}
	for i, d := range sp.Dimensions {
		f := fmt.Sprintf("dimensions[%d]", i)
		switch {
		case !questionPattern.MatchString(d.ID):
			p.Addf(f+".id", "format", "%s is not a lower-case identifier", clip.Quote(d.ID))
		case dims[d.ID]:
			p.Addf(f+".id", "unique", "%s is also an earlier dimension", clip.Quote(d.ID))
		}
		dims[d.ID] = true
		s.label(&p, f+".label", d.Label)
		checkWeight(&p, f+".weight", d.Weight)
	}

	for i, b := range sp.Bands {
		f := fmt.Sprintf("bands[%d]", i)
		if math.IsNaN(b.From) || math.IsNaN(b.To) || math.IsInf(b.From, 0) || math.IsInf(b.To, 0) || b.From < 0 || !(b.From < b.To) {
			p.Addf(f, "range", "[%v, %v) is not a range of the 0–100 index", b.From, b.To)
		}
		p.Merge(f+".message", kehu.CheckText("", b.Message))
	}
	if len(sp.Sections) == 0 {
		p.Add("sections", "required", "a survey needs at least one section")
	}
	env := map[string]any{} // the questions before the one being compiled
	n := 0
	for si := range sp.Sections {
		sec := &sp.Sections[si]
		sf := fmt.Sprintf("sections[%d]", si)
		p.Merge("", kehu.CheckText(sf+".id", sec.ID))
		labelText(&p, sf+".title", sec.Title)
		if len(sec.Questions) == 0 {
			p.Add(sf+".questions", "required", "a section needs at least one question")
		}
		for qi := range sec.Questions {
			q := &sec.Questions[qi]
			f := fmt.Sprintf("%s.questions[%d]", sf, qi)
			n += max(1, len(q.Rows))
			it := s.question(&p, f, q, dims)
			if err := kehu.CheckText(f+".visible_if", q.VisibleIf); err != nil {
				p.Merge("", err)
			} else if q.VisibleIf != "" {
				it.visible = exprpolicy.Compile(&p, f+".visible_if", q.VisibleIf, env)
				s.lastCond = len(s.items)
			}
			if q.ID != "" {
				if _, dup := s.index[q.ID]; dup {
					p.Addf(f+".id", "unique", "%s is also an earlier question", clip.Quote(q.ID))
				} else {
					s.index[q.ID] = len(s.items)
				}
				env[q.ID] = q.Kind.envValue()
			}
			it.rowBit = s.rowBits
			s.rowBits += len(q.Rows)
			it.slot = len(s.slots)
			if q.Kind == Matrix {
				for ri, r := range q.Rows {
					s.slots = append(s.slots, slot{question: q.ID, row: r.ID, item: int32(len(s.items)), rowIdx: int32(ri)})
				}
			} else {
				s.slots = append(s.slots, slot{question: q.ID, item: int32(len(s.items)), rowIdx: -1})
			}
			s.items = append(s.items, it)
		}
	}
	s.plan()
	if n == 0 && len(sp.Sections) > 0 {
		p.Add("sections", "required", "a survey needs at least one question")
	}
	if n > MaxQuestions {
		p.Addf("sections", "max_items", "has %d questions and rows, more than %d", n, MaxQuestions)
	}
	return p.Err()
}

// plan completes the slots with what quickCheck reads of each.
func (s *Survey) plan() {
	next := int32(len(s.slots))
	for j := len(s.slots) - 1; j >= 0; j-- {
		sl := &s.slots[j]
		it := &s.items[sl.item]
		sl.rated = it.kind.rated()
		sl.from, sl.to = float64(it.from), float64(it.to)
		if it.q.Required {
			next = int32(j)
		}
		sl.nextRequired = next
	}
	s.quick = s.lastCond < 0
}

// envValue is a value of the type a visibility condition sees an answer of the kind as.
func (k Kind) envValue() any {
	switch k {
	case SingleChoice, Text:
		return ""
	case MultipleChoice:
		return []string{}
	case Matrix:
		return map[string]float64{}
	}
	return float64(0)
}

// label checks that a label has text in the default locale (labelText too).
func (s *Survey) label(p *kehu.Problems, field string, l Label) {
	labelText(p, field, l)
	if s.spec.Locale == "" {
		return
	}
	if l[s.spec.Locale] == "" {
		p.Addf(field, "required", "has no text in the default locale %s", clip.Quote(s.spec.Locale))
	}
}

// labelText checks that a label's locales and texts are text every store keeps as given
// (kehu.CheckText).
func labelText(p *kehu.Problems, field string, l Label) {
	for _, loc := range slices.Sorted(maps.Keys(l)) { // the first bad one, whatever the map's order
		text := l[loc]
		err := kehu.CheckText(field, loc)
		if err == nil {
			err = kehu.CheckText(field, text)
		}
		if err != nil {
			p.Merge("", err)
			return
		}
	}
}

func checkWeight(p *kehu.Problems, field string, w float64) {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		p.Addf(field, "range", "%v is not a finite weight of 0 (meaning 1) or more", w)
	}
}

// question checks one question and returns it compiled.
func (s *Survey) question(p *kehu.Problems, f string, q *Question, dims map[string]bool) item {
	it := item{q: q, kind: q.Kind}
	switch {
	case q.ID == "":
		p.Add(f+".id", "required", "is empty")
	case !questionPattern.MatchString(q.ID):
		p.Addf(f+".id", "format", "%s is not a lower-case identifier (^[a-z][a-z0-9_]{0,63}$)", clip.Quote(q.ID))
	}
	s.label(p, f+".label", q.Label)
	checkWeight(p, f+".weight", q.Weight)
	if q.Dimension != "" && !dims[q.Dimension] {
		p.Addf(f+".dimension", "unknown", "%s is not a dimension of the survey", clip.Quote(q.Dimension))
	}
	switch {
	case q.Kind == "":
		p.Add(f+".kind", "required", "is empty")
		return it
	case !q.Kind.Valid():
		p.Addf(f+".kind", "enum", "%s is not a question kind", clip.Quote(string(q.Kind)))
		return it
	}
	if q.Reverse && q.Kind != Likert && q.Kind != CES && q.Kind != Matrix {
		p.Addf(f+".reverse", "kind", "a %s question cannot be reverse-keyed", q.Kind)
	}
	if q.Kind != CSAT && len(q.Satisfied) > 0 {
		p.Add(f+".satisfied", "kind", "only a csat question has satisfied answers")
	}
	if q.Kind != CES && q.Effort != "" {
		p.Add(f+".effort", "kind", "only a ces question has an effort direction")
	}
	if q.Kind != CES && q.Aggregate != "" {
		p.Add(f+".aggregate", "kind", "only a ces question names its aggregation")
	}
	if q.Kind == CES && q.Aggregate != "" && !q.Aggregate.Valid() {
		p.Addf(f+".aggregate", "enum", `%s is not "mean", "agree" or "net_easy"`, clip.Quote(string(q.Aggregate)))
	}
	if q.Kind == CES && q.Aggregate == "" {
		q.Aggregate = CESMean // the compiled spec records the default, as it does a CSAT's satisfied set
	}
	if q.Kind != Number && (q.Min != nil || q.Max != nil) {
		p.Add(f+".min", "kind", "only a number question has bounds")
	}
	if q.Kind != Matrix && len(q.Rows) > 0 {
		p.Add(f+".rows", "kind", "only a matrix question has rows")
	}
	if !q.Kind.rated() && q.Scale != nil {
		p.Addf(f+".scale", "kind", "a %s question has no scale", q.Kind)
	}
	it.options = s.options(p, f, q)
	switch q.Kind {
	case NPS:
		if q.Scale != nil && (q.Scale.From != 0 || q.Scale.To != 10) {
			p.Add(f+".scale", "nps", "an NPS question is always 0 to 10")
		}
		it.from, it.to = 0, 10
	case CSAT:
		it.from, it.to = 1, 5
		if q.Scale != nil {
			it.from, it.to = s.scale(p, f+".scale", q.Scale)
		}
		switch {
		case len(q.Satisfied) > 0:
		case it.from == 1 && it.to == 5:
			q.Satisfied = []int{4, 5}
		case it.to > it.from:
			// the top two of another scale is a different box (the top 40 % of 1–5, the
			// top 20 % of 1–10): the survey says which answers are satisfied
			p.Addf(f+".satisfied", "required", "a CSAT question on %d–%d declares its satisfied answers (4 and 5 are the default only on 1–5)", it.from, it.to)
		}
		seen := map[int]bool{}
		for i, v := range q.Satisfied {
			switch {
			case v < it.from || v > it.to:
				p.Addf(fmt.Sprintf("%s.satisfied[%d]", f, i), "range", "%d is not a point of the scale %d–%d", v, it.from, it.to)
			case seen[v]:
				p.Addf(fmt.Sprintf("%s.satisfied[%d]", f, i), "unique", "%d is listed twice", v)
			}
			seen[v] = true
		}
		slices.Sort(q.Satisfied)
	case Likert, CES, Matrix:
		if q.Scale == nil {
			p.Addf(f+".scale", "required", "a %s question declares its scale", q.Kind)
		} else {
			it.from, it.to = s.scale(p, f+".scale", q.Scale)
		}
		if q.Kind == CES {
			switch {
			case q.Effort == "":
				p.Add(f+".effort", "required", `say "easy_high" (agreement it was easy) or "effort_high" (effort, 1 best)`)
			case !q.Effort.Valid():
				p.Addf(f+".effort", "enum", "%s is not easy_high or effort_high", clip.Quote(string(q.Effort)))
			}
		}
		if q.Kind == Matrix {
			it.rows = s.rows(p, f, q, dims)
		}
	case Number:
		for name, v := range map[string]*float64{"min": q.Min, "max": q.Max} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				p.Addf(f+"."+name, "range", "%v is not a finite number", *v)
			}
		}
		if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
			p.Addf(f+".max", "range", "%v is less than min %v", *q.Max, *q.Min)
		}
	}
	return it
}

// scale checks a declared scale and returns its bounds.
func (s *Survey) scale(p *kehu.Problems, f string, sc *Scale) (int, int) {
	if sc.From >= sc.To {
		p.Addf(f, "range", "from %d is not below to %d", sc.From, sc.To)
	} else if sc.To-sc.From+1 > MaxScalePoints {
		p.Addf(f, "range", "has %d points, more than %d", sc.To-sc.From+1, MaxScalePoints)
	}
	points := make([]int, 0, len(sc.Labels))
	for v := range sc.Labels {
		points = append(points, v)
	}
	slices.Sort(points)
	for _, v := range points {
		lf := f + ".labels[" + strconv.Itoa(v) + "]"
		if v < sc.From || v > sc.To {
			p.Addf(lf, "range", "%d is not a point of the scale", v)
		}
		s.label(p, lf, sc.Labels[v])
	}
	return sc.From, sc.To
}

// options checks a question's options and returns them by code.
func (s *Survey) options(p *kehu.Problems, f string, q *Question) map[string]Option {
	choice := q.Kind == SingleChoice || q.Kind == MultipleChoice
	if choice && len(q.Options) == 0 {
		p.Addf(f+".options", "required", "a %s question needs options", q.Kind)
	}
	if !choice && !q.Kind.rated() && len(q.Options) > 0 {
		p.Addf(f+".options", "kind", "a %s question has no options", q.Kind)
	}
	out := make(map[string]Option, len(q.Options))
	for i, o := range q.Options {
		of := fmt.Sprintf("%s.options[%d]", f, i)
		switch {
		case o.Code == "":
			p.Add(of+".code", "required", "is empty")
		case len(o.Code) > 64:
			p.Add(of+".code", "max_length", "is longer than 64 bytes")
		case kehu.CheckText("", o.Code) != nil:
			p.Merge(of+".code", kehu.CheckText("", o.Code))
		case out[o.Code].Code != "":
			p.Addf(of+".code", "unique", "%s is also an earlier option", clip.Quote(o.Code))
		}
		if math.IsNaN(o.Points) || math.IsInf(o.Points, 0) {
			p.Add(of+".points", "range", "is not a finite number")
		}
		if !choice && !o.NonScoring {
			p.Add(of+".non_scoring", "required", "an extra answer of a rating question is non-scoring (not applicable, don't know)")
		}
		s.label(p, of+".label", o.Label)
		out[o.Code] = o
	}
	return out
}

// rows checks a matrix question's rows and returns their IDs.
func (s *Survey) rows(p *kehu.Problems, f string, q *Question, dims map[string]bool) map[string]int {
	if len(q.Rows) == 0 {
		p.Add(f+".rows", "required", "a matrix question needs rows")
	}
	out := make(map[string]int, len(q.Rows))
	for i, r := range q.Rows {
		rf := fmt.Sprintf("%s.rows[%d]", f, i)
		_, dup := out[r.ID]
		switch {
		case !questionPattern.MatchString(r.ID):
			p.Addf(rf+".id", "format", "%s is not a lower-case identifier", clip.Quote(r.ID))
		case dup:
			p.Addf(rf+".id", "unique", "%s is also an earlier row", clip.Quote(r.ID))
		}
		if !dup {
			out[r.ID] = i
		}
		s.label(p, rf+".label", r.Label)
		if r.Dimension != "" && !dims[r.Dimension] {
			p.Addf(rf+".dimension", "unknown", "%s is not a dimension of the survey", clip.Quote(r.Dimension))
		}
	}
	return out
}

// clone returns a deep copy of s.
func (s Spec) clone() Spec {
	c := s
	c.Title = s.Title.clone()
	c.Bands = slices.Clone(s.Bands)
	c.Dimensions = slices.Clone(s.Dimensions)
	for i := range c.Dimensions {
		c.Dimensions[i].Label = c.Dimensions[i].Label.clone()
	}
	c.Sections = slices.Clone(s.Sections)
	for i := range c.Sections {
		sec := &c.Sections[i]
		sec.Title = sec.Title.clone()
		sec.Questions = slices.Clone(sec.Questions)
		for j := range sec.Questions {
			sec.Questions[j] = sec.Questions[j].clone()
		}
	}
	return c
}

func (q Question) clone() Question {
	c := q
	c.Label = q.Label.clone()
	if q.Scale != nil {
		sc := *q.Scale
		if q.Scale.Labels != nil {
			sc.Labels = make(map[int]Label, len(q.Scale.Labels))
			for k, v := range q.Scale.Labels {
				sc.Labels[k] = v.clone()
			}
		}
		c.Scale = &sc
	}
	c.Satisfied = slices.Clone(q.Satisfied)
	c.Options = slices.Clone(q.Options)
	for i := range c.Options {
		c.Options[i].Label = c.Options[i].Label.clone()
	}
	if q.Min != nil {
		v := *q.Min
		c.Min = &v
	}
	if q.Max != nil {
		v := *q.Max
		c.Max = &v
	}
	c.Rows = slices.Clone(q.Rows)
	for i := range c.Rows {
		c.Rows[i].Label = c.Rows[i].Label.clone()
	}
	return c
}

func (l Label) clone() Label { return maps.Clone(l) }
