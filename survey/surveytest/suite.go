package surveytest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/survey"
)

type (
	test  = suite.Test[*harness]
	group = suite.Group[*harness]
)

// harness is one test's store and the values it makes.
type harness struct {
	t   *testing.T
	ctx context.Context
	s   survey.Store
	ids *kehu.SeqIDs
	at  time.Time
	// newStore makes another empty store, for a test that needs more than s.
	newStore func(t *testing.T) survey.Store
}

// Run checks that the stores made by newStore keep every contract written on
// survey.Store: versions (immutable, every field kept, oldest first), responses (every
// field kept, by ID and by key, one per key also under concurrent writers, keys refused as
// kehu.CheckKey refuses them), listings (order, version and time filters, paging), copies
// in and out, and not-found. The Text group checks, through survey.Service, that text no
// store keeps as given is refused and writes nothing. The Sequences group then runs random sequences of commands
// through survey.Service over the store and over the memory store side by side, which
// must give the same answers, versions, responses and figures at every step;
// KEHU_SURVEY_SEQ_SEQS, KEHU_SURVEY_SEQ_STEPS and KEHU_SURVEY_SEQ_SEED run more or other
// sequences.
//
// newStore is called once per leaf subtest, and once more per sequence of the Sequences
// group, and must return an empty store each time. Run it with -race.
func Run(t *testing.T, newStore func(t *testing.T) survey.Store) {
	t.Helper()
	suite.Run(t, []group{
		{Name: "Versions", Tests: []test{
			{Name: "RoundTrip", Run: testVersionRoundTrip},
			{Name: "Immutable", Run: testVersionImmutable},
			{Name: "NotFound", Run: testVersionNotFound},
		}},
		{Name: "Responses", Tests: []test{
			{Name: "RoundTrip", Run: testResponseRoundTrip},
			{Name: "OnePerKey", Run: testResponseOnePerKey},
			{Name: "ConcurrentKey", Run: testResponseConcurrentKey},
			{Name: "BadKeys", Run: testResponseBadKeys},
			{Name: "Listing", Run: testResponseListing},
			{Name: "Copies", Run: testResponseCopies},
			{Name: "NotFound", Run: testResponseNotFound},
		}},
		{Name: "Text", Tests: []test{
			{Name: "ServiceRefusesBadText", Run: testServiceRefusesBadText},
		}},
		{Name: "Sequences", Tests: sequenceTests()},
	}, func(t *testing.T) *harness {
		return &harness{t: t, ctx: context.Background(), s: newStore(t), ids: kehu.NewSeqIDs(), at: suite.Start(), newStore: newStore}
	})
}

// fullSpec is a questionnaire with every field set (checked by reflection).
func fullSpec(id string, version int) survey.Spec {
	lo, hi := 1.0, 100.0
	return survey.Spec{
		ID: id, Version: version, Locale: "zh", Title: survey.Label{"zh": "调查", "en": "Survey"},
		Dimensions: []survey.Dimension{{ID: "service", Label: survey.Label{"zh": "服务"}, Weight: 0.5}},
		Bands:      []survey.Band{{From: 0.5, To: 60, Message: "需要改进"}, {From: 60, To: 101, Message: "良好"}},
		Sections: []survey.Section{{ID: "s1", Title: survey.Label{"zh": "第一部分"}, Questions: []survey.Question{{
			ID: "q1", Kind: survey.Matrix, Label: survey.Label{"zh": "请评价"}, Required: true,
			Scale:     &survey.Scale{From: 1, To: 5, Labels: map[int]survey.Label{1: {"zh": "差"}}},
			Satisfied: []int{4, 5}, Effort: survey.EasyHigh, Aggregate: survey.CESNetEasy,
			Options: []survey.Option{{Code: "na", Label: survey.Label{"zh": "不适用"}, Points: 1, NonScoring: true}},
			Min:     &lo, Max: &hi,
			Rows:    []survey.Row{{ID: "r1", Label: survey.Label{"zh": "口味"}, Reverse: true, Dimension: "service"}},
			Reverse: true, Weight: 2, Dimension: "service", VisibleIf: "true",
		}}}},
	}
}

// fullResponse is a response with every field set.
func (h *harness) fullResponse(survey_ string, version int, key string) *survey.Response {
	v := 4.0
	return &survey.Response{
		ID: survey.ResponseIDFrom(h.ids.NewID()), Survey: survey_, Version: version,
		Customer: kehu.CustomerIDFrom(h.ids.NewID()), Channel: "email",
		Trigger: survey.Trigger{Kind: "purchase", Ref: "SO-1"}, Weight: 1.5,
		Answers:     []survey.Answer{{Question: "q1", Row: "r1", Value: &v, Option: "na", Options: []string{"a", "b"}, Text: "好"}},
		SubmittedAt: h.at, Key: key, Digest: "digest-" + key,
	}
}

func (h *harness) add(r *survey.Response) {
	h.t.Helper()
	require.NoError(h.t, h.s.AddResponse(h.ctx, r), "AddResponse %s", r.Key)
}

func testVersionRoundTrip(t *testing.T, h *harness) {
	v := survey.Version{Spec: fullSpec("s", 1), PublishedAt: h.at}
	suite.RequireEveryFieldSet(t, v)
	require.NoError(t, h.s.PutVersion(h.ctx, v))
	got, err := h.s.Version(h.ctx, "s", 1)
	require.NoError(t, err)
	assert.Equal(t, v.Spec, got.Spec, "Version returns every field of the spec")
	assert.True(t, v.PublishedAt.Equal(got.PublishedAt), "Version returns PublishedAt")
	suite.RequireUTC(t, got, "Version")
	v2 := survey.Version{Spec: fullSpec("s", 2), PublishedAt: h.at.Add(time.Hour)}
	require.NoError(t, h.s.PutVersion(h.ctx, v2))
	all, err := h.s.Versions(h.ctx, "s")
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []int{1, 2}, []int{all[0].Spec.Version, all[1].Spec.Version}, "Versions lists oldest first")
	assert.Equal(t, v.Spec, all[0].Spec, "Versions returns every field of the spec")
	assert.True(t, v.PublishedAt.Equal(all[0].PublishedAt), "Versions returns PublishedAt")
	suite.RequireUTC(t, all, "Versions")
}

func testVersionImmutable(t *testing.T, h *harness) {
	v := survey.Version{Spec: fullSpec("s", 1), PublishedAt: h.at}
	require.NoError(t, h.s.PutVersion(h.ctx, v))
	other := survey.Version{Spec: fullSpec("s", 1), PublishedAt: h.at.Add(time.Hour)}
	other.Spec.Locale = "en"
	assert.ErrorIs(t, h.s.PutVersion(h.ctx, other), kehu.ErrDuplicate, "PutVersion of a stored version")
	got, err := h.s.Version(h.ctx, "s", 1)
	require.NoError(t, err)
	assert.Equal(t, "zh", got.Spec.Locale, "a refused PutVersion writes nothing")
}

func testVersionNotFound(t *testing.T, h *harness) {
	_, err := h.s.Version(h.ctx, "nope", 1)
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	all, err := h.s.Versions(h.ctx, "nope")
	require.NoError(t, err, "Versions of an unknown survey is empty, not an error")
	assert.Empty(t, all)
}

func testResponseRoundTrip(t *testing.T, h *harness) {
	r := h.fullResponse("s", 1, "k-1")
	suite.RequireEveryFieldSet(t, r)
	h.add(r)
	got, err := h.s.Response(h.ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r, got, "Response returns every field")
	byKey, err := h.s.ResponseByKey(h.ctx, "s", "k-1")
	require.NoError(t, err)
	assert.Equal(t, r, byKey, "ResponseByKey returns every field")
	suite.RequireUTC(t, got, "Response")
	page, err := h.s.Responses(h.ctx, "s", survey.ResponseQuery{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, r, page.Items[0], "Responses returns every field")
}

func testResponseOnePerKey(t *testing.T, h *harness) {
	h.add(h.fullResponse("s", 1, "k"))
	again := h.fullResponse("s", 1, "k")
	assert.ErrorIs(t, h.s.AddResponse(h.ctx, again), kehu.ErrDuplicate, "a second response with the key")
	_, err := h.s.Response(h.ctx, again.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused AddResponse writes nothing")
	h.add(h.fullResponse("other", 1, "k")) // keys are per survey
	exact := h.fullResponse("s", 1, "K")
	h.add(exact) // keys are compared byte for byte
	got, err := h.s.ResponseByKey(h.ctx, "s", "K")
	require.NoError(t, err)
	assert.Equal(t, exact.ID, got.ID)
}

func testResponseConcurrentKey(t *testing.T, h *harness) {
	const n = 16
	errs := suite.Parallel(n, func(i int) error { return h.s.AddResponse(h.ctx, h.fullResponse("s", 1, "same")) })
	suite.ExactlyOne(t, errs, "AddResponse racing on one key")
	for _, err := range errs {
		if err != nil {
			assert.ErrorIs(t, err, kehu.ErrDuplicate)
		}
	}
	page, err := h.s.Responses(h.ctx, "s", survey.ResponseQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

func testResponseBadKeys(t *testing.T, h *harness) {
	for _, bk := range append([]suite.BadKey{{Key: "", Rule: "required"}}, suite.BadKeys()...) {
		err := h.s.AddResponse(h.ctx, h.fullResponse("s", 1, bk.Key))
		suite.RequireBadKey(t, err, bk.Rule, fmt.Sprintf("AddResponse with key %q", bk.Key))
	}
	page, err := h.s.Responses(h.ctx, "s", survey.ResponseQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "refused keys write nothing")
}

func testResponseListing(t *testing.T, h *harness) {
	var want []survey.ResponseID
	for i := range 25 {
		r := h.fullResponse("s", 1+i%2, fmt.Sprint("k-", i))
		r.SubmittedAt = h.at.Add(time.Duration(i) * time.Minute)
		h.add(r)
		want = append(want, r.ID)
	}
	h.add(h.fullResponse("other", 1, "k-x"))
	ids := func(rs []*survey.Response) []survey.ResponseID {
		out := make([]survey.ResponseID, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out
	}
	all := suite.Walk(t, "Responses", 7, 25, func(pr kehu.PageRequest) (kehu.Page[*survey.Response], error) {
		return h.s.Responses(h.ctx, "s", survey.ResponseQuery{PageRequest: pr})
	}, nil)
	assert.Equal(t, want, ids(all), "Responses lists in the order stored, across pages")

	v2 := suite.Walk(t, "Responses of version 2", 4, 12, func(pr kehu.PageRequest) (kehu.Page[*survey.Response], error) {
		return h.s.Responses(h.ctx, "s", survey.ResponseQuery{Version: 2, PageRequest: pr})
	}, nil)
	assert.Len(t, v2, 12, "the version filter")
	for _, r := range v2 {
		assert.Equal(t, 2, r.Version)
	}
	window, err := h.s.Responses(h.ctx, "s", survey.ResponseQuery{From: h.at.Add(5 * time.Minute), To: h.at.Add(10 * time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, want[5:10], ids(window.Items), "From ≤ SubmittedAt < To")
	_, err = h.s.Responses(h.ctx, "s", survey.ResponseQuery{PageRequest: kehu.PageRequest{After: "not a cursor"}})
	var verr *kehu.ValidationError
	if assert.ErrorAs(t, err, &verr, "a cursor the store did not make") {
		assert.True(t, verr.Has("after", ""), "a bad cursor is refused on field after, got %v", err)
	}
}

func testResponseCopies(t *testing.T, h *harness) {
	r := h.fullResponse("s", 1, "k")
	h.add(r)
	want := *r.Clone()
	*r.Answers[0].Value = 1
	r.Answers[0].Options[0] = "changed"
	got, err := h.s.Response(h.ctx, want.ID)
	require.NoError(t, err)
	assert.Equal(t, &want, got, "the store keeps no pointer it was given")
	*got.Answers[0].Value = 2
	got.Answers[0].Options[1] = "changed"
	again, err := h.s.Response(h.ctx, want.ID)
	require.NoError(t, err)
	assert.Equal(t, &want, again, "the store returns no pointer it keeps")

	v := survey.Version{Spec: fullSpec("s", 1), PublishedAt: h.at}
	require.NoError(t, h.s.PutVersion(h.ctx, v))
	v.Spec.Title["zh"] = "changed"
	gotV, err := h.s.Version(h.ctx, "s", 1)
	require.NoError(t, err)
	assert.Equal(t, "调查", gotV.Spec.Title["zh"], "a version's labels are not shared with the caller")
}

func testResponseNotFound(t *testing.T, h *harness) {
	_, err := h.s.Response(h.ctx, survey.ResponseIDFrom(h.ids.NewID()))
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	_, err = h.s.ResponseByKey(h.ctx, "s", "nope")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	page, err := h.s.Responses(h.ctx, "nope", survey.ResponseQuery{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}
