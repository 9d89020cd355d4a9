package xhtml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespace is the XHTML namespace of a page's html element.
const Namespace = "http://www.w3.org/1999/xhtml"

// Page is what a test reads of a page.
type Page struct {
	// Title is the text of the head's title element.
	Title string
	// Headings are the texts of the h1 to h6 elements, in document order.
	Headings []string
	// Paragraphs are the texts of the p elements; Cells those of the th and td elements;
	// Terms and Values those of the dt and dd elements; Captions those of the caption and
	// figcaption elements: each in document order.
	Paragraphs, Cells, Terms, Values, Captions []string
	// Elements counts the elements by local name ("svg", "script", "table").
	Elements map[string]int
	// Text is all the text of the body, each element's text on its own line.
	Text string
}

// collected are the elements whose text Parse keeps, with where it keeps it.
func (p *Page) list(name string) *[]string {
	switch name {
	case "h1", "h2", "h3", "h4", "h5", "h6":
		return &p.Headings
	case "p":
		return &p.Paragraphs
	case "th", "td":
		return &p.Cells
	case "dt":
		return &p.Terms
	case "dd":
		return &p.Values
	case "caption", "figcaption":
		return &p.Captions
	}
	return nil
}

// Parse reads a page and fails unless it is well-formed XML whose root is an html
// element in the XHTML namespace, with a head title and a body.
func Parse(r io.Reader) (*Page, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	p := &Page{Elements: map[string]int{}}
	type open struct {
		name string
		text strings.Builder
	}
	var stack []*open
	var body strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xhtml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && (t.Name.Local != "html" || t.Name.Space != Namespace) {
				return nil, fmt.Errorf("xhtml: the root is %s %s, not html in %s", t.Name.Space, t.Name.Local, Namespace)
			}
			p.Elements[t.Name.Local]++
			stack = append(stack, &open{name: t.Name.Local})
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			text := strings.Join(strings.Fields(top.text.String()), " ")
			if top.name == "title" && len(stack) == 2 && stack[1].name == "head" {
				p.Title = text
			}
			if l := p.list(top.name); l != nil {
				*l = append(*l, text)
			}
			if len(stack) > 0 {
				stack[len(stack)-1].text.WriteString(" " + top.text.String() + " ")
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			stack[len(stack)-1].text.Write(t)
			if len(stack) > 1 && stack[1].name == "body" {
				if s := strings.TrimSpace(string(t)); s != "" {
					body.WriteString(s + "\n")
				}
			}
		}
	}
	switch {
	case p.Elements["html"] == 0:
		return nil, errors.New("xhtml: no html element")
	case p.Elements["body"] == 0:
		return nil, errors.New("xhtml: no body")
	case p.Title == "":
		return nil, errors.New("xhtml: no title in the head")
	}
	p.Text = body.String()
	return p, nil
}
