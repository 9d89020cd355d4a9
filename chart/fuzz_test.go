package chart_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/chart"
)

// floats reads data as little-endian float64s, so that the fuzzer reaches NaN, the
// infinities, negative zero and subnormals as easily as ordinary values.
func floats(data []byte) []float64 {
	out := make([]float64, 0, len(data)/8)
	for len(data) >= 8 {
		out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(data)))
		data = data[8:]
	}
	return out
}

// split cuts s at each "|" into at most 40 parts, so that a long input makes a chart of
// a size a report has rather than a million points.
func split(s string) []string {
	parts := strings.SplitN(s, "|", 41)
	return parts[:min(len(parts), 40)]
}

// checkOutput fails the test unless err is a validation error and nothing was written,
// or err is nil and the output is a well-formed SVG document.
func checkOutput(t *testing.T, err error, out *bytes.Buffer) {
	t.Helper()
	if err != nil {
		var verr *kehu.ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) == 0 {
			t.Fatalf("error %v is not a *kehu.ValidationError", err)
		}
		if out.Len() != 0 {
			t.Fatalf("%d bytes written with an error", out.Len())
		}
		return
	}
	parse(t, out.Bytes())
}

func FuzzRadar(f *testing.F) {
	f.Add("有形性|可靠性|响应性|保证性|移情性", "期望|感知", 1.0, 7.0, 6, 1, 0, 0,
		[]byte("\x00\x00\x00\x00\x00\x00\x18\x40\x00\x00\x00\x00\x00\x00\x14\x40"))
	f.Add("a|b|c", "", 0.0, 0.0, 0, 0, 0, 0, []byte{})
	f.Add("a|b", "x", math.NaN(), math.Inf(1), -1, 11, 100, 20000, []byte("\xff\xff\xff\xff\xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, axes, names string, lo, hi float64, rings, prec, width, height int, data []byte) {
		r := chart.Radar{
			Options: chart.Options{Title: names, Precision: prec, Width: width, Height: height},
			Axes:    split(axes),
			Min:     lo, Max: hi, Rings: rings,
		}
		vals := floats(data)
		// Values in turn fill the series, one per axis; a short last series is kept, to
		// reach the length check.
		for i, name := range split(names) {
			s := chart.Series{Name: name}
			for j := range r.Axes {
				if k := i*len(r.Axes) + j; k < len(vals) {
					s.Values = append(s.Values, vals[k])
				}
			}
			r.Series = append(r.Series, s)
		}
		var out bytes.Buffer
		checkOutput(t, r.Render(&out), &out)
	})
}

func FuzzLine(f *testing.F) {
	f.Add("Q1|Q2|Q3", "NPS|CSAT", -100.0, 100.0, 4, 1, uint64(0b1011),
		[]byte("\x00\x00\x00\x00\x00\x00\x24\x40\x00\x00\x00\x00\x00\x00\x14\x40\x00\x00\x00\x00\x00\x00\x2e\x40"))
	f.Add("", "", 0.0, 1.0, 0, 0, uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, labels, names string, lo, hi float64, ticks, prec int, banded uint64, data []byte) {
		l := chart.Line{
			Options: chart.Options{Precision: prec},
			Labels:  split(labels),
			Min:     lo, Max: hi, Ticks: ticks,
		}
		vals := floats(data)
		next := func() float64 {
			if len(vals) == 0 {
				return 0
			}
			v := vals[0]
			vals = vals[1:]
			return v
		}
		// Each point takes a value, and a band (two more) when its bit of banded is set.
		bit := 0
		for _, name := range split(names) {
			s := chart.LineSeries{Name: name, Bands: make([]*chart.Band, len(l.Labels))}
			for j := range l.Labels {
				s.Values = append(s.Values, next())
				if banded>>(bit%64)&1 == 1 {
					s.Bands[j] = &chart.Band{Lo: next(), Hi: next()}
				}
				bit++
			}
			l.Series = append(l.Series, s)
		}
		var out bytes.Buffer
		checkOutput(t, l.Render(&out), &out)
	})
}
