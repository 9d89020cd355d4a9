package suite

import (
	"errors"
	"strconv"
	"testing"

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
