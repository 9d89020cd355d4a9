// Package chart draws the charts of survey reports (调查报告图表) as standalone SVG
// documents, with the standard library alone: a Radar chart of a satisfaction index by
// dimension or of SERVQUAL's expectation against perception, a Bar chart of category
// totals against their maxima, and a Line chart of NPS or CSAT by wave with confidence
// bands.
//
// A chart is a plain struct: fill it in and call Render, which checks the whole input
// first and writes nothing unless it is good. Bad input is a *kehu.ValidationError
// naming every bad field with its path and rule ("series[1].values[3]", rule "range";
// "axes", rule "min_items"): a value that is not finite ("finite"), outside the declared
// scale ("range"), a count that does not match the labels ("length"), missing data
// ("required"). Nothing panics.
//
//	err := chart.Radar{
//		Options: chart.Options{Title: "服务质量差距", Precision: 1},
//		Axes:    []string{"有形性", "可靠性", "响应性", "保证性", "移情性"},
//		Min:     1, Max: 7, Rings: 6,
//		Series: []chart.Series{
//			{Name: "期望", Values: []float64{6.2, 6.5, 6.1, 6.3, 5.9}},
//			{Name: "感知", Values: []float64{5.4, 5.1, 4.8, 5.6, 5.0}},
//		},
//	}.Render(w)
//
// # Text
//
// The charts measure no text and embed no font. Every label is an SVG <text> element that
// the viewer lays out with its own fonts, in the font-family of Options.FontFamily
// (DefaultFontFamily by default, which names the common Chinese fonts of each platform),
// so Chinese, Japanese or any other script shows as the viewer would show it. Labels are
// given already in the reader's language; the package translates nothing. Where a chart
// must leave room for text it estimates its width (a full em for a wide East Asian
// character, 0.6 em for others).
//
// Numbers printed on a chart are formatted with Options.Precision digits after the
// decimal point, with a point and no grouping whatever the locale (strconv.FormatFloat),
// so a chart reads the same on every machine; a decimal comma ("4,25") is not offered.
//
// # Output
//
// The output is an SVG 1.1 document with its namespace, width, height and viewBox, ready
// to save as a .svg file, serve as image/svg+xml or put inline in HTML. Every string is
// escaped as XML text (bytes that are not valid UTF-8 become U+FFFD). The same chart
// always gives the same bytes: elements follow the order of the input, coordinates are
// rounded to two decimals and formatted without exponents, so an output may be kept as a
// golden file or compared in a test. Elements carry a class ("ring", "axis", "series",
// "point", "band", "bar", "maximum", "value", "label", "tick", "grid", "legend", "title")
// for a host's own stylesheet.
package chart
