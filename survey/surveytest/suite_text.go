package surveytest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/suite"
	"github.com/kehu-crm/kehu/survey"
)

// textSpec is a questionnaire with a text question and a choice.
func textSpec(version int) survey.Spec {
	return survey.Spec{ID: "text", Version: version, Locale: "en", Title: survey.Label{"en": "Visit"},
		Bands: []survey.Band{{From: 0, To: 101, Message: "thanks"}},
		Sections: []survey.Section{{ID: "s1", Questions: []survey.Question{
			{ID: "channel", Kind: survey.SingleChoice, Label: survey.Label{"en": "Where?"},
				Options: []survey.Option{{Code: "store", Label: survey.Label{"en": "In store"}}}},
			{ID: "why", Kind: survey.Text, Label: survey.Label{"en": "Why?"}, VisibleIf: `channel == "store"`},
		}}}}
}

func textSubmission() survey.Submission {
	return survey.Submission{Survey: "text", Version: 1, Channel: "app", Trigger: survey.Trigger{Kind: "visit", Ref: "V-1"},
		Answers: []survey.Answer{{Question: "channel", Option: "store"}, {Question: "why", Text: "quick"}}, Key: "sub"}
}

// textCommands are the commands of survey.Service that give a store text, each run with
// the text under test in one field.
func textCommands() []struct {
	name, field string
	run         func(ctx context.Context, svc *survey.Service, text string) error
} {
	submit := func(edit func(sub *survey.Submission, s string)) func(context.Context, *survey.Service, string) error {
		return func(ctx context.Context, svc *survey.Service, s string) error {
			sub := textSubmission()
			sub.Key = "refused"
			edit(&sub, s)
			_, err := svc.Submit(ctx, sub)
			return err
		}
	}
	publish := func(edit func(sp *survey.Spec, s string)) func(context.Context, *survey.Service, string) error {
		return func(ctx context.Context, svc *survey.Service, s string) error {
			sp := textSpec(2)
			edit(&sp, s)
			_, err := svc.Publish(ctx, sp)
			return err
		}
	}
	q := func(sp *survey.Spec, i int) *survey.Question { return &sp.Sections[0].Questions[i] }
	return []struct {
		name, field string
		run         func(ctx context.Context, svc *survey.Service, text string) error
	}{
		{"Submit", "survey", submit(func(sub *survey.Submission, s string) { sub.Survey = "text" + s })},
		{"Submit", "channel", submit(func(sub *survey.Submission, s string) { sub.Channel = s })},
		{"Submit", "trigger.kind", submit(func(sub *survey.Submission, s string) { sub.Trigger.Kind = s })},
		{"Submit", "trigger.ref", submit(func(sub *survey.Submission, s string) { sub.Trigger.Ref = s })},
		{"Submit", "answers[1].text", submit(func(sub *survey.Submission, s string) { sub.Answers[1].Text = s })},
		{"Publish", "title", publish(func(sp *survey.Spec, s string) { sp.Title["en"] = s })},
		{"Publish", "title", publish(func(sp *survey.Spec, s string) { sp.Title["fr"+s] = "Visite" })},
		{"Publish", "locale", publish(func(sp *survey.Spec, s string) { sp.Locale = "en" + s })},
		{"Publish", "bands[0].message", publish(func(sp *survey.Spec, s string) { sp.Bands[0].Message = s })},
		{"Publish", "sections[0].id", publish(func(sp *survey.Spec, s string) { sp.Sections[0].ID = s })},
		{"Publish", "sections[0].title", publish(func(sp *survey.Spec, s string) { sp.Sections[0].Title = survey.Label{"en": s} })},
		{"Publish", "sections[0].questions[0].label", publish(func(sp *survey.Spec, s string) { q(sp, 0).Label["en"] = s })},
		{"Publish", "sections[0].questions[0].options[0].code", publish(func(sp *survey.Spec, s string) { q(sp, 0).Options[0].Code = s })},
		{"Publish", "sections[0].questions[0].options[0].label", publish(func(sp *survey.Spec, s string) { q(sp, 0).Options[0].Label["en"] = s })},
		{"Publish", "sections[0].questions[1].visible_if", publish(func(sp *survey.Spec, s string) { q(sp, 1).VisibleIf = `channel == "` + s + `"` })},
	}
}

// testServiceRefusesBadText checks, through survey.Service, that a submission and a
// questionnaire with text no store keeps as given — not UTF-8, or with a NUL — are refused
// with a *kehu.ValidationError on the field that holds it, and that the store is left as
// it was: no store sees such text.
func testServiceRefusesBadText(t *testing.T, h *harness) {
	opts, _, _ := kehu.Deterministic(suite.Start())
	svc := survey.NewService(h.s, opts)
	_, err := svc.Publish(h.ctx, textSpec(1))
	require.NoError(t, err)
	_, err = svc.Submit(h.ctx, textSubmission())
	require.NoError(t, err)
	for _, cmd := range textCommands() {
		suite.RefusesBadText(t, cmd.name, cmd.field, func(text string) error { return cmd.run(h.ctx, svc, text) }, h.textSnapshot)
	}
}

// textSnapshot is every version and response of the survey "text", as JSON.
func (h *harness) textSnapshot(t *testing.T) string {
	t.Helper()
	vs, err := h.s.Versions(h.ctx, "text")
	require.NoError(t, err)
	rs, err := h.s.Responses(h.ctx, "text", survey.ResponseQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err)
	b, err := json.Marshal([]any{vs, rs.Items})
	require.NoError(t, err)
	return string(b)
}
