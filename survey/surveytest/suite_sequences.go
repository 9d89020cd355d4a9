package surveytest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/survey"
)

// sequenceTests run random sequences of commands through survey.Service over the store
// under test and, side by side, over the memory store, and require the two to agree on
// everything a host can see: each publication's and submission's answer and error, the
// events and follow-ups they caused, the versions and responses as Version, Versions,
// Response, ResponseByKey and Responses return them, and the figures computed from them
// (NPS, CSAT, CES, alpha, importance–performance, each response's scores, the CSV
// export). The Service decides from what the store hands it (a key's first response, the
// version a response is checked against, after a restart read back from the store), so a
// store that loses or changes a field, a version or a response, or lists, filters or
// pages wrongly, answers some command or read differently; the first step where it does
// is reported with the seed that replays it.
func sequenceTests() []test {
	return []test{{Name: "SameAsMemoryStore", Run: testSequencesSameAsMemory}}
}

func testSequencesSameAsMemory(t *testing.T, h *harness) {
	suite.Sequences(t, "KEHU_SURVEY_SEQ", 6, 60, 20260301, func(t *testing.T, seed uint64, steps int, stats map[string]int) {
		// Each sequence on empty stores, released when it ends: the IDs of each start again.
		under := h.newStore(t)
		require.NotNil(t, under, "newStore returned a nil survey.Store")
		runPairedSequence(t, h.at, under, seed, steps, stats)
	})
}

// The surveys of a sequence: two that are published and answered, and one that never is.
var (
	sequenceSurveys = []string{"after-visit", "after-call"}
	neverPublished  = "ghost"
)

// maxVersion is the highest version a sequence publishes.
const maxVersion = 3

// pairedWorld is one sequence's two services, over the store under test and over a
// memory store, on clocks and ID sources that move together.
type pairedWorld struct {
	t      *testing.T
	ctx    context.Context
	rng    *rand.Rand
	opts   [2]*kehu.Options
	svcs   [2]*survey.Service // the store under test's, the memory store's
	stores [2]survey.Store
	clocks suite.Clocks
	heard  [2]*seqRecorder
	// specs are the questionnaires drawn for each survey's versions, variants another
	// questionnaire under the same version.
	specs, variants map[string][]survey.Spec
	customers       []kehu.CustomerID
	keys            map[string][]string // survey → keys submitted
	where           string
	n               int
}

// pairedCommand is one command, run on each service in turn: i is 0 for the store under
// test, 1 for the memory store.
type pairedCommand struct {
	name string
	run  func(i int) (any, error)
	// survey and key name the response a submission writes, whose reads are compared
	// after it.
	survey, key string
	// read marks a command that changes nothing, which is not retried.
	read bool
}

func runPairedSequence(t *testing.T, start time.Time, under survey.Store, seed uint64, steps int, stats map[string]int) {
	rng := rand.New(rand.NewPCG(seed, seed*31+7))
	w := &pairedWorld{t: t, ctx: t.Context(), rng: rng, specs: map[string][]survey.Spec{}, variants: map[string][]survey.Spec{},
		keys: map[string][]string{}}
	for _, id := range sequenceSurveys {
		for v := 1; v <= maxVersion; v++ {
			w.specs[id] = append(w.specs[id], sequenceSpec(rng, id, v))
			variant := sequenceSpec(rng, id, v)
			variant.Title = survey.Label{"en": "How was your visit? (revised)"}
			w.variants[id] = append(w.variants[id], variant)
		}
	}
	for i, s := range []survey.Store{under, survey.NewMemoryStore()} {
		opts, clock, _ := kehu.Deterministic(start)
		w.heard[i] = &seqRecorder{}
		opts.Events = w.heard[i]
		w.opts[i], w.stores[i], w.clocks[i] = opts, s, clock
	}
	w.restart()
	people := kehu.NewSeqIDsIn(0xC0)
	for range 4 {
		w.customers = append(w.customers, kehu.CustomerIDFrom(people.NewID()))
	}
	var done []pairedCommand // commands sent, for retries
	for step := range steps {
		w.where = fmt.Sprintf("seed %d, step %d", seed, step)
		c, ok := w.nextCommand(rng.IntN(100), done, stats)
		if !ok {
			continue
		}
		res, err := w.run(c)
		kind, _, _ := strings.Cut(c.name, " ")
		if c.read {
			kind = c.name
		}
		switch {
		case err != nil && !isNil(res) && !c.read:
			kind += " stored with an error"
		case err != nil:
			kind += " refused"
		}
		stats[kind]++
		if !c.read && !strings.HasPrefix(c.name, "retry") {
			done = append(done, c)
		}
		if t.Failed() {
			return
		}
	}
	w.where = fmt.Sprintf("seed %d, at the end", seed)
	w.compareEverything()
}

// restart makes both services anew over their stores, as a host does when it restarts:
// the versions they compiled are forgotten, and read back from the stores when needed.
func (w *pairedWorld) restart() {
	for i := range w.svcs {
		w.svcs[i] = survey.NewService(w.stores[i], w.opts[i]).WithFollowUp(w.heard[i])
	}
}

// nextCommand draws the command of one step from op (0–99). It returns false for a step
// that only moved the clocks or restarted the services, or that found nothing to do.
func (w *pairedWorld) nextCommand(op int, done []pairedCommand, stats map[string]int) (pairedCommand, bool) {
	rng := w.rng
	if op >= 12 && op < 62 && len(w.published(sequenceSurveys[0]))+len(w.published(sequenceSurveys[1])) == 0 && rng.IntN(3) > 0 {
		op = 0 // nothing to answer yet: publish first, mostly
	}
	switch {
	case op < 12:
		return w.publishCommand(), true
	case op < 62:
		return w.submitCommand(), true
	case op < 72:
		return w.figuresRead(), true
	case op < 75:
		w.restart()
		w.compare("after a restart", "", "")
		stats["restart"]++
		return pairedCommand{}, false
	case op < 83: // time passes: minutes, hours or days
		w.clocks.Advance(time.Duration(rng.Int64N(int64(pick(rng, time.Hour, 12*time.Hour, 72*time.Hour)))) + time.Duration(rng.IntN(1000)))
		w.compare("after the clock moved on", "", "")
		stats["clock"]++
		return pairedCommand{}, false
	case op < 87: // a clock behind another's: responses dated before earlier ones
		w.clocks.Advance(-time.Duration(1 + rng.Int64N(int64(36*time.Hour))))
		w.compare("after the clock moved back", "", "")
		stats["clock back"]++
		return pairedCommand{}, false
	case op < 97:
		if len(done) == 0 {
			return pairedCommand{}, false
		}
		c := done[rng.IntN(len(done))]
		c.name = "retry of " + c.name
		return c, true
	default:
		return w.strangerRead(), true
	}
}

// publishCommand publishes a version: mostly the next one of a survey as drawn; sometimes
// one published already (the same questionnaire, answered with the version as it is, or
// another, refused as a conflict), one out of order, or a questionnaire that does not
// compile.
func (w *pairedWorld) publishCommand() pairedCommand {
	rng := w.rng
	id := pick(rng, sequenceSurveys...)
	v := len(w.published(id)) + 1
	if v > maxVersion || rng.IntN(5) == 0 {
		v = 1 + rng.IntN(maxVersion)
	}
	spec := w.specs[id][v-1]
	name := fmt.Sprintf("publish %s version %d", id, v)
	switch rng.IntN(20) {
	case 0, 1:
		spec, name = w.variants[id][v-1], name+" (a variant)"
	case 2:
		spec.Sections = append(slices.Clone(spec.Sections), survey.Section{ID: "bad", Questions: []survey.Question{{ID: "Bad ID", Kind: survey.Text}}})
		name += " (which does not compile)"
	}
	return pairedCommand{name: name, run: func(i int) (any, error) {
		sv, err := w.svcs[i].Publish(w.ctx, spec)
		if sv == nil {
			return nil, err
		}
		return suite.Canonical(sv.Spec()), err
	}}
}

// submitCommand submits a response: mostly a valid one to a published version under a new
// key; sometimes partial, invalid, to a version or survey never published, under a key
// sent before (with the same payload or another), under the key of another survey's
// response, or under a key no command takes.
func (w *pairedWorld) submitCommand() pairedCommand {
	rng := w.rng
	var answerable []string
	for _, s := range sequenceSurveys {
		if len(w.published(s)) > 0 {
			answerable = append(answerable, s)
		}
	}
	id := pick(rng, sequenceSurveys...)
	if len(answerable) > 0 && rng.IntN(10) < 9 {
		id = pick(rng, answerable...) // mostly to a survey that can be answered
	}
	if rng.IntN(40) == 0 {
		id = neverPublished
	}
	version := 1 + rng.IntN(maxVersion)
	if pub := w.published(id); len(pub) > 0 && rng.IntN(10) < 9 {
		version = pick(rng, pub...).Spec.Version
	}
	if rng.IntN(60) == 0 {
		version = 0
	}
	// The answers are drawn from the questionnaire the version holds, or, for a version
	// not published, from the one drawn for it (or any other).
	spec := w.specs[sequenceSurveys[0]][0]
	if ref, err := w.stores[1].Version(w.ctx, id, version); err == nil {
		spec = ref.Spec
	} else if specs := w.specs[id]; version >= 1 && version <= len(specs) {
		spec = specs[version-1]
	}
	sub := survey.Submission{Survey: id, Version: version, Channel: pick(rng, "email", "app", "store", ""),
		Weight: pick(rng, 0.0, 0, 0, 1, 1.5, 0.25+rng.Float64()*3), Answers: w.answers(spec)}
	if rng.IntN(3) > 0 {
		sub.Customer = pick(rng, w.customers...)
	}
	if rng.IntN(2) == 0 {
		w.n++
		sub.Trigger = survey.Trigger{Kind: pick(rng, "purchase", "complaint_closed"), Ref: "SO-" + strconv.Itoa(w.n)}
	}
	if rng.IntN(50) == 0 {
		sub.Weight = pick(rng, -1.0, math.Inf(1))
	}
	other := w.keys[pick(rng, sequenceSurveys...)]
	switch k := rng.IntN(100); {
	case k < 6 && len(w.keys[id]) > 0:
		sub.Key = pick(rng, w.keys[id]...) // another payload under a key sent before: refused as reused
	case k < 10 && len(other) > 0:
		sub.Key = pick(rng, other...) // keys are per survey: another survey's key is free here
	case k < 13:
		keys := []string{"", kehu.LibraryKeyPrefix + "survey"}
		for _, bk := range suite.BadKeys() {
			keys = append(keys, bk.Key)
		}
		sub.Key = pick(rng, keys...)
	default:
		w.n++
		sub.Key = fmt.Sprintf("resp-%d", w.n)
	}
	if kehu.CheckHostKey("key", sub.Key) == nil && !slices.Contains(w.keys[id], sub.Key) {
		w.keys[id] = append(w.keys[id], sub.Key)
	}
	return pairedCommand{name: fmt.Sprintf("submit %s version %d %q", id, version, sub.Key), survey: id, key: sub.Key,
		run: func(i int) (any, error) {
			r, err := w.svcs[i].Submit(w.ctx, sub)
			if r == nil {
				return nil, err
			}
			return suite.Canonical(r), err
		}}
}

// answers draws answers to spec as a respondent gives them: every shown required
// question answered, others mostly, in the questionnaire's order mostly; now and then
// with a fault the check refuses, or with a value a client may send that is odd but
// valid (a negative zero).
func (w *pairedWorld) answers(spec survey.Spec) []survey.Answer {
	rng := w.rng
	var out []survey.Answer
	value := func(v float64) *float64 { return &v }
	recommend := math.NaN()
	for _, sec := range spec.Sections {
		for _, q := range sec.Questions {
			if q.VisibleIf != "" && !(recommend <= 6) {
				continue // shown only to a detractor
			}
			if !q.Required && rng.IntN(4) == 0 {
				continue
			}
			from, to := 1, 5
			if q.Scale != nil {
				from, to = q.Scale.From, q.Scale.To
			}
			if q.Kind == survey.NPS {
				from, to = 0, 10
			}
			a := survey.Answer{Question: q.ID}
			switch q.Kind {
			case survey.NPS, survey.CSAT, survey.CES, survey.Likert:
				v := float64(from + rng.IntN(to-from+1))
				a.Value = value(v)
				if len(q.Options) > 0 && rng.IntN(10) == 0 {
					a.Value, a.Option = nil, q.Options[0].Code // not applicable
				}
				if q.Kind == survey.NPS && a.Value != nil {
					recommend = v
				}
			case survey.Matrix:
				for _, r := range q.Rows {
					if q.Required || rng.IntN(6) > 0 {
						out = append(out, survey.Answer{Question: q.ID, Row: r.ID, Value: value(float64(from + rng.IntN(to-from+1)))})
					}
				}
				continue
			case survey.SingleChoice:
				a.Option = q.Options[rng.IntN(len(q.Options))].Code
			case survey.MultipleChoice:
				a.Options = []string{}
				for _, o := range q.Options {
					if rng.IntN(2) == 0 {
						a.Options = append(a.Options, o.Code)
					}
				}
			case survey.Number:
				lo, hi := -1000.0, 1000.0
				if q.Min != nil {
					lo = *q.Min
				}
				if q.Max != nil {
					hi = *q.Max
				}
				a.Value = value(pick(rng, lo, hi, math.Round(lo+rng.Float64()*(hi-lo)), lo+rng.Float64()*(hi-lo)))
			case survey.Text:
				a.Text = pick(rng, "很好", "The coffee was cold", "<b>bold</b> & \"quoted\"", "line one\nline two", "emoji 👍🏽", "tab\there", "\u2028separator")
			}
			out = append(out, a)
		}
	}
	if rng.IntN(10) == 0 {
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	if rng.IntN(25) == 0 {
		// A value a client may send as JSON "-0": a zero, but not the bits of 0.
		for i := range out {
			if out[i].Value != nil && *out[i].Value == 0 {
				out[i].Value = value(math.Copysign(0, -1))
			}
		}
	}
	if rng.IntN(8) == 0 && len(out) > 0 {
		i := rng.IntN(len(out))
		switch rng.IntN(7) {
		case 0:
			out[i].Value = value(pick(rng, 11.0, 7.5, -3, math.NaN()))
		case 1:
			out = append(out, survey.Answer{Question: "nope", Text: "?"})
		case 2:
			out = append(out, out[i])
		case 3:
			out = slices.Delete(out, i, i+1)
		case 4:
			out = append(out, survey.Answer{Question: "why", Text: "hidden, or answered twice"})
		case 5:
			out[i].Option = "maybe"
		default:
			out = append(out, survey.Answer{Question: "grid", Row: "smell", Value: value(3)})
		}
	}
	return out
}

// figuresRead computes, over the responses to a survey version as the service lists
// them, what a host reports: NPS, CSAT, CES, alpha, the importance–performance analysis,
// each response's scores, the CSV export and the versions as JSON.
func (w *pairedWorld) figuresRead() pairedCommand {
	rng := w.rng
	id := pick(rng, sequenceSurveys...)
	version := 1 + rng.IntN(maxVersion)
	if pub := w.published(id); len(pub) > 0 && rng.IntN(10) < 8 {
		version = pick(rng, pub...).Spec.Version
	}
	locale, level := pick(rng, "en", "zh", "fr"), pick(rng, 0.9, 0.95, 0.99)
	return pairedCommand{name: "read figures", read: true, run: func(i int) (any, error) {
		return w.figures(w.svcs[i], id, version, locale, level)
	}}
}

func (w *pairedWorld) figures(svc *survey.Service, id string, version int, locale string, level float64) (any, error) {
	var versions bytes.Buffer
	verr := svc.WriteVersionsJSON(w.ctx, &versions, id)
	sv, err := svc.Survey(w.ctx, id, version)
	if err != nil {
		return []any{versions.String(), suite.ErrClass(verr)}, err
	}
	rs, _, err := walkResponses(w.ctx, svc.Store(), id, survey.ResponseQuery{Version: version, PageRequest: kehu.PageRequest{Limit: 1000}})
	if err != nil {
		return nil, err
	}
	all := slices.Values(rs)
	out := []any{versions.String(), suite.ErrClass(verr)}
	add := func(v any, err error) { out = append(out, suite.Show(v), suite.ErrClass(err)) }
	add(sv.NPS(all, "recommend", level))
	add(sv.CSAT(all, "satisfied", level))
	add(sv.CES(all, "effort"))
	add(sv.Alpha(all, "product", survey.Pairwise))
	add(sv.Alpha(all, "service", survey.Listwise))
	ipa, names, err := sv.ImportancePerformance(all, "recommend", survey.Pairwise)
	add([]any{ipa, names}, err)
	for _, r := range rs {
		add(sv.Score(r))
	}
	var csv bytes.Buffer
	cerr := sv.WriteCSV(&csv, all, locale)
	add(csv.String(), cerr)
	return out, nil
}

// strangerRead asks for what does not exist: a response by ID, by a key never sent, the
// versions and responses of a survey never published.
func (w *pairedWorld) strangerRead() pairedCommand {
	id := survey.ResponseIDFrom(kehu.NewSeqIDsIn(0xEE).NewID())
	key, of := pick(w.rng, "no-such-key", "resp-0", "bad\xffutf8"), pick(w.rng, sequenceSurveys...)
	return pairedCommand{name: "read a stranger", read: true, run: func(i int) (any, error) {
		s := w.stores[i]
		_, err1 := s.Response(w.ctx, id)
		_, err2 := s.ResponseByKey(w.ctx, of, key)
		_, err3 := s.Version(w.ctx, neverPublished, 1)
		vs, err4 := s.Versions(w.ctx, neverPublished)
		rs, _, err5 := walkResponses(w.ctx, s, neverPublished, survey.ResponseQuery{})
		return []any{suite.ErrClass(err1), suite.ErrClass(err2), suite.ErrClass(err3), suite.Canonical(vs), suite.ErrClass(err4), suite.Canonical(rs), suite.ErrClass(err5)}, nil
	}}
}

// published lists the versions of a survey the memory store holds.
func (w *pairedWorld) published(id string) []survey.Version {
	vs, err := w.stores[1].Versions(w.ctx, id)
	require.NoError(w.t, err)
	return vs
}

// run runs c on both services and requires the same answer, the same events and
// follow-ups, then the same versions and responses.
func (w *pairedWorld) run(c pairedCommand) (any, error) {
	w.t.Helper()
	res, err := suite.Paired(w.t, w.where+", "+c.name, func(err error) string { return suite.ErrClass(err) }, c.run)
	require.Equal(w.t, w.heard[1].heard, w.heard[0].heard, "%s, %s: the events and follow-ups differ from the memory store's", w.where, c.name)
	for i := range w.heard {
		w.heard[i].heard = nil
	}
	w.compare("after "+c.name, c.survey, c.key)
	return res, err
}

// compare requires both stores to hold the same versions and to list the same responses
// of every survey, in the same order, also under a random filter and page size, and to
// return the touched response alike by ID and by key.
func (w *pairedWorld) compare(when, touchedSurvey, touchedKey string) {
	w.t.Helper()
	rng := w.rng
	for _, id := range append(slices.Clone(sequenceSurveys), neverPublished) {
		var got [2]any
		for i, s := range w.stores {
			vs, err := s.Versions(w.ctx, id)
			got[i] = []any{suite.Canonical(vs), suite.ErrClass(err)}
		}
		require.Equal(w.t, got[1], got[0], "%s, %s: the versions of survey %s differ from the memory store's", w.where, when, id)
		w.compareListing(when, id, survey.ResponseQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	}
	id := pick(rng, sequenceSurveys...)
	q := survey.ResponseQuery{Version: rng.IntN(maxVersion + 1), PageRequest: kehu.PageRequest{Limit: rng.IntN(5)}}
	listed, _, err := walkResponses(w.ctx, w.stores[1], id, survey.ResponseQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(w.t, err)
	instant := func() time.Time {
		zone := time.FixedZone("X", pick(rng, 0, 8, -5)*3600)
		if len(listed) > 0 && rng.IntN(3) == 0 {
			// A response's own instant, or a microsecond or a nanosecond beside it: the
			// bounds are From ≤ SubmittedAt < To, exactly.
			at := listed[rng.IntN(len(listed))].SubmittedAt
			return at.Add(pick(rng, 0, 0, time.Microsecond, -time.Microsecond, time.Nanosecond, -time.Nanosecond)).In(zone)
		}
		// Around the instants of the responses, at any precision and in any zone.
		d := time.Duration(rng.Int64N(int64(96*time.Hour))) - 48*time.Hour
		if rng.IntN(2) == 0 {
			d = d.Truncate(time.Minute)
		}
		return w.clocks.Now().Add(d).In(zone)
	}
	if rng.IntN(2) == 0 {
		q.From = instant()
	}
	if rng.IntN(2) == 0 {
		q.To = instant()
	}
	w.compareListing(when, id, q)
	if touchedKey == "" {
		return
	}
	var byKey, byID [2]any
	for i, s := range w.stores {
		r, err := s.ResponseByKey(w.ctx, touchedSurvey, touchedKey)
		byKey[i] = []any{suite.Canonical(r), suite.ErrClass(err)}
		if err == nil {
			r, err = s.Response(w.ctx, r.ID)
			byID[i] = []any{suite.Canonical(r), suite.ErrClass(err)}
		}
	}
	require.Equal(w.t, byKey[1], byKey[0], "%s, %s: ResponseByKey(%s, %q) differs from the memory store's", w.where, when, touchedSurvey, touchedKey)
	require.Equal(w.t, byID[1], byID[0], "%s, %s: Response of key %q differs from the memory store's", w.where, when, touchedKey)
}

func (w *pairedWorld) compareListing(when, id string, q survey.ResponseQuery) {
	w.t.Helper()
	var got [2]any
	for i, s := range w.stores {
		rs, pages, err := walkResponses(w.ctx, s, id, q)
		got[i] = []any{suite.Canonical(rs), pages, suite.ErrClass(err)}
	}
	require.Equal(w.t, got[1], got[0], "%s, %s: Responses of %s (version %d, from %s to %s, %d a page; the responses and the size of each page) differ from the memory store's",
		w.where, when, id, q.Version, q.From, q.To, q.Limit)
}

// compareEverything ends a sequence: the figures of every survey version, from the
// services as they are and from services made anew, which read every version back from
// their stores.
func (w *pairedWorld) compareEverything() {
	w.t.Helper()
	w.compare("at the end", "", "")
	for _, fresh := range []bool{false, true} {
		if fresh {
			w.restart()
		}
		for _, id := range append(slices.Clone(sequenceSurveys), neverPublished) {
			for v := 1; v <= maxVersion; v++ {
				var got [2]any
				for i, svc := range w.svcs {
					f, err := w.figures(svc, id, v, "en", 0.95)
					got[i] = []any{f, suite.ErrClass(err)}
				}
				require.Equal(w.t, got[1], got[0], "%s: the figures of %s version %d (services made anew: %t) differ from the memory store's", w.where, id, v, fresh)
			}
		}
	}
}

// walkResponses reads every page of a listing; it returns the responses and the size of
// each page.
func walkResponses(ctx context.Context, s survey.Store, id string, q survey.ResponseQuery) ([]*survey.Response, []int, error) {
	return suite.Pages(func(after string) (kehu.Page[*survey.Response], error) {
		q.After = after
		return s.Responses(ctx, id, q)
	})
}

// sequenceSpec draws a questionnaire with a question of every kind: an NPS question with a
// "not applicable" answer, a text shown only to detractors, a CSAT on the default or a
// seven-point scale, a CES in either direction, a reverse-keyed Likert, a matrix with
// rows in two dimensions, choices with points, a bounded or unbounded number, and bands.
// Later versions drop and add questions.
func sequenceSpec(rng *rand.Rand, id string, version int) survey.Spec {
	label := func(en string) survey.Label { return survey.Label{"en": en, "zh": "（" + en + "）"} }
	na := []survey.Option{{Code: "na", Label: label("Not applicable"), NonScoring: true}}
	f := func(v float64) *float64 { return &v }
	nps := survey.Question{ID: "recommend", Kind: survey.NPS, Label: label("Would you recommend us?"), Required: rng.IntN(2) == 0}
	if rng.IntN(2) == 0 {
		nps.Options = na
	}
	csat := survey.Question{ID: "satisfied", Kind: survey.CSAT, Label: label("How satisfied are you?"), Dimension: "service", Weight: pick(rng, 0.0, 1, 2)}
	if rng.IntN(2) == 0 {
		csat.Scale, csat.Satisfied = &survey.Scale{From: 1, To: 7}, []int{7, 6}
	}
	first := []survey.Question{nps,
		{ID: "why", Kind: survey.Text, Label: label("What went wrong?"), VisibleIf: "recommend <= 6"},
		csat,
		{ID: "effort", Kind: survey.CES, Label: label("It was easy to get help"), Scale: &survey.Scale{From: 1, To: pick(rng, 5, 7)},
			Effort: pick(rng, survey.EasyHigh, survey.EffortHigh), Aggregate: pick[survey.CESAggregate](rng, "", survey.CESMean, survey.CESAgree, survey.CESNetEasy)},
	}
	spend := survey.Question{ID: "spend", Kind: survey.Number, Label: label("How much did you spend?")}
	if rng.IntN(2) == 0 {
		spend.Min, spend.Max = f(0), f(5000)
	}
	second := []survey.Question{
		{ID: "quality", Kind: survey.Likert, Label: label("The food was good"), Reverse: rng.IntN(3) == 0, Weight: pick(rng, 0.0, 1, 2.5),
			Dimension: "product", Options: na, Scale: &survey.Scale{From: 1, To: 5, Labels: map[int]survey.Label{1: label("Disagree"), 5: label("Agree")}}},
		{ID: "grid", Kind: survey.Matrix, Label: label("Rate each"), Required: rng.IntN(3) == 0, Scale: &survey.Scale{From: 1, To: 5},
			Rows: []survey.Row{{ID: "taste", Label: label("Taste"), Dimension: "product"}, {ID: "speed", Label: label("Speed"), Dimension: "service", Reverse: true},
				{ID: "price", Label: label("Price")}}},
		{ID: "visit", Kind: survey.SingleChoice, Label: label("How did you order?"), Required: rng.IntN(2) == 0,
			Options: []survey.Option{{Code: "store", Label: label("In store"), Points: 1}, {Code: "app", Label: label("App"), Points: 2}, {Code: "web", Label: label("Web"), Points: 3}}},
		{ID: "features", Kind: survey.MultipleChoice, Label: label("What did you use?"),
			Options: []survey.Option{{Code: "wifi", Label: label("Wi-Fi")}, {Code: "parking", Label: label("Parking"), Points: 1}, {Code: "kids", Label: label("Kids' corner")}}},
		spend,
		{ID: "comment", Kind: survey.Text, Label: label("Anything else?")},
	}
	if version >= 2 {
		if rng.IntN(2) == 0 {
			first = first[:3] // the effort question is dropped
		}
		second = append(second, survey.Question{ID: "value", Kind: survey.Likert, Label: label("Good value"), Dimension: "product",
			Scale: &survey.Scale{From: 1, To: 7}, Required: rng.IntN(2) == 0})
	}
	if version >= 3 && rng.IntN(2) == 0 {
		second = slices.DeleteFunc(second, func(q survey.Question) bool { return q.ID == "features" })
	}
	return survey.Spec{
		ID: id, Version: version, Locale: "en", Title: label("How was your visit?"),
		Dimensions: []survey.Dimension{{ID: "service", Label: label("Service"), Weight: 2}, {ID: "product", Label: label("Product")}},
		Sections: []survey.Section{{ID: "overall", Title: label("Overall"), Questions: first},
			{ID: "details", Title: label("Details"), Questions: second}},
		Bands: []survey.Band{{From: 0, To: 50, Message: "needs work"}, {From: 50, To: 100.000001, Message: "good"}},
	}
}

// seqRecorder hears what a service tells the host: its events and its follow-ups, in
// order.
type seqRecorder struct{ heard []string }

func (r *seqRecorder) Publish(_ context.Context, events ...kehu.Event) error {
	for _, e := range events {
		r.heard = append(r.heard, e.EventName()+" "+suite.Show(e))
	}
	return nil
}

func (r *seqRecorder) FollowUp(_ context.Context, resp *survey.Response, reasons []survey.FollowUpReason) error {
	r.heard = append(r.heard, "follow-up "+suite.Show(suite.Canonical(resp))+" "+suite.Show(reasons))
	return nil
}

// isNil reports whether a command's answer is no value.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }
