package enum

import (
	"fmt"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Enum is implemented by kehu's string enums.
type Enum interface {
	~string
	Valid() bool
}

// Parse reads s as an E: trimmed, lower-cased, and valid by E.Valid, else a validation
// error on field with rule "enum".
func Parse[E Enum](field, s string) (E, error) {
	e := E(strings.ToLower(strings.TrimSpace(s)))
	if !e.Valid() {
		return "", kehu.Invalid(field, "enum", fmt.Sprintf("%s is not a known value", clip.Quote(s)))
	}
	return e, nil
}

// Unmarshal decodes text into dst with Parse; empty text sets dst to the unset value "".
func Unmarshal[E Enum](field string, dst *E, b []byte) error {
	if len(b) == 0 {
		*dst = ""
		return nil
	}
	v, err := Parse[E](field, string(b))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
