package suggest

import (
	"reflect"
	"strings"
)

// MaxLen is the longest name Nearest compares; a longer one is not a slip of a known name.
const MaxLen = 64

// Distance returns the Levenshtein distance of a and b: the fewest insertions, deletions
// and substitutions of a rune that turn a into b.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Nearest returns the candidate nearest to name, compared without regard to case, when it
// is near enough to be a slip: at most 3 edits, and at most a third of the longer of the
// two names (at least 1). Of candidates equally near, the first wins. A name or candidate
// longer than MaxLen bytes is never a match.
func Nearest(name string, candidates []string) (string, bool) {
	if len(name) > MaxLen {
		return "", false
	}
	n := strings.ToLower(name)
	best, bestDist := "", -1
	for _, c := range candidates {
		if len(c) > MaxLen {
			continue
		}
		d := Distance(n, strings.ToLower(c))
		if d <= min(3, max(1, max(len([]rune(n)), len([]rune(c)))/3)) && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// Field is a field of a struct under the name a user writes it: its tag name, or its Go
// name when the tag gives none.
type Field struct {
	Name string
	Type reflect.Type
}

// Fields returns the fields of struct type t as a decoder or an expression reads them
// under the tag key (e.g. "json", "expr"): exported fields under the tag's name (the part
// before a comma) or their Go name, the fields of untagged embedded structs promoted, and
// fields tagged "-" left out.
func Fields(t reflect.Type, key string) []Field {
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get(key)
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = append(out, Fields(et, key)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, Field{Name: name, Type: f.Type})
	}
	return out
}
