package kehu_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

func TestCheckTextAndName(t *testing.T) {
	tests := []struct {
		name, s            string
		textRule, nameRule string
	}{
		{"empty", "", "", ""},
		{"plain", "a note", "", ""},
		{"unicode", "王小明 — café", "", ""},
		{"newline and tab", "line one\n\tline two", "", "control_char"},
		{"other control", "a\x01b", "", "control_char"},
		{"delete", "a\x7fb", "", "control_char"},
		{"nul", "a\x00b", "control_char", "control_char"},
		{"bad utf-8", "a\xffb", "encoding", "encoding"},
		{"truncated rune", "\xe7\x8e", "encoding", "encoding"},
		{"surrogate half", "\xed\xa0\x80", "encoding", "encoding"},
		{"bad utf-8 and nul", "\xff\x00", "encoding", "encoding"},
	}
	check := func(t *testing.T, err error, rule string) {
		t.Helper()
		if rule == "" {
			assert.NoError(t, err)
			return
		}
		var verr *kehu.ValidationError
		require.True(t, errors.As(err, &verr), "%v", err)
		assert.True(t, verr.Has("note.text", rule), "%v", err)
		assert.Len(t, verr.Fields, 1)
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, kehu.CheckText("note.text", tt.s), tt.textRule)
			check(t, kehu.CheckName("note.text", tt.s), tt.nameRule)
		})
	}
}
