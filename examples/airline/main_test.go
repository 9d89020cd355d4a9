package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/golden"
	"github.com/kehu-crm/kehu/internal/pgdsn"
	"github.com/kehu-crm/kehu/internal/xhtml"
)

// The story is deterministic: its output is a golden file. With -report it also writes a
// page that parses, with every section, the tables' figures and the tiers' chart inline.
// (One run serves both: the two years take seconds under -race.)
func TestReport(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, dir, ""))
	path := filepath.Join(dir, "index.html")
	summary, ok := strings.CutSuffix(out.String(), "report written to "+path+"\n")
	require.True(t, ok, "the last line names the report")
	golden.Check(t, filepath.Join("testdata", "output.txt"), []byte(summary))

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	p, err := xhtml.Parse(f)
	require.NoError(t, err)
	assert.Equal(t, "Blue Miles: customer value at an airline, 2024–2025", p.Title)
	assert.Equal(t, []string{p.Title, "Key figures", "Value segments", "Tiers", "Partner settlement", "Bags left behind",
		"Customer scorecard"}, p.Headings)
	assert.Equal(t, 1, p.Elements["svg"], "the members by tier")
	assert.Zero(t, p.Elements["script"])
	for _, cell := range []string{"Top value", "10,819.22", "Platinum", "before the passenger knew", "4h37m before landing",
		"15 of 15", "compensation_approved", "duty-manager:ams", "known_revenue_share", "≥ 85.0 %: missed"} {
		assert.Contains(t, p.Cells, cell)
	}
	assert.Contains(t, p.Terms, "Invoice")
	assert.Contains(t, p.Values, "997.92 EUR")
	assert.Contains(t, p.Captions, "Members by tier on 31 December")
}

// On PostgreSQL the story's output is the same, to the byte.
func TestPostgres(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, "", pgdsn.DSN(t)))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}
