package survey_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

func TestWriteCSV(t *testing.T) {
	s := load(t)
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	detractor := promoter()
	detractor[0].Value = num(3)
	detractor = append(detractor, survey.Answer{Question: "why", Text: "太慢了, \"really\""})
	rs := []*survey.Response{
		{ID: survey.ResponseIDFrom([16]byte{1}), Survey: "after-purchase", Version: 1, Weight: 1, SubmittedAt: at,
			Customer: kehu.CustomerIDFrom([16]byte{9}), Channel: "email", Trigger: survey.Trigger{Kind: "purchase", Ref: "SO-1"},
			Answers: promoter()},
		{ID: survey.ResponseIDFrom([16]byte{2}), Survey: "after-purchase", Version: 1, Weight: 1.5, SubmittedAt: at, Answers: detractor},
	}
	var buf bytes.Buffer
	require.NoError(t, s.WriteCSV(&buf, slices.Values(rs), "en"))
	assert.Contains(t, buf.String(), "\r\n", "RFC 4180 line ends")
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err, "the export parses back as CSV")
	require.Len(t, rows, 3)
	header := rows[0]
	col := func(row []string, name string) string {
		i := slices.Index(header, name)
		require.GreaterOrEqual(t, i, 0, "column %s", name)
		return row[i]
	}
	assert.Equal(t, "01000000-0000-0000-0000-000000000000", col(rows[1], "response.id"))
	assert.Equal(t, "2026-12-01T09:30:00Z", col(rows[1], "response.submitted_at"))
	assert.Equal(t, "09000000-0000-0000-0000-000000000000", col(rows[1], "response.customer"))
	assert.Equal(t, "9", col(rows[1], "recommend"))
	assert.Equal(t, "", col(rows[1], "why"), "not shown, not answered")
	assert.Equal(t, "na", col(rows[1], "wait"))
	assert.Equal(t, "不适用", col(rows[1], "wait.label"), "no English label: the default locale")
	assert.Equal(t, "store", col(rows[1], "channel"))
	assert.Equal(t, "price;staff", col(rows[1], "liked"))
	assert.Equal(t, "128.5", col(rows[1], "spent"))
	assert.Equal(t, "7", col(rows[1], "quality.taste"))
	assert.Equal(t, "100", col(rows[1], "score.service"), "satisfied 5 of 5; wait not applicable")
	assert.Equal(t, "1.5", col(rows[2], "response.weight"))
	assert.Equal(t, "太慢了, \"really\"", col(rows[2], "why"), "text round-trips through quoting")
	assert.Equal(t, "", col(rows[2], "response.customer"))

	other := *rs[0]
	other.Version = 2
	buf.Reset()
	err = s.WriteCSV(&buf, slices.Values([]*survey.Response{rs[0], &other}), "en")
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a response of another version")
}
