package complaint_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// A desk open Mon–Fri 08:00–18:00 in Shanghai answers a P2 complaint within 2 business
// hours and resolves it within 1 business day. A complaint received on Friday at 17:30 is
// due for a first response on Monday at 09:30, and the clock pauses while the desk waits
// for the customer.
func ExamplePolicies_Status() {
	cal := complaint.MustLoadCalendar(`{"time_zone": "Asia/Shanghai", "week": {
		"monday": [{"from": "08:00", "to": "18:00"}], "tuesday": [{"from": "08:00", "to": "18:00"}],
		"wednesday": [{"from": "08:00", "to": "18:00"}], "thursday": [{"from": "08:00", "to": "18:00"}],
		"friday": [{"from": "08:00", "to": "18:00"}]}}`)
	policy, err := complaint.LoadPolicy(strings.NewReader(`{"id": "standard", "levels": [
		{"priority": "P2", "first_response": {"hours": 2}, "resolution": {"business_days": 1, "warn_before_minutes": 60}}]}`), cal)
	if err != nil {
		panic(err)
	}
	policies, _ := complaint.NewPolicies(policy)

	shanghai := cal.Location()
	clock := kehu.NewClock(time.Date(2024, 6, 7, 17, 30, 0, 0, shanghai)) // Friday 17:30
	svc := complaint.NewService(nil, &kehu.Options{Now: clock.Now, NewID: kehu.NewSeqIDs().NewID}).WithPolicies(policies)
	ctx := context.Background()
	c, err := svc.Open(ctx, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{7}), Channel: complaint.Phone,
		Words: "送来的冰箱有凹痕", Category: complaint.CategoryDefectiveProduct, Key: "call-1",
		Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Valued}})
	if err != nil {
		panic(err)
	}

	show := func(when time.Time) {
		s, err := svc.SLA(ctx, c.ID, when)
		if err != nil {
			panic(err)
		}
		for _, k := range s.Clocks {
			due := ""
			if !k.Due.IsZero() {
				due = " due " + k.Due.In(shanghai).Format("Mon 15:04")
			}
			fmt.Printf("%s %s: %s, %s counted%s\n", when.In(shanghai).Format("Mon 15:04"), k.Kind, k.State, k.Elapsed, due)
		}
	}
	show(clock.Now())

	clock.Set(time.Date(2024, 6, 10, 9, 0, 0, 0, shanghai)) // Monday 09:00
	for _, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Investigating} {
		_, _ = svc.Move(ctx, c.ID, complaint.Move{To: to, Key: "to-" + string(to)})
	}
	_, _ = svc.Reply(ctx, c.ID, complaint.Reply{Kind: complaint.Public, Channel: complaint.Phone,
		Text: "请发来凹痕的照片", Then: complaint.WaitingOnCustomer, Key: "ask-photo"})
	clock.Set(time.Date(2024, 6, 10, 14, 0, 0, 0, shanghai))
	_, _ = svc.Message(ctx, c.ID, complaint.Message{Channel: complaint.Email, Text: "照片见附件", Key: "photo"})
	show(clock.Now())
	// Output:
	// Fri 17:30 first_response: running, 0s counted due Mon 09:30
	// Fri 17:30 resolution: running, 0s counted due Mon 17:30
	// Mon 14:00 first_response: stopped, 1h30m0s counted
	// Mon 14:00 resolution: running, 1h30m0s counted due Tue 12:30
}

// When a case was received, due and resolved, the instants a report or crm's scorecard
// counts complaints by. A case resolved in time has no running clock left: it was due at
// its resolution plus what was left of the target, in business time.
func ExamplePolicies_Handling() {
	cal := complaint.MustLoadCalendar(`{"time_zone": "Asia/Shanghai", "week": {
		"monday": [{"from": "09:00", "to": "18:00"}], "tuesday": [{"from": "09:00", "to": "18:00"}],
		"wednesday": [{"from": "09:00", "to": "18:00"}], "thursday": [{"from": "09:00", "to": "18:00"}],
		"friday": [{"from": "09:00", "to": "18:00"}]}}`)
	policy, err := complaint.LoadPolicy(strings.NewReader(`{"id": "standard", "levels": [
		{"priority": "P2", "first_response": {"hours": 2}, "resolution": {"business_days": 1}}]}`), cal)
	if err != nil {
		panic(err)
	}
	policies, _ := complaint.NewPolicies(policy)
	shanghai := cal.Location()
	clock := kehu.NewClock(time.Date(2024, 6, 7, 16, 30, 0, 0, shanghai)) // Friday 16:30
	svc := complaint.NewService(nil, &kehu.Options{Now: clock.Now, NewID: kehu.NewSeqIDs().NewID}).WithPolicies(policies)
	ctx := context.Background()
	c, err := svc.Open(ctx, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{7}), Channel: complaint.Phone,
		Words: "茶壶到货时碎了", Category: complaint.CategoryDefectiveProduct, Key: "call-1",
		Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Valued}}) // P2
	if err != nil {
		panic(err)
	}
	show := func() {
		sla, err := svc.SLA(ctx, c.ID, clock.Now())
		if err != nil {
			panic(err)
		}
		h, err := policies.Handling(c, sla)
		if err != nil {
			panic(err)
		}
		day := func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.In(shanghai).Format("Mon 15:04")
		}
		fmt.Printf("%s %s: received %s, due %s, resolved %s\n", day(clock.Now()), c.Status, day(h.ReceivedAt), day(h.DueAt), day(h.ResolvedAt))
	}
	show()
	clock.Set(time.Date(2024, 6, 10, 11, 0, 0, 0, shanghai)) // Monday 11:00
	for _, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Resolved} {
		if c, err = svc.Move(ctx, c.ID, complaint.Move{To: to, Key: "to-" + string(to)}); err != nil {
			panic(err)
		}
	}
	show()
	// Output:
	// Fri 16:30 received: received Fri 16:30, due Mon 16:30, resolved -
	// Mon 11:00 resolved: received Fri 16:30, due Mon 16:30, resolved Mon 11:00
}
