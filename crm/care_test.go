package crm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// exampleCare loads the example care calendar of testdata: Spring Festival, Mid-Autumn and
// Christmas for 2025 to 2027, and a playbook by class and DISC type.
func exampleCare(t testing.TB) *crm.Care {
	t.Helper()
	f, err := os.Open("testdata/care_calendar_example.json")
	require.NoError(t, err)
	defer f.Close()
	care, err := crm.LoadCare(f)
	require.NoError(t, err)
	return care
}

func d(y int, m time.Month, day int) kehu.Date { return kehu.MustDate(y, m, day) }

// simpleCare is a calendar with one greeting rule per kind, on any channel that needs no
// consent, so that only the dates matter.
func simpleCare(t testing.TB, leap crm.LeapDay) *crm.Care {
	t.Helper()
	care, err := crm.CompileCare(crm.CareSpec{
		TimeZone: "Asia/Shanghai",
		LeapDay:  leap,
		Holidays: []crm.Holiday{
			{Code: "spring-festival", Name: "Spring Festival", Dates: []kehu.Date{d(2025, 1, 29), d(2026, 2, 17), d(2027, 2, 6)}},
			{Code: "christmas", Name: "Christmas", Annual: "12-25"},
		},
		Playbook: []crm.CareRule{
			{ID: "birthday", Occasion: crm.CareBirthday, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelVisit}},
			{ID: "anniversary", Occasion: crm.CareAnniversary, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelVisit}},
			{ID: "holiday", Occasion: crm.CareHoliday, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelVisit}},
		},
	})
	require.NoError(t, err)
	return care
}

func customerBorn(id byte, birth kehu.Date) *crm.Customer {
	u := [16]byte{15: id}
	return &crm.Customer{
		ID:        kehu.CustomerIDFrom(u),
		CreatedAt: time.Date(2020, 6, 30, 20, 0, 0, 0, time.UTC), // 2020-07-01 in Shanghai
		Profile: crm.Profile{
			Name:         crm.Name{Display: fmt.Sprintf("customer %d", id)},
			Demographics: crm.Demographics{BirthDate: birth},
		},
		Stage: crm.StageActive,
	}
}

func datesOf(occ []crm.CareOccasion, kind crm.CareKind) []string {
	var out []string
	for _, o := range occ {
		if o.Kind == kind {
			out = append(out, o.Date.String())
		}
	}
	return out
}

func firstOf(occ []crm.CareOccasion, kind crm.CareKind) crm.CareOccasion {
	for _, o := range occ {
		if o.Kind == kind {
			return o
		}
	}
	return crm.CareOccasion{}
}

func TestLeapDayIn(t *testing.T) {
	leapling := d(2000, 2, 29)
	tests := []struct {
		rule crm.LeapDay
		year int
		want kehu.Date
	}{
		{"", 2023, d(2023, 2, 28)},
		{crm.LeapDayFeb28, 2023, d(2023, 2, 28)},
		{crm.LeapDayFeb28, 2024, d(2024, 2, 29)},
		{crm.LeapDayFeb28, 2100, d(2100, 2, 28)}, // not a leap year
		{crm.LeapDayMar1, 2023, d(2023, 3, 1)},
		{crm.LeapDayMar1, 2024, d(2024, 2, 29)},
		{crm.LeapDayMar1, 2100, d(2100, 3, 1)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.rule, tt.year), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.rule.In(leapling, tt.year))
		})
	}
	assert.Equal(t, d(2023, 2, 28), crm.LeapDayMar1.In(d(1990, 2, 28), 2023), "February 28 stays")
	assert.Equal(t, d(2023, 3, 1), crm.LeapDayFeb28.In(d(1990, 3, 1), 2023), "March 1 stays")
	assert.True(t, crm.LeapDayMar1.In(kehu.Date{}, 2023).IsZero())
}

// A February 29 birthday is kept on February 28 or March 1 of other years, by the spec's
// choice, across leap and non-leap years and a range that spans a year end; it is listed
// once a year, never twice.
func TestCareLeapDayBirthdays(t *testing.T) {
	c := customerBorn(1, d(2000, 2, 29))
	tests := []struct {
		rule     crm.LeapDay
		from, to kehu.Date
		want     []string
	}{
		{crm.LeapDayFeb28, d(2026, 1, 1), d(2026, 12, 31), []string{"2026-02-28"}},
		{crm.LeapDayMar1, d(2026, 1, 1), d(2026, 12, 31), []string{"2026-03-01"}},
		{crm.LeapDayFeb28, d(2028, 1, 1), d(2028, 12, 31), []string{"2028-02-29"}},
		{crm.LeapDayMar1, d(2028, 1, 1), d(2028, 12, 31), []string{"2028-02-29"}},
		// Ranges across a year end: from a leap year into a common one, and back.
		{crm.LeapDayFeb28, d(2027, 12, 1), d(2028, 11, 30), []string{"2028-02-29"}},
		{crm.LeapDayMar1, d(2028, 3, 1), d(2029, 2, 28), nil},
		{crm.LeapDayMar1, d(2028, 3, 2), d(2029, 3, 1), []string{"2029-03-01"}},
		{crm.LeapDayFeb28, d(2028, 3, 1), d(2029, 2, 28), []string{"2029-02-28"}},
		// Single days.
		{crm.LeapDayFeb28, d(2027, 3, 1), d(2027, 3, 1), nil},
		{crm.LeapDayMar1, d(2027, 3, 1), d(2027, 3, 1), []string{"2027-03-01"}},
		{crm.LeapDayMar1, d(2027, 2, 28), d(2027, 2, 28), nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s..%s", tt.rule, tt.from, tt.to), func(t *testing.T) {
			occ, err := simpleCare(t, tt.rule).Occasions(c, tt.from, tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, datesOf(occ, crm.CareBirthday))
		})
	}
	occ, err := simpleCare(t, crm.LeapDayFeb28).Occasions(c, d(2026, 2, 1), d(2026, 3, 31))
	require.NoError(t, err)
	require.Len(t, datesOf(occ, crm.CareBirthday), 1)
	assert.Equal(t, 26, firstOf(occ, crm.CareBirthday).Years, "the age reached")
}

func TestCareBirthdays(t *testing.T) {
	care := simpleCare(t, "")
	t.Run("no birth date", func(t *testing.T) {
		occ, err := care.Occasions(customerBorn(1, kehu.Date{}), d(2026, 1, 1), d(2026, 12, 31))
		require.NoError(t, err)
		assert.Empty(t, datesOf(occ, crm.CareBirthday))
	})
	t.Run("invalid birth date", func(t *testing.T) {
		occ, err := care.Occasions(customerBorn(1, kehu.Date{Year: 1990, Month: 2, Day: 30}), d(2026, 1, 1), d(2026, 12, 31))
		require.NoError(t, err)
		assert.Empty(t, datesOf(occ, crm.CareBirthday))
	})
	t.Run("across a year end", func(t *testing.T) {
		c := customerBorn(1, d(1990, 1, 3))
		occ, err := care.Occasions(c, d(2026, 12, 20), d(2027, 1, 10))
		require.NoError(t, err)
		assert.Equal(t, []string{"2027-01-03"}, datesOf(occ, crm.CareBirthday))
		assert.Equal(t, []string{"2026-12-25"}, datesOf(occ, crm.CareHoliday))
	})
	t.Run("not before birth", func(t *testing.T) {
		c := customerBorn(1, d(2026, 5, 1))
		occ, err := care.Occasions(c, d(2026, 1, 1), d(2026, 12, 31))
		require.NoError(t, err)
		assert.Empty(t, datesOf(occ, crm.CareBirthday), "the day of birth is not a birthday")
		occ, err = care.Occasions(c, d(2027, 1, 1), d(2027, 12, 31))
		require.NoError(t, err)
		assert.Equal(t, []string{"2027-05-01"}, datesOf(occ, crm.CareBirthday))
		assert.Equal(t, 1, firstOf(occ, crm.CareBirthday).Years)
	})
}

// Cooperation starts with the first move into the active (or key) stage, read in the
// calendar's zone; without one, on the day the customer was created; a date attribute
// named by since_attribute overrides both.
func TestCareSince(t *testing.T) {
	care, err := crm.CompileCare(crm.CareSpec{
		TimeZone: "Asia/Shanghai", SinceAttribute: "contract_start",
		Playbook: []crm.CareRule{{ID: "a", Occasion: crm.CareAnniversary, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelWeb}}},
	})
	require.NoError(t, err)
	c := customerBorn(1, kehu.Date{})
	since, ok := care.Since(c)
	require.True(t, ok)
	assert.Equal(t, d(2020, 7, 1), since, "CreatedAt read in Asia/Shanghai")

	c.StageHistory = []crm.StageChange{
		{To: crm.StageIntent, At: c.CreatedAt},
		{From: crm.StageIntent, To: crm.StagePotential, At: time.Date(2021, 1, 5, 3, 0, 0, 0, time.UTC)},
		{From: crm.StagePotential, To: crm.StageActive, At: time.Date(2021, 3, 9, 17, 30, 0, 0, time.UTC)},
		{From: crm.StageActive, To: crm.StageKey, At: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	since, ok = care.Since(c)
	require.True(t, ok)
	assert.Equal(t, d(2021, 3, 10), since, "first move to active, 01:30 the next day in Shanghai")

	c.Attributes = map[string]crm.AttrValue{"contract_start": crm.DateAttr(d(2019, 11, 11))}
	since, _ = care.Since(c)
	assert.Equal(t, d(2019, 11, 11), since)

	c.Attributes = map[string]crm.AttrValue{"contract_start": crm.StringAttr("2019-11-11")}
	since, _ = care.Since(c)
	assert.Equal(t, d(2021, 3, 10), since, "an attribute that is not a date is ignored")

	occ, err := care.Occasions(c, d(2026, 1, 1), d(2026, 12, 31))
	require.NoError(t, err)
	require.Len(t, occ, 1)
	assert.Equal(t, d(2026, 3, 10), occ[0].Date)
	assert.Equal(t, 5, occ[0].Years)

	_, ok = care.Since(&crm.Customer{})
	assert.False(t, ok, "nothing known")
	_, ok = care.Since(nil)
	assert.False(t, ok)
}

// Instants are read as dates in the calendar's zone, across daylight saving changes.
func TestCareSinceAcrossDST(t *testing.T) {
	care, err := crm.CompileCare(crm.CareSpec{TimeZone: "America/New_York",
		Playbook: []crm.CareRule{{ID: "a", Occasion: crm.CareAnniversary, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelWeb}}}})
	require.NoError(t, err)
	for _, tt := range []struct {
		at   time.Time
		want kehu.Date
	}{
		{time.Date(2026, 3, 8, 4, 30, 0, 0, time.UTC), d(2026, 3, 7)},    // 23:30 EST
		{time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), d(2026, 3, 8)},    // 03:30 EDT, after the gap
		{time.Date(2026, 11, 1, 3, 59, 0, 0, time.UTC), d(2026, 10, 31)}, // 23:59 EDT
		{time.Date(2026, 11, 1, 4, 30, 0, 0, time.UTC), d(2026, 11, 1)},  // 00:30 EDT, before the repeat hour
	} {
		c := &crm.Customer{CreatedAt: tt.at, Stage: crm.StageIntent}
		since, ok := care.Since(c)
		require.True(t, ok)
		assert.Equal(t, tt.want, since, tt.at)
		assert.Equal(t, tt.want, care.DateOf(tt.at))
	}
}

// The zero Care observes nothing and does not panic.
func TestCareZero(t *testing.T) {
	var care crm.Care
	occ, err := care.Occasions(customerBorn(1, d(1990, 1, 1)), d(2026, 1, 1), d(2026, 12, 31))
	require.NoError(t, err)
	assert.Empty(t, occ)
	assert.Equal(t, time.UTC, care.Location())
	_, ok := care.Since(customerBorn(1, kehu.Date{}))
	assert.True(t, ok)
}

// The example calendar's playbook: the first matching rule decides, by class, milestone
// year and holiday; the message follows the customer's DISC type.
func TestCarePlaybook(t *testing.T) {
	care := exampleCare(t)
	mk := func(id byte, class string, disc crm.DISC) *crm.Customer {
		c := customerBorn(id, d(1985, 9, 25))
		c.DISC = disc
		c.Attributes = map[string]crm.AttrValue{"class": crm.StringAttr(class)}
		c.Addresses = []crm.Address{{City: "上海"}}
		c.Phones = []crm.Phone{{Number: "+8613800138000"}}
		c.Consents = []crm.Consent{{Channel: crm.ConsentSMS, Purpose: crm.PurposeMarketing, Granted: true}}
		return c
	}
	get := func(t *testing.T, c *crm.Customer, kind crm.CareKind, on kehu.Date) crm.CareOccasion {
		t.Helper()
		occ, err := care.Occasions(c, on, on)
		require.NoError(t, err)
		for _, o := range occ {
			if o.Kind == kind {
				return o
			}
		}
		t.Fatalf("no %s on %s", kind, on)
		return crm.CareOccasion{}
	}

	t.Run("birthday by class and DISC", func(t *testing.T) {
		tests := []struct {
			class string
			disc  crm.DISC
			rule  string
			msg   string
		}{
			{"A", crm.DISCDominance, "birthday-a", "Happy birthday, A-d. A tea gift box is on its way."},
			{"A", crm.DISCInfluence, "birthday-a", "Happy birthday, A-i! We are so glad to celebrate with you: enjoy the tea gift box!"},
			{"A", crm.DISCSteadiness, "birthday-a", "Dear A-s, warm wishes on your birthday. Thank you for being with us all these years."},
			{"A", crm.DISCConscientiousness, "birthday-a", "Dear A-c, happy birthday. A tea gift box will be delivered on 2026-09-25."},
			{"A", "", "birthday-a", "Dear A-, happy birthday! Please accept a tea gift box from us."},
			{"B", crm.DISCDominance, "birthday", "Happy birthday, B-d. Coupon BDAY50."},
			{"B", crm.DISCInfluence, "birthday", "Happy birthday, B-i! Coupon BDAY50 is yours."}, // no I text: the default

			{"C", crm.DISCConscientiousness, "birthday", "Happy birthday, C-c. Coupon BDAY50: 50 CNY off any order, valid 30 days."},
		}
		for i, tt := range tests {
			t.Run(tt.class+string(tt.disc), func(t *testing.T) {
				c := mk(byte(i+1), tt.class, tt.disc)
				c.Name.Display = tt.class + "-" + string(tt.disc)
				o := get(t, c, crm.CareBirthday, d(2026, 9, 25))
				assert.Equal(t, tt.rule, o.Rule)
				assert.Equal(t, tt.msg, o.Message)
				assert.Equal(t, tt.disc, o.DISC)
				assert.Equal(t, 41, o.Years)
				assert.Equal(t, crm.PurposeMarketing, o.Purpose)
			})
		}
	})

	t.Run("gift for class A", func(t *testing.T) {
		o := get(t, mk(1, "A", ""), crm.CareBirthday, d(2026, 9, 25))
		assert.Equal(t, crm.CareGift, o.Action)
		assert.Equal(t, "tea gift box", o.Detail)
		assert.Equal(t, crm.ChannelVisit, o.Channel, "a visit needs no channel consent")
		assert.True(t, o.Contactable)
		assert.Equal(t, d(2026, 9, 18), o.PrepareBy, "seven days ahead, a Friday")
	})

	t.Run("milestones", func(t *testing.T) {
		c := mk(1, "B", "")
		c.Emails = []crm.Email{{Address: "b@example.com"}}
		// Created 2020-07-01 in Shanghai: 5 years in 2025, 6 in 2026, 10 in 2030.
		for year, want := range map[int]string{2021: "anniversary-milestone", 2023: "anniversary-milestone",
			2025: "anniversary-milestone", 2026: "anniversary", 2030: "anniversary-milestone"} {
			o := get(t, c, crm.CareAnniversary, d(year, 7, 1))
			assert.Equal(t, want, o.Rule, year)
			assert.Equal(t, year-2020, o.Years)
		}
		o := get(t, c, crm.CareAnniversary, d(2026, 7, 1))
		assert.Equal(t, "Thank you for 6 years of cooperation, customer 1.", o.Message)
		assert.Equal(t, crm.ChannelEmail, o.Channel, "a greeting is a service contact: allowed unless refused")
		assert.Equal(t, crm.PurposeService, o.Purpose)
	})

	t.Run("holidays by class", func(t *testing.T) {
		sf := get(t, mk(1, "A", crm.DISCInfluence), crm.CareHoliday, d(2027, 2, 6))
		assert.Equal(t, "festival", sf.Rule)
		assert.Equal(t, "spring-festival", sf.Holiday)
		assert.Equal(t, "Happy 春节 Spring Festival, customer 1! A festival hamper is coming your way!", sf.Message)
		// Spring Festival 2027 is a Saturday; five days ahead is Monday 1 February.
		assert.Equal(t, d(2027, 2, 1), sf.PrepareBy)

		c := get(t, mk(2, "C", ""), crm.CareHoliday, d(2026, 9, 25))
		assert.Equal(t, "festival-c", c.Rule)
		assert.Equal(t, crm.CareGreeting, c.Action)

		occ, err := care.Occasions(mk(3, "C", ""), d(2026, 12, 25), d(2026, 12, 25))
		require.NoError(t, err)
		assert.Empty(t, occ, "class C gets no Christmas greeting")

		x := get(t, mk(4, "B", ""), crm.CareHoliday, d(2027, 12, 25))
		assert.Equal(t, "christmas", x.Rule)
		// Christmas 2027 is a Saturday; three days ahead is Wednesday 22 December.
		assert.Equal(t, d(2027, 12, 22), x.PrepareBy)
		assert.Equal(t, crm.ChannelSMS, x.Channel, "no email on file: the next channel")
	})
}

// With prepare_on_workdays, a preparation day on a weekend moves back to the Friday.
func TestCarePrepareOnWorkdays(t *testing.T) {
	for _, workdays := range []bool{false, true} {
		care, err := crm.CompileCare(crm.CareSpec{
			TimeZone: "UTC", PrepareOnWorkdays: workdays,
			Holidays: []crm.Holiday{{Code: "christmas", Name: "Christmas", Annual: "12-25"}},
			Playbook: []crm.CareRule{{ID: "x", Occasion: crm.CareHoliday, Action: crm.CareGreeting,
				Channels: []crm.Channel{crm.ChannelWeb}, LeadDays: 0}},
		})
		require.NoError(t, err)
		occ, err := care.Occasions(customerBorn(1, kehu.Date{}), d(2027, 12, 25), d(2027, 12, 25))
		require.NoError(t, err)
		require.Len(t, occ, 1)
		want := d(2027, 12, 25) // a Saturday
		if workdays {
			want = d(2027, 12, 24)
		}
		assert.Equal(t, want, occ[0].PrepareBy, "workdays %v", workdays)
	}
}

// Consent decides the channel: a coupon goes out only on a channel agreed to for
// marketing; the customer's preferred channel wins when allowed; with none, the occasion
// is listed as not contactable.
func TestCareConsent(t *testing.T) {
	care := exampleCare(t)
	base := func() *crm.Customer {
		c := customerBorn(1, d(1990, 4, 1))
		c.Phones = []crm.Phone{{Number: "+8613800138000"}}
		c.Emails = []crm.Email{{Address: "a@example.com"}}
		return c
	}
	consent := func(ch crm.ConsentChannel, granted bool) crm.Consent {
		return crm.Consent{Channel: ch, Purpose: crm.PurposeMarketing, Granted: granted}
	}
	tests := []struct {
		name     string
		consents []crm.Consent
		pref     crm.Channel
		want     crm.Channel
	}{
		{"none given", nil, "", ""},
		{"sms", []crm.Consent{consent(crm.ConsentSMS, true)}, "", crm.ChannelSMS},
		{"email only", []crm.Consent{consent(crm.ConsentEmail, true)}, "", crm.ChannelEmail},
		{"both, first listed", []crm.Consent{consent(crm.ConsentSMS, true), consent(crm.ConsentEmail, true)}, "", crm.ChannelSMS},
		{"both, preferred", []crm.Consent{consent(crm.ConsentSMS, true), consent(crm.ConsentEmail, true)}, crm.ChannelEmail, crm.ChannelEmail},
		{"preferred but refused", []crm.Consent{consent(crm.ConsentSMS, true), consent(crm.ConsentEmail, false)}, crm.ChannelEmail, crm.ChannelSMS},
		{"withdrawn", []crm.Consent{consent(crm.ConsentSMS, false)}, "", ""},
		{"service consent is not marketing", []crm.Consent{{Channel: crm.ConsentSMS, Purpose: crm.PurposeService, Granted: true}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			c.Consents = tt.consents
			c.Preferences.Channel = tt.pref
			occ, err := care.Occasions(c, d(2026, 4, 1), d(2026, 4, 1))
			require.NoError(t, err)
			require.Len(t, occ, 1)
			assert.Equal(t, crm.CareCoupon, occ[0].Action)
			assert.Equal(t, tt.want, occ[0].Channel)
			assert.Equal(t, tt.want != "", occ[0].Contactable)
		})
	}
	t.Run("no address for the channel", func(t *testing.T) {
		c := base()
		c.Phones = nil
		c.Consents = []crm.Consent{consent(crm.ConsentSMS, true)}
		occ, err := care.Occasions(c, d(2026, 4, 1), d(2026, 4, 1))
		require.NoError(t, err)
		assert.False(t, occ[0].Contactable, "consent to SMS but no phone on file")
	})
}

func TestCareSkips(t *testing.T) {
	care := simpleCare(t, "")
	c := customerBorn(1, d(1990, 4, 1))
	occ, err := care.Occasions(c, d(2026, 4, 1), d(2026, 4, 1))
	require.NoError(t, err)
	require.Len(t, occ, 1)

	for name, change := range map[string]func(c *crm.Customer){
		"terminated": func(c *crm.Customer) { c.Stage = crm.StageTerminated },
		"tombstone":  func(c *crm.Customer) { c.MergedInto = kehu.CustomerIDFrom([16]byte{15: 9}) },
		"erased":     func(c *crm.Customer) { c.ErasedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		t.Run(name, func(t *testing.T) {
			c := customerBorn(1, d(1990, 4, 1))
			change(c)
			occ, err := care.Occasions(c, d(2026, 4, 1), d(2026, 4, 1))
			require.NoError(t, err)
			assert.Empty(t, occ)
		})
	}
	occ, err = care.Occasions(nil, d(2026, 4, 1), d(2026, 4, 1))
	require.NoError(t, err)
	assert.Empty(t, occ)
}

func TestCareRange(t *testing.T) {
	care := simpleCare(t, "")
	c := customerBorn(1, d(1990, 4, 1))
	tests := []struct {
		name     string
		from, to kehu.Date
		field    string
		rule     string
	}{
		{"no from", kehu.Date{}, d(2026, 1, 1), "from", "required"},
		{"no to", d(2026, 1, 1), kehu.Date{}, "to", "required"},
		{"bad from", kehu.Date{Year: 2026, Month: 2, Day: 30}, d(2026, 3, 1), "from", "range"},
		{"backwards", d(2026, 3, 1), d(2026, 2, 1), "to", "range"},
		{"too long", d(2026, 1, 1), d(2027, 1, 2), "to", "range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := care.Occasions(c, tt.from, tt.to)
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, tt.rule), "%v", err)
		})
	}
	_, err := care.Occasions(c, d(2028, 1, 1), d(2028, 12, 31))
	assert.NoError(t, err, "a whole leap year is allowed")
}

// Every bad field of a spec is named with its path and rule, all at once.
func TestCompileCareProblems(t *testing.T) {
	spec := crm.CareSpec{
		TimeZone:       "Mars/Olympus",
		LeapDay:        "feb30",
		ClassAttribute: "Class!",
		Holidays: []crm.Holiday{
			{Code: "xmas", Name: "Christmas", Annual: "12-25", Dates: []kehu.Date{d(2026, 12, 25)}},
			{Code: "xmas", Name: " "},
			{Code: "Bad Code", Name: "x", Annual: "02-29"},
			{Code: "dup", Name: "x", Dates: []kehu.Date{d(2026, 1, 1), d(2026, 1, 1), {Year: 2026, Month: 2, Day: 30}}},
			{Code: "month", Name: "x", Annual: "13-01"},
			{Code: "fmt", Name: "x", Annual: "1-1"},
		},
		Playbook: []crm.CareRule{
			{ID: "r", Occasion: "wedding", Action: "hug", Channels: []crm.Channel{"pigeon", crm.ChannelSMS, crm.ChannelSMS}},
			{ID: "r", Occasion: crm.CareBirthday, Holidays: []string{"xmas"}, Years: []int{0}, Action: crm.CareCoupon,
				Purpose: crm.PurposeService, LeadDays: -1, Classes: []string{"A", ""}},
			{ID: "h", Occasion: crm.CareHoliday, Holidays: []string{"easter", "xmas", "xmas"}, Action: crm.CareGreeting,
				Channels: []crm.Channel{crm.ChannelEmail}, Reward: true, Stages: []crm.Stage{"vip"}, LeadDays: 400,
				Style: crm.CareStyle{Default: "Hi {nmae}", D: "Hi {name", I: "{name}, {years}, {holiday}, {date}, {detail}, {reward}"}},
			{Occasion: crm.CareAnniversary, Years: []int{1, 1}, Action: crm.CareNone, Purpose: "spam"},
		},
	}
	_, err := crm.CompileCare(spec)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	require.ErrorIs(t, err, kehu.ErrInvalid)
	want := []struct{ field, rule string }{
		{"time_zone", "zone"},
		{"leap_day", "enum"},
		{"class_attribute", "format"},
		{"holidays[0].annual", "exclusive"},
		{"holidays[1].code", "unique"},
		{"holidays[1].name", "required"},
		{"holidays[1].dates", "required"},
		{"holidays[2].code", "format"},
		{"holidays[2].annual", "range"},
		{"holidays[3].dates[1]", "unique"},
		{"holidays[3].dates[2]", "range"},
		{"holidays[4].annual", "range"},
		{"holidays[5].annual", "format"},
		{"playbook[0].occasion", "enum"},
		{"playbook[0].action", "enum"},
		{"playbook[0].channels[0]", "enum"},
		{"playbook[0].channels[2]", "unique"},
		{"playbook[1].id", "unique"},
		{"playbook[1].holidays", "occasion"},
		{"playbook[1].years", "occasion"},
		{"playbook[1].years[0]", "range"},
		{"playbook[1].classes[1]", "required"},
		{"playbook[1].purpose", "purpose"},
		{"playbook[1].channels", "required"},
		{"playbook[1].lead_days", "range"},
		{"playbook[2].holidays[0]", "unknown"},
		{"playbook[2].holidays[2]", "unique"},
		{"playbook[2].stages[0]", "enum"},
		{"playbook[2].lead_days", "range"},
		{"playbook[2].reward", "occasion"},
		{"playbook[2].style.default", "placeholder"},
		{"playbook[2].style.d", "placeholder"},
		{"playbook[3].id", "required"},
		{"playbook[3].years[1]", "unique"},
		{"playbook[3].purpose", "enum"},
	}
	for _, w := range want {
		assert.True(t, verr.Has(w.field, w.rule), "missing %s %s in\n%v", w.field, w.rule, err)
	}
	assert.False(t, verr.Has("playbook[2].style.i", ""), "every known placeholder is fine")
	assert.False(t, verr.Has("playbook[3].channels", ""), "a none rule needs no channels")
	assert.Len(t, verr.Fields, len(want), "%v", err)

	_, err = crm.CompileCare(crm.CareSpec{TimeZone: "UTC", Playbook: []crm.CareRule{
		{ID: "x", Occasion: crm.CareBirthday, Classes: []string{"A"}, Action: crm.CareNone}}})
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("playbook[0].classes", "requires"), "%v", err)

	for _, tz := range []string{"", "Local"} {
		_, err := crm.CompileCare(crm.CareSpec{TimeZone: tz, Playbook: spec.Playbook[3:]})
		require.ErrorAs(t, err, &verr)
		assert.True(t, verr.Has("time_zone", ""), "%q", tz)
	}
	_, err = crm.CompileCare(crm.CareSpec{TimeZone: "UTC"})
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("playbook", "required"))
}

// A compiled calendar does not share memory with its spec, in or out.
func TestCareSpecCopies(t *testing.T) {
	spec := crm.CareSpec{
		TimeZone: "UTC",
		Holidays: []crm.Holiday{{Code: "x", Name: "X", Dates: []kehu.Date{d(2026, 5, 1)}}},
		Playbook: []crm.CareRule{{ID: "x", Occasion: crm.CareHoliday, Action: crm.CareGreeting, Channels: []crm.Channel{crm.ChannelWeb}}},
	}
	care, err := crm.CompileCare(spec)
	require.NoError(t, err)
	spec.Holidays[0].Dates[0] = d(2026, 6, 1)
	spec.Playbook[0].Channels[0] = crm.ChannelSMS
	out := care.Spec()
	assert.Equal(t, d(2026, 5, 1), out.Holidays[0].Dates[0])
	assert.Equal(t, crm.ChannelWeb, out.Playbook[0].Channels[0])
	out.Playbook[0].Channels[0] = crm.ChannelSMS
	assert.Equal(t, crm.ChannelWeb, care.Spec().Playbook[0].Channels[0])
	assert.Equal(t, "UTC", care.Location().String())
	assert.Equal(t, crm.LeapDayFeb28, care.LeapDay())
	assert.Equal(t, 0, care.MaxLeadDays())
	assert.Equal(t, 10, exampleCare(t).MaxLeadDays())
}

// A calendar written as JSON reads back as the same calendar.
func TestCareJSONRoundTrip(t *testing.T) {
	care := exampleCare(t)
	data, err := json.Marshal(care)
	require.NoError(t, err)
	again, err := crm.LoadCare(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, care.Spec(), again.Spec())

	full := crm.CareSpec{TimeZone: "Europe/Berlin", LeapDay: crm.LeapDayMar1, ClassAttribute: "class",
		SinceAttribute: "contract_start", PrepareOnWorkdays: true,
		Holidays: []crm.Holiday{{Code: "x", Name: "X", Dates: []kehu.Date{d(2026, 5, 1)}}, {Code: "y", Name: "Y", Annual: "01-01"}},
		Playbook: []crm.CareRule{{ID: "r", Occasion: crm.CareAnniversary, Years: []int{5}, Classes: []string{"A"},
			Stages: []crm.Stage{crm.StageKey}, Action: crm.CareGreeting, Detail: "card", Purpose: crm.PurposeMarketing,
			Channels: []crm.Channel{crm.ChannelLetter}, LeadDays: 3,
			Style: crm.CareStyle{Default: "a", D: "b", I: "c", S: "d", C: "e"}},
			{ID: "h", Occasion: crm.CareHoliday, Holidays: []string{"x"}, Action: crm.CareNone},
			{ID: "b", Occasion: crm.CareBirthday, Action: crm.CareGift, Reward: true, Channels: []crm.Channel{crm.ChannelVisit}}},
	}
	c, err := crm.CompileCare(full)
	require.NoError(t, err)
	data, err = json.Marshal(c)
	require.NoError(t, err)
	again, err = crm.LoadCare(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, full, again.Spec())
}

func TestLoadCareStrict(t *testing.T) {
	tests := []struct {
		name, json  string
		field, rule string
	}{
		{"empty", "", "care", "required"},
		{"syntax", `{"time_zone": "UTC",`, "care", "syntax"},
		{"bad syntax", `{"time_zone": UTC}`, "care", "syntax"},
		{"trailing", `{"time_zone":"UTC","playbook":[{"id":"x","occasion":"birthday","action":"none"}]} {}`, "care", "syntax"},
		{"unknown top", `{"time_zone":"UTC","playbok":[]}`, "playbok", "unknown_field"},
		{"unknown nested", `{"time_zone":"UTC","playbook":[{"id":"x"},{"id":"y","chanels":["sms"]}]}`, "playbook[1].chanels", "unknown_field"},
		{"unknown style", `{"time_zone":"UTC","playbook":[{"id":"x","style":{"e":"hi"}}]}`, "playbook[0].style.e", "unknown_field"},
		{"wrong type", `{"time_zone":"UTC","playbook":[{"id":"x","lead_days":"3"}]}`, "playbook[0].lead_days", "type"},
		{"bad enum", `{"time_zone":"UTC","playbook":[{"id":"x","action":"hug"}]}`, "playbook[0].action", "enum"},
		{"bad channel", `{"time_zone":"UTC","playbook":[{"id":"x","channels":["sms","pigeon"]}]}`, "playbook[0].channels[1]", "enum"},
		{"bad date", `{"time_zone":"UTC","holidays":[{"code":"x","name":"x","dates":["2026-02-30"]}]}`, "holidays[0].dates[0]", "range"},
		{"date format", `{"time_zone":"UTC","holidays":[{"code":"x","name":"x","dates":["2026-2-3"]}]}`, "holidays[0].dates[0]", "format"},
		{"not an object", `[]`, "care", "type"},
		{"array for object", `{"time_zone":"UTC","playbook":[{"style":[]}]}`, "playbook[0].style", "type"},
		{"compiles after", `{"time_zone":"UTC","playbook":[]}`, "playbook", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := crm.LoadCare(strings.NewReader(tt.json))
			var verr *kehu.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tt.field, tt.rule), "want %s %s, got %v", tt.field, tt.rule, err)
		})
	}
	_, err := crm.LoadCare(nil)
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	_, err = crm.LoadCare(strings.NewReader(strings.Repeat(" ", crm.MaxCareBytes+1)))
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("care", "max_length"))
	_, err = crm.LoadCare(iotestErrReader{})
	assert.Error(t, err)
	assert.Panics(t, func() { crm.MustLoadCare("{}") })
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// The example calendar holds the real dates of Spring Festival and Mid-Autumn for 2025 to
// 2027 (Chinese calendar: 正月初一 and 八月十五), and Christmas every year.
func TestExampleCareCalendar(t *testing.T) {
	care := exampleCare(t)
	want := map[string][]kehu.Date{
		"spring-festival": {d(2025, 1, 29), d(2026, 2, 17), d(2027, 2, 6)},
		"mid-autumn":      {d(2025, 10, 6), d(2026, 9, 25), d(2027, 9, 15)},
	}
	for _, h := range care.Spec().Holidays {
		if h.Code == "christmas" {
			assert.Equal(t, "12-25", h.Annual)
			continue
		}
		assert.Equal(t, want[h.Code], h.Dates, h.Code)
	}
	c := customerBorn(1, kehu.Date{})
	c.Addresses = []crm.Address{{City: "杭州"}}
	c.Emails = []crm.Email{{Address: "x@example.com"}}
	for _, year := range []int{2025, 2026, 2027} {
		occ, err := care.Occasions(c, d(year, 1, 1), d(year, 12, 31))
		require.NoError(t, err)
		var got []string
		for _, o := range occ {
			if o.Kind == crm.CareHoliday {
				got = append(got, o.Holiday+" "+o.Date.String())
			}
		}
		assert.Equal(t, []string{
			"spring-festival " + want["spring-festival"][year-2025].String(),
			"mid-autumn " + want["mid-autumn"][year-2025].String(),
			fmt.Sprintf("christmas %d-12-25", year),
		}, got, year)
	}
	occ, err := care.Occasions(c, d(2028, 1, 1), d(2028, 12, 31))
	require.NoError(t, err)
	assert.Equal(t, []string{"2028-07-01", "2028-12-25"}, append(datesOf(occ, crm.CareAnniversary), datesOf(occ, crm.CareHoliday)...),
		"past the calendar's years only the holidays that never move")
}

func FuzzLoadCare(f *testing.F) {
	data, err := os.ReadFile("testdata/care_calendar_example.json")
	require.NoError(f, err)
	f.Add(string(data))
	f.Add(`{"time_zone":"UTC","playbook":[{"id":"x","occasion":"holiday","action":"none"}]}`)
	f.Add(`{"time_zone":"UTC","holidays":[{"code":"x","name":"x","annual":"02-28"}],"playbook":[{"id":"x","occasion":"holiday","action":"greeting","channels":["web"],"style":{"default":"{holiday"}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		care, err := crm.LoadCare(strings.NewReader(s))
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("not a validation error: %v", err)
			}
			for _, f := range verr.Fields {
				if f.Field == "" || f.Rule == "" {
					t.Fatalf("unnamed problem: %+v", f)
				}
			}
			return
		}
		c := customerBorn(1, d(2000, 2, 29))
		c.Attributes = map[string]crm.AttrValue{"class": crm.StringAttr("A")}
		if _, err := care.Occasions(c, d(2027, 7, 1), d(2028, 6, 30)); err != nil {
			t.Fatal(err)
		}
	})
}
