package survey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// afterPurchaseJSON is a questionnaire after a purchase: every kind of question, a
// reverse-keyed item with a "not applicable" answer, and a follow-up shown to detractors.
const afterPurchaseJSON = `{
  "id": "after-purchase", "version": 1, "locale": "zh",
  "title": {"zh": "购物后调查", "en": "After your purchase"},
  "dimensions": [{"id": "service", "label": {"zh": "服务", "en": "Service"}, "weight": 0.6},
                 {"id": "product", "label": {"zh": "产品", "en": "Product"}, "weight": 0.4}],
  "bands": [{"from": 0, "to": 60, "message": "needs work"}, {"from": 60, "to": 85, "message": "good"},
            {"from": 85, "to": 101, "message": "excellent"}],
  "sections": [
    {"id": "overall", "questions": [
      {"id": "recommend", "kind": "nps", "required": true, "label": {"zh": "您向朋友推荐我们的可能性有多大？", "en": "How likely are you to recommend us?"}},
      {"id": "why", "kind": "text", "visible_if": "recommend <= 6", "label": {"zh": "我们哪里做得不好？"}},
      {"id": "satisfied", "kind": "csat", "required": true, "dimension": "service", "label": {"zh": "您对本次购物满意吗？"}},
      {"id": "easy", "kind": "ces", "effort": "easy_high", "scale": {"from": 1, "to": 7}, "label": {"zh": "我们让事情变得很容易"}}
    ]},
    {"id": "details", "questions": [
      {"id": "wait", "kind": "likert", "reverse": true, "dimension": "service", "weight": 2,
       "scale": {"from": 1, "to": 5, "labels": {"1": {"zh": "非常不同意"}, "5": {"zh": "非常同意"}}},
       "options": [{"code": "na", "label": {"zh": "不适用"}, "non_scoring": true}],
       "label": {"zh": "我等了很久"}},
      {"id": "channel", "kind": "single_choice", "label": {"zh": "您在哪里购买？"},
       "options": [{"code": "store", "label": {"zh": "门店"}}, {"code": "app", "label": {"zh": "App"}}]},
      {"id": "liked", "kind": "multiple_choice", "label": {"zh": "您喜欢什么？"},
       "options": [{"code": "price", "label": {"zh": "价格"}, "points": 1}, {"code": "staff", "label": {"zh": "员工"}, "points": 2}]},
      {"id": "spent", "kind": "number", "min": 0, "max": 100000, "label": {"zh": "您花了多少钱？"}},
      {"id": "quality", "kind": "matrix", "required": true, "scale": {"from": 1, "to": 7}, "label": {"zh": "请评价"},
       "rows": [{"id": "taste", "label": {"zh": "口味"}, "dimension": "product"}, {"id": "looks", "label": {"zh": "外观"}, "dimension": "product"}]}
    ]}
  ]
}`

func load(t *testing.T) *survey.Survey {
	t.Helper()
	s, err := survey.Load(strings.NewReader(afterPurchaseJSON))
	require.NoError(t, err)
	return s
}

func num(v float64) *float64 { return &v }

// promoter is a complete, valid set of answers of a promoter.
func promoter() []survey.Answer {
	return []survey.Answer{
		{Question: "recommend", Value: num(9)},
		{Question: "satisfied", Value: num(5)},
		{Question: "easy", Value: num(6)},
		{Question: "wait", Option: "na"},
		{Question: "channel", Option: "store"},
		{Question: "liked", Options: []string{"price", "staff"}},
		{Question: "spent", Value: num(128.5)},
		{Question: "quality", Row: "taste", Value: num(7)},
		{Question: "quality", Row: "looks", Value: num(6)},
	}
}

func TestLoadCompilesAQuestionnaire(t *testing.T) {
	s := load(t)
	assert.Equal(t, "after-purchase", s.ID())
	assert.Equal(t, 1, s.Version())
	assert.Equal(t, []string{"recommend", "why", "satisfied", "easy", "wait", "channel", "liked", "spent", "quality"}, s.QuestionIDs())
	q, ok := s.Question("satisfied")
	require.True(t, ok)
	assert.Equal(t, []int{4, 5}, q.Satisfied, "CSAT's satisfied answers default to the top two of 1–5")
	assert.Equal(t, "How likely are you to recommend us?", mustQuestion(t, s, "recommend").Label.In("en", "zh"))
	assert.Equal(t, "我们哪里做得不好？", mustQuestion(t, s, "why").Label.In("en", "zh"), "no English: the default locale")

	// The compiled survey is its own, and its JSON loads back to the same survey.
	q.Satisfied[0] = 1
	assert.Equal(t, []int{4, 5}, mustQuestion(t, s, "satisfied").Satisfied)
	b, err := s.MarshalJSON()
	require.NoError(t, err)
	again, err := survey.Load(strings.NewReader(string(b)))
	require.NoError(t, err)
	assert.Equal(t, s.Spec(), again.Spec())
}

func mustQuestion(t *testing.T, s *survey.Survey, id string) survey.Question {
	t.Helper()
	q, ok := s.Question(id)
	require.True(t, ok, id)
	return q
}

func TestCompileReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name  string
		edit  string // replaces the first occurrence of the text before "=>" by the text after
		field string
		rule  string
	}{
		{"bad id", `"id": "after-purchase"=>"id": "After Purchase"`, "id", "format"},
		{"no version", `"version": 1=>"version": 0`, "version", "range"},
		{"no locale", `"locale": "zh"=>"locale": ""`, "locale", "required"},
		{"label without default text", `"title": {"zh": "购物后调查", "en": "After your purchase"}=>"title": {"en": "After"}`, "title", "required"},
		{"unknown kind", `"kind": "nps"=>"kind": "stars"`, "sections[0].questions[0].kind", "enum"},
		{"NPS on another scale", `"kind": "nps", "required": true=>"kind": "nps", "scale": {"from": 1, "to": 10}, "required": true`, "sections[0].questions[0].scale", "nps"},
		{"duplicate question", `"id": "why"=>"id": "recommend"`, "sections[0].questions[1].id", "unique"},
		{"question id not an identifier", `"id": "why"=>"id": "Why?"`, "sections[0].questions[1].id", "format"},
		{"condition on a later question", `"visible_if": "recommend <= 6"=>"visible_if": "satisfied <= 2"`, "sections[0].questions[1].visible_if", "expression"},
		{"condition not a bool", `"visible_if": "recommend <= 6"=>"visible_if": "recommend + 1"`, "sections[0].questions[1].visible_if", "expression"},
		{"satisfied outside the scale", `"kind": "csat", "required": true=>"kind": "csat", "satisfied": [5, 6], "required": true`, "sections[0].questions[2].satisfied[1]", "range"},
		{"CES without direction", `"effort": "easy_high", =>`, "sections[0].questions[3].effort", "required"},
		{"likert without scale", `"scale": {"from": 1, "to": 5, "labels": {"1": {"zh": "非常不同意"}, "5": {"zh": "非常同意"}}},=>`, "sections[1].questions[0].scale", "required"},
		{"scale upside down", `"scale": {"from": 1, "to": 7}, "label": {"zh": "我们=>"scale": {"from": 7, "to": 1}, "label": {"zh": "我们`, "sections[0].questions[3].scale", "range"},
		{"scoring option on a rating", `"non_scoring": true=>"non_scoring": false`, "sections[1].questions[0].options[0].non_scoring", "required"},
		{"unknown dimension", `"dimension": "service", "weight": 2=>"dimension": "price", "weight": 2`, "sections[1].questions[0].dimension", "unknown"},
		{"negative weight", `"weight": 2=>"weight": -2`, "sections[1].questions[0].weight", "range"},
		{"reverse-keyed choice", `"kind": "single_choice",=>"kind": "single_choice", "reverse": true,`, "sections[1].questions[1].reverse", "kind"},
		{"duplicate option", `{"code": "app", "label": {"zh": "App"}}=>{"code": "store", "label": {"zh": "App"}}`, "sections[1].questions[1].options[1].code", "unique"},
		{"bounds upside down", `"min": 0, "max": 100000=>"min": 10, "max": 1`, "sections[1].questions[3].max", "range"},
		{"matrix without rows", `"rows": [{"id": "taste", "label": {"zh": "口味"}, "dimension": "product"}, {"id": "looks", "label": {"zh": "外观"}, "dimension": "product"}]=>"rows": []`, "sections[1].questions[4].rows", "required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, to, _ := strings.Cut(tc.edit, "=>")
			require.Contains(t, afterPurchaseJSON, from, "test bug: nothing to edit")
			_, err := survey.Load(strings.NewReader(strings.Replace(afterPurchaseJSON, from, to, 1)))
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field, tc.rule), "want %s (%s), got %v", tc.field, tc.rule, err)
		})
	}
}

func TestLoadIsStrict(t *testing.T) {
	for name, text := range map[string]string{
		"unknown field": strings.Replace(afterPurchaseJSON, `"locale"`, `"lang": "zh", "locale"`, 1),
		"trailing data": afterPurchaseJSON + `{}`,
		"empty":         ``,
		"not an object": `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := survey.Load(strings.NewReader(text))
			assert.Nil(t, s)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
		})
	}
}

// A questionnaire that does not decode names each offending value by its path.
func TestLoadNamesTheJSONPath(t *testing.T) {
	tests := []struct {
		name              string
		edit              string // replaces the first occurrence of the text before "=>" by the text after
		field, rule, says string
	}{
		{"misspelt field", `"visible_if": "recommend <= 6", "label"=>"visible_if": "recommend <= 6", "labl"`,
			"sections[0].questions[1].labl", "unknown_field", `did you mean "label"?`},
		{"misspelt top-level field", `"locale": "zh"=>"locale": "zh", "locle": "zh"`,
			"locle", "unknown_field", `did you mean "locale"?`},
		{"string for a bool", `"kind": "nps", "required": true=>"kind": "nps", "required": "yes"`,
			"sections[0].questions[0].required", "type", "cannot hold a JSON string; want true or false"},
		{"scale label key not a point", `"labels": {"1": {"zh": "非常不同意"}=>"labels": {"one": {"zh": "非常不同意"}`,
			"sections[1].questions[0].scale.labels.one", "type", "want an integer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, to, _ := strings.Cut(tc.edit, "=>")
			require.Contains(t, afterPurchaseJSON, from, "test bug: nothing to edit")
			_, err := survey.Load(strings.NewReader(strings.Replace(afterPurchaseJSON, from, to, 1)))
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			require.Len(t, verr.Fields, 1, "%v", err)
			assert.Equal(t, tc.field, verr.Fields[0].Field)
			assert.Equal(t, tc.rule, verr.Fields[0].Rule)
			assert.Contains(t, verr.Fields[0].Message, tc.says)
		})
	}
	_, err := survey.Load(strings.NewReader(afterPurchaseJSON + `{}`))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("survey", "syntax"), "%v", err)
}

func TestCheckAnswers(t *testing.T) {
	s := load(t)
	require.NoError(t, s.Check(promoter()), "a promoter's answers")

	edit := func(f func([]survey.Answer) []survey.Answer) []survey.Answer { return f(promoter()) }
	tests := []struct {
		name    string
		answers []survey.Answer
		field   string
		rule    string
	}{
		{"unknown question", edit(func(a []survey.Answer) []survey.Answer {
			return append(a, survey.Answer{Question: "mood", Value: num(1)})
		}), "answers[9].question", "unknown"},
		{"answered twice", edit(func(a []survey.Answer) []survey.Answer {
			return append(a, survey.Answer{Question: "recommend", Value: num(10)})
		}), "answers[9]", "unique"},
		{"missing required", edit(func(a []survey.Answer) []survey.Answer { return a[1:] }), "answers.recommend", "required"},
		{"missing required matrix row", edit(func(a []survey.Answer) []survey.Answer { return a[:8] }), "answers.quality.looks", "required"},
		{"NPS out of range", edit(func(a []survey.Answer) []survey.Answer { a[0].Value = num(11); return a }), "answers[0].value", "range"},
		{"fractional NPS", edit(func(a []survey.Answer) []survey.Answer { a[0].Value = num(8.5); return a }), "answers[0].value", "integer"},
		{"NaN rating", edit(func(a []survey.Answer) []survey.Answer { a[1].Value = num(nanValue()); return a }), "answers[1].value", "integer"},
		{"hidden question answered", edit(func(a []survey.Answer) []survey.Answer {
			return append(a, survey.Answer{Question: "why", Text: "slow"})
		}), "answers[9]", "hidden"},
		{"unknown option", edit(func(a []survey.Answer) []survey.Answer { a[4].Option = "web"; return a }), "answers[4].option", "option"},
		{"scoring option for a rating", edit(func(a []survey.Answer) []survey.Answer { a[3].Option = "maybe"; return a }), "answers[3].option", "option"},
		{"value and option", edit(func(a []survey.Answer) []survey.Answer { a[3].Value = num(3); return a }), "answers[3].option", "kind"},
		{"choice chosen twice", edit(func(a []survey.Answer) []survey.Answer { a[5].Options = []string{"price", "price"}; return a }), "answers[5].options[1]", "unique"},
		{"number out of bounds", edit(func(a []survey.Answer) []survey.Answer { a[6].Value = num(-1); return a }), "answers[6].value", "range"},
		{"unknown row", edit(func(a []survey.Answer) []survey.Answer { a[7].Row = "smell"; return a }), "answers[7].row", "row"},
		{"text on a rating", edit(func(a []survey.Answer) []survey.Answer { a[1].Text = "great"; return a }), "answers[1].text", "kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Check(tc.answers)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field, tc.rule), "want %s (%s), got %v", tc.field, tc.rule, err)
		})
	}

	// A detractor sees the follow-up, and may answer it.
	detractor := promoter()
	detractor[0].Value = num(3)
	require.NoError(t, s.Check(append(detractor, survey.Answer{Question: "why", Text: "太慢了"})))
	require.NoError(t, s.Check(detractor), "the follow-up is not required")

	// Every problem at once.
	bad := promoter()
	bad[0].Value, bad[4].Option = num(12), "web"
	var verr *kehu.ValidationError
	require.ErrorAs(t, s.Check(bad), &verr)
	assert.Len(t, verr.Fields, 2)
}

func nanValue() float64 { var zero float64; return zero / zero }

func newService(t *testing.T) (*survey.Service, *survey.Survey, *kehu.Clock) {
	t.Helper()
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	svc := survey.NewService(nil, opts)
	s := load(t)
	published, err := svc.Publish(t.Context(), s.Spec())
	require.NoError(t, err)
	return svc, published, clock
}

func TestPublishKeepsVersionsImmutable(t *testing.T) {
	svc, s, _ := newService(t)
	again, err := svc.Publish(t.Context(), s.Spec())
	require.NoError(t, err, "the same spec again is the same version")
	assert.Equal(t, s.Spec(), again.Spec())

	changed := s.Spec()
	changed.Sections[0].Questions[0].Required = false
	_, err = svc.Publish(t.Context(), changed)
	assert.ErrorIs(t, err, kehu.ErrConflict, "another spec under a published version")

	changed.Version = 2
	v2, err := svc.Publish(t.Context(), changed)
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version())
	versions, err := svc.Store().Versions(t.Context(), "after-purchase")
	require.NoError(t, err)
	require.Len(t, versions, 2)
	assert.True(t, versions[0].Spec.Sections[0].Questions[0].Required, "version 1 is kept as it was")
}

func TestSubmit(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	sub := survey.Submission{Survey: "after-purchase", Version: 1, Channel: "email",
		Trigger: survey.Trigger{Kind: "purchase", Ref: "SO-1"}, Answers: promoter(), Key: "resp-1"}
	r, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, 1.0, r.Weight, "no weight is a weight of 1")
	assert.Same(t, time.UTC, r.SubmittedAt.Location())
	stored, err := svc.Response(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r, stored)

	again, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, r.ID, again.ID, "a repeat with the key returns the first response")

	other := sub
	other.Answers = promoter()
	other.Answers[0].Value = num(10)
	_, err = svc.Submit(ctx, other)
	assert.ErrorIs(t, err, kehu.ErrKeyReused)

	for name, bad := range map[string]survey.Submission{
		"no key":          {Survey: "after-purchase", Version: 1, Answers: promoter()},
		"library key":     {Survey: "after-purchase", Version: 1, Answers: promoter(), Key: "kehu:x"},
		"bad weight":      {Survey: "after-purchase", Version: 1, Answers: promoter(), Key: "w", Weight: -1},
		"bad answers":     {Survey: "after-purchase", Version: 1, Answers: promoter()[1:], Key: "a"},
		"unknown version": {Survey: "after-purchase", Version: 9, Answers: promoter(), Key: "v"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := svc.Submit(ctx, bad)
			require.Error(t, err)
			assert.True(t, errors.Is(err, kehu.ErrInvalid) || errors.Is(err, kehu.ErrNotFound), "%v", err)
		})
	}
	page, err := svc.Responses(ctx, "after-purchase", survey.ResponseQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "refused submissions wrote nothing")
}

// TestSubmitNegativeZero submits an answer of −0, which a client's JSON may carry: the
// response holds 0, the point of the scale, as every store gives it back (PostgreSQL's
// JSON has no −0), so exports and scores do not depend on the store; the caller's answers
// are left as they were; and a retry with 0 is the same submission, not a reused key.
func TestSubmitNegativeZero(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	answers := promoter()
	answers[0].Value = num(math.Copysign(0, -1)) // "recommend": 0 on the NPS scale
	sub := survey.Submission{Survey: "after-purchase", Version: 1, Answers: answers, Key: "neg-zero"}
	r, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	require.NotNil(t, r.Answers[0].Value)
	assert.False(t, math.Signbit(*r.Answers[0].Value), "the response holds 0, not −0")
	stored, err := svc.Response(ctx, r.ID)
	require.NoError(t, err)
	assert.False(t, math.Signbit(*stored.Answers[0].Value), "the stored response holds 0, not −0")
	assert.True(t, math.Signbit(*answers[0].Value), "the caller's answers are not changed")

	retry := sub
	retry.Answers = promoter()
	retry.Answers[0].Value = num(0)
	again, err := svc.Submit(ctx, retry)
	require.NoError(t, err, "0 and −0 are the same answer")
	assert.Equal(t, r.ID, again.ID)
}

// TestSubmissionWeightIsTheHosts decodes a respondent's request that sets its own weight:
// the weight is not read (one response would otherwise outweigh all the others in NPS and
// CSAT), the host's weight is, and a repeat under the same key with another weight is
// another submission.
func TestSubmissionWeightIsTheHosts(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	var sub survey.Submission
	require.NoError(t, json.Unmarshal([]byte(`{"survey": "after-purchase", "version": 1, "weight": 1000000}`), &sub))
	assert.Zero(t, sub.Weight, "a request does not set the weight")
	sub.Answers, sub.Key = promoter(), "weighed"
	r, err := svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, 1.0, r.Weight)

	sub.Weight, sub.Key = 2.5, "weighed-by-the-host"
	r, err = svc.Submit(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, 2.5, r.Weight, "the host's weight is kept")
	sub.Weight = 3
	_, err = svc.Submit(ctx, sub)
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "another weight under the same key is another submission")
}

// Two attempts of one submission racing each other store one response, and both get it.
func TestSubmitRetryRacingTheFirstAttempt(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	const n = 16
	ids := make([]survey.ResponseID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := svc.Submit(ctx, survey.Submission{Survey: "after-purchase", Version: 1, Answers: promoter(), Key: "same"})
			if assert.NoError(t, err) {
				ids[i] = r.ID
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		assert.Equal(t, ids[0], ids[i], "attempt %d", i)
	}
	page, err := svc.Responses(ctx, "after-purchase", survey.ResponseQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)

}

type followUps struct {
	mu      sync.Mutex
	reasons map[string][]survey.FollowUpReason
	calls   int
}

func (f *followUps) FollowUp(_ context.Context, r *survey.Response, reasons []survey.FollowUpReason) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reasons[r.Key] = reasons
	f.calls++
	return nil
}

func TestFollowUpForDetractorsAndUnsatisfied(t *testing.T) {
	svc, _, _ := newService(t)
	f := &followUps{reasons: map[string][]survey.FollowUpReason{}}
	svc = svc.WithFollowUp(f)
	submit := func(key string, recommend, satisfied float64) {
		t.Helper()
		a := promoter()
		a[0].Value, a[1].Value = num(recommend), num(satisfied)
		_, err := svc.Submit(t.Context(), survey.Submission{Survey: "after-purchase", Version: 1, Answers: a, Key: key})
		require.NoError(t, err)
	}
	submit("promoter", 9, 5)
	submit("passive", 7, 4)
	submit("detractor", 6, 4)
	submit("unsatisfied", 8, 3)
	submit("both", 0, 1)
	submit("detractor", 6, 4) // a repeat tells nothing new
	assert.Equal(t, map[string][]survey.FollowUpReason{
		"detractor":   {{Question: "recommend", Kind: survey.NPS, Value: 6}},
		"unsatisfied": {{Question: "satisfied", Kind: survey.CSAT, Value: 3}},
		"both":        {{Question: "recommend", Kind: survey.NPS, Value: 0}, {Question: "satisfied", Kind: survey.CSAT, Value: 1}},
	}, f.reasons)
	assert.Equal(t, 3, f.calls, "one call per new response that calls for it")
}

// Check reads answers in any order: the questionnaire's own order is only its fast path. Each
// case of TestCheckAnswers, shuffled, reports the same rules.
func TestCheckAnswersInAnyOrder(t *testing.T) {
	s := load(t)
	rng := rand.New(rand.NewPCG(1, 2))
	rules := func(err error) []string {
		var verr *kehu.ValidationError
		if !errors.As(err, &verr) {
			return nil
		}
		var out []string
		for _, f := range verr.Fields {
			out = append(out, f.Rule)
		}
		slices.Sort(out)
		return out
	}
	cases := [][]survey.Answer{promoter()}
	bad := promoter()
	bad[0].Value = num(11)
	cases = append(cases, bad, append(promoter(), survey.Answer{Question: "recommend", Value: num(10)}),
		append(promoter(), survey.Answer{Question: "quality", Row: "taste", Value: num(1)}),
		append(promoter()[:7], survey.Answer{Question: "quality", Row: "smell", Value: num(1)}))
	for i, answers := range cases {
		want := rules(s.Check(answers))
		for range 20 {
			shuffled := slices.Clone(answers)
			rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			assert.Equal(t, want, rules(s.Check(shuffled)), "case %d shuffled", i)
		}
	}
}

func TestCompileChecksBands(t *testing.T) {
	for name, bands := range map[string]string{
		"upside down": `"bands": [{"from": 60, "to": 0, "message": "x"}]`,
		"negative":    `"bands": [{"from": -1, "to": 10, "message": "x"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			text := strings.Replace(afterPurchaseJSON, `"bands": [{"from": 0, "to": 60, "message": "needs work"}, {"from": 60, "to": 85, "message": "good"},
            {"from": 85, "to": 101, "message": "excellent"}]`, bands, 1)
			require.NotEqual(t, afterPurchaseJSON, text, "test bug")
			_, err := survey.Load(strings.NewReader(text))
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("bands[0]", "range"), "%v", err)
		})
	}
}

func TestWriteVersionsJSON(t *testing.T) {
	svc, s, _ := newService(t)
	v2 := s.Spec()
	v2.Version = 2
	_, err := svc.Publish(t.Context(), v2)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, svc.WriteVersionsJSON(t.Context(), &buf, "after-purchase"))
	var got []survey.Version
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	require.Len(t, got, 2)
	assert.Equal(t, []int{1, 2}, []int{got[0].Spec.Version, got[1].Spec.Version})
	again, err := survey.Compile(got[0].Spec)
	require.NoError(t, err, "an archived version compiles again")
	assert.Equal(t, s.Spec(), again.Spec())

	buf.Reset()
	require.NoError(t, svc.WriteVersionsJSON(t.Context(), &buf, "nope"))
	assert.Equal(t, "[]\n", buf.String())
}
