package report_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/chart"
	"github.com/kehu-crm/kehu/internal/golden"
	"github.com/kehu-crm/kehu/internal/xhtml"
	"github.com/kehu-crm/kehu/report"
)

const hostile = "<script>alert(1)</script>"

// full is a report with every element, hostile text in each place a host's text goes.
func full(t *testing.T) *report.Report {
	t.Helper()
	r := report.New("网店年度报告 & <2025>")
	r.SetLang("zh-CN")
	r.Text("A year of the shop, end to end.")
	s := r.Section("Key figures")
	s.Figures([]report.Figure{{Label: "Customers", Value: "5,000"}, {Label: hostile, Value: "¥1,234.50"}})
	s.Text("Paragraph with " + hostile + " in it.")
	s = r.Section("Tables " + hostile)
	s.Table(report.Table{Caption: "Tiers", Header: []string{"Tier", "Members", "Share"},
		Rows: [][]string{{"金卡", "312", "6.2 %"}, {hostile, "1,204", "24.1 %"}, {"short"}}})
	s = r.Section("Charts")
	require.NoError(t, s.Chart("Members by tier", chart.Bar{Categories: []string{"会员", "银卡", hostile}, Values: []float64{3000, 1200, 312}}))
	require.NoError(t, s.Chart("", chart.Radar{Axes: []string{"a", "b", "c"}, Min: 0, Max: 5,
		Series: []chart.Series{{Name: hostile, Values: []float64{1, 2, 3}}}}))
	require.NoError(t, s.Chart("NPS", chart.Line{Labels: []string{"Q1", "Q2"}, Min: -100, Max: 100,
		Series: []chart.LineSeries{{Name: "NPS", Values: []float64{10, 20}}}}))
	return r
}

func render(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := r.WriteTo(&buf)
	require.NoError(t, err)
	require.EqualValues(t, buf.Len(), n)
	return buf.Bytes()
}

// Every element comes out as well-formed XML (the page is polyglot XHTML5), with the
// host's text as text, never markup; the page is the same on every run.
func TestReport(t *testing.T) {
	page := render(t, full(t))
	p, err := xhtml.Parse(bytes.NewReader(page))
	require.NoError(t, err)

	assert.Equal(t, "网店年度报告 & <2025>", p.Title)
	assert.Equal(t, []string{"网店年度报告 & <2025>", "Key figures", "Tables " + hostile, "Charts"}, p.Headings)
	assert.Equal(t, []string{"A year of the shop, end to end.", "Paragraph with " + hostile + " in it."}, p.Paragraphs)
	assert.Equal(t, []string{"Customers", hostile}, p.Terms)
	assert.Equal(t, []string{"5,000", "¥1,234.50"}, p.Values)
	assert.Equal(t, []string{"Tier", "Members", "Share", "金卡", "312", "6.2 %", hostile, "1,204", "24.1 %", "short", "", ""}, p.Cells)
	assert.Equal(t, []string{"Tiers", "Members by tier", "NPS"}, p.Captions)
	assert.Equal(t, 3, p.Elements["svg"], "each chart inline")
	assert.Equal(t, 0, p.Elements["script"], "no script, whatever the text")
	assert.Equal(t, 0, p.Elements["link"]+p.Elements["img"]+p.Elements["iframe"], "nothing loaded from elsewhere")
	assert.Equal(t, 1, p.Elements["style"])
	assert.NotContains(t, string(page), hostile)
	assert.Contains(t, string(page), "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, string(page), `lang="zh-CN"`)

	// The charts' own text is escaped too, and their XML declaration-free SVG kept.
	assert.Contains(t, p.Text, hostile)
	assert.NotContains(t, string(page), "<?xml")

	// Numbers are right-aligned, and the header of an all-number column.
	assert.Contains(t, string(page), `<th scope="col" class="num">Members</th>`)
	assert.Contains(t, string(page), `<td class="num">1,204</td>`)
	assert.Contains(t, string(page), `<td>金卡</td>`)

	assert.Equal(t, page, render(t, full(t)), "the same report gives the same bytes")
	golden.Check(t, filepath.Join("testdata", "page.html"), page)
}

// Text that is not valid UTF-8, or holds characters XML does not allow, keeps the page
// well-formed.
func TestBadText(t *testing.T) {
	r := report.New("bad \xff title \x01")
	s := r.Section("nul \x00 and \x1b escape")
	s.Table(report.Table{Header: []string{"\xfe"}, Rows: [][]string{{"\uffff"}}})
	s.Figures([]report.Figure{{Label: "\x02", Value: "\x7f"}})
	p, err := xhtml.Parse(bytes.NewReader(render(t, r)))
	require.NoError(t, err)
	assert.Equal(t, "bad \ufffd title \ufffd", p.Title)
	assert.Equal(t, "nul \ufffd and \ufffd escape", p.Headings[1])
	assert.Equal(t, []string{"\ufffd", "\ufffd"}, p.Cells)
}

// renderer is a chart that renders the given document.
type renderer string

func (d renderer) Render(w io.Writer) error {
	_, err := io.WriteString(w, string(d))
	return err
}

// A chart's SVG is inlined only through the allow-lists: anything that could run, load
// or restyle the page is refused, and the section is left as it was.
func TestChartRefused(t *testing.T) {
	const ns = `xmlns="http://www.w3.org/2000/svg"`
	for name, doc := range map[string]string{
		"script":          `<svg ` + ns + `><script>alert(1)</script></svg>`,
		"event handler":   `<svg ` + ns + ` onload="alert(1)"></svg>`,
		"link":            `<svg ` + ns + `><a href="https://example.com"><text>x</text></a></svg>`,
		"xlink":           `<svg ` + ns + ` xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="#a"/></svg>`,
		"foreign object":  `<svg ` + ns + `><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>`,
		"style element":   `<svg ` + ns + `><style>text{fill:red}</style></svg>`,
		"style attribute": `<svg ` + ns + `><rect style="fill:red"/></svg>`,
		"image":           `<svg ` + ns + `><image width="1" height="1"/></svg>`,
		"url reference":   `<svg ` + ns + `><rect fill="url(https://example.com/a.svg#p)"/></svg>`,
		"no namespace":    `<svg><rect/></svg>`,
		"other namespace": `<svg ` + ns + `><x:rect xmlns:x="urn:x"/></svg>`,
		"html root":       `<html xmlns="http://www.w3.org/1999/xhtml"></html>`,
		"two roots":       `<svg ` + ns + `></svg><svg ` + ns + `></svg>`,
		"text outside":    `hello <svg ` + ns + `></svg>`,
		"not XML":         `<svg ` + ns + `><rect></svg>`,
		"unknown entity":  `<svg ` + ns + `><text>&nbsp;</text></svg>`,
		"empty":           ``,
		"too large":       `<svg ` + ns + `><text>` + strings.Repeat("x", report.MaxChartBytes) + `</text></svg>`,
	} {
		t.Run(name, func(t *testing.T) {
			r := report.New("t")
			s := r.Section("s")
			before := render(t, r)
			err := s.Chart("c", renderer(doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.Equal(t, "chart", verr.Fields[0].Field)
			assert.Equal(t, before, render(t, r), "nothing added")
		})
	}
}

// An XML declaration, a doctype and comments are dropped; empty elements are closed in
// place; the root keeps the SVG namespace.
func TestChartCleaned(t *testing.T) {
	r := report.New("t")
	s := r.Section("s")
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- drawn by hand -->
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g class="a"><rect x="1" y="1" width="2" height="2"/></g><text x="1" y="9">a &amp; b &lt;c&gt;</text></svg>
`
	require.NoError(t, s.Chart("c", renderer(doc)))
	page := string(render(t, r))
	assert.Contains(t, page, `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g class="a"><rect x="1" y="1" width="2" height="2"/></g><text x="1" y="9">a &amp; b &lt;c&gt;</text></svg>`)
	assert.NotContains(t, page, "<?xml")
	assert.NotContains(t, page, "DOCTYPE svg")
	assert.NotContains(t, page, "drawn by hand")
	_, err := xhtml.Parse(strings.NewReader(page))
	require.NoError(t, err)
}

// A chart that fails to render adds nothing and returns its error.
func TestChartError(t *testing.T) {
	r := report.New("t")
	s := r.Section("s")
	before := render(t, r)
	err := s.Chart("radar", chart.Radar{Axes: []string{"a", "b"}})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("axes", "min_items"), "the chart's own error: %v", err)
	assert.Equal(t, before, render(t, r))

	broken := errors.New("disk on fire")
	err = s.Chart("x", failing{broken})
	assert.ErrorIs(t, err, broken)
	assert.ErrorIs(t, s.Chart("x", nil), kehu.ErrInvalid)
}

type failing struct{ err error }

func (f failing) Render(io.Writer) error { return f.err }

func TestWriteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path, err := full(t).WriteFile(dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "index.html"), path)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, render(t, full(t)), got)

	_, err = full(t).WriteFile("")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("dir", "required"))
}

// A nil report or section, or a nil writer, is an error or does nothing; nothing panics.
func TestNil(t *testing.T) {
	var r *report.Report
	r.SetLang("en")
	r.Text("x")
	s := r.Section("x")
	assert.Nil(t, s)
	s.Text("x")
	s.Figures([]report.Figure{{Label: "a", Value: "1"}})
	s.Table(report.Table{Header: []string{"a"}})
	assert.ErrorIs(t, s.Chart("x", chart.Bar{}), kehu.ErrInvalid)
	_, err := r.WriteTo(io.Discard)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = r.WriteFile(t.TempDir())
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = report.New("x").WriteTo(nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

// A page needs a title.
func TestNoTitle(t *testing.T) {
	_, err := report.New(" \n").WriteTo(io.Discard)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("title", "required"))
}

// The report keeps copies: changing the host's slices afterwards changes nothing.
func TestCopies(t *testing.T) {
	r := report.New("t")
	s := r.Section("s")
	figs := []report.Figure{{Label: "a", Value: "1"}}
	tab := report.Table{Header: []string{"h"}, Rows: [][]string{{"1"}}}
	s.Figures(figs)
	s.Table(tab)
	before := render(t, r)
	figs[0].Value = "2"
	tab.Header[0] = "x"
	tab.Rows[0][0] = "y"
	assert.Equal(t, before, render(t, r))
}
