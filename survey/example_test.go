package survey_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// A questionnaire is compiled once, published as a version, and every response is checked
// against the version it answered: a hidden question, a missing required answer or a
// fraction on an NPS scale is refused, all at once.
func Example() {
	s, err := survey.Load(strings.NewReader(`{
	  "id": "after-delivery", "version": 1, "locale": "en",
	  "title": {"en": "How did we do?", "zh": "我们做得怎么样？"},
	  "sections": [{"id": "main", "questions": [
	    {"id": "recommend", "kind": "nps", "required": true, "label": {"en": "Would you recommend us?"}},
	    {"id": "why", "kind": "text", "visible_if": "recommend <= 6", "label": {"en": "What went wrong?"}}
	  ]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	opts, _, _ := kehu.Deterministic(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	svc := survey.NewService(nil, opts)
	ctx := context.Background()
	if _, err := svc.Publish(ctx, s.Spec()); err != nil {
		fmt.Println(err)
		return
	}
	nine := 9.0
	r, err := svc.Submit(ctx, survey.Submission{Survey: "after-delivery", Version: 1, Key: "email-42",
		Answers: []survey.Answer{{Question: "recommend", Value: &nine}}})
	fmt.Println(r.Survey, r.Version, len(r.Answers), err)

	half := 8.5
	_, err = svc.Submit(ctx, survey.Submission{Survey: "after-delivery", Version: 1, Key: "email-43",
		Answers: []survey.Answer{{Question: "recommend", Value: &half}, {Question: "why", Text: "slow"}}})
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Println(f.Field, f.Rule)
		}
	}
	// Output:
	// after-delivery 1 1 <nil>
	// answers[0].value integer
	// answers[1] hidden
}
