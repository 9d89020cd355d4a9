package exprpolicy

import (
	"cmp"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/kehu-crm/kehu/internal/suggest"
)

// envNames is what the expressions of an environment call its parts, so that a compile
// error speaks of `order` and `hasTag` rather than of the Go types behind them.
type envNames struct {
	env string // the environment's Go type
	// top are the names an expression may start with, in field order.
	top []string
	// types maps the Go type of each struct the environment reaches to the name
	// expressions reach it by ("loyalty.OrderVars" → "order"), longest type first.
	types []typeName
	// fields are each struct's field names as expressions spell them, by Go type.
	fields map[string][]string
	// funcs are the names of the environment's functions, by Go type ("func(string)
	// bool" → hasTag, inSegment).
	funcs map[string][]string
}

type typeName struct{ goType, name string }

var namesCache sync.Map // reflect.Type → *envNames

// namesOf returns the names of env's type, computed once per type.
func namesOf(env any) *envNames {
	t := reflect.TypeOf(env)
	if t == nil {
		return &envNames{}
	}
	if n, ok := namesCache.Load(t); ok {
		return n.(*envNames)
	}
	n := &envNames{fields: map[string][]string{}, funcs: map[string][]string{}}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n.env = t.String()
	if t.Kind() == reflect.Struct {
		seen := map[reflect.Type]bool{t: true}
		for _, f := range suggest.Fields(t, "expr") {
			n.top = append(n.top, f.Name)
			n.walk(f.Name, f.Type, seen)
		}
		for i := range reflect.PointerTo(t).NumMethod() {
			n.top = append(n.top, reflect.PointerTo(t).Method(i).Name)
		}
	}
	slices.SortStableFunc(n.types, func(a, b typeName) int { return cmp.Compare(len(b.goType), len(a.goType)) })
	v, _ := namesCache.LoadOrStore(reflect.TypeOf(env), n)
	return v.(*envNames)
}

// walk records the names of the value at path, of type t.
func (n *envNames) walk(path string, t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Func:
		n.funcs[t.String()] = append(n.funcs[t.String()], path)
	case reflect.Slice, reflect.Array, reflect.Map:
		n.walk(path+"[…]", t.Elem(), seen)
	case reflect.Struct:
		if seen[t] || t.Name() == "" {
			return
		}
		seen[t] = true
		n.types = append(n.types, typeName{goType: t.String(), name: path})
		for _, f := range suggest.Fields(t, "expr") {
			n.fields[t.String()] = append(n.fields[t.String()], f.Name)
			n.walk(path+"."+f.Name, f.Type, seen)
		}
	}
}

var (
	noFieldPattern     = regexp.MustCompile(`^type (\S+) has no field (\S+)`)
	unknownNamePattern = regexp.MustCompile(`^unknown name (\S+)`)
	locationPattern    = regexp.MustCompile(`\s*\(\d+:\d+\)$`)
)

// rewrite turns a compile error's message into the environment's names: "type
// loyalty.OrderVars has no field totl (1:7)" becomes `order has no field totl; did you mean
// "total"? (1:7)`, an unknown name gets the nearest known one, and the Go type of a part
// of the environment is named as expressions reach it.
func (n *envNames) rewrite(msg string) string {
	loc := locationPattern.FindString(msg)
	body := strings.TrimSuffix(msg, loc)
	if loc != "" {
		loc = " " + strings.TrimSpace(loc)
	}
	switch m := noFieldPattern.FindStringSubmatch(body); {
	case m != nil && m[1] == n.env:
		body = "unknown name " + m[2] + didYouMean(m[2], n.top, "known names are ")
	case m != nil:
		if fields, ok := n.fields[m[1]]; ok {
			body = fmt.Sprintf("%s has no field %s%s", n.typeName(m[1]), m[2], didYouMean(m[2], fields, "its fields are "))
		}
	default:
		if m := unknownNamePattern.FindStringSubmatch(body); m != nil {
			body += didYouMean(m[1], n.top, "known names are ")
		}
	}
	for _, tn := range n.types {
		body = strings.ReplaceAll(body, tn.goType, tn.name)
	}
	for goType, names := range n.funcs {
		body = strings.ReplaceAll(body, goType, funcDescription(names))
	}
	body = strings.ReplaceAll(body, n.env, "the environment")
	body = strings.ReplaceAll(body, "interface {}", "any")
	for strings.Contains(body, "  ") {
		body = strings.ReplaceAll(body, "  ", " ")
	}
	return strings.TrimSpace(body) + loc
}

func (n *envNames) typeName(goType string) string {
	for _, tn := range n.types {
		if tn.goType == goType {
			return tn.name
		}
	}
	return goType
}

// didYouMean suggests the candidate nearest to name, or lists the candidates after intro
// when none is near and they are few.
func didYouMean(name string, candidates []string, intro string) string {
	if best, ok := suggest.Nearest(name, candidates); ok {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	if len(candidates) == 0 || len(candidates) > 16 {
		return ""
	}
	return "; " + intro + strings.Join(candidates, ", ")
}

// funcDescription names the functions of one Go type: "the function hasTag", or "a
// function (hasTag, inSegment or hasSKU)".
func funcDescription(names []string) string {
	if len(names) == 1 {
		return "the function " + names[0]
	}
	return "a function (" + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1] + ")"
}
