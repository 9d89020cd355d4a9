package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/golden"
	"github.com/kehu-crm/kehu/internal/pgdsn"
	"github.com/kehu-crm/kehu/internal/xhtml"
)

// The story is deterministic: its output is a golden file.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, "", ""))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}

// On PostgreSQL the output is the same, to the byte.
func TestPostgres(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, "", pgdsn.DSN(t)))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}

// -report writes the case as a page that parses, with the trail, the grants and the
// charts inline; the summary before it is the same.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, dir, ""))
	want, err := os.ReadFile(filepath.Join("testdata", "output.txt"))
	require.NoError(t, err)
	path := filepath.Join(dir, "index.html")
	assert.Equal(t, string(want)+"report written to "+path+"\n", out.String())

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	p, err := xhtml.Parse(f)
	require.NoError(t, err)
	assert.Equal(t, "Room service, 14 November 1989: a service recovery", p.Title)
	assert.Equal(t, []string{p.Title, "The case", "Service recovery"}, p.Headings)
	for _, cell := range []string{"compensation_granted", "room-service:elizabeth", "Her voice sounded wrong; going up to see her.",
		"250.00 USD", "5000 points", "frontline", "first_response", "6m0s"} {
		assert.Contains(t, p.Cells, cell)
	}
	assert.Contains(t, p.Values, "5.0 of 5")
	assert.Equal(t, 2, p.Elements["svg"], "satisfaction before and after, and the recovery's dimensions")
	assert.Zero(t, p.Elements["script"])
}
