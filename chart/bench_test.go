package chart_test

import (
	"io"
	"testing"

	"github.com/kehu-crm/kehu/chart"
)

// BenchmarkRadar renders the SERVQUAL gap chart: five axes, six rings, two series.
func BenchmarkRadar(b *testing.B) {
	r := servqual()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Render(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRadarLarge renders twenty axes and ten series.
func BenchmarkRadarLarge(b *testing.B) {
	r := chart.Radar{Max: 100, Rings: 10}
	for i := range 20 {
		r.Axes = append(r.Axes, "维度"+string(rune('A'+i)))
	}
	for s := range 10 {
		vals := make([]float64, 20)
		for i := range vals {
			vals[i] = float64((s*7 + i*13) % 101)
		}
		r.Series = append(r.Series, chart.Series{Name: "系列" + string(rune('A'+s)), Values: vals})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Render(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
