package exprpolicy_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// env is an environment of the kinds kehu's environments have.
type env struct {
	Total      float64           `expr:"total"`
	Count      int               `expr:"count"`
	Minor      int64             `expr:"minor"`
	Small      uint8             `expr:"small"`
	Name       string            `expr:"name"`
	Tags       []string          `expr:"tags"`
	Attributes map[string]any    `expr:"attributes"`
	HasTag     func(string) bool `expr:"hasTag"`
	hidden     int               //nolint:unused // expressions must not see it
}

func sample() *env {
	return &env{hidden: 1, Total: 100, Count: 4, Minor: 10000, Small: 2, Name: "Ann", Tags: []string{"vip"},
		Attributes: map[string]any{"visits": 3, "zero": 0, "note": "x", "ratio": 0.75, "two": 2.0,
			"nan": math.NaN(), "inf": math.Inf(1), "ninf": float32(math.Inf(-1))},
		HasTag: func(t string) bool { return t == "vip" }}
}

// compile compiles src and returns the program and the problems.
func compile(t *testing.T, src string) (*vm.Program, *kehu.ValidationError) {
	t.Helper()
	var p kehu.Problems
	prog := exprpolicy.Compile(&p, "rules[0].when", src, env{})
	if err := p.Err(); err != nil {
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr)
		require.Nil(t, prog)
		return nil, verr
	}
	return prog, nil
}

func run(t *testing.T, src string, e *env) (bool, error) {
	t.Helper()
	prog, verr := compile(t, src)
	require.Nil(t, verr, "%s compiles", src)
	var m vm.VM
	return exprpolicy.Run(&m, prog, e)
}

func TestCompileProblems(t *testing.T) {
	tests := []struct {
		name, src, rule, message string
	}{
		{"too long", strings.Repeat("1 == 1 && ", 410) + "true", "max_length", "is longer than 4096 bytes"},
		{"syntax", "total >", "expression", "unexpected token EOF"},
		{"unknown name", "totl > 1", "expression", "unknown name totl"},
		{"not bool", "total + 1", "expression", "expected bool"},
		{"type mismatch", `name > 1`, "expression", "invalid operation"},
		{"string divided", `name / 2 > 1`, "expression", "invalid operation: / (mismatched types string and int)"},
		{"no clock", "now().Year() > 2000", "expression", "now"},
		{"unexported field", "hidden > 0", "expression", "unknown name hidden"},
		{"literal division by zero", "1/0 > 1", "expression", "division by zero (1:2)"},
		{"division by a zero float", "total / 0.0 > 1", "expression", "division by zero"},
		{"folded division by zero", "total / (2 - 2) > 1", "expression", "division by zero"},
		{"division by negative zero", "count / -0 > 1", "expression", "division by zero"},
		{"constant overflow", "1e308 / 1e-308 > 1", "expression", "not a finite number"},
		{"constant power", "10 ** 400 > 1", "expression", "not a finite number"},
		{"zero to a negative power", "0 ^ -1 > 1", "expression", "not a finite number"},
		{"integer remainder by zero", "count % 0 == 1", "expression", "integer divide by zero (1:7)"},
		{"constant remainder by zero", "3 % (1 - 1) == 1", "expression", "integer divide by zero"},
		{"division function is not callable", "÷(1, 2) > 0", "expression", ""},
		{"finite check is not callable", "∞(total) > 0", "expression", ""},
		{"constant product overflows", "1e308 * 10 > 0", "expression", "not a finite number (1:7)"},
		{"constant sum overflows", "total > 1e308 + 1e308", "expression", "not a finite number"},
		{"float remainder", "total % 2 == 0", "expression", "invalid operation: % (mismatched types float64 and int)"},
		{"remainder by a float", "count % 0.5 == 0", "expression", "invalid operation: %"},
		{"comparison types are still checked", `total > "a"`, "expression", "invalid operation: > (mismatched types float64 and string)"},
		{"comparison types are still checked on the right", `name == total`, "expression", "invalid operation: == (mismatched types string and float64)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, verr := compile(t, tt.src)
			require.NotNil(t, verr, "%s must not compile", tt.src)
			require.Len(t, verr.Fields, 1)
			f := verr.Fields[0]
			assert.Equal(t, "rules[0].when", f.Field)
			assert.Equal(t, tt.rule, f.Rule)
			assert.Contains(t, f.Message, tt.message)
			assert.NotContains(t, f.Message, "\n", "one line")
			assert.LessOrEqual(t, len(f.Message), 204)
		})
	}
}

func TestCompileBlankIsAlways(t *testing.T) {
	for _, src := range []string{"", "  \n\t"} {
		prog, verr := compile(t, src)
		assert.Nil(t, verr)
		assert.Nil(t, prog)
		ok, err := exprpolicy.Run(new(vm.VM), prog, sample())
		require.NoError(t, err)
		assert.True(t, ok)
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"division", "total / count > 2", true},
		{"integer division gives a float", "count / 8 == 0.5", true},
		{"int64 and uint8", "minor / small == 5000", true},
		{"nested", "total / count / small == 12.5", true},
		{"attribute", `attributes["visits"] / 3 == 1`, true},
		{"power", "count ** 2 == 16 && count ^ 0.5 == 2", true},
		{"negative division", "-total / count < 0", true},
		{"func field", `hasTag("vip")`, false},
		{"tags", `"vip" in tags`, true},
		{"false", "total < 1", false},
		{"nil is false", `attributes["missing"] ?? nil`, false},
		{"attribute compared with a string", `attributes["note"] == "x"`, true},
		{"missing attribute is nil", `attributes["missing"] == nil`, true},
		{"finite float attribute", `attributes["ratio"] > 0.5`, true},
		{"large finite product", "total * 1e300 > 1e301", true},
		{"float equality", "total == 100.0 && total != 99", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			if tt.name == "func field" {
				e.HasTag = func(string) bool { return false }
			}
			got, err := run(t, tt.src, e)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRunDivisionByZeroIsAnError(t *testing.T) {
	tests := []struct {
		name, src string
		set       func(*env)
		is        error
	}{
		{"int divisor", "total / count > 2", func(e *env) { e.Count = 0 }, exprpolicy.ErrDivisionByZero},
		{"float divisor", "count / total > 2", func(e *env) { e.Total = 0 }, exprpolicy.ErrDivisionByZero},
		{"zero by zero", "total / count != total / count", func(e *env) { e.Total, e.Count = 0, 0 }, exprpolicy.ErrDivisionByZero},
		{"inside not", "!(total / count <= 2)", func(e *env) { e.Count = 0 }, exprpolicy.ErrDivisionByZero},
		{"attribute", `total / attributes["zero"] > 1`, nil, exprpolicy.ErrDivisionByZero},
		{"overflow", "total / minor > 1", func(e *env) { e.Total, e.Minor = math.MaxFloat64, 0 }, exprpolicy.ErrDivisionByZero},
		{"infinite quotient", "total / 1e-300 > 1", func(e *env) { e.Total = 1e300 }, exprpolicy.ErrNotFinite},
		{"root of a negative", "total ** 0.5 > 1", func(e *env) { e.Total = -4 }, exprpolicy.ErrNotFinite},
		{"zero to a negative power", "total ** -1 > 1", func(e *env) { e.Total = 0 }, exprpolicy.ErrNotFinite},
		{"in a predicate", "any(tags, total / count > 1)", func(e *env) { e.Count = 0 }, exprpolicy.ErrDivisionByZero},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			if tt.set != nil {
				tt.set(e)
			}
			got, err := run(t, tt.src, e)
			require.Error(t, err)
			assert.False(t, got)
			assert.ErrorIs(t, err, tt.is)
			assert.NotContains(t, exprpolicy.Message(err), "\n")
		})
	}
}

func TestRunNonFiniteComparisonIsAnError(t *testing.T) {
	tests := []struct {
		name, src string
		set       func(*env)
	}{
		{"overflowing product", "total * 1e308 > 1", nil},
		{"overflowing product on the right", "1 < total * 1e308", nil},
		{"negative overflow", "-total * 1e308 < 0", nil},
		{"overflowing sum", "total + 1.7e308 + 1.7e308 > 0", nil},
		{"NaN from float", `float("NaN") != 0`, nil},
		{"infinity from float", `float("inf") > 0`, nil},
		{"NaN attribute unequal", `attributes["nan"] != 0`, nil},
		{"NaN attribute equal to itself", `attributes["nan"] == attributes["nan"]`, nil},
		{"infinite attribute", `attributes["inf"] > 1000`, nil},
		{"infinite float32 attribute", `attributes["ninf"] < 0`, nil},
		{"infinite field", "total > 1", func(e *env) { e.Total = math.Inf(1) }},
		{"NaN field", "total != 1", func(e *env) { e.Total = math.NaN() }},
		{"through max", "max(total * 1e308, 1) > 2", nil},
		{"through abs", "abs(total * 1e308) > 0", nil},
		{"in a predicate", `any(tags, total * 1e308 > 1)`, nil},
		{"under not", "!(total * 1e308 <= 1)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			if tt.set != nil {
				tt.set(e)
			}
			got, err := run(t, tt.src, e)
			require.Error(t, err)
			assert.False(t, got)
			assert.ErrorIs(t, err, exprpolicy.ErrNotFinite)
		})
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct{ name, src, message string }{
		{"nil attribute compared", `attributes["missing"] > 1`, "invalid operation"},
		{"string attribute divided", `attributes["note"] / 2 > 1`, "invalid operation: string / int"},
		{"nil attribute divided", `attributes["missing"] / 2 > 1`, "invalid operation: <nil> / int"},
		{"remainder by zero", "minor % (count - 4) == 1", "integer divide by zero"},
		{"remainder by a zero attribute", `count % attributes["zero"] == 1`, "integer divide by zero"},
		{"float attribute remainder", `attributes["ratio"] % 2 == 1`, "invalid operation: float64 % int"},
		{"remainder by a float attribute", `count % attributes["two"] == 0`, "invalid operation"},
		{"memory budget", "len(map(1..2000000, #)) > 0", "memory budget exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, tt.src, sample())
			require.Error(t, err)
			assert.False(t, got)
			assert.Contains(t, exprpolicy.Message(err), tt.message)
		})
	}
}

func TestMessage(t *testing.T) {
	assert.Equal(t, "first", exprpolicy.Message(errors.New("first\nsecond")))
	long := exprpolicy.Message(errors.New(strings.Repeat("é", 300)))
	assert.LessOrEqual(t, len(long), 204)
	assert.True(t, strings.HasSuffix(long, "…"))
}

func TestRunReusesTheMachine(t *testing.T) {
	prog, verr := compile(t, "total / count > 2")
	require.Nil(t, verr)
	var m vm.VM
	e := sample()
	for i := range 3 {
		e.Count = i
		ok, err := exprpolicy.Run(&m, prog, e)
		if i == 0 {
			assert.ErrorIs(t, err, exprpolicy.ErrDivisionByZero)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, 100/float64(i) > 2, ok)
	}
}
