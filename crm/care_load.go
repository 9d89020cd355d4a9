package crm

import (
	"io"
	"strings"

	"github.com/kehu-crm/kehu/internal/strictjson"
)

// LoadCare reads a care calendar from JSON and compiles it (see CompileCare).
//
// The JSON is read strictly: an unknown field, a value of the wrong type, a syntax error
// or anything after the calendar object is an error, as is a definition longer than
// MaxCareBytes. Every error is a *kehu.ValidationError (so it also matches
// kehu.ErrInvalid). A calendar that does not decode names every offending value by its
// path, as CompileCare names fields: "playbook[2].chanels" with rule "unknown_field" (and
// the nearest known field, `did you mean "channels"?`), "playbook[0].lead_days" with rule
// "type" for a string where a number belongs, "holidays[1].dates[0]" with rule "format"
// for a date that is not YYYY-MM-DD, "playbook[0].action" with rule "enum" for an unknown
// action; a syntax error is on "care" with its byte offset. A calendar that decodes is
// checked as a whole and every problem is listed at once.
func LoadCare(r io.Reader) (*Care, error) {
	var spec CareSpec
	if err := strictjson.Decode(r, careDoc, &spec); err != nil {
		return nil, err
	}
	return CompileCare(spec)
}

// careDoc is a care calendar as LoadCare reads it.
var careDoc = strictjson.Doc{
	Root:    "care",
	Object:  "the calendar object",
	Reading: "crm: reading the care calendar",
	Limit:   MaxCareBytes,
}

// MustLoadCare is LoadCare on a string that panics on error. It is meant for tests,
// examples and calendars written in the source, never for input.
func MustLoadCare(jsonText string) *Care {
	c, err := LoadCare(strings.NewReader(jsonText))
	if err != nil {
		panic(err) // MustLoadCare: a bad calendar in the source
	}
	return c
}
