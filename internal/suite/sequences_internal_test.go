package suite

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

// TestPages reads a listing of 7 items in pages of 3 by its cursors, passes a failing
// page's error on with what was read before it, and stops a listing whose cursor never
// ends it.
func TestPages(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6, 7}
	page := func(after string) (kehu.Page[int], error) {
		from, _ := strconv.Atoi(after)
		to := min(from+3, len(items))
		p := kehu.Page[int]{Items: items[from:to]}
		if to < len(items) {
			p.Next = strconv.Itoa(to)
		}
		return p, nil
	}
	got, sizes, err := Pages(page)
	require.NoError(t, err)
	require.Equal(t, items, got)
	require.Equal(t, []int{3, 3, 1}, sizes)

	boom := errors.New("boom")
	got, sizes, err = Pages(func(after string) (kehu.Page[int], error) {
		if after == "3" {
			return kehu.Page[int]{}, boom
		}
		return page(after)
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, []int{1, 2, 3}, got)
	require.Equal(t, []int{3}, sizes)

	calls := 0
	_, _, err = Pages(func(string) (kehu.Page[int], error) {
		calls++
		return kehu.Page[int]{Next: "again"}, nil
	})
	require.Error(t, err)
	require.Equal(t, maxPages, calls)
}

// failures is a testing.TB that records failures instead of failing, and stops the
// goroutine at FailNow, as a test does.
type failures struct {
	testing.TB
	msgs []string
}

func (f *failures) Helper() {}
func (f *failures) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failures) FailNow()     { runtime.Goexit() }
func (f *failures) Name() string { return "paired" }

// TestPaired: a command whose two sides fail differently, or succeed with different
// results, fails the sequence, naming the step; the same error with different results
// does not (a failed command's result is not an answer); side 0's answer is returned.
func TestPaired(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	tests := []struct {
		name  string
		res   [2]int
		errs  [2]error
		fails string // "" for none
	}{
		{"same result", [2]int{7, 7}, [2]error{}, ""},
		{"another result", [2]int{7, 8}, [2]error{}, "another result"},
		{"another error", [2]int{0, 0}, [2]error{errA, errB}, "another error"},
		{"one side fails", [2]int{7, 7}, [2]error{nil, errA}, "another error"},
		{"same error, results aside", [2]int{1, 2}, [2]error{errA, errA}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &failures{}
			var (
				got    int
				gotErr error
			)
			done := make(chan struct{})
			go func() {
				defer close(done)
				got, gotErr = Paired(f, "step 3, op", func(err error) string { return ErrClass(err) }, func(i int) (int, error) {
					return tt.res[i], tt.errs[i]
				})
			}()
			<-done
			if tt.fails == "" {
				require.Empty(t, f.msgs)
				require.Equal(t, tt.res[0], got)
				require.Equal(t, tt.errs[0], gotErr)
				return
			}
			require.Len(t, f.msgs, 1)
			require.Contains(t, f.msgs[0], tt.fails)
			require.Contains(t, f.msgs[0], "step 3, op")
		})
	}
}

// TestClocks: both clocks move together, back too.
func TestClocks(t *testing.T) {
	at := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	c := Clocks{kehu.NewClock(at), kehu.NewClock(at)}
	c.Advance(90 * time.Minute)
	c.Advance(-30 * time.Minute)
	require.Equal(t, at.Add(time.Hour), c.Now())
	require.Equal(t, c[0].Now(), c[1].Now())
}
