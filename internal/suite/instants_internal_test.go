package suite

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNotUTC(t *testing.T) {
	type inner struct{ At time.Time }
	type outer struct {
		A    time.Time
		B    *inner
		List []inner
		Map  map[string]time.Time
		Zero time.Time
	}
	cst := time.FixedZone("CST", 8*3600)
	utc := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Empty(t, NotUTC(outer{A: utc, B: &inner{utc}, List: []inner{{utc}}, Map: map[string]time.Time{"k": utc}}))
	got := NotUTC(&outer{A: utc.In(cst), B: &inner{utc.In(cst)}, List: []inner{{utc}, {utc.In(cst)}}, Map: map[string]time.Time{"k": utc.In(cst)}})
	assert.Equal(t, []string{"*suite.outer.A (CST)", "*suite.outer.B.At (CST)", "*suite.outer.List[1].At (CST)", "*suite.outer.Map[k] (CST)"}, got)
}
