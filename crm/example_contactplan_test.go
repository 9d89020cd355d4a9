package crm_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// An account manager's A customers are visited monthly and B customers quarterly. On
// April 2 the A customer last seen on February 29 is overdue, the B customer called in
// January falls due on April 15, and a delivery of March 28 is due for its follow-up call.
func ExampleService_DueContacts() {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	opts, clock, _ := kehu.Deterministic(time.Date(2024, 1, 2, 9, 0, 0, 0, sh))
	svc := crm.NewService(nil, opts)
	ctx := context.Background()
	plan, err := crm.LoadContactPlan(strings.NewReader(`{"id": "am-07", "time_zone": "Asia/Shanghai", "class_attribute": "class",
	  "cadences": [{"name": "A monthly", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"]},
	               {"name": "B quarterly", "classes": ["B"], "every_months": 3, "channels": ["phone"]}],
	  "follow_ups": [{"name": "after delivery", "after": "order", "days": 3, "channels": ["phone"]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	add := func(name, class string) crm.CustomerID {
		c, err := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: name}, Owner: "am-07",
			Attributes: map[string]crm.AttrValue{"class": crm.StringAttr(class)}}, &crm.CreateOptions{Stage: crm.StageActive})
		if err != nil {
			panic(err)
		}
		return c.ID
	}
	wang, li := add("王总", "A"), add("李经理", "B")
	visit := func(id crm.CustomerID, at time.Time) {
		clock.Set(at) // a visit is recorded once it took place
		if _, err := svc.RecordInteraction(ctx, crm.InteractionInput{CustomerID: id, Channel: crm.ChannelVisit,
			Direction: crm.Outbound, Subject: "visit", At: at}); err != nil {
			panic(err)
		}
	}
	visit(wang, time.Date(2024, 2, 29, 15, 0, 0, 0, sh))
	visit(li, time.Date(2024, 1, 15, 10, 0, 0, 0, sh))

	clock.Set(time.Date(2024, 4, 2, 9, 30, 0, 0, sh))
	orders := []crm.FollowUpEvent{{Customer: li, Kind: "order", Ref: "SO-88", At: time.Date(2024, 3, 28, 16, 0, 0, 0, sh)}}
	due, err := svc.DueContacts(ctx, plan, clock.Now(), &crm.DueOptions{Events: func(yield func(crm.FollowUpEvent) bool) {
		for _, o := range orders {
			if !yield(o) {
				return
			}
		}
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range due.Contacts {
		what := d.Rule
		if d.Ref != "" {
			what += " of " + d.Ref
		}
		fmt.Printf("%s: %s by %s, due %s (%d days overdue)\n", d.Name, what, d.Channel, d.DueOn, d.DaysOverdue)
	}
	// Output:
	// 王总: A monthly by visit, due 2024-03-29 (4 days overdue)
	// 李经理: after delivery of SO-88 by phone, due 2024-03-31 (2 days overdue)
}
