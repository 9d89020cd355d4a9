package crm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// A care calendar names the host's holidays and a playbook; Upcoming lists, for a range of
// days, what to do for whom: the action, the channel the customer allows, a message in the
// customer's DISC style, and the day to prepare by.
func ExampleService_Upcoming() {
	opts, _, _ := kehu.Deterministic(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := kehu.WithActor(context.Background(), "am-07")

	care, err := crm.CompileCare(crm.CareSpec{
		TimeZone: "Asia/Shanghai",
		LeapDay:  crm.LeapDayFeb28, // a 29 February birthday is kept on the 28th in common years
		Holidays: []crm.Holiday{
			{Code: "spring-festival", Name: "Spring Festival", Dates: []kehu.Date{
				kehu.MustDate(2026, 2, 17), kehu.MustDate(2027, 2, 6)}},
			{Code: "christmas", Name: "Christmas", Annual: "12-25"},
		},
		Playbook: []crm.CareRule{
			{ID: "birthday", Occasion: crm.CareBirthday, Action: crm.CareCoupon, Detail: "BDAY50",
				Channels: []crm.Channel{crm.ChannelSMS, crm.ChannelEmail}, LeadDays: 2,
				Style: crm.CareStyle{
					Default: "Happy birthday, {name}! Coupon {detail} is yours.",
					D:       "Happy birthday, {name}. Coupon {detail}.",
					C:       "Happy birthday, {name}. Coupon {detail}: 50 CNY off, valid 30 days.",
				}},
			{ID: "holiday", Occasion: crm.CareHoliday, Action: crm.CareGreeting,
				Channels: []crm.Channel{crm.ChannelEmail, crm.ChannelSMS},
				Style:    crm.CareStyle{Default: "{holiday} greetings, {name}."}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	tiger, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "赵虎"}, DISC: crm.DISCDominance,
		Phones:       []crm.Phone{{Number: "138 0013 8000"}},
		Demographics: crm.Demographics{BirthDate: kehu.MustDate(1988, 12, 30)}}, &crm.CreateOptions{Stage: crm.StageActive})
	owl, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "李枭"}, DISC: crm.DISCConscientiousness,
		Emails:       []crm.Email{{Address: "li@example.com"}},
		Demographics: crm.Demographics{BirthDate: kehu.MustDate(1980, 2, 29)}}, &crm.CreateOptions{Stage: crm.StageActive})
	for _, id := range []crm.CustomerID{tiger.ID, owl.ID} {
		_, _ = svc.RecordConsent(ctx, id, crm.ConsentInput{Channel: crm.ConsentSMS, Purpose: crm.PurposeMarketing,
			Granted: true, Source: "web-form"}, nil)
	}

	show := func(from, to kehu.Date) {
		occ, err := svc.Upcoming(ctx, care, from, to, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, o := range occ {
			ch := string(o.Channel)
			if !o.Contactable {
				ch = "not contactable"
			}
			fmt.Printf("%s %s %s %s by %s (prepare by %s): %s\n", o.Date, o.Name, o.Kind, o.Action, ch, o.PrepareBy, o.Message)
		}
	}
	// From Christmas into the new year, then around the end of February.
	show(kehu.MustDate(2026, 12, 20), kehu.MustDate(2027, 1, 10))
	show(kehu.MustDate(2027, 2, 1), kehu.MustDate(2027, 3, 1))
	// Output:
	// 2026-12-25 赵虎 holiday greeting by sms (prepare by 2026-12-25): Christmas greetings, 赵虎.
	// 2026-12-25 李枭 holiday greeting by email (prepare by 2026-12-25): Christmas greetings, 李枭.
	// 2026-12-30 赵虎 birthday coupon by sms (prepare by 2026-12-28): Happy birthday, 赵虎. Coupon BDAY50.
	// 2027-02-06 赵虎 holiday greeting by sms (prepare by 2027-02-06): Spring Festival greetings, 赵虎.
	// 2027-02-06 李枭 holiday greeting by email (prepare by 2027-02-06): Spring Festival greetings, 李枭.
	// 2027-02-28 李枭 birthday coupon by not contactable (prepare by 2027-02-26): Happy birthday, 李枭. Coupon BDAY50: 50 CNY off, valid 30 days.
}

// A care calendar in JSON is read strictly: an unknown or mistyped field stops the read,
// and a calendar that reads is checked as a whole; every bad value is named by its path
// and rule.
func ExampleLoadCare() {
	for _, doc := range []string{
		`{"time_zone": "Asia/Shanghai",
		  "playbook": [{"id": "birthday", "occasion": "birthday", "action": "coupon", "chanels": ["sms"]}]}`,
		`{"time_zone": "Asia/Shanghai",
		  "leap_day": "mar1",
		  "holidays": [{"code": "mid-autumn", "name": "中秋节", "dates": ["2026-09-25", "2027-09-15"]}],
		  "playbook": [
		    {"id": "moon", "occasion": "holiday", "holidays": ["mid-autumn", "moon"], "action": "gift",
		     "channels": ["visit"], "lead_days": 7, "style": {"default": "Mooncakes for {nmae}"}},
		    {"id": "birthday", "occasion": "birthday", "action": "coupon", "purpose": "service"}
		  ]}`,
	} {
		_, err := crm.LoadCare(strings.NewReader(doc))
		var verr *kehu.ValidationError
		if errors.As(err, &verr) {
			for _, f := range verr.Fields {
				fmt.Println(f.Field, f.Rule)
			}
		}
	}
	// Output:
	// playbook[0].chanels unknown_field
	// playbook[0].holidays[1] unknown
	// playbook[0].style.default placeholder
	// playbook[1].purpose purpose
	// playbook[1].channels required
}
