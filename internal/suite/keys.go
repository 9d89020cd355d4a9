package suite

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// BadKey is a key kehu.CheckKey refuses, with the rule it breaks.
type BadKey struct{ Key, Rule string }

// BadKeys returns the keys every store refuses, whatever it stores: too long, not UTF-8,
// with a control character. A key-taking write of every store is checked against each.
// The empty key is left out: for some commands a key is optional.
func BadKeys() []BadKey {
	return []BadKey{
		{strings.Repeat("k", kehu.MaxKeyLen+1), "max_length"},
		{"bad\xffutf8", "encoding"},
		{"nul\x00key", "control_char"},
	}
}

// RequireBadKey checks that err refuses a key as kehu.CheckKey does: a
// *kehu.ValidationError with the rule on field "key". what names the call.
func RequireBadKey(t testing.TB, err error, rule, what string) {
	t.Helper()
	var verr *kehu.ValidationError
	require.True(t, errors.As(err, &verr), "%s: want a *kehu.ValidationError on key (%s), got %v", what, rule, err)
	assert.True(t, verr.Has("key", rule), "%s: want rule %q on key, got %v", what, rule, err)
}
