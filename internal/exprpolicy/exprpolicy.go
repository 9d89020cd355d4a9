package exprpolicy

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

const (
	// MaxLen is the longest expression, in bytes.
	MaxLen = 4096
	// MaxNodes bounds the syntax tree of an expression; MaxLen bytes rarely come close.
	MaxNodes = 4096
	// MemoryBudget bounds the memory one run may use, in expr's units (roughly, elements
	// of the arrays and maps the expression builds).
	MemoryBudget = 1_000_000
	// messageLen is the longest message a problem or an error carries.
	messageLen = 200
)

// ErrDivisionByZero is the error of a division by zero.
var ErrDivisionByZero = errors.New("division by zero")

// ErrNotFinite is the error of a division or power whose result is infinite or not a
// number.
var ErrNotFinite = errors.New("the result is not a finite number")

// The names the checked operators are called by once Compile has rewritten the tree. They
// are not identifiers the expression language can spell, so an expression cannot call
// them by name.
const (
	divName = "÷"
	powName = "**"
)

// Compile compiles the condition src against env and returns its program; nil when src is
// blank (always true) or when it has problems, which go to p on field.
//
// env is a struct value (SegmentEnv{}), not a pointer: expr resolves the fields of a struct
// environment to index paths when it compiles, but looks the fields of a pointer
// environment up by name on every run. Run the program on a pointer to the environment
// (&env), which expr dereferences, so that nothing is copied per run.
func Compile(p *kehu.Problems, field, src string, env any) *vm.Program {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	if len(src) > MaxLen {
		p.Addf(field, "max_length", "is longer than %d bytes", MaxLen)
		return nil
	}
	prog, err := compile(src, env)
	if err != nil {
		p.Add(field, "expression", Message(err))
		return nil
	}
	return prog
}

func compile(src string, env any) (prog *vm.Program, err error) {
	defer func() {
		// expr-lang is fuzzed and returns errors, but an expression is user input: never let
		// a defect in the compiler take the host down.
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("cannot compile the expression: %v", r)
		}
	}()
	prog, err = expr.Compile(src,
		expr.Env(env),
		expr.AsBool(),
		expr.DisableBuiltin("now"),
		expr.MaxNodes(MaxNodes),
		expr.Patch(checkedArithmetic{}),
		expr.Function(divName, divide, new(func(any, any) float64)),
		expr.Function(powName, power, new(func(any, any) float64)),
	)
	if err != nil {
		return nil, err
	}
	if err := constantArithmetic(prog); err != nil {
		return nil, err
	}
	return prog, nil
}

// Run evaluates a compiled condition on env (a pointer to the environment Compile was
// given); a nil program is true. An evaluation error — a missing attribute compared with
// a number, a division by zero, the memory budget exceeded — is returned, never panicked,
// and so is a result that is not a bool.
func Run(machine *vm.VM, prog *vm.Program, env any) (ok bool, err error) {
	if prog == nil {
		return true, nil
	}
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("the expression failed: %v", r)
		}
	}()
	machine.MemoryBudget = MemoryBudget
	out, err := machine.Run(prog, env)
	if err != nil {
		return false, err
	}
	switch v := out.(type) {
	case bool:
		return v, nil
	case nil:
		return false, nil
	}
	return false, fmt.Errorf("the expression gave %T, not bool", out)
}

// Message returns err's message for a user: its first line (expr adds the source and a
// caret on the next ones), cut to a readable length.
func Message(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip.String(s, messageLen)
}

// checkedArithmetic rewrites a / b into ÷(a, b) and a ** b (or a ^ b) into **(a, b):
// calls of divide and power, which refuse a zero divisor and a result that is not finite.
// Operands whose type is known and not a number are left alone, so that the type checker
// reports expr's own error ("invalid operation: / (mismatched types string and int)").
type checkedArithmetic struct{}

func (checkedArithmetic) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	var name string
	switch n.Operator {
	case "/":
		name = divName
	case "**", "^":
		name = powName
	default:
		return
	}
	if !maybeNumber(n.Left.Type()) || !maybeNumber(n.Right.Type()) {
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: name},
		Arguments: []ast.Node{n.Left, n.Right},
	})
}

// maybeNumber reports whether a value of type t may be a number: t is a number type, an
// interface, or unknown.
func maybeNumber(t reflect.Type) bool {
	if t == nil {
		return true
	}
	switch t.Kind() {
	case reflect.Interface,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// number converts a number of any Go numeric type to float64, as expr's / and ** do.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(r.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(r.Uint()), true
	case reflect.Float32, reflect.Float64:
		return r.Float(), true
	}
	return 0, false
}

func operands(op string, params []any) (a, b float64, err error) {
	a, ok1 := number(params[0])
	b, ok2 := number(params[1])
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("invalid operation: %T %s %T", params[0], op, params[1])
	}
	return a, b, nil
}

// divide is a / b in float64, as expr computes it, but a zero divisor or a result that is
// not finite is an error.
func divide(params ...any) (any, error) {
	a, b, err := operands("/", params)
	if err != nil {
		return nil, err
	}
	if b == 0 {
		return nil, ErrDivisionByZero
	}
	return finite(a / b)
}

// power is a ** b, as expr computes it (math.Pow), but a result that is not finite — 0 **
// -1, (-8) ** 0.5, 10 ** 400 — is an error.
func power(params ...any) (any, error) {
	a, b, err := operands("**", params)
	if err != nil {
		return nil, err
	}
	return finite(math.Pow(a, b))
}

func finite(v float64) (any, error) {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, ErrNotFinite
	}
	return v, nil
}

// constantArithmetic finds the checked operations of a compiled program whose operands
// expr's optimizer folded to constants, and evaluates them: `1/0`, `x / (2 - 2)`,
// `10 ** 400` and `x % 0` are errors at compile time, with the operation's position.
func constantArithmetic(prog *vm.Program) error {
	c := &constants{}
	node := prog.Node()
	ast.Walk(&node, c)
	if c.err == nil {
		return nil
	}
	return c.err.Bind(prog.Source())
}

type constants struct{ err *file.Error }

func (c *constants) Visit(node *ast.Node) {
	if c.err != nil {
		return
	}
	if n, ok := (*node).(*ast.BinaryNode); ok && n.Operator == "%" {
		if b, ok := constant(n.Right); ok && b == 0 {
			c.err = &file.Error{Location: n.Location(), Message: "integer divide by zero"}
		}
		return
	}
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 2 {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || (id.Value != divName && id.Value != powName) {
		return
	}
	a, aConst := constant(call.Arguments[0])
	b, bConst := constant(call.Arguments[1])
	var err error
	switch {
	case id.Value == divName && bConst && b == 0:
		err = ErrDivisionByZero
	case aConst && bConst && id.Value == divName:
		_, err = divide(a, b)
	case aConst && bConst:
		_, err = power(a, b)
	}
	if err != nil {
		c.err = &file.Error{Location: call.Location(), Message: err.Error()}
		c.err.Wrap(err)
	}
}

// constant returns the value of a numeric constant node.
func constant(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		return float64(v.Value), true
	case *ast.FloatNode:
		return v.Value, true
	case *ast.ConstantNode:
		return number(v.Value)
	}
	return 0, false
}
