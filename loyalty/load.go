package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	_ "time/tzdata" // programme time zones load on any machine, with or without a zoneinfo database

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// MaxProgramBytes is the largest programme definition LoadProgram reads.
const MaxProgramBytes = 4 << 20

// LoadProgram reads a programme from JSON and validates it (see Program.Validate).
//
// The JSON is read strictly: an unknown field, a value of the wrong type, a syntax error
// or anything after the programme object is an error, as is a definition longer than
// MaxProgramBytes. Every error is a *kehu.ValidationError (so it also matches
// kehu.ErrInvalid): a decoding error names the offending field where encoding/json says
// which it is ("unknown_field", "type", "syntax"); a programme that decodes is checked as
// a whole and every problem is listed at once.
func LoadProgram(r io.Reader) (*Program, error) {
	if r == nil {
		return nil, kehu.Invalid("program", "required", "no reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxProgramBytes+1))
	if err != nil {
		return nil, fmt.Errorf("loyalty: reading the programme: %w", err)
	}
	if len(data) > MaxProgramBytes {
		return nil, kehu.Invalid("program", "max_length", fmt.Sprintf("is longer than %d bytes", MaxProgramBytes))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, kehu.Invalid("program", "required", "is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	p := new(Program)
	if err := dec.Decode(p); err != nil {
		return nil, programDecodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, kehu.Invalid("program", "syntax", fmt.Sprintf("has data after the programme object, at byte %d", dec.InputOffset()))
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
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

// programDecodeError turns an encoding/json error into a *kehu.ValidationError.
func programDecodeError(err error) error {
	var (
		verr   *kehu.ValidationError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &verr):
		return verr
	case errors.As(err, &syntax):
		return kehu.Invalid("program", "syntax", fmt.Sprintf("is not valid JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "program"
		}
		return kehu.Invalid(field, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", typ.Value, programJSONType(typ.Type.String())))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return kehu.Invalid("program", "syntax", "ends before the programme object is complete")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if field, uerr := strconv.Unquote(name); uerr == nil {
			return kehu.Invalid(field, "unknown_field", fmt.Sprintf("%s is not a field of a programme here", clip.Quote(field)))
		}
	}
	return kehu.Invalid("program", "format", err.Error())
}

func programJSONType(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "an integer"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(goType, "[]") {
		return "an array"
	}
	return "a " + strings.TrimPrefix(goType, "loyalty.")
}
