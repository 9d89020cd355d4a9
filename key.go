package kehu

import (
	"fmt"
	"strings"
)

// Idempotency keys.
//
// Every command that changes a balance, a stock or a case state is a struct with a Key
// field. A repeat with the same key and payload returns the first result and changes
// nothing, also when it races the first attempt; a repeat with another payload fails with
// ErrKeyReused. Keys are opaque: stored and compared byte for byte, never trimmed or
// folded.
//
// A key is valid when it is 1 to MaxKeyLen bytes of UTF-8 with no control characters
// (CheckKey). Keys a host gives must not start with LibraryKeyPrefix (CheckHostKey): keys
// with that prefix are the ones the library makes for itself, from a natural identifier a
// command carries (an order's ID when earning on it, the entry a reversal reverses), so
// that no host key can ever take the place of one of them.
const (
	// MaxKeyLen is the longest key, in bytes.
	MaxKeyLen = 256
	// LibraryKeyPrefix starts every key the library makes for itself.
	LibraryKeyPrefix = "kehu:"
)

// CheckKey reports whether key is well formed, as a *ValidationError on field with rule
// "required" (empty), "encoding" (not UTF-8), "control_char" or "max_length". Every store
// refuses the keys CheckKey refuses, with this error, before it writes anything.
func CheckKey(field, key string) error {
	switch {
	case key == "":
		return Invalid(field, "required", "is empty")
	case len(key) > MaxKeyLen:
		return Invalid(field, "max_length", fmt.Sprintf("is %d bytes, longer than %d", len(key), MaxKeyLen))
	}
	return CheckName(field, key)
}

// CheckHostKey is CheckKey for a key a host gives: it also refuses keys that start with
// LibraryKeyPrefix (rule "reserved").
func CheckHostKey(field, key string) error {
	if err := CheckKey(field, key); err != nil {
		return err
	}
	if strings.HasPrefix(key, LibraryKeyPrefix) {
		return Invalid(field, "reserved", fmt.Sprintf("keys starting with %q are the library's own", LibraryKeyPrefix))
	}
	return nil
}

// LibraryKey returns the key the library makes for a command of the given kind on a
// natural identifier: LibraryKeyPrefix + kind + ":" + parts joined by ":". It is how
// commands that carry such an identifier derive their key when the host gives none.
func LibraryKey(kind string, parts ...string) string {
	var b strings.Builder
	b.WriteString(LibraryKeyPrefix)
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

// CheckOptionalKey is CheckKey for a key that may be left empty: the empty key passes.
// Stores call it on the keys they are handed, so that every store refuses the same keys.
func CheckOptionalKey(field, key string) error {
	if key == "" {
		return nil
	}
	return CheckKey(field, key)
}
