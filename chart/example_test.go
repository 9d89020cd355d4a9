package chart_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/kehu-crm/kehu/chart"
)

// A SERVQUAL gap chart: expectation and perception on the five dimensions, on the
// questionnaire's 1–7 scale.
func ExampleRadar() {
	var buf bytes.Buffer
	err := chart.Radar{
		Options: chart.Options{Title: "服务质量差距", Precision: 0},
		Axes:    []string{"有形性", "可靠性", "响应性", "保证性", "移情性"},
		Min:     1, Max: 7, Rings: 6,
		Series: []chart.Series{
			{Name: "期望", Values: []float64{6.2, 6.5, 6.1, 6.3, 5.9}},
			{Name: "感知", Values: []float64{5.4, 5.1, 4.8, 5.6, 5.0}},
		},
	}.Render(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	svg := buf.String()
	fmt.Println(svg[:strings.Index(svg, " font-family")])
	fmt.Println(strings.Count(svg, `class="series"`), "series,", strings.Count(svg, `class="ring"`), "rings")
	// Output:
	// <svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480"
	// 2 series, 6 rings
}

// A value outside the declared scale is refused with the path of the value.
func ExampleRadar_invalid() {
	err := chart.Radar{
		Axes: []string{"有形性", "可靠性", "响应性"},
		Min:  1, Max: 5,
		Series: []chart.Series{
			{Name: "期望", Values: []float64{4, 5, 4}},
			{Name: "感知", Values: []float64{4, 3, 6}},
		},
	}.Render(os.Stdout)
	fmt.Println(err)
	// Output:
	// invalid input: series[1].values[2]: is 6, outside the scale [1, 5] (range)
}

// Category totals of a satisfaction index against their maxima.
func ExampleBar() {
	var buf bytes.Buffer
	err := chart.Bar{
		Options:    chart.Options{Title: "满意度指数分项得分"},
		Categories: []string{"产品质量", "服务态度", "价格"},
		Values:     []float64{32, 27, 18},
		Maxima:     []float64{40, 30, 30},
	}.Render(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, `class="value"`) {
			fmt.Println(line[strings.Index(line, ">")+1 : strings.LastIndex(line, "<")])
		}
	}
	// Output:
	// 32 / 40
	// 27 / 30
	// 18 / 30
}

// NPS by wave with its 95 % confidence interval, on NPS's own scale.
func ExampleLine() {
	var buf bytes.Buffer
	err := chart.Line{
		Options: chart.Options{Title: "净推荐值"},
		Labels:  []string{"第一期", "第二期", "第三期"},
		Min:     -100, Max: 100, Ticks: 4,
		Series: []chart.LineSeries{{
			Name:   "NPS",
			Values: []float64{12, 18, 25},
			Bands:  []*chart.Band{{Lo: 4, Hi: 20}, {Lo: 10, Hi: 26}, {Lo: 17, Hi: 33}},
		}},
	}.Render(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	svg := buf.String()
	fmt.Println(strings.Count(svg, `class="band"`), "band,", strings.Count(svg, `class="point"`), "points")
	fmt.Println(strings.HasSuffix(svg, "</svg>\n"))
	// Output:
	// 1 band, 3 points
	// true
}
