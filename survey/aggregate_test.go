package survey_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// responses are promoters' answers with the NPS, CSAT and CES answers replaced and the
// respondent weights given.
func responses(t *testing.T, s *survey.Survey, recommend, satisfied, easy, weights []float64) []*survey.Response {
	t.Helper()
	var out []*survey.Response
	for i := range recommend {
		a := promoter()
		a[0].Value, a[1].Value, a[2].Value = num(recommend[i]), num(satisfied[i]), num(easy[i])
		r := &survey.Response{Survey: s.ID(), Version: s.Version(), Weight: weights[i], Answers: a}
		require.NoError(t, s.Check(r.Answers))
		out = append(out, r)
	}
	return out
}

func TestSurveyStatistics(t *testing.T) {
	s := load(t)
	// Respondent weights: answers [10,9,9,8,7,6,5,10,3,9] weighted [1,1,1,1,1,2,2,2,2,2] give
	// NPS 6.6666667 with Kish's effective n 9 and SE 30.9519739 (computed by hand from the
	// formula; the same vector is a test of NPSFromAnswers).
	rs := responses(t, s,
		[]float64{10, 9, 9, 8, 7, 6, 5, 10, 3, 9},
		[]float64{5, 4, 3, 5, 4, 2, 1, 5, 4, 3},
		[]float64{7, 6, 5, 4, 3, 2, 1, 7, 6, 5},
		[]float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2})
	nps, err := s.NPS(slices.Values(rs), "recommend", 0.95)
	require.NoError(t, err)
	assert.InDelta(t, 6.6666667, nps.Score, 1e-7)
	assert.InDelta(t, 9, nps.EffectiveN, 1e-12)
	assert.InDelta(t, 30.9519739, nps.SE, 1e-7)
	assert.Equal(t, 10, nps.N)

	// CSAT: satisfied is 4–5. Weighted: (1+1+1+1+2+2)/15.
	csat, err := s.CSAT(slices.Values(rs), "satisfied", 0.95)
	require.NoError(t, err)
	assert.InDelta(t, 8.0/15, csat.Share, 1e-12)

	// CES on the vector [7,6,5,4,3,2,1,7,6,5] with equal weights: mean 4.6, 60 % agree,
	// net easy 30 points.
	for _, r := range rs {
		r.Weight = 1
	}
	ces, err := s.CES(slices.Values(rs), "easy")
	require.NoError(t, err)
	assert.InDelta(t, 4.6, ces.Mean, 1e-12)
	assert.InDelta(t, 60, ces.AgreePct, 1e-12)
	assert.InDelta(t, 30, ces.NetEasy, 1e-12)

	// Only an NPS question has an NPS; a 1–5 rating never does.
	_, err = s.NPS(slices.Values(rs), "satisfied", 0.95)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = s.NPS(slices.Values(rs), "mood", 0.95)
	assert.ErrorIs(t, err, kehu.ErrInvalid)

	// A non-scoring answer is missing, never a zero: wait is "not applicable" everywhere.
	col, _, err := s.Answers(slices.Values(rs), "wait", "")
	require.NoError(t, err)
	assert.Equal(t, slices.Repeat([]bool{true}, 10), col.Missing)

	// A response of another version is refused, not mixed in.
	other := *rs[0]
	other.Version = 2
	_, err = s.NPS(slices.Values(append(rs, &other)), "recommend", 0.95)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

// Alpha of a dimension reads its items as scored: the items A=[3,2,4,3,4], B=[4,3,4,2,4],
// C=[3,4,5,3,4] give α 0.7325581395 (the vector of CronbachAlpha's test, computed from the
// definition), here with C asked reverse-keyed and answered reversed (6 − x on 1–5).
func TestSurveyAlpha(t *testing.T) {
	spec := survey.Spec{ID: "alpha", Version: 1, Locale: "en", Title: survey.Label{"en": "Alpha"},
		Dimensions: []survey.Dimension{{ID: "trust", Label: survey.Label{"en": "Trust"}}},
		Sections: []survey.Section{{ID: "s", Questions: []survey.Question{
			{ID: "a", Kind: survey.Likert, Dimension: "trust", Scale: &survey.Scale{From: 1, To: 5}, Label: survey.Label{"en": "A"}},
			{ID: "m", Kind: survey.Matrix, Dimension: "trust", Scale: &survey.Scale{From: 1, To: 5}, Label: survey.Label{"en": "M"},
				Rows: []survey.Row{{ID: "b", Label: survey.Label{"en": "B"}}, {ID: "c", Label: survey.Label{"en": "C"}, Reverse: true}}},
		}}}}
	s, err := survey.Compile(spec)
	require.NoError(t, err)
	a, b, c := []float64{3, 2, 4, 3, 4}, []float64{4, 3, 4, 2, 4}, []float64{3, 4, 5, 3, 4}
	var rs []*survey.Response
	for i := range a {
		rs = append(rs, &survey.Response{Survey: "alpha", Version: 1, Weight: 1, Answers: []survey.Answer{
			{Question: "a", Value: num(a[i])}, {Question: "m", Row: "b", Value: num(b[i])}, {Question: "m", Row: "c", Value: num(6 - c[i])}}})
	}
	res, err := s.Alpha(slices.Values(rs), "trust", survey.Listwise)
	require.NoError(t, err)
	assert.InDelta(t, 0.7325581395, res.Raw, 1e-10)
	assert.InDelta(t, 0.7322918089, res.Standardized, 1e-10)
	assert.Equal(t, 3, res.Items)
	_, err = s.Alpha(slices.Values(rs), "nope", survey.Listwise)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}

// SERVQUAL over a sample: 100 respondents expect 6 of every item on 1–7; their perceptions
// are built so that the dimension gaps are −0.65, −1.10, −0.83, −0.70 and −1.01, the
// vector of the ServqualScore test, which gives −0.858 unweighted and −0.903 with the
// importance split 10/30/20/20/20 (Parasuraman, Zeithaml & Berry 1988: the score is the
// mean of the five dimension gaps, not of the 22 items).
func TestSurveyServqual(t *testing.T) {
	rows := make([]survey.Row, survey.ServqualItems)
	for k := range rows {
		rows[k] = survey.Row{ID: fmt.Sprintf("i%02d", k+1), Label: survey.Label{"en": fmt.Sprint("item ", k+1)}}
	}
	scale := &survey.Scale{From: 1, To: 7}
	s, err := survey.Compile(survey.Spec{ID: "servqual", Version: 1, Locale: "en", Title: survey.Label{"en": "SERVQUAL"},
		Sections: []survey.Section{{ID: "s", Questions: []survey.Question{
			{ID: "expect", Kind: survey.Matrix, Scale: scale, Rows: rows, Label: survey.Label{"en": "An excellent company would…"}},
			{ID: "perceive", Kind: survey.Matrix, Scale: scale, Rows: rows, Label: survey.Label{"en": "This company…"}},
		}}}})
	require.NoError(t, err)
	// gap(d, i) is respondent i's gap on every item of dimension d.
	gap := func(d survey.ServqualDimension, i int) float64 {
		switch d {
		case survey.Tangibles:
			return map[bool]float64{true: -1, false: 0}[i < 65]
		case survey.Reliability:
			return map[bool]float64{true: -2, false: -1}[i < 10]
		case survey.Responsiveness:
			return map[bool]float64{true: -1, false: 0}[i < 83]
		case survey.Assurance:
			return map[bool]float64{true: -1, false: 0}[i < 70]
		}
		return map[bool]float64{true: -2, false: -1}[i < 1]
	}
	var rs []*survey.Response
	for i := range 100 {
		r := &survey.Response{Survey: "servqual", Version: 1, Weight: 1}
		for d := survey.Tangibles; d <= survey.Empathy; d++ {
			first, last := d.Items()
			for k := first; k <= last; k++ {
				id := fmt.Sprintf("i%02d", k)
				r.Answers = append(r.Answers, survey.Answer{Question: "expect", Row: id, Value: num(6)},
					survey.Answer{Question: "perceive", Row: id, Value: num(6 + gap(d, i))})
			}
		}
		rs = append(rs, r)
	}
	res, err := s.Servqual(slices.Values(rs), "expect", "perceive", []float64{10, 30, 20, 20, 20})
	require.NoError(t, err)
	for d, want := range []float64{-0.65, -1.10, -0.83, -0.70, -1.01} {
		assert.InDelta(t, want, res.Dimensions[d], 1e-12, "dimension %v", survey.ServqualDimension(d))
	}
	assert.InDelta(t, -0.858, res.Unweighted, 1e-12)
	assert.InDelta(t, -0.903, res.Weighted, 1e-12)
	assert.Equal(t, map[survey.Outcome]int{survey.Below: 100}, res.Outcomes)
	assert.Equal(t, 100, res.N)

	_, err = s.Servqual(slices.Values(rs), "expect", "nope", nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)

	// A respondent weight must be finite and positive, as for the other statistics: one
	// of 0, below 0 or not finite would drop items from a mean or move it off the scale.
	for _, w := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		t.Run(fmt.Sprint("weight ", w), func(t *testing.T) {
			bad := slices.Clone(rs)
			r := *bad[3]
			r.Weight = w
			bad[3] = &r
			_, err := s.Servqual(slices.Values(bad), "expect", "perceive", nil)
			requireInvalid(t, err, "responses[3].weight", "range")
		})
	}
}

// The attitude survey asked as a questionnaire: R's attitude data (30 departments, 7
// ratings of 0–100, testdata/attitude) as responses of seven questions on a 0–100 scale.
// Through the questionnaire, importance–performance analysis with rating as the overall
// question gives R's cor(attitude)[1, -1] as importances (complaints 0.8254176, privileges
// 0.4261169, learning 0.6236782, raises 0.5901390, critical 0.1564392, advance 0.1550863)
// and the quadrants of the published reading; and alpha of the six items with rating is
// psych::alpha's 0.8431427696.
func TestSurveyOnAttitude(t *testing.T) {
	names := []string{"rating", "complaints", "privileges", "learning", "raises", "critical", "advance"}
	var qs []survey.Question
	for _, n := range names {
		qs = append(qs, survey.Question{ID: n, Kind: survey.Likert, Required: true, Dimension: "job",
			Scale: &survey.Scale{From: 0, To: 100}, Label: survey.Label{"en": n}})
	}
	s, err := survey.Compile(survey.Spec{ID: "attitude", Version: 1, Locale: "en", Title: survey.Label{"en": "Attitude"},
		Dimensions: []survey.Dimension{{ID: "job", Label: survey.Label{"en": "Job"}}},
		Sections:   []survey.Section{{ID: "s", Questions: qs}}})
	require.NoError(t, err)
	cols := attitudeItems(t)
	var rs []*survey.Response
	for i := range cols[0].Values {
		r := &survey.Response{Survey: "attitude", Version: 1, Weight: 1}
		for j, n := range names {
			r.Answers = append(r.Answers, survey.Answer{Question: n, Value: num(cols[j].Values[i])})
		}
		rs = append(rs, r)
	}
	ipa, items, err := s.ImportancePerformance(slices.Values(rs), "rating", survey.Listwise)
	require.NoError(t, err)
	assert.Equal(t, names[1:], items)
	for i, want := range []float64{0.8254176, 0.4261169, 0.6236782, 0.5901390, 0.1564392, 0.1550863} {
		assert.InDelta(t, want, ipa.Items[i].Importance, 5e-8, items[i])
	}
	quadrants := map[string]survey.Quadrant{}
	for i, it := range ipa.Items {
		quadrants[items[i]] = it.Quadrant
	}
	assert.Equal(t, map[string]survey.Quadrant{
		"complaints": survey.KeepUp, "raises": survey.KeepUp, "learning": survey.ConcentrateHere,
		"critical": survey.PossibleOverkill, "privileges": survey.LowPriority, "advance": survey.LowPriority,
	}, quadrants)

	alpha, err := s.Alpha(slices.Values(rs), "job", survey.Pairwise)
	require.NoError(t, err)
	assert.InDelta(t, 0.8431427696, alpha.Raw, 5e-11)
	assert.InDelta(t, 0.839083803, alpha.Standardized, 5e-10)
}

// An effort scale (1–5, 1 the least effort) is read so that higher is easier, on its
// declared bounds: x′ = 1 + 5 − x. The answers 1, 2, 3, 4, 5, 1, 1 read 5, 4, 3, 2, 1, 5,
// 5 — counted by hand: mean 25/7; above the midpoint 3, four of seven agree (57.14 %);
// below it, two disagree (28.57 %); net easy 200/7 points.
func TestSurveyEffortScale(t *testing.T) {
	s, err := survey.Compile(survey.Spec{ID: "effort", Version: 1, Locale: "en", Title: survey.Label{"en": "Effort"},
		Sections: []survey.Section{{ID: "s", Questions: []survey.Question{
			{ID: "effort", Kind: survey.CES, Effort: survey.EffortHigh, Required: true, Scale: &survey.Scale{From: 1, To: 5},
				Label: survey.Label{"en": "How much effort did it take?"}},
		}}}})
	require.NoError(t, err)
	var rs []*survey.Response
	for _, x := range []float64{1, 2, 3, 4, 5, 1, 1} {
		rs = append(rs, &survey.Response{Survey: "effort", Version: 1, Weight: 1,
			Answers: []survey.Answer{{Question: "effort", Value: num(x)}}})
	}
	ces, err := s.CES(slices.Values(rs), "effort")
	require.NoError(t, err)
	assert.InDelta(t, 25.0/7, ces.Mean, 1e-12)
	assert.InDelta(t, 400.0/7, ces.AgreePct, 1e-12)
	assert.InDelta(t, 200.0/7, ces.DisagreePct, 1e-12)
	assert.InDelta(t, 200.0/7, ces.NetEasy, 1e-12)
	assert.Equal(t, 7, ces.N)

	sc, err := s.Score(rs[1])
	require.NoError(t, err)
	assert.Equal(t, []survey.ItemScore{{Question: "effort", Value: 4, Min: 1, Max: 5, Weight: 1}}, sc.Items)
	assert.InDelta(t, 75, sc.Index, 1e-12, "100·(4 − 1)/(5 − 1)")
}

// TestSurveyCESAggregate: a CES question names the figure it is reported by; the vector
// 7, 6, 5, 4, 3, 2, 1, 7, 6, 5 on 1–7 gives a mean of 4.6, 60 % agree and net easy 30.
func TestSurveyCESAggregate(t *testing.T) {
	for _, tt := range []struct {
		aggregate survey.CESAggregate
		want      float64
	}{{"", 4.6}, {survey.CESMean, 4.6}, {survey.CESAgree, 60}, {survey.CESNetEasy, 30}} {
		s, err := survey.Compile(survey.Spec{ID: "ease", Version: 1, Locale: "en", Title: survey.Label{"en": "Ease"},
			Sections: []survey.Section{{ID: "s", Questions: []survey.Question{
				{ID: "easy", Kind: survey.CES, Effort: survey.EasyHigh, Aggregate: tt.aggregate, Required: true,
					Scale: &survey.Scale{From: 1, To: 7}, Label: survey.Label{"en": "It was easy to get my issue resolved."}},
			}}}})
		require.NoError(t, err)
		var rs []*survey.Response
		for _, x := range []float64{7, 6, 5, 4, 3, 2, 1, 7, 6, 5} {
			rs = append(rs, &survey.Response{Survey: "ease", Version: 1, Weight: 1, Answers: []survey.Answer{{Question: "easy", Value: num(x)}}})
		}
		ces, err := s.CES(slices.Values(rs), "easy")
		require.NoError(t, err)
		assert.InDelta(t, tt.want, ces.Headline(), 1e-12, "%q", tt.aggregate)
		want := tt.aggregate
		if want == "" {
			want = survey.CESMean
		}
		assert.Equal(t, want, ces.Aggregate)
		assert.Equal(t, want, s.Spec().Sections[0].Questions[0].Aggregate, "the compiled spec records the default")
	}
}

// TestCSATSatisfiedSetOnOtherScales: 4 and 5 are the satisfied answers only on the default
// 1–5 scale; on another scale the survey declares them, so the box never moves with the
// scale.
func TestCSATSatisfiedSetOnOtherScales(t *testing.T) {
	spec := func(q survey.Question) survey.Spec {
		q.ID, q.Label = "q", survey.Label{"en": "Satisfied?"}
		return survey.Spec{ID: "x", Version: 1, Locale: "en", Title: survey.Label{"en": "x"},
			Sections: []survey.Section{{ID: "s", Questions: []survey.Question{q}}}}
	}
	_, err := survey.Compile(spec(survey.Question{Kind: survey.CSAT, Scale: &survey.Scale{From: 1, To: 10}}))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("sections[0].questions[0].satisfied", "required"), "%v", err)
	s, err := survey.Compile(spec(survey.Question{Kind: survey.CSAT, Scale: &survey.Scale{From: 1, To: 10}, Satisfied: []int{9, 10}}))
	require.NoError(t, err)
	assert.Equal(t, []int{9, 10}, s.Spec().Sections[0].Questions[0].Satisfied)
	s, err = survey.Compile(spec(survey.Question{Kind: survey.CSAT}))
	require.NoError(t, err)
	assert.Equal(t, []int{4, 5}, s.Spec().Sections[0].Questions[0].Satisfied, "the default on 1–5")
	_, err = survey.Compile(spec(survey.Question{Kind: survey.Likert, Scale: &survey.Scale{From: 1, To: 5}, Aggregate: survey.CESAgree}))
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("sections[0].questions[0].aggregate", "kind"), "%v", err)
	_, err = survey.Compile(spec(survey.Question{Kind: survey.CES, Effort: survey.EasyHigh, Scale: &survey.Scale{From: 1, To: 7}, Aggregate: "median"}))
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("sections[0].questions[0].aggregate", "enum"), "%v", err)
}
