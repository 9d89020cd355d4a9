package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func TestIfVersionConflict(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	_, err := f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error { p.Owner = "a"; return nil },
		&crm.UpdateOptions{IfVersion: 1})
	require.NoError(t, err)
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error { p.Owner = "b"; return nil },
		&crm.UpdateOptions{IfVersion: 1})
	assert.ErrorIs(t, err, kehu.ErrConflict, "stale version")
	got, _ := f.svc.GetCustomer(f.ctx, c.ID)
	assert.Equal(t, "a", got.Owner)
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	const writers = 64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error {
				p.Tags = append(p.Tags, fmt.Sprintf("w%02d", i))
				return nil
			}, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := f.svc.GetCustomer(f.ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, got.Tags, writers+1)
	assert.Equal(t, int64(writers+1), got.Version)
	assert.Len(t, history(t, f, c.ID), writers+1)
}

func TestIdempotentCreate(t *testing.T) {
	f := newFixture(t)
	opt := &crm.CreateOptions{Key: "signup:web:4711"}
	a, err := f.svc.CreateCustomer(f.ctx, wang(), opt)
	require.NoError(t, err)
	b, err := f.svc.CreateCustomer(f.ctx, wang(), opt)
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID, "a retry returns the first result")
	other := wang()
	other.Name.Given = "小红"
	_, err = f.svc.CreateCustomer(f.ctx, other, opt)
	assert.ErrorIs(t, err, kehu.ErrKeyReused)
	assert.ErrorIs(t, err, kehu.ErrConflict)
	page, err := f.svc.Search(f.ctx, crm.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	assert.Equal(t, []string{crm.EventCustomerCreated}, f.events.Names(), "one create, one event")
}

func TestIdempotentUpdate(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	add := func(p *crm.Profile) error {
		p.Interests = append(p.Interests, fmt.Sprint(len(p.Interests)))
		return nil
	}
	for range 3 {
		_, err := f.svc.UpdateCustomer(f.ctx, c.ID, add, &crm.UpdateOptions{Key: "import:row-9"})
		require.NoError(t, err)
	}
	got, _ := f.svc.GetCustomer(f.ctx, c.ID)
	assert.Equal(t, []string{"0"}, got.Interests, "applied once")
	assert.Equal(t, int64(2), got.Version)
}

// A message on a social platform is electronic marketing like an email: it needs the
// customer's consent for the channel, and a plan schedules none without it. A service
// message needs none, and the web and a visit need no channel consent.
func TestMarketingOnSocialNeedsConsent(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	social := marketing(c.ID, crm.ChannelSocial)
	_, err := f.svc.RecordInteraction(f.ctx, social)
	assert.ErrorIs(t, err, crm.ErrNoConsent, "marketing on social without consent")
	plan, err := crm.CompileContactPlan(crm.ContactPlanSpec{ID: "promo", TimeZone: "Asia/Shanghai", Cadences: []crm.CadenceSpec{{
		Name: "promo", EveryDays: 1, ContactRule: crm.ContactRule{Purpose: crm.PurposeMarketing, Channels: []crm.Channel{crm.ChannelSocial}}}}})
	require.NoError(t, err)
	due, err := f.svc.DueContacts(f.ctx, plan, f.clock.Now().Add(72*time.Hour), nil)
	require.NoError(t, err)
	assert.Empty(t, due.Contacts, "no marketing scheduled on social without consent")

	service := social
	service.Purpose, service.Subject = crm.PurposeService, "Your parcel"
	_, err = f.svc.RecordInteraction(f.ctx, service)
	assert.NoError(t, err, "a service message needs no opt-in")
	for _, ch := range []crm.Channel{crm.ChannelWeb, crm.ChannelVisit} {
		got, err := f.svc.GetCustomer(f.ctx, c.ID)
		require.NoError(t, err)
		assert.True(t, got.MayContact(ch, crm.PurposeMarketing), "%s needs no channel consent", ch)
	}

	_, err = f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentSocial,
		Purpose: crm.PurposeMarketing, Granted: true, Source: "wechat-follow"}, nil)
	require.NoError(t, err)
	_, err = f.svc.RecordInteraction(f.ctx, social)
	assert.NoError(t, err, "with consent")
	due, err = f.svc.DueContacts(f.ctx, plan, f.clock.Now().Add(72*time.Hour), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, due.Contacts, "and scheduled")
}

// A marketing email recorded today but dated before the customer consented would make a
// contact they never agreed to look lawful: it is refused. Dated after, it is recorded.
func TestMarketingDatedBeforeConsentIsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	before := f.clock.Now()
	f.clock.Advance(24 * time.Hour)
	_, err := f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail,
		Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}, nil)
	require.NoError(t, err)
	mail := marketing(c.ID, crm.ChannelEmail)
	mail.At = before
	_, err = f.svc.RecordInteraction(f.ctx, mail)
	assert.ErrorIs(t, err, crm.ErrNoConsent, "dated before the consent")
	service := mail
	service.Purpose = crm.PurposeService
	_, err = f.svc.RecordInteraction(f.ctx, service)
	assert.NoError(t, err, "a service contact needs no opt-in, then or now")
	f.clock.Advance(time.Hour)
	mail.At = f.clock.Now().Add(-time.Minute)
	_, err = f.svc.RecordInteraction(f.ctx, mail)
	assert.NoError(t, err, "dated after the consent")
}

// marketing is an outbound marketing contact with the customer on the channel, now.
func marketing(id crm.CustomerID, ch crm.Channel) crm.InteractionInput {
	return crm.InteractionInput{CustomerID: id, Channel: ch, Direction: crm.Outbound, Purpose: crm.PurposeMarketing, Subject: "Spring sale"}
}

func TestConsent(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	mail := marketing(c.ID, crm.ChannelEmail)
	_, err := f.svc.RecordInteraction(f.ctx, mail)
	assert.ErrorIs(t, err, crm.ErrNoConsent, "marketing without consent")

	service := mail
	service.Purpose, service.Subject = crm.PurposeService, "Your invoice"
	_, err = f.svc.RecordInteraction(f.ctx, service)
	assert.NoError(t, err, "service contact needs no opt-in")

	_, err = f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail,
		Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}, nil)
	require.NoError(t, err)
	_, err = f.svc.RecordInteraction(f.ctx, mail)
	assert.NoError(t, err)

	sms := mail
	sms.Channel = crm.ChannelSMS
	_, err = f.svc.RecordInteraction(f.ctx, sms)
	assert.ErrorIs(t, err, crm.ErrNoConsent, "consent is per channel")

	f.clock.Advance(time.Hour)
	_, err = f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail,
		Purpose: crm.PurposeMarketing, Granted: false, Source: "unsubscribe-link"}, nil)
	require.NoError(t, err)
	_, err = f.svc.RecordInteraction(f.ctx, mail)
	assert.ErrorIs(t, err, crm.ErrNoConsent, "withdrawn")

	_, err = f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail,
		Purpose: crm.PurposeMarketing, Granted: true, Source: "late-batch", At: t0.Add(30 * time.Minute)}, nil)
	assert.ErrorIs(t, err, kehu.ErrConflict, "an older statement does not overturn a newer one")

	_, err = f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: "fax", Purpose: "spam"}, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("channel", "enum") && verr.Has("purpose", "enum") && verr.Has("source", "required"))

	h := history(t, f, c.ID)
	last := h[len(h)-1]
	assert.Equal(t, crm.ActionConsent, last.Action)
	fc, ok := last.Field("consents.email.marketing")
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(fc.Old, "granted") && strings.HasPrefix(fc.New, "withdrawn"), "%+v", fc)
}

func TestInteractionsAndOverdueReplies(t *testing.T) {
	f := newFixture(t)
	a := f.create(t, wang())
	b := f.create(t, crm.Profile{Name: crm.Name{Display: "Jane Smith"}})
	rec := func(c *crm.Customer, subject string, replyIn time.Duration) *crm.Interaction {
		in := crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelPhone, Direction: crm.Inbound,
			Subject: subject, Contact: "+86 138 0013 8000", Urgency: crm.UrgencyHigh}
		if replyIn > 0 {
			in.ReplyBy = f.clock.Now().Add(replyIn)
		}
		got, err := f.svc.RecordInteraction(f.ctx, in)
		require.NoError(t, err)
		f.clock.Advance(time.Hour)
		return got
	}
	i1 := rec(a, "invoice", 2*time.Hour) // due t0+2h
	i2 := rec(b, "refund", 30*time.Hour) // due t0+31h
	i3 := rec(a, "thanks", 0)            // no reply needed
	assert.Equal(t, "+8613800138000", i1.Contact)

	f.clock.Set(t0.Add(2 * time.Hour)) // exactly at the deadline: not yet overdue
	over, err := f.svc.OverdueReplies(f.ctx, kehu.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, over.Items)
	f.clock.Set(t0.Add(2*time.Hour + time.Second))
	over, err = f.svc.OverdueReplies(f.ctx, kehu.PageRequest{})
	require.NoError(t, err)
	require.Len(t, over.Items, 1)
	assert.Equal(t, i1.ID, over.Items[0].ID)

	f.clock.Set(t0.Add(40 * time.Hour))
	_, err = f.svc.RecordReply(f.ctx, i1.ID, time.Time{}, "sent copy")
	require.NoError(t, err)
	over, err = f.svc.OverdueReplies(f.ctx, kehu.PageRequest{})
	require.NoError(t, err)
	require.Len(t, over.Items, 1)
	assert.Equal(t, i2.ID, over.Items[0].ID)

	_, err = f.svc.RecordReply(f.ctx, i3.ID, time.Time{}, "")
	assert.ErrorIs(t, err, kehu.ErrInvalid, "no reply was due")

	tl, err := f.svc.Timeline(f.ctx, a.ID, t0, t0.Add(2*time.Hour), kehu.PageRequest{})
	require.NoError(t, err)
	require.Len(t, tl.Items, 1, "half-open range [t0, t0+2h) holds i1 only")
	assert.Equal(t, i1.ID, tl.Items[0].ID)
	tl, err = f.svc.Timeline(f.ctx, a.ID, time.Time{}, time.Time{}, kehu.PageRequest{})
	require.NoError(t, err)
	assert.Equal(t, []crm.InteractionID{i1.ID, i3.ID}, []crm.InteractionID{tl.Items[0].ID, tl.Items[1].ID})
}

func TestRecordInteractionValidatesAndIsIdempotent(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	_, err := f.svc.RecordInteraction(f.ctx, crm.InteractionInput{CustomerID: c.ID, Channel: "pigeon",
		Direction: "sideways", Urgency: "meh", At: t0, ReplyBy: t0.Add(-time.Hour)})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	for _, field := range []string{"channel", "direction", "urgency", "reply_by", "subject"} {
		assert.True(t, verr.Has(field, ""), field)
	}
	in := crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelVisit, Direction: crm.Inbound,
		Subject: "store visit", Key: "pos:042:7781", At: t0}
	a, err := f.svc.RecordInteraction(f.ctx, in)
	require.NoError(t, err)
	b, err := f.svc.RecordInteraction(f.ctx, in)
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID)
	in.Subject = "something else"
	_, err = f.svc.RecordInteraction(f.ctx, in)
	assert.ErrorIs(t, err, kehu.ErrKeyReused)
	tl, err := f.svc.Timeline(f.ctx, c.ID, time.Time{}, time.Time{}, kehu.PageRequest{})
	require.NoError(t, err)
	assert.Len(t, tl.Items, 1)
}

func TestSearch(t *testing.T) {
	f := newFixture(t)
	w := f.create(t, wang())
	uk := f.create(t, crm.Profile{Name: crm.Name{Given: "Oliver", Family: "Brown"},
		Phones: []crm.Phone{{Number: "+44 20 7946 0958"}}, Company: "Acme Ltd", Tags: []string{"wholesale"}})
	us := f.create(t, crm.Profile{Name: crm.Name{Display: "Jane Smith"},
		Emails: []crm.Email{{Address: "jane@northwind.example"}}, Phones: []crm.Phone{{Number: "(415) 555-2671"}},
		Owner: "am-3", Tags: []string{"vip"}})
	tests := []struct {
		q    crm.Query
		want []*crm.Customer
	}{
		{crm.Query{Keyword: "wang"}, []*crm.Customer{w}},
		{crm.Query{Keyword: "Xiaoming"}, []*crm.Customer{w}},
		{crm.Query{Keyword: "王小明"}, []*crm.Customer{w}},
		{crm.Query{Keyword: "13800138000"}, []*crm.Customer{w}},
		{crm.Query{Keyword: "+86 138 0013 8000"}, []*crm.Customer{w}},
		{crm.Query{Keyword: "0086-138-0013-8000"}, []*crm.Customer{w}},
		{crm.Query{Keyword: "020 7946 0958"}, []*crm.Customer{uk}},
		{crm.Query{Keyword: "(415) 555-2671"}, []*crm.Customer{us}},
		{crm.Query{Keyword: "acme"}, []*crm.Customer{uk}},
		{crm.Query{Keyword: "brown oliver"}, []*crm.Customer{uk}},
		{crm.Query{Keyword: "NORTHWIND.example"}, []*crm.Customer{us}},
		{crm.Query{Keyword: "vip"}, []*crm.Customer{w, us}},
		{crm.Query{Tags: []string{"VIP"}, Owner: "am-3"}, []*crm.Customer{us}},
		{crm.Query{Keyword: "smith wang"}, nil},
		{crm.Query{Stages: []crm.Stage{crm.StageIntent}}, []*crm.Customer{w, uk, us}},
		{crm.Query{CreatedFrom: t0, CreatedTo: t0}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.q), func(t *testing.T) {
			page, err := f.svc.Search(f.ctx, tt.q)
			require.NoError(t, err)
			var got, want []string
			for _, c := range page.Items {
				got = append(got, c.Name.Display)
			}
			for _, c := range tt.want {
				want = append(want, c.Name.Display)
			}
			assert.Equal(t, want, got)
		})
	}
	_, err := f.svc.Search(f.ctx, crm.Query{Keyword: strings.Repeat("x", 300), Stages: []crm.Stage{"gold"}, PageRequest: kehu.PageRequest{Limit: -1}})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("keyword", "max_length") && verr.Has("stages[0]", "enum") && verr.Has("limit", "range"))

	byPhone, err := f.svc.FindByPhone(f.ctx, "138-0013-8000")
	require.NoError(t, err)
	require.Len(t, byPhone, 1)
	assert.Equal(t, w.ID, byPhone[0].ID)
	byEmail, err := f.svc.FindByEmail(f.ctx, "JANE@northwind.EXAMPLE")
	require.NoError(t, err)
	require.Len(t, byEmail, 1)
	assert.Equal(t, us.ID, byEmail[0].ID)
}

func TestDuplicatesAndMerge(t *testing.T) {
	f := newFixture(t)
	wp := wang()
	wp.Emails[0].Primary = true
	a := f.create(t, wp)
	dupProfile := crm.Profile{
		Name:      crm.Name{Display: "Xiaoming Wang"},
		Emails:    []crm.Email{{Address: "xm@work.example", Primary: true}},
		Phones:    []crm.Phone{{Number: "+86 138 0013 8000"}},
		Addresses: []crm.Address{{Country: "CN", City: "上海市", Street: "世纪大道100号"}},
		Tags:      []string{"wholesale"},
		Owner:     "am-9",
	}
	b := f.create(t, dupProfile)
	neighbour := f.create(t, crm.Profile{Name: crm.Name{Display: "李华"}, Phones: []crm.Phone{{Number: "13800138000"}}})
	f.create(t, crm.Profile{Name: crm.Name{Display: "Unrelated Person"}})

	cands, err := f.svc.FindDuplicates(f.ctx, a.ID)
	require.NoError(t, err)
	require.Len(t, cands, 2)
	assert.Equal(t, b.ID, cands[0].Customer.ID, "same phone and same name (via pinyin) ranks first")
	assert.ElementsMatch(t, []string{crm.SamePhone, crm.SameName}, cands[0].Reasons)
	assert.Equal(t, neighbour.ID, cands[1].Customer.ID)
	assert.Equal(t, []string{crm.SamePhone}, cands[1].Reasons)
	assert.Greater(t, cands[0].Score, cands[1].Score)

	_, err = f.svc.RecordInteraction(f.ctx, crm.InteractionInput{CustomerID: b.ID, Channel: crm.ChannelWeb,
		Direction: crm.Inbound, Subject: "chat"})
	require.NoError(t, err)
	f.clock.Advance(time.Hour)
	merged, err := f.svc.Merge(f.ctx, a.ID, b.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"wang.xm@example.com", "xm@work.example"}, []string{merged.Emails[0].Address, merged.Emails[1].Address})
	assert.True(t, merged.Emails[0].Primary && !merged.Emails[1].Primary, "the survivor keeps its primary")
	assert.Len(t, merged.Phones, 1, "same number kept once")
	assert.Equal(t, []string{"vip", "wholesale"}, merged.Tags)
	assert.Equal(t, "am-9", merged.Owner, "empty fields are filled from the duplicate")
	assert.Len(t, merged.Addresses, 1)

	tomb, err := f.svc.GetCustomer(f.ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, a.ID, tomb.MergedInto)
	assert.Empty(t, tomb.Emails)
	res, err := f.svc.ResolveCustomer(f.ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, a.ID, res.ID)

	found, err := f.svc.FindByEmail(f.ctx, "xm@work.example")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, a.ID, found[0].ID)

	tl, err := f.svc.Timeline(f.ctx, a.ID, time.Time{}, time.Time{}, kehu.PageRequest{})
	require.NoError(t, err)
	require.Len(t, tl.Items, 1, "interactions moved")
	assert.Equal(t, a.ID, tl.Items[0].CustomerID)

	h := history(t, f, a.ID)
	var fromDup, mergeEntries int
	for _, ch := range h {
		if ch.From == b.ID {
			fromDup++
		}
		if ch.Action == crm.ActionMerge {
			mergeEntries++
		}
	}
	assert.Equal(t, 1, fromDup, "the duplicate's history moved to the survivor")
	assert.Equal(t, 1, mergeEntries)
	hb := history(t, f, b.ID)
	assert.Equal(t, crm.ActionMerged, hb[len(hb)-1].Action)

	_, err = f.svc.UpdateCustomer(f.ctx, b.ID, func(p *crm.Profile) error { p.Owner = "x"; return nil }, nil)
	assert.ErrorIs(t, err, crm.ErrMerged)
	_, err = f.svc.Merge(f.ctx, a.ID, b.ID, nil)
	assert.ErrorIs(t, err, crm.ErrMerged)
	_, err = f.svc.Merge(f.ctx, a.ID, a.ID, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	page, err := f.svc.Search(f.ctx, crm.Query{Keyword: "xiaoming"})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "tombstones are not searched")
}

func TestExportAndErase(t *testing.T) {
	f := newFixture(t)
	p := wang()
	p.Addresses = []crm.Address{{Country: "CN", Region: "上海市", City: "上海市", Street: "世纪大道100号"}}
	p.Demographics.BirthDate = kehu.MustDate(1990, time.May, 4)
	c := f.create(t, p)
	_, err := f.svc.RecordInteraction(f.ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Subject: "address change", Content: "moving to 世纪大道100号", Contact: "13800138000"})
	require.NoError(t, err)
	_, err = f.svc.ChangeStage(f.ctx, c.ID, crm.StageActive, nil)
	require.NoError(t, err)

	raw, err := f.svc.Export(f.ctx, c.ID)
	require.NoError(t, err)
	var exp crm.CustomerExport
	require.NoError(t, json.Unmarshal(raw, &exp))
	assert.Equal(t, c.ID, exp.Customer.ID)
	assert.Len(t, exp.History, 2)
	assert.Len(t, exp.Interactions, 1)
	assert.Contains(t, string(raw), "wang.xm@example.com")

	require.NoError(t, f.svc.Erase(f.ctx, c.ID, "customer request #88"))
	require.NoError(t, f.svc.Erase(f.ctx, c.ID, "retry"), "erasing twice is harmless")
	raw, err = f.svc.Export(f.ctx, c.ID)
	require.NoError(t, err)
	for _, secret := range []string{"wang", "王", "小明", "13800138000", "世纪大道", "1990-05-04", "moving"} {
		assert.NotContains(t, strings.ToLower(string(raw)), strings.ToLower(secret), "personal data left behind")
	}
	got, err := f.svc.GetCustomer(f.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.StageActive, got.Stage, "non-personal aggregates stay")
	assert.Equal(t, []string{"vip"}, got.Tags)
	assert.Equal(t, "CN", got.Addresses[0].Country)
	assert.False(t, got.ErasedAt.IsZero())
	h := history(t, f, c.ID)
	assert.Equal(t, crm.ActionErase, h[len(h)-1].Action, "the fact of erasure stays in the history")
	assert.Len(t, h, 3)
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error { p.Owner = "x"; return nil }, nil)
	assert.ErrorIs(t, err, crm.ErrErased)
	assert.True(t, errors.Is(err, kehu.ErrConflict))
}

// racyStore loses the first races of every update, as an optimistic store does when
// another writer commits between its read and its write.
type racyStore struct {
	crm.Store
	mu     sync.Mutex
	losses int
}

func (s *racyStore) UpdateCustomer(ctx context.Context, id crm.CustomerID, fn func(*crm.Customer) (*crm.Change, error)) error {
	s.mu.Lock()
	lose := s.losses > 0
	if lose {
		s.losses--
	}
	s.mu.Unlock()
	if lose {
		c, err := s.Store.GetCustomer(ctx, id)
		if err != nil {
			return err
		}
		if _, err := fn(c); err != nil {
			return err
		}
		return fmt.Errorf("customer %s changed meanwhile: %w", id, kehu.ErrConflict)
	}
	return s.Store.UpdateCustomer(ctx, id, fn)
}

func TestServiceRetriesLostRaces(t *testing.T) {
	st := &racyStore{Store: crm.NewMemoryStore()}
	svc := crm.NewService(st, nil)
	ctx := context.Background()
	c, err := svc.CreateCustomer(ctx, wang(), nil)
	require.NoError(t, err)

	st.losses = 3
	got, err := svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error { p.Owner = "am-1"; return nil }, nil)
	require.NoError(t, err, "lost races are retried")
	assert.Equal(t, "am-1", got.Owner)
	assert.Equal(t, int64(2), got.Version)

	st.losses = 100
	_, err = svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error { p.Owner = "am-2"; return nil }, nil)
	assert.ErrorIs(t, err, kehu.ErrConflict, "retries are bounded")

	st.losses = 1
	_, err = svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error { p.Owner = "am-3"; return nil },
		&crm.UpdateOptions{IfVersion: 2})
	assert.ErrorIs(t, err, kehu.ErrConflict, "with IfVersion the caller decides")
	h, err := svc.History(ctx, c.ID, kehu.PageRequest{})
	require.NoError(t, err)
	assert.Len(t, h.Items, 2, "failed attempts write nothing")
}

func TestUpdateKeyReusedForAnotherCommand(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	_, err := f.svc.ChangeStage(f.ctx, c.ID, crm.StagePotential, &crm.UpdateOptions{Key: "crm-7"})
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	again, err := f.svc.ChangeStage(f.ctx, c.ID, crm.StagePotential, &crm.UpdateOptions{Key: "crm-7"})
	require.NoError(t, err, "a repeat returns the customer as it is")
	assert.Equal(t, int64(2), again.Version)
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error {
		p.Company = "Acme"
		return nil
	}, &crm.UpdateOptions{Key: "crm-7"})
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "a profile update under a stage change's key")
	assert.ErrorIs(t, err, kehu.ErrConflict)
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error {
		p.Company = "Acme"
		return nil
	}, &crm.UpdateOptions{Key: "kehu:import:1"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("key", "reserved"), "%v", err)
	_, err = f.svc.CreateCustomer(f.ctx, wang(), &crm.CreateOptions{Key: " spaced "})
	require.NoError(t, err, "keys are opaque: spaces are part of the key")
	_, err = f.svc.CreateCustomer(f.ctx, wang(), &crm.CreateOptions{Key: " spaced "})
	require.NoError(t, err, "the same key and profile: the first result")
	_, err = f.svc.CreateCustomer(f.ctx, wang(), &crm.CreateOptions{Key: "spaced"})
	require.NoError(t, err, "a key is never trimmed: \"spaced\" is another key")
}

func TestInRegion(t *testing.T) {
	f := newFixture(t)
	us := f.svc.InRegion(" us ")
	c, err := us.CreateCustomer(f.ctx, crm.Profile{Name: crm.Name{Display: "Jane Smith"},
		Phones: []crm.Phone{{Number: "(415) 555-2671"}}}, nil)
	require.NoError(t, err)
	assert.Equal(t, "+14155552671", c.Phones[0].Number, "a national number is read in the service's region")
	found, err := f.svc.GetCustomer(f.ctx, c.ID)
	require.NoError(t, err, "the copy shares the store")
	assert.Equal(t, c.ID, found.ID)
	cn, err := f.svc.CreateCustomer(f.ctx, crm.Profile{Name: crm.Name{Display: "Jane Smith"},
		Phones: []crm.Phone{{Number: "+1 415 555 2671"}, {Number: "010 6552 9988"}}}, nil)
	require.NoError(t, err)
	assert.Equal(t, "+861065529988", cn.Phones[1].Number, "the original still reads national numbers in %s", crm.DefaultRegion)
	hits, err := us.FindByPhone(f.ctx, "415-555-2671")
	require.NoError(t, err)
	assert.Len(t, hits, 2, "both customers hold +14155552671")
}

func TestMergeKeyReusedForAnotherCommand(t *testing.T) {
	tests := []struct {
		name  string
		first func(f *fixture, survivor, other crm.CustomerID) error
	}{
		{"a profile update of the survivor", func(f *fixture, survivor, _ crm.CustomerID) error {
			_, err := f.svc.UpdateCustomer(f.ctx, survivor, func(p *crm.Profile) error { p.Owner = "am-3"; return nil },
				&crm.UpdateOptions{Key: "k-1"})
			return err
		}},
		{"a stage change of the survivor", func(f *fixture, survivor, _ crm.CustomerID) error {
			_, err := f.svc.ChangeStage(f.ctx, survivor, crm.StagePotential, &crm.UpdateOptions{Key: "k-1"})
			return err
		}},
		{"a merge of another duplicate", func(f *fixture, survivor, other crm.CustomerID) error {
			_, err := f.svc.Merge(f.ctx, survivor, other, &crm.UpdateOptions{Key: "k-1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := f.create(t, wang())
			b := f.create(t, crm.Profile{Name: crm.Name{Display: "王小明"}, Emails: []crm.Email{{Address: "WANG.XM@example.com"}}})
			other := f.create(t, crm.Profile{Name: crm.Name{Display: "Xiaoming Wang"}})
			require.NoError(t, tt.first(f, a.ID, other.ID))
			before, err := f.svc.GetCustomer(f.ctx, a.ID)
			require.NoError(t, err)
			hist := history(t, f, a.ID)
			f.clock.Advance(time.Minute)

			_, err = f.svc.Merge(f.ctx, a.ID, b.ID, &crm.UpdateOptions{Key: "k-1"})
			assert.ErrorIs(t, err, kehu.ErrKeyReused, "a merge under a key used for %s", tt.name)
			gotB, err := f.svc.GetCustomer(f.ctx, b.ID)
			require.NoError(t, err)
			assert.False(t, gotB.IsTombstone(), "nothing is merged")
			assert.Equal(t, []string{"wang.xm@example.com"}, []string{gotB.Emails[0].Address}, "the duplicate keeps its contacts")
			gotA, err := f.svc.GetCustomer(f.ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, before.Version, gotA.Version, "the survivor is unchanged")
			assert.Len(t, history(t, f, a.ID), len(hist), "the survivor's history is unchanged")
		})
	}
}

func TestMergeRetriedWithItsKey(t *testing.T) {
	tests := []struct {
		name     string
		attempts int
		parallel bool
	}{
		{"after the first attempt committed", 3, false},
		{"racing the first attempt", 16, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := f.create(t, crm.Profile{Name: crm.Name{Display: "王小明"}, Emails: []crm.Email{{Address: "wang@example.com"}}})
			b := f.create(t, crm.Profile{Name: crm.Name{Display: "王小明"}, Emails: []crm.Email{{Address: "WANG@example.org"}}})
			f.events.Reset()
			opt := &crm.UpdateOptions{Key: "merge-1"}
			got := make([]*crm.Customer, tt.attempts)
			errs := make([]error, tt.attempts)
			var wg sync.WaitGroup
			for i := range tt.attempts {
				run := func() { got[i], errs[i] = f.svc.Merge(f.ctx, a.ID, b.ID, opt) }
				if !tt.parallel {
					run()
					continue
				}
				wg.Add(1)
				go func() { defer wg.Done(); run() }()
			}
			wg.Wait()
			for i := range tt.attempts {
				if assert.NoError(t, errs[i], "attempt %d: a repeat returns the first result", i) {
					assert.Equal(t, a.ID, got[i].ID, "attempt %d returns the survivor", i)
					assert.Len(t, got[i].Emails, 2, "attempt %d returns the survivor as merged", i)
				}
			}
			var merges int
			for _, ch := range history(t, f, a.ID) {
				if ch.Action == crm.ActionMerge {
					merges++
				}
			}
			assert.Equal(t, 1, merges, "the merge applies once")
			assert.Equal(t, []string{crm.EventCustomersMerged}, f.events.Names(), "the merge is published once")
			tomb, err := f.svc.GetCustomer(f.ctx, b.ID)
			require.NoError(t, err)
			assert.Equal(t, a.ID, tomb.MergedInto)
		})
	}
}

func TestMergeChecksItsKey(t *testing.T) {
	tests := []struct{ key, rule string }{
		{"kehu:merge:1", "reserved"},
		{"\xff", "encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			f := newFixture(t)
			a := f.create(t, wang())
			b := f.create(t, crm.Profile{Name: crm.Name{Display: "王小明"}})
			_, err := f.svc.Merge(f.ctx, a.ID, b.ID, &crm.UpdateOptions{Key: tt.key})
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("key", tt.rule), "%v", err)
			got, err := f.svc.GetCustomer(f.ctx, b.ID)
			require.NoError(t, err)
			assert.False(t, got.IsTombstone(), "nothing is merged")
		})
	}
}

func TestConsentKeyReused(t *testing.T) {
	grant := crm.ConsentInput{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}
	consent := func(in crm.ConsentInput) func(f *fixture, id crm.CustomerID) error {
		return func(f *fixture, id crm.CustomerID) error {
			_, err := f.svc.RecordConsent(f.ctx, id, in, &crm.UpdateOptions{Key: "consent-1"})
			return err
		}
	}
	with := func(edit func(in *crm.ConsentInput)) crm.ConsentInput {
		in := grant
		edit(&in)
		return in
	}
	tests := []struct {
		name   string
		repeat func(f *fixture, id crm.CustomerID) error
		want   error
	}{
		{"the same consent", consent(grant), nil},
		{"the same consent, source typed with spaces", consent(with(func(in *crm.ConsentInput) { in.Source = " web-form " })), nil},
		{"a withdrawal", consent(with(func(in *crm.ConsentInput) { in.Granted = false })), kehu.ErrKeyReused},
		{"another channel", consent(with(func(in *crm.ConsentInput) { in.Channel = crm.ConsentSMS })), kehu.ErrKeyReused},
		{"another purpose", consent(with(func(in *crm.ConsentInput) { in.Purpose = crm.PurposeService })), kehu.ErrKeyReused},
		{"another source", consent(with(func(in *crm.ConsentInput) { in.Source = "store:042" })), kehu.ErrKeyReused},
		{"a time given", consent(with(func(in *crm.ConsentInput) { in.At = t0 })), kehu.ErrKeyReused},
		{"a stage change that changes nothing", func(f *fixture, id crm.CustomerID) error {
			_, err := f.svc.ChangeStage(f.ctx, id, crm.StageIntent, &crm.UpdateOptions{Key: "consent-1"})
			return err
		}, kehu.ErrKeyReused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := f.create(t, wang())
			require.NoError(t, consent(grant)(f, c.ID))
			before, err := f.svc.GetCustomer(f.ctx, c.ID)
			require.NoError(t, err)
			hist := history(t, f, c.ID)
			f.clock.Advance(time.Minute)

			err = tt.repeat(f, c.ID)
			if tt.want == nil {
				assert.NoError(t, err, "a repeat returns the first result")
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
			got, err := f.svc.GetCustomer(f.ctx, c.ID)
			require.NoError(t, err)
			assert.Equal(t, before.Version, got.Version, "nothing is recorded")
			assert.Equal(t, before.Consents, got.Consents, "nothing is recorded")
			assert.True(t, got.MayContact(crm.ChannelEmail, crm.PurposeMarketing), "the grant stands")
			assert.Len(t, history(t, f, c.ID), len(hist), "nothing is recorded")
		})
	}
}

func TestEraseMergedAway(t *testing.T) {
	tests := []struct {
		name   string
		reason string
	}{
		{"with a reason", "customer request #88"},
		{"without a reason", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := f.create(t, wang())
			p := wang()
			p.Emails = []crm.Email{{Address: "xm@work.example"}}
			p.Demographics.BirthDate = kehu.MustDate(1990, time.May, 4)
			b := f.create(t, p)
			_, err := f.svc.Merge(f.ctx, a.ID, b.ID, nil)
			require.NoError(t, err)
			survivor, err := f.svc.GetCustomer(f.ctx, a.ID)
			require.NoError(t, err)
			tomb, err := f.svc.GetCustomer(f.ctx, b.ID)
			require.NoError(t, err)
			hist := history(t, f, a.ID)
			f.events.Reset()

			err = f.svc.Erase(f.ctx, b.ID, tt.reason)
			assert.ErrorIs(t, err, crm.ErrMerged)
			assert.ErrorIs(t, err, kehu.ErrConflict)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), a.ID.String(), "the error names the survivor")
			}
			got, err := f.svc.GetCustomer(f.ctx, b.ID)
			require.NoError(t, err)
			assert.Equal(t, tomb, got, "the tombstone is unchanged")
			got, err = f.svc.GetCustomer(f.ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, survivor, got, "the survivor is unchanged")
			assert.Equal(t, "xm@work.example", got.Emails[1].Address, "the merged data is the survivor's, still there")
			assert.Equal(t, hist, history(t, f, a.ID), "the survivor's history is unchanged")
			assert.Empty(t, f.events.Names(), "nothing is published")
		})
	}
}

// Erasing the survivor of merges erases the customers merged into it, directly or through
// another merge: their tombstones keep the profile they had when merged and their own
// history, which are the same person's data.
func TestEraseSurvivorErasesItsTombstones(t *testing.T) {
	f := newFixture(t)
	a := f.create(t, wang())
	p := wang()
	p.Emails = []crm.Email{{Address: "xm@work.example"}}
	p.Demographics.BirthDate = kehu.MustDate(1990, time.May, 4)
	b := f.create(t, p)
	p.Emails = []crm.Email{{Address: "xm@home.example"}}
	c := f.create(t, p)
	_, err := f.svc.Merge(f.ctx, b.ID, c.ID, nil) // c into b, then b into a
	require.NoError(t, err)
	_, err = f.svc.Merge(f.ctx, a.ID, b.ID, nil)
	require.NoError(t, err)

	require.NoError(t, f.svc.Erase(f.ctx, a.ID, "customer request #88"))
	for _, id := range []crm.CustomerID{a.ID, b.ID, c.ID} {
		got, err := f.svc.GetCustomer(f.ctx, id)
		require.NoError(t, err)
		assert.False(t, got.ErasedAt.IsZero(), "%s is erased", id)
		assert.Equal(t, "erased customer", got.Name.Display)
		assert.Empty(t, got.Emails)
		assert.Empty(t, got.Phones)
		assert.True(t, got.Demographics.BirthDate.IsZero())
		for _, ch := range history(t, f, id) {
			for _, fc := range ch.Fields {
				if fc.Field == "emails" || fc.Field == "name" || fc.Field == "demographics.birth_date" {
					assert.Equal(t, crm.Redacted, fc.Old, "%s history: %s", id, fc.Field)
					assert.Equal(t, crm.Redacted, fc.New, "%s history: %s", id, fc.Field)
				}
			}
		}
	}
	found, err := f.svc.FindByEmail(f.ctx, "xm@home.example")
	require.NoError(t, err)
	assert.Empty(t, found)
	assert.Equal(t, []string{crm.EventCustomerErased, crm.EventCustomerErased, crm.EventCustomerErased},
		f.events.Names()[len(f.events.Names())-3:], "each erasure is published")
}

// A keyed change retried after its first attempt committed answers with the customer as it
// is, even where the retry would now break a rule: the version it names has passed, or the
// customer has since been merged away. The same rule under a key never used still fails.
func TestChangeRetriedAfterItCommittedReplays(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	rename := func(p *crm.Profile) error { p.JobTitle = "buyer"; return nil }
	opt := &crm.UpdateOptions{Key: "rename-1", IfVersion: c.Version}
	first, err := f.svc.UpdateCustomer(f.ctx, c.ID, rename, opt)
	require.NoError(t, err)
	again, err := f.svc.UpdateCustomer(f.ctx, c.ID, rename, opt)
	require.NoError(t, err, "the version it names has passed, but the key answers first")
	assert.Equal(t, first.Version, again.Version, "nothing more is written")
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, rename, &crm.UpdateOptions{Key: "rename-2", IfVersion: c.Version})
	assert.ErrorIs(t, err, kehu.ErrConflict, "a new command at a passed version")

	consent := crm.ConsentInput{Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}
	_, err = f.svc.RecordConsent(f.ctx, c.ID, consent, &crm.UpdateOptions{Key: "consent-1"})
	require.NoError(t, err)
	other := f.create(t, crm.Profile{Name: crm.Name{Display: "王小明"}, Emails: []crm.Email{{Address: "wxm@example.org"}}})
	_, err = f.svc.Merge(f.ctx, other.ID, c.ID, nil)
	require.NoError(t, err)
	got, err := f.svc.RecordConsent(f.ctx, c.ID, consent, &crm.UpdateOptions{Key: "consent-1"})
	require.NoError(t, err, "merged away since, but the key answers first")
	assert.Equal(t, other.ID, got.MergedInto)
	_, err = f.svc.RecordConsent(f.ctx, c.ID, consent, &crm.UpdateOptions{Key: "consent-2"})
	assert.ErrorIs(t, err, crm.ErrMerged, "a new command on a merged-away customer")
}

// An interaction recorded with a key and repeated after the customer withdrew their
// consent, or was merged away, answers with the first: the key answers before the rule.
func TestInteractionRetriedAfterTheCustomerMovedOn(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	_, err := f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail,
		Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form"}, nil)
	require.NoError(t, err)
	mail := marketing(c.ID, crm.ChannelEmail)
	mail.Key = "mail-1"
	first, err := f.svc.RecordInteraction(f.ctx, mail)
	require.NoError(t, err)

	f.clock.Advance(time.Hour)
	_, err = f.svc.RecordConsent(f.ctx, c.ID, crm.ConsentInput{Channel: crm.ConsentEmail,
		Purpose: crm.PurposeMarketing, Granted: false, Source: "unsubscribe-link"}, nil)
	require.NoError(t, err)
	again, err := f.svc.RecordInteraction(f.ctx, mail)
	require.NoError(t, err, "consent withdrawn since")
	assert.Equal(t, first.ID, again.ID)
	other := mail
	other.Key, other.Subject = "mail-2", "Summer sale"
	_, err = f.svc.RecordInteraction(f.ctx, other)
	assert.ErrorIs(t, err, crm.ErrNoConsent, "a new contact")
	reused := mail
	reused.Subject = "Summer sale"
	_, err = f.svc.RecordInteraction(f.ctx, reused)
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "the key of another contact")

	survivor := f.create(t, crm.Profile{Name: crm.Name{Display: "王小明"}, Emails: []crm.Email{{Address: "wxm@example.org"}}})
	_, err = f.svc.Merge(f.ctx, survivor.ID, c.ID, nil)
	require.NoError(t, err)
	again, err = f.svc.RecordInteraction(f.ctx, mail)
	require.NoError(t, err, "merged away since")
	assert.Equal(t, first.ID, again.ID)
}

// A reply entered hours after its deadline and dated back to before it would make the
// deadline look met: the record keeps when the reply was recorded, and RepliedInTime
// counts a reply on time only if it was both dated and recorded by the deadline.
func TestABackdatedReplyIsNotInTime(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	asked := f.clock.Now()
	ask := func(subject string) *crm.Interaction {
		in, err := f.svc.RecordInteraction(f.ctx, crm.InteractionInput{CustomerID: c.ID, Channel: crm.ChannelEmail,
			Direction: crm.Inbound, Subject: subject, ReplyBy: asked.Add(time.Hour)})
		require.NoError(t, err)
		return in
	}
	onTime, late := ask("refund?"), ask("invoice?")
	f.clock.Advance(30 * time.Minute)
	got, err := f.svc.RecordReply(f.ctx, onTime.ID, time.Time{}, "answered")
	require.NoError(t, err)
	assert.True(t, got.RepliedInTime(), "replied and recorded within the hour")

	f.clock.Advance(4 * time.Hour)
	got, err = f.svc.RecordReply(f.ctx, late.ID, asked.Add(10*time.Minute), "answered")
	require.NoError(t, err)
	assert.Equal(t, asked.Add(10*time.Minute), got.RepliedAt, "the time given is kept")
	assert.Equal(t, f.clock.Now(), got.ReplyRecordedAt, "and when it was recorded")
	assert.False(t, got.RepliedInTime(), "recorded four hours after its deadline")
}
