// Package report writes a self-contained HTML report (报告) of a host's figures: a title,
// sections with headings, paragraphs, key figures, tables and the charts of package chart,
// on one page that needs nothing else to display — its styles are inline, it runs no
// script and loads no font, image or stylesheet from anywhere, so it can be mailed,
// archived or opened from a disk as it is.
//
//	r := report.New("网店年度报告 2025")
//	s := r.Section("Customers")
//	s.Text("Every first order opened a customer file.")
//	s.Figures([]report.Figure{{Label: "Customers", Value: "5,000"}, {Label: "Orders", Value: "13,204"}})
//	s.Table(report.Table{Header: []string{"Tier", "Members"}, Rows: [][]string{{"金卡", "312"}}})
//	err := s.Chart("Members by tier", chart.Bar{Categories: tiers, Values: counts})
//	path, err := r.WriteFile("report") // report/index.html
//
// Build a report in the order it reads: each call appends to its section, and sections
// appear in the order they were made.
//
// # Text
//
// Every string — the title, headings, paragraphs, labels, cells and captions — is
// written as text, escaped by html/template, never as markup: "<script>" in a customer's
// name shows as "<script>". Bytes that are not valid UTF-8 and characters that XML does
// not allow (control characters other than tab, newline and carriage return) become
// U+FFFD. Numbers are the host's to format, in the reader's conventions ("¥1,234.50",
// "45.2 %"); a table cell that reads as a number — an optional sign or currency symbol,
// digits with grouping commas and a decimal point, then nothing or a word of up to eight
// letters such as "%", "CNY" or "points" — is right-aligned, and so is the header of a column whose every
// non-empty cell reads as one.
//
// # Charts
//
// Section.Chart renders a chart (anything with Render(io.Writer) error, such as
// chart.Radar, chart.Bar and chart.Line) at once and keeps the SVG inline in the page.
// The SVG is not pasted in as it came: it is parsed as XML and written out again, element
// by element, and only what a chart needs passes — the SVG elements for shapes, text and
// titles, with presentation attributes — while an XML declaration, a doctype and comments
// are dropped. A script, an event handler, a link, a style sheet, a reference to another
// resource ("url(") or anything outside the SVG namespace is refused with a
// *kehu.ValidationError, and the section is left as it was.
//
// # Output
//
// WriteTo writes the page; WriteFile writes it as index.html in a folder. The page is HTML5
// in its XML-compatible form (polyglot markup): it parses as HTML in a browser and as
// well-formed XML with encoding/xml, so a test can read a report back with the standard
// library. The same report always gives the same bytes: nothing in it depends on the clock
// or the machine, so a report may be kept as a golden file.
package report
