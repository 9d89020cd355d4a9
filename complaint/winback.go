package complaint

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/enum"
)

// LostType is why a customer was lost, as one of six types. Each calls for its own
// answer, and some for none.
type LostType string

// The six types of lost customers.
const (
	// PushedAwayDeliberately: the host ended the relationship on purpose — a customer who
	// cost more than they brought, did not pay, or broke the rules. Not won back.
	PushedAwayDeliberately LostType = "pushed_away_deliberately"
	// PushedAwayUnintentionally: the host's own failure drove the customer away — poor
	// service, a defective product, a broken promise, a complaint badly handled. The
	// first to win back: put the failure right, then make an offer.
	PushedAwayUnintentionally LostType = "pushed_away_unintentionally"
	// PulledAway: a competitor offered better value — a better product, service or
	// convenience — and the customer went for it. Won back by matching the value.
	PulledAway LostType = "pulled_away"
	// BoughtAway: a competitor bought the customer with a lower price, a discount or a
	// gift. Won back by price, and lost again by price.
	BoughtAway LostType = "bought_away"
	// LeftWithoutIntent: the customer drifted away with no particular reason — a changed
	// habit, forgetting, a need that faded. Often won back by simply reconnecting.
	LeftWithoutIntent LostType = "left_without_intent"
	// MovedAway: the customer moved out of reach — to another city, out of the market, or
	// their business closed. Not won back; their new whereabouts may be passed on.
	MovedAway LostType = "moved_away"
)

// LostTypes returns the six types in their default precedence (see ReasonMapSpec).
func LostTypes() []LostType {
	return []LostType{MovedAway, PushedAwayDeliberately, PushedAwayUnintentionally, PulledAway, BoughtAway, LeftWithoutIntent}
}

// Valid reports whether t is one of the six types.
func (t LostType) Valid() bool { return slices.Contains(LostTypes(), t) }

// ParseLostType reads a type; anything else is a *kehu.ValidationError on "type".
func ParseLostType(s string) (LostType, error) { return enum.Parse[LostType]("type", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown types.
func (t *LostType) UnmarshalText(b []byte) error { return enum.Unmarshal("type", t, b) }

// WorthWinningBack reports whether a customer lost this way is usually worth a win-back
// effort: every type but PushedAwayDeliberately (the host chose to let them go) and
// MovedAway (out of reach).
func (t LostType) WorthWinningBack() bool {
	return t.Valid() && t != PushedAwayDeliberately && t != MovedAway
}

// ErrUnknownReason reports a reason code the reason map does not declare. The error is also
// a *kehu.ValidationError naming the code's position, rule "unknown".
var ErrUnknownReason = errors.New("complaint: unknown reason code")

// ReasonMapSpec is the host's mapping of its reason codes for a lost customer (the codes
// its exit survey or account managers record: "price", "relocated", "bad_service") to the
// six types, in Go or strict JSON:
//
//	{"reasons": [
//	  {"code": "relocated", "type": "moved_away"},
//	  {"code": "cheaper_elsewhere", "type": "bought_away"},
//	  {"code": "late_delivery", "type": "pushed_away_unintentionally"}
//	]}
//
// A customer may give several reasons that map to different types. The type they are
// classified as is the first of those types in Precedence; without one, the default
// precedence of LostTypes:
//
//	moved_away, pushed_away_deliberately, pushed_away_unintentionally, pulled_away,
//	bought_away, left_without_intent
//
// A reason that puts the customer out of reach, or that the host chose, comes first
// because it decides whether to try at all; then the host's own failure, which a win-back
// must put right before any offer can work; then a competitor's better value before its
// lower price, since value is the harder reason to answer; drifting away, the reason of a
// customer who gives no stronger one, comes last.
type ReasonMapSpec struct {
	Reasons []ReasonCode `json:"reasons"`
	// Precedence, if given, lists each of the six types once, the deciding type first.
	Precedence []LostType `json:"precedence,omitempty"`
}

// ReasonCode maps one reason code to a type.
type ReasonCode struct {
	Code string   `json:"code"`
	Type LostType `json:"type"`
}

// ReasonMap is a compiled ReasonMapSpec: it classifies lost customers and checks win-back
// plans. It is immutable and safe for concurrent use.
type ReasonMap struct {
	spec  ReasonMapSpec
	types map[string]LostType
	rank  map[LostType]int
}

// MaxReasonCodes bounds the codes of a reason map.
const MaxReasonCodes = 1000

// CompileReasonMap checks a reason map and compiles it, reporting every problem at once in
// a *kehu.ValidationError: "reasons" (rules "required", "max_items"), "reasons[i].code"
// ("required", "max_length", "duplicate" for a code mapped twice to one type),
// "reasons[i].type" ("enum", and "conflict" for a code mapped to two types),
// "precedence[i]" ("enum", "duplicate") and "precedence" ("incomplete": a type is missing).
func CompileReasonMap(spec ReasonMapSpec) (*ReasonMap, error) {
	var p kehu.Problems
	switch {
	case len(spec.Reasons) == 0:
		p.Add("reasons", "required", "map at least one reason code")
	case len(spec.Reasons) > MaxReasonCodes:
		p.Addf("reasons", "max_items", "has more than %d codes", MaxReasonCodes)
	}
	m := &ReasonMap{spec: ReasonMapSpec{Reasons: slices.Clone(spec.Reasons), Precedence: slices.Clone(spec.Precedence)},
		types: map[string]LostType{}, rank: map[LostType]int{}}
	first := map[string]int{}
	for i, r := range spec.Reasons {
		path := fmt.Sprintf("reasons[%d]", i)
		checkText(&p, path+".code", r.Code, true, maxShortBytes)
		if !r.Type.Valid() {
			p.Addf(path+".type", "enum", "%s is not one of the six types", clip.Quote(string(r.Type)))
			continue
		}
		if j, seen := first[r.Code]; seen {
			if prev := spec.Reasons[j].Type; prev != r.Type {
				p.Addf(path+".type", "conflict", "code %s is mapped to %s by reasons[%d] and to %s here", clip.Quote(r.Code), prev, j, r.Type)
			} else {
				p.Addf(path+".code", "duplicate", "code %s is mapped by reasons[%d] already", clip.Quote(r.Code), j)
			}
			continue
		}
		first[r.Code] = i
		m.types[r.Code] = r.Type
	}
	order := spec.Precedence
	if len(order) == 0 {
		order = LostTypes()
	}
	for i, t := range order {
		path := fmt.Sprintf("precedence[%d]", i)
		switch _, dup := m.rank[t]; {
		case !t.Valid():
			p.Addf(path, "enum", "%s is not one of the six types", clip.Quote(string(t)))
		case dup:
			p.Addf(path, "duplicate", "%s is listed twice", t)
		default:
			m.rank[t] = i
		}
	}
	if len(m.rank) < len(LostTypes()) {
		for _, t := range LostTypes() {
			if _, ok := m.rank[t]; !ok {
				p.Addf("precedence", "incomplete", "does not list %s", t)
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// MaxReasonMapBytes bounds the JSON that LoadReasonMap reads.
const MaxReasonMapBytes = 1 << 20

// LoadReasonMap reads a reason map from strict JSON and compiles it. An unknown field is
// rule "unknown_field" on its path ("reasons[0].weight"), a value of the wrong JSON type
// rule "type" on its path; a syntax error or trailing data is rule "syntax" on
// "reason_map".
func LoadReasonMap(r io.Reader) (*ReasonMap, error) {
	// The wire form keeps types as plain strings, so that a bad one is reported with its
	// path by CompileReasonMap.
	var wire struct {
		Reasons []struct {
			Code string `json:"code"`
			Type string `json:"type"`
		} `json:"reasons"`
		Precedence []string `json:"precedence,omitempty"`
	}
	if err := loadStrict(r, "reason_map", MaxReasonMapBytes, &wire); err != nil {
		return nil, err
	}
	var spec ReasonMapSpec
	for _, r := range wire.Reasons {
		spec.Reasons = append(spec.Reasons, ReasonCode{Code: r.Code, Type: LostType(r.Type)})
	}
	for _, t := range wire.Precedence {
		spec.Precedence = append(spec.Precedence, LostType(t))
	}
	return CompileReasonMap(spec)
}

// Spec returns a copy of the map as written.
func (m *ReasonMap) Spec() ReasonMapSpec {
	return ReasonMapSpec{Reasons: slices.Clone(m.spec.Reasons), Precedence: slices.Clone(m.spec.Precedence)}
}

// Classification is the type of a lost customer and every type their reasons map to.
type Classification struct {
	// Type is the deciding type: the first of Types.
	Type LostType `json:"type"`
	// Types are the types of all the reasons given, each once, in precedence order.
	Types []LostType `json:"types"`
}

// Classify gives the type of a customer lost for the reasons given (codes of the map,
// compared byte for byte), and every type they map to, by the map's precedence. No
// reasons is rule "required" on "reasons"; a code the map does not declare is rule
// "unknown" on "reasons[i]" and matches ErrUnknownReason.
func (m *ReasonMap) Classify(reasons []string) (Classification, error) {
	var p kehu.Problems
	if len(reasons) == 0 {
		p.Add("reasons", "required", "give at least one reason")
	}
	unknown := false
	seen := map[LostType]bool{}
	var out Classification
	for i, code := range reasons {
		t, ok := m.types[code]
		if !ok {
			p.Addf(fmt.Sprintf("reasons[%d]", i), "unknown", "%s is not a reason code of the map", clip.Quote(code))
			unknown = true
			continue
		}
		if !seen[t] {
			seen[t] = true
			out.Types = append(out.Types, t)
		}
	}
	if err := p.Err(); err != nil {
		if unknown {
			return Classification{}, fmt.Errorf("%w: %w", ErrUnknownReason, err)
		}
		return Classification{}, err
	}
	slices.SortFunc(out.Types, func(a, b LostType) int { return m.rank[a] - m.rank[b] })
	out.Type = out.Types[0]
	return out, nil
}

// WinBackPlan is what the host will do to win one lost customer back: contact them
// individually and offer terms to restore the business.
type WinBackPlan struct {
	Customer kehu.CustomerID `json:"customer"`
	// Campaign groups plans for evaluation.
	Campaign string `json:"campaign"`
	// Reasons are the customer's reason codes, and Type their classification (Plan sets
	// it).
	Reasons []string `json:"reasons"`
	Type    LostType `json:"type"`
	// Value is the customer's value band, as the host judges it: what is at stake.
	Value   ValueBand `json:"value"`
	Contact Contact   `json:"contact"`
	Offer   Offer     `json:"offer"`
}

// Contact is the individual contact of a win-back: who calls or visits, how, and by when.
type Contact struct {
	Owner   string    `json:"owner"`
	Channel Channel   `json:"channel"`
	Due     time.Time `json:"due,omitzero"`
}

// Offer is the terms offered to restore the business, and what they are budgeted to cost.
type Offer struct {
	Terms      string     `json:"terms"`
	Cost       kehu.Money `json:"cost,omitzero"`
	ValidUntil time.Time  `json:"valid_until,omitzero"`
}

// Plan checks a win-back plan and returns it classified (Type set from its Reasons), every
// problem at once: "customer" ("required"), "campaign" ("required", "max_length"),
// "reasons…" (see Classify), "value" ("enum"), "contact.owner" ("required": a win-back is
// an individual contact, by a named person), "contact.channel" ("enum"; the media is not a
// contact channel), "offer.terms" ("required") and "offer.cost" ("range": negative). A
// customer whose type is not WorthWinningBack is planned all the same: the decision is
// the host's.
func (m *ReasonMap) Plan(pl WinBackPlan) (WinBackPlan, error) {
	var p kehu.Problems
	if pl.Customer.IsZero() {
		p.Add("customer", "required", "is empty")
	}
	checkText(&p, "campaign", pl.Campaign, true, maxShortBytes)
	cl, cerr := m.Classify(pl.Reasons)
	p.Merge("", cerr)
	if !pl.Value.Valid() {
		p.Addf("value", "enum", "%s is not standard, valued or key", clip.Quote(string(pl.Value)))
	}
	checkText(&p, "contact.owner", pl.Contact.Owner, true, maxShortBytes)
	if !pl.Contact.Channel.Valid() || pl.Contact.Channel == Media {
		p.Addf("contact.channel", "enum", "%s is not a channel to contact a customer by", clip.Quote(string(pl.Contact.Channel)))
	}
	checkText(&p, "offer.terms", pl.Offer.Terms, true, MaxWordsBytes)
	if pl.Offer.Cost.IsNegative() {
		p.Add("offer.cost", "range", "is negative")
	}
	if err := p.Err(); err != nil {
		if errors.Is(cerr, ErrUnknownReason) {
			return WinBackPlan{}, fmt.Errorf("%w: %w", ErrUnknownReason, err)
		}
		return WinBackPlan{}, err
	}
	pl.Type = cl.Type
	pl.Reasons = slices.Clone(pl.Reasons)
	pl.Contact.Due, pl.Offer.ValidUntil = kehu.Truncate(pl.Contact.Due), kehu.Truncate(pl.Offer.ValidUntil)
	return pl, nil
}

// ROIPlaces is the number of decimal places of a win-back ROI: it is rounded half away
// from zero, so 0.12345 is 0.1235 and -0.12345 is -0.1235.
const ROIPlaces = 4

// WinBackResult is the outcome of one win-back plan.
type WinBackResult struct {
	Customer kehu.CustomerID `json:"customer"`
	Campaign string          `json:"campaign"`
	Type     LostType        `json:"type"`
	// Won reports whether the customer came back.
	Won bool `json:"won"`
	// Revenue is what the customer brought back over the period evaluated (the host may
	// count in it the other gains of a customer regained: the cost of replacing them
	// avoided, the referrals they bring). Cost is what the win-back cost: the contact, the
	// offer. The zero Money{} counts as zero.
	Revenue kehu.Money `json:"revenue,omitzero"`
	Cost    kehu.Money `json:"cost,omitzero"`
}

// WinBackReturn sums the results of a set of plans: all of them (Type and Campaign
// empty), one type, or one campaign.
type WinBackReturn struct {
	Type     LostType   `json:"type,omitempty"`
	Campaign string     `json:"campaign,omitempty"`
	Plans    int        `json:"plans"`
	Won      int        `json:"won"`
	Revenue  kehu.Money `json:"revenue"`
	Cost     kehu.Money `json:"cost"`
}

// Net is Revenue − Cost.
func (r WinBackReturn) Net() kehu.Money {
	n, _ := r.Revenue.Sub(r.Cost) // one currency by construction
	return n
}

// ROI is the win-back return on investment, (Revenue − Cost) / Cost, rounded to ROIPlaces
// decimal places half away from zero: 0.5 means every unit spent brought back 1.5. When
// Cost is zero the ROI is not defined and ok is false (a win-back that cost nothing has no
// ratio, whatever it brought back).
func (r WinBackReturn) ROI() (roi decimal.Decimal, ok bool) {
	if r.Cost.IsZero() {
		return decimal.Decimal{}, false
	}
	return r.Revenue.Amount().Sub(r.Cost.Amount()).DivRound(r.Cost.Amount(), ROIPlaces), true
}

// WinBackEvaluation is the return of a set of win-back plans, in one currency: in total,
// per type (in the order of LostTypes, types with no plan left out) and per campaign (in
// alphabetical order).
type WinBackEvaluation struct {
	Currency   kehu.Currency   `json:"currency"`
	Total      WinBackReturn   `json:"total"`
	ByType     []WinBackReturn `json:"by_type"`
	ByCampaign []WinBackReturn `json:"by_campaign"`
}

// EvaluateWinBack sums win-back results against their cost, in one currency. An amount in
// another currency is rule "currency_mismatch" on "results[i].revenue" or
// "results[i].cost" and the error matches kehu.ErrCurrencyMismatch; a negative amount is
// rule "range"; a result's type must be one of the six ("results[i].type", "enum") and its
// campaign named ("results[i].campaign", "required").
func EvaluateWinBack(currency kehu.Currency, results []WinBackResult) (WinBackEvaluation, error) {
	var p kehu.Problems
	cur, err := kehu.ParseCurrency(string(currency))
	p.Merge("", err)
	mismatch := false
	for i, r := range results {
		path := fmt.Sprintf("results[%d]", i)
		if !r.Type.Valid() {
			p.Addf(path+".type", "enum", "%s is not one of the six types", clip.Quote(string(r.Type)))
		}
		checkText(&p, path+".campaign", r.Campaign, true, maxShortBytes)
		for _, f := range []struct {
			name string
			m    kehu.Money
		}{{"revenue", r.Revenue}, {"cost", r.Cost}} {
			switch {
			case f.m.Currency() == "" && f.m.IsZero():
			case err == nil && f.m.Currency() != cur:
				p.Addf(path+"."+f.name, "currency_mismatch", "is in %s; the evaluation is in %s", f.m.Currency(), cur)
				mismatch = true
			case f.m.IsNegative():
				p.Add(path+"."+f.name, "range", "is negative")
			}
		}
	}
	if err := p.Err(); err != nil {
		if mismatch {
			return WinBackEvaluation{}, fmt.Errorf("%w: %w", kehu.ErrCurrencyMismatch, err)
		}
		return WinBackEvaluation{}, err
	}
	zero := kehu.ZeroMoney(cur)
	fresh := func(t LostType, campaign string) *WinBackReturn {
		return &WinBackReturn{Type: t, Campaign: campaign, Revenue: zero, Cost: zero}
	}
	add := func(to *WinBackReturn, r WinBackResult) {
		to.Plans++
		if r.Won {
			to.Won++
		}
		if r.Revenue.Currency() != "" {
			to.Revenue, _ = to.Revenue.Add(r.Revenue)
		}
		if r.Cost.Currency() != "" {
			to.Cost, _ = to.Cost.Add(r.Cost)
		}
	}
	total := fresh("", "")
	byType := map[LostType]*WinBackReturn{}
	byCampaign := map[string]*WinBackReturn{}
	for _, r := range results {
		add(total, r)
		if byType[r.Type] == nil {
			byType[r.Type] = fresh(r.Type, "")
		}
		add(byType[r.Type], r)
		if byCampaign[r.Campaign] == nil {
			byCampaign[r.Campaign] = fresh("", r.Campaign)
		}
		add(byCampaign[r.Campaign], r)
	}
	ev := WinBackEvaluation{Currency: cur, Total: *total}
	for _, t := range LostTypes() {
		if r := byType[t]; r != nil {
			ev.ByType = append(ev.ByType, *r)
		}
	}
	for _, r := range byCampaign {
		ev.ByCampaign = append(ev.ByCampaign, *r)
	}
	slices.SortFunc(ev.ByCampaign, func(a, b WinBackReturn) int { return strings.Compare(a.Campaign, b.Campaign) })
	return ev, nil
}
