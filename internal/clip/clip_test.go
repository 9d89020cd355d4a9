package clip_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu/internal/clip"
)

func TestString(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 5, "abcde…"},
		{"王小明", 4, "王…"}, // 王 is 3 bytes: the cut never splits a rune
		{"王小明", 3, "王…"},
		{"王小明", 2, "…"},
		{"", 0, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, clip.String(tt.in, tt.n), "String(%q, %d)", tt.in, tt.n)
	}
}

func TestQuote(t *testing.T) {
	assert.Equal(t, `"EUR"`, clip.Quote("EUR"))
	long := "0123456789012345678901234567890123456789xyz"
	assert.Equal(t, `"0123456789012345678901234567890123456789…"`, clip.Quote(long))
}
