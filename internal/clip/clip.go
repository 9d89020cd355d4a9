package clip

import (
	"fmt"
	"unicode/utf8"
)

// String returns s cut to at most n bytes, ending on a whole rune, with "…" appended when
// anything was cut.
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Quote returns s quoted with %q, cut to 40 bytes first (see String).
func Quote(s string) string {
	return fmt.Sprintf("%q", String(s, 40))
}
