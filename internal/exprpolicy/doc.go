// Package exprpolicy is kehu's one answer to "what may an expression do". Every condition
// a host writes — a loyalty earning rule, a segment, a survey's visibility rule — is an
// expr-lang/expr expression compiled and run here, with the same rules:
//
//   - It is at most MaxLen bytes and MaxNodes syntax nodes; blank means "always" and
//     compiles to a nil program.
//   - It is type-checked against a typed environment when it is compiled: an unknown name,
//     a field of the wrong type or a call with the wrong arguments is a compile error, not
//     a surprise at run time. It sees only what the environment exports (fields, and
//     methods and func fields the environment's author chose); expr cannot reach
//     unexported fields or methods.
//   - It must give a bool (expr.AsBool); at run time nil counts as false.
//   - It has no clock: now() is disabled, so a condition is a pure function of its inputs.
//   - Its arithmetic never invents a number: a division by zero (integer or float), and a
//     division or power whose result is infinite or not a number, is an error — at compile
//     time when the operands are constants (`1/0`), at run time otherwise — rather than
//     +Inf, which would satisfy `total / count > 2`. A remainder by zero is an error too
//     (expr's own rule; a remainder takes integers only, so a float remainder is a type
//     error). And no comparison (==, !=, <, >, <=, >=) sees an infinity or a NaN, whatever
//     made it — a product that overflowed, float("NaN"), a host's attribute: comparing one
//     is an error, ErrNotFinite, rather than `x != 0` quietly holding.
//   - A run uses at most MemoryBudget units of expr's memory accounting.
//   - A panic in expr, at compile or run time, is an error; it never reaches the host.
//
// Compile reports problems into a kehu.Problems on the field the expression came from,
// with rule "max_length" for a long expression and "expression" for one that does not
// compile; the message is the first line of expr's error (with its line:column), cut to a
// readable length, and spoken in the environment's own names: the Go type of a part of the
// environment is named as expressions reach it ("mismatched types order and int", not
// loyalty.OrderVars), a function by its name, and an unknown name or field gets the nearest
// known one ("order has no field totl; did you mean total?") or, when none is near, the
// list of known ones. Run returns the evaluation error, whose Message is one line.
package exprpolicy
