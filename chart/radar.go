package chart

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/kehu-crm/kehu"
)

// Series is one named set of values, one per axis of a Radar.
type Series struct {
	// Name is the series' entry in the legend, already in the reader's language; a series
	// with an empty name has no entry.
	Name   string
	Values []float64
}

// Radar is a radar chart: one axis per label, spaced evenly clockwise from the top, a
// declared scale drawn as rings, and each series a closed, shaded polygon with its
// entry in the legend. A satisfaction index by dimension, or SERVQUAL's expectation
// and perception on its five dimensions, reads as two polygons on one web.
//
// Render refuses, as a *kehu.ValidationError naming every bad field, fewer than three
// axes ("axes"), no series ("series"), a series whose values do not match the axes
// ("series[1].values"), a value that is not finite or lies outside [Min, Max]
// ("series[1].values[3]"), and a bad scale ("min", "max").
type Radar struct {
	Options
	// Axes are the axis labels, clockwise from the top: at least three.
	Axes []string
	// Min and Max are the scale: Min at the centre, Max on the outer ring.
	Min, Max float64
	// Rings is the number of rings dividing the scale, each labelled with its value on
	// the top axis; 0 means 5, at most 100.
	Rings  int
	Series []Series
}

// Render writes the chart to w as a standalone SVG document, or writes nothing and
// returns the error.
func (r Radar) Render(w io.Writer) error {
	var p kehu.Problems
	c := canvas{s: r.Options.check(&p, 480, 480)}
	rings := checkCount(&p, "rings", r.Rings, 5)
	if len(r.Axes) < 3 {
		p.Addf("axes", "min_items", "has %d axes, a radar needs at least 3", len(r.Axes))
	}
	lo, hi := r.Min, r.Max
	if !checkScale(&p, r.Min, r.Max) {
		lo, hi = math.Inf(-1), math.Inf(1) // still report values that are not finite
	}
	if len(r.Series) == 0 {
		p.Add("series", "required", "is empty")
	}
	for i, s := range r.Series {
		field := "series[" + strconv.Itoa(i) + "].values"
		if len(r.Axes) >= 3 && len(s.Values) != len(r.Axes) {
			p.Addf(field, "length", "has %d values for %d axes", len(s.Values), len(r.Axes))
			continue
		}
		for j, v := range s.Values {
			checkValue(&p, fmt.Sprintf("%s[%d]", field, j), v, lo, hi)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	r.draw(&c, rings)
	return c.writeTo(w)
}

func (r Radar) draw(c *canvas, rings int) {
	names := make([]string, len(r.Series))
	for i, s := range r.Series {
		names[i] = s.Name
	}
	leg := c.layoutLegend(names)
	c.open()

	n := len(r.Axes)
	cos, sin := make([]float64, n), make([]float64, n)
	for i := range n {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		cos[i], sin[i] = math.Cos(a), math.Sin(a)
	}
	// How far the web reaches, in radii, to either side of its centre and below it (it
	// reaches a whole radius up, along the first axis): a web of three axes reaches only
	// half a radius down, so it sits lower in the picture and may be larger than one that
	// reaches a whole radius every way.
	across, down := 0.0, 0.0
	for i := range n {
		across, down = math.Max(across, math.Abs(cos[i])), math.Max(down, sin[i])
	}

	// Room for the axis labels: beside the web for the widest label (up to a quarter of
	// the picture), above and below it for one line (and the ring values at the top).
	labelW := 0.0
	for _, a := range r.Axes {
		labelW = math.Max(labelW, textWidth(a, fontSize))
	}
	labelW = math.Min(labelW, c.s.width/4) + 8
	const labelH = fontSize + 20
	top, bottom := c.top(), c.s.height-margin-leg.height()
	radius := math.Min(((c.s.width-2*margin)/2-labelW)/across, (bottom-top-2*labelH)/(1+down))
	radius = math.Max(radius, 10)
	cx := c.s.width / 2
	cy := top + labelH + radius + (bottom-top-2*labelH-float64(radius*(1+down)))/2
	at := func(i int, t float64) point {
		return point{cx + float64(radius*t*cos[i]), cy + float64(radius*t*sin[i])}
	}

	// The web: rings, then the axes over them.
	pts := make([]point, n)
	for k := 1; k <= rings; k++ {
		t := float64(k) / float64(rings)
		for i := range n {
			pts[i] = at(i, t)
		}
		c.poly("polygon", pts, `class="ring" fill="none" stroke="#d0d0d0" stroke-width="1"`)
	}
	for i := range n {
		o := at(i, 1)
		c.line(cx, cy, o.x, o.y, `class="axis" stroke="#b0b0b0" stroke-width="1"`)
	}
	for k, v := range ticks(r.Min, r.Max, rings) {
		if k == 0 {
			continue // the centre
		}
		c.text(cx+4, cy-radius*float64(k)/float64(rings)-3, c.format(v), "",
			`class="tick" font-size="10" fill="#707070" stroke="#ffffff" stroke-width="3" paint-order="stroke"`)
	}
	for i, a := range r.Axes {
		o := at(i, 1)
		x, y := o.x+float64(8*cos[i]), o.y+float64(8*sin[i])
		anchor := "middle"
		switch {
		case cos[i] > 0.1:
			anchor = "start"
		case cos[i] < -0.1:
			anchor = "end"
		}
		switch {
		case sin[i] > 0.1:
			y += fontSize
		case sin[i] > -0.1:
			y += fontSize / 3
		case cos[i] > -0.1 && cos[i] < 0.1:
			y -= 12 // above the top axis, clear of the ring values beside it
		default:
			y -= 2
		}
		c.text(x, y, a, anchor, `class="label" fill="#333333"`)
	}

	// The series, in order, each over the ones before it.
	span := r.Max - r.Min
	for si, s := range r.Series {
		col := c.s.colour(si)
		for i, v := range s.Values {
			pts[i] = at(i, (v-r.Min)/span)
		}
		c.poly("polygon", pts, `class="series" fill="`+col+`" fill-opacity="0.15" stroke="`+col+
			`" stroke-width="2" stroke-linejoin="round"`)
		for _, q := range pts {
			c.circle(q.x, q.y, 3, `class="point" fill="`+col+`"`)
		}
	}
	c.drawLegend(leg)
	c.close()
}
