package complaint_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// hookStore runs before once, just before the next update reaches the store: the command
// of another system that commits while this one is between its reads and its write.
type hookStore struct {
	*complaint.MemoryStore
	mu     sync.Mutex
	before func()
}

func (s *hookStore) hook() {
	s.mu.Lock()
	h := s.before
	s.before = nil
	s.mu.Unlock()
	if h != nil {
		h()
	}
}

func (s *hookStore) UpdateCase(ctx context.Context, id complaint.CaseID, fn func(*complaint.Case) (*complaint.Step, error)) error {
	s.hook()
	return s.MemoryStore.UpdateCase(ctx, id, fn)
}

func (s *hookStore) UpdateCaseWith(ctx context.Context, id, other complaint.CaseID, fn func(c, other *complaint.Case) (*complaint.Step, error)) error {
	s.hook()
	return s.MemoryStore.UpdateCaseWith(ctx, id, other, fn)
}

// hookService is a Service over a hookStore.
func hookService() (*complaint.Service, *hookStore) {
	store := &hookStore{MemoryStore: complaint.NewMemoryStore()}
	opts, _, _ := kehu.Deterministic(time.Date(2026, 12, 4, 20, 30, 0, 0, time.UTC))
	return complaint.NewService(store, opts), store
}

// resolve moves a case that was just opened to resolved.
func resolve(t *testing.T, svc *complaint.Service, id complaint.CaseID) {
	t.Helper()
	for _, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Resolved} {
		_, err := svc.Move(context.Background(), id, complaint.Move{To: to, Key: "to-" + string(to)})
		require.NoError(t, err)
	}
}

// Two agents merge the same two cases, each into the other, at once; or one merges a
// case into one the customer closes at that moment. Whatever the interleaving, one case
// carries on open and holds the other: never two cases merged into each other (whose
// clocks would both stop, and whose messages would go round in circles), never an open
// complaint folded into a closed one.
func TestMergeRacesLeaveOneCaseCarryingOn(t *testing.T) {
	ctx := context.Background()
	newService := func(t *testing.T) (*complaint.Service, *hookStore, *complaint.Case, *complaint.Case) {
		svc, store := hookService()
		a, err := svc.Open(ctx, roomService("open-a"))
		require.NoError(t, err)
		b, err := svc.Open(ctx, roomService("open-b"))
		require.NoError(t, err)
		return svc, store, a, b
	}

	t.Run("b into a commits while a into b is on its way", func(t *testing.T) {
		svc, store, a, b := newService(t)
		var errBA error
		store.before = func() { _, errBA = svc.Merge(ctx, b.ID, a.ID, "", "merge-b-into-a") }
		_, errAB := svc.Merge(ctx, a.ID, b.ID, "", "merge-a-into-b")
		require.NoError(t, errBA)
		var ve *kehu.ValidationError
		require.ErrorAs(t, errAB, &ve, "a case is not merged into one merged into it")
		assert.Equal(t, "into", ve.Fields[0].Field)
		ga, err := svc.Case(ctx, a.ID)
		require.NoError(t, err)
		assert.True(t, ga.Status.Open(), "a carries on, holding b")
		_, err = svc.Message(ctx, b.ID, complaint.Message{Channel: complaint.Email, Text: "any news?", Key: "msg-1"})
		assert.NoError(t, err, "a message to b reaches a")
	})
	t.Run("the case merged into closes meanwhile", func(t *testing.T) {
		svc, store, a, b := newService(t)
		resolve(t, svc, b.ID)
		store.before = func() {
			_, err := svc.Answer(ctx, b.ID, complaint.Answer{Accepted: true, Key: "b-accept"})
			require.NoError(t, err)
		}
		_, err := svc.Merge(ctx, a.ID, b.ID, "", "merge")
		var ve *kehu.ValidationError
		require.ErrorAs(t, err, &ve, "a case is not merged into a closed one")
		assert.Equal(t, "open", ve.Fields[0].Rule)
		ga, err := svc.Case(ctx, a.ID)
		require.NoError(t, err)
		assert.True(t, ga.Status.Open(), "a is still open, its clocks running")
	})
	t.Run("crossed merges at once", func(t *testing.T) {
		for round := range 100 {
			svc, _, a, b := newService(t)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, pair := range [][2]complaint.CaseID{{a.ID, b.ID}, {b.ID, a.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = svc.Merge(ctx, pair[0], pair[1], "", "merge")
				}()
			}
			close(start)
			wg.Wait()
			require.False(t, errs[0] == nil && errs[1] == nil, "round %d: both crossed merges succeeded", round)
			require.False(t, errs[0] != nil && errs[1] != nil, "round %d: neither merge succeeded: %v, %v", round, errs[0], errs[1])
		}
	})
}

// The customer accepts a resolution (the case closes) while an agent who saw it resolved
// sends it back to investigating. Closing and reopening may follow each other, so both
// would succeed, and a closure just made would count as reopened; the agent's move made
// from the status they saw fails instead, writing nothing.
func TestMoveFromTheStatusSeen(t *testing.T) {
	ctx := context.Background()
	svc, store := hookService()
	c, err := svc.Open(ctx, roomService("open"))
	require.NoError(t, err)
	resolve(t, svc, c.ID)
	store.before = func() {
		_, err := svc.Answer(ctx, c.ID, complaint.Answer{Accepted: true, Key: "customer-accepts"})
		require.NoError(t, err)
	}
	reopen := complaint.Move{To: complaint.Investigating, From: complaint.Resolved, Note: "not convinced", Key: "agent-reopens"}
	_, err = svc.Move(ctx, c.ID, reopen)
	assert.ErrorIs(t, err, kehu.ErrConflict)
	got, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, complaint.Closed, got.Status, "the customer's closure stands")
	assert.Zero(t, got.Reopens)

	reopen.From, reopen.Key = complaint.Closed, "agent-reopens-closed"
	got, err = svc.Move(ctx, c.ID, reopen)
	require.NoError(t, err, "made from the status the case is in")
	assert.Equal(t, 1, got.Reopens)
	again, err := svc.Move(ctx, c.ID, reopen)
	require.NoError(t, err, "a repeat replays, whatever the status now")
	assert.Equal(t, got.Version, again.Version)

	_, err = svc.Move(ctx, c.ID, complaint.Move{To: complaint.Resolved, From: "shelved", Key: "bad"})
	var ve *kehu.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("from", "enum"))
}
