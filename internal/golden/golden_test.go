package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(string, ...any)             { r.failed = true }
func (r *recorder) FailNow()                          { r.failed = true; panic(r) }
func (r *recorder) Fatalf(format string, args ...any) { r.FailNow() }

func check(t *testing.T, path string, got []byte) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if v := recover(); v != nil && v != r {
			panic(v)
		}
		failed = r.failed
	}()
	Check(r, path, got)
	return r.failed
}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	require.True(t, check(t, path, []byte("a")), "a missing golden file fails")
	require.NoError(t, os.WriteFile(path, []byte("a\n"), 0o644))
	require.False(t, check(t, path, []byte("a\n")), "the same output passes")
	require.True(t, check(t, path, []byte("b\n")), "other output fails")

	*update = true
	defer func() { *update = false }()
	require.False(t, check(t, path, []byte("b\n")), "-update rewrites the file")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "b\n", string(got))
}
