package complaint_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// The allowed moves, as the doc of Status.CanMoveTo lists them; every other pair is refused.
var allowed = map[complaint.Status][]complaint.Status{
	complaint.Received:          {complaint.Acknowledged, complaint.Merged},
	complaint.Acknowledged:      {complaint.Assessed, complaint.Merged},
	complaint.Assessed:          {complaint.Investigating, complaint.Resolved, complaint.Merged},
	complaint.Investigating:     {complaint.WaitingOnCustomer, complaint.Resolved, complaint.Merged},
	complaint.WaitingOnCustomer: {complaint.Investigating, complaint.Resolved, complaint.Merged},
	complaint.Resolved:          {complaint.Closed, complaint.Investigating, complaint.Merged},
	complaint.Closed:            {complaint.Investigating},
	complaint.Merged:            nil,
}

func TestStatusMoves(t *testing.T) {
	for _, from := range complaint.Statuses() {
		for _, to := range complaint.Statuses() {
			want := false
			for _, a := range allowed[from] {
				want = want || a == to
			}
			assert.Equal(t, want, from.CanMoveTo(to), "%s → %s", from, to)
		}
		assert.False(t, from.CanMoveTo("archived"), "%s → an unknown status", from)
	}
	assert.Nil(t, complaint.Status("archived").Next())
}

// Every case can reach closure, and every path to a decision passes acknowledgement and
// assessment.
func TestStatusPaths(t *testing.T) {
	reach := map[complaint.Status]bool{complaint.Received: true}
	for changed := true; changed; {
		changed = false
		for s := range reach {
			for _, n := range s.Next() {
				if n == complaint.Resolved && !reach[complaint.Assessed] {
					t.Errorf("%s → resolved without an assessment", s)
				}
				if !reach[n] {
					reach[n], changed = true, true
				}
			}
		}
	}
	assert.Len(t, reach, len(complaint.Statuses()), "every status is reachable from received")
}

func TestStatusParse(t *testing.T) {
	for _, s := range complaint.Statuses() {
		got, err := complaint.ParseStatus(" " + string(s) + " ")
		require.NoError(t, err)
		assert.Equal(t, s, got)
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var back complaint.Status
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, s, back)
	}
	_, err := complaint.ParseStatus("archived")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("status", "enum"))
	var s complaint.Status
	assert.ErrorIs(t, json.Unmarshal([]byte(`"archived"`), &s), kehu.ErrInvalid)
}

func TestStatusOpenAndPaused(t *testing.T) {
	for _, s := range complaint.Statuses() {
		assert.Equal(t, s != complaint.Closed && s != complaint.Merged, s.Open(), "%s open", s)
		assert.Equal(t, s == complaint.WaitingOnCustomer, s.Paused(), "%s paused", s)
	}
	assert.False(t, complaint.Status("archived").Open())
}

func ExampleStatus_CanMoveTo() {
	fmt.Println(complaint.Received.CanMoveTo(complaint.Resolved), complaint.Assessed.CanMoveTo(complaint.Resolved))
	fmt.Println(complaint.Resolved.Next())
	// Output:
	// false true
	// [closed investigating merged]
}
