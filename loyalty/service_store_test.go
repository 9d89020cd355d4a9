package loyalty_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// duplicateStore is a store whose Update fails with kehu.ErrDuplicate for a reason other
// than a recorded command key (an entry ID already taken, say).
type duplicateStore struct{ *loyalty.MemoryStore }

func (duplicateStore) Update(context.Context, []loyalty.AccountKey, loyalty.Need, func([]*loyalty.Account) (*loyalty.Commit, error)) error {
	return fmt.Errorf("entry id taken: %w", kehu.ErrDuplicate)
}

// TestServiceDuplicateWithoutRecord checks that a keyed command whose write fails with
// kehu.ErrDuplicate, but whose key has no record, reports the failure instead of answering
// as a replay with nothing.
func TestServiceDuplicateWithoutRecord(t *testing.T) {
	p := serviceProgram(t)
	opts, _, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(duplicateStore{loyalty.NewMemoryStore()}, opts)
	_, err := svc.Earn(context.Background(), p, loyalty.Points{Customer: crm.CustomerIDFrom([16]byte{7}),
		PointType: "points", Points: 10, Key: "k-1"})
	require.Error(t, err)
	assert.ErrorIs(t, err, kehu.ErrDuplicate)
}

func serviceProgram(t *testing.T) *loyalty.Program {
	t.Helper()
	p, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "svc", Version: 1, Name: "svc", TimeZone: "UTC", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "Points", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
	})
	require.NoError(t, err)
	return p
}
