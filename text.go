package kehu

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kehu-crm/kehu/internal/clip"
)

// Text a store keeps.
//
// Every store keeps the text a command gives it byte for byte, and a lookup by the same
// text finds it. PostgreSQL's text and jsonb hold neither text that is not UTF-8 nor a NUL
// byte, so the services refuse such text before anything is written, on the field that
// holds it: CheckText for free text, CheckName for text that names or identifies something.

// CheckText reports whether s is text every store keeps as given, as a *ValidationError
// on field: rule "encoding" when s is not valid UTF-8, "control_char" when it holds a NUL
// byte. Any other character passes, line breaks and tabs included.
func CheckText(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return Invalid(field, "encoding", "is not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return Invalid(field, "control_char", "contains a NUL byte")
	}
	return nil
}

// CheckName is CheckText for text that names or identifies something and is compared byte
// for byte (an actor, a line of an order): it refuses every control character, line breaks
// and tabs included, with rule "control_char", as CheckKey does.
func CheckName(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return Invalid(field, "encoding", "is not valid UTF-8")
	case strings.ContainsFunc(s, unicode.IsControl):
		return Invalid(field, "control_char", fmt.Sprintf("%s contains a control character", clip.Quote(s)))
	}
	return nil
}
