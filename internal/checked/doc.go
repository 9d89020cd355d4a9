// Package checked holds kehu's one definition of integer arithmetic that reports overflow
// instead of wrapping, and of the powers of ten that fixed-point amounts are scaled by.
// Every function returns (value, ok): ok is false, and the value 0, when the exact result
// does not fit. They are small enough to inline, so hot paths call them freely.
package checked
