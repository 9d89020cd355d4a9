package survey_test

import (
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
