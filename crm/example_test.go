package crm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// newExampleService returns a service on the in-memory store with a fixed clock and
// sequential IDs, so that examples print the same thing every time.
func newExampleService() (*crm.Service, *kehu.Clock, context.Context) {
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return crm.NewService(nil, opts), clock, kehu.WithActor(context.Background(), "am-07")
}

func ExampleService_CreateCustomer() {
	svc, _, ctx := newExampleService()
	c, err := svc.CreateCustomer(ctx, crm.Profile{
		Name:   crm.Name{Family: "王", Given: "小明", FamilyFirst: true},
		Emails: []crm.Email{{Address: " XiaoMing.Wang@Example.COM "}},
		Phones: []crm.Phone{{Number: "138 0013 8000"}},
		Tags:   []string{"VIP", "vip", " newsletter "},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name.Display, c.PrimaryEmail(), c.PrimaryPhone(), c.Tags, c.Stage)

	_, err = svc.CreateCustomer(ctx, crm.Profile{Emails: []crm.Email{{Address: "nobody"}}}, nil)
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Println(f.Field, f.Rule)
		}
	}
	// Output:
	// 王小明 xiaoming.wang@example.com +8613800138000 [newsletter vip] intent
	// name.display required
	// emails[0].email format
}

func ExampleService_UpdateCustomer() {
	svc, clock, ctx := newExampleService()
	c, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Jane Smith"}}, nil)

	clock.Advance(time.Hour)
	_, err := svc.UpdateCustomer(kehu.WithActor(ctx, "am-12"), c.ID, func(p *crm.Profile) error {
		p.Company = "Northwind Traders"
		p.Phones = append(p.Phones, crm.Phone{Number: "+1 (415) 555-2671"})
		return nil
	}, &crm.UpdateOptions{Reason: "business card"})
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := svc.History(ctx, c.ID, kehu.PageRequest{})
	last := h.Items[len(h.Items)-1]
	fmt.Println(last.Action, last.Actor, last.At.Format(time.RFC3339), last.Reason)
	for _, f := range last.Fields {
		fmt.Printf("%s: %q -> %q\n", f.Field, f.Old, f.New)
	}
	// Output:
	// update am-12 2026-03-02T10:00:00Z business card
	// company: "" -> "Northwind Traders"
	// phones: "" -> "+14155552671"
}

func ExampleService_ChangeStage() {
	svc, _, ctx := newExampleService()
	c, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "李华"}}, nil)
	c, _ = svc.ChangeStage(ctx, c.ID, crm.StageActive, &crm.UpdateOptions{Reason: "first order"})
	fmt.Println(c.Stage)
	_, err := svc.ChangeStage(ctx, c.ID, crm.StageIntent, nil)
	fmt.Println(err)
	// Output:
	// active
	// invalid input: stage: cannot move from active to intent (allowed: [key dormant terminated]) (transition)
}

func ExampleService_Search() {
	svc, _, ctx := newExampleService()
	for _, p := range []crm.Profile{
		{Name: crm.Name{Display: "王小明", Phonetic: "Wang Xiaoming"}, Phones: []crm.Phone{{Number: "13800138000"}}},
		{Name: crm.Name{Display: "Jane Smith"}, Company: "Northwind", Tags: []string{"vip"}},
		{Name: crm.Name{Display: "王芳"}, Tags: []string{"vip"}},
	} {
		if _, err := svc.CreateCustomer(ctx, p, nil); err != nil {
			fmt.Println(err)
		}
	}
	for _, q := range []crm.Query{
		{Keyword: "+86 138-0013-8000"},
		{Keyword: "王"},
		{Keyword: "xiaoming"},
		{Tags: []string{"VIP"}, PageRequest: kehu.PageRequest{Limit: 1}},
	} {
		page, _ := svc.Search(ctx, q)
		for _, c := range page.Items {
			fmt.Print(c.Name.Display, " ")
		}
		fmt.Println("| more:", page.Next != "")
	}
	// Output:
	// 王小明 | more: false
	// 王小明 王芳 | more: false
	// 王小明 | more: false
	// Jane Smith | more: true
}

func ExampleService_RecordInteraction() {
	svc, clock, ctx := newExampleService()
	c, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "王小明"}}, nil)
	_, _ = svc.RecordInteraction(ctx, crm.InteractionInput{
		CustomerID: c.ID, Channel: crm.ChannelPhone, Direction: crm.Inbound,
		Contact: "138 0013 8000", AskedFor: "after-sales", Subject: "Broken kettle",
		Urgency: crm.UrgencyUrgent, ReplyBy: clock.Now().Add(4 * time.Hour),
	})
	clock.Advance(5 * time.Hour)
	over, _ := svc.OverdueReplies(ctx, kehu.PageRequest{})
	for _, in := range over.Items {
		fmt.Println(in.Subject, in.Urgency, in.Contact, "due", in.ReplyBy.Format("15:04"))
	}

	// Marketing contact needs consent for the channel.
	_, err := svc.RecordInteraction(ctx, crm.InteractionInput{
		CustomerID: c.ID, Channel: crm.ChannelSMS, Direction: crm.Outbound,
		Purpose: crm.PurposeMarketing, Subject: "Double points week",
	})
	fmt.Println(errors.Is(err, crm.ErrNoConsent))
	// Output:
	// Broken kettle urgent +8613800138000 due 13:00
	// true
}

func ExampleService_Merge() {
	svc, _, ctx := newExampleService()
	a, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "王小明", Phonetic: "Wang Xiaoming"},
		Phones: []crm.Phone{{Number: "13800138000"}}}, nil)
	b, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Xiaoming Wang"},
		Emails: []crm.Email{{Address: "xm@example.com"}}, Phones: []crm.Phone{{Number: "+8613800138000"}}}, nil)

	dups, _ := svc.FindDuplicates(ctx, a.ID)
	for _, d := range dups {
		fmt.Printf("%s %v %.2f\n", d.Customer.Name.Display, d.Reasons, d.Score)
	}
	merged, _ := svc.Merge(ctx, a.ID, b.ID, nil)
	tomb, _ := svc.GetCustomer(ctx, b.ID)
	fmt.Println(merged.PrimaryEmail(), tomb.MergedInto == a.ID)
	// Output:
	// Xiaoming Wang [same_phone same_name] 0.90
	// xm@example.com true
}

func ExampleService_Erase() {
	svc, _, ctx := newExampleService()
	c, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Jane Smith"},
		Emails: []crm.Email{{Address: "jane@example.com"}}, Tags: []string{"vip"}}, nil)
	if err := svc.Erase(ctx, c.ID, "customer request"); err != nil {
		fmt.Println(err)
		return
	}
	c, _ = svc.GetCustomer(ctx, c.ID)
	fmt.Println(c.Name.Display, c.Emails, c.Tags)
	h, _ := svc.History(ctx, c.ID, kehu.PageRequest{})
	for _, ch := range h.Items {
		f, _ := ch.Field("emails")
		fmt.Println(ch.Action, f.Old, f.New)
	}
	// Output:
	// erased customer [] [vip]
	// create [erased] [erased]
	// erase [erased] [erased]
}

func ExampleNormalizePhone() {
	for _, raw := range []string{"138 0013 8000", "+1 (415) 555-2671", "0044 20 7946 0958"} {
		e164, err := crm.NormalizePhone(raw, "CN")
		fmt.Println(e164, err)
	}
	// Output:
	// +8613800138000 <nil>
	// +14155552671 <nil>
	// +442079460958 <nil>
}

func ExampleDISC_Hint() {
	fmt.Println(crm.DISCDominance.Hint())
	// Output: tiger: be brief and direct, lead with results and options
}
