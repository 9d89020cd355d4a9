package complaint_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// loyaltyDesk stands for the host's loyalty programme: it credits each grant once, by the
// grant's key.
type loyaltyDesk struct{ paid map[string]string }

func (d *loyaltyDesk) Compensate(_ context.Context, g complaint.Grant) (string, error) {
	if ref, ok := d.paid[g.Key]; ok {
		return ref, nil // already paid: the same answer, no second payment
	}
	ref := fmt.Sprintf("LOY-%d", len(d.paid)+1)
	d.paid[g.Key] = ref
	if g.Type == complaint.CompensationPoints {
		fmt.Printf("loyalty: %d points to the guest\n", g.Points)
	} else {
		fmt.Printf("payments: %s %s to the guest\n", g.Type, g.Money)
	}
	return ref, nil
}

// A guest cancels her room-service order; the employee on duty senses something is wrong,
// visits her and learns that her mother is dying and the last flight is gone. She acts on
// her own authority, within her ceiling: she apologises, has the flight held and a taxi
// called, and gives points. A refund of the night above her ceiling waits for the manager.
// Two days later she calls back and records how the guest judged the recovery.
func Example_serviceRecovery() {
	opts, clock, _ := kehu.Deterministic(time.Date(1989, 11, 14, 20, 30, 0, 0, time.UTC))
	policy, err := complaint.LoadEmpowerment(strings.NewReader(`{"roles": [
	  {"role": "frontline", "ceilings": [{"value": "valued", "money": [{"amount": "100", "currency": "USD"}], "points": 5000}]},
	  {"role": "manager",   "ceilings": [{"value": "valued", "money": [{"amount": "1000", "currency": "USD"}], "points": 50000}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	svc := complaint.NewService(nil, opts).WithCompensation(policy, &loyaltyDesk{paid: map[string]string{}})

	// The host sets the actor and the role from its own sign-in, never from the client.
	elizabeth := kehu.WithActor(context.Background(), "room-service:elizabeth")
	manager := kehu.WithActor(context.Background(), "manager:night")
	c, err := svc.Open(elizabeth, complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{7}), Channel: complaint.Phone,
		Words: "Please cancel my dinner order.", Category: complaint.CategoryServiceHandling,
		Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.Immediate, Value: complaint.Valued}, Key: "call-2031"})
	if err != nil {
		fmt.Println(err)
		return
	}
	steps := []func() (*complaint.Case, error){
		func() (*complaint.Case, error) {
			return svc.Apologise(elizabeth, c.ID, complaint.Apologise{Channel: complaint.Visit, Key: "visit"})
		},
		func() (*complaint.Case, error) {
			return svc.RecordFix(elizabeth, c.ID, complaint.RecordFix{What: "flight held at the hotel's cost; bags packed; taxi called", Key: "fix"})
		},
		func() (*complaint.Case, error) {
			return svc.RequestCompensation(elizabeth, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints, Points: 5000,
				Role: "frontline", Key: "points"})
		},
		func() (*complaint.Case, error) {
			return svc.RequestCompensation(elizabeth, c.ID, complaint.RequestCompensation{Type: complaint.CompensationRefund,
				Money: kehu.MustMoney("180", "USD"), Role: "frontline", Note: "the night's room", Key: "refund"})
		},
	}
	for _, step := range steps {
		if c, err = step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	refund := c.Recovery.Grants[1]
	fmt.Println("refund of", refund.Money, "is", refund.Status)
	if c, err = svc.DecideCompensation(manager, c.ID, complaint.DecideCompensation{Grant: refund.ID, Approve: true, Role: "manager", Key: "ok"}); err != nil {
		fmt.Println(err)
		return
	}

	clock.Advance(48 * time.Hour)
	if _, err = svc.RecordFollowUp(elizabeth, c.ID, complaint.RecordFollowUp{Channel: complaint.Phone, Result: complaint.FollowUpRestored, Key: "call-back"}); err != nil {
		fmt.Println(err)
		return
	}
	before := 1
	if c, err = svc.RecordSatisfaction(elizabeth, c.ID, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5},
		Outcome: 5, Speed: 5, Courtesy: 5, Before: &before, Key: "csat"}); err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range c.Steps[1:] {
		fmt.Printf("%-22s by %s\n", st.Action, st.Actor)
	}
	fmt.Printf("satisfaction %d → %.1f of 5\n", *c.Recovery.Satisfaction.Before, c.Recovery.Satisfaction.After())
	// Output:
	// loyalty: 5000 points to the guest
	// refund of 180.00 USD is requested
	// payments: refund 180.00 USD to the guest
	// apologised             by room-service:elizabeth
	// fixed                  by room-service:elizabeth
	// compensation_requested by room-service:elizabeth
	// compensation_granted   by room-service:elizabeth
	// compensation_requested by room-service:elizabeth
	// compensation_approved  by manager:night
	// compensation_granted   by manager:night
	// followed_up            by room-service:elizabeth
	// satisfaction_recorded  by room-service:elizabeth
	// satisfaction 1 → 5.0 of 5
}
