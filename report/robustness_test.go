package report_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/report"
)

// These tests play a host that builds a report from whatever it was given: nil charts,
// charts that fail or write nothing, ragged tables, nil slices, directories that cannot be
// written. Every call must answer, never panic. Text and chart content are fuzzed on their
// own (fuzz_test.go).

// renderFunc is a Renderer made of a function.
type renderFunc func(io.Writer) error

func (f renderFunc) Render(w io.Writer) error { return f(w) }

func TestReportHostileInput(t *testing.T) {
	t.Parallel()
	var nilReport *report.Report
	renderers := map[string]report.Renderer{
		"nil":     nil,
		"failing": renderFunc(func(io.Writer) error { return errors.New("no") }),
		"empty":   renderFunc(func(io.Writer) error { return nil }),
		"not SVG": renderFunc(func(w io.Writer) error { _, err := io.WriteString(w, "\xff\x00<html>"); return err }),
		"huge":    renderFunc(func(w io.Writer) error { _, err := w.Write(bytes.Repeat([]byte("<"), 1<<22)); return err }),
		"unclosed SVG": renderFunc(func(w io.Writer) error {
			_, err := io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg"><g>`)
			return err
		}),
		"deeply nested": renderFunc(func(w io.Writer) error {
			_, err := io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg">`+strings.Repeat("<g>", 100_000))
			return err
		}),
		"SVG in a string": renderFunc(func(w io.Writer) error { _, err := io.WriteString(w, `"<svg/>"`); return err }),
	}
	for name, c := range renderers {
		suite.NoPanic(t, "Chart "+name, func() {
			r := report.New("t")
			_ = r.Section("s").Chart("caption", c)
			_, _ = r.WriteTo(io.Discard)
		})
		suite.NoPanic(t, "Chart on a nil section "+name, func() { _ = nilReport.Section("s").Chart("", c) })
	}
	tables := []report.Table{{}, {Header: nil, Rows: [][]string{{"a", "b", "c"}, nil, {}}}, {Header: []string{"a"}, Rows: [][]string{{"1", "2", "3"}}},
		{Header: []string{"", "\xff"}, Rows: [][]string{{"-1,234.5", "1e999", "NaN", "∞"}}}}
	for _, tb := range tables {
		suite.NoPanic(t, "Table", func() {
			r := report.New("t")
			r.Section("").Table(tb)
			nilReport.Section("").Table(tb)
			_, _ = r.WriteTo(io.Discard)
		})
	}
	suite.NoPanic(t, "nil and empty values", func() {
		r := report.New("")
		r.SetLang("\xff")
		r.Text("")
		s := r.Section("")
		s.Figures(nil)
		s.Figures([]report.Figure{{}})
		s.Text("")
		_, _ = r.WriteTo(io.Discard)
		_, _ = nilReport.WriteTo(io.Discard)
		nilReport.Text("x")
		nilReport.SetLang("en")
		_, _ = nilReport.WriteFile(t.TempDir())
	})
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"", file, filepath.Join(file, "below"), "\x00", dir} {
		suite.NoPanic(t, "WriteFile "+d, func() { _, _ = report.New("t").WriteFile(d) })
	}
}
