package survey

import (
	"github.com/kehu-crm/kehu/internal/enum"
)

// Kind is what a question asks for.
type Kind string

// Question kinds.
const (
	// Likert is a rating on a labelled scale of any number of points (Scale).
	Likert Kind = "likert"
	// NPS is "how likely are you to recommend us", an integer 0 to 10; only NPS
	// questions give a Net Promoter Score.
	NPS Kind = "nps"
	// CSAT is a satisfaction rating, 1 to 5 unless Scale says otherwise, with a declared
	// set of satisfied answers (Satisfied, default the top two).
	CSAT Kind = "csat"
	// CES is a customer effort score on a declared scale and direction (Effort).
	CES Kind = "ces"
	// SingleChoice is one option of Options.
	SingleChoice Kind = "single_choice"
	// MultipleChoice is any number of Options.
	MultipleChoice Kind = "multiple_choice"
	// Number is a number between Min and Max.
	Number Kind = "number"
	// Text is free text.
	Text Kind = "text"
	// Matrix is one rating on Scale per row (Rows), each row an item of its own.
	Matrix Kind = "matrix"
)

// Valid reports whether k is a declared kind.
func (k Kind) Valid() bool {
	switch k {
	case Likert, NPS, CSAT, CES, SingleChoice, MultipleChoice, Number, Text, Matrix:
		return true
	}
	return false
}

// ParseKind reads a question kind; anything else is a *kehu.ValidationError on "kind".
// A questionnaire's kinds are checked by Compile, which names the question.
func ParseKind(s string) (Kind, error) { return enum.Parse[Kind]("kind", s) }

// rated reports whether answers to the kind are points of a scale.
func (k Kind) rated() bool { return k == Likert || k == NPS || k == CSAT || k == CES || k == Matrix }

// Effort is the direction of a customer effort scale.
type Effort string

// Effort directions.
const (
	// EasyHigh is agreement that something was easy: the higher the easier (1–7,
	// "the company made it easy for me").
	EasyHigh Effort = "easy_high"
	// EffortHigh is the effort it took: the higher the harder (1–5, 1 best).
	EffortHigh Effort = "effort_high"
)

// Valid reports whether e is a declared direction.
func (e Effort) Valid() bool { return e == EasyHigh || e == EffortHigh }

// CESAggregate names the figure a customer effort score is reported by.
type CESAggregate string

// CES aggregations.
const (
	// CESMean is the mean answer, on the scale's easy-high orientation.
	CESMean CESAggregate = "mean"
	// CESAgree is the percentage of answers above the midpoint (5–7 on 1–7).
	CESAgree CESAggregate = "agree"
	// CESNetEasy is the percentage that agree minus the percentage that disagree.
	CESNetEasy CESAggregate = "net_easy"
)

// Valid reports whether a is a declared aggregation.
func (a CESAggregate) Valid() bool { return a == CESMean || a == CESAgree || a == CESNetEasy }

// ParseEffort reads an effort direction; anything else is a *kehu.ValidationError on
// "effort".
func ParseEffort(s string) (Effort, error) { return enum.Parse[Effort]("effort", s) }

// Label is text for people in several locales: locale → text ("zh" → "非常满意", "en" →
// "Very satisfied"). Codes and scores never depend on it.
type Label map[string]string

// In returns the text in the locale, or in fallback, or any text when neither has one (the
// alphabetically first locale's, so that the choice is stable).
func (l Label) In(locale, fallback string) string {
	if s, ok := l[locale]; ok {
		return s
	}
	if s, ok := l[fallback]; ok {
		return s
	}
	first := ""
	for loc := range l {
		if first == "" || loc < first {
			first = loc
		}
	}
	return l[first]
}

// Spec is a questionnaire as written, in Go or in strict JSON (Load). Compile it to use it;
// changing it means compiling a new Version, and responses record the version they
// answered.
type Spec struct {
	// ID names the survey: 1 to 64 of a-z, 0-9, '_', '-', starting with a letter or digit.
	ID string `json:"id"`
	// Version is 1 or more.
	Version int   `json:"version"`
	Title   Label `json:"title"`
	// Locale is the default locale of the labels, e.g. "zh"; every label has text in it.
	Locale string `json:"locale"`
	// Dimensions group items for scoring (SERVQUAL's tangibles, reliability, …; a CSI's
	// drivers), each with an importance weight.
	Dimensions []Dimension `json:"dimensions,omitempty"`
	Sections   []Section   `json:"sections"`
	// Bands are the messages a response's 0–100 index earns (LimeSurvey-style
	// assessments): the first band whose [From, To) holds the index. From and To lie in
	// 0 to 100 (To may be 100.000001 or more to take in a perfect score).
	Bands []Band `json:"bands,omitempty"`
}

// Dimension is a group of items scored together.
type Dimension struct {
	ID    string `json:"id"`
	Label Label  `json:"label"`
	// Weight is the dimension's importance, more than 0; 0 means 1.
	Weight float64 `json:"weight,omitempty"`
}

// Section is a page or group of questions, in order.
type Section struct {
	ID        string     `json:"id"`
	Title     Label      `json:"title,omitempty"`
	Questions []Question `json:"questions"`
}

// Scale is the points of a rating question: integers From to To, optionally labelled.
type Scale struct {
	From int `json:"from"`
	To   int `json:"to"`
	// Labels names some or all points ("1" → "Very dissatisfied").
	Labels map[int]Label `json:"labels,omitempty"`
}

// Option is an answer a choice question offers, or an extra answer of a rating question
// ("not applicable", "don't know").
type Option struct {
	Code  string `json:"code"`
	Label Label  `json:"label"`
	// Points is what choosing the option scores (choice questions).
	Points float64 `json:"points,omitempty"`
	// NonScoring marks an answer that counts as no answer for scoring: "not applicable",
	// "don't know". It is never a zero.
	NonScoring bool `json:"non_scoring,omitempty"`
}

// Row is an item of a matrix question.
type Row struct {
	ID    string `json:"id"`
	Label Label  `json:"label"`
	// Reverse and Dimension are as on Question, for this row.
	Reverse   bool   `json:"reverse,omitempty"`
	Dimension string `json:"dimension,omitempty"`
}

// Question is one question.
type Question struct {
	// ID names the question in answers, conditions and exports: a lower-case identifier
	// (^[a-z][a-z0-9_]{0,63}$), unique in the survey.
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	Label Label  `json:"label"`
	// Required questions must be answered when they are shown.
	Required bool `json:"required,omitempty"`
	// Scale is the points of a Likert, CSAT, CES or matrix question (CSAT: 1–5 when
	// unset; NPS is always 0–10).
	Scale *Scale `json:"scale,omitempty"`
	// Satisfied is a CSAT question's satisfied answers: 4 and 5 when unset on the default
	// 1–5 scale; a question on another scale must declare them.
	Satisfied []int `json:"satisfied,omitempty"`
	// Effort is a CES question's direction.
	Effort Effort `json:"effort,omitempty"`
	// Aggregate is the figure a CES question is reported by (CESResult.Headline): the
	// mean (the default), the percentage that agree it was easy, or net easy.
	Aggregate CESAggregate `json:"aggregate,omitempty"`
	// Options are a choice question's answers, or a rating question's extra answers,
	// which must be NonScoring.
	Options []Option `json:"options,omitempty"`
	// Min and Max bound a Number question.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Rows are a matrix question's items.
	Rows []Row `json:"rows,omitempty"`
	// Reverse marks a reverse-keyed item: scored as From + To − answer.
	Reverse bool `json:"reverse,omitempty"`
	// Weight is the item's weight in its dimension, more than 0; 0 means 1.
	Weight float64 `json:"weight,omitempty"`
	// Dimension is the ID of the dimension the item belongs to.
	Dimension string `json:"dimension,omitempty"`
	// VisibleIf is a condition over earlier answers (an expr-lang expression naming
	// questions by ID: `recommend <= 6`, `channel == "store"`); empty means always shown.
	// A condition that reads an unanswered question is false.
	VisibleIf string `json:"visible_if,omitempty"`
}
