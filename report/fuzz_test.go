package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/xhtml"
	"github.com/kehu-crm/kehu/report"
)

// Whatever text a host passes, the page is well-formed and the text stays text.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "<script>alert(1)</script>", "a & b", "\xff\x00\x01", "]]>", "\uffff\ud7ff", "1,234.5 CNY"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := report.New(s)
		r.SetLang(s)
		r.Text(s)
		sec := r.Section(s)
		sec.Text(s)
		sec.Figures([]report.Figure{{Label: s, Value: s}})
		sec.Table(report.Table{Caption: s, Header: []string{s}, Rows: [][]string{{s, s}}})
		var buf bytes.Buffer
		_, err := r.WriteTo(&buf)
		var verr *kehu.ValidationError
		if errors.As(err, &verr) && verr.Has("title", "required") && strings.TrimSpace(s) == "" {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		p, err := xhtml.Parse(&buf)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if p.Elements["script"] != 0 || p.Elements["section"] != 1 {
			t.Fatalf("%q made markup: %v", s, p.Elements)
		}
	})
}

// Whatever a chart renders, it is refused or inlined as well-formed SVG of the allowed
// elements only.
func FuzzChart(f *testing.F) {
	for _, s := range []string{
		`<svg xmlns="http://www.w3.org/2000/svg"><rect x="1"/><text>a &amp; b</text></svg>`,
		`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><!-- c --><g><title>t</title></g></svg>`,
		`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		`<svg xmlns="http://www.w3.org/2000/svg" onload="x"/>`,
		`<svg xmlns="http://www.w3.org/2000/svg"><![CDATA[</svg><script>]]></svg>`,
	} {
		f.Add(s)
	}
	allowed := map[string]bool{"svg": true, "g": true, "title": true, "desc": true, "rect": true, "line": true,
		"polyline": true, "polygon": true, "circle": true, "ellipse": true, "path": true, "text": true, "tspan": true}
	f.Fuzz(func(t *testing.T, doc string) {
		r := report.New("t")
		if err := r.Section("s").Chart("c", renderer(doc)); err != nil {
			return
		}
		var buf bytes.Buffer
		if _, err := r.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		p, err := xhtml.Parse(&buf)
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		page := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
			"main": true, "h1": true, "section": true, "h2": true, "figure": true, "figcaption": true}
		for name := range p.Elements {
			if !allowed[name] && !page[name] {
				t.Fatalf("%q inlined a %s element", doc, name)
			}
		}
		if p.Elements["svg"] != 1 {
			t.Fatalf("%q inlined %d svg elements", doc, p.Elements["svg"])
		}
	})
}
