package strictjson

import (
	"bytes"
	"cmp"
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

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/suggest"
)

// Doc describes a document a loader reads.
type Doc struct {
	// Root is the field a problem with the document as a whole is on: "program".
	Root string
	// Object names the document in messages: "the programme object" gives "has data after
	// the programme object, at byte 120". Empty means "the " + Root + " object".
	Object string
	// Reading prefixes an error of the reader: "loyalty: reading the programme". Empty
	// means "reading the " + Root.
	Reading string
	// Limit is the most bytes read; a longer document is rule "max_length" on Root.
	Limit int
}

// MaxProblems bounds the problems one decoding error lists.
const MaxProblems = 50

// Decode reads one JSON value from r into v, a non-nil pointer, strictly: an unknown field,
// a value of the wrong type, a syntax error or anything after the value is an error, as is
// a document longer than doc.Limit. A nil reader is rule "required" on doc.Root, as is a
// document that is empty or only spaces.
//
// Every error is a *kehu.ValidationError but one of the reader, which is returned wrapped.
// A syntax error, a document that ends early and data after the value are rule "syntax" on
// doc.Root. JSON that is well formed but does not decode names every offending value by its
// full path, at most MaxProblems of them: an unknown field (rule "unknown_field", with the
// nearest known field suggested), a value of the wrong JSON type (rule "type"), a value its
// own UnmarshalText or UnmarshalJSON refuses (the rules of its *kehu.ValidationError, else
// "format"). A problem with the top-level value itself is on doc.Root.
func Decode(r io.Reader, doc Doc, v any) error {
	if r == nil {
		return kehu.Invalid(doc.Root, "required", "no reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(doc.Limit)+1))
	if err != nil {
		return fmt.Errorf("%s: %w", cmp.Or(doc.Reading, "reading the "+doc.Root), err)
	}
	if len(data) > doc.Limit {
		return kehu.Invalid(doc.Root, "max_length", fmt.Sprintf("is longer than %d bytes", doc.Limit))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return kehu.Invalid(doc.Root, "required", "is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(doc, data, err, reflect.TypeOf(v))
	}
	if _, err := dec.Token(); err != io.EOF {
		return kehu.Invalid(doc.Root, "syntax", fmt.Sprintf("has data after %s, at byte %d", doc.object(), dec.InputOffset()))
	}
	return nil
}

func (d Doc) object() string { return cmp.Or(d.Object, "the "+d.Root+" object") }

// decodeError turns an encoding/json error into a *kehu.ValidationError. When the JSON is
// well formed, the problems are found again by walking it beside t (see locator), so that
// each is named by its full path; encoding/json's own error, which names a path without
// array indices, is the fallback.
func decodeError(doc Doc, data []byte, err error, t reflect.Type) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return kehu.Invalid(doc.Root, "syntax", fmt.Sprintf("is not valid JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return kehu.Invalid(doc.Root, "syntax", fmt.Sprintf("ends before %s is complete", doc.object()))
	}
	var raw json.RawMessage // the top-level value, well formed
	if t != nil && json.NewDecoder(bytes.NewReader(data)).Decode(&raw) == nil {
		l := &locator{root: doc.Root}
		l.value(raw, t, "")
		if err := l.p.Err(); err != nil {
			return err
		}
	}
	return fallback(doc.Root, err)
}

// fallback maps encoding/json's error as it is.
func fallback(root string, err error) error {
	var (
		verr *kehu.ValidationError
		typ  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &verr):
		return verr
	case errors.As(err, &typ):
		return kehu.Invalid(cmp.Or(typ.Field, root), "type", fmt.Sprintf("cannot hold a JSON %s; want %s", typ.Value, jsonType(typ.Type)))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if field, uerr := strconv.Unquote(name); uerr == nil {
			return kehu.Invalid(field, "unknown_field", "unknown field")
		}
	}
	return kehu.Invalid(root, "format", clip.String(err.Error(), 200))
}

// locator walks well-formed JSON beside the Go type it is decoded into, as encoding/json
// does, and records every value that does not fit with its path: unknown fields (with the
// nearest known name), values of the wrong JSON type and values their own decoder refuses.
type locator struct {
	root string // the path of the top-level value
	p    kehu.Problems
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	decimalType     = reflect.TypeFor[decimal.Decimal]()
)

func (l *locator) add(path, rule, message string) {
	if l.p.Len() < MaxProblems {
		l.p.Add(cmp.Or(path, l.root), rule, message)
	}
}

// value checks raw, a well-formed JSON value, against t at path.
func (l *locator) value(raw json.RawMessage, t reflect.Type, path string) {
	raw = bytes.TrimSpace(raw)
	if l.p.Len() >= MaxProblems || len(raw) == 0 || string(raw) == "null" {
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
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			l.decode(raw, t, path) // []byte is a base64 string
			return
		}
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
		for _, k := range slices.Sorted(maps.Keys(items)) {
			kpath := joinPath(path, clip.String(k, 64))
			if !l.key(k, t.Key(), kpath) {
				continue
			}
			l.value(items[k], t.Elem(), kpath)
		}
	case reflect.Interface:
	default:
		l.decode(raw, t, path)
	}
}

// key checks a JSON object key against the key type of a map, as encoding/json reads it,
// and records a key that does not fit at path.
func (l *locator) key(k string, t reflect.Type, path string) bool {
	var err error
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		err = reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(k))
	default:
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			_, err = strconv.ParseInt(k, 10, t.Bits())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			_, err = strconv.ParseUint(k, 10, t.Bits())
		}
	}
	if err == nil {
		return true
	}
	var verr *kehu.ValidationError
	if errors.As(err, &verr) && len(verr.Fields) > 0 {
		for _, f := range verr.Fields {
			l.add(path, f.Rule, f.Message)
		}
		return false
	}
	l.add(path, "type", fmt.Sprintf("%s is not a key here; want %s", clip.Quote(k), jsonType(t)))
	return false
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
			l.add(memberPath(raw, path, f.Field), f.Rule, f.Message)
		}
	case errors.As(err, &typ):
		l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", typ.Value, jsonType(t)))
	case t == decimalType:
		l.add(path, "format", fmt.Sprintf("%s is not a decimal number such as \"1\" or \"0.01\"", clip.String(string(raw), 40)))
	default:
		l.add(path, "format", clip.String(err.Error(), 200))
	}
}

// memberPath is where a value's own decoder put a problem. The field of its error names the
// value itself ("priority" from Priority's UnmarshalText), so the problem is at path,
// unless the value is an object and the field is one of its members ("amount" from
// kehu.Money's UnmarshalJSON), which is joined to path.
func memberPath(raw json.RawMessage, path, field string) string {
	if field == "" || raw[0] != '{' {
		return path
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return path
	}
	name := field
	if i := strings.IndexAny(name, ".["); i >= 0 {
		name = name[:i]
	}
	if _, ok := members[name]; !ok {
		return path
	}
	if path == "" {
		return field
	}
	if field[0] == '[' {
		return path + field
	}
	return path + "." + field
}

// wrongType records a value of the wrong JSON type at path.
func (l *locator) wrongType(raw json.RawMessage, t reflect.Type, path string) {
	l.add(path, "type", fmt.Sprintf("cannot hold a JSON %s; want %s", jsonKind(raw), jsonType(t)))
}

// object checks the members of a JSON object against the fields of struct type t, in the
// order they appear. The fields of an embedded struct are the object's own, as
// encoding/json reads them.
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

// jsonType says what JSON a Go type takes.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == decimalType {
		return `a decimal number such as "0.01"`
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
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
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}
