package suite

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

var timeType = reflect.TypeFor[time.Time]()

// NotUTC returns the paths of the instants in v (time.Time values, at any depth of
// structs, pointers, slices and maps) that are set but not in UTC.
func NotUTC(v any) []string {
	var out []string
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		if !v.IsValid() {
			return
		}
		if v.Type() == timeType {
			if t := v.Interface().(time.Time); !t.IsZero() && t.Location() != time.UTC {
				out = append(out, fmt.Sprintf("%s (%s)", path, t.Location()))
			}
			return
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(path+"."+f.Name, v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(fmt.Sprintf("%s[%v]", path, it.Key()), it.Value())
			}
		}
	}
	walk(fmt.Sprintf("%T", v), reflect.ValueOf(v))
	return out
}

// RequireUTC fails the test if an instant in v is not in UTC (see NotUTC): what a service
// records it records in UTC, and a store returns it so.
func RequireUTC(t testing.TB, v any, contract string, args ...any) {
	t.Helper()
	if bad := NotUTC(v); len(bad) > 0 {
		t.Fatalf("%s: instants not in UTC:\n\t%v", fmt.Sprintf(contract, args...), bad)
	}
}
