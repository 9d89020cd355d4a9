package survey_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

func TestScore(t *testing.T) {
	s := load(t)
	answers := promoter()
	answers[3] = survey.Answer{Question: "wait", Value: num(2)} // reverse-keyed on 1–5: scores 4
	r := &survey.Response{Survey: "after-purchase", Version: 1, Answers: answers}
	sc, err := s.Score(r)
	require.NoError(t, err)
	want := []survey.ItemScore{
		{Question: "recommend", Value: 9, Min: 0, Max: 10, Weight: 1},
		{Question: "satisfied", Value: 5, Min: 1, Max: 5, Weight: 1, Dimension: "service"},
		{Question: "easy", Value: 6, Min: 1, Max: 7, Weight: 1},
		{Question: "wait", Value: 4, Min: 1, Max: 5, Weight: 2, Dimension: "service"},
		{Question: "liked", Value: 3, Min: 0, Max: 3, Weight: 1},
		{Question: "quality", Row: "taste", Value: 7, Min: 1, Max: 7, Weight: 1, Dimension: "product"},
		{Question: "quality", Row: "looks", Value: 6, Min: 1, Max: 7, Weight: 1, Dimension: "product"},
	}
	assert.Equal(t, want, sc.Items, "the single choice has no points and the number does not score")
	// Computed by hand: service = (1·5 + 2·4)/3, index 100·(1·4 + 2·3)/(1·4 + 2·4).
	require.Len(t, sc.Dimensions, 2)
	assert.Equal(t, "service", sc.Dimensions[0].Dimension)
	assert.Equal(t, 2, sc.Dimensions[0].N)
	assert.InDelta(t, 13.0/3, sc.Dimensions[0].Mean, 1e-12)
	assert.InDelta(t, 100*10.0/12, sc.Dimensions[0].Index, 1e-12)
	assert.InDelta(t, 100*11.0/12, sc.Dimensions[1].Index, 1e-12, "product: (6 + 5)/(6 + 6)")
	assert.Equal(t, 7, sc.N)
	// Total: 9 + 5 + 6 + 2·4 + 3 + 7 + 6 = 44 of 10 + 5 + 7 + 2·5 + 3 + 7 + 7 = 49; minima 0 + 1 + 1 + 2 + 0 + 1 + 1 = 6.
	assert.InDelta(t, 44, sc.Total, 1e-12)
	assert.InDelta(t, 49, sc.Max, 1e-12)
	assert.InDelta(t, 100*(44.0-6)/(49-6), sc.Index, 1e-12, "the top of the scale stays reachable")
	require.NotNil(t, sc.Band)
	assert.Equal(t, "excellent", sc.Band.Message, "88.4 falls in [85, 101)")
	assert.InDelta(t, 13, sc.Dimensions[0].Total, 1e-12, "service: 1·5 + 2·4")
	assert.InDelta(t, 15, sc.Dimensions[0].Max, 1e-12, "service: 1·5 + 2·5")

	// "Not applicable" is no answer, never a zero.
	r.Answers = promoter()
	sc, err = s.Score(r)
	require.NoError(t, err)
	assert.Equal(t, 1, sc.Dimensions[0].N, "wait was not applicable")
	assert.InDelta(t, 5, sc.Dimensions[0].Mean, 1e-12)

	// Only a valid response of this version scores.
	r.Version = 2
	_, err = s.Score(r)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	r.Version, r.Answers = 1, answers[1:]
	_, err = s.Score(r)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
}
