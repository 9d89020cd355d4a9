// Package clip shortens user input for error messages, so that an error never echoes a
// megabyte of text back at its caller.
package clip
