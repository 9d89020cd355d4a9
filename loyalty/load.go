package loyalty

import (
	"io"
	"strings"
	_ "time/tzdata" // programme time zones load on any machine, with or without a zoneinfo database

	"github.com/kehu-crm/kehu/internal/strictjson"
)

// MaxProgramBytes is the largest programme definition LoadProgram reads.
const MaxProgramBytes = 4 << 20

// LoadProgram reads a programme from JSON and compiles it (see Compile).
//
// The JSON is read strictly: an unknown field, a value of the wrong type, a syntax error
// or anything after the programme object is an error, as is a definition longer than
// MaxProgramBytes. Every error is a *kehu.ValidationError (so it also matches
// kehu.ErrInvalid). A programme that does not decode names every offending value by its
// path in the JSON, as Compile names fields: "earning.rules[0].multipler" with rule
// "unknown_field" (and the nearest known field, `did you mean "multiplier"?`),
// "point_types[1].floor" with rule "type" for a string where a number belongs,
// "earning.base[0].per" with rule "format" for a decimal that does not parse; a syntax
// error is on "program" with its byte offset. A programme that decodes is checked as a
// whole and every problem is listed at once.
func LoadProgram(r io.Reader) (*Program, error) {
	var spec ProgramSpec
	if err := strictjson.Decode(r, programDoc, &spec); err != nil {
		return nil, err
	}
	return Compile(spec)
}

// programDoc is a programme definition as LoadProgram reads it.
var programDoc = strictjson.Doc{
	Root:    "program",
	Object:  "the programme object",
	Reading: "loyalty: reading the programme",
	Limit:   MaxProgramBytes,
}

// MustLoadProgram is LoadProgram on a string that panics on error. It is meant for tests,
// examples and programmes written in the source, never for input.
func MustLoadProgram(jsonText string) *Program {
	p, err := LoadProgram(strings.NewReader(jsonText))
	if err != nil {
		panic(err) // MustLoadProgram: a bad programme in the source
	}
	return p
}
