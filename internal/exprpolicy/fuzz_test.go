package exprpolicy_test

import (
	"testing"

	"github.com/expr-lang/expr/vm"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// FuzzCompile checks that any source either compiles or gives exactly one problem on its
// field, never a panic, and that a compiled program runs to a bool or an error.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"", "total / count > 2", "1/0 > 1", "total / (2-2) > 1", "count % 0 == 1", "10 ** 400 > 1",
		`attributes["x"] / 2 > 1`, `hasTag("vip") && total > 100`, "now() > 0", "any(tags, # == \"a\")",
		"total ^ -1 > 0", "1..3 | map(# / 0) | len() > 0", "let x = count; total / x > 1",
		"(total > 1) / 2", "[1,2,3][count / 2] > 0",
		"total * 1e308 > 1", `float("NaN") != 0`, `attributes["nan"] == nil`, "1e308 * 10 > 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var p kehu.Problems
		prog := exprpolicy.Compile(&p, "when", src, env{})
		if p.Len() > 1 {
			t.Fatalf("%q: %d problems", src, p.Len())
		}
		if p.Len() == 1 {
			if prog != nil {
				t.Fatalf("%q: a program and a problem", src)
			}
			return
		}
		e := sample()
		e.Count = 0
		var m vm.VM
		_, _ = exprpolicy.Run(&m, prog, e)
	})
}
