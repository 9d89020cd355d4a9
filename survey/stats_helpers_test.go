package survey_test

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// requireInvalid checks that err is a *kehu.ValidationError, matches kehu.ErrInvalid and
// names field with rule.
func requireInvalid(t *testing.T, err error, field, rule string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var verr *kehu.ValidationError
	require.True(t, errors.As(err, &verr), "%T is not a *kehu.ValidationError", err)
	assert.True(t, verr.Has(field, rule), "%v does not name %s (%s)", err, field, rule)
}

// given is a column with every answer given.
func given(values ...float64) survey.Column { return survey.Column{Values: values} }

// attitude is R's attitude dataset (datasets package; testdata/attitude/SOURCE.md): 30
// departments, one column per item, in the order of attitudeNames.
var attitudeNames = []string{"rating", "complaints", "privileges", "learning", "raises", "critical", "advance"}

func loadAttitude(t testing.TB) [][]float64 {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "attitude", "attitude.csv"))
	require.NoError(t, err)
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, attitudeNames, records[0])
	require.Len(t, records, 31)
	cols := make([][]float64, len(attitudeNames))
	for _, rec := range records[1:] {
		for j, s := range rec {
			x, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			cols[j] = append(cols[j], x)
		}
	}
	return cols
}
