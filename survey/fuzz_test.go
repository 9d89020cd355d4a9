package survey_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// FuzzLoad: no input makes Load panic; what it refuses is a *kehu.ValidationError; what it
// accepts checks answers without panicking and marshals to JSON that loads again.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(afterPurchaseJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","version":1,"locale":"en","title":{"en":"x"},"sections":[{"id":"s","questions":[{"id":"q","kind":"likert","scale":{"from":1,"to":3},"label":{"en":"q"},"visible_if":"1/0>0"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := survey.Load(bytes.NewReader(data))
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("not a validation error: %T %v", err, err)
			}
			return
		}
		_ = s.Check(nil)
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := survey.Load(bytes.NewReader(b)); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzCheck: no answers, however malformed, make Check panic; what it refuses is a
// *kehu.ValidationError.
func FuzzCheck(f *testing.F) {
	s, err := survey.Load(strings.NewReader(afterPurchaseJSON))
	if err != nil {
		f.Fatal(err)
	}
	seed, _ := json.Marshal(promoter())
	f.Add(seed)
	f.Add([]byte(`[{"question":"recommend","value":1e308},{"question":"why","text":"x"},{"question":"quality","row":"nope","value":-0}]`))
	f.Add([]byte(`[{"question":"liked","options":["price","price","x"]},{"question":"wait","option":"na","value":3}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var answers []survey.Answer
		if json.Unmarshal(data, &answers) != nil {
			return
		}
		if err := s.Check(answers); err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("not a validation error with fields: %T %v", err, err)
			}
		}
	})
}
