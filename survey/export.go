package survey

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
)

// WriteCSV writes the responses to the survey as CSV (UTF-8, RFC 4180: quoted as needed,
// CRLF line ends), one row per response after a header:
//
//	response.id, response.survey, response.version, response.submitted_at (RFC 3339 in
//	UTC), response.customer, response.channel, response.trigger_kind,
//	response.trigger_ref, response.weight,
//	then per question (per row for a matrix, "quality.taste"): its raw code — the scale
//	point, the option code, the chosen codes joined by ";", the number or the text — and
//	"<question>.label", the label of the answer in locale (the survey's default locale
//	when it has none),
//	then "score.index" and "score.<dimension>" per dimension: the response's 0–100
//	scores (empty when nothing scored).
//
// Question IDs cannot hold a dot, so no answer column takes the name of another.
//
// responses may come from a store page by page, or from a slice (slices.Values); nil is
// none, and writes the header alone. Numbers are written in full precision ('g', shortest
// round-trip form); nothing is rounded. Every response must be of this survey and version
// and valid (a nil one is rule "required" on "responses[n]"): the first that is not stops
// the export with an error naming it, after the rows before it.
func (s *Survey) WriteCSV(w io.Writer, responses iter.Seq[*Response], locale string) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cols := s.columns()
	header := []string{"response.id", "response.survey", "response.version", "response.submitted_at", "response.customer",
		"response.channel", "response.trigger_kind", "response.trigger_ref", "response.weight"}
	for _, c := range cols {
		header = append(header, c.name, c.name+".label")
	}
	header = append(header, "score.index")
	for _, d := range s.spec.Dimensions {
		header = append(header, "score."+d.ID)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, 0, len(header))
	n := 0
	for r := range orNone(responses) {
		if r == nil {
			return kehu.Invalid(fmt.Sprintf("responses[%d]", n), "required", "is nil")
		}
		sc, err := s.Score(r)
		if err != nil {
			return fmt.Errorf("survey: response %d (%s): %w", n, r.ID, err)
		}
		customer := ""
		if !r.Customer.IsZero() {
			customer = r.Customer.String()
		}
		row = append(row[:0], r.ID.String(), r.Survey, strconv.Itoa(r.Version), r.SubmittedAt.UTC().Format(time.RFC3339Nano),
			customer, r.Channel, r.Trigger.Kind, r.Trigger.Ref, formatFloat(r.Weight))
		for _, c := range cols {
			code, label := s.cell(r, c, locale)
			row = append(row, code, label)
		}
		row = append(row, index(sc.N, sc.Index))
		for _, d := range sc.Dimensions {
			row = append(row, index(d.N, d.Index))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		n++
	}
	cw.Flush()
	return cw.Error()
}

// column is an answer column of the export: a question, or a row of a matrix question.
type column struct {
	name string
	item *item
	row  string
}

func (s *Survey) columns() []column {
	var out []column
	for i := range s.items {
		it := &s.items[i]
		if it.q.Kind != Matrix {
			out = append(out, column{name: it.q.ID, item: it})
			continue
		}
		for _, r := range it.q.Rows {
			out = append(out, column{name: it.q.ID + "." + r.ID, item: it, row: r.ID})
		}
	}
	return out
}

// cell is a response's answer to a column: its raw code and its label in the locale.
func (s *Survey) cell(r *Response, c column, locale string) (code, label string) {
	q := c.item.q
	for i := range r.Answers {
		a := &r.Answers[i]
		if a.Question != q.ID || a.Row != c.row {
			continue
		}
		switch {
		case a.Value != nil:
			code = formatFloat(*a.Value)
			if q.Scale != nil {
				if l, ok := q.Scale.Labels[int(*a.Value)]; ok {
					label = l.In(locale, s.spec.Locale)
				}
			}
		case a.Option != "":
			code, label = a.Option, c.item.options[a.Option].Label.In(locale, s.spec.Locale)
		case len(a.Options) > 0:
			labels := make([]string, len(a.Options))
			for j, o := range a.Options {
				labels[j] = c.item.options[o].Label.In(locale, s.spec.Locale)
			}
			code, label = strings.Join(a.Options, ";"), strings.Join(labels, ";")
		default:
			code = a.Text
		}
		return code, label
	}
	return "", ""
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func index(n int, v float64) string {
	if n == 0 {
		return ""
	}
	return formatFloat(v)
}
