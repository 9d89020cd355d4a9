package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// DefaultFontFamily is the font-family of every text unless Options.FontFamily names
// another: the platform's interface font first, then the common Chinese fonts of macOS,
// Linux and Windows, so that a viewer shows Chinese labels without a font of the chart's
// own.
const DefaultFontFamily = "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', " +
	"'Hiragino Sans GB', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"

// Size limits of Options.Width and Options.Height, in pixels.
const (
	MinSize = 160
	MaxSize = 10000
)

// MaxPrecision is the largest Options.Precision.
const MaxPrecision = 10

// DefaultPalette returns the series colours used when Options.Palette is nil: the
// Okabe–Ito palette, whose colours stay apart for readers with the common colour-vision
// deficiencies and in greyscale print. Series i takes colour i modulo its length. The
// slice is a copy.
func DefaultPalette() []string {
	return []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000"}
}

// Options are what every chart shares. The zero value is a chart of the default size with
// no title, whole numbers, the default palette and the default fonts.
type Options struct {
	// Width and Height are the size of the picture in pixels, from MinSize to MaxSize;
	// 0 means the chart's default (480 × 480 for a radar, 640 × 400 otherwise).
	Width, Height int
	// Title is drawn above the chart and kept as the document's <title>, already in the
	// reader's language; empty means none.
	Title string
	// Precision is the number of digits after the decimal point in every number the chart
	// prints (ring, tick and value labels), from 0 to MaxPrecision. Numbers are formatted
	// with a point and no grouping whatever the locale: 4.25, 1234.5.
	Precision int
	// Palette holds the series colours as "#rgb" or "#rrggbb", used in turn; nil means
	// DefaultPalette().
	Palette []string
	// FontFamily is the CSS font-family of every text; empty means DefaultFontFamily.
	FontFamily string
}

// style is Options checked and with the defaults filled in.
type style struct {
	width, height float64
	title         string
	prec          int
	palette       []string
	font          string
}

func (o Options) check(p *kehu.Problems, defW, defH int) style {
	s := style{
		width: float64(defW), height: float64(defH), title: o.Title, prec: o.Precision,
		palette: o.Palette, font: o.FontFamily,
	}
	size := func(field string, v int, dst *float64) {
		switch {
		case v == 0:
		case v < MinSize || v > MaxSize:
			p.Addf(field, "range", "is %d, not from %d to %d", v, MinSize, MaxSize)
		default:
			*dst = float64(v)
		}
	}
	size("width", o.Width, &s.width)
	size("height", o.Height, &s.height)
	if o.Precision < 0 || o.Precision > MaxPrecision {
		p.Addf("precision", "range", "is %d, not from 0 to %d", o.Precision, MaxPrecision)
	}
	if o.Palette == nil {
		s.palette = DefaultPalette()
	} else if len(o.Palette) == 0 {
		p.Add("palette", "required", "is empty; leave it nil for the default palette")
	}
	for i, c := range o.Palette {
		if !isColour(c) {
			p.Addf(fmt.Sprintf("palette[%d]", i), "format", "%s is not a colour like #1f77b4", clip.Quote(c))
		}
	}
	if s.font == "" {
		s.font = DefaultFontFamily
	}
	return s
}

func (s style) colour(i int) string { return s.palette[i%len(s.palette)] }

// isColour reports whether c is "#rgb" or "#rrggbb".
func isColour(c string) bool {
	if len(c) != 4 && len(c) != 7 || c[0] != '#' {
		return false
	}
	for i := 1; i < len(c); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c[i])) {
			return false
		}
	}
	return true
}

// checkValue records a problem if v is not finite or lies outside [lo, hi], and reports
// whether it is good.
func checkValue(p *kehu.Problems, field string, v, lo, hi float64) bool {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		p.Addf(field, "finite", "is %v, not a finite number", v)
	case v < lo || v > hi:
		p.Addf(field, "range", "is %v, outside the scale [%v, %v]", v, lo, hi)
	default:
		return true
	}
	return false
}

// checkScale records a problem unless the scale [lo, hi] is finite with lo < hi and a finite
// span, and reports whether they are good.
func checkScale(p *kehu.Problems, lo, hi float64) bool {
	ok := true
	for _, f := range []struct {
		name string
		v    float64
	}{{"min", lo}, {"max", hi}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			p.Addf(f.name, "finite", "is %v, not a finite number", f.v)
			ok = false
		}
	}
	if !ok {
		return false
	}
	if !(lo < hi) {
		p.Addf("max", "range", "is %v, not above min %v", hi, lo)
		return false
	}
	if math.IsInf(hi-lo, 0) {
		p.Add("max", "range", "the scale is wider than a float64 holds")
		return false
	}
	return true
}

// writeTo sends the finished document to w in one call.
func (c *canvas) writeTo(w io.Writer) error {
	if w == nil {
		return fmt.Errorf("chart: %w: nil writer", kehu.ErrInvalid)
	}
	_, err := w.Write(c.buf.Bytes())
	return err
}

// point is a position on the canvas.
type point struct{ x, y float64 }

// canvas builds one SVG document. Every coordinate goes through num, every string through
// esc, and elements are written in the order of the input, so the same chart gives the
// same bytes. A product added to something is converted with float64 first, which Go
// defines to round it on its own, so that no platform fuses the two into a multiply-add
// and moves a coordinate by a rounding step.
type canvas struct {
	buf bytes.Buffer
	s   style
}

// Font sizes and the margin around the picture, in pixels.
const (
	fontSize  = 12
	smallSize = 10
	titleSize = 16
	margin    = 16
)

// num formats a coordinate rounded to two decimals, with no exponent and no "-0".
func num(x float64) string {
	r := math.Round(x*100) / 100
	if r == 0 {
		r = 0 // no negative zero
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// format formats a value for a label with the chart's precision.
func (c *canvas) format(v float64) string {
	s := strconv.FormatFloat(v, 'f', c.s.prec, 64)
	if s[0] == '-' && strings.Trim(s[1:], "0.") == "" {
		s = s[1:] // -0.00 reads as 0.00
	}
	return s
}

// esc escapes s for text or a double-quoted attribute; bytes that are not valid UTF-8
// or not allowed in XML become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// escAttr escapes s for a double-quoted attribute, where an apostrophe may stay as it is.
func escAttr(s string) string { return strings.ReplaceAll(esc(s), "&#39;", "'") }

func (c *canvas) open() {
	w, h := num(c.s.width), num(c.s.height)
	c.buf.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + w + `" height="` + h +
		`" viewBox="0 0 ` + w + ` ` + h + `" font-family="` + escAttr(c.s.font) + `" font-size="` +
		strconv.Itoa(fontSize) + `" role="img">` + "\n")
	if c.s.title != "" {
		c.buf.WriteString("<title>" + esc(c.s.title) + "</title>\n")
	}
	c.buf.WriteString(`<rect class="background" x="0" y="0" width="` + w + `" height="` + h + `" fill="#ffffff"/>` + "\n")
	if c.s.title != "" {
		c.text(c.s.width/2, margin+titleSize-2, c.s.title, "middle", `class="title" font-size="16" font-weight="bold"`)
	}
}

func (c *canvas) close() { c.buf.WriteString("</svg>\n") }

// top is where the drawing starts below the title.
func (c *canvas) top() float64 {
	if c.s.title == "" {
		return margin
	}
	return margin + titleSize + 12
}

func (c *canvas) text(x, y float64, s, anchor, attrs string) {
	c.buf.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"`)
	if anchor != "" && anchor != "start" {
		c.buf.WriteString(` text-anchor="` + anchor + `"`)
	}
	if attrs != "" {
		c.buf.WriteString(" " + attrs)
	}
	c.buf.WriteString(">" + esc(s) + "</text>\n")
}

func (c *canvas) line(x1, y1, x2, y2 float64, attrs string) {
	c.buf.WriteString(`<line x1="` + num(x1) + `" y1="` + num(y1) + `" x2="` + num(x2) + `" y2="` +
		num(y2) + `" ` + attrs + "/>\n")
}

func (c *canvas) rect(x, y, w, h float64, attrs string) {
	c.buf.WriteString(`<rect x="` + num(x) + `" y="` + num(y) + `" width="` + num(math.Max(w, 0)) +
		`" height="` + num(math.Max(h, 0)) + `" ` + attrs + "/>\n")
}

func (c *canvas) circle(x, y, r float64, attrs string) {
	c.buf.WriteString(`<circle cx="` + num(x) + `" cy="` + num(y) + `" r="` + num(r) + `" ` + attrs + "/>\n")
}

// poly writes a polygon or a polyline.
func (c *canvas) poly(elem string, pts []point, attrs string) {
	c.buf.WriteString("<" + elem + ` points="`)
	for i, p := range pts {
		if i > 0 {
			c.buf.WriteByte(' ')
		}
		c.buf.WriteString(num(p.x) + "," + num(p.y))
	}
	c.buf.WriteString(`" ` + attrs + "/>\n")
}

// textWidth estimates the width of s in pixels at the given font size: a full em for the
// wide characters of East Asian scripts, 0.6 em for the others. The viewer measures the
// real text; the estimate only reserves room for it.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if wide(r) {
			w += size
		} else {
			w += float64(0.6 * size)
		}
	}
	return w
}

// wide reports whether r is an East Asian wide or fullwidth character.
func wide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115f, // Hangul Jamo
		r >= 0x2e80 && r <= 0xa4cf, // CJK radicals to Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions
		return true
	}
	return false
}

// legend is the laid-out key of a chart's series: rows of swatches and names, centred.
type legend struct {
	rows [][]legendItem
}

type legendItem struct {
	name   string
	colour string
	width  float64
}

const (
	legendRow    = 20
	legendSwatch = 12
	legendGap    = 16
)

// layoutLegend places the named series in rows no wider than the picture; series with
// an empty name have no entry.
func (c *canvas) layoutLegend(names []string) legend {
	var l legend
	var row []legendItem
	used, room := 0.0, c.s.width-2*margin
	for i, n := range names {
		if n == "" {
			continue
		}
		it := legendItem{name: n, colour: c.s.colour(i), width: legendSwatch + 6 + textWidth(n, fontSize)}
		if len(row) > 0 && used+legendGap+it.width > room {
			l.rows = append(l.rows, row)
			row, used = nil, 0
		}
		if len(row) > 0 {
			used += legendGap
		}
		row = append(row, it)
		used += it.width
	}
	if len(row) > 0 {
		l.rows = append(l.rows, row)
	}
	return l
}

// height is the room the legend takes at the bottom of the picture.
func (l legend) height() float64 {
	if len(l.rows) == 0 {
		return 0
	}
	return float64(float64(len(l.rows))*legendRow) + 8
}

// draw writes the legend at the bottom of the picture.
func (c *canvas) drawLegend(l legend) {
	y := c.s.height - margin - float64(float64(len(l.rows))*legendRow)
	for _, row := range l.rows {
		w := 0.0
		for i, it := range row {
			if i > 0 {
				w += legendGap
			}
			w += it.width
		}
		x := (c.s.width - w) / 2
		for _, it := range row {
			c.rect(x, y+2, legendSwatch, legendSwatch, `class="legend" fill="`+it.colour+`"`)
			c.text(x+legendSwatch+6, y+legendSwatch, it.name, "", `class="legend"`)
			x += it.width + legendGap
		}
		y += legendRow
	}
}

// ticks returns n+1 evenly spaced values from lo to hi.
func ticks(lo, hi float64, n int) []float64 {
	out := make([]float64, n+1)
	for k := range out {
		out[k] = lo + (hi-lo)*float64(k)/float64(n)
	}
	out[n] = hi
	return out
}

// checkCount records a problem if a count of rings or ticks is out of [0, 100], and returns
// the count to draw: def for 0.
func checkCount(p *kehu.Problems, field string, n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0 || n > 100:
		p.Addf(field, "range", "is %d, not from 1 to 100 (0 means %d)", n, def)
		return def
	}
	return n
}
