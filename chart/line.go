package chart

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/kehu-crm/kehu"
)

// LineSeries is one named line of a Line chart: a value per label, and optionally a band
// around each value, such as its confidence interval.
type LineSeries struct {
	// Name is the series' entry in the legend, already in the reader's language; a series
	// with an empty name has no entry.
	Name   string
	Values []float64
	// Bands is nil, or holds one band per value; a nil band leaves its point without one.
	// Bands of neighbouring points are joined into one shaded area; a band with no
	// neighbour is a shaded bar at its point.
	Bands []*Band
}

// Band is a range around a value, such as a 95 % confidence interval: Lo ≤ value ≤ Hi.
type Band struct {
	Lo, Hi float64
}

// Line is a line chart: points at evenly spaced labels (survey waves, months) on a
// declared value scale, one line per series with its entry in the legend, and shaded
// bands where a series has them. NPS and CSAT by wave, each with its confidence interval,
// are two series on a scale from -100 to 100.
//
// Render refuses, as a *kehu.ValidationError naming every bad field, no labels ("labels"),
// no series ("series"), values or bands whose number differs from the labels'
// ("series[1].values", "series[1].bands"), a value or band end that is not finite or lies
// outside [Min, Max] ("series[1].values[3]", "series[0].bands[2].hi"), a band that does
// not hold its value ("series[0].bands[2].lo"), and a bad scale ("min", "max").
type Line struct {
	Options
	// Labels are the points' labels along the bottom, left to right.
	Labels []string
	// Min and Max are the value scale, bottom to top.
	Min, Max float64
	// Ticks is the number of intervals of the value axis; 0 means 5, at most 100.
	Ticks  int
	Series []LineSeries
}

// Render writes the chart to w as a standalone SVG document, or writes nothing and
// returns the error.
func (l Line) Render(w io.Writer) error {
	var p kehu.Problems
	c := canvas{s: l.Options.check(&p, 640, 400)}
	nticks := checkCount(&p, "ticks", l.Ticks, 5)
	n := len(l.Labels)
	if n == 0 {
		p.Add("labels", "required", "is empty")
	}
	lo, hi := l.Min, l.Max
	if !checkScale(&p, l.Min, l.Max) {
		lo, hi = math.Inf(-1), math.Inf(1) // still report values that are not finite
	}
	if len(l.Series) == 0 {
		p.Add("series", "required", "is empty")
	}
	for i, s := range l.Series {
		field := "series[" + strconv.Itoa(i) + "]"
		lengthOK := true
		if len(s.Values) != n {
			p.Addf(field+".values", "length", "has %d values for %d labels", len(s.Values), n)
			lengthOK = false
		}
		if s.Bands != nil && len(s.Bands) != n {
			p.Addf(field+".bands", "length", "has %d bands for %d labels", len(s.Bands), n)
			lengthOK = false
		}
		if !lengthOK {
			continue
		}
		for j, v := range s.Values {
			vOK := checkValue(&p, fmt.Sprintf("%s.values[%d]", field, j), v, lo, hi)
			if s.Bands == nil || s.Bands[j] == nil {
				continue
			}
			b, bf := s.Bands[j], fmt.Sprintf("%s.bands[%d]", field, j)
			loOK := checkValue(&p, bf+".lo", b.Lo, lo, hi)
			hiOK := checkValue(&p, bf+".hi", b.Hi, lo, hi)
			if !vOK {
				continue
			}
			if loOK && b.Lo > v {
				p.Addf(bf+".lo", "range", "is %v, above the value %v", b.Lo, v)
			}
			if hiOK && b.Hi < v {
				p.Addf(bf+".hi", "range", "is %v, below the value %v", b.Hi, v)
			}
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	l.draw(&c, nticks)
	return c.writeTo(w)
}

func (l Line) draw(c *canvas, nticks int) {
	names := make([]string, len(l.Series))
	for i, s := range l.Series {
		names[i] = s.Name
	}
	leg := c.layoutLegend(names)
	c.open()
	tv := ticks(l.Min, l.Max, nticks)
	area := c.plotArea(tv, 8, leg.height())
	span := l.Max - l.Min
	y := func(v float64) float64 { return area.bottom - float64((v-l.Min)/span*(area.bottom-area.top)) }
	c.valueAxis(area, tv, y)

	n := len(l.Labels)
	slot := (area.right - area.left) / float64(n)
	x := func(i int) float64 { return area.left + float64(slot*(float64(i)+0.5)) }
	for i, lab := range l.Labels {
		c.text(x(i), area.bottom+fontSize+6, lab, "middle", `class="label" fill="#333333"`)
	}

	// Bands first, so that no line hides under another series' band.
	for si, s := range l.Series {
		col := c.s.colour(si)
		for start := 0; start < len(s.Bands); {
			if s.Bands[start] == nil {
				start++
				continue
			}
			end := start
			for end < len(s.Bands) && s.Bands[end] != nil {
				end++
			}
			if end-start == 1 {
				b, bw := s.Bands[start], min(slot*0.2, 12)
				c.rect(x(start)-bw/2, y(b.Hi), bw, y(b.Lo)-y(b.Hi), `class="band" fill="`+col+`" fill-opacity="0.2"`)
			} else {
				pts := make([]point, 0, 2*(end-start))
				for i := start; i < end; i++ {
					pts = append(pts, point{x(i), y(s.Bands[i].Hi)})
				}
				for i := end - 1; i >= start; i-- {
					pts = append(pts, point{x(i), y(s.Bands[i].Lo)})
				}
				c.poly("polygon", pts, `class="band" fill="`+col+`" fill-opacity="0.2" stroke="none"`)
			}
			start = end
		}
	}
	pts := make([]point, n)
	for si, s := range l.Series {
		col := c.s.colour(si)
		for i, v := range s.Values {
			pts[i] = point{x(i), y(v)}
		}
		if n > 1 {
			c.poly("polyline", pts, `class="series" fill="none" stroke="`+col+
				`" stroke-width="2" stroke-linejoin="round"`)
		}
		for _, q := range pts {
			c.circle(q.x, q.y, 3, `class="point" fill="`+col+`"`)
		}
	}
	c.drawLegend(leg)
	c.close()
}
