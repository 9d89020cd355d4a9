package suite

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// Test is one leaf of a suite: it runs against a fresh harness H.
type Test[H any] struct {
	Name string
	Run  func(t *testing.T, h H)
}

// Group is a named set of tests and subgroups, run as one subtest.
type Group[H any] struct {
	Name   string
	Tests  []Test[H]
	Groups []Group[H]
}

// Run runs every group as a subtest of t, each test of a group as a subtest of the group,
// and calls newHarness once per test with that test's *testing.T.
func Run[H any](t *testing.T, groups []Group[H], newHarness func(t *testing.T) H) {
	t.Helper()
	for _, g := range groups {
		t.Run(g.Name, func(t *testing.T) {
			Run(t, g.Groups, newHarness)
			for _, tc := range g.Tests {
				t.Run(tc.Name, func(t *testing.T) {
					tc.Run(t, newHarness(t))
				})
			}
		})
	}
}

// Start is the time every test's clock starts at: whole seconds, in UTC.
func Start() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }

// UTC drops location and monotonic reading, so that equal instants compare equal.
func UTC(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// NilIfEmpty returns nil for an empty slice, so that a store may return either.
func NilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Walk reads every page of a listing with the given page size. It checks the paging
// contract of kehu.PageRequest: no page holds more than the page size, every page but the
// last is full, and the walk ends (Next becomes empty) after at most want/size+2 pages.
// between, if not nil, runs after each page but the last, with the number of pages read so
// far.
func Walk[T any](t *testing.T, what string, size, want int, fetch func(pr kehu.PageRequest) (kehu.Page[T], error), between func(pages int)) []T {
	t.Helper()
	var all []T
	after := ""
	maxPages := want/size + 2
	for pages := 1; ; pages++ {
		p, err := fetch(kehu.PageRequest{Limit: size, After: after})
		require.NoError(t, err, "%s: page %d (After %q)", what, pages, after)
		require.LessOrEqual(t, len(p.Items), size, "%s: page %d holds more items than Limit %d", what, pages, size)
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		require.Len(t, p.Items, size,
			"%s: page %d has a Next cursor, so it is not the last page, but it holds fewer items than Limit %d", what, pages, size)
		require.NotEqual(t, after, p.Next, "%s: page %d returned the cursor it was given as Next", what, pages)
		require.Less(t, pages, maxPages, "%s: Next is still not empty after %d pages of %d for %d items", what, pages, size, want)
		after = p.Next
		if between != nil {
			between(pages)
		}
	}
}

// maxConflictRetries bounds how often RetryConflicts retries.
const maxConflictRetries = 1000

// RetryConflicts calls f until it returns something other than kehu.ErrConflict, backing
// off a little between attempts. kehu.ErrKeyReused, and any error matching one of final,
// matches kehu.ErrConflict but is a final answer, not a lost race, so it is returned at
// once.
func RetryConflicts(f func() error, final ...error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if !errors.Is(err, kehu.ErrConflict) || errors.Is(err, kehu.ErrKeyReused) || attempt >= maxConflictRetries {
			return err
		}
		for _, target := range final {
			if errors.Is(err, target) {
				return err
			}
		}
		time.Sleep(time.Duration(attempt%8+1) * 50 * time.Microsecond)
	}
}

// Parallel runs f(0) … f(n-1) in n goroutines released together, and returns their errors.
func Parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// ExactlyOne checks that one error is nil and every other is kehu.ErrDuplicate, and
// returns the index of the winner (or -1).
func ExactlyOne(t *testing.T, errs []error, contract string) int {
	t.Helper()
	winner := -1
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
			winner = i
		case !errors.Is(err, kehu.ErrDuplicate):
			assert.Fail(t, contract, "the losers must fail with kehu.ErrDuplicate; writer %d got: %v", i, err)
		}
	}
	assert.Equal(t, 1, winners, "%s: exactly one writer must succeed", contract)
	return winner
}
