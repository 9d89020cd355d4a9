package chart_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/chart"
	"github.com/kehu-crm/kehu/internal/golden"
)

// renderer is what every chart is.
type renderer interface {
	Render(w io.Writer) error
}

// servqual is expectation against perception on SERVQUAL's five dimensions, on a 1–7
// scale.
func servqual() chart.Radar {
	return chart.Radar{
		Options: chart.Options{Title: "服务质量差距（SERVQUAL）", Precision: 0},
		Axes:    []string{"有形性", "可靠性", "响应性", "保证性", "移情性"},
		Min:     1, Max: 7, Rings: 6,
		Series: []chart.Series{
			{Name: "期望", Values: []float64{6.2, 6.5, 6.1, 6.3, 5.9}},
			{Name: "感知", Values: []float64{5.4, 5.1, 4.8, 5.6, 5}},
		},
	}
}

func csiBars() chart.Bar {
	return chart.Bar{
		Options:    chart.Options{Title: "满意度指数分项得分", Width: 560, Height: 360},
		Categories: []string{"产品质量", "服务态度", "价格", "交付"},
		Values:     []float64{32, 27, 18, 22.5},
		Maxima:     []float64{40, 30, 30, 25},
		Ticks:      4,
		Max:        40,
	}
}

func npsLine() chart.Line {
	return chart.Line{
		Options: chart.Options{Title: "NPS 与 CSAT 各期走势", Precision: 1},
		Labels:  []string{"2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"},
		Min:     -20, Max: 100, Ticks: 6,
		Series: []chart.LineSeries{
			{Name: "NPS", Values: []float64{12, 18, 25, 21},
				Bands: []*chart.Band{{Lo: 5, Hi: 19}, {Lo: 11, Hi: 25}, nil, {Lo: 14, Hi: 28}}},
			{Name: "CSAT %", Values: []float64{78, 81, 83.5, 80},
				Bands: []*chart.Band{{Lo: 75, Hi: 81}, {Lo: 78, Hi: 84}, {Lo: 80, Hi: 87}, {Lo: 77, Hi: 83}}},
		},
	}
}

// parsed is what a test reads back from a rendered document.
type parsed struct {
	root  xml.StartElement
	count map[string]int // by element name, and by "name.class"
	texts []string       // the content of every <text>, in order
	title string
}

// parse reads an SVG document with encoding/xml, failing the test if it is not well-formed
// XML with a single <svg> root in the SVG namespace.
func parse(t testing.TB, b []byte) parsed {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	p := parsed{count: map[string]int{}}
	var stack []string
	var text strings.Builder
	roots := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the output is not well-formed XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				roots++
				p.root = tok.Copy()
			}
			stack = append(stack, tok.Name.Local)
			p.count[tok.Name.Local]++
			for _, a := range tok.Attr {
				if a.Name.Local == "class" {
					p.count[tok.Name.Local+"."+a.Value]++
				}
			}
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "text":
				p.texts = append(p.texts, text.String())
			case "title":
				p.title = text.String()
			}
			stack = stack[:len(stack)-1]
		}
	}
	require.Equal(t, 1, roots, "one root element")
	require.Equal(t, "http://www.w3.org/2000/svg", p.root.Name.Space)
	require.Equal(t, "svg", p.root.Name.Local)
	return p
}

func (p parsed) attr(name string) string {
	for _, a := range p.root.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func render(t testing.TB, c renderer) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, c.Render(&buf))
	return buf.Bytes()
}

// checkSVG compares out with testdata/name.svg, or rewrites the file under -update.
func checkSVG(t *testing.T, name string, out []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".svg"), out)
}

func TestRadar(t *testing.T) {
	out := render(t, servqual())
	checkSVG(t, "radar", out)
	p := parse(t, out)
	assert.Equal(t, "480", p.attr("width"))
	assert.Equal(t, "0 0 480 480", p.attr("viewBox"))
	assert.Contains(t, p.attr("font-family"), "'Noto Sans CJK SC'")
	assert.Equal(t, "服务质量差距（SERVQUAL）", p.title)
	assert.Equal(t, 6+2, p.count["polygon"], "six rings and two series")
	assert.Equal(t, 6, p.count["polygon.ring"])
	assert.Equal(t, 2, p.count["polygon.series"])
	assert.Equal(t, 5, p.count["line.axis"])
	assert.Equal(t, 10, p.count["circle.point"])
	assert.Equal(t, 2, p.count["rect.legend"])
	// The title, the ring values 2…7, the five axes and the two legend entries.
	assert.Equal(t, []string{"服务质量差距（SERVQUAL）", "2", "3", "4", "5", "6", "7",
		"有形性", "可靠性", "响应性", "保证性", "移情性", "期望", "感知"}, p.texts)
}

func TestRadarGeometry(t *testing.T) {
	// A square web on [0, 4]: the top vertex of a series at 4 is the top of the outer ring,
	// and one at 0 sits in the centre.
	out := render(t, chart.Radar{
		Options: chart.Options{Width: 400, Height: 400},
		Axes:    []string{"a", "b", "c", "d"},
		Max:     4, Rings: 4,
		Series: []chart.Series{{Values: []float64{4, 0, 4, 0}}},
	})
	s := string(out)
	ring := between(s, `<polygon points="`, `" class="ring"`, 3) // the outer ring
	series := between(s, `<polygon points="`, `" class="series"`, 0)
	top, bottom := strings.Fields(ring)[0], strings.Fields(ring)[2]
	assert.Equal(t, top+" 200,200 "+bottom+" 200,200", series)
	assert.Equal(t, 0, parse(t, out).count["rect.legend"], "an unnamed series has no legend entry")
}

// between returns the text between the (i+1)th open and the close that follows it.
func between(s, open, close string, i int) string {
	for ; i >= 0; i-- {
		k := strings.Index(s, open)
		if k < 0 {
			return ""
		}
		s = s[k+len(open):]
		if i == 0 {
			if e := strings.Index(s, close); e >= 0 && !strings.Contains(s[:e], "<") {
				return s[:e]
			}
			i++ // the match was another element; look further
		}
	}
	return ""
}

func TestBar(t *testing.T) {
	out := render(t, csiBars())
	checkSVG(t, "bar", out)
	p := parse(t, out)
	assert.Equal(t, "0 0 560 360", p.attr("viewBox"))
	assert.Equal(t, 4, p.count["rect.bar"])
	assert.Equal(t, 4, p.count["rect.maximum"])
	assert.Equal(t, 1+4+4, p.count["rect"], "the background, four bars and four outlines")
	assert.Equal(t, []string{"满意度指数分项得分", "0", "10", "20", "30", "40",
		"32 / 40", "27 / 30", "18 / 30", "22 / 25", // 22.5 with precision 0 rounds half to even
		"产品质量", "服务态度", "价格", "交付"}, p.texts)

	// Without maxima or a declared top, the scale ends at a round number above the
	// largest value, in round steps.
	b := csiBars()
	b.Maxima, b.Max, b.Precision = nil, 0, 1
	p = parse(t, render(t, b))
	assert.Equal(t, 0, p.count["rect.maximum"])
	assert.Equal(t, []string{"0.0", "10.0", "20.0", "30.0", "40.0", "32.0"}, p.texts[1:7], "ticks, then the first value")
	assert.Contains(t, p.texts, "22.5")
}

// With Max 0 the value axis runs to a round number in at most Ticks round steps, no finer
// than the precision prints.
func TestBarRoundScale(t *testing.T) {
	ticks := func(b chart.Bar) []string {
		t.Helper()
		b.Categories = make([]string, len(b.Values))
		p := parse(t, render(t, b))
		return p.texts[:p.count["text.tick"]]
	}
	for _, tc := range []struct {
		name   string
		bar    chart.Bar
		labels []string
	}{
		{"members by level", chart.Bar{Values: []float64{4008, 821, 150, 21}},
			[]string{"0", "1000", "2000", "3000", "4000", "5000"}},
		{"the top on a step", chart.Bar{Values: []float64{3000, 1200}},
			[]string{"0", "1000", "2000", "3000"}},
		{"two ticks", chart.Bar{Values: []float64{1715, 77}, Ticks: 2},
			[]string{"0", "1000", "2000"}},
		{"tenths", chart.Bar{Options: chart.Options{Precision: 1}, Values: []float64{0.3, 0.25}},
			[]string{"0.0", "0.1", "0.2", "0.3"}},
		{"no finer than the precision", chart.Bar{Values: []float64{0.3}},
			[]string{"0", "1"}},
		{"all zero", chart.Bar{Values: []float64{0, 0}},
			[]string{"0", "1"}},
	} {
		assert.Equal(t, tc.labels, ticks(tc.bar), tc.name)
	}
	// At the edge of float64 the scale ends at the largest value, in the ticks asked for.
	p := parse(t, render(t, chart.Bar{Categories: []string{"a"}, Values: []float64{math.MaxFloat64}}))
	assert.Equal(t, 6, p.count["text.tick"])
	p = parse(t, render(t, chart.Bar{Categories: []string{"a"}, Values: []float64{5e-324}, Options: chart.Options{Precision: 10}}))
	assert.Equal(t, 2, p.count["text.tick"], "0 and 1e-10")
}

func TestLine(t *testing.T) {
	out := render(t, npsLine())
	checkSVG(t, "line", out)
	p := parse(t, out)
	assert.Equal(t, 2, p.count["polyline.series"])
	assert.Equal(t, 8, p.count["circle.point"])
	// NPS has bands on Q1–Q2 (one area) and Q4 alone (a bar); CSAT one area over all four.
	assert.Equal(t, 2, p.count["polygon.band"])
	assert.Equal(t, 1, p.count["rect.band"])
	assert.Equal(t, 7, p.count["line.grid"])
	assert.Equal(t, []string{"NPS 与 CSAT 各期走势",
		"-20.0", "0.0", "20.0", "40.0", "60.0", "80.0", "100.0",
		"2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "NPS", "CSAT %"}, p.texts)
}

func TestLineOnePoint(t *testing.T) {
	p := parse(t, render(t, chart.Line{
		Labels: []string{"第一期"}, Max: 10,
		Series: []chart.LineSeries{{Name: "CES", Values: []float64{4}, Bands: []*chart.Band{{Lo: 3, Hi: 5}}}},
	}))
	assert.Equal(t, 0, p.count["polyline"], "one point draws no line")
	assert.Equal(t, 1, p.count["circle.point"])
	assert.Equal(t, 1, p.count["rect.band"])
}

func TestEscaping(t *testing.T) {
	r := chart.Radar{
		Options: chart.Options{Title: `<script>alert("x")</script> & 'co'`, FontFamily: `"Evil" Font`},
		Axes:    []string{"a<b", "c&d", "\x00bad\xffutf8", `"quoted"`},
		Max:     1,
		Series:  []chart.Series{{Name: "</text><svg>", Values: []float64{1, 0.5, 0, 1}}},
	}
	out := render(t, r)
	checkSVG(t, "escaping", out)
	assert.NotContains(t, string(out), "<script")
	p := parse(t, out)
	assert.Equal(t, `"Evil" Font`, p.attr("font-family"))
	assert.Equal(t, []string{`<script>alert("x")</script> & 'co'`, "0", "0", "1", "1", "1", // 0.2 … 1 with precision 0
		"a<b", "c&d", "\uFFFDbad\uFFFDutf8", `"quoted"`, "</text><svg>"}, p.texts)
}

func TestPrecisionAndPalette(t *testing.T) {
	r := servqual()
	r.Precision, r.Rings, r.Min, r.Max = 2, 3, -1, 1
	r.Palette = []string{"#abc", "#123456"}
	r.Series[0].Values = []float64{-1, 0, 1, 0.5, -0.5}
	r.Series[1].Values = []float64{0, 0, 0, 0, 0}
	r.Series = append(r.Series, chart.Series{Name: "第三", Values: []float64{1, 1, 1, 1, 1}})
	out := render(t, r)
	p := parse(t, out)
	assert.Equal(t, []string{"-0.33", "0.33", "1.00"}, p.texts[1:4], "ring values, with no -0.00")
	s := string(out)
	assert.Equal(t, 2, strings.Count(s, `class="series" fill="#abc"`), "the palette repeats")
	assert.Equal(t, 1, strings.Count(s, `class="series" fill="#123456"`))
}

func TestDeterministic(t *testing.T) {
	for name, c := range map[string]renderer{"radar": servqual(), "bar": csiBars(), "line": npsLine()} {
		first := render(t, c)
		for range 20 {
			require.Equal(t, first, render(t, c), name)
		}
	}
}

func TestDefaultPaletteIsACopy(t *testing.T) {
	p := chart.DefaultPalette()
	p[0] = "#ffffff"
	assert.Equal(t, "#0072b2", chart.DefaultPalette()[0])
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriterErrors(t *testing.T) {
	boom := errors.New("disk full")
	assert.ErrorIs(t, servqual().Render(failingWriter{boom}), boom)
	assert.Error(t, servqual().Render(nil))
}
