package crm

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/suggest"
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
	if r == nil {
		return nil, kehu.Invalid("care", "required", "no reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxCareBytes+1))
	if err != nil {
		return nil, fmt.Errorf("crm: reading the care calendar: %w", err)
	}
	if len(data) > MaxCareBytes {
		return nil, kehu.Invalid("care", "max_length", fmt.Sprintf("is longer than %d bytes", MaxCareBytes))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, kehu.Invalid("care", "required", "is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var spec CareSpec
	if err := dec.Decode(&spec); err != nil {
		return nil, careDecodeError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, kehu.Invalid("care", "syntax", fmt.Sprintf("has data after the calendar object, at byte %d", dec.InputOffset()))
	}
	return CompileCare(spec)
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

// careDecodeError turns an encoding/json error into a *kehu.ValidationError. When the JSON
// is well formed, the problems are found again by walking it beside the CareSpec type, so
// that each is named by its full path; encoding/json's own error is the fallback.
func careDecodeError(data []byte, err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return kehu.Invalid("care", "syntax", fmt.Sprintf("is not valid JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return kehu.Invalid("care", "syntax", "ends before the calendar object is complete")
	}
	var raw json.RawMessage
	if json.NewDecoder(bytes.NewReader(data)).Decode(&raw) == nil {
		l := &careLocator{}
		l.value(raw, reflect.TypeFor[CareSpec](), "")
		if err := l.p.Err(); err != nil {
			return err
		}
	}
	var (
		verr *kehu.ValidationError
		typ  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &verr):
		return verr
	case errors.As(err, &typ):
		return kehu.Invalid(cmp.Or(typ.Field, "care"), "type", fmt.Sprintf("cannot hold a JSON %s", typ.Value))
	}
	return kehu.Invalid("care", "format", clip.String(err.Error(), 200))
}

// maxCareDecodeProblems bounds the problems one decoding error lists.
const maxCareDecodeProblems = 50

// careLocator walks well-formed JSON beside the Go type it is decoded into, as
// encoding/json does, and records every value that does not fit with its path: unknown
// fields (with the nearest known name), values of the wrong JSON type and values their
// own decoder refuses.
type careLocator struct{ p kehu.Problems }

var (
	careJSONUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	careTextUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (l *careLocator) add(path, rule, message string) {
	if l.p.Len() < maxCareDecodeProblems {
		l.p.Add(cmp.Or(path, "care"), rule, message)
	}
}

func (l *careLocator) value(raw json.RawMessage, t reflect.Type, path string) {
	raw = bytes.TrimSpace(raw)
	if l.p.Len() >= maxCareDecodeProblems || len(raw) == 0 || string(raw) == "null" {
		return
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(careJSONUnmarshaler) || (pt.Implements(careTextUnmarshaler) && raw[0] == '"') {
		l.decode(raw, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if raw[0] != '{' {
			l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want an object", careJSONKind(raw)))
			return
		}
		l.object(raw, t, path)
	case reflect.Slice:
		if raw[0] != '[' {
			l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want an array", careJSONKind(raw)))
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
	default:
		l.decode(raw, t, path)
	}
}

func (l *careLocator) decode(raw json.RawMessage, t reflect.Type, path string) {
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
		l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", typ.Value, careJSONType(t)))
	default:
		l.add(path, "format", clip.String(err.Error(), 200))
	}
}

func (l *careLocator) object(raw json.RawMessage, t reflect.Type, path string) {
	fields := suggest.Fields(t, "json")
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
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
		f, ok := careMatchField(fields, key)
		if !ok {
			l.add(careJoin(path, clip.String(key, 64)), "unknown_field", careUnknownField(fields, key))
			continue
		}
		l.value(v, f.Type, careJoin(path, f.Name))
	}
}

// careMatchField finds the field a JSON key decodes into: the exact name, else one equal
// under case folding, as encoding/json matches them.
func careMatchField(fields []suggest.Field, key string) (suggest.Field, bool) {
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

func careUnknownField(fields []suggest.Field, key string) string {
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

func careJoin(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func careJSONKind(raw json.RawMessage) string {
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

func careJSONType(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(careTextUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	}
	return "another type"
}
