package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/golden"
)

// The example is deterministic: its output is a golden file.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, ""))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}

// On PostgreSQL the output is the same, to the byte.
func TestPostgres(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, postgresDSN(t)))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}

// postgresDSN returns the server named by KEHU_POSTGRES_DSN. Without it the test is
// skipped, naming the variable, except under CI=true, where it fails.
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("KEHU_POSTGRES_DSN")
	switch {
	case dsn != "":
	case os.Getenv("CI") == "true":
		t.Fatal("KEHU_POSTGRES_DSN is not set; CI must run the examples on PostgreSQL")
	default:
		t.Skip("set KEHU_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the example on PostgreSQL")
	}
	return dsn
}
