package chart

import (
	"fmt"
	"io"
	"math"

	"github.com/kehu-crm/kehu"
)

// Bar is a bar chart: one upright bar per category, from zero, labelled with its value.
// A category may have a maximum, drawn as a dashed outline of the bar at full scale and
// printed beside the value ("32 / 40"), so that a category's total reads against what it
// could have scored. The bars take the palette's first colour.
//
// Render refuses, as a *kehu.ValidationError naming every bad field, no categories
// ("categories"), values or maxima whose number differs from the categories' ("values",
// "maxima"), a value or maximum that is not finite, below zero, above Max or (for a value)
// above its maximum ("values[2]", "maxima[2]"), and a bad Max ("max").
type Bar struct {
	Options
	// Categories are the bar labels, left to right.
	Categories []string
	// Values holds one value per category, at least zero.
	Values []float64
	// Maxima is nil, or holds one maximum per category, at least its value.
	Maxima []float64
	// Max is the top of the scale; 0 means a round number at or above the largest value
	// or maximum: the axis then has at most Ticks intervals, each a round step (1, 2 or 5
	// times a power of ten, and no finer than Precision prints), so that every tick reads
	// as a round number (0, 1000, 2000 … rather than 0, 802, 1603 …).
	Max float64
	// Ticks is the number of intervals of the value axis (with Max 0, the most); 0 means
	// 5, at most 100.
	Ticks int
}

// Render writes the chart to w as a standalone SVG document, or writes nothing and
// returns the error.
func (b Bar) Render(w io.Writer) error {
	var p kehu.Problems
	c := canvas{s: b.Options.check(&p, 640, 400)}
	nticks := checkCount(&p, "ticks", b.Ticks, 5)
	n := len(b.Categories)
	if n == 0 {
		p.Add("categories", "required", "is empty")
	}
	top := b.Max
	switch {
	case math.IsNaN(b.Max) || math.IsInf(b.Max, 0):
		p.Addf("max", "finite", "is %v, not a finite number", b.Max)
		top = math.MaxFloat64
	case b.Max < 0:
		p.Addf("max", "range", "is %v, below zero", b.Max)
		top = math.MaxFloat64
	case b.Max == 0:
		top = math.MaxFloat64
	}
	lengthOK := true
	if len(b.Values) != n {
		p.Addf("values", "length", "has %d values for %d categories", len(b.Values), n)
		lengthOK = false
	}
	if b.Maxima != nil && len(b.Maxima) != n {
		p.Addf("maxima", "length", "has %d maxima for %d categories", len(b.Maxima), n)
		lengthOK = false
	}
	if lengthOK {
		for i, v := range b.Values {
			field := fmt.Sprintf("values[%d]", i)
			vOK := checkValue(&p, field, v, 0, top)
			if b.Maxima == nil {
				continue
			}
			m := b.Maxima[i]
			if checkValue(&p, fmt.Sprintf("maxima[%d]", i), m, 0, top) && vOK && v > m {
				p.Addf(field, "range", "is %v, above its maximum %v", v, m)
			}
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if b.Max == 0 {
		top = 0
		for i, v := range b.Values {
			top = math.Max(top, v)
			if b.Maxima != nil {
				top = math.Max(top, b.Maxima[i])
			}
		}
		if top == 0 {
			top = 1
		}
		top, nticks = roundScale(top, nticks, b.Precision)
	}
	b.draw(&c, top, nticks)
	return c.writeTo(w)
}

func (b Bar) draw(c *canvas, scaleMax float64, nticks int) {
	c.open()
	tv := ticks(0, scaleMax, nticks)
	area := c.plotArea(tv, 14, 0)
	y := func(v float64) float64 { return area.bottom - float64(v/scaleMax*(area.bottom-area.top)) }
	c.valueAxis(area, tv, y)

	n := len(b.Categories)
	slot := (area.right - area.left) / float64(n)
	bw := slot * 0.6
	col := c.s.colour(0)
	for i, v := range b.Values {
		x := area.left + float64(slot*float64(i)) + (slot-bw)/2
		label := c.format(v)
		if b.Maxima != nil {
			m := b.Maxima[i]
			c.rect(x, y(m), bw, y(0)-y(m), `class="maximum" fill="none" stroke="`+col+
				`" stroke-width="1" stroke-dasharray="4 3"`)
			label += " / " + c.format(m)
		}
		c.rect(x, y(v), bw, y(0)-y(v), `class="bar" fill="`+col+`"`)
		c.text(x+bw/2, y(v)-4, label, "middle", `class="value" fill="#333333"`)
	}
	for i, cat := range b.Categories {
		c.text(area.left+float64(slot*(float64(i)+0.5)), area.bottom+fontSize+6, cat, "middle", `class="label" fill="#333333"`)
	}
	c.close()
}

// area is the plot area of a chart with a value axis, inside its labels.
type area struct {
	left, right, top, bottom float64
}

// plotArea leaves room for the title, headroom above the plot, the tick labels on the
// left, the category labels below and a legend of the given height.
func (c *canvas) plotArea(tv []float64, headroom, legendHeight float64) area {
	tw := 0.0
	for _, v := range tv {
		tw = math.Max(tw, textWidth(c.format(v), fontSize))
	}
	a := area{
		left:   margin + math.Min(tw, c.s.width/3) + 6,
		right:  c.s.width - margin,
		top:    c.top() + headroom,
		bottom: c.s.height - margin - fontSize - 8 - legendHeight,
	}
	if a.right-a.left < 10 {
		a.right = a.left + 10
	}
	if a.bottom-a.top < 10 {
		a.bottom = a.top + 10
	}
	return a
}

// valueAxis draws the grid lines and tick labels of the value axis, and the baseline.
func (c *canvas) valueAxis(a area, tv []float64, y func(float64) float64) {
	for _, v := range tv {
		c.line(a.left, y(v), a.right, y(v), `class="grid" stroke="#e6e6e6" stroke-width="1"`)
		c.text(a.left-6, y(v)+4, c.format(v), "end", `class="tick" fill="#707070"`)
	}
	c.line(a.left, a.bottom, a.right, a.bottom, `class="baseline" stroke="#808080" stroke-width="1"`)
}

// roundScale returns the top of a scale from zero that holds hi, and its number of
// intervals, at most n: the step is the least of 1, 2 and 5 times a power of ten that is
// at least hi/n and 10^-prec, and the top the least multiple of it at or above hi. If
// that top is not finite, or takes more than n steps (at a rounding edge), it returns hi
// and n.
func roundScale(hi float64, n, prec int) (float64, int) {
	raw := math.Max(hi/float64(n), math.Pow10(-prec))
	e := int(math.Floor(math.Log10(raw)))
	step := math.Inf(1)
	for _, m := range []float64{1, 2, 5, 10} {
		// A step within a rounding error of raw counts as raw: 0.2 is 2 × 10⁻¹, not 5.
		if s := float64(m * math.Pow10(e)); s >= raw*(1-1e-9) {
			step = s
			break
		}
	}
	k := math.Max(1, math.Ceil(hi/step-1e-9))
	top := float64(k * step)
	if math.IsInf(top, 0) || math.IsNaN(top) || k > float64(n) {
		return hi, n
	}
	return math.Max(top, hi), int(k)
}
