package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/golden"
	"github.com/kehu-crm/kehu/internal/pgdsn"
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
	require.NoError(t, run(t.Context(), &out, pgdsn.DSN(t)))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}
