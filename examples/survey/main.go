// Command survey runs a customer satisfaction survey end to end on the in-memory default:
// a SERVQUAL questionnaire with an NPS and a CSAT question, two waves of generated
// responses (before and after a service-improvement programme), their scores with
// confidence intervals and a significance test, and a report of three SVG charts and a CSV
// export.
//
//	go run ./examples/survey -out report
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/chart"
	"github.com/kehu-crm/kehu/survey"
)

func main() {
	out := flag.String("out", "survey-report", "the folder the charts and the CSV are written to")
	flag.Parse()
	if err := run(context.Background(), *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// servqualItems are the 22 items of SERVQUAL, short, in the instrument's order.
var servqualItems = []string{
	"现代化的设备", "设施美观", "员工整洁", "资料美观",
	"兑现承诺", "关心问题", "一次做好", "准时服务", "记录无误",
	"告知时间", "迅速服务", "乐于帮助", "从不太忙",
	"值得信赖", "交易放心", "始终礼貌", "专业知识",
	"个别关注", "营业时间方便", "个人关怀", "以客为先", "理解需求",
}

var dimensionNames = []string{"有形性", "可靠性", "响应性", "保证性", "移情性"}

func questionnaire() survey.Spec {
	rows := make([]survey.Row, len(servqualItems))
	for k, label := range servqualItems {
		rows[k] = survey.Row{ID: fmt.Sprintf("i%02d", k+1), Label: survey.Label{"zh": label}}
	}
	scale := &survey.Scale{From: 1, To: 7, Labels: map[int]survey.Label{1: {"zh": "非常不同意", "en": "Strongly disagree"}, 7: {"zh": "非常同意", "en": "Strongly agree"}}}
	return survey.Spec{
		ID: "hotel-service", Version: 1, Locale: "zh", Title: survey.Label{"zh": "服务质量调查", "en": "Service quality"},
		Sections: []survey.Section{
			{ID: "overall", Questions: []survey.Question{
				{ID: "recommend", Kind: survey.NPS, Required: true, Label: survey.Label{"zh": "您向朋友推荐我们的可能性有多大？", "en": "How likely are you to recommend us?"}},
				{ID: "satisfied", Kind: survey.CSAT, Required: true, Label: survey.Label{"zh": "您对本次入住满意吗？", "en": "Were you satisfied with your stay?"}},
			}},
			{ID: "servqual", Questions: []survey.Question{
				{ID: "expect", Kind: survey.Matrix, Required: true, Scale: scale, Rows: rows, Label: survey.Label{"zh": "一家卓越的酒店应当……"}},
				{ID: "perceive", Kind: survey.Matrix, Required: true, Scale: scale, Rows: rows, Label: survey.Label{"zh": "这家酒店……"}},
			}},
		},
	}
}

// respond generates one guest's answers: expectations high, perceptions below them by the
// dimension's shortfall, which the improvement programme halves in the second wave.
func respond(rng *rand.Rand, wave int) []survey.Answer {
	shortfall := []float64{0.6, 1.2, 0.9, 0.7, 1.0}
	if wave == 1 {
		for d := range shortfall {
			shortfall[d] /= 2
		}
	}
	clamp := func(v float64, lo, hi int) float64 { return float64(min(max(int(v+0.5), lo), hi)) }
	point := func(v float64) *float64 { return &v }
	var a []survey.Answer
	var gap float64
	for d := survey.Tangibles; d <= survey.Empathy; d++ {
		first, last := d.Items()
		for k := first; k <= last; k++ {
			id := fmt.Sprintf("i%02d", k)
			e := clamp(6+rng.NormFloat64()*0.6, 1, 7)
			p := clamp(e-shortfall[d]+rng.NormFloat64()*0.9, 1, 7)
			gap += p - e
			a = append(a, survey.Answer{Question: "expect", Row: id, Value: point(e)},
				survey.Answer{Question: "perceive", Row: id, Value: point(p)})
		}
	}
	mood := gap / float64(len(servqualItems)) // the guest's mean gap, about −1 to 0
	a = append(a,
		survey.Answer{Question: "recommend", Value: point(clamp(8.5+2.5*mood+rng.NormFloat64()*1.5, 0, 10))},
		survey.Answer{Question: "satisfied", Value: point(clamp(4.3+1.2*mood+rng.NormFloat64()*0.7, 1, 5))})
	return a
}

func run(ctx context.Context, out string, w io.Writer) error {
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC))
	svc := survey.NewService(nil, opts)
	s, err := svc.Publish(ctx, questionnaire())
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	waves := []string{"2026 Q3", "2026 Q4"}
	byWave := make([][]*survey.Response, len(waves))
	for wave := range waves {
		for i := range 200 {
			r, err := svc.Submit(ctx, survey.Submission{Survey: s.ID(), Version: s.Version(), Channel: "email",
				Answers: respond(rng, wave), Key: fmt.Sprintf("wave-%d-guest-%03d", wave, i)})
			if err != nil {
				return err
			}
			byWave[wave] = append(byWave[wave], r)
			clock.Advance(time.Hour)
		}
		clock.AddDate(0, 3, 0)
	}

	var nps []survey.NPSResult
	var csat []survey.CSATResult
	var gaps []survey.SampleServqual
	for wave, rs := range byWave {
		n, err := s.NPS(slices.Values(rs), "recommend", 0.95)
		if err != nil {
			return err
		}
		c, err := s.CSAT(slices.Values(rs), "satisfied", 0.95)
		if err != nil {
			return err
		}
		g, err := s.Servqual(slices.Values(rs), "expect", "perceive", nil)
		if err != nil {
			return err
		}
		nps, csat, gaps = append(nps, n), append(csat, c), append(gaps, g)
		fmt.Fprintf(w, "%s: %d responses, NPS %.1f (95%% CI %.1f to %.1f), CSAT %.1f%% (%.1f%% to %.1f%%), SERVQUAL %.2f\n",
			waves[wave], n.N, n.Score, n.Interval.Low, n.Interval.High, 100*c.Share, 100*c.Interval.Low, 100*c.Interval.High, g.Unweighted)
	}
	change, err := survey.CompareNPS(nps[1], nps[0], 0.05)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "NPS change: %+.1f points, %s\n", change.Difference, change)
	for d := survey.Tangibles; d <= survey.Empathy; d++ {
		fmt.Fprintf(w, "  %-14s gap %5.2f → %5.2f\n", d, gaps[0].Dimensions[d], gaps[1].Dimensions[d])
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// Radar: what guests expect against what they perceive, by dimension, after the programme.
	expect, perceive, err := dimensionMeans(s, byWave[1])
	if err != nil {
		return err
	}
	radar := chart.Radar{Options: chart.Options{Title: "服务质量：期望与感知（2026 Q4）", Precision: 1},
		Axes: dimensionNames, Min: 1, Max: 7, Rings: 6,
		Series: []chart.Series{{Name: "期望", Values: expect}, {Name: "感知", Values: perceive}}}
	// Bar: each dimension's perceived score against the top of the scale.
	bar := chart.Bar{Options: chart.Options{Title: "各维度感知得分", Precision: 2},
		Categories: dimensionNames, Values: perceive, Maxima: slices.Repeat([]float64{7}, 5), Max: 7}
	// Line: NPS and CSAT by wave, with their 95 % intervals.
	line := chart.Line{Options: chart.Options{Title: "NPS 与 CSAT", Precision: 1}, Labels: waves, Min: -100, Max: 100}
	npsLine := chart.LineSeries{Name: "NPS"}
	csatLine := chart.LineSeries{Name: "CSAT %"}
	for wave := range waves {
		npsLine.Values = append(npsLine.Values, nps[wave].Score)
		npsLine.Bands = append(npsLine.Bands, &chart.Band{Lo: nps[wave].Interval.Low, Hi: nps[wave].Interval.High})
		csatLine.Values = append(csatLine.Values, 100*csat[wave].Share)
		csatLine.Bands = append(csatLine.Bands, &chart.Band{Lo: 100 * csat[wave].Interval.Low, Hi: 100 * csat[wave].Interval.High})
	}
	line.Series = []chart.LineSeries{npsLine, csatLine}
	for name, c := range map[string]interface{ Render(io.Writer) error }{"radar.svg": radar, "bar.svg": bar, "line.svg": line} {
		if err := writeFile(filepath.Join(out, name), c.Render); err != nil {
			return err
		}
	}
	all := append(slices.Clone(byWave[0]), byWave[1]...)
	if err := writeFile(filepath.Join(out, "responses.csv"), func(f io.Writer) error {
		return s.WriteCSV(f, slices.Values(all), "en")
	}); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote radar.svg, bar.svg, line.svg and responses.csv (%d rows) to %s\n", len(all), out)
	return nil
}

// dimensionMeans are the mean expectation and perception of each SERVQUAL dimension.
func dimensionMeans(s *survey.Survey, rs []*survey.Response) (expect, perceive []float64, err error) {
	for d := survey.Tangibles; d <= survey.Empathy; d++ {
		first, last := d.Items()
		var e, p float64
		for k := first; k <= last; k++ {
			row := fmt.Sprintf("i%02d", k)
			for _, q := range []struct {
				id  string
				sum *float64
			}{{"expect", &e}, {"perceive", &p}} {
				col, _, err := s.Answers(slices.Values(rs), q.id, row)
				if err != nil {
					return nil, nil, err
				}
				var sum float64
				for _, v := range col.Values {
					sum += v
				}
				*q.sum += sum / float64(len(col.Values))
			}
		}
		n := float64(last - first + 1)
		expect, perceive = append(expect, e/n), append(perceive, p/n)
	}
	return expect, perceive, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
