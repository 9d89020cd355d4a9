package survey_test

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/survey"
)

// These tests play a host that forwards whatever a client app sends to the survey API:
// zero values, nil iterators, nil responses in a stream, NaN and infinite numbers, extreme
// counts, answers to questions that do not exist. Every call must answer with a result or
// an error, never a panic. The statistics are fuzzed on their own (stats_fuzz_test.go);
// these probe the API around them.

var (
	robustStart   = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	robustFloats  = []float64{0, -1, 1, 0.5, 7, 10, 11, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64}
	robustInts    = []int{0, -1, 1, 2, math.MaxInt, math.MinInt}
	robustStrings = []string{"", " ", "\xff\xfe", strings.Repeat("问", 10_000), "recommend", "quality", "taste", "nope", "a\x00b"}
	robustTimes   = []time.Time{{}, robustStart.AddDate(-100, 0, 0), robustStart, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(math.MaxInt64/2, 0)}
)

func TestServiceHostileInput(t *testing.T) {
	t.Parallel()
	opts, _, _ := kehu.Deterministic(robustStart)
	svc := survey.NewService(nil, opts)
	ctx := context.Background()
	s, err := survey.Load(strings.NewReader(afterPurchaseJSON))
	require.NoError(t, err)
	_, err = svc.Publish(ctx, s.Spec())
	require.NoError(t, err)
	suite.NoPanic(t, "Publish(zero)", func() { _, _ = svc.Publish(ctx, survey.Spec{}) })
	var answers [][]survey.Answer
	answers = append(answers, nil, []survey.Answer{{}})
	for _, q := range robustStrings {
		for _, v := range robustFloats {
			answers = append(answers, []survey.Answer{{Question: q, Row: q, Value: &v, Option: q, Options: []string{q, q}, Text: q}})
		}
	}
	n := 0
	for _, a := range answers {
		for _, version := range robustInts {
			suite.NoPanic(t, "Submit", func() {
				n++
				_, _ = svc.Submit(ctx, survey.Submission{Survey: "after-purchase", Version: version, Answers: a, Key: "k" + strings.Repeat("x", n%7)})
				_, _ = svc.Submit(ctx, survey.Submission{Survey: "after-purchase", Version: 1, Answers: a, Weight: math.NaN(), Key: "w"})
				_ = s.Check(a)
			})
		}
	}
	for _, id := range robustStrings {
		for _, version := range robustInts {
			suite.NoPanic(t, "reads", func() {
				_, _ = svc.Survey(ctx, id, version)
				for _, from := range robustTimes {
					for _, to := range robustTimes {
						_, _ = svc.Responses(ctx, id, survey.ResponseQuery{Version: version, From: from, To: to,
							PageRequest: kehu.PageRequest{Limit: version, After: id}})
					}
				}
				_ = svc.WriteVersionsJSON(ctx, &bytes.Buffer{}, id)
			})
		}
	}
	suite.NoPanic(t, "Response", func() {
		_, _ = svc.Response(ctx, survey.ResponseID{})
		_, _ = survey.ParseResponseID("\xff")
	})
}

func TestSurveyHostileInput(t *testing.T) {
	t.Parallel()
	s, err := survey.Load(strings.NewReader(afterPurchaseJSON))
	require.NoError(t, err)
	opts, _, _ := kehu.Deterministic(robustStart)
	svc := survey.NewService(nil, opts)
	ctx := context.Background()
	_, err = svc.Publish(ctx, s.Spec())
	require.NoError(t, err)
	v := func(f float64) *float64 { return &f }
	good, err := svc.Submit(ctx, survey.Submission{Survey: "after-purchase", Version: 1, Key: "good", Answers: []survey.Answer{
		{Question: "recommend", Value: v(9)}, {Question: "satisfied", Value: v(4)},
		{Question: "quality", Row: "taste", Value: v(6)}, {Question: "quality", Row: "looks", Value: v(5)}}})
	require.NoError(t, err)
	streams := map[string][]*survey.Response{"none": nil, "a nil response": {nil}, "zero": {{}}, "good and nil": {good, nil, good},
		"good": {good}}
	for name, rs := range streams {
		seq := slices.Values(rs)
		for _, q := range robustStrings {
			suite.NoPanic(t, "analyses of "+name, func() {
				_, _, _ = s.Answers(seq, q, q)
				_, _ = s.CES(seq, q)
				_, _ = s.Alpha(seq, q, 0)
				_, _, _ = s.ImportancePerformance(seq, q, 0)
				_, _ = s.Servqual(seq, q, q, nil)
				for _, level := range robustFloats {
					_, _ = s.CSAT(seq, q, level)
					_, _ = s.NPS(seq, q, level)
				}
			})
		}
		suite.NoPanic(t, "WriteCSV of "+name, func() {
			for _, loc := range robustStrings {
				_ = s.WriteCSV(&bytes.Buffer{}, seq, loc)
			}
		})
		for _, r := range rs {
			suite.NoPanic(t, "Score of "+name, func() { _, _ = s.Score(r) })
		}
	}
	for name, call := range map[string]func(){
		"CSAT(nil)":      func() { _, _ = s.CSAT(nil, "satisfied", 0.95) },
		"NPS(nil)":       func() { _, _ = s.NPS(nil, "recommend", 0.95) },
		"CES(nil)":       func() { _, _ = s.CES(nil, "easy") },
		"Alpha(nil)":     func() { _, _ = s.Alpha(nil, "service", 0) },
		"Answers(nil)":   func() { _, _, _ = s.Answers(nil, "recommend", "") },
		"IPA(nil)":       func() { _, _, _ = s.ImportancePerformance(nil, "satisfied", 0) },
		"Servqual(nil)":  func() { _, _ = s.Servqual(nil, "quality", "quality", nil) },
		"WriteCSV(nil)":  func() { _ = s.WriteCSV(&bytes.Buffer{}, nil, "zh") },
		"Score(nil)":     func() { _, _ = s.Score(nil) },
		"Check(nil)":     func() { _ = s.Check(nil) },
		"Question(\"\")": func() { _, _ = s.Question("") },
		"Load(nil)":      func() { _, _ = survey.Load(nil) },
		"Compile(zero)":  func() { _, _ = survey.Compile(survey.Spec{}) },
	} {
		suite.NoPanic(t, name, call)
	}
}

func TestStatisticsHostileInput(t *testing.T) {
	t.Parallel()
	columns := []survey.Column{{}, {Values: []float64{1}}, {Values: robustFloats}, {Values: []float64{1, 2}, Missing: []bool{true}},
		{Values: []float64{1}, Missing: []bool{false, true, true}}}
	bounds := []survey.Bounds{{}, {Min: 1, Max: 5}, {Min: 5, Max: 1}, {Min: math.NaN(), Max: math.Inf(1)}, {Min: -math.MaxFloat64, Max: math.MaxFloat64}}
	weights := [][]float64{nil, {}, {1}, robustFloats}
	for _, c := range columns {
		for _, b := range bounds {
			for _, w := range weights {
				for _, f := range robustFloats {
					suite.NoPanic(t, "per column", func() {
						_, _ = survey.CESFromAnswers(c, w, b)
						_, _ = survey.CSATFromAnswers(c, w, b, f, f)
						_, _ = survey.NPSFromAnswers(c, w, f)
						_, _ = survey.ReverseKeyed(c, b)
						_, _ = b.Reverse(f)
						_, _ = survey.Servqual(c, c, b, w)
						_, _ = survey.WeightedIndex(w, w, b)
						_, _ = survey.CategoryTotals([]survey.Category{{Values: c.Values}, {}}, b)
						_, _, _ = survey.BandFor(f, []survey.Band{{From: f, To: f}, {}})
					})
				}
			}
			for _, p := range []survey.MissingPolicy{0, 1, 2, 99, -1} {
				suite.NoPanic(t, "multi column", func() {
					_, _ = survey.CronbachAlpha([]survey.Column{c, c}, p)
					_, _ = survey.CronbachAlpha(nil, p)
					_, _ = survey.ImportancePerformance([]survey.Column{c}, c, p)
					_ = p.String()
				})
			}
		}
	}
	for _, n := range robustInts {
		for _, f := range robustFloats {
			suite.NoPanic(t, "counts", func() {
				_, _ = survey.CSATFromCounts(n, n, f)
				_, _ = survey.NPSFromCounts(n, n, n, f)
				_ = survey.Format(f, n)
				_ = survey.OutcomeOf(f)
				_, _ = survey.ServqualScore([]float64{f}, []float64{f})
				_, _ = survey.EffectiveN([]float64{f, f})
				_ = survey.ServqualDimension(n).String()
				_, _ = survey.ServqualDimension(n).Items()
			})
		}
	}
	for _, f := range robustFloats {
		suite.NoPanic(t, "comparisons", func() {
			c1, _ := survey.CSATFromCounts(5, 10, 0.95)
			n1, _ := survey.NPSFromCounts(5, 3, 2, 0.95)
			_, _ = survey.CompareCSAT(c1, survey.CSATResult{}, f)
			_, _ = survey.CompareNPS(n1, survey.NPSResult{}, f)
			_, _ = survey.CompareCSAT(survey.CSATResult{}, survey.CSATResult{}, f)
			_, _ = survey.CompareNPS(survey.NPSResult{}, survey.NPSResult{}, f)
			_ = survey.Comparison{}.String()
			_ = survey.CESResult{}.Headline()
		})
	}
	for _, s := range robustStrings {
		suite.NoPanic(t, "labels", func() {
			_ = survey.Label{s: s}.In(s, s)
			_ = survey.Label(nil).In(s, s)
			_, _ = survey.ParseKind(s)
			_, _ = survey.ParseEffort(s)
		})
	}
}

// A nil iterator is no responses, as slices.Values of a nil slice is: every analysis and
// the export answer as they do for an empty sample, rather than calling it.
func TestANilStreamIsNoResponses(t *testing.T) {
	t.Parallel()
	s := load(t)
	none := slices.Values([]*survey.Response(nil))
	same := func(name string, got, want any, gotErr, wantErr error) {
		t.Helper()
		assert.Equal(t, want, got, name)
		assert.Equal(t, wantErr, gotErr, name)
	}
	col, w, err := s.Answers(nil, "recommend", "")
	wcol, ww, werr := s.Answers(none, "recommend", "")
	same("Answers", []any{col, w}, []any{wcol, ww}, err, werr)
	nps, err := s.NPS(nil, "recommend", 0.95)
	wnps, werr := s.NPS(none, "recommend", 0.95)
	same("NPS", nps, wnps, err, werr)
	csat, err := s.CSAT(nil, "satisfied", 0.95)
	wcsat, werr := s.CSAT(none, "satisfied", 0.95)
	same("CSAT", csat, wcsat, err, werr)
	ces, err := s.CES(nil, "easy")
	wces, werr := s.CES(none, "easy")
	same("CES", ces, wces, err, werr)
	alpha, err := s.Alpha(nil, "service", 0)
	walpha, werr := s.Alpha(none, "service", 0)
	same("Alpha", alpha, walpha, err, werr)
	ipa, names, err := s.ImportancePerformance(nil, "satisfied", 0)
	wipa, wnames, werr := s.ImportancePerformance(none, "satisfied", 0)
	same("ImportancePerformance", []any{ipa, names}, []any{wipa, wnames}, err, werr)
	var got, want bytes.Buffer
	require.NoError(t, s.WriteCSV(&got, nil, "zh"))
	require.NoError(t, s.WriteCSV(&want, none, "zh"))
	assert.Equal(t, want.String(), got.String(), "the header alone")
}

// A nil response in the stream stops the export with an error naming it, as it stops
// every analysis.
func TestWriteCSVRefusesANilResponse(t *testing.T) {
	t.Parallel()
	opts, _, _ := kehu.Deterministic(robustStart)
	svc := survey.NewService(nil, opts)
	s, err := svc.Publish(context.Background(), load(t).Spec())
	require.NoError(t, err)
	r, err := svc.Submit(context.Background(), survey.Submission{Survey: s.ID(), Version: s.Version(), Key: "k", Answers: []survey.Answer{
		{Question: "recommend", Value: num(9)}, {Question: "satisfied", Value: num(4)},
		{Question: "quality", Row: "taste", Value: num(6)}, {Question: "quality", Row: "looks", Value: num(5)}}})
	require.NoError(t, err)
	err = s.WriteCSV(&bytes.Buffer{}, slices.Values([]*survey.Response{r, nil}), "zh")
	requireInvalid(t, err, "responses[1]", "required")
	_, err = s.NPS(slices.Values([]*survey.Response{r, nil}), "recommend", 0.95)
	requireInvalid(t, err, "responses[1]", "required")
}
