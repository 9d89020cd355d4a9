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
// number, and of a comparison with a number that is infinite or not a number.
var ErrNotFinite = errors.New("the result is not a finite number")

// The names the checked operators are called by once Compile has rewritten the tree. They
// are not identifiers the expression language can spell, so an expression cannot call
// them by name.
const (
	divName = "÷"
	powName = "**"
	// finiteName and finiteAnyName check an operand of a comparison: the first one a
	// float64, the second one of an interface type (an attribute), which passes values that
	// are not numbers through.
	finiteName    = "∞"
	finiteAnyName = "∞?"
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
		p.Add(field, "expression", clip.String(namesOf(env).rewrite(Message(err)), messageLen))
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
		expr.Function(finiteName, checkFinite, new(func(float64) float64)),
		expr.Function(finiteAnyName, checkFinite, new(func(any) any)),
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
//
// It also wraps each operand of a comparison (==, !=, <, >, <=, >=) that may be a
// floating-point number in a check that it is finite, so that an infinity or a NaN from a
// product that overflowed (`total * 1e308 > 1`), from float("NaN") or from a host's
// attribute is an error rather than a comparison that quietly holds (`x != 0`) or fails.
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
	case "==", "!=", "<", ">", "<=", ">=":
		checkOperand(&n.Left)
		checkOperand(&n.Right)
		return
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

// checkOperand wraps the operand of a comparison in a finiteness check when it may be a
// floating-point number that is not a constant: a float64 keeps its type (∞ is
// func(float64) float64), so that the type checker still sees `total > "a"`; a value of
// an interface type keeps its interface type. Integers, strings and booleans cannot be
// infinite and are left alone, and so are the checked divisions and powers, whose results
// are finite already (their nodes are new and have no type yet).
func checkOperand(node *ast.Node) {
	t := (*node).Type()
	if t == nil || isConstant(*node) {
		return
	}
	var name string
	switch t.Kind() {
	case reflect.Float64:
		name = finiteName
	case reflect.Interface:
		name = finiteAnyName
	default:
		return
	}
	call := &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: name},
		Arguments: []ast.Node{*node},
	}
	call.SetLocation((*node).Location())
	*node = call
}

// isConstant reports whether n is a literal.
func isConstant(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.StringNode, *ast.BoolNode, *ast.NilNode, *ast.ConstantNode:
		return true
	}
	return false
}

// checkFinite returns its argument, or ErrNotFinite for an infinite or NaN float.
func checkFinite(params ...any) (any, error) {
	switch v := params[0].(type) {
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, ErrNotFinite
		}
	case float32:
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			return nil, ErrNotFinite
		}
	}
	return params[0], nil
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
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if ok && (id.Value == finiteName || id.Value == finiteAnyName) && len(call.Arguments) == 1 {
		if v, isConst := constant(call.Arguments[0]); isConst {
			if _, err := finite(v); err != nil {
				c.err = &file.Error{Location: call.Location(), Message: err.Error()}
				c.err.Wrap(err)
			}
		}
		return
	}
	if !ok || (id.Value != divName && id.Value != powName) || len(call.Arguments) != 2 {
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
