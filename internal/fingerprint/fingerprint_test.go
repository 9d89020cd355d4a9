package fingerprint_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu/internal/fingerprint"
)

func TestOf(t *testing.T) {
	type cmd struct {
		A string
		N int
	}
	a := fingerprint.Of("move", cmd{"x", 1})
	assert.Len(t, a, 64)
	assert.Equal(t, a, fingerprint.Of("move", cmd{"x", 1}), "stable")
	assert.NotEqual(t, a, fingerprint.Of("move", cmd{"x", 2}), "another payload")
	assert.NotEqual(t, a, fingerprint.Of("open", cmd{"x", 1}), "another command")
	nan := fingerprint.Of("f", math.NaN()) // JSON cannot encode it: the Go syntax is used
	assert.Equal(t, nan, fingerprint.Of("f", math.NaN()))
}
