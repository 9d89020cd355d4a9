package survey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// Service publishes surveys and takes their responses through a Store. It is safe for
// concurrent use. Make one with NewService: the zero value is not usable.
type Service struct {
	store    Store
	opts     kehu.Options
	followUp FollowUp
	// compiled caches compiled versions: a version never changes once published.
	compiled sync.Map // versionKey → *Survey
}

type versionKey struct {
	survey  string
	version int
}

// NewService returns a service over store. A nil store means NewMemoryStore(); nil options
// mean the defaults (time.Now, UUIDv7, events dropped).
func NewService(store Store, opts *kehu.Options) *Service {
	if store == nil {
		store = NewMemoryStore()
	}
	return &Service{store: store, opts: opts.Resolved()}
}

// FollowUp is told about a stored response that calls for a follow-up: a detractor (an NPS
// answer of 0 to 6) or a CSAT answer outside the satisfied set. A host wires it to its
// complaint handling or its care plans; survey imports neither.
type FollowUp interface {
	FollowUp(ctx context.Context, r *Response, reasons []FollowUpReason) error
}

// FollowUpReason is one answer that calls for a follow-up.
type FollowUpReason struct {
	Question string  `json:"question"`
	Kind     Kind    `json:"kind"`
	Value    float64 `json:"value"`
}

// WithFollowUp returns a copy of the service that tells f about every new response that
// calls for a follow-up, after storing it (never for a repeated submission). An error of f
// is returned with the stored response.
func (s *Service) WithFollowUp(f FollowUp) *Service {
	c := &Service{store: s.store, opts: s.opts, followUp: f}
	return c
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Publish compiles a questionnaire and stores it as a new version. A published version is
// immutable: publishing the same spec again returns it, and another spec under a
// published version fails with kehu.ErrConflict.
func (s *Service) Publish(ctx context.Context, spec Spec) (*Survey, error) {
	sv, err := Compile(spec)
	if err != nil {
		return nil, err
	}
	err = s.store.PutVersion(ctx, Version{Spec: sv.spec, PublishedAt: s.opts.Now()})
	if errors.Is(err, kehu.ErrDuplicate) {
		old, err := s.Survey(ctx, sv.ID(), sv.Version())
		if err != nil {
			return nil, err
		}
		if !reflect.DeepEqual(normalised(old.spec), normalised(sv.spec)) {
			return nil, fmt.Errorf("survey %s version %d is published with other contents: publish a new version: %w",
				sv.ID(), sv.Version(), kehu.ErrConflict)
		}
		return old, nil
	}
	if err != nil {
		return nil, err
	}
	s.compiled.Store(versionKey{sv.ID(), sv.Version()}, sv)
	return sv, s.publish(ctx, SurveyPublished{Survey: sv.ID(), Version: sv.Version(), At: s.opts.Now()})
}

// normalised is a spec as its JSON reads it back, so that nil and empty compare alike.
func normalised(sp Spec) Spec {
	b, _ := json.Marshal(sp)
	var out Spec
	_ = json.Unmarshal(b, &out)
	return out
}

// Survey returns a published version, compiled.
func (s *Service) Survey(ctx context.Context, survey string, version int) (*Survey, error) {
	if sv, ok := s.compiled.Load(versionKey{survey, version}); ok {
		return sv.(*Survey), nil
	}
	v, err := s.store.Version(ctx, survey, version)
	if err != nil {
		return nil, err
	}
	sv, err := Compile(v.Spec)
	if err != nil {
		return nil, fmt.Errorf("survey %s version %d as stored does not compile: %w", survey, version, err)
	}
	actual, _ := s.compiled.LoadOrStore(versionKey{survey, version}, sv)
	return actual.(*Survey), nil
}

// Submit validates a submission against the survey version it answered (see
// Survey.Check) and stores it as a response. It is idempotent by sub.Key: a repeat with
// the same key and payload returns the first response and writes nothing, also when it
// races the first attempt; the same key with another payload fails with
// kehu.ErrKeyReused. A submission that does not validate writes nothing.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Response, error) {
	var p kehu.Problems
	if sub.Survey == "" {
		p.Add("survey", "required", "is empty")
	} else {
		p.Merge("", kehu.CheckName("survey", sub.Survey))
	}
	if sub.Version < 1 {
		p.Addf("version", "range", "%d is less than 1", sub.Version)
	}
	if math.IsNaN(sub.Weight) || math.IsInf(sub.Weight, 0) || sub.Weight < 0 {
		p.Addf("weight", "range", "%v is not a finite weight of 0 (meaning 1) or more", sub.Weight)
	}
	for field, v := range map[string]string{"channel": sub.Channel, "trigger.kind": sub.Trigger.Kind, "trigger.ref": sub.Trigger.Ref} {
		if len(v) > 200 {
			p.Addf(field, "max_length", "is longer than 200 bytes")
		} else {
			p.Merge("", kehu.CheckText(field, v))
		}
	}
	p.Merge("", kehu.CheckHostKey("key", sub.Key))
	if err := p.Err(); err != nil {
		return nil, err
	}
	sub.Answers = withoutNegativeZero(sub.Answers)
	dig := submissionDigest(sub)
	if r, done, err := s.replay(ctx, sub, dig); done || err != nil {
		return r, err
	}
	sv, err := s.Survey(ctx, sub.Survey, sub.Version)
	if err != nil {
		return nil, err
	}
	if err := sv.Check(sub.Answers); err != nil {
		return nil, err
	}
	r := &Response{
		ID: ResponseIDFrom(s.opts.NewID()), Survey: sub.Survey, Version: sub.Version, Customer: sub.Customer,
		Channel: sub.Channel, Trigger: sub.Trigger, Weight: sub.Weight, Answers: cloneAnswers(sub.Answers),
		SubmittedAt: s.opts.Now(), Key: sub.Key, Digest: dig,
	}
	if r.Weight == 0 {
		r.Weight = 1
	}
	if err := s.store.AddResponse(ctx, r); err != nil {
		if errors.Is(err, kehu.ErrDuplicate) {
			// The first attempt committed meanwhile: its response answers.
			if first, done, rerr := s.replay(ctx, sub, dig); done || rerr != nil {
				return first, rerr
			}
		}
		return nil, err
	}
	if err := s.publish(ctx, ResponseSubmitted{Response: r.ID, Survey: r.Survey, Version: r.Version, Customer: r.Customer, At: r.SubmittedAt}); err != nil {
		return r, err
	}
	if s.followUp != nil {
		if reasons := sv.followUps(r); len(reasons) > 0 {
			if err := s.followUp.FollowUp(ctx, r.Clone(), reasons); err != nil {
				return r, fmt.Errorf("response stored, but the follow-up failed: %w", err)
			}
		}
	}
	return r, nil
}

// followUps lists the answers of r that call for a follow-up.
func (s *Survey) followUps(r *Response) []FollowUpReason {
	var out []FollowUpReason
	for _, a := range r.Answers {
		qi, ok := s.index[a.Question]
		if !ok || a.Value == nil {
			continue
		}
		q := s.items[qi].q
		switch v := *a.Value; {
		case q.Kind == NPS && v <= 6,
			q.Kind == CSAT && !slices.Contains(q.Satisfied, int(v)):
			out = append(out, FollowUpReason{Question: q.ID, Kind: q.Kind, Value: v})
		}
	}
	return out
}

// replay answers a submission whose key was seen before.
func (s *Service) replay(ctx context.Context, sub Submission, dig string) (*Response, bool, error) {
	r, err := s.store.ResponseByKey(ctx, sub.Survey, sub.Key)
	switch {
	case errors.Is(err, kehu.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case r.Digest != dig:
		return nil, true, fmt.Errorf("submission %s: %w", clip.Quote(sub.Key), kehu.ErrKeyReused)
	}
	return r, true, nil
}

// submissionDigest fingerprints what a submission asked, without its key. Its payload
// encodes as a Submission did when its weight was read from JSON, so that the digests of
// stored responses still match their repeats.
func submissionDigest(sub Submission) string {
	return fingerprint.Of("survey-submission", struct {
		Survey   string          `json:"survey"`
		Version  int             `json:"version"`
		Customer kehu.CustomerID `json:"customer,omitzero"`
		Channel  string          `json:"channel,omitempty"`
		Trigger  Trigger         `json:"trigger,omitzero"`
		Weight   float64         `json:"weight,omitempty"`
		Answers  []Answer        `json:"answers"`
	}{sub.Survey, sub.Version, sub.Customer, sub.Channel, sub.Trigger, sub.Weight, sub.Answers})
}

// withoutNegativeZero returns answers with every value of −0 (which a client's JSON may
// carry, and Go reads as a float64 with its sign bit set) made 0, the point of the scale it
// means: a store that keeps numbers as JSON or SQL numbers has no −0 and would give back
// 0, and exports and retries would tell the two apart. The caller's answers are not
// changed; answers without a −0 are returned as they are.
func withoutNegativeZero(answers []Answer) []Answer {
	if !slices.ContainsFunc(answers, func(a Answer) bool { return a.Value != nil && *a.Value == 0 && math.Signbit(*a.Value) }) {
		return answers
	}
	out := cloneAnswers(answers)
	for i := range out {
		if v := out[i].Value; v != nil && *v == 0 {
			*v = 0
		}
	}
	return out
}

// WriteVersionsJSON writes every published version of a survey, oldest first, as one JSON
// array of {"spec": …, "published_at": …}: the questionnaires every stored response can be
// scored against, for an archive or another system. A survey never published is an empty
// array.
func (s *Service) WriteVersionsJSON(ctx context.Context, w io.Writer, survey string) error {
	versions, err := s.store.Versions(ctx, survey)
	if err != nil {
		return err
	}
	if versions == nil {
		versions = []Version{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(versions)
}

// Response returns a stored response.
func (s *Service) Response(ctx context.Context, id ResponseID) (*Response, error) {
	return s.store.Response(ctx, id)
}

// Responses returns one page of a survey's responses in the order they were stored.
func (s *Service) Responses(ctx context.Context, survey string, q ResponseQuery) (kehu.Page[*Response], error) {
	return s.store.Responses(ctx, survey, q)
}

func (s *Service) publish(ctx context.Context, e kehu.Event) error {
	if err := s.opts.Events.Publish(ctx, e); err != nil {
		return fmt.Errorf("stored, but publishing the event failed: %w", err)
	}
	return nil
}

// SurveyPublished is published when a new survey version is stored: "survey.published".
type SurveyPublished struct {
	Survey  string    `json:"survey"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
}

// EventName implements kehu.Event.
func (SurveyPublished) EventName() string { return "survey.published" }

// OccurredAt implements kehu.Event.
func (e SurveyPublished) OccurredAt() time.Time { return e.At }

// ResponseSubmitted is published when a response is stored: "survey.response_submitted".
type ResponseSubmitted struct {
	Response ResponseID      `json:"response"`
	Survey   string          `json:"survey"`
	Version  int             `json:"version"`
	Customer kehu.CustomerID `json:"customer,omitzero"`
	At       time.Time       `json:"at"`
}

// EventName implements kehu.Event.
func (ResponseSubmitted) EventName() string { return "survey.response_submitted" }

// OccurredAt implements kehu.Event.
func (e ResponseSubmitted) OccurredAt() time.Time { return e.At }
