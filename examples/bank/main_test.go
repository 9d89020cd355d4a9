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

// The week is deterministic: its output is a golden file.
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

// -report writes the week as a page that parses, with the contacts due, the care
// occasions, the scorecard and the history; the summary before it is the same.
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
	assert.Equal(t, "Corporate desk, week of 21 September 2026", p.Title)
	assert.Equal(t, []string{p.Title, "Contacts due", "Care this week", "Scorecard, third quarter", "KYC history of 江南食品 赵会计"},
		p.Headings)
	for _, cell := range []string{"新城科技 孙总", "after a drawdown LN-2026-0417", "中秋节快乐，申江物流 陈总！月饼已在路上！",
		"churn_rate", "≤ 10.0 %: missed", "complaints_within_sla", "≥ 95.0 %: met", "KYC review 2026: registered address moved"} {
		assert.Contains(t, p.Cells, cell)
	}
	assert.Contains(t, p.Values, "1 of 3")
	assert.Zero(t, p.Elements["script"])
}
