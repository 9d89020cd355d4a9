package crm

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Period is a span of whole days, From ≤ day < To, read in the scorecard's time zone
// (ScorecardSpec.TimeZone): a month is {2026-11-01, 2026-12-01}.
type Period struct {
	From kehu.Date `json:"from"`
	To   kehu.Date `json:"to"`
}

// Month returns the calendar month as a Period.
func Month(year int, month time.Month) Period {
	from := kehu.Date{Year: year, Month: month, Day: 1}
	return Period{From: from, To: from.AddMonths(1)}
}

// Previous returns the period just before p, of the same length: the same number of
// calendar months when p runs from the first of a month to the first of a later one
// (November's previous period is October, a quarter's the quarter before), otherwise the
// same number of days.
func (p Period) Previous() Period {
	if p.From.Day == 1 && p.To.Day == 1 {
		n := (p.To.Year*12 + int(p.To.Month)) - (p.From.Year*12 + int(p.From.Month))
		return Period{From: p.From.AddMonths(-n), To: p.From}
	}
	return Period{From: p.From.AddDays(-p.To.DaysSince(p.From)), To: p.From}
}

// String writes the period as "2026-11-01..2026-12-01" (the end excluded).
func (p Period) String() string { return p.From.String() + ".." + p.To.String() }

// check names every problem of the period under field.
func (p Period) check(probs *kehu.Problems, field string) {
	ok := true
	for _, d := range []struct {
		name string
		d    kehu.Date
	}{{"from", p.From}, {"to", p.To}} {
		switch {
		case d.d.IsZero():
			probs.Add(field+"."+d.name, "required", "is empty")
			ok = false
		case !d.d.IsValid() || d.d.Year < 2 || d.d.Year > 9998:
			probs.Add(field+"."+d.name, "format", "is not a valid date between the years 2 and 9998")
			ok = false
		}
	}
	if ok && !p.From.Before(p.To) {
		probs.Addf(field+".to", "order", "%s is not after from (%s)", p.To, p.From)
	}
}

// CustomerFact is what the scorecard needs to know of one customer.
type CustomerFact struct {
	ID CustomerID
	// FirstSeen is when the business first knew the customer (the record's creation, the
	// first order, the first visit). Required.
	FirstSeen time.Time
	// HasEmail says an email address is on file now.
	HasEmail bool
	// Identified says the business knows who the customer is (a name and a way to reach
	// them, a loyalty card), as against an anonymous record such as a guest checkout.
	// Revenue from identified customers is "known" revenue.
	Identified bool
}

// OrderFact is one order or refund. A host converts its own order once (OrderFactOf
// converts a kehu.Order).
type OrderFact struct {
	// CustomerID is the buyer; zero for an anonymous order (no customer on file).
	CustomerID CustomerID
	// At is when the order was placed, or the refund made. Required.
	At time.Time
	// Amount is the order's total in the scorecard's currency. A negative amount is a
	// refund: it lowers the net revenue of the period it is dated in (and the buyer's known
	// revenue), but it is not an order: it counts in no order count and makes nobody
	// active. An amount of zero is an order (a fully discounted purchase).
	Amount kehu.Money
}

// OrderFactOf converts an order: its customer, time and total (kehu.Order.Total).
func OrderFactOf(o kehu.Order) (OrderFact, error) {
	total, err := o.Total()
	if err != nil {
		return OrderFact{}, err
	}
	return OrderFact{CustomerID: o.CustomerID, At: o.At, Amount: total}, nil
}

// InteractionFact is one contact with a customer.
type InteractionFact struct {
	CustomerID CustomerID
	At         time.Time
}

// InteractionFactOf converts an interaction of the customer's timeline; nil gives the zero
// InteractionFact, which has no time (the scorecard refuses it, naming the row).
func InteractionFactOf(in *Interaction) InteractionFact {
	if in == nil {
		return InteractionFact{}
	}
	return InteractionFact{CustomerID: in.CustomerID, At: in.At}
}

// MemberFact is one loyalty member: a customer and when they joined.
type MemberFact struct {
	CustomerID CustomerID
	Joined     time.Time
}

// ComplaintFact is one complaint as the scorecard reads it: when it was received, when
// its handling was due (its SLA) and when it was handled. For a case of package
// complaint, complaint.Policies.Handling gives the three instants.
type ComplaintFact struct {
	// ReceivedAt is when the complaint was received. Required.
	ReceivedAt time.Time
	// DueAt is when its handling was due; zero for a complaint without a due time, which
	// counts as received but not in the SLA share.
	DueAt time.Time
	// HandledAt is when it was handled (resolved); zero while it is open.
	HandledAt time.Time
}

// SLAOutcome is how a complaint stands against its due time as of an instant.
type SLAOutcome string

// SLA outcomes.
const (
	SLAMet      SLAOutcome = "met"      // handled at or before its due time
	SLABreached SLAOutcome = "breached" // handled after it, or still open after it
	SLAPending  SLAOutcome = "pending"  // open, and not yet due
	SLANone     SLAOutcome = "none"     // no due time
)

// Outcome returns how the complaint stands as of asOf: met when it was handled at or
// before DueAt; breached when it was handled after DueAt, or is open and DueAt is before
// asOf; pending when it is open and not yet due; none without a DueAt.
func (c ComplaintFact) Outcome(asOf time.Time) SLAOutcome {
	switch {
	case c.DueAt.IsZero():
		return SLANone
	case !c.HandledAt.IsZero() && !c.HandledAt.After(c.DueAt):
		return SLAMet
	case !c.HandledAt.IsZero(), c.DueAt.Before(asOf):
		return SLABreached
	}
	return SLAPending
}

// SurveyMeasure says what a survey answer measures.
type SurveyMeasure string

// Survey measures.
const (
	// MeasureSatisfaction is a satisfaction answer; Satisfied says whether the host's
	// survey counts it as satisfied (for example the top two boxes of a 1–5 scale).
	MeasureSatisfaction SurveyMeasure = "satisfaction"
	// MeasureNPS is a likelihood-to-recommend answer, Score from 0 to 10.
	MeasureNPS SurveyMeasure = "nps"
	// MeasureRepurchase is a repurchase-intent answer; WouldRepurchase says yes.
	MeasureRepurchase SurveyMeasure = "repurchase"
)

// Valid reports whether m is a known measure.
func (m SurveyMeasure) Valid() bool {
	return m == MeasureSatisfaction || m == MeasureNPS || m == MeasureRepurchase
}

// SurveyFact is one survey answer that the scorecard counts. Only the field of its
// measure may be set: Satisfied for satisfaction, Score for NPS, WouldRepurchase for
// repurchase intent.
type SurveyFact struct {
	At              time.Time
	Measure         SurveyMeasure
	Satisfied       bool
	Score           int
	WouldRepurchase bool
}

// The sources the host implements. Each yields its rows one by one, so that a million
// rows stream without being held; a row with a non-nil error ends the computation with
// that error. A source that takes from and to should yield the rows with from ≤ time <
// to; it may yield more (they are checked and then left out), never fewer. One host type
// may implement them all (the method names differ); ScorecardData does, over slices.
type (
	// CustomerFacts yields every customer on file, each once (tombstones of merged
	// customers left out).
	CustomerFacts interface {
		CustomerFacts(ctx context.Context) iter.Seq2[CustomerFact, error]
	}
	// OrderFacts yields the orders and refunds placed in [from, to).
	OrderFacts interface {
		OrderFacts(ctx context.Context, from, to time.Time) iter.Seq2[OrderFact, error]
	}
	// InteractionFacts yields the interactions in [from, to).
	InteractionFacts interface {
		InteractionFacts(ctx context.Context, from, to time.Time) iter.Seq2[InteractionFact, error]
	}
	// MemberFacts yields every loyalty member, each once.
	MemberFacts interface {
		MemberFacts(ctx context.Context) iter.Seq2[MemberFact, error]
	}
	// ComplaintFacts yields the complaints received in [from, to).
	ComplaintFacts interface {
		ComplaintFacts(ctx context.Context, from, to time.Time) iter.Seq2[ComplaintFact, error]
	}
	// SurveyFacts yields the survey answers given in [from, to).
	SurveyFacts interface {
		SurveyFacts(ctx context.Context, from, to time.Time) iter.Seq2[SurveyFact, error]
	}
)

// CustomerCounter is an optional extension of a CustomerFacts source: one that knows how
// many customers it will yield says so, and the scorecard sizes its index once instead of
// growing it as the customers come. The count is only a hint: a wrong one costs time,
// never a wrong result.
type CustomerCounter interface {
	CustomerCount() int
}

// maxIndexHint caps the size a CustomerCounter may ask for up front.
const maxIndexHint = 1 << 26

// ScorecardInput is what a scorecard is computed from: the period and the host's
// sources. Customers is required; a nil source leaves its KPIs without data ("no order
// source") rather than at zero.
type ScorecardInput struct {
	Period Period
	// Previous is the period compared with; zero means Period.Previous(). Retention in
	// the previous period also reads the period before it (Previous.Previous()).
	Previous Period
	// AsOf is the instant complaints' SLA outcomes are judged at (an open complaint due
	// before it is breached); zero means the end of Period.
	AsOf time.Time

	Customers    CustomerFacts
	Orders       OrderFacts
	Interactions InteractionFacts
	Members      MemberFacts
	Complaints   ComplaintFacts
	Surveys      SurveyFacts
}

// MaxScorecardProblems is the most bad rows a computation reports; it stops reading at
// the next one, with a last problem on "scorecard" (rule "too_many_problems").
const MaxScorecardProblems = 100

// Scorecard is the customer scorecard of one period: every KPI with its definition,
// exact numerator and denominator, its target check and its change since the previous
// period.
type Scorecard struct {
	Period   Period        `json:"period"`
	Previous Period        `json:"previous"`
	AsOf     time.Time     `json:"as_of"`
	Currency kehu.Currency `json:"currency"`
	KPIs     []KPI         `json:"kpis"`
}

// KPI returns the named KPI.
func (s *Scorecard) KPI(name KPIName) (KPI, bool) {
	for _, k := range s.KPIs {
		if k.Name == name {
			return k, true
		}
	}
	return KPI{}, false
}

// Compute reads the host's data and computes the scorecard of in.Period, with the
// previous period for comparison. It reads each source once, streaming: memory grows
// with the number of customers (about 29 bytes each: an index slot and two bytes of
// state), not with orders, interactions or answers. Customers are read first, then
// members, orders, interactions, complaints and answers; orders are asked for from the
// start of the period before the previous one (retention there needs it), the others
// from the start of the previous period. Money is summed exactly.
//
// Bad input is a *kehu.ValidationError naming every bad row by source and position
// ("orders[17].amount", rule "currency_mismatch"), up to MaxScorecardProblems, and no
// scorecard: a customer without an ID or FirstSeen, a customer or member listed twice
// ("duplicate"), a row without its time, an order or interaction or member naming a
// customer the customer source did not list ("unknown_customer"), an order whose
// amount is not in the scorecard's currency (the error then also matches
// kehu.ErrCurrencyMismatch), a complaint handled or due before it was received
// ("order"), a survey answer with an unknown measure, an NPS score outside 0–10
// ("range") or a field that does not belong to its measure ("unused"). A source's own
// error ends the computation and is returned wrapped; so is the context's.
func (d *ScorecardDefinition) Compute(ctx context.Context, in ScorecardInput) (*Scorecard, error) {
	var probs kehu.Problems
	in.Period.check(&probs, "period")
	prevGiven := in.Previous != (Period{})
	if prevGiven {
		in.Previous.check(&probs, "previous")
	}
	if in.Customers == nil {
		probs.Add("customers", "required", "no customer source")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if !prevGiven {
		in.Previous = in.Period.Previous()
	}
	if in.Previous.To.After(in.Period.From) {
		return nil, kehu.Invalid("previous.to", "order", fmt.Sprintf("%s is after the period's start (%s)", in.Previous.To, in.Period.From))
	}
	before := in.Previous.Previous()
	if !before.From.IsValid() || before.From.Year < 1 {
		return nil, kehu.Invalid("period", "range", "the two periods before it would begin before the year 1")
	}
	r := &scoreRun{def: d}
	r.bounds = [5]time.Time{
		before.From.In(d.loc), before.To.In(d.loc),
		in.Previous.From.In(d.loc), in.Period.From.In(d.loc), in.Period.To.In(d.loc),
	}
	// Between a given Previous and Period there may be a gap; it belongs to no window.
	if in.Previous.To.Before(in.Period.From) {
		r.gap = true
		r.gapEnd = in.Previous.To.In(d.loc)
	}
	if in.AsOf.IsZero() {
		in.AsOf = r.bounds[4]
	}
	if err := r.run(ctx, &in); err != nil {
		return nil, err
	}
	sc := &Scorecard{Period: in.Period, Previous: in.Previous, AsOf: in.AsOf, Currency: d.currency}
	sc.KPIs = make([]KPI, len(kpiCatalogue))
	for i, def := range kpiCatalogue {
		sc.KPIs[i] = d.kpi(def, in.Period, in.Previous, &r.t[0], &r.t[1])
	}
	return sc, nil
}

// kpi builds one KPI from the tallies of this period and the previous one.
func (d *ScorecardDefinition) kpi(def kpiDef, p, prev Period, now, before *tally) KPI {
	k := KPI{Name: def.name, Definition: def.def, Unit: def.unit, Better: def.better, Period: p,
		places: d.places, mode: d.mode}
	if def.unit == UnitMoney {
		k.Currency = d.currency
	}
	k.Numerator, k.Denominator, k.NoData = def.formula(now)
	if k.NoData == "" && k.Denominator.Sign() <= 0 {
		k.NoData = "empty denominator"
	}
	c := KPIChange{Period: prev}
	c.Numerator, c.Denominator, c.NoData = def.formula(before)
	if c.NoData == "" && c.Denominator.Sign() <= 0 {
		c.NoData = "empty denominator"
	}
	if k.NoData == "" && c.NoData == "" {
		c.Delta = k.Value().Sub(valueOf(def.unit, c.Numerator, c.Denominator))
	} else {
		c.Delta = Ratio{Num: decimal.Zero, Den: decimal.Zero}
	}
	c.Trend = trendOf(c.Delta, def.better)
	k.Change = c
	if t, ok := d.targets[def.name]; ok {
		tc := checkTarget(k.Value(), k.NoData == "", t.op, t.value)
		k.Target = &tc
	}
	return k
}

// tally holds one period's counts. Money sums are exact.
type tally struct {
	hasOrders, hasInteractions, hasMembers, hasComplaints, hasSurveys bool

	newCustomers, onFile, withEmail int64

	orders, active, activeBefore, retained, repeaters int64
	revenue, knownRevenue                             decimal.Decimal

	contacted int64

	newMembers, activeMembers int64

	complaints, slaMet, slaBreached int64

	satisfied, satisfactionAnswers     int64
	promoters, detractors, npsAnswers  int64
	wouldRepurchase, repurchaseAnswers int64
}

// Per-customer state, one uint16 each.
const (
	stCount0     = 0x0003 // orders this period, 0, 1 or 2 (two or more)
	stCount1     = 0x000c // orders in the previous period, 0, 1 or 2
	stActive2    = 0x0010 // active in the period before the previous one
	stContacted0 = 0x0020
	stContacted1 = 0x0040
	stMember0    = 0x0080 // a member by the end of this period
	stMember1    = 0x0100 // a member by the end of the previous period
	stIdentified = 0x0200
	stMember     = 0x0400 // listed by the member source (a second listing is a duplicate)
)

// scoreRun is one computation: the windows, the customers' index and state, the tallies.
type scoreRun struct {
	def *ScorecardDefinition
	// bounds are the windows' edges: [0,1) the period before the previous one, [2,3) the
	// previous period, [3,4) this period; bounds[1] == bounds[2]. When the input names a
	// previous period that ends before this one starts (gap), the previous period is
	// [2, gapEnd) and the days from gapEnd to bounds[3] belong to no window.
	bounds [5]time.Time
	gap    bool
	gapEnd time.Time

	index *customerIndex
	state []uint16
	t     [2]tally // this period, the previous one

	probs    kehu.Problems
	nprobs   int
	mismatch bool
	stop     bool
}

// window returns which window t falls in: 0 this period, 1 the previous one, 2 the one
// before, -1 none.
func (r *scoreRun) window(t time.Time) int {
	b := &r.bounds
	switch {
	case t.Before(b[0]) || !t.Before(b[4]):
		return -1
	case !t.Before(b[3]):
		return 0
	case !t.Before(b[2]):
		if r.gap && !t.Before(r.gapEnd) {
			return -1
		}
		return 1
	case t.Before(b[1]):
		return 2
	}
	return -1
}

// problem records a bad row; once MaxScorecardProblems are listed it records the last
// problem and stops the run.
func (r *scoreRun) problem(src string, i int, field, rule, msg string) {
	if r.stop {
		return
	}
	if r.nprobs == MaxScorecardProblems {
		r.probs.Addf("scorecard", "too_many_problems", "more than %d problems; reading stopped", MaxScorecardProblems)
		r.stop = true
		return
	}
	r.nprobs++
	path := fmt.Sprintf("%s[%d]", src, i)
	if field != "" {
		path += "." + field
	}
	r.probs.Add(path, rule, msg)
}

// ctxEvery is how many rows pass between checks of the context.
const ctxEvery = 1 << 14

func (r *scoreRun) run(ctx context.Context, in *ScorecardInput) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	steps := []struct {
		name string
		run  func(context.Context, *ScorecardInput) error
	}{
		{"customers", r.customers},
		{"members", r.members},
		{"orders", r.orders},
		{"interactions", r.interactions},
		{"complaints", r.complaints},
		{"surveys", r.surveys},
	}
	for _, s := range steps {
		if err := s.run(ctx, in); err != nil {
			return fmt.Errorf("crm: scorecard: reading %s: %w", s.name, err)
		}
		if r.stop {
			break
		}
	}
	if err := r.probs.Err(); err != nil {
		if r.mismatch {
			return &scorecardMismatch{err.(*kehu.ValidationError)}
		}
		return err
	}
	r.finish()
	return nil
}

// scorecardMismatch is the error of rows in another currency: it matches both
// kehu.ErrCurrencyMismatch and, through its *kehu.ValidationError, kehu.ErrInvalid.
type scorecardMismatch struct{ verr *kehu.ValidationError }

func (e *scorecardMismatch) Error() string   { return e.verr.Error() }
func (e *scorecardMismatch) Unwrap() []error { return []error{kehu.ErrCurrencyMismatch, e.verr} }

func (r *scoreRun) customers(ctx context.Context, in *ScorecardInput) error {
	hint := 0
	if c, ok := in.Customers.(CustomerCounter); ok {
		hint = min(max(c.CustomerCount(), 0), maxIndexHint)
	}
	r.index = newCustomerIndex(hint)
	r.state = make([]uint16, 0, hint)
	var keys [batchRows][16]byte
	return eachBatch(ctx, r, in.Customers.CustomerFacts(ctx), func(base int, rows []CustomerFact) {
		for j := range rows {
			keys[j] = rows[j].ID.UUID()
		}
		r.index.touch(keys[:len(rows)])
		for j := range rows {
			c, i := &rows[j], base+j
			if c.ID.IsZero() {
				r.problem("customers", i, "id", "required", "is empty")
			}
			if c.FirstSeen.IsZero() {
				r.problem("customers", i, "first_seen", "required", "is empty")
			}
			if r.stop {
				return
			}
			if c.ID.IsZero() || c.FirstSeen.IsZero() {
				continue
			}
			if len(r.state) >= 1<<31-2 {
				r.problem("customers", i, "", "max_items", "more than 2^31-2 customers")
				r.stop = true
				return
			}
			if _, added := r.index.add(keys[j]); !added {
				r.problem("customers", i, "id", "duplicate", fmt.Sprintf("customer %s is listed twice", c.ID))
				continue
			}
			var st uint16
			if c.Identified {
				st |= stIdentified
			}
			r.state = append(r.state, st)
			for w := range 2 {
				if !c.FirstSeen.Before(r.periodEnd(w)) {
					continue
				}
				r.t[w].onFile++
				if c.HasEmail {
					r.t[w].withEmail++
				}
				// This period starts at bounds[3], the previous one at bounds[2].
				if !c.FirstSeen.Before(r.bounds[3-w]) {
					r.t[w].newCustomers++
				}
			}
		}
	})
}

// eachBatch reads a source's rows and hands them to fn in batches of up to batchRows, with
// the position of the first; it stops at the source's error, the context's, or once the
// run has too many problems.
func eachBatch[T any](ctx context.Context, r *scoreRun, seq iter.Seq2[T, error], fn func(base int, rows []T)) error {
	rows := make([]T, 0, batchRows)
	base := 0
	for row, err := range seq {
		if err != nil {
			return err
		}
		rows = append(rows, row)
		if len(rows) < batchRows {
			continue
		}
		fn(base, rows)
		if r.stop {
			return nil
		}
		base += len(rows)
		rows = rows[:0]
		if base%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if len(rows) > 0 {
		fn(base, rows)
	}
	return ctx.Err()
}

// periodEnd returns the end of this period (w = 0) or of the previous one (w = 1).
func (r *scoreRun) periodEnd(w int) time.Time {
	if w == 0 {
		return r.bounds[4]
	}
	if r.gap {
		return r.gapEnd
	}
	return r.bounds[3]
}

func (r *scoreRun) members(ctx context.Context, in *ScorecardInput) error {
	if in.Members == nil {
		return nil
	}
	r.t[0].hasMembers, r.t[1].hasMembers = true, true
	return batched(ctx, r, "members", in.Members.MemberFacts(ctx),
		func(m *MemberFact) CustomerID { return m.CustomerID },
		func(i int, m *MemberFact, x int32, found bool) {
			if m.Joined.IsZero() {
				r.problem("members", i, "joined", "required", "is empty")
			}
			if !found || m.Joined.IsZero() {
				return
			}
			if r.state[x]&stMember != 0 {
				r.problem("members", i, "customer_id", "duplicate", fmt.Sprintf("customer %s is listed twice", m.CustomerID))
				return
			}
			r.state[x] |= stMember
			for w, bit := range [2]uint16{stMember0, stMember1} {
				if m.Joined.Before(r.periodEnd(w)) {
					r.state[x] |= bit
				}
			}
			if w := r.window(m.Joined); w == 0 || w == 1 {
				r.t[w].newMembers++
			}
		})
}

// batchRows is how many rows batched reads before it looks their customers up.
const batchRows = 256

// batched reads a source's rows in batches. It looks up the customers of a whole batch in
// one tight loop, so that the memory reads of many lookups overlap (among a million
// customers each one is a cache miss), and then hands each row in order to fn with its
// customer's number. found is false for a row without a customer, or with one the
// customer source did not list (reported here as "unknown_customer"); a row without a
// customer is reported as "required" unless anonymous rows are allowed (nil id → every row
// needs one).
func batched[T any](ctx context.Context, r *scoreRun, src string, seq iter.Seq2[T, error],
	id func(*T) CustomerID, fn func(i int, row *T, x int32, found bool)) error {
	return batchedRows(ctx, r, src, seq, id, false, fn)
}

func batchedRows[T any](ctx context.Context, r *scoreRun, src string, seq iter.Seq2[T, error],
	id func(*T) CustomerID, anonymous bool, fn func(i int, row *T, x int32, found bool)) error {
	var (
		keys  [batchRows][16]byte
		pos   [batchRows]int32
		found [batchRows]bool
	)
	return eachBatch(ctx, r, seq, func(base int, rows []T) {
		for j := range rows {
			keys[j] = id(&rows[j]).UUID()
		}
		for j := range rows {
			pos[j], found[j] = r.index.find(keys[j])
		}
		for j := range rows {
			i := base + j
			if !found[j] {
				if keys[j] == ([16]byte{}) {
					if !anonymous {
						r.problem(src, i, "customer_id", "required", "is empty")
					}
				} else {
					r.problem(src, i, "customer_id", "unknown_customer", fmt.Sprintf("customer %s is not among the customers", id(&rows[j])))
				}
			}
			fn(i, &rows[j], pos[j], found[j])
			if r.stop {
				return
			}
		}
	})
}

// moneySum adds decimals exactly: amounts with at most sumScale decimal places and 18
// digits are added as integers, anything else (or an overflow) as decimals.
type moneySum struct {
	fast int64 // in units of 10^-sumScale
	slow decimal.Decimal
}

const sumScale = 6

func (s *moneySum) add(d decimal.Decimal) {
	if e := d.Exponent(); e >= -sumScale && e <= checked.MaxPow10-sumScale && d.NumDigits() <= 18 {
		if c, ok := checked.Scale(d.CoefficientInt64(), int(e+sumScale)); ok {
			if v, ok := checked.Add(s.fast, c); ok {
				s.fast = v
				return
			}
		}
	}
	s.slow = s.slow.Add(d)
}

func (s *moneySum) total() decimal.Decimal { return decimal.New(s.fast, -sumScale).Add(s.slow) }

func (r *scoreRun) orders(ctx context.Context, in *ScorecardInput) error {
	if in.Orders == nil {
		return nil
	}
	r.t[0].hasOrders, r.t[1].hasOrders = true, true
	cur := r.def.currency
	var revenue, known [2]moneySum
	err := batchedRows(ctx, r, "orders", in.Orders.OrderFacts(ctx, r.bounds[0], r.bounds[4]),
		func(o *OrderFact) CustomerID { return o.CustomerID }, true,
		func(i int, o *OrderFact, x int32, found bool) {
			bad := !found && !o.CustomerID.IsZero()
			if o.At.IsZero() {
				r.problem("orders", i, "at", "required", "is empty")
				bad = true
			}
			if c := o.Amount.Currency(); c != cur {
				if c == "" {
					r.problem("orders", i, "amount", "required", "has no currency")
				} else {
					r.mismatch = true
					r.problem("orders", i, "amount", "currency_mismatch", fmt.Sprintf("is in %s, the scorecard in %s", c, cur))
				}
				bad = true
			}
			w := r.window(o.At)
			if bad || w < 0 {
				return
			}
			refund := o.Amount.IsNegative()
			if w == 2 {
				if !refund && found {
					r.state[x] |= stActive2
				}
				return
			}
			amt := o.Amount.Amount()
			revenue[w].add(amt)
			if found && r.state[x]&stIdentified != 0 {
				known[w].add(amt)
			}
			if refund {
				return
			}
			r.t[w].orders++
			if found {
				shift := 2 * w
				st := r.state[x]
				if n := (st >> shift) & 3; n < 2 {
					r.state[x] = st + 1<<shift
				}
			}
		})
	for w := range 2 {
		r.t[w].revenue = revenue[w].total()
		r.t[w].knownRevenue = known[w].total()
	}
	return err
}

func (r *scoreRun) interactions(ctx context.Context, in *ScorecardInput) error {
	if in.Interactions == nil {
		return nil
	}
	r.t[0].hasInteractions, r.t[1].hasInteractions = true, true
	return batched(ctx, r, "interactions", in.Interactions.InteractionFacts(ctx, r.bounds[2], r.bounds[4]),
		func(it *InteractionFact) CustomerID { return it.CustomerID },
		func(i int, it *InteractionFact, x int32, found bool) {
			if it.At.IsZero() {
				r.problem("interactions", i, "at", "required", "is empty")
			}
			if !found || it.At.IsZero() {
				return
			}
			switch r.window(it.At) {
			case 0:
				r.state[x] |= stContacted0
			case 1:
				r.state[x] |= stContacted1
			}
		})
}

func (r *scoreRun) complaints(ctx context.Context, in *ScorecardInput) error {
	if in.Complaints == nil {
		return nil
	}
	r.t[0].hasComplaints, r.t[1].hasComplaints = true, true
	asOf := in.AsOf
	i := -1
	for c, err := range in.Complaints.ComplaintFacts(ctx, r.bounds[2], r.bounds[4]) {
		i++
		if err != nil {
			return err
		}
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if c.ReceivedAt.IsZero() {
			r.problem("complaints", i, "received_at", "required", "is empty")
			if r.stop {
				return nil
			}
			continue
		}
		bad := false
		if !c.DueAt.IsZero() && c.DueAt.Before(c.ReceivedAt) {
			r.problem("complaints", i, "due_at", "order", "is before received_at")
			bad = true
		}
		if !c.HandledAt.IsZero() && c.HandledAt.Before(c.ReceivedAt) {
			r.problem("complaints", i, "handled_at", "order", "is before received_at")
			bad = true
		}
		if r.stop {
			return nil
		}
		w := r.window(c.ReceivedAt)
		if bad || w < 0 || w > 1 {
			continue
		}
		t := &r.t[w]
		t.complaints++
		switch c.Outcome(asOf) {
		case SLAMet:
			t.slaMet++
		case SLABreached:
			t.slaBreached++
		}
	}
	return nil
}

func (r *scoreRun) surveys(ctx context.Context, in *ScorecardInput) error {
	if in.Surveys == nil {
		return nil
	}
	r.t[0].hasSurveys, r.t[1].hasSurveys = true, true
	i := -1
	for a, err := range in.Surveys.SurveyFacts(ctx, r.bounds[2], r.bounds[4]) {
		i++
		if err != nil {
			return err
		}
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		bad := false
		if a.At.IsZero() {
			r.problem("surveys", i, "at", "required", "is empty")
			bad = true
		}
		switch {
		case !a.Measure.Valid():
			r.problem("surveys", i, "measure", "enum", clip.Quote(string(a.Measure))+" is not satisfaction, nps or repurchase")
			bad = true
		case a.Measure == MeasureNPS && (a.Score < 0 || a.Score > 10):
			r.problem("surveys", i, "score", "range", fmt.Sprintf("%d is outside 0–10", a.Score))
			bad = true
		case a.Measure != MeasureNPS && a.Score != 0:
			r.problem("surveys", i, "score", "unused", "is set on a "+string(a.Measure)+" answer")
			bad = true
		}
		if a.Satisfied && a.Measure != MeasureSatisfaction {
			r.problem("surveys", i, "satisfied", "unused", "is set on a "+clip.String(string(a.Measure), 32)+" answer")
			bad = true
		}
		if a.WouldRepurchase && a.Measure != MeasureRepurchase {
			r.problem("surveys", i, "would_repurchase", "unused", "is set on a "+clip.String(string(a.Measure), 32)+" answer")
			bad = true
		}
		if r.stop {
			return nil
		}
		w := r.window(a.At)
		if bad || w < 0 || w > 1 {
			continue
		}
		t := &r.t[w]
		switch a.Measure {
		case MeasureSatisfaction:
			t.satisfactionAnswers++
			if a.Satisfied {
				t.satisfied++
			}
		case MeasureNPS:
			t.npsAnswers++
			switch {
			case a.Score >= 9:
				t.promoters++
			case a.Score <= 6:
				t.detractors++
			}
		case MeasureRepurchase:
			t.repurchaseAnswers++
			if a.WouldRepurchase {
				t.wouldRepurchase++
			}
		}
	}
	return nil
}

// finish counts the per-customer states into the tallies.
func (r *scoreRun) finish() {
	t0, t1 := &r.t[0], &r.t[1]
	for _, st := range r.state {
		n0, n1, a2 := st&stCount0, (st&stCount1)>>2, st&stActive2 != 0
		if n0 > 0 {
			t0.active++
			if n0 >= 2 {
				t0.repeaters++
			}
			if st&stMember0 != 0 {
				t0.activeMembers++
			}
		}
		if n1 > 0 {
			t1.active++
			t0.activeBefore++
			if n0 > 0 {
				t0.retained++
			}
			if n1 >= 2 {
				t1.repeaters++
			}
			if st&stMember1 != 0 {
				t1.activeMembers++
			}
		}
		if a2 {
			t1.activeBefore++
			if n1 > 0 {
				t1.retained++
			}
		}
		if st&stContacted0 != 0 {
			t0.contacted++
		}
		if st&stContacted1 != 0 {
			t1.contacted++
		}
	}
}

// String writes the scorecard as a table: each KPI's value, its target and how it stands,
// the previous period's value and the change. A value without data shows as "no data"
// (KPI.NoData says why).
func (s *Scorecard) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scorecard %s (previous %s, %s)\n", s.Period, s.Previous, s.Currency)
	fmt.Fprintln(tw, "kpi\tvalue\ttarget\tprevious\tchange")
	for _, k := range s.KPIs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, short(k.String()), k.TargetString(), short(k.PreviousString()), k.ChangeString())
	}
	tw.Flush()
	return b.String()
}

// short drops the reason from "no data (why)".
func short(s string) string {
	if strings.HasPrefix(s, "no data") {
		return "no data"
	}
	return s
}
