package kehu_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Example shows the shape every kehu package shares: a Service over the in-memory store,
// injected clock and IDs, validation errors that name the field, and an audit history.
func Example() {
	opts, _, _ := kehu.Deterministic(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	svc := crm.NewService(nil, opts)
	ctx := kehu.WithActor(context.Background(), "am-07")

	c, err := svc.CreateCustomer(ctx, crm.Profile{
		Name:   crm.Name{Display: "王小明"},
		Phones: []crm.Phone{{Number: "138 0013 8000"}},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name.Display, c.PrimaryPhone(), c.Stage)

	_, err = svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error {
		p.Emails = append(p.Emails, crm.Email{Address: "not an email"})
		return nil
	}, nil)
	fmt.Println(err)

	h, _ := svc.History(ctx, c.ID, kehu.PageRequest{})
	fmt.Println(len(h.Items), h.Items[0].Action, h.Items[0].Actor)
	// Output:
	// 王小明 +8613800138000 intent
	// invalid input: emails[0].email: "not an email" is not a bare email address (format)
	// 1 create am-07
}
