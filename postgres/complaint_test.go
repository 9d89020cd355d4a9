package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/complaint/complainttest"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

func TestComplaintStore(t *testing.T) {
	complainttest.Run(t, func(t *testing.T) complaint.Store {
		return postgres.NewComplaintStore(pgtest.Pool(t, postgres.Migrate))
	})
}

// cpWorld is a fresh complaint store with its pool and a deterministic source of IDs.
type cpWorld struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	s    *postgres.ComplaintStore
	ids  *kehu.SeqIDs
	at   time.Time
}

func newCpWorld(t *testing.T) *cpWorld {
	t.Helper()
	pool := pgtest.Pool(t, postgres.Migrate)
	return &cpWorld{t: t, ctx: t.Context(), pool: pool, s: postgres.NewComplaintStore(pool), ids: kehu.NewSeqIDs(),
		at: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// newCase returns a received case opened with the key.
func (w *cpWorld) newCase(key string) *complaint.Case {
	return &complaint.Case{ID: complaint.CaseIDFrom(w.ids.NewID()), Customer: kehu.CustomerIDFrom(w.ids.NewID()),
		Channel: complaint.Email, Words: "The parcel arrived broken", Category: complaint.CategoryDelivery,
		Triage:     complaint.Triage{Severity: complaint.Moderate, Urgency: complaint.Normal, Value: complaint.Standard},
		Assessment: complaint.Assessment{Priority: complaint.P3, Score: 4}, Status: complaint.Received, Policy: "standard",
		Steps: []complaint.Step{{Action: complaint.Opened, At: w.at, Actor: "agent-1", From: complaint.Received,
			To: complaint.Received, Channel: complaint.Email, Policy: "standard", Priority: complaint.P3, Key: key}},
		Version: 1, OpenedAt: w.at, Key: key}
}

func (w *cpWorld) create(c *complaint.Case) {
	w.t.Helper()
	require.NoError(w.t, w.s.CreateCase(w.ctx, c), "CreateCase %s", c.Key)
}

func (w *cpWorld) get(id complaint.CaseID) *complaint.Case {
	w.t.Helper()
	c, err := w.s.Case(w.ctx, id)
	require.NoError(w.t, err, "Case %s", id)
	return c
}

// stepRows is the number of step rows stored for the case.
func (w *cpWorld) stepRows(id complaint.CaseID) int {
	w.t.Helper()
	var n int
	require.NoError(w.t, w.pool.QueryRow(w.ctx, `SELECT count(*) FROM complaint_steps WHERE case_id = $1`, id.UUID()).Scan(&n))
	return n
}

// lastPosition is the last listing position given to a case (0: none).
func (w *cpWorld) lastPosition() int64 {
	w.t.Helper()
	var n int64
	require.NoError(w.t, w.pool.QueryRow(w.ctx, `SELECT COALESCE((SELECT last FROM complaint_case_positions), 0)`).Scan(&n))
	return n
}

// acknowledge moves a received case to acknowledged and returns the step it appends.
func (w *cpWorld) acknowledge(x *complaint.Case) *complaint.Step {
	x.Status, x.Assignee = complaint.Acknowledged, "agent-2"
	return &complaint.Step{Action: complaint.Moved, At: w.at.Add(time.Hour), Actor: "agent-2",
		From: complaint.Received, To: complaint.Acknowledged, Channel: complaint.Email, Key: "ack"}
}

// TestComplaintRetriedWritesNothing repeats a CreateCase whose ID or key is stored: it
// fails with kehu.ErrDuplicate and writes nothing, not even a listing position or a step.
func TestComplaintRetriedWritesNothing(t *testing.T) {
	w := newCpWorld(t)
	first := w.newCase("k-1")
	w.create(first)
	pos := w.lastPosition()

	sameKey := w.newCase("k-1")
	sameKey.Words = "another payload"
	require.ErrorIs(t, w.s.CreateCase(w.ctx, sameKey), kehu.ErrDuplicate, "a case with a stored key")
	sameID := w.newCase("k-2")
	sameID.ID = first.ID
	require.ErrorIs(t, w.s.CreateCase(w.ctx, sameID), kehu.ErrDuplicate, "a case with a stored ID")

	_, err := w.s.Case(w.ctx, sameKey.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused case is not stored")
	assert.Zero(t, w.stepRows(sameKey.ID), "a refused case stores no step")
	_, err = w.s.CaseByKey(w.ctx, "k-2")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a case refused for its ID does not take its key")
	got, err := w.s.CaseByKey(w.ctx, "k-1")
	require.NoError(t, err)
	assert.Equal(t, first, got, "the key keeps the first case")
	assert.Equal(t, 1, w.stepRows(first.ID), "the first case keeps its one step")
	assert.Equal(t, pos, w.lastPosition(), "a refused case takes no listing position")
	page, err := w.s.ListCases(w.ctx, complaint.CaseQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

// TestComplaintRefusedText checks that text PostgreSQL cannot hold is refused with
// kehu.ErrInvalid and writes nothing, in a new case and in an update.
func TestComplaintRefusedText(t *testing.T) {
	w := newCpWorld(t)
	kept := w.newCase("kept")
	w.create(kept)
	for name, edit := range map[string]func(c *complaint.Case){
		"NUL in the words":      func(c *complaint.Case) { c.Words = "bro\x00ken" },
		"NUL in a step's note":  func(c *complaint.Case) { c.Steps[0].Note = "n\x00te" },
		"bad UTF-8 in a remedy": func(c *complaint.Case) { c.Remedy = "re\xfffund" },
		"an unknown status":     func(c *complaint.Case) { c.Status = "lost" },
	} {
		c := w.newCase("k-" + name)
		edit(c)
		assert.ErrorIs(t, w.s.CreateCase(w.ctx, c), kehu.ErrInvalid, "a case with %s", name)
		_, err := w.s.Case(w.ctx, c.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "a case with %s is not stored", name)

		if name == "NUL in a step's note" {
			continue // an update's changes to Steps are not kept; its new step is checked below
		}
		err = w.s.UpdateCase(w.ctx, kept.ID, func(x *complaint.Case) (*complaint.Step, error) {
			edit(x)
			return nil, nil
		})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "an update to a case with %s", name)
		assert.Equal(t, kept, w.get(kept.ID), "an update refused for %s writes nothing", name)
	}
	err := w.s.UpdateCase(w.ctx, kept.ID, func(x *complaint.Case) (*complaint.Step, error) {
		return &complaint.Step{Action: complaint.Noted, At: w.at, To: x.Status, Note: "a\x00b"}, nil
	})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a step with a NUL in its note")
	assert.Equal(t, kept, w.get(kept.ID), "an update refused for its step writes nothing")
	assert.Equal(t, 1, w.stepRows(kept.ID))
	_, err = w.s.CaseByKey(w.ctx, "k\x00")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	page, err := w.s.ListCases(w.ctx, complaint.CaseQuery{Statuses: []complaint.Status{"re\x00ceived"}})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

// TestComplaintStepsAreRows checks the layout an update relies on: each step is a row of
// its own at its position, an update inserts the one step it appends and leaves the
// stored ones untouched, and an update without a step writes the case alone.
func TestComplaintStepsAreRows(t *testing.T) {
	w := newCpWorld(t)
	c := w.newCase("k")
	w.create(c)
	var before []byte
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT doc::text FROM complaint_steps WHERE case_id = $1 AND seq = 0`,
		c.ID.UUID()).Scan(&before))
	require.NoError(t, w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		x.Steps[0].Note = "rewritten" // not kept: the history is append-only
		return w.acknowledge(x), nil
	}))
	require.NoError(t, w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
		x.Assignee = "agent-3"
		return nil, nil
	}))
	var (
		seqs  []int32
		after []byte
	)
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT array_agg(seq ORDER BY seq) FROM complaint_steps WHERE case_id = $1`,
		c.ID.UUID()).Scan(&seqs))
	assert.Equal(t, []int32{0, 1}, seqs, "one row per step, at its position")
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT doc::text FROM complaint_steps WHERE case_id = $1 AND seq = 0`,
		c.ID.UUID()).Scan(&after))
	assert.Equal(t, string(before), string(after), "an update leaves the stored steps as they were")
	got := w.get(c.ID)
	assert.Equal(t, c.Steps[0], got.Steps[0])
	assert.Equal(t, "agent-3", got.Assignee)
	assert.EqualValues(t, 3, got.Version)

	// A case given without steps reads back without them, nil or empty as given.
	for _, steps := range [][]complaint.Step{nil, {}} {
		bare := w.newCase(fmt.Sprintf("bare-%t", steps == nil))
		bare.Steps = steps
		w.create(bare)
		assert.Equal(t, bare, w.get(bare.ID))
	}
}

// TestComplaintConcurrentUpdatesSerialise has many writers append a step to one case at
// once. The store serialises them: none fails, none is lost, each sees the steps of the
// ones before it.
func TestComplaintConcurrentUpdatesSerialise(t *testing.T) {
	w := newCpWorld(t)
	c := w.newCase("k")
	w.create(c)
	const writers = 16
	var (
		wg   sync.WaitGroup
		errs = make([]error, writers)
	)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
				if len(x.Steps) != int(x.Version) {
					return nil, fmt.Errorf("version %d with %d steps", x.Version, len(x.Steps))
				}
				return &complaint.Step{Action: complaint.Noted, At: w.at, To: x.Status, Note: fmt.Sprint("note ", i)}, nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "writer %d", i)
	}
	got := w.get(c.ID)
	assert.EqualValues(t, 1+writers, got.Version, "every update is stored")
	require.Len(t, got.Steps, 1+writers, "every step is appended")
	notes := map[string]bool{}
	for _, st := range got.Steps[1:] {
		notes[st.Note] = true
	}
	assert.Len(t, notes, writers, "each writer's step is appended once")
}

// TestComplaintBadCursors checks that a cursor the store did not write is a
// *kehu.ValidationError naming "after".
func TestComplaintBadCursors(t *testing.T) {
	w := newCpWorld(t)
	w.create(w.newCase("k"))
	for _, bad := range []string{"x", "-1", "1.5", "+1", "01", " 1", "99999999999999999999"} {
		_, err := w.s.ListCases(w.ctx, complaint.CaseQuery{PageRequest: kehu.PageRequest{After: bad}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr, "ListCases after %q", bad)
		assert.True(t, verr.Has("after", ""), "ListCases after %q: the error names the cursor, got %v", bad, err)
	}
}

// TestComplaintCancelledContext checks that every call honours its context: fn does not
// run and nothing is written under a cancelled one.
func TestComplaintCancelledContext(t *testing.T) {
	w := newCpWorld(t)
	c := w.newCase("k")
	w.create(c)
	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	ran := false
	for name, call := range map[string]func() error{
		"CreateCase": func() error { return w.s.CreateCase(ctx, w.newCase("other")) },
		"Case":       func() error { _, err := w.s.Case(ctx, c.ID); return err },
		"CaseByKey":  func() error { _, err := w.s.CaseByKey(ctx, "k"); return err },
		"UpdateCase": func() error {
			return w.s.UpdateCase(ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
				ran = true
				return w.acknowledge(x), nil
			})
		},
		"ListCases": func() error { _, err := w.s.ListCases(ctx, complaint.CaseQuery{}); return err },
	} {
		assert.ErrorIs(t, call(), context.Canceled, name)
	}
	assert.False(t, ran, "UpdateCase must not run fn under a cancelled context")
	_, err := w.s.CaseByKey(w.ctx, "other")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "nothing is written under a cancelled context")
	assert.Equal(t, c, w.get(c.ID), "nothing is written under a cancelled context")
}

// TestComplaintKilledConnection terminates the server backend of a write in the middle of
// it. The call returns an error (not a success, not a panic), nothing of the write is
// kept, and the store works again on the same pool.
func TestComplaintKilledConnection(t *testing.T) {
	// While fn runs, UpdateCase's transaction holds the case's row lock; its backend is
	// terminated then, and the write that follows fn fails.
	t.Run("UpdateCaseInFn", func(t *testing.T) {
		w := newCpWorld(t)
		c := w.newCase("k")
		w.create(c)
		calls := 0
		err := w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
			calls++
			pgtest.Terminate(t, w.pool, pgtest.LockHolder(t, w.pool, "complaint_cases"))
			return w.acknowledge(x), nil
		})
		require.Error(t, err, "UpdateCase whose backend was terminated")
		t.Logf("UpdateCase whose backend was terminated: %v", err)
		assert.Equal(t, 1, calls, "fn runs once")
		assert.Equal(t, c, w.get(c.ID), "the broken update wrote nothing")
		assert.Equal(t, 1, w.stepRows(c.ID))

		require.NoError(t, w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
			return w.acknowledge(x), nil
		}), "the store works again on the same pool")
		got := w.get(c.ID)
		assert.Equal(t, complaint.Acknowledged, got.Status)
		assert.EqualValues(t, 2, got.Version)
		assert.Len(t, got.Steps, 2)
	})
	// The update has rewritten the case's row and stalls inserting its step.
	t.Run("UpdateCaseWhileAppending", func(t *testing.T) {
		w := newCpWorld(t)
		c := w.newCase("k")
		w.create(c)
		stall := pgtest.StallWrites(t, w.pool, "complaint_steps")
		done := make(chan error, 1)
		go func() {
			done <- w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) { return w.acknowledge(x), nil })
		}()
		pgtest.Terminate(t, w.pool, stall.Stalled(t))
		stall.Release(t)
		err := <-done
		require.Error(t, err, "UpdateCase whose backend was terminated")
		t.Logf("UpdateCase whose backend was terminated while appending: %v", err)
		assert.Equal(t, c, w.get(c.ID), "the broken update wrote nothing: the case's row is as it was")
		assert.Equal(t, 1, w.stepRows(c.ID))
		require.NoError(t, w.s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) {
			return w.acknowledge(x), nil
		}), "the store works again on the same pool")
		assert.Len(t, w.get(c.ID).Steps, 2)
	})
	// The create has inserted the case's row and stalls inserting its steps.
	t.Run("CreateCase", func(t *testing.T) {
		w := newCpWorld(t)
		first := w.newCase("k-1")
		w.create(first)
		stall := pgtest.StallWrites(t, w.pool, "complaint_steps")
		c := w.newCase("k-2")
		done := make(chan error, 1)
		go func() { done <- w.s.CreateCase(w.ctx, c) }()
		pgtest.Terminate(t, w.pool, stall.Stalled(t))
		stall.Release(t)
		err := <-done
		require.Error(t, err, "CreateCase whose backend was terminated")
		assert.NotErrorIs(t, err, kehu.ErrDuplicate)
		t.Logf("CreateCase whose backend was terminated: %v", err)

		_, err = w.s.Case(w.ctx, c.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken create stored no case")
		_, err = w.s.CaseByKey(w.ctx, "k-2")
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken create took no key")
		assert.Zero(t, w.stepRows(c.ID), "the broken create stored no step")
		assert.EqualValues(t, 1, w.lastPosition(), "the broken create's listing position is undone")

		w.create(c) // the store works again on the same pool
		page, err := w.s.ListCases(w.ctx, complaint.CaseQuery{})
		require.NoError(t, err)
		assert.Equal(t, []*complaint.Case{first, c}, page.Items)
	})
}

// TestComplaintHostTransaction builds the store over a transaction the test began: its
// writes are the host's, undone by the host's rollback; a write the store refuses is
// undone alone and leaves the host's transaction usable.
func TestComplaintHostTransaction(t *testing.T) {
	t.Run("Rollback", func(t *testing.T) {
		w := newCpWorld(t)
		tx, err := w.pool.Begin(w.ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(context.WithoutCancel(w.ctx)) }()
		s := postgres.NewComplaintStore(tx)
		c := w.newCase("k")
		require.NoError(t, s.CreateCase(w.ctx, c))
		require.NoError(t, s.UpdateCase(w.ctx, c.ID, func(x *complaint.Case) (*complaint.Step, error) { return w.acknowledge(x), nil }))
		got, err := s.Case(w.ctx, c.ID)
		require.NoError(t, err, "the host's transaction sees the store's writes")
		assert.Len(t, got.Steps, 2)
		require.NoError(t, tx.Rollback(w.ctx))

		_, err = w.s.Case(w.ctx, c.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the host's rollback undoes CreateCase")
		for _, table := range []string{"complaint_cases", "complaint_steps", "complaint_case_positions"} {
			assert.Zero(t, count(t, w.pool, table), "rows of %s after the host's rollback", table)
		}
	})
	t.Run("RefusedWriteLeavesTheTransactionUsable", func(t *testing.T) {
		w := newCpWorld(t)
		tx, err := w.pool.Begin(w.ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(context.WithoutCancel(w.ctx)) }()
		s := postgres.NewComplaintStore(tx)
		first := w.newCase("k-1")
		require.NoError(t, s.CreateCase(w.ctx, first))
		refused := w.newCase("k-1")
		require.ErrorIs(t, s.CreateCase(w.ctx, refused), kehu.ErrDuplicate, "a used key inside the host's transaction")
		boom := errors.New("boom")
		require.ErrorIs(t, s.UpdateCase(w.ctx, first.ID, func(x *complaint.Case) (*complaint.Step, error) {
			x.Status = complaint.Closed
			return nil, boom
		}), boom, "a failed update inside the host's transaction")
		require.NoError(t, s.UpdateCase(w.ctx, first.ID, func(x *complaint.Case) (*complaint.Step, error) { return w.acknowledge(x), nil }),
			"the host's transaction is usable after a refused write")
		second := w.newCase("k-2")
		require.NoError(t, s.CreateCase(w.ctx, second))
		_, err = tx.Exec(w.ctx, `SELECT 1`)
		require.NoError(t, err, "the host's own statements run after a refused write")
		require.NoError(t, tx.Commit(w.ctx))

		page, err := w.s.ListCases(w.ctx, complaint.CaseQuery{})
		require.NoError(t, err)
		require.Len(t, page.Items, 2, "the host's commit keeps the store's writes")
		assert.Equal(t, []complaint.CaseID{first.ID, second.ID}, []complaint.CaseID{page.Items[0].ID, page.Items[1].ID})
		assert.Equal(t, complaint.Acknowledged, page.Items[0].Status)
		assert.Len(t, page.Items[0].Steps, 2)
		_, err = w.s.Case(w.ctx, refused.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the refused case is not stored")
	})
}

// TestComplaintConcurrentCreatesListInOrder has many writers open cases at once while a
// reader walks the listing page by page, again and again. Every case is listed once, and
// every walk the reader made is a prefix of the final listing: cases commit in the order
// of their positions, so a cursor never skips a case committed after the page was read.
func TestComplaintConcurrentCreatesListInOrder(t *testing.T) {
	w := newCpWorld(t)
	const writers, each = 8, 8
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			var err error
			for j := range each {
				err = errors.Join(err, w.s.CreateCase(w.ctx, w.newCase(fmt.Sprintf("k-%d-%d", i, j))))
			}
			errs <- err
		}()
	}
	walk := func(limit int) []complaint.CaseID {
		out := []complaint.CaseID{}
		q := complaint.CaseQuery{PageRequest: kehu.PageRequest{Limit: limit}}
		for {
			p, err := w.s.ListCases(w.ctx, q)
			require.NoError(t, err, "ListCases")
			for _, c := range p.Items {
				out = append(out, c.ID)
			}
			if p.Next == "" {
				return out
			}
			q.After = p.Next
		}
	}
	var walks [][]complaint.CaseID
	for finished := 0; finished < writers; {
		select {
		case err := <-errs:
			require.NoError(t, err)
			finished++
		default:
			walks = append(walks, walk(3))
		}
	}
	require.NotEmpty(t, walks)
	got := walk(1000)
	require.Len(t, got, writers*each, "every case is listed")
	seen := map[complaint.CaseID]bool{}
	for _, id := range got {
		assert.False(t, seen[id], "case %s is listed twice", id)
		seen[id] = true
	}
	for i, ids := range walks {
		require.LessOrEqual(t, len(ids), len(got))
		assert.Equal(t, got[:len(ids)], ids, "walk %d of %d, made during the writes, is a prefix of the final listing", i+1, len(walks))
	}
}
