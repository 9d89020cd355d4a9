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

// The year is deterministic: its summary is a golden file. With -report it also writes a
// page that parses, with every section, the tables' figures and the charts inline. (One
// run serves both: the year takes seconds under -race.)
func TestRun(t *testing.T) {
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
	assert.Equal(t, "网店 2025: the year in customers", p.Title)
	assert.Equal(t, []string{"网店 2025: the year in customers", "Key figures", "Customer files", "Points and levels", "Segments",
		"Lifetime value", "Cross-selling", "After-delivery questionnaire", "Complaints and service recovery", "Customer scorecard"},
		p.Headings)
	assert.Equal(t, 3, p.Elements["svg"], "levels, RFM segments and the questionnaire's shares")
	assert.Zero(t, p.Elements["script"])
	for _, cell := range []string{"钻石卡", "Champions", "Shampoo 400 ml", "service.delivery", "satisfaction_rate", "≥ 90.0 %: met",
		"churn_rate", "after-delivery questionnaire SO00002599-003"} {
		assert.Contains(t, p.Cells, cell)
	}
	assert.Contains(t, p.Terms, "Points expired")
	assert.Contains(t, p.Captions, "Members by level at year end")
}

// On PostgreSQL the year's summary is the same, to the byte.
func TestPostgres(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, "", pgdsn.DSN(t)))
	golden.Check(t, filepath.Join("testdata", "output.txt"), out.Bytes())
}
