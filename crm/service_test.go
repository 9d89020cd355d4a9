package crm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	svc    *crm.Service
	clock  *kehu.Clock
	events *kehu.Recorder
	ctx    context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	opts, clock, _ := kehu.Deterministic(t0)
	rec := &kehu.Recorder{}
	opts.Events = rec
	return &fixture{
		svc: crm.NewService(nil, opts), clock: clock, events: rec,
		ctx: kehu.WithActor(context.Background(), "tester"),
	}
}

func wang() crm.Profile {
	return crm.Profile{
		Name:   crm.Name{Family: "王", Given: "小明", FamilyFirst: true, Phonetic: "Wang Xiaoming"},
		Emails: []crm.Email{{Address: "Wang.XM@Example.com"}},
		Phones: []crm.Phone{{Number: "138 0013 8000"}},
		Tags:   []string{"VIP"},
	}
}

func (f *fixture) create(t *testing.T, p crm.Profile) *crm.Customer {
	t.Helper()
	c, err := f.svc.CreateCustomer(f.ctx, p, nil)
	require.NoError(t, err)
	return c
}

func history(t *testing.T, f *fixture, id crm.CustomerID) []crm.Change {
	t.Helper()
	h, err := f.svc.History(f.ctx, id, kehu.PageRequest{Limit: 1000})
	require.NoError(t, err)
	return h.Items
}

func TestCreateCustomerNormalises(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	assert.Equal(t, "王小明", c.Name.Display, "family-first CJK name composes without a space")
	assert.Equal(t, "wang.xm@example.com", c.Emails[0].Address)
	assert.Equal(t, "+8613800138000", c.Phones[0].Number)
	assert.Equal(t, []string{"vip"}, c.Tags)
	assert.Equal(t, crm.StageIntent, c.Stage)
	assert.Equal(t, int64(1), c.Version)
	assert.Equal(t, t0, c.CreatedAt)
	require.Len(t, c.StageHistory, 1)
	assert.Equal(t, crm.StageIntent, c.StageHistory[0].To)

	got, err := f.svc.GetCustomer(f.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.Equal(t, []string{crm.EventCustomerCreated}, f.events.Names())
}

func TestCreateCustomerRejectsEveryBadField(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.CreateCustomer(f.ctx, crm.Profile{
		Kind:      "robot",
		Emails:    []crm.Email{{Address: "not-an-email"}, {Address: "Bo <bo@example.com>"}},
		Phones:    []crm.Phone{{Number: "12"}},
		Addresses: []crm.Address{{Country: "XX", City: "Nowhere"}},
		Demographics: crm.Demographics{
			Gender: "x", Education: "kindergarten", BirthDate: kehu.Date{Year: 2023, Month: 2, Day: 29},
		},
		DISC:       "q",
		Attributes: map[string]crm.AttrValue{"Bad Key": crm.BoolAttr(true)},
	}, &crm.CreateOptions{Stage: "vip"})
	require.Error(t, err)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	for _, want := range []struct{ field, rule string }{
		{"kind", "enum"},
		{"name.display", "required"},
		{"emails[0].email", "format"},
		{"emails[1].email", "format"},
		{"phones[0].phone", ""},
		{"addresses[0].country", "format"},
		{"demographics.gender", "enum"},
		{"demographics.education", "enum"},
		{"demographics.birth_date", "format"},
		{"disc", "enum"},
		{"attributes", "key_format"},
		{"stage", "enum"},
	} {
		assert.True(t, verr.Has(want.field, want.rule), "missing %s/%s in %v", want.field, want.rule, err)
	}
	page, err := f.svc.Search(f.ctx, crm.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "nothing is written on error")
	assert.Empty(t, f.events.Events())
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		raw, region, want string
	}{
		{"138 0013 8000", "CN", "+8613800138000"},
		{"+86 138-0013-8000", "US", "+8613800138000"},
		{"0086 13800138000", "CN", "+8613800138000"},
		{"(415) 555-2671", "US", "+14155552671"},
		{"+1 415 555 2671", "CN", "+14155552671"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"021-6888-8888", "CN", "+862168888888"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := crm.NormalizePhone(tt.raw, tt.region)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "12", "abc", "+86 138", "138001380001234567"} {
		_, err := crm.NormalizePhone(bad, "CN")
		assert.ErrorIs(t, err, kehu.ErrInvalid, "%q", bad)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{"  Bo@Example.COM ", "bo@example.com", ""},
		{"first.last+tag@sub.example.cn", "first.last+tag@sub.example.cn", ""},
		{"", "", "required"},
		{"bo@localhost", "", "format"},
		{"Bo <bo@example.com>", "", "format"},
		{"bo@@example.com", "", "format"},
		{"bo@example..com", "", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := crm.NormalizeEmail(tt.in)
			if tt.rule == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("email", tt.rule), "%v", err)
		})
	}
}

func TestStageTransitions(t *testing.T) {
	tests := []struct {
		path []crm.Stage
		ok   bool
	}{
		{[]crm.Stage{crm.StagePotential, crm.StageActive, crm.StageKey}, true},
		{[]crm.Stage{crm.StageActive, crm.StageDormant, crm.StageActive}, true},
		{[]crm.Stage{crm.StageTerminated, crm.StagePotential}, true},
		{[]crm.Stage{crm.StageKey}, false},                                                 // intent → key skips buying
		{[]crm.Stage{crm.StageActive, crm.StageIntent}, false},                             // never back to intent
		{[]crm.Stage{crm.StageActive, crm.StageTerminated, crm.StageKey}, false},           // won back as key directly
		{[]crm.Stage{crm.StageActive, crm.StageDormant, crm.StagePotential}, false},        // dormant → potential
		{[]crm.Stage{crm.StagePotential, crm.StageIntent, crm.StageTerminated}, true},      // disqualified
		{[]crm.Stage{crm.StageActive, crm.StageKey, crm.StageDormant, crm.StageKey}, true}, // key customer back
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.path), func(t *testing.T) {
			f := newFixture(t)
			c := f.create(t, wang())
			var err error
			for _, st := range tt.path {
				if _, err = f.svc.ChangeStage(f.ctx, c.ID, st, nil); err != nil {
					break
				}
			}
			got, gerr := f.svc.GetCustomer(f.ctx, c.ID)
			require.NoError(t, gerr)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, tt.path[len(tt.path)-1], got.Stage)
				assert.Len(t, got.StageHistory, len(tt.path)+1)
				return
			}
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("stage", "transition"))
			assert.Len(t, got.StageHistory, len(got.StageHistory))
			assert.Equal(t, int64(len(got.StageHistory)), got.Version, "a refused move writes nothing")
		})
	}
}

func TestChangeStageToSameStageWritesNothing(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	got, err := f.svc.ChangeStage(f.ctx, c.ID, crm.StageIntent, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version)
	assert.Len(t, history(t, f, c.ID), 1)
}

func TestUpdateCustomerAuditsEachField(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	f.clock.Advance(time.Hour)
	ctx := kehu.WithActor(f.ctx, "am-12")
	got, err := f.svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error {
		p.Name.Given, p.Name.Display = "晓明", ""
		p.Phones = append(p.Phones, crm.Phone{Number: "021 6888 8888"})
		p.Owner = "am-12"
		return nil
	}, &crm.UpdateOptions{Reason: "typo"})
	require.NoError(t, err)
	assert.Equal(t, "王晓明", got.Name.Display)
	assert.Equal(t, int64(2), got.Version)

	h := history(t, f, c.ID)
	require.Len(t, h, 2)
	ch := h[1]
	assert.Equal(t, "am-12", ch.Actor)
	assert.Equal(t, t0.Add(time.Hour), ch.At)
	assert.Equal(t, crm.ActionUpdate, ch.Action)
	assert.Equal(t, "typo", ch.Reason)
	assert.Equal(t, int64(2), ch.Version)
	want := map[string][2]string{
		"name.display": {"王小明", "王晓明"},
		"name.given":   {"小明", "晓明"},
		"owner":        {"", "am-12"},
		"phones":       {"+8613800138000", "+8613800138000, +862168888888"},
	}
	assert.Len(t, ch.Fields, len(want))
	for field, v := range want {
		fc, ok := ch.Field(field)
		if assert.True(t, ok, field) {
			assert.Equal(t, v[0], fc.Old, field)
			assert.Equal(t, v[1], fc.New, field)
		}
	}
}

func TestUpdateCustomerRollsBack(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, wang())
	boom := errors.New("boom")
	_, err := f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error {
		p.Tags = append(p.Tags, "lost")
		return boom
	}, nil)
	assert.ErrorIs(t, err, boom)
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, func(p *crm.Profile) error {
		p.Tags = append(p.Tags, "lost")
		p.Emails = append(p.Emails, crm.Email{Address: "broken"})
		return nil
	}, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("emails[1].email", "format"))
	got, err := f.svc.GetCustomer(f.ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got, "nothing written")
	assert.Len(t, history(t, f, c.ID), 1)
	_, err = f.svc.UpdateCustomer(f.ctx, c.ID, nil, nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a nil function is bad input, not a panic")
	_, err = f.svc.UpdateCustomer(f.ctx, crm.CustomerIDFrom(uuid.UUID{1}), func(*crm.Profile) error { return nil }, nil)
	assert.ErrorIs(t, err, kehu.ErrNotFound)
}
