package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
	"github.com/kehu-crm/kehu/survey"
	"github.com/kehu-crm/kehu/survey/surveytest"
)

func TestSurveyStore(t *testing.T) {
	surveytest.Run(t, func(t *testing.T) survey.Store {
		return postgres.NewSurveyStore(pgtest.Pool(t, postgres.Migrate))
	})
}

// svWorld is a fresh survey store with its pool and a deterministic source of IDs.
type svWorld struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	s    *postgres.SurveyStore
	ids  *kehu.SeqIDs
	at   time.Time
}

func newSvWorld(t *testing.T) *svWorld {
	t.Helper()
	pool := pgtest.Pool(t, postgres.Migrate)
	return &svWorld{t: t, ctx: t.Context(), pool: pool, s: postgres.NewSurveyStore(pool), ids: kehu.NewSeqIDs(),
		at: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// response returns a response to version 1 of survey "nps" with the key.
func (w *svWorld) response(key string) *survey.Response {
	v := 9.0
	return &survey.Response{ID: survey.ResponseIDFrom(w.ids.NewID()), Survey: "nps", Version: 1, Weight: 1,
		Answers: []survey.Answer{{Question: "q1", Value: &v}}, SubmittedAt: w.at, Key: key, Digest: "d-" + key}
}

func (w *svWorld) version(n int) survey.Version {
	return survey.Version{Spec: survey.Spec{ID: "nps", Version: n, Locale: "en", Sections: []survey.Section{{ID: "s1",
		Questions: []survey.Question{{ID: "q1", Kind: survey.NPS, Label: survey.Label{"en": "Would you recommend us?"}}}}}},
		PublishedAt: w.at}
}

// listed returns the IDs of every response of survey "nps", in the order listed.
func (w *svWorld) listed(s survey.Store) []survey.ResponseID {
	w.t.Helper()
	out := []survey.ResponseID{}
	q := survey.ResponseQuery{}
	for {
		p, err := s.Responses(w.ctx, "nps", q)
		require.NoError(w.t, err, "Responses")
		for _, r := range p.Items {
			out = append(out, r.ID)
		}
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

// count returns the number of rows of a table of the store.
func count(t *testing.T, db pgtest.Querier, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(t.Context(), "SELECT count(*) FROM "+table).Scan(&n), "count %s", table)
	return n
}

// lastPosition is the last listing position given to a response of survey "nps" (0: none).
func (w *svWorld) lastPosition() int64 {
	w.t.Helper()
	var n int64
	require.NoError(w.t, w.pool.QueryRow(w.ctx,
		`SELECT COALESCE((SELECT last FROM survey_response_positions WHERE survey = 'nps'), 0)`).Scan(&n))
	return n
}

// TestSurveyRetriedWritesNothing repeats writes whose key or version is stored: each fails
// with kehu.ErrDuplicate and writes nothing, not even a listing position.
func TestSurveyRetriedWritesNothing(t *testing.T) {
	w := newSvWorld(t)
	first := w.response("k-1")
	require.NoError(t, w.s.AddResponse(w.ctx, first))
	require.NoError(t, w.s.PutVersion(w.ctx, w.version(1)))
	pos := w.lastPosition()

	again := w.response("k-1")
	again.Weight, again.Digest = 2, "another payload"
	require.ErrorIs(t, w.s.AddResponse(w.ctx, again), kehu.ErrDuplicate, "a response with a stored key")
	sameID := w.response("k-2")
	sameID.ID = first.ID
	require.ErrorIs(t, w.s.AddResponse(w.ctx, sameID), kehu.ErrDuplicate, "a response with a stored ID")
	_, err := w.s.Response(w.ctx, again.ID)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused response is not stored")
	_, err = w.s.ResponseByKey(w.ctx, "nps", "k-2")
	assert.ErrorIs(t, err, kehu.ErrNotFound, "a response refused for its ID does not take its key")
	got, err := w.s.ResponseByKey(w.ctx, "nps", "k-1")
	require.NoError(t, err)
	assert.Equal(t, first, got, "the key keeps the first response")
	assert.Equal(t, []survey.ResponseID{first.ID}, w.listed(w.s))
	assert.Equal(t, pos, w.lastPosition(), "a refused response takes no listing position")

	v := w.version(1)
	v.Spec.Locale, v.PublishedAt = "zh", w.at.Add(time.Hour)
	require.ErrorIs(t, w.s.PutVersion(w.ctx, v), kehu.ErrDuplicate, "a stored version")
	gotV, err := w.s.Version(w.ctx, "nps", 1)
	require.NoError(t, err)
	assert.Equal(t, w.version(1), *gotV, "a refused PutVersion leaves the version as it was")
}

// TestSurveyRefusedText checks that text PostgreSQL cannot hold is refused with
// kehu.ErrInvalid and writes nothing, and that reads for such text find nothing.
func TestSurveyRefusedText(t *testing.T) {
	w := newSvWorld(t)
	for name, edit := range map[string]func(r *survey.Response){
		"NUL in an answer":       func(r *survey.Response) { r.Answers[0].Text = "a\x00b" },
		"NUL in the survey":      func(r *survey.Response) { r.Survey = "n\x00ps" },
		"bad UTF-8 in a channel": func(r *survey.Response) { r.Channel = "e\xffmail" },
	} {
		r := w.response("k-" + name)
		edit(r)
		assert.ErrorIs(t, w.s.AddResponse(w.ctx, r), kehu.ErrInvalid, "a response with %s", name)
		_, err := w.s.Response(w.ctx, r.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "a response with %s is not stored", name)
	}
	v := w.version(1)
	v.Spec.ID = "n\x00ps"
	assert.ErrorIs(t, w.s.PutVersion(w.ctx, v), kehu.ErrInvalid, "a version whose survey holds a NUL")
	assert.Zero(t, count(t, w.pool, "survey_versions")+count(t, w.pool, "survey_responses"), "refused writes store nothing")

	_, err := w.s.Version(w.ctx, "n\x00ps", 1)
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	vs, err := w.s.Versions(w.ctx, "n\x00ps")
	require.NoError(t, err)
	assert.Empty(t, vs)
	_, err = w.s.ResponseByKey(w.ctx, "nps", "k\x00")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	p, err := w.s.Responses(w.ctx, "n\x00ps", survey.ResponseQuery{})
	require.NoError(t, err)
	assert.Empty(t, p.Items)
}

// TestSurveyBadCursors checks that a cursor the store did not write is a
// *kehu.ValidationError naming "after".
func TestSurveyBadCursors(t *testing.T) {
	w := newSvWorld(t)
	require.NoError(t, w.s.AddResponse(w.ctx, w.response("k")))
	for _, bad := range []string{"x", "-1", "1.5", "+1", "01", " 1", "99999999999999999999"} {
		_, err := w.s.Responses(w.ctx, "nps", survey.ResponseQuery{PageRequest: kehu.PageRequest{After: bad}})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr, "Responses after %q", bad)
		assert.True(t, verr.Has("after", ""), "Responses after %q: the error names the cursor, got %v", bad, err)
	}
}

// TestSurveyResponsesBounds checks that Responses applies From and To exactly, with
// bounds on, between and beside the responses' microseconds: it answers as the memory
// store does.
func TestSurveyResponsesBounds(t *testing.T) {
	w := newSvWorld(t)
	mem := survey.NewMemoryStore()
	const us = time.Microsecond
	for i, d := range []time.Duration{0, 1 * us, 2 * us, 3 * us, 5 * us} {
		r := w.response(fmt.Sprint("k-", i))
		r.SubmittedAt = w.at.Add(d)
		r.Version = 1 + i%2
		require.NoError(t, w.s.AddResponse(w.ctx, r))
		require.NoError(t, mem.AddResponse(w.ctx, r))
	}
	ids := func(s survey.Store, q survey.ResponseQuery) []survey.ResponseID {
		out := []survey.ResponseID{}
		for {
			p, err := s.Responses(w.ctx, "nps", q)
			require.NoError(t, err)
			for _, r := range p.Items {
				out = append(out, r.ID)
			}
			if p.Next == "" {
				return out
			}
			q.After = p.Next
		}
	}
	zone := time.FixedZone("X", 3600)
	for _, c := range []struct{ from, to time.Duration }{
		{1 * us, 3 * us}, {1*us + 1, 3*us + 1}, {1*us - 1, 3*us - 1}, {2*us + 500, 2*us + 501},
		{3 * us, 6 * us}, {1, 1 * us}, {-1, 1},
	} {
		for _, version := range []int{0, 1, 2} {
			for _, limit := range []int{1, 2, 50} {
				q := survey.ResponseQuery{Version: version, From: w.at.Add(c.from), To: w.at.Add(c.to).In(zone),
					PageRequest: kehu.PageRequest{Limit: limit}}
				assert.Equal(t, ids(mem, q), ids(w.s, q), "Responses of version %d in [at%+v, at%+v) with Limit %d",
					version, c.from, c.to, limit)
			}
		}
	}
}

// TestSurveyCancelledContext checks that every call honours its context and writes nothing
// under a cancelled one.
func TestSurveyCancelledContext(t *testing.T) {
	w := newSvWorld(t)
	stored := w.response("stored")
	require.NoError(t, w.s.AddResponse(w.ctx, stored))
	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	r := w.response("k")
	for name, call := range map[string]func() error{
		"PutVersion":    func() error { return w.s.PutVersion(ctx, w.version(1)) },
		"Version":       func() error { _, err := w.s.Version(ctx, "nps", 1); return err },
		"Versions":      func() error { _, err := w.s.Versions(ctx, "nps"); return err },
		"AddResponse":   func() error { return w.s.AddResponse(ctx, r) },
		"Response":      func() error { _, err := w.s.Response(ctx, stored.ID); return err },
		"ResponseByKey": func() error { _, err := w.s.ResponseByKey(ctx, "nps", "stored"); return err },
		"Responses":     func() error { _, err := w.s.Responses(ctx, "nps", survey.ResponseQuery{}); return err },
	} {
		assert.ErrorIs(t, call(), context.Canceled, name)
	}
	_, err := w.s.Version(w.ctx, "nps", 1)
	assert.ErrorIs(t, err, kehu.ErrNotFound, "nothing is written under a cancelled context")
	assert.Equal(t, []survey.ResponseID{stored.ID}, w.listed(w.s), "nothing is written under a cancelled context")
}

// TestSurveyKilledConnection terminates the server backend of a write while it is half
// done, inside the statement that stores a response (after it took its listing position)
// or a version. The write returns an error, keeps nothing, and the store works again on
// the same pool.
func TestSurveyKilledConnection(t *testing.T) {
	t.Run("AddResponse", func(t *testing.T) {
		w := newSvWorld(t)
		first := w.response("k-1")
		require.NoError(t, w.s.AddResponse(w.ctx, first))
		stall := pgtest.StallWrites(t, w.pool, "survey_responses")
		r := w.response("k-2")
		done := make(chan error, 1)
		go func() { done <- w.s.AddResponse(w.ctx, r) }()
		pgtest.Terminate(t, w.pool, stall.Stalled(t))
		stall.Release(t)
		err := <-done
		require.Error(t, err, "AddResponse whose backend was terminated")
		t.Logf("AddResponse whose backend was terminated: %v", err)
		assert.NotErrorIs(t, err, kehu.ErrDuplicate)

		_, err = w.s.Response(w.ctx, r.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken write stored no response")
		_, err = w.s.ResponseByKey(w.ctx, "nps", "k-2")
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken write took no key")
		assert.EqualValues(t, 1, w.lastPosition(), "the broken write's listing position is undone")

		require.NoError(t, w.s.AddResponse(w.ctx, r), "the store works again on the same pool")
		assert.Equal(t, []survey.ResponseID{first.ID, r.ID}, w.listed(w.s))
		assert.EqualValues(t, 2, w.lastPosition())
	})
	t.Run("PutVersion", func(t *testing.T) {
		w := newSvWorld(t)
		stall := pgtest.StallWrites(t, w.pool, "survey_versions")
		done := make(chan error, 1)
		go func() { done <- w.s.PutVersion(w.ctx, w.version(1)) }()
		pgtest.Terminate(t, w.pool, stall.Stalled(t))
		stall.Release(t)
		err := <-done
		require.Error(t, err, "PutVersion whose backend was terminated")
		t.Logf("PutVersion whose backend was terminated: %v", err)
		assert.NotErrorIs(t, err, kehu.ErrDuplicate)
		_, err = w.s.Version(w.ctx, "nps", 1)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the broken write stored no version")
		require.NoError(t, w.s.PutVersion(w.ctx, w.version(1)), "the store works again on the same pool")
		got, err := w.s.Version(w.ctx, "nps", 1)
		require.NoError(t, err)
		assert.Equal(t, w.version(1), *got)
	})
}

// TestSurveyHostTransaction builds the store over a transaction the test began: its writes
// are the host's, undone by the host's rollback; a write the store refuses is undone alone
// and leaves the host's transaction usable.
func TestSurveyHostTransaction(t *testing.T) {
	t.Run("Rollback", func(t *testing.T) {
		w := newSvWorld(t)
		tx, err := w.pool.Begin(w.ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(context.WithoutCancel(w.ctx)) }()
		s := postgres.NewSurveyStore(tx)
		require.NoError(t, s.PutVersion(w.ctx, w.version(1)))
		r := w.response("k-1")
		require.NoError(t, s.AddResponse(w.ctx, r))
		got, err := s.Response(w.ctx, r.ID)
		require.NoError(t, err, "the host's transaction sees the store's writes")
		assert.Equal(t, r, got)
		require.NoError(t, tx.Rollback(w.ctx))

		_, err = w.s.Version(w.ctx, "nps", 1)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the host's rollback undoes PutVersion")
		assert.Empty(t, w.listed(w.s), "the host's rollback undoes AddResponse")
		for _, table := range []string{"survey_versions", "survey_responses", "survey_response_positions"} {
			assert.Zero(t, count(t, w.pool, table), "rows of %s after the host's rollback", table)
		}
	})
	t.Run("RefusedWriteLeavesTheTransactionUsable", func(t *testing.T) {
		w := newSvWorld(t)
		tx, err := w.pool.Begin(w.ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(context.WithoutCancel(w.ctx)) }()
		s := postgres.NewSurveyStore(tx)
		first := w.response("k-1")
		require.NoError(t, s.AddResponse(w.ctx, first))
		require.NoError(t, s.PutVersion(w.ctx, w.version(1)))
		refused := w.response("k-1")
		require.ErrorIs(t, s.AddResponse(w.ctx, refused), kehu.ErrDuplicate, "a used key inside the host's transaction")
		require.ErrorIs(t, s.PutVersion(w.ctx, w.version(1)), kehu.ErrDuplicate, "a stored version inside the host's transaction")
		second := w.response("k-2")
		require.NoError(t, s.AddResponse(w.ctx, second), "the host's transaction is usable after a refused write")
		_, err = tx.Exec(w.ctx, `SELECT 1`)
		require.NoError(t, err, "the host's own statements run after a refused write")
		require.NoError(t, tx.Commit(w.ctx))

		assert.Equal(t, []survey.ResponseID{first.ID, second.ID}, w.listed(w.s), "the host's commit keeps the store's writes")
		_, err = w.s.Response(w.ctx, refused.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "the refused response is not stored")
		_, err = w.s.Version(w.ctx, "nps", 1)
		assert.NoError(t, err)
	})
}

// TestSurveyConcurrentResponsesListInOrder has many writers add responses to one survey at
// once while a reader walks the listing page by page, again and again. Every response is
// listed once, and every walk the reader made is a prefix of the final listing: a survey's
// responses commit in the order of their positions, so a cursor never skips a response
// committed after the page was read.
func TestSurveyConcurrentResponsesListInOrder(t *testing.T) {
	w := newSvWorld(t)
	const writers, each = 8, 10
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			var err error
			for j := range each {
				err = errors.Join(err, w.s.AddResponse(w.ctx, w.response(fmt.Sprintf("k-%d-%d", i, j))))
			}
			errs <- err
		}()
	}
	var walks [][]survey.ResponseID
	walk := func() []survey.ResponseID {
		out := []survey.ResponseID{}
		q := survey.ResponseQuery{PageRequest: kehu.PageRequest{Limit: 3}}
		for {
			p, err := w.s.Responses(w.ctx, "nps", q)
			require.NoError(t, err, "Responses")
			for _, r := range p.Items {
				out = append(out, r.ID)
			}
			if p.Next == "" {
				return out
			}
			q.After = p.Next
		}
	}
	for finished := 0; finished < writers; {
		select {
		case err := <-errs:
			require.NoError(t, err)
			finished++
		default:
			walks = append(walks, walk())
		}
	}
	require.NotEmpty(t, walks)
	got := w.listed(w.s)
	require.Len(t, got, writers*each, "every response is listed")
	seen := map[survey.ResponseID]bool{}
	for _, id := range got {
		assert.False(t, seen[id], "response %s is listed twice", id)
		seen[id] = true
	}
	for i, ids := range walks {
		require.LessOrEqual(t, len(ids), len(got))
		assert.Equal(t, got[:len(ids)], ids, "walk %d of %d, made during the writes, is a prefix of the final listing", i+1, len(walks))
	}
	assert.EqualValues(t, writers*each, w.lastPosition(), "one position per response")
}
