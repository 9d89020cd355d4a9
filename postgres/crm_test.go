package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/crmtest"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

func TestCRMStore(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crm.Store {
		return postgres.NewCRMStore(pgtest.Pool(t, postgres.Migrate))
	})
}

// crmWorld is a service over a fresh PostgreSQL store, with a steppable clock.
type crmWorld struct {
	ctx   context.Context
	store *postgres.CRMStore
	svc   *crm.Service
	clock *kehu.Clock
	ids   *kehu.SeqIDs
}

func newCRMWorld(t *testing.T) *crmWorld {
	t.Helper()
	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := postgres.NewCRMStore(pgtest.Pool(t, postgres.Migrate))
	return &crmWorld{ctx: t.Context(), store: store, svc: crm.NewService(store, opts), clock: clock, ids: ids}
}

// create stores a customer with the given name (and optional company) through the service.
func (w *crmWorld) create(t *testing.T, name, company string) *crm.Customer {
	t.Helper()
	c, err := w.svc.CreateCustomer(w.ctx, crm.Profile{Name: crm.Name{Display: name}, Company: company}, nil)
	require.NoError(t, err, "CreateCustomer %q", name)
	w.clock.Advance(time.Minute)
	return c
}

func (w *crmWorld) search(t *testing.T, q crm.SearchQuery) []string {
	t.Helper()
	q.Limit = 1000
	p, err := w.store.SearchCustomers(w.ctx, q)
	require.NoError(t, err, "SearchCustomers")
	out := make([]string, len(p.Items))
	for i, c := range p.Items {
		out[i] = c.ID.String()
	}
	return out
}

func crmIDs(cs ...*crm.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID.String()
	}
	return out
}

// Times are whole microseconds, as the services give them, and come back as the same
// instants whatever zone they were given in. Query bounds may be any instant: the store
// answers every query as the memory store does, to the nanosecond.
func TestCRMStoreMicrosecondTimes(t *testing.T) {
	w := newCRMWorld(t)
	mem := crm.NewMemoryStore()
	stores := []crm.Store{w.store, mem}
	shanghai := time.FixedZone("CST", 8*3600)
	newYork := time.FixedZone("EST", -5*3600)
	at := time.Date(2026, 3, 1, 17, 30, 0, 123456000, shanghai)
	us := time.Microsecond
	id := crm.CustomerIDFrom(w.ids.NewID())
	c := &crm.Customer{
		ID: id, Version: 1, CreatedAt: at, UpdatedAt: at.In(newYork).Add(us),
		Profile: crm.Profile{Kind: crm.Person, Name: crm.Name{Display: "王小明"}},
		Stage:   crm.StageIntent,
		StageHistory: []crm.StageChange{
			{To: crm.StageIntent, At: at.Add(999 * us), Actor: "test"},
		},
		Consents: []crm.Consent{{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true,
			At: at.Add(-us).In(newYork), Source: "web-form"}},
	}
	first := &crm.Change{ID: crm.ChangeIDFrom(w.ids.NewID()), CustomerID: id, Version: 1, At: at.Add(7 * us),
		Actor: "test", Action: crm.ActionCreate}
	for _, s := range stores {
		require.NoError(t, s.CreateCustomer(w.ctx, c, first))
	}

	got, err := w.store.GetCustomer(w.ctx, id)
	require.NoError(t, err)
	assert.True(t, got.CreatedAt.Equal(c.CreatedAt), "CreatedAt %s, want %s", got.CreatedAt, c.CreatedAt)
	assert.True(t, got.UpdatedAt.Equal(c.UpdatedAt), "UpdatedAt %s, want %s", got.UpdatedAt, c.UpdatedAt)
	require.Len(t, got.StageHistory, 1)
	assert.True(t, got.StageHistory[0].At.Equal(c.StageHistory[0].At), "StageHistory At")
	require.Len(t, got.Consents, 1)
	assert.True(t, got.Consents[0].At.Equal(c.Consents[0].At), "Consent At")
	hist, err := w.store.History(w.ctx, id, kehu.PageRequest{})
	require.NoError(t, err)
	require.Len(t, hist.Items, 1)
	assert.True(t, hist.Items[0].At.Equal(first.At), "history At %s, want %s", hist.Items[0].At, first.At)

	// CreatedFrom ≤ CreatedAt < CreatedTo, with bounds on, between and beside microseconds.
	search := func(s crm.Store, from, to time.Time) []string {
		p, err := s.SearchCustomers(w.ctx, crm.SearchQuery{CreatedFrom: from, CreatedTo: to, PageRequest: kehu.PageRequest{Limit: 10}})
		require.NoError(t, err)
		out := []string{}
		for _, c := range p.Items {
			out = append(out, c.ID.String())
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		from, to time.Time
		match    bool
	}{
		{"from the instant", at, time.Time{}, true},
		{"from a nanosecond later", at.Add(1), time.Time{}, false},
		{"from a nanosecond earlier", at.Add(-1), time.Time{}, true},
		{"from a microsecond later", at.Add(us), time.Time{}, false},
		{"to the instant", time.Time{}, at, false},
		{"to a nanosecond later", time.Time{}, at.Add(1), true},
		{"to a nanosecond earlier", time.Time{}, at.Add(-1), false},
		{"from the instant in another zone", at.In(newYork), at.Add(1).UTC(), true},
	} {
		want := []string{}
		if tc.match {
			want = []string{id.String()}
		}
		assert.Equal(t, want, search(mem, tc.from, tc.to), "memory store: %s", tc.name)
		assert.Equal(t, want, search(w.store, tc.from, tc.to), "%s", tc.name)
	}

	// Interactions a microsecond apart are listed by At, not by ID; From, To, OverdueAt and
	// cursors are exact, with bounds to the nanosecond.
	mk := func(at time.Time, replyBy time.Time) *crm.Interaction {
		return &crm.Interaction{ID: crm.InteractionIDFrom(w.ids.NewID()), CustomerID: id, Channel: crm.ChannelPhone,
			Direction: crm.Inbound, Purpose: crm.PurposeService, At: at, Subject: "call", Urgency: crm.UrgencyNormal,
			ReplyBy: replyBy, CreatedAt: at}
	}
	later := mk(at.Add(us), at.Add(2*us))
	earlier := mk(at.In(newYork), at.Add(us)) // a larger ID, a microsecond earlier
	for _, s := range stores {
		for _, in := range []*crm.Interaction{later, earlier} {
			require.NoError(t, s.CreateInteraction(w.ctx, in))
		}
	}
	list := func(s crm.Store, q crm.InteractionQuery) []string {
		p, err := s.ListInteractions(w.ctx, q)
		require.NoError(t, err)
		out := []string{}
		for _, in := range p.Items {
			out = append(out, in.ID.String())
		}
		return out
	}
	both, e, l := []string{earlier.ID.String(), later.ID.String()}, []string{earlier.ID.String()}, []string{later.ID.String()}
	for _, tc := range []struct {
		name string
		q    crm.InteractionQuery
		want []string
	}{
		{"ordered by At", crm.InteractionQuery{}, both},
		{"From at the later", crm.InteractionQuery{From: at.Add(us)}, l},
		{"From a nanosecond after the earlier", crm.InteractionQuery{From: at.Add(1)}, l},
		{"From a nanosecond before the later", crm.InteractionQuery{From: at.Add(us - 1)}, l},
		{"To at the later", crm.InteractionQuery{To: at.Add(us)}, e},
		{"To a nanosecond after the earlier", crm.InteractionQuery{To: at.Add(1)}, e},
		{"To a nanosecond after the later", crm.InteractionQuery{To: at.Add(us + 1)}, both},
		{"OverdueAt at the earlier's ReplyBy", crm.InteractionQuery{OverdueAt: at.Add(us)}, []string{}},
		{"OverdueAt a nanosecond after it", crm.InteractionQuery{OverdueAt: at.Add(us + 1)}, e},
		{"OverdueAt at the later's ReplyBy", crm.InteractionQuery{OverdueAt: at.Add(2 * us)}, e},
	} {
		assert.Equal(t, tc.want, list(mem, tc.q), "memory store: %s", tc.name)
		assert.Equal(t, tc.want, list(w.store, tc.q), "%s", tc.name)
	}
	p, err := w.store.ListInteractions(w.ctx, crm.InteractionQuery{PageRequest: kehu.PageRequest{Limit: 1}})
	require.NoError(t, err)
	require.NotEmpty(t, p.Next)
	assert.Equal(t, l, list(w.store, crm.InteractionQuery{PageRequest: kehu.PageRequest{After: p.Next}}),
		"a cursor holds the last At")
	gotIn, err := w.store.GetInteraction(w.ctx, earlier.ID)
	require.NoError(t, err)
	assert.True(t, gotIn.At.Equal(earlier.At) && gotIn.ReplyBy.Equal(earlier.ReplyBy), "interaction times round-trip")
}

// Keyword terms match literally: LIKE's wildcards and escape character are plain text.
func TestCRMStoreSearchLikeMetacharacters(t *testing.T) {
	w := newCRMWorld(t)
	pct := w.create(t, "Fifty Percent", "50% Off Ltd")
	fifty := w.create(t, "Fifty Zero", "5000 Off Ltd")
	under := w.create(t, "Under Score", "a_b Trading")
	axb := w.create(t, "Axb Trading", "")
	slash := w.create(t, "Back Slash", `a\b Works`)
	for _, tc := range []struct {
		term string
		want []string
	}{
		{"50%", crmIDs(pct)},
		{"%", crmIDs(pct)},
		{"a_b", crmIDs(under)},
		{"_", crmIDs(under)},
		{`a\b`, crmIDs(slash)},
		{`\`, crmIDs(slash)},
		{"axb", crmIDs(axb)},
		{"50", crmIDs(pct, fifty)},
	} {
		assert.Equal(t, tc.want, w.search(t, crm.SearchQuery{Terms: []string{tc.term}}), "term %q", tc.term)
	}
	assert.Empty(t, w.search(t, crm.SearchQuery{Terms: []string{"a\x00b"}}), "a term PostgreSQL text cannot hold matches nothing")
}

// Cursors are plain values: they keep working after rows are inserted and on another
// store over the same database, and a cursor the store did not make is refused.
func TestCRMStoreCursors(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := postgres.NewCRMStore(pool)
	svc := crm.NewService(store, opts)
	ctx := t.Context()
	early := crm.CustomerIDFrom(ids.NewID()) // sorts before every customer below
	var all []string
	for i := range 6 {
		c, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: fmt.Sprintf("Customer %d", i)}}, nil)
		require.NoError(t, err)
		all = append(all, c.ID.String())
		clock.Advance(time.Minute)
	}
	first, err := store.SearchCustomers(ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{Limit: 3}})
	require.NoError(t, err)
	require.NotEmpty(t, first.Next)

	// One customer before the cursor, one after.
	now := clock.Now()
	before := &crm.Customer{ID: early, Version: 1, CreatedAt: now, UpdatedAt: now,
		Profile: crm.Profile{Kind: crm.Person, Name: crm.Name{Display: "Early"}}, Stage: crm.StageIntent}
	require.NoError(t, store.CreateCustomer(ctx, before, nil))
	late, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Late"}}, nil)
	require.NoError(t, err)

	other := postgres.NewCRMStore(pool)
	rest, err := other.SearchCustomers(ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{Limit: 10, After: first.Next}})
	require.NoError(t, err)
	var got []string
	for _, c := range rest.Items {
		got = append(got, c.ID.String())
	}
	assert.Equal(t, append(all[3:], late.ID.String()), got, "the cursor's page after inserts on both sides of it")
	assert.Empty(t, rest.Next)

	// History of a customer created without a first entry: empty, not unknown.
	h, err := store.History(ctx, early, kehu.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, h.Items)
	assert.Empty(t, h.Next)

	for _, bad := range []string{"x", "-1", "12|zz", "not-a-uuid"} {
		_, err := store.SearchCustomers(ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{After: bad}})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "SearchCustomers after %q", bad)
		_, err = store.History(ctx, late.ID, kehu.PageRequest{After: bad})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "History after %q", bad)
		_, err = store.ListInteractions(ctx, crm.InteractionQuery{PageRequest: kehu.PageRequest{After: bad}})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "ListInteractions after %q", bad)
	}
}

// A merge of a customer that absorbed another copies the copies too, keeping the From of
// the customer each entry came from, in order.
func TestCRMStoreMergeChain(t *testing.T) {
	w := newCRMWorld(t)
	a := w.create(t, "Alice A", "")
	b := w.create(t, "Alice B", "")
	c := w.create(t, "Alice C", "")
	for _, id := range []crm.CustomerID{b.ID, c.ID} {
		_, err := w.svc.UpdateCustomer(w.ctx, id, func(p *crm.Profile) error {
			p.JobTitle = "buyer"
			return nil
		}, &crm.UpdateOptions{Key: "title"})
		require.NoError(t, err)
	}
	history := func(id crm.CustomerID) []crm.Change {
		p, err := w.store.History(w.ctx, id, kehu.PageRequest{Limit: 1000})
		require.NoError(t, err)
		return p.Items
	}
	hc := history(c.ID)
	_, err := w.svc.Merge(w.ctx, b.ID, c.ID, nil)
	require.NoError(t, err, "merge C into B")
	hb := history(b.ID)
	_, err = w.svc.Merge(w.ctx, a.ID, b.ID, nil)
	require.NoError(t, err, "merge B into A")

	ha := history(a.ID)
	var fromB, fromC []crm.Change
	for _, ch := range ha {
		switch ch.From {
		case b.ID:
			fromB = append(fromB, ch)
		case c.ID:
			fromC = append(fromC, ch)
		}
		if !ch.From.IsZero() {
			assert.Empty(t, ch.Key, "a copy carries no change key")
		}
	}
	var bOwn, bCopies []crm.Change
	for _, ch := range hb {
		if ch.From.IsZero() {
			bOwn = append(bOwn, ch)
		} else {
			bCopies = append(bCopies, ch)
		}
	}
	require.Len(t, fromC, len(hc), "A holds a copy of each of C's entries")
	require.Len(t, fromB, len(bOwn), "A holds a copy of each of B's own entries")
	for i := range hc {
		assert.Equal(t, hc[i].ID, fromC[i].ID, "C's entry %d, in order", i)
		assert.Equal(t, hc[i].ID, bCopies[i].ID, "B's copy of C's entry %d, in order", i)
	}
	for i := range bOwn {
		assert.Equal(t, bOwn[i].ID, fromB[i].ID, "B's entry %d, in order", i)
	}

	// The change key "title" is A's to use: the copies did not take it.
	got, err := w.svc.UpdateCustomer(w.ctx, a.ID, func(p *crm.Profile) error {
		p.JobTitle = "owner"
		return nil
	}, &crm.UpdateOptions{Key: "title"})
	require.NoError(t, err)
	assert.Equal(t, "owner", got.JobTitle, "copied entries carry no change key, so A may use it")
	ha = history(a.ID)
	assert.Equal(t, "title", ha[len(ha)-1].Key)
}

// Values that PostgreSQL text cannot hold, and documents the domain types would refuse to
// read back, are refused with kehu.ErrInvalid and leave nothing behind.
func TestCRMStoreUnstorableValues(t *testing.T) {
	w := newCRMWorld(t)
	c := w.create(t, "Kept Customer", "")
	now := w.clock.Now()
	for _, tc := range []struct {
		name   string
		change func(*crm.Customer)
	}{
		{"NUL in a name", func(c *crm.Customer) { c.Name.Display = "bad\x00name" }},
		{"NUL in an email", func(c *crm.Customer) { c.Emails = []crm.Email{{Address: "a\x00@example.com"}} }},
		{"invalid UTF-8 in a job title", func(c *crm.Customer) { c.JobTitle = "bad \xff title" }},
		{"NUL in an attribute", func(c *crm.Customer) {
			c.Attributes = map[string]crm.AttrValue{"note": crm.StringAttr("a\x00b")}
		}},
		{"unknown stage", func(c *crm.Customer) { c.Stage = "vip" }},
	} {
		id := crm.CustomerIDFrom(w.ids.NewID())
		bad := &crm.Customer{ID: id, Version: 1, CreatedAt: now, UpdatedAt: now,
			Profile: crm.Profile{Kind: crm.Person, Name: crm.Name{Display: "New Customer"}}, Stage: crm.StageIntent}
		tc.change(bad)
		err := w.store.CreateCustomer(w.ctx, bad, &crm.Change{ID: crm.ChangeIDFrom(w.ids.NewID()), CustomerID: id,
			Version: 1, At: now, Actor: "test", Action: crm.ActionCreate, Key: "k-" + tc.name})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "CreateCustomer with %s", tc.name)
		_, err = w.store.GetCustomer(w.ctx, id)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "CreateCustomer with %s must store nothing", tc.name)

		err = w.store.UpdateCustomer(w.ctx, c.ID, func(cur *crm.Customer) (*crm.Change, error) {
			tc.change(cur)
			return nil, nil
		})
		assert.ErrorIs(t, err, kehu.ErrInvalid, "UpdateCustomer with %s", tc.name)
		got, err := w.store.GetCustomer(w.ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, c.Version, got.Version, "UpdateCustomer with %s must store nothing", tc.name)
	}
	// What only looks like those escapes is plain text.
	kept, err := w.svc.UpdateCustomer(w.ctx, c.ID, func(p *crm.Profile) error {
		p.JobTitle = `writes \u0000 and \\ufffd, and means U+FFFD: ` + "\ufffd"
		return nil
	}, nil)
	require.NoError(t, err, "text that looks like an escape is stored")
	got, err := w.store.GetCustomer(w.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, kept.JobTitle, got.JobTitle)

	_, err = w.store.GetCustomerByKey(w.ctx, "a\x00b")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
	found, err := w.store.LookupCustomers(w.ctx, crm.LookupEmail, "a\x00@example.com")
	require.NoError(t, err)
	assert.Empty(t, found)
	_, err = w.store.LookupCustomers(w.ctx, "fax", "1")
	assert.ErrorIs(t, err, kehu.ErrInvalid, "unknown lookup field")
}

// The migration builds the trigram index of keyword search where the server has pg_trgm,
// and leaves it out, still succeeding, where it has not; CI's server must have it.
func TestCRMStoreTrigramIndex(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	var available bool
	require.NoError(t, pool.QueryRow(t.Context(),
		`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')`).Scan(&available))
	if os.Getenv("CI") == "true" {
		require.True(t, available, "the CI server must have pg_trgm (PostgreSQL's contrib extensions)")
	}
	var n int
	require.NoError(t, pool.QueryRow(t.Context(),
		`SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'crm_customers_search'`).Scan(&n))
	if available {
		assert.Equal(t, 1, n, "with pg_trgm the migration builds crm_customers_search")
	} else {
		assert.Equal(t, 0, n, "without pg_trgm the migration leaves the index out")
	}
}

// Every method returns, on a cancelled context, an error that is the context's.
func TestCRMStoreCancelledContext(t *testing.T) {
	w := newCRMWorld(t)
	c := w.create(t, "Kept Customer", "")
	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	noChange := func(*crm.Customer) (*crm.Change, error) { return nil, nil }
	in := &crm.Interaction{ID: crm.InteractionIDFrom(w.ids.NewID()), CustomerID: c.ID, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Purpose: crm.PurposeService, At: w.clock.Now(), Subject: "call", Urgency: crm.UrgencyNormal}
	calls := map[string]func() error{
		"CreateCustomer": func() error {
			d := c.Clone()
			d.ID = crm.CustomerIDFrom(w.ids.NewID())
			return w.store.CreateCustomer(ctx, d, nil)
		},
		"GetCustomer":      func() error { _, err := w.store.GetCustomer(ctx, c.ID); return err },
		"GetCustomerByKey": func() error { _, err := w.store.GetCustomerByKey(ctx, "k"); return err },
		"UpdateCustomer":   func() error { return w.store.UpdateCustomer(ctx, c.ID, noChange) },
		"MergeCustomers": func() error {
			return w.store.MergeCustomers(ctx, c.ID, c.ID, func(_, _ *crm.Customer) (*crm.Change, *crm.Change, error) {
				return nil, nil, nil
			})
		},
		"LookupCustomers": func() error {
			_, err := w.store.LookupCustomers(ctx, crm.LookupNameKey, crm.NameKey(c.Name))
			return err
		},
		"SearchCustomers":     func() error { _, err := w.store.SearchCustomers(ctx, crm.SearchQuery{}); return err },
		"History":             func() error { _, err := w.store.History(ctx, c.ID, kehu.PageRequest{}); return err },
		"RedactHistory":       func() error { return w.store.RedactHistory(ctx, c.ID, func(string) bool { return true }) },
		"CreateInteraction":   func() error { return w.store.CreateInteraction(ctx, in) },
		"GetInteraction":      func() error { _, err := w.store.GetInteraction(ctx, in.ID); return err },
		"GetInteractionByKey": func() error { _, err := w.store.GetInteractionByKey(ctx, "k"); return err },
		"UpdateInteraction": func() error {
			return w.store.UpdateInteraction(ctx, in.ID, func(*crm.Interaction) error { return nil })
		},
		"ListInteractions": func() error { _, err := w.store.ListInteractions(ctx, crm.InteractionQuery{}); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(), context.Canceled, name)
	}
	got, err := w.store.GetCustomer(w.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Version, got.Version, "nothing was written")
}

// Merges of one pair in both directions, run at once with updates of both customers, lock
// the rows in one order: exactly one merge wins, the others see a tombstone, and no writer
// deadlocks.
func TestCRMStoreOpposingMerges(t *testing.T) {
	w := newCRMWorld(t)
	a := w.create(t, "Alice Smith", "")
	b := w.create(t, "Alice Smyth", "")
	const writers = 12
	errs := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch i % 3 {
			case 0:
				_, errs[i] = w.svc.Merge(w.ctx, a.ID, b.ID, nil)
			case 1:
				_, errs[i] = w.svc.Merge(w.ctx, b.ID, a.ID, nil)
			default:
				_, errs[i] = w.svc.UpdateCustomer(w.ctx, []crm.CustomerID{a.ID, b.ID}[i%2], func(p *crm.Profile) error {
					p.Interests = append(p.Interests, fmt.Sprintf("interest %d", i))
					return nil
				}, nil)
			}
		}()
	}
	close(start)
	wg.Wait()
	merged := 0
	for i, err := range errs {
		switch {
		case err == nil:
			if i%3 != 2 {
				merged++
			}
		case errors.Is(err, crm.ErrMerged):
		default:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	assert.Equal(t, 1, merged, "exactly one merge wins")
}
