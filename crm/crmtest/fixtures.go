package crmtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

// actor is the Actor of every history entry the suite writes, unless a test says otherwise.
const actor = "crmtest"

// harness is one subtest's world: a fresh store, a clock and an ID source.
type harness struct {
	t     *testing.T
	ctx   context.Context
	s     crm.Store
	clock *kehu.Clock
	ids   *kehu.SeqIDs
	// newStore makes another empty store, for a test that needs more than s.
	newStore func(t *testing.T) crm.Store

	mu   sync.Mutex
	keys map[crm.CustomerID]string // create keys, carried by each customer's first Change
}

// setKey makes c's creation idempotent under key: firstChange puts it on the first entry.
func (h *harness) setKey(c *crm.Customer, key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.keys == nil {
		h.keys = map[crm.CustomerID]string{}
	}
	h.keys[c.ID] = key
}

// key is the create key set for c, or "".
func (h *harness) key(c *crm.Customer) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keys[c.ID]
}

func newHarness(t *testing.T, newStore func(t *testing.T) crm.Store) *harness {
	t.Helper()
	s := newStore(t)
	require.NotNil(t, s, "newStore returned a nil crm.Store")
	return &harness{t: t, ctx: t.Context(), s: s, clock: kehu.NewClock(suite.Start()), ids: kehu.NewSeqIDs(), newStore: newStore}
}

// retype turns a UUID into a typed ID of the same kind as the first argument; it lets the
// suite build IDs of crm's unexported kinds.
func retype[K kehu.Kind](_ kehu.ID[K], u uuid.UUID) kehu.ID[K] { return kehu.IDFrom[K](u) }

func (h *harness) customerID() crm.CustomerID { return retype(crm.CustomerID{}, h.ids.NewID()) }

func (h *harness) changeID() crm.ChangeID { return retype(crm.ChangeID{}, h.ids.NewID()) }

func (h *harness) interactionID() crm.InteractionID {
	return retype(crm.InteractionID{}, h.ids.NewID())
}

// profile returns a profile with a name and, when not empty, one email and one phone. It
// is not normalised yet.
func profile(name, email, phone string, tags ...string) crm.Profile {
	p := crm.Profile{Name: crm.Name{Display: name}, Tags: tags}
	if email != "" {
		p.Emails = []crm.Email{{Address: email, Primary: true}}
	}
	if phone != "" {
		p.Phones = []crm.Phone{{Number: phone, Primary: true}}
	}
	return p
}

// customer builds a new customer from p with the next ID, normalising p the way the
// service would. The clock is not moved.
func (h *harness) customer(p crm.Profile) *crm.Customer {
	return h.customerWithID(h.customerID(), p)
}

func (h *harness) customerWithID(id crm.CustomerID, p crm.Profile) *crm.Customer {
	h.t.Helper()
	require.NoError(h.t, p.Normalize("CN"), "suite bug: test profile %q does not normalise", p.Name.Display)
	now := h.clock.Now()
	return &crm.Customer{
		ID:        id,
		Version:   1,
		CreatedAt: now,
		UpdatedAt: now,
		Profile:   p,
		Stage:     crm.StageIntent,
	}
}

// richProfile fills every field of a profile.
func richProfile() crm.Profile {
	return crm.Profile{
		Kind:     crm.Person,
		Name:     crm.Name{Display: "王小明", Family: "王", Given: "小明", Phonetic: "Wang Xiaoming", FamilyFirst: true},
		Company:  "北京示例科技有限公司",
		JobTitle: "采购经理",
		Emails: []crm.Email{
			{Address: "xiaoming.wang@example.com", Label: "work", Primary: true, Verified: true},
			{Address: "wxm@example.org", Label: "home"},
		},
		Phones: []crm.Phone{
			{Number: "+8613800138000", Label: "mobile", Primary: true},
			{Number: "+8613912345678", Label: "office"},
		},
		Addresses: []crm.Address{{
			Label: "office", Country: "CN", Region: "北京市", City: "北京", District: "海淀区",
			Street: "中关村大街 1 号", PostalCode: "100080", Primary: true,
		}},
		Demographics: crm.Demographics{
			BirthDate:  kehu.MustDate(1988, time.May, 17),
			Gender:     crm.GenderMale,
			Occupation: "manager",
			IncomeBand: "200k-500k CNY",
			Education:  crm.EducationMaster,
		},
		DISC:        crm.DISCConscientiousness,
		Preferences: crm.Preferences{Language: "zh-CN", Channel: crm.ChannelPhone, TimeZone: "Asia/Shanghai", Notes: []string{"no calls before 10:00"}},
		Interests:   []string{"tea", "ceramics"},
		Tags:        []string{"vip", "wholesale"},
		Attributes: map[string]crm.AttrValue{
			"loyalty.card": crm.StringAttr("C-0042"),
			"credit":       crm.NumberAttr(decimal.RequireFromString("12.5")),
			"newsletter":   crm.BoolAttr(true),
			"since":        crm.DateAttr(kehu.MustDate(2019, time.January, 2)),
			"limit":        crm.MoneyAttr(kehu.MustMoney("5000.00", "CNY")),
		},
		Owner:       "agent-7",
		Acquisition: crm.Acquisition{Source: "spring-fair-2026", Channel: "store"},
	}
}

// richCustomer fills every kind of field, so that a store that drops or mangles one is
// caught by a round trip.
func (h *harness) richCustomer() *crm.Customer {
	c := h.customer(richProfile())
	c.Stage = crm.StagePotential
	c.StageHistory = []crm.StageChange{{From: crm.StageIntent, To: crm.StagePotential, At: c.CreatedAt, Actor: actor, Reason: "qualified"}}
	c.Consents = []crm.Consent{{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, At: c.CreatedAt, Source: "web-form"}}
	h.setKey(c, "create-rich")
	return c
}

// firstChange is the history entry written with a new customer.
func (h *harness) firstChange(c *crm.Customer) *crm.Change {
	return &crm.Change{
		ID:         h.changeID(),
		CustomerID: c.ID,
		Version:    1,
		At:         c.CreatedAt,
		Actor:      actor,
		Action:     crm.ActionCreate,
		Key:        h.key(c),
		Fields:     crm.Diff(nil, c),
	}
}

// create stores c with its first history entry, both passed as copies, and returns that
// entry.
func (h *harness) create(c *crm.Customer) crm.Change {
	h.t.Helper()
	first := h.firstChange(c)
	require.NoError(h.t, h.s.CreateCustomer(h.ctx, c.Clone(), cloneChange(first)),
		"CreateCustomer of a new customer %s must succeed", c.ID)
	return *first
}

// add builds a customer from p, stores it and returns it; the clock moves on a minute.
func (h *harness) add(p crm.Profile) *crm.Customer {
	h.t.Helper()
	c := h.customer(p)
	h.create(c)
	h.clock.Advance(time.Minute)
	return c
}

// update moves the clock on a minute and updates the customer with mutate, recording a
// history entry with the difference. It returns the customer as stored and the entry.
func (h *harness) update(id crm.CustomerID, key string, mutate func(c *crm.Customer)) (*crm.Customer, crm.Change) {
	h.t.Helper()
	now := h.clock.Advance(time.Minute)
	var after *crm.Customer
	var ch crm.Change
	err := h.s.UpdateCustomer(h.ctx, id, func(c *crm.Customer) (*crm.Change, error) {
		before := c.Clone()
		mutate(c)
		c.UpdatedAt = now
		ch = crm.Change{
			ID: h.changeID(), CustomerID: id, Version: c.Version + 1, At: now,
			Actor: actor, Action: crm.ActionUpdate, Key: key, Fields: crm.Diff(before, c),
		}
		after = c.Clone()
		return cloneChange(&ch), nil
	})
	require.NoError(h.t, err, "UpdateCustomer of existing customer %s must succeed", id)
	after.Version++
	return after, ch
}

// get reads a customer that must exist.
func (h *harness) get(id crm.CustomerID) *crm.Customer {
	h.t.Helper()
	c, err := h.s.GetCustomer(h.ctx, id)
	require.NoError(h.t, err, "GetCustomer of stored customer %s", id)
	require.NotNil(h.t, c, "GetCustomer returned nil and no error")
	return c
}

// history reads a customer's whole history with one large page.
func (h *harness) history(id crm.CustomerID) []crm.Change {
	h.t.Helper()
	p, err := h.s.History(h.ctx, id, kehu.PageRequest{Limit: 1000})
	require.NoError(h.t, err, "History of stored customer %s", id)
	return p.Items
}

// newInteraction builds an interaction of the customer at the given time.
func (h *harness) newInteraction(cid crm.CustomerID, at time.Time, subject string) *crm.Interaction {
	return &crm.Interaction{
		ID:         h.interactionID(),
		CustomerID: cid,
		Channel:    crm.ChannelPhone,
		Direction:  crm.Inbound,
		Purpose:    crm.PurposeService,
		At:         at,
		Contact:    "+8613800138000",
		AskedFor:   "sales desk",
		Agent:      "agent-7",
		Subject:    subject,
		Content:    "called about " + subject,
		Urgency:    crm.UrgencyNormal,
		CreatedAt:  h.clock.Now(),
	}
}

// createInteraction stores a copy of in.
func (h *harness) createInteraction(in *crm.Interaction) {
	h.t.Helper()
	require.NoError(h.t, h.s.CreateInteraction(h.ctx, in.Clone()),
		"CreateInteraction of a new interaction of existing customer %s must succeed", in.CustomerID)
}

func cloneChange(ch *crm.Change) *crm.Change {
	c := *ch
	c.Fields = slices.Clone(ch.Fields)
	return &c
}

// ---- comparisons ----

// canonCustomer returns a deep copy of c with times in UTC, empty lists nil and the
// attributes taken out (they hold decimals, compared with Equal by assertCustomer).
func canonCustomer(c *crm.Customer) (*crm.Customer, map[string]crm.AttrValue) {
	d := c.Clone()
	d.CreatedAt, d.UpdatedAt, d.ErasedAt = suite.UTC(d.CreatedAt), suite.UTC(d.UpdatedAt), suite.UTC(d.ErasedAt)
	for i := range d.StageHistory {
		d.StageHistory[i].At = suite.UTC(d.StageHistory[i].At)
	}
	for i := range d.Consents {
		d.Consents[i].At = suite.UTC(d.Consents[i].At)
	}
	d.Emails = suite.NilIfEmpty(d.Emails)
	d.Phones = suite.NilIfEmpty(d.Phones)
	d.Addresses = suite.NilIfEmpty(d.Addresses)
	d.Preferences.Notes = suite.NilIfEmpty(d.Preferences.Notes)
	d.Interests = suite.NilIfEmpty(d.Interests)
	d.Tags = suite.NilIfEmpty(d.Tags)
	d.StageHistory = suite.NilIfEmpty(d.StageHistory)
	d.Consents = suite.NilIfEmpty(d.Consents)
	attrs := d.Attributes
	d.Attributes = nil
	return d, attrs
}

// assertCustomer checks that got holds the same data as want: times compared as instants,
// decimals by value, an empty list the same as a nil one.
func assertCustomer(t *testing.T, want, got *crm.Customer, contract string, args ...any) bool {
	t.Helper()
	msg := fmt.Sprintf(contract, args...)
	if !assert.NotNil(t, got, "%s: got a nil customer", msg) {
		return false
	}
	w, wa := canonCustomer(want)
	g, ga := canonCustomer(got)
	ok := assert.Equal(t, w, g, "%s: customer %s differs from what was stored", msg, want.ID)
	if !assert.ElementsMatch(t, slices.Collect(maps.Keys(wa)), slices.Collect(maps.Keys(ga)),
		"%s: attribute keys of customer %s differ", msg, want.ID) {
		return false
	}
	for k, v := range wa {
		ok = assert.Truef(t, v.Equal(ga[k]), "%s: attribute %q of customer %s: want %s:%s, got %s:%s",
			msg, k, want.ID, v.Kind(), v, ga[k].Kind(), ga[k]) && ok
	}
	return ok
}

func canonChange(ch crm.Change) crm.Change {
	ch.At = suite.UTC(ch.At)
	ch.Fields = suite.NilIfEmpty(slices.Clone(ch.Fields))
	return ch
}

func canonChanges(chs []crm.Change) []crm.Change {
	out := make([]crm.Change, len(chs))
	for i, ch := range chs {
		out[i] = canonChange(ch)
	}
	return out
}

// assertHistory checks a whole history, entry by entry, oldest first.
func assertHistory(t *testing.T, want, got []crm.Change, contract string, args ...any) bool {
	t.Helper()
	return assert.Equal(t, canonChanges(want), canonChanges(got), "%s", fmt.Sprintf(contract, args...))
}

func canonInteraction(in *crm.Interaction) *crm.Interaction {
	d := in.Clone()
	d.At, d.ReplyBy, d.RepliedAt, d.ReplyRecordedAt, d.CreatedAt = suite.UTC(d.At), suite.UTC(d.ReplyBy), suite.UTC(d.RepliedAt),
		suite.UTC(d.ReplyRecordedAt), suite.UTC(d.CreatedAt)
	return d
}

func assertInteraction(t *testing.T, want, got *crm.Interaction, contract string, args ...any) bool {
	t.Helper()
	msg := fmt.Sprintf(contract, args...)
	if !assert.NotNil(t, got, "%s: got a nil interaction", msg) {
		return false
	}
	return assert.Equal(t, canonInteraction(want), canonInteraction(got), "%s: interaction %s differs from what was stored", msg, want.ID)
}

// idStrings renders the IDs of records, for readable comparisons of result order.
func idStrings[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func customerIDs(cs []*crm.Customer) []string {
	return idStrings(cs, func(c *crm.Customer) string {
		if c == nil {
			return "<nil>"
		}
		return c.ID.String()
	})
}

func interactionIDs(ins []*crm.Interaction) []string {
	return idStrings(ins, func(in *crm.Interaction) string {
		if in == nil {
			return "<nil>"
		}
		return in.ID.String()
	})
}

// sortedByID returns the IDs of the customers in ID order.
func sortedByID(cs []*crm.Customer) []string {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b *crm.Customer) int { return a.ID.Compare(b.ID) })
	return customerIDs(cs)
}

// sortInteractions orders interactions by (At, ID), the order of ListInteractions.
func sortInteractions(ins []*crm.Interaction) []*crm.Interaction {
	ins = slices.Clone(ins)
	slices.SortFunc(ins, func(a, b *crm.Interaction) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return a.ID.Compare(b.ID)
	})
	return ins
}

// hasField reports whether any field change of the entries names the field prefix.
func hasField(chs []crm.Change, prefix string) bool {
	for _, ch := range chs {
		for _, f := range ch.Fields {
			if strings.HasPrefix(f.Field, prefix) {
				return true
			}
		}
	}
	return false
}
