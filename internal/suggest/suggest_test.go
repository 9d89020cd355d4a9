package suggest_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu/internal/suggest"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3}, // the textbook example
		{"flaw", "lawn", 2},
		{"multipler", "multiplier", 1},
		{"totl", "total", 1},
		{"ab", "ba", 2},
		{"会员", "会员卡", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		t.Run(tt.a+"→"+tt.b, func(t *testing.T) {
			assert.Equal(t, tt.want, suggest.Distance(tt.a, tt.b))
			assert.Equal(t, tt.want, suggest.Distance(tt.b, tt.a), "symmetric")
		})
	}
}

func TestNearest(t *testing.T) {
	fields := []string{"point_type", "multiplier", "extra_base", "bonus", "tier_multiplier"}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"multipler", "multiplier", true},
		{"Multiplier", "multiplier", true},
		{"bonnus", "bonus", true},
		{"pointtype", "point_type", true},
		{"extrabase", "extra_base", true},
		{"tier_multipler", "tier_multiplier", true},
		{"colour", "", false},
		{"b", "", false},
		{"bo", "", false},
		{strings.Repeat("multiplier", 10), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := suggest.Nearest(tt.name, fields)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	got, ok := suggest.Nearest("ab", []string{"ax", "ay"})
	assert.True(t, ok)
	assert.Equal(t, "ax", got, "the first of equally near candidates")
}

func TestFields(t *testing.T) {
	type inner struct {
		Deep string `json:"deep"`
	}
	type sample struct {
		inner
		Plain    int
		Tagged   string `json:"tagged,omitempty" expr:"t"`
		Skipped  string `json:"-"`
		hidden   string
		Embedded *inner `json:"embedded"`
	}
	_ = sample{hidden: "unexported fields are never read"}
	names := func(fs []suggest.Field) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	typ := reflect.TypeFor[sample]()
	assert.Equal(t, []string{"deep", "Plain", "tagged", "embedded"}, names(suggest.Fields(typ, "json")))
	assert.Equal(t, []string{"Deep", "Plain", "t", "Skipped", "Embedded"}, names(suggest.Fields(typ, "expr")))
}
