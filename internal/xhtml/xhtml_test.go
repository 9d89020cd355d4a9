package xhtml_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/xhtml"
)

func TestParse(t *testing.T) {
	page := `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="UTF-8"/><title>Year &amp; end</title></head>
<body><h1>Report</h1><p>One <b>bold</b> word.</p><dl><div><dt>Orders</dt><dd>12</dd></div></dl>
<table><caption>T</caption><tbody><tr><th>a</th><td>1</td></tr></tbody></table>
<figure><svg xmlns="http://www.w3.org/2000/svg"><text>x</text></svg><figcaption>C</figcaption></figure></body></html>`
	p, err := xhtml.Parse(strings.NewReader(page))
	require.NoError(t, err)
	assert.Equal(t, "Year & end", p.Title)
	assert.Equal(t, []string{"Report"}, p.Headings)
	assert.Equal(t, []string{"One bold word."}, p.Paragraphs)
	assert.Equal(t, []string{"a", "1"}, p.Cells)
	assert.Equal(t, []string{"Orders"}, p.Terms)
	assert.Equal(t, []string{"12"}, p.Values)
	assert.Equal(t, []string{"T", "C"}, p.Captions)
	assert.Equal(t, 1, p.Elements["svg"])
	assert.Contains(t, p.Text, "Orders\n12\n")

	for name, bad := range map[string]string{
		"not XML":      `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><br></body></html>`,
		"no namespace": `<html><head><title>t</title></head><body></body></html>`,
		"no title":     `<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body></body></html>`,
		"no body":      `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head></html>`,
	} {
		_, err := xhtml.Parse(strings.NewReader(bad))
		assert.Error(t, err, name)
	}
}
