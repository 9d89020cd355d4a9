package kehu_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

func TestCheckKey(t *testing.T) {
	tests := []struct {
		name, key, rule string
	}{
		{"ok", "checkout-42", ""},
		{"unicode ok", "订单-42", ""},
		{"spaces kept, not trimmed", " k ", ""},
		{"longest", strings.Repeat("k", kehu.MaxKeyLen), ""},
		{"empty", "", "required"},
		{"too long", strings.Repeat("k", kehu.MaxKeyLen+1), "max_length"},
		{"bad utf-8", "k\xff", "encoding"},
		{"nul", "k\x00", "control_char"},
		{"newline", "k\n", "control_char"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := kehu.CheckKey("cmd.key", tt.key)
			if tt.rule == "" {
				assert.NoError(t, err)
				return
			}
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "%v", err)
			assert.True(t, verr.Has("cmd.key", tt.rule), "%v", err)
			assert.ErrorIs(t, err, kehu.ErrInvalid)
		})
	}
}

func TestCheckHostKeyRefusesTheLibraryNamespace(t *testing.T) {
	lib := kehu.LibraryKey("order", "SO-9")
	assert.Equal(t, "kehu:order:SO-9", lib)
	assert.NoError(t, kehu.CheckKey("key", lib), "stores take the library's keys")
	var verr *kehu.ValidationError
	require.True(t, errors.As(kehu.CheckHostKey("key", lib), &verr))
	assert.True(t, verr.Has("key", "reserved"))
	assert.NoError(t, kehu.CheckHostKey("key", "order:SO-9"), "a host key that looks like an old library key is the host's")
	require.True(t, errors.As(kehu.CheckHostKey("key", ""), &verr))
	assert.True(t, verr.Has("key", "required"))
}
