package loyalty_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
)

// retailTiersWithoutGiftCards is retailTiers with gift cards excluded from the qualifying
// figures.
var retailTiersWithoutGiftCards = strings.Replace(retailTiers, `"review": "anniversary"`,
	`"review": "anniversary", "exclude_categories": ["gift_card"]`, 1)

func giftCardOrder(id string, at time.Time, amounts ...string) kehu.Order {
	o := order(id, at, amounts...)
	for i := range o.Lines {
		o.Lines[i].Category = "gift_card"
	}
	return o
}

// TestGiftCardsDoNotQualifyTwice plays a member who buys 2,500 CNY of gift cards to reach
// silver (2,000) and then pays for 2,500 of goods with them: counted as spend, the same
// money would count twice. With gift cards excluded, neither the gift-card order's spend
// nor its purchase counts; a mixed order counts its other lines; a refund of the mixed
// order takes back only what counted; Replay counts as the Service does.
func TestGiftCardsDoNotQualifyTwice(t *testing.T) {
	ctx := context.Background()
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiersWithoutGiftCards))
	require.NoError(t, err)
	open, err := loyalty.LoadProgram(strings.NewReader(retailTiers))
	require.NoError(t, err)
	assert.Equal(t, []string{"gift_card"}, p.Spec().Tiers.ExcludeCategories)

	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	svc := loyalty.NewService(nil, opts)
	m := loyalty.Member{CustomerID: crm.CustomerIDFrom([16]byte{7})}

	cards := giftCardOrder("GC-1", clock.Now(), "2500.00")
	res := earn(t, svc, p, cards, m)
	assert.Nil(t, res.Upgrade, "gift cards bought are no qualifying spend")
	assert.Equal(t, "member", res.Tier.State.Tier)
	assert.Equal(t, loyalty.Figures{}, res.Tier.Figures, "nor a purchase")
	assert.Equal(t, int64(2500), res.Entries[0].Points, "they still earn what the earning rules give")

	clock.Advance(time.Hour)
	mixed := order("SO-1", clock.Now(), "1500.00", "600.00")
	mixed.Lines[1].Category = "gift_card"
	res = earn(t, svc, p, mixed, m)
	assert.Equal(t, "member", res.Tier.State.Tier, "1,500 of goods, not 2,100")
	assert.Equal(t, loyalty.Figures{Spend: 150_000, Purchases: 1}, res.Tier.Figures)

	clock.Advance(time.Hour)
	res = earn(t, svc, p, order("SO-2", clock.Now(), "600.00"), m)
	require.NotNil(t, res.Upgrade, "2,100 of goods reach silver")
	assert.Equal(t, "silver", res.Upgrade.To)

	// Returning the gift card of the mixed order takes back its points and no figure.
	clock.Advance(time.Hour)
	_, err = svc.Refund(ctx, p, loyalty.Refund{Customer: m.CustomerID, Order: "SO-1", Key: "R-1",
		Lines: []loyalty.RefundLine{{Line: "2", Quantity: 1}}})
	require.NoError(t, err)
	st, err := svc.EvaluateTier(ctx, p, m.CustomerID)
	require.NoError(t, err)
	assert.Equal(t, loyalty.Figures{Spend: 210_000, Purchases: 2}, st.Figures)

	// Replay agrees: under the programme that counts gift cards the member reached silver
	// on the gift cards alone, and both end silver; the points are the same.
	activity := func(yield func(loyalty.Activity) bool) {
		for _, o := range []kehu.Order{cards, mixed} {
			if !yield(loyalty.Activity{Order: &o, Member: m}) {
				return
			}
		}
	}
	diffs, err := loyalty.Replay(open, p, activity)
	require.NoError(t, err)
	require.Len(t, diffs, 1)
	assert.Equal(t, "silver", diffs[0].CurrentTier, "2,500 of gift cards qualify when counted")
	assert.Equal(t, "member", diffs[0].CandidateTier, "and 1,500 of goods do not")
	assert.Empty(t, diffs[0].Delta)
}

func TestTierExcludeCategoriesValidation(t *testing.T) {
	for _, tc := range []struct {
		list  string
		field string
		rule  string
	}{
		{`[""]`, "tiers.exclude_categories[0]", "required"},
		{`["gift_card", " "]`, "tiers.exclude_categories[1]", "required"},
		{`[` + strings.Repeat(`"x",`, 10_000) + `"x"]`, "tiers.exclude_categories", "max_items"},
	} {
		spec := strings.Replace(retailTiers, `"review": "anniversary"`, `"review": "anniversary", "exclude_categories": `+tc.list, 1)
		_, err := loyalty.LoadProgram(strings.NewReader(spec))
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr, tc.field)
		assert.True(t, verr.Has(tc.field, tc.rule), "%s: %v", tc.field, err)
	}
	// The spec a programme hands out is a copy.
	p, err := loyalty.LoadProgram(strings.NewReader(retailTiersWithoutGiftCards))
	require.NoError(t, err)
	s := p.Spec()
	s.Tiers.ExcludeCategories[0] = "general"
	assert.True(t, slices.Equal([]string{"gift_card"}, p.Spec().Tiers.ExcludeCategories))
}
