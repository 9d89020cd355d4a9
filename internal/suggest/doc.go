// Package suggest finds the name a user probably meant: the nearest of the known names by
// edit distance, for "unknown field; did you mean …?" in programme JSON and in expressions,
// and reads a struct's fields under the names a decoder or an expression gives them
// (Fields).
package suggest
