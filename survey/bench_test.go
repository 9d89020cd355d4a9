package survey_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kehu-crm/kehu/survey"
)

// BenchmarkValidateResponse checks a complete response of the nine-question questionnaire
// after a purchase (every kind of question, a visibility condition, a matrix).
func BenchmarkValidateResponse(b *testing.B) {
	s, err := survey.Load(strings.NewReader(afterPurchaseJSON))
	if err != nil {
		b.Fatal(err)
	}
	answers := promoter()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Check(answers); err != nil {
			b.Fatal(err)
		}
	}
}

// servqualSurvey is a SERVQUAL questionnaire: expectations and perceptions, two matrix
// questions of the 22 items on 1–7.
func servqualSurvey(tb testing.TB) *survey.Survey {
	tb.Helper()
	rows := make([]survey.Row, survey.ServqualItems)
	for k := range rows {
		rows[k] = survey.Row{ID: fmt.Sprintf("i%02d", k+1), Label: survey.Label{"en": fmt.Sprint("item ", k+1)}}
	}
	scale := &survey.Scale{From: 1, To: 7}
	s, err := survey.Compile(survey.Spec{ID: "servqual", Version: 1, Locale: "en", Title: survey.Label{"en": "SERVQUAL"},
		Sections: []survey.Section{{ID: "s", Questions: []survey.Question{
			{ID: "expect", Kind: survey.Matrix, Required: true, Scale: scale, Rows: rows, Label: survey.Label{"en": "Expect"}},
			{ID: "perceive", Kind: survey.Matrix, Required: true, Scale: scale, Rows: rows, Label: survey.Label{"en": "Perceive"}},
		}}}})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkScoreSERVQUAL1M scores SERVQUAL over 1,000,000 responses of 44 answers each,
// every response checked against its version. The responses are generated on the fly into
// one reused buffer, so the benchmark measures the scoring, not a 5 GB fixture.
func BenchmarkScoreSERVQUAL1M(b *testing.B) {
	s := servqualSurvey(b)
	const n = 1_000_000
	values := make([]float64, 2*survey.ServqualItems)
	r := &survey.Response{Survey: "servqual", Version: 1, Weight: 1}
	for q, question := range []string{"expect", "perceive"} { // in the questionnaire's order, as a form sends them
		for k := range survey.ServqualItems {
			row := fmt.Sprintf("i%02d", k+1)
			r.Answers = append(r.Answers, survey.Answer{Question: question, Row: row, Value: &values[q*survey.ServqualItems+k]})
		}
	}
	responses := func(yield func(*survey.Response) bool) {
		for i := range n {
			for k := range values {
				values[k] = float64(1 + (i+k)%7)
			}
			if !yield(r) {
				return
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Servqual(responses, "expect", "perceive", nil); err != nil {
			b.Fatal(err)
		}
	}
}
