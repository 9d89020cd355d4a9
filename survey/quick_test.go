package survey

// This test is inside the package: it holds the one-pass check of plainly valid answers
// against the full check, both unexported, over the same responses.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// everyKindJSON is a questionnaire with every kind of question and no visibility
// condition: required and optional questions, a reverse-keyed item with "not applicable",
// an effort scale, choices with points, a required matrix and an optional one.
const everyKindJSON = `{
  "id": "every-kind", "version": 2, "locale": "en", "title": {"en": "Every kind"},
  "dimensions": [{"id": "service", "label": {"en": "Service"}}],
  "sections": [
    {"id": "a", "questions": [
      {"id": "recommend", "kind": "nps", "required": true, "label": {"en": "Recommend?"}},
      {"id": "wait", "kind": "likert", "reverse": true, "dimension": "service", "scale": {"from": 1, "to": 5},
       "options": [{"code": "na", "label": {"en": "n/a"}, "non_scoring": true}], "label": {"en": "Waited long"}},
      {"id": "satisfied", "kind": "csat", "required": true, "dimension": "service", "label": {"en": "Satisfied?"}},
      {"id": "effort", "kind": "ces", "effort": "effort_high", "scale": {"from": 1, "to": 5}, "label": {"en": "Effort"}},
      {"id": "channel", "kind": "single_choice", "label": {"en": "Where?"},
       "options": [{"code": "store", "label": {"en": "Store"}, "points": 1}, {"code": "app", "label": {"en": "App"}, "points": 2}]}
    ]},
    {"id": "b", "questions": [
      {"id": "liked", "kind": "multiple_choice", "label": {"en": "Liked?"},
       "options": [{"code": "price", "label": {"en": "Price"}, "points": 1}, {"code": "staff", "label": {"en": "Staff"}, "points": 2}]},
      {"id": "spent", "kind": "number", "min": 0, "max": 1000, "label": {"en": "Spent"}},
      {"id": "why", "kind": "text", "label": {"en": "Why?"}},
      {"id": "quality", "kind": "matrix", "required": true, "scale": {"from": 1, "to": 7}, "label": {"en": "Rate"},
       "rows": [{"id": "taste", "label": {"en": "Taste"}, "dimension": "service"}, {"id": "looks", "label": {"en": "Looks"}}]},
      {"id": "extra", "kind": "matrix", "scale": {"from": 0, "to": 3}, "label": {"en": "Extra"},
       "options": [{"code": "dk", "label": {"en": "Don't know"}, "non_scoring": true}],
       "rows": [{"id": "one", "label": {"en": "One"}}, {"id": "two", "label": {"en": "Two"}}, {"id": "three", "label": {"en": "Three"}}]}
    ]}
  ]
}`

func f64(v float64) *float64 { return &v }

// everyKindAnswers is a complete, valid response to everyKindJSON, in order.
func everyKindAnswers(rng *rand.Rand) []Answer {
	v := func(lo, hi int) *float64 { return f64(float64(lo + rng.IntN(hi-lo+1))) }
	return []Answer{
		{Question: "recommend", Value: v(0, 10)},
		{Question: "wait", Value: v(1, 5)},
		{Question: "satisfied", Value: v(1, 5)},
		{Question: "effort", Value: v(1, 5)},
		{Question: "channel", Option: "app"},
		{Question: "liked", Options: []string{"staff", "price"}},
		{Question: "spent", Value: f64(12.5)},
		{Question: "why", Text: "quick"},
		{Question: "quality", Row: "taste", Value: v(1, 7)},
		{Question: "quality", Row: "looks", Value: v(1, 7)},
		{Question: "extra", Row: "one", Value: v(0, 3)},
		{Question: "extra", Row: "two", Option: "dk"},
		{Question: "extra", Row: "three", Value: v(0, 3)},
	}
}

// servqualOptional is a SERVQUAL questionnaire whose items may be skipped or answered
// "don't know", on 1–7.
func servqualOptional(t *testing.T) *Survey {
	t.Helper()
	rows := make([]Row, ServqualItems)
	for k := range rows {
		rows[k] = Row{ID: fmt.Sprintf("i%02d", k+1), Label: Label{"en": fmt.Sprint("item ", k+1)}}
	}
	dk := []Option{{Code: "dk", Label: Label{"en": "Don't know"}, NonScoring: true}}
	scale := &Scale{From: 1, To: 7}
	s, err := Compile(Spec{ID: "servqual", Version: 3, Locale: "en", Title: Label{"en": "SERVQUAL"},
		Sections: []Section{{ID: "s", Questions: []Question{
			{ID: "overall", Kind: Likert, Required: true, Scale: scale, Label: Label{"en": "Overall"}},
			{ID: "expect", Kind: Matrix, Scale: scale, Rows: rows, Options: dk, Label: Label{"en": "Expect"}},
			{ID: "perceive", Kind: Matrix, Scale: scale, Rows: rows, Options: dk, Label: Label{"en": "Perceive"}},
		}}}})
	require.NoError(t, err)
	return s
}

func servqualOptionalAnswers(rng *rand.Rand) []Answer {
	out := []Answer{{Question: "overall", Value: f64(float64(1 + rng.IntN(7)))}}
	for _, q := range []string{"expect", "perceive"} {
		for k := range ServqualItems {
			a := Answer{Question: q, Row: fmt.Sprintf("i%02d", k+1), Value: f64(float64(1 + rng.IntN(7)))}
			switch rng.IntN(20) {
			case 0:
				continue // skipped
			case 1:
				a.Value, a.Option = nil, "dk"
			}
			out = append(out, a)
		}
	}
	return out
}

// mutate breaks or reshuffles a response in one of many ways, most of which make it
// invalid; some keep it valid but take it off the one-pass check.
func mutate(rng *rand.Rand, as []Answer) []Answer {
	as = slices.Clone(as)
	if len(as) == 0 {
		return as
	}
	i := rng.IntN(len(as))
	a := &as[i]
	switch rng.IntN(18) {
	case 0: // drop an answer, perhaps a required one
		return slices.Delete(as, i, i+1)
	case 17: // cut short, perhaps before a required question
		return as[:i]
	case 1: // out of order
		j := rng.IntN(len(as))
		as[i], as[j] = as[j], as[i]
	case 2: // answered twice
		return slices.Insert(as, rng.IntN(len(as)+1), as[i])
	case 3:
		a.Value = f64(99)
	case 4:
		a.Value = f64(2.5)
	case 5:
		a.Value = f64(math.NaN())
	case 6:
		a.Value = f64(math.Inf(-1))
	case 7: // not applicable, where the question may or may not offer it
		a.Value, a.Option = nil, "na"
	case 8:
		a.Option = "nope"
	case 9:
		a.Text = "words"
	case 10:
		a.Row = "taste"
	case 11:
		a.Question = "unknown"
	case 12:
		a.Row = "i99"
	case 13:
		a.Row = ""
	case 14:
		a.Options = []string{"price", "price"}
	case 15:
		a.Value = nil
	case 16: // a whole response in reverse order: valid, but not in the questionnaire's order
		slices.Reverse(as)
	}
	return as
}

// TestQuickCheckAgreesWithTheFullCheck holds the one-pass check of plainly valid answers
// against the full check: on valid, reordered and broken responses, Check reports exactly
// what the full check reports, and the one-pass check accepts only what the full check
// finds valid, recording the same slots.
func TestQuickCheckAgreesWithTheFullCheck(t *testing.T) {
	everyKind, err := Load(strings.NewReader(everyKindJSON))
	require.NoError(t, err)
	tests := []struct {
		name     string
		s        *Survey
		complete func(*rand.Rand) []Answer
	}{
		{"every kind", everyKind, everyKindAnswers},
		{"servqual", servqualOptional(t), servqualOptionalAnswers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, tt.s.quick)
			rng := rand.New(rand.NewPCG(1, 2))
			var quick, fullValid, invalid int
			for n := range 20_000 {
				as := tt.complete(rng)
				for range rng.IntN(3) {
					as = mutate(rng, as)
				}
				var want kehu.Problems
				wantAt := make([]int32, len(as))
				tt.s.checkAll(&want, as, wantAt)
				wantErr := want.Err()

				at := make([]int32, len(as))
				ok := tt.s.quickCheck(as, at)
				if ok {
					quick++
					require.NoError(t, wantErr, "response %d: %+v", n, as)
					require.Equal(t, wantAt, at, "response %d", n)
				} else if wantErr == nil {
					fullValid++
				} else {
					invalid++
				}
				var got kehu.Problems
				at = make([]int32, len(as))
				tt.s.check(&got, as, at)
				require.Equal(t, wantErr, got.Err(), "response %d", n)
				require.Equal(t, wantErr, tt.s.Check(as), "response %d", n)
				if wantErr == nil {
					require.Equal(t, wantAt, at, "response %d", n)
				}
			}
			t.Logf("one pass %d, full check valid %d, invalid %d", quick, fullValid, invalid)
			assert.Greater(t, quick, 1000)
			assert.Greater(t, fullValid, 100)
			assert.Greater(t, invalid, 1000)
		})
	}
	t.Run("a condition", func(t *testing.T) {
		s, err := Load(strings.NewReader(`{"id": "c", "version": 1, "locale": "en", "title": {"en": "C"},
		  "sections": [{"id": "a", "questions": [
		    {"id": "recommend", "kind": "nps", "required": true, "label": {"en": "Recommend?"}},
		    {"id": "why", "kind": "text", "visible_if": "recommend <= 6", "label": {"en": "Why?"}}]}]}`))
		require.NoError(t, err)
		assert.False(t, s.quick)
		as := []Answer{{Question: "recommend", Value: f64(9)}, {Question: "why", Text: "no"}}
		assert.False(t, s.quickCheck(as, nil))
		var ve *kehu.ValidationError
		require.ErrorAs(t, s.Check(as), &ve)
		assert.Equal(t, "hidden", ve.Fields[0].Rule)
	})
}

// TestServqualAgreesWithAPlainComputation computes SERVQUAL over responses with skipped
// and "don't know" items and varied weights in two ways: through Survey.Servqual, and
// plainly — each response checked in full, its answers read by question and row, the
// weighted item means and each respondent's outcome given to the Servqual function. The
// two agree exactly; and a response of another version, or one that no longer validates,
// is refused the same way by both.
func TestServqualAgreesWithAPlainComputation(t *testing.T) {
	s := servqualOptional(t)
	ref := *s
	ref.quick = false // the full check, always
	rng := rand.New(rand.NewPCG(3, 4))
	var rs []*Response
	for i := range 5000 {
		r := &Response{ID: ResponseIDFrom(uuid.UUID{14: byte(i >> 8), 15: byte(i)}), Survey: "servqual", Version: 3, Weight: 0.5 + rng.Float64(), Answers: servqualOptionalAnswers(rng)}
		if i%7 == 0 {
			slices.Reverse(r.Answers) // valid, in another order
		}
		if i%11 == 0 { // whole dimensions left unanswered: no outcome for the respondent
			r.Answers = slices.DeleteFunc(r.Answers, func(a Answer) bool { return a.Question == "perceive" && a.Row < "i05" })
		}
		rs = append(rs, r)
	}
	importance := []float64{10, 30, 20, 20, 20}
	got, err := s.Servqual(slices.Values(rs), "expect", "perceive", importance)
	require.NoError(t, err)

	var sumE, sumP, wE, wP [ServqualItems]float64
	outcomes := map[Outcome]int{}
	b := Bounds{Min: 1, Max: 7}
	for _, r := range rs {
		var ve, vp [ServqualItems]float64
		var me, mp [ServqualItems]bool
		for k := range ServqualItems {
			me[k], mp[k] = true, true
		}
		require.NoError(t, ref.Check(r.Answers))
		for _, a := range r.Answers {
			if a.Value == nil || a.Row == "" {
				continue
			}
			var k int
			_, err := fmt.Sscanf(a.Row, "i%02d", &k)
			require.NoError(t, err)
			switch a.Question {
			case "expect":
				ve[k-1], me[k-1] = *a.Value, false
			case "perceive":
				vp[k-1], mp[k-1] = *a.Value, false
			}
		}
		for k := range ServqualItems {
			if !me[k] {
				sumE[k] += r.Weight * ve[k]
				wE[k] += r.Weight
			}
			if !mp[k] {
				sumP[k] += r.Weight * vp[k]
				wP[k] += r.Weight
			}
		}
		if own, err := Servqual(Column{Values: ve[:], Missing: me[:]}, Column{Values: vp[:], Missing: mp[:]}, b, nil); err == nil {
			outcomes[own.Outcome]++
		}
	}
	means := func(sum, w [ServqualItems]float64) Column {
		c := Column{Values: make([]float64, ServqualItems), Missing: make([]bool, ServqualItems)}
		for k := range ServqualItems {
			c.Values[k], c.Missing[k] = sum[k]/w[k], w[k] == 0
		}
		return c
	}
	want, err := Servqual(means(sumE, wE), means(sumP, wP), b, importance)
	require.NoError(t, err)
	assert.Equal(t, want, got.ServqualResult)
	assert.Equal(t, outcomes, got.Outcomes)
	assert.Equal(t, len(rs), got.N)
	assert.Len(t, outcomes, 3, "every outcome occurs")

	refGot, err := ref.Servqual(slices.Values(rs), "expect", "perceive", importance)
	require.NoError(t, err)
	assert.Equal(t, refGot, got)

	// Responses that are refused, by both, with the same error.
	broken := func(edit func(r *Response)) []*Response {
		r := rs[1].Clone()
		edit(r)
		return []*Response{rs[0], r, rs[2]}
	}
	for name, bad := range map[string][]*Response{
		"another version": broken(func(r *Response) { r.Version = 2 }),
		"another survey":  broken(func(r *Response) { r.Survey = "other" }),
		"nil":             {rs[0], nil},
		"out of range":    broken(func(r *Response) { r.Answers[3].Value = f64(8) }),
		"fraction":        broken(func(r *Response) { r.Answers[3].Value = f64(6.5) }),
		"answered twice":  broken(func(r *Response) { r.Answers = append(r.Answers, r.Answers[2]) }),
		"unknown row":     broken(func(r *Response) { r.Answers[4].Row = "i23" }),
		"unknown option":  broken(func(r *Response) { r.Answers[4].Value, r.Answers[4].Option = nil, "na" }),
		"required":        broken(func(r *Response) { r.Answers = slices.Delete(r.Answers, 0, 1) }),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Servqual(slices.Values(bad), "expect", "perceive", nil)
			require.Error(t, err)
			_, refErr := ref.Servqual(slices.Values(bad), "expect", "perceive", nil)
			assert.Equal(t, refErr, err)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
			if bad[1] != nil && bad[1].Version == 3 && bad[1].Survey == "servqual" {
				var ve *kehu.ValidationError
				require.True(t, errors.As(err, &ve))
				assert.Equal(t, ref.Check(bad[1].Answers), s.Check(bad[1].Answers))
				assert.Contains(t, err.Error(), "survey: response 1 (")
			}
		})
	}
}

// TestStatisticsAgreeWithTheFullCheck computes every statistic and score of the survey of
// every kind with the one-pass check and with the full check only: they agree exactly.
func TestStatisticsAgreeWithTheFullCheck(t *testing.T) {
	s, err := Load(strings.NewReader(everyKindJSON))
	require.NoError(t, err)
	ref := *s
	ref.quick = false
	rng := rand.New(rand.NewPCG(5, 6))
	var rs []*Response
	for i := range 500 {
		as := everyKindAnswers(rng)
		if i%5 == 0 {
			as[1].Value, as[1].Option = nil, "na" // wait: not applicable
		}
		if i%3 == 0 {
			as = slices.DeleteFunc(as, func(a Answer) bool { return a.Question == "wait" || a.Question == "extra" && a.Row == "one" })
		}
		if i%4 == 0 {
			slices.Reverse(as)
		}
		rs = append(rs, &Response{Survey: "every-kind", Version: 2, Weight: 1 + float64(i%3), Answers: as})
	}
	for _, r := range rs {
		got, err := s.Score(r)
		require.NoError(t, err)
		want, err := ref.Score(r)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	all := slices.Values(rs)
	for _, q := range []struct{ question, row string }{{"recommend", ""}, {"wait", ""}, {"quality", "taste"}, {"extra", "one"}} {
		col, w, err := s.Answers(all, q.question, q.row)
		require.NoError(t, err)
		refCol, refW, err := ref.Answers(all, q.question, q.row)
		require.NoError(t, err)
		assert.Equal(t, refCol, col)
		assert.Equal(t, refW, w)
	}
	nps, err := s.NPS(all, "recommend", 0.95)
	require.NoError(t, err)
	refNPS, err := ref.NPS(all, "recommend", 0.95)
	require.NoError(t, err)
	assert.Equal(t, refNPS, nps)
	alpha, err := s.Alpha(all, "service", Pairwise)
	require.NoError(t, err)
	refAlpha, err := ref.Alpha(all, "service", Pairwise)
	require.NoError(t, err)
	assert.Equal(t, refAlpha, alpha)
}

// FuzzQuickCheck: whatever the answers, Check on a survey without conditions reports
// exactly what the full check reports, and the one-pass check accepts only answers the
// full check finds valid.
func FuzzQuickCheck(f *testing.F) {
	s, err := Load(strings.NewReader(everyKindJSON))
	if err != nil {
		f.Fatal(err)
	}
	seed, _ := json.Marshal(everyKindAnswers(rand.New(rand.NewPCG(7, 8))))
	f.Add(seed)
	f.Add([]byte(`[{"question":"recommend","value":10},{"question":"satisfied","value":4.0000001},{"question":"quality","row":"taste","value":1},{"question":"quality","row":"looks","value":7}]`))
	f.Add([]byte(`[{"question":"recommend","value":0},{"question":"satisfied","value":1},{"question":"quality","row":"looks","value":1},{"question":"quality","row":"taste","value":7},{"question":"extra","row":"two","option":"dk"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var answers []Answer
		if json.Unmarshal(data, &answers) != nil {
			return
		}
		var want kehu.Problems
		wantAt := make([]int32, len(answers))
		s.checkAll(&want, answers, wantAt)
		at := make([]int32, len(answers))
		if s.quickCheck(answers, at) {
			if err := want.Err(); err != nil {
				t.Fatalf("the one-pass check accepted what the full check refuses: %v", err)
			}
			if !slices.Equal(at, wantAt) {
				t.Fatalf("slots %v, the full check found %v", at, wantAt)
			}
		}
		var got kehu.Problems
		s.check(&got, answers, nil)
		if !reflect.DeepEqual(got.Err(), want.Err()) {
			t.Fatalf("check reported %v, the full check %v", got.Err(), want.Err())
		}
	})
}
