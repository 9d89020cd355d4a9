package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func ExampleRecorder() {
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	events := &kehu.Recorder{}
	opts.Events = events
	svc := crm.NewService(nil, opts)
	ctx := context.Background()

	c, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Ana Souza"}}, nil)
	clock.Advance(24 * time.Hour)
	_, _ = svc.ChangeStage(ctx, c.ID, crm.StagePotential, nil)
	for _, e := range events.Events() {
		fmt.Println(e.EventName(), e.OccurredAt().Format("2006-01-02"))
	}
	// Output:
	// crm.customer_created 2026-05-01
	// crm.stage_changed 2026-05-02
}

func ExampleService_RecordConsent() {
	svc, _, ctx := newExampleService()
	c, _ := svc.CreateCustomer(ctx, crm.Profile{Name: crm.Name{Display: "Jane Smith"}}, nil)
	c, _ = svc.RecordConsent(ctx, c.ID, crm.ConsentInput{
		Channel: crm.ConsentEmail, Purpose: crm.PurposeMarketing, Granted: true, Source: "web-form",
	}, nil)
	fmt.Println(c.MayContact(crm.ChannelEmail, crm.PurposeMarketing), c.MayContact(crm.ChannelSMS, crm.PurposeMarketing))
	// Output: true false
}

func ExampleParseCustomerID() {
	id, err := crm.ParseCustomerID("01890a5d-ac96-774b-bcce-b302099a8057")
	fmt.Println(id, err)
	_, err = crm.ParseCustomerID("42")
	fmt.Println(errors.Is(err, kehu.ErrInvalid), err)
	// Output:
	// 01890a5d-ac96-774b-bcce-b302099a8057 <nil>
	// true invalid input: customer_id: "42" is not a UUID (format)
}

func ExampleAttrValue() {
	attrs := map[string]crm.AttrValue{
		"credit_limit": crm.MoneyAttr(kehu.MustMoney("5000", "CNY")),
		"member_since": crm.DateAttr(kehu.MustDate(2015, time.June, 1)),
	}
	raw, _ := json.Marshal(attrs)
	fmt.Println(string(raw))
	// Output: {"credit_limit":{"type":"money","value":{"amount":"5000.00","currency":"CNY"}},"member_since":{"type":"date","value":"2015-06-01"}}
}

func ExampleParseKeyword() {
	terms, _ := crm.ParseKeyword("Smith +1 (415) 555-2671")
	fmt.Println(terms)
	terms, _ = crm.ParseKeyword("+1 (415) 555-2671")
	fmt.Println(terms)
	// Output:
	// [14155552671 smith]
	// [14155552671]
}
