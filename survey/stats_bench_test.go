package survey_test

import (
	"math/rand/v2"
	"testing"

	"github.com/kehu-crm/kehu/survey"
)

// tenMillionAnswers are 10,000,000 seeded 0–10 answers.
func tenMillionAnswers() []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, 10_000_000)
	for i := range a {
		a[i] = float64(rng.IntN(11))
	}
	return a
}

// BenchmarkNPS10M scores ten million 0–10 answers, unweighted and weighted.
func BenchmarkNPS10M(b *testing.B) {
	answers := survey.Column{Values: tenMillionAnswers()}
	b.Run("unweighted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := survey.NPSFromAnswers(answers, nil, 0.95); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("weighted", func(b *testing.B) {
		w := make([]float64, len(answers.Values))
		for i := range w {
			w[i] = 1 + float64(i%3)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := survey.NPSFromAnswers(answers, w, 0.95); err != nil {
				b.Fatal(err)
			}
		}
	})
}
