package suite

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Exempt names a field that a round-trip fixture leaves unset, with the reason it cannot
// set it. Exemptions are for fields a fixture truly cannot set; every one must say why.
type Exempt struct {
	// Path is the field's path as RequireEveryFieldSet reports it, with [*] for any index or
	// map key: "Entry.Lots[*].Line". It exempts the field and everything inside it.
	Path string
	// Reason says why the fixture cannot set the field.
	Reason string
}

// RequireEveryFieldSet fails the test and stops it unless every exported field reachable
// from v is set, naming the full path of each one that is not ("Customer.Profile.Emails[0].Label").
// It walks structs, the elements of slices and arrays of structs, map values, pointers and
// interfaces. A field is unset when it is its type's zero value, or an empty slice or map,
// or a nil pointer or interface. A struct without exported fields (time.Time,
// decimal.Decimal, kehu.Money, kehu.ID…) is a leaf: it is set when it is not its zero
// value. So is an array (a uuid.UUID). Unexported fields are not walked.
//
// Round-trip fixtures call it so that a field added to a stored type later, and forgotten
// by a fixture, fails the suite: the fixture must set it, and then a store whose encoder
// drops it fails the round trip. An exemption that matches no unset field fails the test
// too, so that the list does not outlive its reason.
func RequireEveryFieldSet(t testing.TB, v any, exempt ...Exempt) {
	t.Helper()
	unset, stale := unsetFields(v, exempt)
	for _, e := range stale {
		t.Errorf("suite fixture: exemption %q (%s) matches no unset field; remove it", e.Path, e.Reason)
	}
	if len(unset) > 0 {
		t.Errorf("suite fixture: %d exported field(s) of the %T are zero or empty, so a store that drops them would go unnoticed; set them:\n\t%s",
			len(unset), v, strings.Join(unset, "\n\t"))
	}
	if len(unset) > 0 || len(stale) > 0 {
		t.FailNow()
	}
}

// UnsetFields returns the paths RequireEveryFieldSet reports for v, in the order of the
// fields, leaving out those the exemptions cover.
func UnsetFields(v any, exempt ...Exempt) []string {
	unset, _ := unsetFields(v, exempt)
	return unset
}

var indexRE = regexp.MustCompile(`\[[^\]]*\]`)

func unsetFields(v any, exempt []Exempt) (unset []string, stale []Exempt) {
	used := make([]bool, len(exempt))
	covered := func(path string) bool {
		general := indexRE.ReplaceAllString(path, "[*]")
		for i, e := range exempt {
			for _, p := range []string{path, general} {
				if p == e.Path || strings.HasPrefix(p, e.Path+".") || strings.HasPrefix(p, e.Path+"[") {
					used[i] = true
					return true
				}
			}
		}
		return false
	}
	w := &fieldWalker{report: func(path string) {
		if !covered(path) {
			unset = append(unset, path)
		}
	}}
	rv := reflect.ValueOf(v)
	name := "value"
	if rv.IsValid() {
		t := rv.Type()
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Name() != "" {
			name = t.Name()
		}
	}
	w.walk(name, rv)
	for i, e := range exempt {
		if !used[i] {
			stale = append(stale, e)
		}
	}
	return unset, stale
}

type fieldWalker struct {
	report func(path string)
}

func (w *fieldWalker) walk(path string, v reflect.Value) {
	if !v.IsValid() {
		w.report(path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			w.report(path)
			return
		}
		w.walk(path, v.Elem())
	case reflect.Struct:
		if !hasExported(v.Type()) {
			if v.IsZero() {
				w.report(path)
			}
			return
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				w.walk(path+"."+f.Name, v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			w.report(path)
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes: set when not empty
		}
		for i := range v.Len() {
			w.walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 {
			w.report(path)
			return
		}
		keys := make([]string, 0, v.Len())
		values := make(map[string]reflect.Value, v.Len())
		for it := v.MapRange(); it.Next(); {
			key := fmt.Sprint(it.Key().Interface())
			if it.Key().Kind() == reflect.String {
				key = strconv.Quote(it.Key().String())
			}
			keys = append(keys, key)
			values[key] = it.Value()
		}
		slices.Sort(keys)
		for _, key := range keys {
			w.walk(path+"["+key+"]", values[key])
		}
	default:
		if v.IsZero() {
			w.report(path)
		}
	}
}

// hasExported reports whether a struct type has an exported field. One without keeps its
// state to itself, so only its zero value tells whether it is set.
func hasExported(t reflect.Type) bool {
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			return true
		}
	}
	return false
}
