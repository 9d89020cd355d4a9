package crm_test

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// The crm's own customers and timeline, read through StoreFacts.
func TestScorecardFromStore(t *testing.T) {
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := kehu.WithActor(context.Background(), "am-07")
	a, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "王小明"},
		Emails: []crm.Email{{Address: "xm@example.com"}}}, nil)
	require.NoError(t, err)
	b, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "散客"}}, nil) // no way to reach them
	require.NoError(t, err)
	clock.Set(time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC))
	c, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "李娜"},
		Phones: []crm.Phone{{Number: "138 0013 8000"}}}, nil)
	require.NoError(t, err)
	clock.Set(time.Date(2026, 11, 8, 10, 0, 0, 0, time.UTC)) // interactions are recorded once they took place
	for _, in := range []crm.InteractionInput{
		{CustomerID: a.ID, At: time.Date(2026, 11, 6, 10, 0, 0, 0, time.UTC)},
		{CustomerID: c.ID, At: time.Date(2026, 11, 7, 10, 0, 0, 0, time.UTC)},
		{CustomerID: c.ID, At: time.Date(2026, 11, 8, 10, 0, 0, 0, time.UTC)},
		{CustomerID: b.ID, At: time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)},
	} {
		in.Channel, in.Direction, in.Subject = crm.ChannelPhone, crm.Inbound, "call"
		_, err := svc.RecordInteraction(ctx, in)
		require.NoError(t, err)
	}

	src := crm.StoreFacts{Store: svc.Store()}
	var facts []crm.CustomerFact
	for f, err := range src.CustomerFacts(ctx) {
		require.NoError(t, err)
		facts = append(facts, f)
	}
	require.Len(t, facts, 3)
	byID := map[crm.CustomerID]crm.CustomerFact{}
	for _, f := range facts {
		byID[f.ID] = f
	}
	assert.Equal(t, crm.CustomerFact{ID: a.ID, FirstSeen: a.CreatedAt, HasEmail: true, Identified: true}, byID[a.ID])
	assert.Equal(t, crm.CustomerFact{ID: b.ID, FirstSeen: b.CreatedAt}, byID[b.ID])
	assert.Equal(t, crm.CustomerFact{ID: c.ID, FirstSeen: c.CreatedAt, Identified: true}, byID[c.ID])

	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	sc, err := def.Compute(ctx, crm.ScorecardInput{Period: crm.Month(2026, time.November), Customers: src, Interactions: src})
	require.NoError(t, err)
	k := kpiOf(t, sc, crm.KPIContactedCustomers)
	assert.Equal(t, "2", k.String()) // a and c (twice) in November
	assert.Equal(t, "1", k.Change.Numerator.String())
	assert.Equal(t, "1", kpiOf(t, sc, crm.KPINewCustomers).String())
	assert.Equal(t, "33.3 %", kpiOf(t, sc, crm.KPIEmailOnFile).String())
}

func TestCustomerFactOf(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := &crm.Customer{ID: scID(1), CreatedAt: at, Profile: crm.Profile{Name: crm.Name{Display: "A"},
		Emails: []crm.Email{{Address: "a@example.com"}}}}
	f, ok := crm.CustomerFactOf(c)
	require.True(t, ok)
	assert.Equal(t, crm.CustomerFact{ID: c.ID, FirstSeen: at, HasEmail: true, Identified: true}, f)

	erased := *c
	erased.ErasedAt = at.Add(time.Hour)
	f, ok = crm.CustomerFactOf(&erased)
	require.True(t, ok)
	assert.False(t, f.HasEmail || f.Identified)

	tomb := *c
	tomb.MergedInto = scID(2)
	_, ok = crm.CustomerFactOf(&tomb)
	assert.False(t, ok)
	_, ok = crm.CustomerFactOf(nil)
	assert.False(t, ok)
}

// failingStore fails every scan.
type failingStore struct{ crm.Store }

var errStoreDown = errors.New("store down")

func (failingStore) ScanTimelines(context.Context, time.Time, func(*crm.Customer, []*crm.Interaction) error) error {
	return errStoreDown
}

func TestStoreFactsErrors(t *testing.T) {
	src := crm.StoreFacts{Store: failingStore{}}
	first := func(seq iter.Seq2[crm.CustomerFact, error]) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	assert.ErrorIs(t, first(src.CustomerFacts(context.Background())), errStoreDown)
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	_, err := def.Compute(context.Background(), crm.ScorecardInput{Period: crm.Month(2026, time.November),
		Customers: crm.StoreFacts{Store: crm.NewMemoryStore()}, Interactions: src})
	require.ErrorIs(t, err, errStoreDown)
	assert.Contains(t, err.Error(), "reading interactions")
}

// More customers and interactions than one page holds.
func TestStoreFactsPages(t *testing.T) {
	opts, _, _ := kehu.Deterministic(time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := kehu.WithActor(context.Background(), "am-07")
	const n = 1_203
	for i := range n {
		c, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "客户"}}, nil)
		require.NoError(t, err)
		if i%2 == 0 {
			_, err = svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelVisit,
				Direction: crm.Inbound, Subject: "visit", At: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)})
			require.NoError(t, err)
		}
	}
	src := crm.StoreFacts{Store: svc.Store()}
	def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY"})
	sc, err := def.Compute(ctx, crm.ScorecardInput{Period: crm.Month(2026, time.November), Customers: src, Interactions: src})
	require.NoError(t, err)
	assert.Equal(t, "1203", kpiOf(t, sc, crm.KPINewCustomers).String())
	assert.Equal(t, "602", kpiOf(t, sc, crm.KPIContactedCustomers).String())
}

func TestOrderFactOf(t *testing.T) {
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	o := kehu.Order{ID: "SO-1", CustomerID: scID(1), At: at, Currency: "CNY", Lines: []kehu.OrderLine{
		{ID: "1", Quantity: 2, Amount: cny("19.90")},
		{ID: "2", Quantity: 1, Amount: cny("5.10")},
	}}
	f, err := crm.OrderFactOf(o)
	require.NoError(t, err)
	assert.Equal(t, scID(1), f.CustomerID)
	assert.Equal(t, at, f.At)
	assert.True(t, f.Amount.Equal(cny("25.00")), f.Amount.String())

	o.Lines[1].Amount = kehu.MustMoney("1", "USD")
	_, err = crm.OrderFactOf(o)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("lines[1].amount", "currency"), err)
}
