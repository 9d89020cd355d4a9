package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/golden"
)

// The story is deterministic: its output is a golden file.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}
