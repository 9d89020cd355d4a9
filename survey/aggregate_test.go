package survey_test

import (
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
