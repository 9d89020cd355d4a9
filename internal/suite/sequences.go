package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// Sequences runs a conformance suite's differential group: seeded random sequences of
// commands, each run by run over the store under test and the memory store side by side.
// The environment sets how many sequences (prefix_SEQS, default seqs), how many commands
// each (prefix_STEPS, default steps) and the first seed (prefix_SEED, default seed); the
// i-th sequence has seed + i and runs as the subtest "seed=N", so that it can make its
// stores with its own *testing.T and have them released when it ends. run counts its
// commands' outcomes in stats, which is logged at the end. The first sequence that fails
// stops the rest, with the settings that replay it alone.
func Sequences(t *testing.T, prefix string, seqs, steps int, seed uint64, run func(t *testing.T, seed uint64, steps int, stats map[string]int)) {
	t.Helper()
	seqs = knob(prefix+"_SEQS", seqs)
	steps = knob(prefix+"_STEPS", steps)
	seed = uint64(knob(prefix+"_SEED", int(seed)))
	stats := map[string]int{}
	defer func() { t.Logf("outcomes over %d sequences: %v", seqs, stats) }()
	for i := range seqs {
		s := seed + uint64(i)
		if !t.Run("seed="+strconv.FormatUint(s, 10), func(t *testing.T) { run(t, s, steps, stats) }) {
			t.Fatalf("the sequence of seed %d differs; replay it alone with %s_SEED=%d %s_SEQS=1 %s_STEPS=%d",
				s, prefix, s, prefix, prefix, steps)
		}
	}
}

// Clocks are a differential sequence's two clocks, the store under test's side's and the
// memory store's, which move together.
type Clocks [2]*kehu.Clock

// Now is the sequence's instant.
func (c Clocks) Now() time.Time { return c[0].Now() }

// Advance moves both clocks by d (back, for d < 0).
func (c Clocks) Advance(d time.Duration) {
	for _, clock := range c {
		clock.Advance(d)
	}
}

// Paired runs one command of a differential sequence on both sides, side 0 over the store
// under test and side 1 over the memory store, and requires the two to fail alike (as
// errKey tells errors apart) and, when they succeed, to give the same result (run returns
// it in a comparable form). It returns side 0's answer; what names the command and the
// step for a failure.
func Paired[R any](t testing.TB, what string, errKey func(error) string, run func(side int) (R, error)) (R, error) {
	t.Helper()
	var (
		res  [2]R
		errs [2]error
	)
	for i := range res {
		res[i], errs[i] = run(i)
	}
	require.Equal(t, errKey(errs[1]), errKey(errs[0]), "%s: the store under test answered with another error than the memory store", what)
	if errs[0] == nil {
		require.Equal(t, res[1], res[0], "%s: the store under test gave another result than the memory store", what)
	}
	return res[0], errs[0]
}

// knob reads a positive whole number from the environment variable name, or returns def.
func knob(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Show is v as JSON, for values compared as text, as a host that prints or stores them
// sees them.
func Show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable %T: %v", v, err)
	}
	return string(b)
}

// ErrClass is what a host can tell of an error: the kehu errors it matches, and the
// domain's own errors given as more, and the text of a *kehu.ValidationError, which a
// Service writes; the rest of a store's error text is the store's own. An error that
// matches none is compared whole.
func ErrClass(err error, more ...error) string {
	if err == nil {
		return ""
	}
	var parts []string
	for _, s := range []struct {
		name string
		err  error
	}{{"not found", kehu.ErrNotFound}, {"duplicate", kehu.ErrDuplicate}, {"conflict", kehu.ErrConflict},
		{"key reused", kehu.ErrKeyReused}, {"invalid", kehu.ErrInvalid}, {"canceled", context.Canceled}} {
		if errors.Is(err, s.err) {
			parts = append(parts, s.name)
		}
	}
	for _, e := range more {
		if errors.Is(err, e) {
			parts = append(parts, e.Error())
		}
	}
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		parts = append(parts, verr.Error())
	}
	if len(parts) == 0 {
		return "error: " + err.Error()
	}
	return strings.Join(parts, "; ")
}

// Canonical returns v, a value the caller owns, with every instant in UTC, every empty
// slice or map nil and every amount of money in the form its JSON reads back (216.90 and
// 216.9 are one amount: kehu.Money is compared with Equal, and a store that keeps it as
// JSON returns the shorter form), so that two stores that keep the same data compare
// equal however they return it. It walks pointers, structs (their exported fields),
// slices and arrays; values inside maps are left as they are.
func Canonical[T any](v T) T {
	canon(reflect.ValueOf(&v).Elem())
	return v
}

func canon(v reflect.Value) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		if v.CanSet() {
			v.Set(reflect.ValueOf(UTC(v.Interface().(time.Time))))
		}
		return
	case reflect.TypeFor[kehu.Money]():
		if b, err := json.Marshal(v.Interface()); err == nil && v.CanSet() {
			var m kehu.Money
			if json.Unmarshal(b, &m) == nil {
				v.Set(reflect.ValueOf(m))
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			canon(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				canon(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			if !v.IsNil() && v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		for i := range v.Len() {
			canon(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			canon(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 && !v.IsNil() && v.CanSet() {
			v.Set(reflect.Zero(v.Type()))
		}
	}
}

// NoPanic runs f and fails t if it panics, naming the call and where it panicked: the
// robustness probes call every entry point of a package with what a client might send,
// and each must answer with a result or an error.
func NoPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v\n%s", name, r, debug.Stack())
		}
	}()
	f()
}

// maxPages bounds Pages: no listing of a sequence comes near it, and a store whose cursor
// never ends the listing fails instead of running on.
const maxPages = 10_000

// Pages reads every page of a listing, fetch giving the page after a cursor ("" for the
// first), following the listing's own cursors. It returns the items and the size of each
// page (cursors are each store's own, so where the pages end is what two stores can be
// compared on), or the first error, with what was read before it.
func Pages[T any](fetch func(after string) (kehu.Page[T], error)) ([]T, []int, error) {
	var (
		all   []T
		sizes []int
		after string
	)
	for range maxPages {
		p, err := fetch(after)
		if err != nil {
			return all, sizes, err
		}
		all, sizes = append(all, p.Items...), append(sizes, len(p.Items))
		if p.Next == "" {
			return all, sizes, nil
		}
		after = p.Next
	}
	return all, sizes, fmt.Errorf("a listing still has a next page after %d pages", maxPages)
}
