package crm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// careWorld is a service with a fake clock and a few customers whose care occasions are
// known: created in March 2025 in Shanghai, some moved to active later.
type careWorld struct {
	svc   *crm.Service
	clock *kehu.Clock
	ctx   context.Context
	care  *crm.Care
	loc   *time.Location
	// by name
	ids map[string]crm.CustomerID
}

func newCareWorld(t *testing.T) *careWorld {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	opts, clock, _ := kehu.Deterministic(time.Date(2025, 3, 3, 9, 0, 0, 0, loc))
	w := &careWorld{
		svc: crm.NewService(nil, opts), clock: clock, loc: loc, care: exampleCare(t),
		ctx: kehu.WithActor(context.Background(), "am-07"), ids: map[string]crm.CustomerID{},
	}
	phone := []crm.Phone{{Number: "+8613800138000"}}
	addr := []crm.Address{{Country: "CN", City: "上海", Street: "南京西路 1 号"}}
	class := func(c string) map[string]crm.AttrValue { return map[string]crm.AttrValue{"class": crm.StringAttr(c)} }
	w.add(t, "tiger", crm.Profile{Name: crm.Name{Display: "赵虎"}, DISC: crm.DISCDominance, Phones: phone, Addresses: addr,
		Attributes: class("A"), Owner: "am-07", Demographics: crm.Demographics{BirthDate: d(1980, 2, 29)}}, crm.StageActive)
	w.add(t, "peacock", crm.Profile{Name: crm.Name{Display: "钱孔"}, DISC: crm.DISCInfluence, Phones: phone,
		Attributes: class("B"), Owner: "am-07", Demographics: crm.Demographics{BirthDate: d(1992, 12, 31)}}, crm.StageActive)
	w.add(t, "koala", crm.Profile{Name: crm.Name{Display: "孙考"}, DISC: crm.DISCSteadiness, Phones: phone,
		Emails: []crm.Email{{Address: "koala@example.com"}}, Attributes: class("C"), Owner: "am-12",
		Demographics: crm.Demographics{BirthDate: d(1975, 1, 1)}}, crm.StagePotential)
	w.add(t, "owl", crm.Profile{Name: crm.Name{Display: "李枭"}, DISC: crm.DISCConscientiousness,
		Emails: []crm.Email{{Address: "owl@example.com"}}, Attributes: class("B"), Owner: "am-12"}, crm.StageKey) // no birth date
	w.add(t, "gone", crm.Profile{Name: crm.Name{Display: "周散"}, Phones: phone,
		Demographics: crm.Demographics{BirthDate: d(1988, 6, 1)}}, crm.StageActive)
	w.add(t, "erased", crm.Profile{Name: crm.Name{Display: "吴删"}, Phones: phone,
		Demographics: crm.Demographics{BirthDate: d(1988, 6, 2)}}, crm.StageActive)
	w.add(t, "dup", crm.Profile{Name: crm.Name{Display: "钱孔 (old)"}, Demographics: crm.Demographics{BirthDate: d(1988, 6, 3)}}, crm.StageActive)

	w.grant(t, "tiger", crm.ConsentSMS, true)
	w.grant(t, "peacock", crm.ConsentSMS, true)
	w.grant(t, "owl", crm.ConsentEmail, true)

	clock.AddDate(0, 2, 0) // 2025-05-03: the koala becomes active; cooperation starts
	_, err = w.svc.ChangeStage(w.ctx, w.ids["koala"], crm.StageActive, nil)
	require.NoError(t, err)
	_, err = w.svc.ChangeStage(w.ctx, w.ids["gone"], crm.StageTerminated, nil)
	require.NoError(t, err)
	require.NoError(t, w.svc.Erase(w.ctx, w.ids["erased"], "request"))
	_, err = w.svc.Merge(w.ctx, w.ids["peacock"], w.ids["dup"], nil)
	require.NoError(t, err)
	return w
}

func (w *careWorld) add(t *testing.T, name string, p crm.Profile, stage crm.Stage) {
	t.Helper()
	c, err := w.svc.CreateCustomer(w.ctx, p, &crm.CreateOptions{Stage: stage})
	require.NoError(t, err)
	w.ids[name] = c.ID
}

func (w *careWorld) grant(t *testing.T, name string, ch crm.ConsentChannel, granted bool) {
	t.Helper()
	_, err := w.svc.RecordConsent(w.ctx, w.ids[name], crm.ConsentInput{Channel: ch, Purpose: crm.PurposeMarketing,
		Granted: granted, Source: "web-form"}, nil)
	require.NoError(t, err)
}

func (w *careWorld) today() kehu.Date { return w.care.DateOf(w.clock.Now()) }

func (w *careWorld) name(id crm.CustomerID) string {
	for n, i := range w.ids {
		if i == id {
			return n
		}
	}
	return id.String()
}

func (w *careWorld) lines(occ []crm.CareOccasion) []string {
	out := make([]string, len(occ))
	for i, o := range occ {
		what := string(o.Kind)
		if o.Holiday != "" {
			what = o.Holiday
		}
		out[i] = fmt.Sprintf("%s %s %s %s/%s", o.Date, w.name(o.CustomerID), what, o.Action, o.Channel)
	}
	return out
}

func TestUpcoming(t *testing.T) {
	w := newCareWorld(t)
	// Across a year end; the tiger (born 29 February) has no birthday in it.
	occ, err := w.svc.Upcoming(w.ctx, w.care, d(2025, 12, 20), d(2026, 1, 10), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2025-12-25 tiger christmas greeting/sms",
		"2025-12-25 peacock christmas greeting/sms",
		"2025-12-25 owl christmas greeting/email",
		"2025-12-31 peacock birthday coupon/sms",
		"2026-01-01 koala birthday coupon/",
	}, w.lines(occ), "ordered by date, then customer; the koala (class C) gets no Christmas greeting "+
		"and, without marketing consent, is not contactable for a coupon; terminated, erased and merged customers are skipped")
	assert.False(t, occ[4].Contactable)
	assert.Equal(t, crm.CareOccasion{
		Date: d(2025, 12, 31), CustomerID: w.ids["peacock"], Name: "钱孔", Owner: "am-07",
		Kind: crm.CareBirthday, Years: 33, Rule: "birthday", Action: crm.CareCoupon, Detail: "BDAY50",
		Purpose: crm.PurposeMarketing, Channel: crm.ChannelSMS, Contactable: true, DISC: crm.DISCInfluence,
		Message: "Happy birthday, 钱孔! Coupon BDAY50 is yours.", PrepareBy: d(2025, 12, 30),
	}, occ[3])

	// The tiger's birthday in a common year is 28 February, and in a leap year the 29th.
	occ, err = w.svc.Upcoming(w.ctx, w.care, d(2026, 2, 27), d(2026, 3, 1), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-02-28 tiger birthday gift/visit"}, w.lines(occ))
	assert.Equal(t, "Happy birthday, 赵虎. A tea gift box is on its way.", occ[0].Message, "D: direct and brief")
	assert.Equal(t, d(2026, 2, 20), occ[0].PrepareBy, "seven days ahead would be Saturday the 21st: Friday")
	occ, err = w.svc.Upcoming(w.ctx, w.care, d(2028, 2, 27), d(2028, 3, 1), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"2028-02-29 tiger birthday gift/visit"}, w.lines(occ))

	// Anniversaries: created 2025-03-03 (tiger, peacock, owl), active from 2025-05-03 (koala).
	occ, err = w.svc.Upcoming(w.ctx, w.care, d(2026, 3, 1), d(2026, 5, 31), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2026-03-03 tiger anniversary gift/visit",
		"2026-03-03 peacock anniversary gift/visit",
		"2026-03-03 owl anniversary gift/visit",
		"2026-05-03 koala anniversary gift/visit",
	}, w.lines(occ), "the first anniversary is a milestone: a gift brought on a visit, which needs no channel consent")
	for _, o := range occ {
		assert.Equal(t, 1, o.Years)
		assert.Equal(t, "anniversary-milestone", o.Rule)
	}

	// Owner filter.
	occ, err = w.svc.Upcoming(w.ctx, w.care, d(2025, 12, 20), d(2026, 1, 10), &crm.UpcomingOptions{Owner: "am-12"})
	require.NoError(t, err)
	assert.Equal(t, []string{"2025-12-25 owl christmas greeting/email", "2026-01-01 koala birthday coupon/"}, w.lines(occ))
}

// Every day of a year is asked for on a steppable clock; each occasion of the year is
// listed exactly once, on its day, and the days together list what one call for the
// whole year lists.
func TestUpcomingYearReplay(t *testing.T) {
	for _, year := range []int{2026, 2028} { // a common year and a leap year
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			w := newCareWorld(t)
			// 00:30 on 1 January in Shanghai, still 31 December in UTC: "today" is the
			// calendar's.
			w.clock.Set(time.Date(year-1, 12, 31, 16, 30, 0, 0, time.UTC))
			require.Equal(t, d(year, 1, 1), w.today())
			var daily []crm.CareOccasion
			seen := map[string]int{}
			for w.today().Year == year {
				today := w.today()
				occ, err := w.svc.Upcoming(w.ctx, w.care, today, today, nil)
				require.NoError(t, err)
				for _, o := range occ {
					require.Equal(t, today, o.Date)
					seen[fmt.Sprint(o.CustomerID, o.Kind, o.Holiday, o.Date)]++
				}
				daily = append(daily, occ...)
				w.clock.AddDate(0, 0, 1)
			}
			for k, n := range seen {
				assert.Equal(t, 1, n, k)
			}
			whole, err := w.svc.Upcoming(w.ctx, w.care, d(year, 1, 1), d(year, 12, 31), nil)
			require.NoError(t, err)
			assert.Equal(t, whole, daily)

			// Independently counted: tiger, peacock, koala and owl each have an anniversary;
			// three have a birthday (the owl has no birth date); Christmas for three (not the
			// koala, class C); Spring Festival and Mid-Autumn for all four in the years the
			// calendar lists them.
			want := 4 + 3 + 3
			if year <= 2027 {
				want += 2 * 4
			}
			count := map[crm.CareKind]int{}
			for _, o := range whole {
				count[o.Kind]++
				assert.NotEqual(t, w.ids["gone"], o.CustomerID)
				assert.NotEqual(t, w.ids["erased"], o.CustomerID)
				assert.NotEqual(t, w.ids["dup"], o.CustomerID)
			}
			assert.Len(t, whole, want, "%v", w.lines(whole))
			assert.Equal(t, 3, count[crm.CareBirthday])
			assert.Equal(t, 4, count[crm.CareAnniversary])
		})
	}
}

// Withdrawing consent takes the channel away from the next listing; a greeting still
// goes out, since it is a service contact.
func TestUpcomingConsentWithdrawn(t *testing.T) {
	w := newCareWorld(t)
	occ, err := w.svc.Upcoming(w.ctx, w.care, d(2025, 12, 31), d(2025, 12, 31), nil)
	require.NoError(t, err)
	require.Len(t, occ, 1)
	assert.Equal(t, crm.ChannelSMS, occ[0].Channel)
	assert.True(t, occ[0].Contactable)

	w.clock.Advance(time.Hour)
	w.grant(t, "peacock", crm.ConsentSMS, false)
	occ, err = w.svc.Upcoming(w.ctx, w.care, d(2025, 12, 25), d(2025, 12, 31), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2025-12-25 tiger christmas greeting/sms",
		"2025-12-25 peacock christmas greeting/sms",
		"2025-12-25 owl christmas greeting/email",
		"2025-12-31 peacock birthday coupon/",
	}, w.lines(occ))
	assert.False(t, occ[3].Contactable)

	_, err = w.svc.RecordConsent(w.ctx, w.ids["peacock"], crm.ConsentInput{Channel: crm.ConsentSMS,
		Purpose: crm.PurposeService, Granted: false, Source: "call"}, nil)
	require.NoError(t, err)
	occ, err = w.svc.Upcoming(w.ctx, w.care, d(2025, 12, 25), d(2025, 12, 25), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2025-12-25 tiger christmas greeting/sms",
		"2025-12-25 peacock christmas greeting/",
		"2025-12-25 owl christmas greeting/email",
	}, w.lines(occ), "a customer who refused service contact by SMS is not greeted by SMS")
}

// fakeRewards stands in for a loyalty programme's birthday rules.
type fakeRewards struct {
	mu     sync.Mutex
	asked  []string
	reward map[crm.CustomerID]string
	fail   error
}

func (f *fakeRewards) BirthdayReward(_ context.Context, id crm.CustomerID, on kehu.Date) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, on.String())
	if f.fail != nil {
		return "", f.fail
	}
	r, ok := f.reward[id]
	if !ok {
		return "", fmt.Errorf("member of customer %s: %w", id, kehu.ErrNotFound)
	}
	return r, nil
}

func TestUpcomingBirthdayRewards(t *testing.T) {
	w := newCareWorld(t)
	care, err := crm.CompileCare(crm.CareSpec{
		TimeZone: "Asia/Shanghai", LeapDay: crm.LeapDayMar1,
		Playbook: []crm.CareRule{{ID: "birthday", Occasion: crm.CareBirthday, Action: crm.CareGreeting,
			Channels: []crm.Channel{crm.ChannelSMS, crm.ChannelEmail}, Reward: true,
			Style: crm.CareStyle{Default: "Happy birthday, {name}! Today: {reward}."}}},
	})
	require.NoError(t, err)
	rewards := &fakeRewards{reward: map[crm.CustomerID]string{w.ids["tiger"]: "double points"}}
	occ, err := w.svc.Upcoming(w.ctx, care, d(2026, 1, 1), d(2026, 12, 31), &crm.UpcomingOptions{Rewards: rewards})
	require.NoError(t, err)
	require.Len(t, occ, 3)
	assert.ElementsMatch(t, []string{"2026-01-01", "2026-03-01", "2026-12-31"}, rewards.asked, "asked for each birthday, on its day")
	assert.Equal(t, "koala", w.name(occ[0].CustomerID))
	assert.Empty(t, occ[0].Reward, "not a member")
	assert.Equal(t, crm.PurposeService, occ[0].Purpose, "a plain greeting")
	assert.Equal(t, crm.ChannelSMS, occ[0].Channel, "the koala agreed to no marketing, but may be greeted")
	assert.Equal(t, "tiger", w.name(occ[1].CustomerID))
	assert.Equal(t, d(2026, 3, 1), occ[1].Date, "born 29 February, kept on 1 March")
	assert.Equal(t, "double points", occ[1].Reward)
	assert.Equal(t, "Happy birthday, 赵虎! Today: double points.", occ[1].Message)
	assert.Equal(t, crm.PurposeMarketing, occ[1].Purpose, "a reward makes the greeting marketing")
	assert.Equal(t, crm.ChannelSMS, occ[1].Channel)

	// A customer with a reward but no marketing consent is not contacted about it.
	rewards.reward[w.ids["koala"]] = "a free coffee"
	occ, err = w.svc.Upcoming(w.ctx, care, d(2026, 1, 1), d(2026, 1, 1), &crm.UpcomingOptions{Rewards: rewards})
	require.NoError(t, err)
	require.Len(t, occ, 1)
	assert.Equal(t, crm.PurposeMarketing, occ[0].Purpose)
	assert.False(t, occ[0].Contactable)
	assert.Equal(t, "Happy birthday, 孙考! Today: a free coffee.", occ[0].Message)

	_, err = w.svc.Upcoming(w.ctx, care, d(2026, 1, 1), d(2026, 12, 31), nil)
	require.NoError(t, err, "no rewards source: no rewards")

	rewards.fail = errors.New("loyalty service down")
	_, err = w.svc.Upcoming(w.ctx, care, d(2026, 1, 1), d(2026, 12, 31), &crm.UpcomingOptions{Rewards: rewards})
	require.ErrorContains(t, err, "loyalty service down")
}

func TestUpcomingInput(t *testing.T) {
	w := newCareWorld(t)
	_, err := w.svc.Upcoming(w.ctx, nil, kehu.Date{}, d(2026, 1, 1), nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("care", "required"))
	assert.True(t, verr.Has("from", "required"))

	_, err = w.svc.Upcoming(w.ctx, w.care, d(2026, 1, 1), d(2027, 1, 2), nil)
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("to", "range"))

	ctx, cancel := context.WithCancel(w.ctx)
	cancel()
	_, err = w.svc.Upcoming(ctx, w.care, d(2026, 1, 1), d(2026, 1, 1), nil)
	assert.ErrorIs(t, err, context.Canceled)
}

// Upcoming reads every page of a large store.
func TestUpcomingPages(t *testing.T) {
	opts, _, _ := kehu.Deterministic(time.Date(2025, 3, 3, 1, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := context.Background()
	const n = 2500
	for i := range n {
		_, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: fmt.Sprint("c", i)},
			Demographics: crm.Demographics{BirthDate: d(1990, 1, 1).AddDays(i % 365)}}, nil)
		require.NoError(t, err)
	}
	care := simpleCare(t, "")
	occ, err := svc.Upcoming(ctx, care, d(2026, 1, 1), d(2026, 12, 31), nil)
	require.NoError(t, err)
	count := map[crm.CareKind]int{}
	for i, o := range occ {
		count[o.Kind]++
		if i > 0 {
			prev := occ[i-1]
			require.True(t, prev.Date.Before(o.Date) || prev.Date == o.Date && prev.CustomerID.Compare(o.CustomerID) <= 0)
		}
	}
	assert.Equal(t, map[crm.CareKind]int{crm.CareBirthday: n, crm.CareAnniversary: n, crm.CareHoliday: 2 * n}, count)
}

func BenchmarkUpcoming10k(b *testing.B) {
	opts, _, _ := kehu.Deterministic(time.Date(2025, 3, 3, 1, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := context.Background()
	for i := range 10_000 {
		_, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: fmt.Sprint("c", i)},
			DISC:         []crm.DISC{crm.DISCDominance, crm.DISCInfluence, crm.DISCSteadiness, crm.DISCConscientiousness, ""}[i%5],
			Attributes:   map[string]crm.AttrValue{"class": crm.StringAttr([]string{"A", "B", "C"}[i%3])},
			Demographics: crm.Demographics{BirthDate: d(1990, 1, 1).AddDays(i % 365)}}, nil)
		require.NoError(b, err)
	}
	care := exampleCare(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Upcoming(ctx, care, d(2026, 12, 1), d(2026, 12, 31), nil); err != nil {
			b.Fatal(err)
		}
	}
}
