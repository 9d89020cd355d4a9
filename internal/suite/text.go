package suite

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// BadText is text no store keeps as given, with the rule kehu.CheckText refuses it with.
type BadText struct{ Name, Text, Rule string }

// BadTexts returns the text every service refuses before a store sees it: not UTF-8, and
// with a NUL byte.
func BadTexts() []BadText {
	return []BadText{
		{"invalid UTF-8", "bad \xff text", "encoding"},
		{"NUL", "bad \x00 text", "control_char"},
	}
}

// RefusesBadText runs a command with each of BadTexts in one field, as subtests named
// name/field/text: each must fail with a *kehu.ValidationError of the text's rule on
// field, and, when snapshot is not nil, leave what snapshot reads of the store (everything
// it holds, say as JSON) as it was.
func RefusesBadText(t *testing.T, name, field string, run func(text string) error, snapshot func(t *testing.T) string) {
	t.Helper()
	for _, bad := range BadTexts() {
		t.Run(name+"/"+field+"/"+bad.Name, func(t *testing.T) {
			var before string
			if snapshot != nil {
				before = snapshot(t)
			}
			err := run(bad.Text)
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "want a *kehu.ValidationError, got %v", err)
			assert.True(t, verr.Has(field, bad.Rule), "want rule %s on %s, got %v", bad.Rule, field, err)
			if snapshot != nil {
				assert.Equal(t, before, snapshot(t), "a refused command must write nothing")
			}
		})
	}
}
