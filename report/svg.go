package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// MaxChartBytes bounds the SVG document a chart may render.
const MaxChartBytes = 8 << 20

const svgNamespace = "http://www.w3.org/2000/svg"

// svgElements are the SVG elements a chart may use: shapes, text and titles.
var svgElements = map[string]bool{
	"svg": true, "g": true, "title": true, "desc": true,
	"rect": true, "line": true, "polyline": true, "polygon": true, "circle": true, "ellipse": true, "path": true,
	"text": true, "tspan": true,
}

// svgAttributes are the attributes a chart may use: geometry and presentation.
var svgAttributes = map[string]bool{
	"class": true, "role": true, "aria-label": true, "viewBox": true, "transform": true,
	"x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true, "dx": true, "dy": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true, "width": true, "height": true,
	"points": true, "d": true,
	"fill": true, "fill-opacity": true, "fill-rule": true, "opacity": true, "paint-order": true,
	"stroke": true, "stroke-width": true, "stroke-dasharray": true, "stroke-linejoin": true,
	"stroke-linecap": true, "stroke-opacity": true,
	"font-family": true, "font-size": true, "font-weight": true, "font-style": true,
	"text-anchor": true, "dominant-baseline": true,
}

// inlineSVG reads an SVG document and writes it anew for inclusion in the page: the one
// svg root element in the SVG namespace with its content, through the allow-lists above,
// every text and attribute value escaped; an XML declaration, a doctype, processing
// instructions and comments are dropped. Anything else is a *kehu.ValidationError on
// "chart".
func inlineSVG(doc []byte) (string, error) {
	var p kehu.Problems
	if len(doc) > MaxChartBytes {
		p.Addf("chart", "max_length", "is %d bytes, more than %d", len(doc), MaxChartBytes)
		return "", p.Err()
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	var out strings.Builder
	depth, roots := 0, 0
	open := false // a start tag is written up to its ">"
	closeTag := func() {
		if open {
			out.WriteByte('>')
			open = false
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.Addf("chart", "format", "is not well-formed XML: %v", err)
			return "", p.Err()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 || t.Name.Local != "svg" {
					p.Addf("chart", "format", "has a root element %s; want one svg element", clip.Quote(t.Name.Local))
					return "", p.Err()
				}
			}
			if t.Name.Space != svgNamespace || !svgElements[t.Name.Local] {
				p.Addf("chart", "element", "has an element %s, which a report does not inline", clip.Quote(qualified(t.Name)))
				return "", p.Err()
			}
			closeTag()
			out.WriteString("<" + t.Name.Local)
			if depth == 0 {
				out.WriteString(` xmlns="` + svgNamespace + `"`)
			}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" && a.Value == svgNamespace {
					continue // the root's declaration, written above; a child's repeats it
				}
				if a.Name.Space != "" || !svgAttributes[a.Name.Local] {
					p.Addf("chart", "attribute", "has an attribute %s on %s, which a report does not inline",
						clip.Quote(qualified(a.Name)), t.Name.Local)
					return "", p.Err()
				}
				if strings.Contains(strings.ToLower(a.Value), "url(") {
					p.Addf("chart", "attribute", "has a reference to another resource in %s: %s", a.Name.Local, clip.Quote(a.Value))
					return "", p.Err()
				}
				out.WriteString(" " + a.Name.Local + `="` + escapeXML(a.Value, true) + `"`)
			}
			open = true
			depth++
		case xml.EndElement:
			depth--
			if open {
				out.WriteString("/>")
				open = false
			} else {
				out.WriteString("</" + t.Name.Local + ">")
			}
		case xml.CharData:
			if depth == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					p.Add("chart", "format", "has text outside its svg element")
					return "", p.Err()
				}
				continue
			}
			closeTag()
			out.WriteString(escapeXML(string(t), false))
		case xml.Comment, xml.ProcInst, xml.Directive:
			// an XML declaration, a doctype or a comment: not needed inline
		}
	}
	if roots == 0 {
		p.Add("chart", "format", "has no svg element")
		return "", p.Err()
	}
	return out.String(), nil
}

// qualified is a name with its namespace, for a message.
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + " " + n.Local
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\t", "&#9;", "\n", "&#10;", "\r", "&#13;")
)

// escapeXML escapes s as XML text, or as a double-quoted attribute value.
func escapeXML(s string, attr bool) string {
	if attr {
		return attrEscaper.Replace(s)
	}
	return textEscaper.Replace(s)
}
