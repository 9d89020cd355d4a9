package loyalty

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	_ "time/tzdata" // programme time zones load on any machine, with or without a zoneinfo database

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/suggest"
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
	var spec ProgramSpec
	if err := dec.Decode(&spec); err != nil {
		return nil, programDecodeError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, kehu.Invalid("program", "syntax", fmt.Sprintf("has data after the programme object, at byte %d", dec.InputOffset()))
	}
	return Compile(spec)
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

// programDecodeError turns an encoding/json error into a *kehu.ValidationError. When the
// JSON is well formed, the problems are found again by walking it beside the Program type
// (see locateProblems), so that each is named by its full path; encoding/json's own error,
// which names a path without array indices, is the fallback.
func programDecodeError(data []byte, err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return kehu.Invalid("program", "syntax", fmt.Sprintf("is not valid JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return kehu.Invalid("program", "syntax", "ends before the programme object is complete")
	}
	var raw json.RawMessage // the programme object, well formed
	if json.NewDecoder(bytes.NewReader(data)).Decode(&raw) == nil {
		l := &locator{}
		l.value(raw, reflect.TypeFor[ProgramSpec](), "")
		if err := l.p.Err(); err != nil {
			return err
		}
	}
	return decodeErrorOf(err)
}

// decodeErrorOf maps encoding/json's error as it is.
func decodeErrorOf(err error) error {
	var (
		verr *kehu.ValidationError
		typ  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &verr):
		return verr
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "program"
		}
		return kehu.Invalid(field, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", typ.Value, programJSONType(typ.Type)))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if field, uerr := strconv.Unquote(name); uerr == nil {
			return kehu.Invalid(field, "unknown_field", "unknown field")
		}
	}
	return kehu.Invalid("program", "format", clip.String(err.Error(), 200))
}

// maxDecodeProblems bounds the problems one decoding error lists.
const maxDecodeProblems = 50

// locator walks well-formed JSON beside the Go type it is decoded into, as encoding/json
// does, and records every value that does not fit with its path: unknown fields (with the
// nearest known name), values of the wrong JSON type and values their own decoder refuses.
type locator struct{ p kehu.Problems }

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (l *locator) add(path, rule, message string) {
	if l.p.Len() >= maxDecodeProblems {
		return
	}
	if path == "" {
		path = "program"
	}
	l.p.Add(path, rule, message)
}

// value checks raw, a well-formed JSON value, against t at path.
func (l *locator) value(raw json.RawMessage, t reflect.Type, path string) {
	if l.p.Len() >= maxDecodeProblems || len(raw) == 0 {
		return
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return // null leaves any Go value as it is
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshaler) || (pt.Implements(textUnmarshaler) && raw[0] == '"') {
		l.decode(raw, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		l.value(raw, t.Elem(), path)
	case reflect.Struct:
		if raw[0] != '{' {
			l.wrongType(raw, t, path)
			return
		}
		l.object(raw, t, path)
	case reflect.Slice, reflect.Array:
		if raw[0] != '[' {
			l.wrongType(raw, t, path)
			return
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			l.add(path, "format", clip.String(err.Error(), 200))
			return
		}
		for i, item := range items {
			l.value(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if raw[0] != '{' {
			l.wrongType(raw, t, path)
			return
		}
		var items map[string]json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			l.add(path, "format", clip.String(err.Error(), 200))
			return
		}
		keys := slices.Sorted(maps.Keys(items))
		for _, k := range keys {
			l.value(items[k], t.Elem(), joinPath(path, k))
		}
	case reflect.Interface:
	default:
		l.decode(raw, t, path)
	}
}

// decode decodes raw into a new t and records its error at path.
func (l *locator) decode(raw json.RawMessage, t reflect.Type, path string) {
	err := json.Unmarshal(raw, reflect.New(t).Interface())
	if err == nil {
		return
	}
	var (
		verr *kehu.ValidationError
		typ  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &verr) && len(verr.Fields) > 0:
		for _, f := range verr.Fields {
			l.add(path, f.Rule, f.Message)
		}
	case errors.As(err, &typ):
		l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", typ.Value, programJSONType(t)))
	case t == reflect.TypeFor[decimal.Decimal]():
		l.add(path, "format", fmt.Sprintf("%s is not a decimal number such as \"1\" or \"0.01\"", clip.String(string(raw), 40)))
	default:
		l.add(path, "format", clip.String(err.Error(), 200))
	}
}

// wrongType records a value of the wrong JSON type at path.
func (l *locator) wrongType(raw json.RawMessage, t reflect.Type, path string) {
	l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", jsonKind(raw), programJSONType(t)))
}

// object checks the members of a JSON object against the fields of struct type t, in the
// order they appear.
func (l *locator) object(raw json.RawMessage, t reflect.Type, path string) {
	fields := suggest.Fields(t, "json")
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return
		}
		f, ok := matchField(fields, key)
		if !ok {
			l.add(joinPath(path, clip.String(key, 64)), "unknown_field", unknownFieldMessage(fields, key))
			continue
		}
		l.value(v, f.Type, joinPath(path, f.Name))
	}
}

// matchField finds the field a JSON key decodes into: the exact name, else one equal under
// case folding, as encoding/json matches them.
func matchField(fields []suggest.Field, key string) (suggest.Field, bool) {
	for _, f := range fields {
		if f.Name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.Name, key) {
			return f, true
		}
	}
	return suggest.Field{}, false
}

// unknownFieldMessage says a key is unknown and suggests the known field nearest to it by
// edit distance, when one is near enough to be a slip; otherwise it lists the fields.
func unknownFieldMessage(fields []suggest.Field, key string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	if best, ok := suggest.Nearest(key, names); ok {
		return fmt.Sprintf("unknown field; did you mean %q?", best)
	}
	for i, n := range names {
		names[i] = strconv.Quote(n)
	}
	return clip.String("unknown field; the fields here are "+strings.Join(names, ", "), 200)
}

// joinPath appends a field name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonKind names the JSON type of a well-formed value.
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// programJSONType says what JSON a Go type takes.
func programJSONType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[decimal.Decimal]():
		return `a decimal number such as "0.01"`
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}
