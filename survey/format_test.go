package survey_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu/survey"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		v        float64
		decimals int
		want     string
	}{
		{100.0 / 3, 1, "33.3"},
		{8.1159494, 2, "8.12"},
		{8.125, 2, "8.13"}, // half away from zero on the printed number
		{-8.125, 2, "-8.13"},
		{2.675, 2, "2.68"}, // the nearest binary value is 2.67499…; people read 2.675
		{0.5, 0, "1"},
		{72.6083333, 0, "73"},
		{1, 3, "1.000"},
		{math.NaN(), 2, "NaN"},
		{math.Inf(-1), 2, "-Inf"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, survey.Format(tc.v, tc.decimals), "%v at %d", tc.v, tc.decimals)
	}
}
