// Command quickstart shows kehu's crm package on the in-memory default: it creates
// customers, records interactions, edits a profile, and prints the audit history and the
// result of a keyword search.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	// A fixed clock and sequential IDs make the output the same on every run; a real host
	// passes nil options (time.Now and UUIDv7).
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts) // nil store: the in-memory default
	ctx := kehu.WithActor(context.Background(), "am-07")

	wang, err := svc.CreateCustomer(ctx, crm.Profile{
		Name:   crm.Name{Family: "王", Given: "小明", FamilyFirst: true, Phonetic: "Wang Xiaoming"},
		Emails: []crm.Email{{Address: " XiaoMing.Wang@Example.COM ", Primary: true}},
		Phones: []crm.Phone{{Number: "138 0013 8000", Label: "mobile"}},
		Addresses: []crm.Address{{Country: "cn", Region: "上海市", City: "上海市",
			District: "浦东新区", Street: "世纪大道100号", PostalCode: "200120"}},
		Demographics: crm.Demographics{BirthDate: kehu.MustDate(1988, time.February, 29),
			Occupation: "engineer", Education: crm.EducationMaster},
		DISC: crm.DISCConscientiousness,
		Tags: []string{"VIP", "newsletter"},
	}, &crm.CreateOptions{Stage: crm.StagePotential})
	if err != nil {
		return err
	}
	smith, err := svc.CreateCustomer(ctx, crm.Profile{
		Name:    crm.Name{Given: "Jane", Family: "Smith"},
		Company: "Northwind Traders",
		Emails:  []crm.Email{{Address: "jane@northwind.example"}},
		Phones:  []crm.Phone{{Number: "+1 (415) 555-2671"}},
	}, nil)
	if err != nil {
		return err
	}
	fmt.Println("created:", wang.Name.Display, wang.PrimaryPhone(), "|", smith.Name.Display, smith.PrimaryPhone())

	// A phone call that needs a reply by the end of the next day (a phone-service record).
	clock.Advance(2 * time.Hour)
	call, err := svc.RecordInteraction(ctx, crm.InteractionInput{
		CustomerID: wang.ID, Channel: crm.ChannelPhone, Direction: crm.Inbound,
		Contact: "13800138000", AskedFor: "after-sales", Subject: "Invoice copy",
		Content: "Asks for a copy of the March invoice.", Urgency: crm.UrgencyHigh,
		ReplyBy: clock.Now().Add(30 * time.Hour),
	})
	if err != nil {
		return err
	}
	// Marketing email without consent is refused.
	_, err = svc.RecordInteraction(ctx, crm.InteractionInput{
		CustomerID: smith.ID, Channel: crm.ChannelEmail, Direction: crm.Outbound,
		Purpose: crm.PurposeMarketing, Subject: "Spring sale",
	})
	fmt.Println("marketing without consent:", err)

	// Edit the profile: every change lands in the audit history.
	clock.Advance(24 * time.Hour)
	ctx2 := kehu.WithActor(ctx, "am-12")
	if _, err := svc.UpdateCustomer(ctx2, wang.ID, func(p *crm.Profile) error {
		p.Phones = append(p.Phones, crm.Phone{Number: "021 6888 8888", Label: "office"})
		p.Tags = append(p.Tags, "key-account")
		p.Owner = "am-12"
		return nil
	}, &crm.UpdateOptions{Reason: "met at the spring fair"}); err != nil {
		return err
	}
	if _, err := svc.ChangeStage(ctx2, wang.ID, crm.StageActive, &crm.UpdateOptions{Reason: "first order"}); err != nil {
		return err
	}

	hist, err := svc.History(ctx, wang.ID, kehu.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Println("\naudit history of", wang.Name.Display)
	for _, ch := range hist.Items {
		fmt.Printf("v%d %s %s by %s %s\n", ch.Version, ch.At.Format("2006-01-02 15:04"), ch.Action, ch.Actor, ch.Reason)
		for _, f := range ch.Fields {
			fmt.Printf("    %-24s %q -> %q\n", f.Field, f.Old, f.New)
		}
	}

	clock.Advance(12 * time.Hour)
	overdue, err := svc.OverdueReplies(ctx, kehu.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Println("\noverdue replies:", len(overdue.Items), "first:", overdue.Items[0].Subject, overdue.Items[0].ID == call.ID)

	for _, kw := range []string{"wang", "小明", "+86 138-0013-8000", "northwind", "vip"} {
		page, err := svc.Search(ctx, crm.Query{Keyword: kw})
		if err != nil {
			return err
		}
		names := []string{}
		for _, c := range page.Items {
			names = append(names, c.Name.Display)
		}
		fmt.Printf("search %-20q -> %v\n", kw, names)
	}
	return nil
}
