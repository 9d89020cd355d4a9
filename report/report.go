package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// FileName is the name of the page WriteFile writes.
const FileName = "index.html"

// Report is an HTML report being built: a title, an optional introduction and sections.
// Make one with New. It is not safe for concurrent use.
type Report struct {
	title    string
	lang     string
	intro    []string
	sections []*Section
}

// Section is one part of a report under its heading; Report.Section makes one. Its
// methods append to it in reading order.
type Section struct {
	heading string
	blocks  []block
}

// Figure is one key figure: a label and its value, already formatted for the reader
// ("Customers", "5,000").
type Figure struct {
	Label string
	Value string
}

// Table is a table of text: a caption (optional), the column headings and the rows.
// Rows shorter than the header are padded with empty cells.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Renderer draws a chart as an SVG document: chart.Radar, chart.Bar and chart.Line are
// Renderers.
type Renderer interface {
	Render(w io.Writer) error
}

// block is one element of a section; exactly one of its fields is set.
type block struct {
	Text    string
	Figures []Figure
	Table   *tableView
	Chart   *chartView
}

type tableView struct {
	Caption string
	Header  []cell
	Rows    [][]cell
}

type cell struct {
	Text string
	Num  bool
}

type chartView struct {
	Caption string
	SVG     template.HTML // the chart's SVG as inlineSVG wrote it
}

// New returns an empty report with a title, shown as the page's title and its first
// heading. A report needs one: WriteTo and WriteFile refuse an empty title.
func New(title string) *Report {
	return &Report{title: clean(title)}
}

// SetLang sets the language of the report's text, a BCP 47 tag such as "zh-CN" or "en",
// which the page declares so that a browser picks fonts and hyphenation for it; empty
// (the default) declares none.
func (r *Report) SetLang(tag string) {
	if r != nil {
		r.lang = clean(tag)
	}
}

// Text adds a paragraph of introduction under the title, before the sections.
func (r *Report) Text(paragraph string) {
	if r != nil {
		r.intro = append(r.intro, clean(paragraph))
	}
}

// Section appends a section with the heading and returns it. On a nil *Report it returns
// nil, whose methods do nothing.
func (r *Report) Section(heading string) *Section {
	if r == nil {
		return nil
	}
	s := &Section{heading: clean(heading)}
	r.sections = append(r.sections, s)
	return s
}

// Text adds a paragraph.
func (s *Section) Text(paragraph string) {
	if s != nil {
		s.blocks = append(s.blocks, block{Text: clean(paragraph)})
	}
}

// Figures adds a row of key figures; an empty list adds nothing. The report keeps a copy.
func (s *Section) Figures(figures []Figure) {
	if s == nil || len(figures) == 0 {
		return
	}
	fs := make([]Figure, len(figures))
	for i, f := range figures {
		fs[i] = Figure{Label: clean(f.Label), Value: clean(f.Value)}
	}
	s.blocks = append(s.blocks, block{Figures: fs})
}

// Table adds a table. The report keeps a copy, with each cell marked for alignment (see
// the package doc).
func (s *Section) Table(t Table) {
	if s == nil {
		return
	}
	width := len(t.Header)
	for _, row := range t.Rows {
		width = max(width, len(row))
	}
	v := &tableView{Caption: clean(t.Caption)}
	numCol := make([]bool, width)
	for c := range numCol {
		numCol[c] = columnIsNumeric(t.Rows, c)
	}
	if len(t.Header) > 0 {
		v.Header = make([]cell, width)
		for c := range v.Header {
			if c < len(t.Header) {
				v.Header[c].Text = clean(t.Header[c])
			}
			v.Header[c].Num = numCol[c]
		}
	}
	v.Rows = make([][]cell, len(t.Rows))
	for i, row := range t.Rows {
		cells := make([]cell, width)
		for c := range cells {
			if c < len(row) {
				cells[c] = cell{Text: clean(row[c]), Num: numeric(row[c])}
			}
		}
		v.Rows[i] = cells
	}
	s.blocks = append(s.blocks, block{Table: v})
}

// Chart renders c and adds its SVG with a caption (optional). If c fails, or its output
// is not an SVG document the report may inline (see the package doc), Chart returns the
// error and adds nothing.
func (s *Section) Chart(caption string, c Renderer) error {
	if s == nil {
		return fmt.Errorf("report: %w: nil section", kehu.ErrInvalid)
	}
	if c == nil {
		return fmt.Errorf("report: %w: nil chart", kehu.ErrInvalid)
	}
	var buf bytes.Buffer
	if err := c.Render(&buf); err != nil {
		return fmt.Errorf("report: chart %s: %w", clip.Quote(caption), err)
	}
	svg, err := inlineSVG(buf.Bytes())
	if err != nil {
		return fmt.Errorf("report: chart %s: %w", clip.Quote(caption), err)
	}
	s.blocks = append(s.blocks, block{Chart: &chartView{Caption: clean(caption), SVG: template.HTML(svg)}})
	return nil
}

// WriteTo writes the page to w, and returns the number of bytes written.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	if r == nil || w == nil {
		return 0, fmt.Errorf("report: %w: nil report or writer", kehu.ErrInvalid)
	}
	page, err := r.render()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(page)
	return int64(n), err
}

// WriteFile writes the page as index.html in dir, creating dir if it does not exist, and
// returns the file's path.
func (r *Report) WriteFile(dir string) (string, error) {
	if r == nil {
		return "", fmt.Errorf("report: %w: nil report", kehu.ErrInvalid)
	}
	if dir == "" {
		var p kehu.Problems
		p.Add("dir", "required", "is empty")
		return "", p.Err()
	}
	page, err := r.render()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return path, nil
}

// pageView and sectionView are what the page template reads.
type pageView struct {
	Title    string
	Lang     string
	Intro    []string
	Sections []sectionView
}

type sectionView struct {
	Heading string
	Blocks  []block
}

// render executes the page template.
func (r *Report) render() ([]byte, error) {
	if strings.TrimSpace(r.title) == "" {
		var p kehu.Problems
		p.Add("title", "required", "is empty: a page needs a title")
		return nil, p.Err()
	}
	v := pageView{Title: r.title, Lang: r.lang, Intro: r.intro, Sections: make([]sectionView, len(r.sections))}
	for i, s := range r.sections {
		v.Sections[i] = sectionView{Heading: s.heading, Blocks: s.blocks}
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

var page = template.Must(template.New("page").Parse(pageTemplate))

// pageTemplate is HTML5 in its XML-compatible form: every element closed, void elements
// self-closed, tables with an explicit tbody, and a style sheet without "<" or "&".
const pageTemplate = `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"{{with .Lang}} lang="{{.}}" xml:lang="{{.}}"{{end}}>
<head>
<meta charset="UTF-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
body { margin: 0; background: #f6f7f9; color: #1f2328; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 28px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
nav ol { margin: 8px 0 0; padding-left: 22px; }
nav a { color: #0a5fb4; text-decoration: none; }
p { margin: 8px 0; max-width: 72ch; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin: 16px 0; }
dl.figures div { background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px; }
dl.figures dt { font-size: 13px; color: #57606a; }
dl.figures dd { margin: 2px 0 0; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: break-word; }
div.table { overflow-x: auto; margin: 16px 0; }
table { border-collapse: collapse; background: #ffffff; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 6px; width: max-content; max-width: 72ch; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
figure { margin: 16px 0; }
figure svg { display: block; max-width: 100%; height: auto; background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; }
figcaption { font-size: 13px; color: #57606a; margin-top: 6px; }
@media print { body { background: #ffffff; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{- range .Intro}}
<p>{{.}}</p>
{{- end}}
{{- if gt (len .Sections) 1}}
<nav>
<ol>
{{- range $i, $s := .Sections}}
<li><a href="#s{{$i}}">{{$s.Heading}}</a></li>
{{- end}}
</ol>
</nav>
{{- end}}
{{- range $i, $s := .Sections}}
<section id="s{{$i}}">
<h2>{{$s.Heading}}</h2>
{{- range $s.Blocks}}
{{- if .Figures}}
<dl class="figures">
{{- range .Figures}}
<div><dt>{{.Label}}</dt><dd>{{.Value}}</dd></div>
{{- end}}
</dl>
{{- else if .Table}}
<div class="table">
<table>
{{- with .Table.Caption}}
<caption>{{.}}</caption>
{{- end}}
{{- with .Table.Header}}
<thead>
<tr>{{range .}}<th scope="col"{{if .Num}} class="num"{{end}}>{{.Text}}</th>{{end}}</tr>
</thead>
{{- end}}
<tbody>
{{- range .Table.Rows}}
<tr>{{range .}}<td{{if .Num}} class="num"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
</div>
{{- else if .Chart}}
<figure>
{{.Chart.SVG}}
{{- with .Chart.Caption}}
<figcaption>{{.}}</figcaption>
{{- end}}
</figure>
{{- else}}
<p>{{.Text}}</p>
{{- end}}
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`

// clean replaces bytes that are not valid UTF-8, and characters XML does not allow, with
// U+FFFD, so that the page stays well-formed XML whatever the host passes.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // an invalid byte reads as utf8.RuneError
		if !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// xmlChar reports whether XML 1.0 allows r in a document; utf8.RuneError, which stands
// for an invalid byte, counts as not allowed so that the caller writes it anew.
func xmlChar(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xd800 && r <= 0xdfff, r == 0xfffe, r == 0xffff:
		return false
	}
	return r <= unicode.MaxRune
}

// columnIsNumeric reports whether column c has a cell and every non-empty cell of it
// reads as a number.
func columnIsNumeric(rows [][]string, c int) bool {
	seen := false
	for _, row := range rows {
		if c >= len(row) || strings.TrimSpace(row[c]) == "" {
			continue
		}
		if !numeric(row[c]) {
			return false
		}
		seen = true
	}
	return seen
}

// currencySigns may precede a number in a cell that reads as one.
var currencySigns = []string{"¥", "￥", "$", "€", "£"}

// maxUnitRunes is the longest unit after a number in a cell that reads as one.
const maxUnitRunes = 8

// numeric reports whether s reads as a number: an optional sign and currency symbol,
// digits with grouping commas and one decimal point, then nothing or, after an optional
// space, a unit of at most maxUnitRunes characters without digits or spaces ("%", "CNY",
// "points").
func numeric(s string) bool {
	s = strings.TrimSpace(s)
	for _, sign := range []string{"+", "-", "−"} {
		if rest, ok := strings.CutPrefix(s, sign); ok {
			s = rest
			break
		}
	}
	for _, c := range currencySigns {
		if rest, ok := strings.CutPrefix(s, c); ok {
			s = strings.TrimLeft(rest, " ")
			break
		}
	}
	i, digits, points := 0, 0, 0
	for ; i < len(s); i++ {
		ch := s[i]
		if ch >= '0' && ch <= '9' {
			digits++
		} else if ch == '.' && points == 0 {
			points++
		} else if ch != ',' || digits == 0 || points > 0 {
			break
		}
	}
	if digits == 0 {
		return false
	}
	unit := strings.TrimPrefix(s[i:], " ")
	if utf8.RuneCountInString(unit) > maxUnitRunes {
		return false
	}
	return !slices.ContainsFunc([]rune(unit), func(r rune) bool { return unicode.IsDigit(r) || unicode.IsSpace(r) })
}
