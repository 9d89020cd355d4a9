package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
)

// BirthdayRewards tells what a loyalty programme gives a customer on a birthday, so that a
// care occasion can name it ("double points today", "a 50 CNY voucher"). The host wires it
// to its loyalty service and the programme's birthday rules; crm only asks. A reward of ""
// means none; an error matching kehu.ErrNotFound (the customer is not a member) means
// none too; any other error stops Upcoming.
type BirthdayRewards interface {
	BirthdayReward(ctx context.Context, customer CustomerID, on kehu.Date) (string, error)
}

// UpcomingOptions narrow and enrich Upcoming. The zero value lists every customer's
// occasions without loyalty rewards.
type UpcomingOptions struct {
	// Owner keeps the customers of this account manager.
	Owner string
	// Rewards, when set, is asked for the reward of each birthday whose rule has Reward.
	Rewards BirthdayRewards
}

// Upcoming lists the care occasions (客户关怀) of every customer from from to to, both
// included — civil dates, so a range across a year end is one call — with what the
// care calendar's playbook suggests for each: the action, the channel, the message in the
// customer's DISC style, and the day to prepare by. They come in order of date, then
// customer ID, then kind (birthday, anniversary, holiday), then holiday code.
//
// Merged-away customers (tombstones), erased customers and customers in the terminated
// stage are skipped. Consent is honoured: a gift, a coupon or a reward goes only out on a
// channel the customer agreed to for marketing (Customer.MayContact), and a greeting on
// one the customer has not refused for service; when none of the rule's channels may be
// used, the occasion is listed with Contactable false and no channel.
//
// It fails with a *kehu.ValidationError when care is nil ("care", rule "required"), from
// or to is not a valid date, to is before from, or the range is longer than
// MaxCareSpanDays days ("to", rule "range").
func (s *Service) Upcoming(ctx context.Context, care *Care, from, to kehu.Date, opt *UpcomingOptions) ([]CareOccasion, error) {
	var o UpcomingOptions
	if opt != nil {
		o = *opt
	}
	var p kehu.Problems
	if care == nil {
		p.Add("care", "required", "no care calendar given")
	}
	p.Merge("", checkCareRange(from, to))
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out []CareOccasion
	q := SearchQuery{Owner: strings.TrimSpace(o.Owner), PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		page, err := s.store.SearchCustomers(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("crm: listing customers for care occasions: %w", err)
		}
		for _, c := range page.Items {
			for _, it := range care.occasions(c, from, to) {
				if err := s.reward(ctx, &it, o.Rewards); err != nil {
					return nil, err
				}
				out = append(out, it.finish(c, care.spec.PrepareOnWorkdays))
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	slices.SortFunc(out, compareOccasions)
	return out, nil
}

// reward asks the host's loyalty programme for the birthday reward the occasion's rule
// wants.
func (s *Service) reward(ctx context.Context, o *careItem, rewards BirthdayRewards) error {
	if rewards == nil || !o.rule.Reward || o.Kind != CareBirthday {
		return nil
	}
	r, err := rewards.BirthdayReward(ctx, o.CustomerID, o.Date)
	switch {
	case errors.Is(err, kehu.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("crm: birthday reward of customer %s on %s: %w", o.CustomerID, o.Date, err)
	}
	o.Reward = clip.String(cleanText(r), maxShortText)
	return nil
}
