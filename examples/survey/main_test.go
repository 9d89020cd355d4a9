package main

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehu-crm/kehu/internal/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example is deterministic: its summary is a golden file, its charts parse as XML and
// its CSV has a row per response.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), dir, &out))
	got := strings.ReplaceAll(out.String(), dir, "OUT")
	golden.Check(t, filepath.Join("testdata", "output.txt"), []byte(got))

	for _, name := range []string{"radar.svg", "bar.svg", "line.svg"} {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		dec := xml.NewDecoder(f)
		texts := 0
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "%s is valid XML", name)
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
				texts++
			}
		}
		f.Close()
		assert.Positive(t, texts, "%s has labels", name)
	}
	f, err := os.Open(filepath.Join(dir, "responses.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 401, "a header and 400 responses")
}
