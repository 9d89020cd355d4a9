package chart_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/chart"
)

type problem struct{ field, rule string }

func TestInvalid(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	radar := func(edit func(*chart.Radar)) chart.Radar {
		r := servqual()
		edit(&r)
		return r
	}
	bar := func(edit func(*chart.Bar)) chart.Bar {
		b := csiBars()
		edit(&b)
		return b
	}
	line := func(edit func(*chart.Line)) chart.Line {
		l := npsLine()
		edit(&l)
		return l
	}
	tests := []struct {
		name  string
		chart renderer
		want  []problem // every problem, in order
	}{
		{"radar: two axes", radar(func(r *chart.Radar) { r.Axes = r.Axes[:2] }),
			[]problem{{"axes", "min_items"}}},
		{"radar: no axes", chart.Radar{Max: 1, Series: []chart.Series{{}}},
			[]problem{{"axes", "min_items"}}},
		{"radar: no series", radar(func(r *chart.Radar) { r.Series = nil }),
			[]problem{{"series", "required"}}},
		{"radar: too few values", radar(func(r *chart.Radar) { r.Series[1].Values = r.Series[1].Values[:4] }),
			[]problem{{"series[1].values", "length"}}},
		{"radar: NaN", radar(func(r *chart.Radar) { r.Series[1].Values[3] = nan }),
			[]problem{{"series[1].values[3]", "finite"}}},
		{"radar: infinity", radar(func(r *chart.Radar) { r.Series[0].Values[0] = -inf }),
			[]problem{{"series[0].values[0]", "finite"}}},
		{"radar: above the scale", radar(func(r *chart.Radar) { r.Series[1].Values[3] = 7.01 }),
			[]problem{{"series[1].values[3]", "range"}}},
		{"radar: below the scale", radar(func(r *chart.Radar) { r.Series[0].Values[4] = 0 }),
			[]problem{{"series[0].values[4]", "range"}}},
		{"radar: every bad value at once", radar(func(r *chart.Radar) {
			r.Series[0].Values[1] = 8
			r.Series[1].Values[2] = nan
		}), []problem{{"series[0].values[1]", "range"}, {"series[1].values[2]", "finite"}}},
		{"radar: empty scale", radar(func(r *chart.Radar) { r.Min = 7 }),
			[]problem{{"max", "range"}}},
		{"radar: reversed scale", radar(func(r *chart.Radar) { r.Min, r.Max = 7, 1 }),
			[]problem{{"max", "range"}}},
		{"radar: NaN scale", radar(func(r *chart.Radar) { r.Min, r.Max = nan, inf }),
			[]problem{{"min", "finite"}, {"max", "finite"}}},
		{"radar: bad scale, and a NaN value", radar(func(r *chart.Radar) { r.Max = 0; r.Series[1].Values[0] = nan }),
			[]problem{{"max", "range"}, {"series[1].values[0]", "finite"}}},
		{"radar: scale wider than a float64", radar(func(r *chart.Radar) { r.Min, r.Max = -math.MaxFloat64, math.MaxFloat64 }),
			[]problem{{"max", "range"}}},
		{"radar: negative rings", radar(func(r *chart.Radar) { r.Rings = -1 }),
			[]problem{{"rings", "range"}}},
		{"radar: too many rings", radar(func(r *chart.Radar) { r.Rings = 101 }),
			[]problem{{"rings", "range"}}},

		{"options: too narrow", radar(func(r *chart.Radar) { r.Width = 100 }),
			[]problem{{"width", "range"}}},
		{"options: too tall", radar(func(r *chart.Radar) { r.Height = chart.MaxSize + 1 }),
			[]problem{{"height", "range"}}},
		{"options: negative precision", radar(func(r *chart.Radar) { r.Precision = -1 }),
			[]problem{{"precision", "range"}}},
		{"options: precision too high", radar(func(r *chart.Radar) { r.Precision = chart.MaxPrecision + 1 }),
			[]problem{{"precision", "range"}}},
		{"options: empty palette", radar(func(r *chart.Radar) { r.Palette = []string{} }),
			[]problem{{"palette", "required"}}},
		{"options: bad colours", radar(func(r *chart.Radar) { r.Palette = []string{"#fff", "red", `#12345"`} }),
			[]problem{{"palette[1]", "format"}, {"palette[2]", "format"}}},

		{"bar: no categories", chart.Bar{}, []problem{{"categories", "required"}}},
		{"bar: too few values", bar(func(b *chart.Bar) { b.Values = b.Values[:3] }),
			[]problem{{"values", "length"}}},
		{"bar: too many maxima", bar(func(b *chart.Bar) { b.Maxima = append(b.Maxima, 1) }),
			[]problem{{"maxima", "length"}}},
		{"bar: negative value", bar(func(b *chart.Bar) { b.Values[2] = -1 }),
			[]problem{{"values[2]", "range"}}},
		{"bar: value above its maximum", bar(func(b *chart.Bar) { b.Values[1] = 31 }),
			[]problem{{"values[1]", "range"}}},
		{"bar: maximum above the scale", bar(func(b *chart.Bar) { b.Maxima[0] = 41 }),
			[]problem{{"maxima[0]", "range"}}},
		{"bar: value above the scale", bar(func(b *chart.Bar) { b.Maxima = nil; b.Values[0] = 41 }),
			[]problem{{"values[0]", "range"}}},
		{"bar: NaN value and infinite maximum", bar(func(b *chart.Bar) { b.Values[0] = nan; b.Maxima[3] = inf }),
			[]problem{{"values[0]", "finite"}, {"maxima[3]", "finite"}}},
		{"bar: negative max, and a value above its maximum", bar(func(b *chart.Bar) { b.Max = -2; b.Values[3] = 26 }),
			[]problem{{"max", "range"}, {"values[3]", "range"}}},
		{"bar: negative max", bar(func(b *chart.Bar) { b.Max = -1 }),
			[]problem{{"max", "range"}}},
		{"bar: NaN max", bar(func(b *chart.Bar) { b.Max = nan }),
			[]problem{{"max", "finite"}}},
		{"bar: too many ticks", bar(func(b *chart.Bar) { b.Ticks = 1000 }),
			[]problem{{"ticks", "range"}}},

		{"line: no labels", line(func(l *chart.Line) {
			l.Labels = nil
			l.Series = []chart.LineSeries{{Name: "NPS"}}
		}), []problem{{"labels", "required"}}},
		{"line: no series", line(func(l *chart.Line) { l.Series = nil }),
			[]problem{{"series", "required"}}},
		{"line: too many values", line(func(l *chart.Line) { l.Series[1].Values = append(l.Series[1].Values, 80) }),
			[]problem{{"series[1].values", "length"}}},
		{"line: too few bands", line(func(l *chart.Line) { l.Series[0].Bands = l.Series[0].Bands[:1] }),
			[]problem{{"series[0].bands", "length"}}},
		{"line: value above the scale", line(func(l *chart.Line) { l.Series[1].Values[3] = 101 }),
			[]problem{{"series[1].values[3]", "range"}}},
		{"line: NaN value", line(func(l *chart.Line) { l.Series[0].Values[2] = nan }),
			[]problem{{"series[0].values[2]", "finite"}}},
		{"line: band above its value", line(func(l *chart.Line) { l.Series[0].Bands[1].Lo = 19 }),
			[]problem{{"series[0].bands[1].lo", "range"}}},
		{"line: band below its value", line(func(l *chart.Line) { l.Series[1].Bands[3].Hi = 79 }),
			[]problem{{"series[1].bands[3].hi", "range"}}},
		{"line: band outside the scale", line(func(l *chart.Line) { l.Series[1].Bands[2].Hi = 100.5 }),
			[]problem{{"series[1].bands[2].hi", "range"}}},
		{"line: infinite band", line(func(l *chart.Line) { l.Series[0].Bands[0].Lo = -inf }),
			[]problem{{"series[0].bands[0].lo", "finite"}}},
		{"line: reversed scale", line(func(l *chart.Line) { l.Min, l.Max = 100, -20 }),
			[]problem{{"max", "range"}}},
		{"line: no scale, an infinite value and a reversed band", line(func(l *chart.Line) {
			l.Min, l.Max = 0, 0
			l.Series[0].Values[2] = inf
			l.Series[1].Bands[0] = &chart.Band{Lo: 79, Hi: 77}
		}), []problem{{"max", "range"}, {"series[0].values[2]", "finite"},
			{"series[1].bands[0].lo", "range"}, {"series[1].bands[0].hi", "range"}}},
		{"line: negative ticks", line(func(l *chart.Line) { l.Ticks = -5 }),
			[]problem{{"ticks", "range"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := tt.chart.Render(&buf)
			require.Error(t, err)
			assert.Zero(t, buf.Len(), "nothing is written")
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "%v is a *kehu.ValidationError", err)
			var got []problem
			for _, f := range verr.Fields {
				got = append(got, problem{f.Field, f.Rule})
				assert.NotEmpty(t, f.Message, f.Field)
			}
			assert.Equal(t, tt.want, got, err.Error())
		})
	}
}

func TestInvalidMessage(t *testing.T) {
	r := servqual()
	r.Series[1].Values[3] = 8
	assert.EqualError(t, r.Render(&bytes.Buffer{}),
		"invalid input: series[1].values[3]: is 8, outside the scale [1, 7] (range)")
}

func TestZeroValues(t *testing.T) {
	// The zero value of each chart is an error, not a panic.
	for _, c := range []renderer{chart.Radar{}, chart.Bar{}, chart.Line{}} {
		var buf bytes.Buffer
		assert.ErrorIs(t, c.Render(&buf), kehu.ErrInvalid)
		assert.Zero(t, buf.Len())
	}
}
