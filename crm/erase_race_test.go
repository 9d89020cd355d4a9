package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// eraseFirst is a store on which the customer is erased just before the next interaction
// is stored: after RecordInteraction checked the customer, and before its write.
type eraseFirst struct {
	*crm.MemoryStore
	erase func()
}

func (s *eraseFirst) CreateInteraction(ctx context.Context, in *crm.Interaction) error {
	if s.erase != nil {
		erase := s.erase
		s.erase = nil
		erase()
	}
	return s.MemoryStore.CreateInteraction(ctx, in)
}

// An interaction recorded while the customer is being erased never keeps their personal
// data: the erasure lists the customer's interactions once it has committed, and one
// stored after that listing is redacted by the command that stored it, which reports the
// erasure.
func TestInteractionRecordedDuringErasureIsRedacted(t *testing.T) {
	opts, _, _ := kehu.Deterministic(t0)
	store := &eraseFirst{MemoryStore: crm.NewMemoryStore()}
	svc := crm.NewService(store, opts)
	ctx := kehu.WithActor(context.Background(), "tester")
	c, err := svc.CreateCustomer(ctx, wang(), nil)
	require.NoError(t, err)
	store.erase = func() { require.NoError(t, svc.Erase(ctx, c.ID, "right to erasure")) }
	_, err = svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelEmail, Direction: crm.Inbound,
		Contact: "wang.xm@example.com", Subject: "my address is 1 Main St", Content: "call me on 138 0013 8000"})
	assert.ErrorIs(t, err, crm.ErrErased)
	page, err := svc.Timeline(ctx, c.ID, t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0), kehu.PageRequest{Limit: 10})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "the interaction is kept, for the counts")
	in := page.Items[0]
	assert.Equal(t, crm.Redacted, in.Contact)
	assert.Equal(t, crm.Redacted, in.Subject)
	assert.Equal(t, crm.Redacted, in.Content)
}
