// Command airline tells an airline's customer-relationship story end to end, the story of KLM's turn to customer value in the early 2000s: flight
// frequency alone is not a customer's value, so passengers are segmented by recency,
// frequency, revenue and the length of the relationship; the frequent-flyer programme keeps
// award miles apart from status miles and lets members earn with a partner hotel chain;
// when a bag misses its flight, the airline tells its valuable passengers before they land
// and puts it right within what its staff may grant; and a customer scorecard measures the
// month.
//
// The program generates a few thousand passengers with two years of trips on a fixed clock
// and from a fixed seed, so every run prints the same summary:
//
//   - the passengers are crm customers and members of the programme, which earns award miles
//     on every euro and status miles by distance and cabin; status miles qualify for Silver,
//     Gold and Platinum in the calendar year, and the review of 1 January takes them back;
//   - stays at the partner hotels come in as award miles (loyalty's partner exchange), and
//     the month's settlement is the partner's invoice;
//   - on the first of November and of December the passengers are scored on RFM quintiles
//     and sorted into value segments by ordered rules that also read their years of
//     membership (segment);
//   - a bag left behind opens a complaint case at once for a passenger whose segment or
//     tier makes them valuable: a call before landing, an apology, award miles paid into
//     loyalty within the agent's limits (complaint.Compensator), the bag delivered within
//     the SLA; other passengers report theirs at the carousel;
//   - at the end of December the customer scorecard is computed from the crm's own
//     customers and timeline and from the host's orders, members, cases and survey answers.
//
// run keeps what it finds in a summary value and prints it; with -report it also writes the
// summary as an HTML page. It keeps its data in the in-memory default, or with -postgres in
// PostgreSQL, in a schema of its own that it drops at the end; the output is the same.
//
//	go run ./examples/airline
//	go run ./examples/airline -report airline-report   # and write airline-report/index.html
//	go run ./examples/airline -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"container/heap"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/chart"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/fake"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/report"
	"github.com/kehu-crm/kehu/segment"
)

func main() {
	dir := flag.String("report", "", "also write an HTML report of the story to `DIR`/index.html")
	dsn := flag.String("postgres", "", "keep the data in the PostgreSQL database at `DSN` instead of in memory")
	flag.Parse()
	// Ctrl-C stops the story, which then drops its PostgreSQL schema; a second one ends
	// the program at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Stdout, *dir, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, reportDir, dsn string) (err error) {
	st, err := openStores(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.close()) }()
	s, err := simulate(ctx, st, 3000)
	if err != nil {
		return err
	}
	s.print(out)
	if reportDir == "" {
		return nil
	}
	r, err := s.report()
	if err != nil {
		return err
	}
	path, err := r.WriteFile(reportDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "report written to", path)
	return nil
}

// The airline's definitions, as a host writes them. Times are read in Amsterdam, money is
// in euros.
const (
	// The programme keeps award miles, which members spend, apart from status miles, which
	// only qualify for a tier. Award miles follow the fare: 4 a euro, and more at Silver,
	// Gold and Platinum. Status miles follow the flight, as frequent-flyer programmes long
	// counted them: by distance and cabin, whatever the fare (intercontinental flight
	// numbers start with KL0). They count per calendar year; the review on 1 January takes
	// a member down one level at most. Stays at the partner hotels come in as award miles:
	// the hotel gives 10 points a euro, and 5 hotel points make a mile. A member may claim
	// the miles of a flight up to six months after it (late_days).
	programme = `{
	  "id": "blue-miles", "version": 1, "name": "Blue Miles", "time_zone": "Europe/Amsterdam", "currency": "EUR",
	  "point_types": [
	    {"code": "award", "name": "Award miles", "kind": "spendable", "expiry": {"kind": "after", "months": 36}, "value_per_point": "0.008"},
	    {"code": "status", "name": "Status miles", "kind": "qualifying", "expiry": {"kind": "never"}}],
	  "earning": {
	    "base": [{"point_type": "award", "points": 4, "per": "1"}],
	    "rules": [
	      {"id": "tier-bonus", "name": "Silver, Gold and Platinum earn more award miles", "priority": 1,
	       "effect": {"point_type": "award", "tier_multiplier": true}},
	      {"id": "status-europe", "priority": 2, "per_line": true, "when": "!(line.sku startsWith 'KL0') && line.category == 'economy'",
	       "effect": {"point_type": "status", "bonus": 200}},
	      {"id": "status-europe-business", "priority": 3, "per_line": true, "when": "!(line.sku startsWith 'KL0') && line.category == 'business'",
	       "effect": {"point_type": "status", "bonus": 400}},
	      {"id": "status-long-haul", "priority": 4, "per_line": true, "when": "line.sku startsWith 'KL0' && line.category == 'economy'",
	       "effect": {"point_type": "status", "bonus": 1000}},
	      {"id": "status-long-haul-business", "priority": 5, "per_line": true, "when": "line.sku startsWith 'KL0' && line.category == 'business'",
	       "effect": {"point_type": "status", "bonus": 2000}}],
	    "late_days": 183},
	  "tiers": {"qualifying_type": "status", "window": {"kind": "calendar_year"}, "review": "calendar_year", "max_drop": 1,
	    "levels": [
	      {"code": "explorer", "name": "Explorer"},
	      {"code": "silver", "name": "Silver", "points": 3000, "multiplier": "1.25"},
	      {"code": "gold", "name": "Gold", "points": 6000, "multiplier": "1.5", "perks": ["lounge", "priority-bags"]},
	      {"code": "platinum", "name": "Platinum", "points": 12000, "multiplier": "2", "perks": ["lounge", "priority-bags"]}]},
	  "partners": [{"id": "grand-hotels", "name": "Grand Hotels", "point_type": "award", "in_rate": "0.2", "min_points": 100}]
	}`

	// The baggage desk works round the clock. A key passenger hears from it within 30
	// minutes, a valued one within the hour; every bag is back within two days, or two and
	// a half for a case of the lowest priority.
	deskCalendar = `{"time_zone": "Europe/Amsterdam", "always_open": true}`
	deskPolicy   = `{"id": "baggage", "levels": [
	  {"priority": "P1", "first_response": {"minutes": 30}, "resolution": {"hours": 48}},
	  {"priority": "P2", "first_response": {"hours": 1}, "resolution": {"hours": 48}},
	  {"priority": "P3", "first_response": {"hours": 2}, "resolution": {"hours": 60}}]}`
	// What the desk may grant on its own, in award miles a case: a baggage agent 5,000 for a
	// valued passenger and 10,000 for a key one; the duty manager more.
	empowerment = `{"roles": [
	  {"role": "baggage-agent", "ceilings": [{"value": "valued", "points": 5000}, {"value": "key", "points": 10000}]},
	  {"role": "duty-manager", "ceilings": [{"value": "standard", "points": 5000}, {"value": "valued", "points": 20000},
	                                        {"value": "key", "points": 40000}]}]}`

	// The monthly customer scorecard and its targets.
	targets = `{"currency": "EUR", "time_zone": "Europe/Amsterdam", "targets": {
	  "email_on_file": {"at_least": "75%"}, "known_revenue_share": {"at_least": "85%"},
	  "complaints_within_sla": {"at_least": "90%"}, "satisfaction_rate": {"at_least": "85%"},
	  "repurchase_intent": {"at_least": "80%"}}}`
)

// The value segments, read in order: the first that holds names the passenger. r, f and m
// are RFM quintiles (5 is best) over the trips before the first of the month; member_years
// is the length of the relationship, which the host adds as an attribute.
var valueSegments = []segment.SegmentDef{
	{Name: "Top value", When: "r >= 4 && m == 5", Description: "flying lately, and in the top fifth by revenue"},
	{Name: "High value", When: "r >= 3 && m >= 4", Description: "flying lately, and in the top two fifths by revenue"},
	{Name: "Loyal veteran", When: "attributes.member_years >= 8 && r >= 3 && f >= 3", Description: "a member for eight years or more who keeps flying"},
	{Name: "Lapsing value", When: "r <= 2 && m >= 4", Description: "worth a lot, but not flying lately: a churn risk"},
	{Name: "New and growing", When: "attributes.member_years < 2 && r >= 4", Description: "joined lately and flying"},
	{Name: "Dormant", When: "orders == 0", Description: "no trip in the window"},
}

const otherSegment = "Occasional"

// valueBand is what a passenger is worth to the baggage desk: their segment, or their tier
// when that says more.
func valueBand(seg, tier string) complaint.ValueBand {
	switch {
	case seg == "Top value" || tier == "platinum":
		return complaint.Key
	case seg == "High value" || seg == "Loyal veteran" || tier == "gold":
		return complaint.Valued
	}
	return complaint.Standard
}

// route is a flight from Amsterdam and back.
type route struct {
	to        string
	out, back string // flight numbers
	fare      int    // a typical economy return fare, euros
	hours     float64
}

var (
	shortHaul = []route{{"LHR", "KL1001", "KL1002", 180, 1.2}, {"CDG", "KL1223", "KL1224", 160, 1.3}, {"BCN", "KL1663", "KL1664", 210, 2.3},
		{"CPH", "KL1125", "KL1126", 170, 1.4}, {"FRA", "KL1761", "KL1762", 150, 1.1}}
	longHaul = []route{{"PVG", "KL0895", "KL0896", 780, 11.5}, {"PEK", "KL0897", "KL0898", 760, 10.2}, {"JFK", "KL0641", "KL0642", 690, 8.3},
		{"NRT", "KL0861", "KL0862", 880, 13.6}, {"SIN", "KL0835", "KL0836", 820, 12.6}}
)

// window is the calendar of the story, in the airline's zone: two years of trips, bags
// followed from November on, and the month the scorecard measures.
type window struct {
	loc                  *time.Location
	start, end, bagsFrom time.Time
	month                crm.Period
}

func newWindow(loc *time.Location) window {
	return window{loc: loc, start: time.Date(2024, 1, 1, 0, 0, 0, 0, loc), end: time.Date(2026, 1, 1, 0, 0, 0, 0, loc),
		bagsFrom: time.Date(2025, 11, 1, 0, 0, 0, 0, loc), month: crm.Month(2025, time.December)}
}

// passenger is one generated passenger: who they are, since when they are a member, and
// how they travel.
type passenger struct {
	profile  crm.Profile
	joined   time.Time
	stops    time.Time // when they stop flying with us; zero: they keep on
	perYear  float64   // trips a year
	longHaul float64   // share of long-haul trips
	business float64   // share of trips in business class
	hotel    float64   // chance of a partner hotel stay on a trip

	id crm.CustomerID // once the crm keeps them
}

// trip is one booking: a flight out of Amsterdam and back. A trip of a passenger not on
// file has no passenger.
type trip struct {
	p      *passenger
	order  kehu.Order
	route  route
	back   time.Time
	nights int        // at a partner hotel; 0: none
	spend  int64      // at the hotel, euros
	bag    bool       // the checked bag misses the outbound flight
	draws  [8]float64 // the trip's own chances, drawn when it is generated
}

// generate makes the passengers and their trips, from a fixed seed.
func generate(n int, w window) ([]*passenger, []*trip) {
	rng := rand.New(rand.NewPCG(2002, 9))
	names := fake.MustNew(2002, &fake.Options{ChineseShare: 0.3, BusinessShare: -1})
	between := func(a, b time.Time) time.Time {
		return a.Add(time.Duration(rng.Int64N(int64(b.Sub(a)/time.Minute))) * time.Minute)
	}
	ps := make([]*passenger, n)
	for i := range ps {
		p := &passenger{profile: names.Profile(i)}
		switch u := rng.Float64(); {
		case u < 0.12: // business travellers
			p.perYear, p.longHaul, p.business, p.hotel = 4+rng.ExpFloat64()*5, 0.3, 0.4, 0.4
		case u < 0.45: // regular leisure travellers
			p.perYear, p.longHaul, p.business, p.hotel = 1.5+rng.ExpFloat64()*1.5, 0.25, 0.05, 0.1
		default: // the occasional trip
			p.perYear, p.longHaul, p.business, p.hotel = 0.2+rng.ExpFloat64()*0.6, 0.2, 0.02, 0.05
		}
		if rng.Float64() < 0.7 {
			p.joined = between(time.Date(2008, 1, 1, 0, 0, 0, 0, w.loc), w.start)
		} else {
			p.joined = between(w.start, w.end.AddDate(0, 0, -7))
		}
		if rng.Float64() < 0.15 {
			p.stops = between(w.start, w.end)
		}
		// Members who joined before 2020 gave an email address less often.
		if p.joined.Year() < 2020 && rng.Float64() < 0.45 {
			p.profile.Emails = nil
		}
		ps[i] = p
	}

	var trips []*trip
	book := func(p *passenger, dep time.Time, far, business float64) *trip {
		t := &trip{p: p}
		rs := shortHaul
		if rng.Float64() < far {
			rs = longHaul
		}
		t.route = rs[rng.IntN(len(rs))]
		cabin, factor := "economy", 0.7+rng.Float64()*0.8
		if rng.Float64() < business {
			cabin, factor = "business", factor*3.2
		}
		cents := int64(float64(t.route.fare)*factor) * 100
		out, _ := kehu.NewMoneyFromMinor(cents/2, "EUR")
		back, _ := kehu.NewMoneyFromMinor(cents-cents/2, "EUR")
		t.order = kehu.Order{ID: fmt.Sprintf("PNR%07d", len(trips)+1), At: dep, Currency: "EUR", Channel: "web", Lines: []kehu.OrderLine{
			{ID: "1", SKU: t.route.out, Category: cabin, Quantity: 1, Amount: out},
			{ID: "2", SKU: t.route.back, Category: cabin, Quantity: 1, Amount: back}}}
		days := 2 + rng.IntN(12)
		if business > 0.3 {
			days = 1 + rng.IntN(4)
		}
		t.back = dep.AddDate(0, 0, days)
		if p != nil && rng.Float64() < p.hotel {
			t.nights = min(days, 1+rng.IntN(4))
			t.spend = int64(t.nights) * (120 + rng.Int64N(140))
		}
		t.bag = !dep.Before(w.bagsFrom) && rng.Float64() < 0.025
		for i := range t.draws {
			t.draws[i] = rng.Float64()
		}
		trips = append(trips, t)
		return t
	}
	// departure is a flight on the day after t (so never before t), between 06:00 and 22:00.
	departure := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day()+1, 6+rng.IntN(16), 5*rng.IntN(12), 0, 0, w.loc)
	}
	for _, p := range ps {
		from, to := w.start, w.end
		if p.joined.After(from) {
			from = p.joined
		}
		if !p.stops.IsZero() {
			to = p.stops
		}
		for at := from; ; {
			at = at.Add(time.Duration(rng.ExpFloat64() / p.perYear * float64(365*24*time.Hour)))
			dep := departure(at)
			if !dep.Before(to) {
				break
			}
			book(p, dep, p.longHaul, p.business)
		}
	}
	// Passengers not on file: bookings without a member number.
	for at := w.start; ; {
		at = at.Add(time.Duration(rng.ExpFloat64() * float64(3*time.Hour)))
		dep := departure(at)
		if !dep.Before(w.end) {
			break
		}
		book(nil, dep, 0.2, 0.03)
	}
	return ps, trips
}

// airline is the host: its services, its clock and what it keeps of its own.
type airline struct {
	clock    *kehu.Clock
	crm      *crm.Service
	miles    *loyalty.Service
	program  *loyalty.Program
	desk     *complaint.Service
	segments *segment.Segments
	w        window // the story's calendar, in the programme's zone
	queue    events
	seq      int

	members   []crm.MemberFact
	orders    []kehu.Order    // the members' trips, as credited
	facts     []crm.OrderFact // every trip, the members' and the others'
	surveys   []crm.SurveyFact
	segmentOf map[crm.CustomerID]string // the latest value segments
	snapshots map[time.Time]snapshot
	bags      []*bagCase
	bagOf     map[*trip]*bagCase
}

// milesDesk is how the airline wires complaint compensation: award miles paid into the
// passenger's account under the grant's own key, so that a retried payment pays once.
type milesDesk struct {
	miles   *loyalty.Service
	program *loyalty.Program
}

// Compensate pays a granted compensation as award miles into the passenger's account,
// under the grant's key.
func (d milesDesk) Compensate(ctx context.Context, g complaint.Grant) (string, error) {
	if g.Type != complaint.CompensationPoints {
		return "", fmt.Errorf("grant %s: the baggage desk grants award miles only, not %s", g.ID, g.Type)
	}
	e, err := d.miles.Earn(ctx, d.program, loyalty.Points{Customer: g.Customer, PointType: "award", Points: g.Points,
		Source: loyalty.Source{Type: "recovery", Ref: g.Case.String()}, Reason: "bag left behind", Key: g.Key})
	if err != nil {
		return "", err
	}
	return e.ID.String(), nil
}

func newAirline(st *stores, opts *kehu.Options, clock *kehu.Clock) (*airline, error) {
	program, err := loyalty.LoadProgram(strings.NewReader(programme))
	if err != nil {
		return nil, err
	}
	cal, err := complaint.LoadCalendar(strings.NewReader(deskCalendar))
	if err != nil {
		return nil, err
	}
	policy, err := complaint.LoadPolicy(strings.NewReader(deskPolicy), cal)
	if err != nil {
		return nil, err
	}
	policies, err := complaint.NewPolicies(policy)
	if err != nil {
		return nil, err
	}
	limits, err := complaint.LoadEmpowerment(strings.NewReader(empowerment))
	if err != nil {
		return nil, err
	}
	segs, err := segment.NewSegments(valueSegments)
	if err != nil {
		return nil, err
	}
	miles := loyalty.NewService(st.loyalty, opts)
	return &airline{
		clock: clock, crm: crm.NewService(st.crm, opts), miles: miles, program: program, segments: segs, w: newWindow(program.Location()),
		desk:      complaint.NewService(st.complaint, opts).WithPolicies(policies).WithCompensation(limits, milesDesk{miles, program}),
		segmentOf: map[crm.CustomerID]string{}, snapshots: map[time.Time]snapshot{}, bagOf: map[*trip]*bagCase{},
	}, nil
}

// event is something that happens at an instant; the queue runs them in time order, in
// the order they were scheduled at one instant.
type event struct {
	at  time.Time
	seq int
	do  func(context.Context) error
}

type events []*event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q events) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *events) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *events) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// at schedules do at t.
func (a *airline) at(t time.Time, do func(context.Context) error) {
	a.seq++
	heap.Push(&a.queue, &event{at: t, seq: a.seq, do: do})
}

// runUntil runs the events due before end, each at its instant on the clock; later ones
// are left undone.
func (a *airline) runUntil(ctx context.Context, end time.Time) error {
	for a.queue.Len() > 0 && a.queue[0].at.Before(end) {
		e := heap.Pop(&a.queue).(*event)
		a.clock.Set(e.at)
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("%s: %w", e.at.Format("2006-01-02 15:04"), err)
		}
	}
	a.clock.Set(end)
	return nil
}

// join keeps a new member on file and enrols them in the programme.
func (a *airline) join(ctx context.Context, p *passenger) error {
	c, err := a.crm.CreateCustomer(ctx, p.profile, &crm.CreateOptions{Stage: crm.StageActive, Reason: "joined Blue Miles"})
	if err != nil {
		return err
	}
	p.id = c.ID
	if _, err := a.miles.EvaluateTier(ctx, a.program, p.id); err != nil { // enrols at Explorer, joined now
		return err
	}
	a.members = append(a.members, crm.MemberFact{CustomerID: p.id, Joined: a.clock.Now()})
	return nil
}

// fly credits a member's trip and schedules what follows from it: a hotel stay, a bag left
// behind, a post-flight survey.
func (a *airline) fly(ctx context.Context, t *trip) error {
	o := t.order
	o.CustomerID = t.p.id
	if _, err := a.miles.EarnOrder(ctx, a.program, o, loyalty.Member{CustomerID: o.CustomerID, JoinedAt: t.p.joined}); err != nil {
		return err
	}
	a.orders = append(a.orders, o)
	if err := a.addFact(o); err != nil {
		return err
	}
	if t.nights > 0 {
		checkout := t.order.At.AddDate(0, 0, t.nights)
		a.at(time.Date(checkout.Year(), checkout.Month(), checkout.Day(), 11, 0, 0, 0, a.w.loc), func(ctx context.Context) error {
			_, err := a.miles.ExchangeIn(ctx, a.program, loyalty.Exchange{Partner: "grand-hotels", Customer: o.CustomerID,
				Points: t.spend * 10, Ref: "GH-" + o.ID})
			return err
		})
	}
	if t.bag {
		a.at(o.At.Add(15*time.Minute), func(ctx context.Context) error { return a.bagLeft(ctx, t) })
	}
	if t.draws[0] < 0.12 { // one passenger in eight answers the post-flight survey
		a.at(t.back.Add(20*time.Hour), func(context.Context) error { a.answerSurvey(t); return nil })
	}
	return nil
}

func (a *airline) addFact(o kehu.Order) error {
	f, err := crm.OrderFactOf(o)
	if err == nil {
		a.facts = append(a.facts, f)
	}
	return err
}

// classify scores every member on the trips before at and sorts them into the value
// segments.
func (a *airline) classify(ctx context.Context, at time.Time) error {
	txns, ordersErr := segment.Orders(slices.Values(a.orders))
	sums, err := segment.SummarizeSeq(txns, segment.Options{ObservationEnd: at, Location: a.w.loc})
	if err == nil {
		err = ordersErr()
	}
	if err != nil {
		return err
	}
	scores, err := segment.RFM(sums, nil)
	if err != nil {
		return err
	}
	scored := segment.IndexByCustomer(sums) // a customer's summary and RFM score are at the same position
	population := make([]segment.Features, len(a.members))
	for i, m := range a.members {
		f := segment.Features{Customer: m.CustomerID.String()}
		if j, ok := scored[f.Customer]; ok {
			f = segment.FeaturesOf(sums[j], &scores[j])
		}
		f.Attributes = map[string]any{"member_years": at.Sub(m.Joined).Hours() / (365.2425 * 24)}
		st, err := a.miles.Standing(ctx, a.program, m.CustomerID)
		if err != nil {
			return err
		}
		f.Tier = st.Tier
		population[i] = f
	}
	assigned, err := a.segments.Classify(population, otherSegment)
	if err != nil {
		return err
	}
	for i, as := range assigned {
		a.segmentOf[a.members[i].CustomerID] = as.Segment
	}
	a.snapshots[at] = snapshot{population, assigned}
	return nil
}

// snapshot is the value segments of one day: every member's features and segment.
type snapshot struct {
	features []segment.Features
	assigned []segment.Assignment
}

// bagCase is a bag that missed its flight, and the complaint case that put it right.
type bagCase struct {
	trip      *trip
	segment   string
	tier      string
	band      complaint.ValueBand
	proactive bool
	id        complaint.CaseID
	lands     time.Time // the passenger's flight lands
	delivered time.Time // the bag reaches the passenger
}

const (
	extraMiles = 5000 // for a key passenger whose bag took more than a day and a half
	lateAfter  = 36 * time.Hour
)

// milesFor is what the desk grants a valuable passenger for a bag left behind.
func milesFor(band complaint.ValueBand) int64 {
	if band == complaint.Key {
		return 8000
	}
	return 4000
}

// bagLeft is the baggage system's alarm: a checked bag did not board. A valuable passenger
// gets a case at once; the others find out at the carousel.
func (a *airline) bagLeft(ctx context.Context, t *trip) error {
	st, err := a.miles.Standing(ctx, a.program, t.p.id)
	if err != nil {
		return err
	}
	b := &bagCase{trip: t, segment: a.segmentOf[t.p.id], tier: st.Tier}
	b.band = valueBand(b.segment, b.tier)
	b.proactive = b.band != complaint.Standard
	flight := hours(t.route.hours)
	dep := t.order.At
	b.lands = dep.Add(flight)
	next := dep.Add(hours(2 + 3*t.draws[1])) // the next flight out
	if t.route.hours > 5 {
		next = dep.Add(24 * time.Hour)
	}
	courier := hours(4 + 40*t.draws[2])
	if b.proactive {
		courier = hours(1 + 2*t.draws[2]) // priority delivery
	}
	b.delivered = next.Add(flight + courier).Truncate(time.Minute)
	a.bags = append(a.bags, b)
	a.bagOf[t] = b
	if b.proactive {
		return a.openProactive(ctx, b)
	}
	a.at(b.lands.Add(hours(0.3+0.5*t.draws[3])).Truncate(time.Minute), func(ctx context.Context) error { return a.openAtCarousel(ctx, b) })
	return nil
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// openProactive opens the case before the passenger knows, calls them, apologises and
// grants miles within the agent's limit; the bag follows on the next flight.
func (a *airline) openProactive(ctx context.Context, b *bagCase) error {
	agent := kehu.WithActor(ctx, "baggage:ams")
	o := b.trip.order
	c, err := a.desk.Open(agent, complaint.Open{Customer: b.trip.p.id, Channel: complaint.Phone, Proactive: true,
		Category: "baggage.delayed", Order: o.ID, Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: b.band},
		Note: fmt.Sprintf("bag not loaded on %s to %s", o.Lines[0].SKU, b.trip.route.to), Key: "bag:" + o.ID})
	if err != nil {
		return err
	}
	b.id = c.ID
	a.at(a.clock.Now().Add(hours(0.1+0.3*b.trip.draws[3])).Truncate(time.Minute), func(ctx context.Context) error {
		agent := kehu.WithActor(ctx, "baggage:ams")
		return do(
			func() (*complaint.Case, error) {
				return a.desk.Reply(agent, b.id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Phone,
					Text: "Your bag follows on the next flight; we bring it to your door.", Then: complaint.Acknowledged, Key: "call"})
			},
			func() (*complaint.Case, error) {
				return a.desk.Apologise(agent, b.id, complaint.Apologise{Channel: complaint.Phone, Key: "sorry"})
			},
			func() (*complaint.Case, error) {
				return a.desk.Move(agent, b.id, complaint.Move{To: complaint.Assessed, Note: "traced; priority delivery", Key: "assess"})
			},
			func() (*complaint.Case, error) {
				return a.desk.RequestCompensation(agent, b.id, complaint.RequestCompensation{Type: complaint.CompensationPoints,
					Points: milesFor(b.band), Role: "baggage-agent", Key: "miles"})
			},
			func() (*complaint.Case, error) {
				_, err := a.crm.RecordInteraction(agent, crm.InteractionInput{CustomerID: b.trip.p.id, Channel: crm.ChannelPhone,
					Direction: crm.Outbound, Agent: "baggage:ams", Subject: "bag left behind: " + o.Lines[0].SKU, Key: "call:" + o.ID})
				return nil, err
			})
	})
	a.at(b.delivered, func(ctx context.Context) error { return a.deliver(ctx, b) })
	return nil
}

// openAtCarousel is the usual way: the passenger reports the missing bag at the desk of
// the airport they land at.
func (a *airline) openAtCarousel(ctx context.Context, b *bagCase) error {
	desk := "baggage:" + strings.ToLower(b.trip.route.to)
	agent := kehu.WithActor(ctx, desk)
	o := b.trip.order
	c, err := a.desk.Open(agent, complaint.Open{Customer: b.trip.p.id, Channel: complaint.Visit,
		Words: "My suitcase did not come off the belt.", Remedy: "deliver it to my address", Category: "baggage.delayed", Order: o.ID,
		Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: b.band}, Key: "bag:" + o.ID})
	if err != nil {
		return err
	}
	b.id = c.ID
	err = do(
		func() (*complaint.Case, error) {
			return a.desk.Reply(agent, b.id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Visit,
				Text: "Your bag is in Amsterdam; it will follow and be delivered.", Then: complaint.Acknowledged, Key: "report"})
		},
		func() (*complaint.Case, error) {
			return a.desk.Apologise(agent, b.id, complaint.Apologise{Channel: complaint.Visit, Key: "sorry"})
		},
		func() (*complaint.Case, error) {
			return a.desk.Move(agent, b.id, complaint.Move{To: complaint.Assessed, Note: "traced", Key: "assess"})
		},
		func() (*complaint.Case, error) {
			_, err := a.crm.RecordInteraction(agent, crm.InteractionInput{CustomerID: b.trip.p.id, Channel: crm.ChannelVisit,
				Direction: crm.Inbound, Agent: desk, Subject: "bag missing on arrival: " + o.Lines[0].SKU, Key: "desk:" + o.ID})
			return nil, err
		})
	if err != nil {
		return err
	}
	a.at(b.delivered, func(ctx context.Context) error { return a.deliver(ctx, b) })
	return nil
}

// deliver resolves the case when the bag reaches the passenger. A key passenger who waited
// more than a day and a half is offered more miles than the agent may grant alone; the duty
// manager approves them.
func (a *airline) deliver(ctx context.Context, b *bagCase) error {
	agent := kehu.WithActor(ctx, "baggage:ams")
	c, err := a.desk.RecordFix(agent, b.id, complaint.RecordFix{What: "bag delivered to the passenger's address", Key: "delivered"})
	if err != nil {
		return err
	}
	if b.band == complaint.Key && a.clock.Now().Sub(c.OpenedAt) > lateAfter {
		c, err = a.desk.RequestCompensation(agent, b.id, complaint.RequestCompensation{Type: complaint.CompensationPoints,
			Points: extraMiles, Role: "baggage-agent", Key: "more-miles"})
		if err != nil {
			return err
		}
		grant := c.Recovery.Grants[len(c.Recovery.Grants)-1]
		a.at(a.clock.Now().Add(40*time.Minute), func(ctx context.Context) error {
			_, err := a.desk.DecideCompensation(kehu.WithActor(ctx, "duty-manager:ams"), b.id,
				complaint.DecideCompensation{Grant: grant.ID, Approve: true, Role: "duty-manager", Key: "approve"})
			return err
		})
	}
	if _, err := a.desk.Move(agent, b.id, complaint.Move{To: complaint.Resolved, Note: "bag delivered", Key: "resolved"}); err != nil {
		return err
	}
	a.at(a.clock.Now().Add(3*time.Hour), func(ctx context.Context) error {
		_, err := a.desk.Answer(kehu.WithActor(ctx, "baggage:ams"), b.id, complaint.Answer{Accepted: true, Key: "accepted"})
		return err
	})
	return nil
}

// do runs a case's commands in order and stops at the first error.
func do(cmds ...func() (*complaint.Case, error)) error {
	for _, cmd := range cmds {
		if _, err := cmd(); err != nil {
			return err
		}
	}
	return nil
}

// answerSurvey records a post-flight survey answer: satisfied or not, the likelihood to
// recommend (0–10) and whether the passenger would fly with us again. A bag left behind
// weighs on all three, less when the airline told the passenger first.
func (a *airline) answerSurvey(t *trip) {
	satisfied, promoter, again := 0.88, 0.55, 0.86
	if b := a.bagOf[t]; b != nil && b.proactive {
		satisfied, promoter, again = 0.8, 0.45, 0.85
	} else if b != nil {
		satisfied, promoter, again = 0.45, 0.15, 0.6
	}
	score := 9 + int(2*t.draws[5]/promoter)
	if u := t.draws[5]; u >= promoter {
		score = 8 - int(9*(u-promoter)/(1-promoter))
	}
	at := a.clock.Now()
	a.surveys = append(a.surveys,
		crm.SurveyFact{At: at, Measure: crm.MeasureSatisfaction, Satisfied: t.draws[4] < satisfied},
		crm.SurveyFact{At: at, Measure: crm.MeasureNPS, Score: score},
		crm.SurveyFact{At: at, Measure: crm.MeasureRepurchase, WouldRepurchase: t.draws[6] < again})
}

// simulate generates n passengers and runs their two years over the stores.
func simulate(ctx context.Context, st *stores, n int) (*summary, error) {
	// A fixed clock and sequential IDs make every run print the same; a real host passes
	// nil options (time.Now and UUIDv7).
	opts, clock, _ := kehu.Deterministic(time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC))
	a, err := newAirline(st, opts, clock)
	if err != nil {
		return nil, err
	}
	passengers, trips := generate(n, a.w)
	for _, p := range passengers {
		a.at(p.joined, func(ctx context.Context) error { return a.join(ctx, p) })
	}
	for _, t := range trips {
		if t.p == nil {
			if err := a.addFact(t.order); err != nil {
				return nil, err
			}
			continue
		}
		a.at(t.order.At, func(ctx context.Context) error { return a.fly(ctx, t) })
	}
	a.at(time.Date(2025, 1, 1, 0, 0, 0, 0, a.w.loc), func(ctx context.Context) error {
		_, err := a.miles.ReviewTiers(ctx, a.program)
		return err
	})
	for _, at := range []time.Time{a.w.bagsFrom, a.w.month.From.In(a.w.loc)} {
		a.at(at, func(ctx context.Context) error { return a.classify(ctx, at) })
	}
	if err := a.runUntil(ctx, a.w.end); err != nil {
		return nil, err
	}
	return a.summarise(ctx, trips)
}

// summary is what the story found, kept as values so that it can be printed, or rendered
// some other way.
type summary struct {
	Zone          *time.Location // the airline's
	From, To      time.Time
	Passengers    int
	MemberTrips   int
	MemberRevenue kehu.Money
	OtherTrips    int // by passengers not on file
	OtherRevenue  kehu.Money

	// The value segments on SegmentsAt, with the passengers of each tier in them.
	SegmentsAt  time.Time
	WindowMonth int // months of trips the segments read
	Segments    []segmentRow
	Tiers       []loyalty.TierLevel
	Moved       int // passengers whose segment changed since the month before
	// TopWithoutStatus are Top value passengers below Gold; StatusNotTop Gold and Platinum
	// members outside Top and High value.
	TopWithoutStatus, StatusNotTop int

	// The programme at the end: members by tier on 31 December and after the review of
	// 1 January, the upgrades of 2025 and the downgrades of the review, the award miles
	// outstanding and the partner's month.
	TierCounts, AfterReview []int
	Upgrades, Downgrades    int
	Liability               []loyalty.LiabilityLine
	Partner                 partnerMonth

	Bags  bagReport
	Story caseStory

	Scorecard *crm.Scorecard
}

type segmentRow struct {
	Name      string
	Customers int
	Trips     float64    // per passenger, in the window
	Revenue   kehu.Money // per passenger, in the window
	Tenure    float64    // years of membership, on average
	ByTier    []int      // passengers at each tier, lowest first
}

type partnerMonth struct {
	Name         string
	Stays        int
	Miles        int64
	PricePerMile kehu.Money
	Invoice      kehu.Money
	Share        crm.Ratio // of the month's revenue, tickets and the partner's invoice
}

type bagReport struct {
	Bags      int
	Rows      []bagRow
	AtOnce    int // grants paid at once within the agent's limit
	Approved  int // grants above it, approved by the duty manager
	StillOpen int
}

type bagRow struct {
	Band       complaint.ValueBand
	Proactive  bool
	Cases      int
	FirstReply time.Duration // from the alarm to the first word to the passenger, on average
	Resolved   int
	InSLA      int
	Miles      int64
}

type caseStory struct {
	Case             *complaint.Case
	Segment, Tier    string
	Route            route
	Departure, Lands time.Time
}

// pricePerMile is what the partner pays the airline for a mile it gives a guest.
var pricePerMile = kehu.MustMoney("0.012", "EUR")

// summarise reads what the services keep at the end of the story.
func (a *airline) summarise(ctx context.Context, trips []*trip) (*summary, error) {
	now := a.clock.Now()
	s := &summary{Zone: a.w.loc, From: a.w.start, To: a.w.end, Passengers: len(a.members),
		MemberRevenue: kehu.ZeroMoney("EUR"), OtherRevenue: kehu.ZeroMoney("EUR")}
	for _, t := range trips {
		total, err := t.order.Total()
		if err != nil {
			return nil, err
		}
		if t.p == nil {
			s.OtherTrips++
			s.OtherRevenue, err = s.OtherRevenue.Add(total)
		} else {
			s.MemberTrips++
			s.MemberRevenue, err = s.MemberRevenue.Add(total)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := a.summariseSegments(s); err != nil {
		return nil, err
	}
	if err := a.summariseProgramme(ctx, s, now); err != nil {
		return nil, err
	}
	complaints, err := a.summariseBags(ctx, s, now)
	if err != nil {
		return nil, err
	}

	def, err := crm.LoadScorecard(strings.NewReader(targets))
	if err != nil {
		return nil, err
	}
	data := crm.ScorecardData{Orders: a.facts, Members: a.members, Complaints: complaints, Surveys: a.surveys}
	in := data.Input(a.w.month)
	store := crm.StoreFacts{Store: a.crm.Store()}
	in.Customers, in.Interactions = store, store
	if s.Scorecard, err = def.Compute(ctx, in); err != nil {
		return nil, err
	}
	return s, nil
}

// summariseSegments describes the value segments of the first of December, and how the
// tiers fall across them.
func (a *airline) summariseSegments(s *summary) error {
	s.SegmentsAt = a.w.month.From.In(a.w.loc)
	s.WindowMonth = 23
	snap, before := a.snapshots[s.SegmentsAt], a.snapshots[a.w.bagsFrom]
	s.Tiers = a.program.Tiers().Levels
	trips, revenue := map[crm.CustomerID]int{}, map[crm.CustomerID]decimal.Decimal{}
	for _, o := range a.orders {
		if !o.At.Before(s.SegmentsAt) {
			break
		}
		total, err := o.Total()
		if err != nil {
			return err
		}
		trips[o.CustomerID]++
		revenue[o.CustomerID] = revenue[o.CustomerID].Add(total.Amount())
	}
	rows := map[string]*segmentRow{}
	sums := map[string]decimal.Decimal{}
	names := append(a.segments.Names(), otherSegment)
	for _, n := range names {
		rows[n] = &segmentRow{Name: n, ByTier: make([]int, len(s.Tiers))}
	}
	gold := a.program.Tiers().Level("gold")
	for i, as := range snap.assigned {
		id, f := a.members[i].CustomerID, snap.features[i]
		r := rows[as.Segment]
		r.Customers++
		r.Trips += float64(trips[id])
		sums[as.Segment] = sums[as.Segment].Add(revenue[id])
		r.Tenure += f.Attributes["member_years"].(float64)
		level := a.program.Tiers().Level(f.Tier)
		r.ByTier[level]++
		top := as.Segment == "Top value" || as.Segment == "High value"
		if as.Segment == "Top value" && level < gold {
			s.TopWithoutStatus++
		}
		if level >= gold && !top {
			s.StatusNotTop++
		}
	}
	for _, n := range names {
		r := rows[n]
		if r.Customers > 0 {
			r.Trips /= float64(r.Customers)
			r.Tenure /= float64(r.Customers)
			avg, err := kehu.MoneyFromDecimal(sums[n].DivRound(decimal.NewFromInt(int64(r.Customers)), 2), "EUR")
			if err != nil {
				return err
			}
			r.Revenue = avg
		}
		s.Segments = append(s.Segments, *r)
	}
	moves, err := segment.Migrations(before.assigned, snap.assigned, nil)
	if err != nil {
		return err
	}
	for _, m := range moves.Moves {
		if m.From != segment.NoSegment {
			s.Moved++
		}
	}
	return nil
}

// summariseProgramme counts the members by tier at the end of the year and after the
// review of 1 January, the upgrades of 2025, the miles outstanding and the partner's
// month.
func (a *airline) summariseProgramme(ctx context.Context, s *summary, now time.Time) error {
	tiers := a.program.Tiers()
	if _, err := a.miles.ReviewTiers(ctx, a.program); err != nil {
		return err
	}
	s.TierCounts, s.AfterReview = make([]int, len(tiers.Levels)), make([]int, len(tiers.Levels))
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, a.w.loc)
	for _, m := range a.members {
		state, err := a.miles.Store().Member(ctx, a.program.ID(), m.CustomerID)
		if err != nil {
			return err
		}
		s.TierCounts[tiers.Level(state.TierAt(now.Add(-time.Microsecond)))]++
		s.AfterReview[tiers.Level(state.Tier)]++
		for _, ch := range state.History {
			switch {
			case ch.Reason == loyalty.TierQualified && !ch.At.Before(year):
				s.Upgrades++
			case ch.Reason == loyalty.TierReviewed && ch.At.Equal(now):
				s.Downgrades++
			}
		}
	}
	lines, err := a.miles.Liability(ctx, a.program, now)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if pt, _ := a.program.PointType(l.PointType); pt.Kind == loyalty.Spendable {
			s.Liability = append(s.Liability, l) // status miles are worth nothing to spend
		}
	}
	from, to := a.w.month.From.In(a.w.loc), a.w.month.To.In(a.w.loc)
	st, err := a.miles.PartnerSettlement(ctx, a.program, "grand-hotels", from, to)
	if err != nil {
		return err
	}
	partner, _ := a.program.Partner("grand-hotels")
	s.Partner = partnerMonth{Name: partner.Name, Stays: len(st.Entries), Miles: st.PointsIn - st.PointsOut, PricePerMile: pricePerMile,
		Invoice: pricePerMile.MulInt(st.PointsIn - st.PointsOut).Round(kehu.HalfUp)}
	tickets := decimal.Zero
	for _, f := range a.facts {
		if !f.At.Before(from) && f.At.Before(to) {
			tickets = tickets.Add(f.Amount.Amount())
		}
	}
	s.Partner.Share = crm.Ratio{Num: s.Partner.Invoice.Amount(), Den: tickets.Add(s.Partner.Invoice.Amount())}
	return nil
}

// summariseBags reads every bag's case and its SLA at the end, and returns the cases as the
// scorecard counts complaints.
func (a *airline) summariseBags(ctx context.Context, s *summary, now time.Time) ([]crm.ComplaintFact, error) {
	type key struct {
		band      complaint.ValueBand
		proactive bool
	}
	rows := map[key]*bagRow{}
	told := map[key]time.Duration{}
	var facts []crm.ComplaintFact
	for _, b := range a.bags {
		if b.id.IsZero() {
			continue // the passenger has not landed yet
		}
		c, err := a.desk.Case(ctx, b.id)
		if err != nil {
			return nil, err
		}
		sla, err := a.desk.SLA(ctx, b.id, now)
		if err != nil {
			return nil, err
		}
		s.Bags.Bags++
		k := key{b.band, b.proactive}
		r := rows[k]
		if r == nil {
			r = &bagRow{Band: b.band, Proactive: b.proactive}
			rows[k] = r
		}
		r.Cases++
		if fr := sla.Timings.FirstResponse; fr != nil {
			told[k] += c.OpenedAt.Add(fr.Calendar).Sub(b.lands)
		}
		if k, ok := sla.Clock(complaint.Resolution); ok && k.State == complaint.ClockStopped {
			r.Resolved++
			if !k.Breached {
				r.InSLA++
			}
		} else {
			s.Bags.StillOpen++
		}
		// The case as the scorecard counts complaints: received, due and resolved.
		h, err := a.desk.Policies().Handling(c, sla)
		if err != nil {
			return nil, err
		}
		facts = append(facts, crm.ComplaintFact{ReceivedAt: h.ReceivedAt, DueAt: h.DueAt, HandledAt: h.ResolvedAt})
		for _, g := range c.Recovery.Grants {
			if g.Status != complaint.GrantGranted {
				continue
			}
			r.Miles += g.Points
			if g.DecidedBy == g.RequestedBy {
				s.Bags.AtOnce++
			} else {
				s.Bags.Approved++
			}
		}
		// The story to tell: a key passenger's case, one that needed the duty manager if
		// there is one.
		if b.band == complaint.Key && c.Status == complaint.Closed && (s.Story.Case == nil || len(c.Recovery.Grants) > len(s.Story.Case.Recovery.Grants)) {
			s.Story = caseStory{Case: c, Segment: b.segment, Tier: b.tier, Route: b.trip.route, Departure: b.trip.order.At, Lands: b.lands}
		}
	}
	for _, band := range []complaint.ValueBand{complaint.Key, complaint.Valued, complaint.Standard} {
		for _, pro := range []bool{true, false} {
			if r := rows[key{band, pro}]; r != nil {
				r.FirstReply = told[key{band, pro}] / time.Duration(r.Cases)
				s.Bags.Rows = append(s.Bags.Rows, *r)
			}
		}
	}
	return facts, nil
}

// print writes the summary for people, in about sixty lines.
func (s *summary) print(w io.Writer) {
	day := func(t time.Time) string { return t.In(s.Zone).Format("2006-01-02") }
	last := s.To.Add(-time.Second)
	fmt.Fprintf(w, "An airline, %s to %s: %s passengers on file, all members of Blue Miles\n", day(s.From), day(last), group(s.Passengers))
	fmt.Fprintf(w, "  trips by members %s (%s), by passengers not on file %s (%s)\n", group(s.MemberTrips), money(s.MemberRevenue),
		group(s.OtherTrips), money(s.OtherRevenue))

	fmt.Fprintf(w, "\nValue segments on %s: RFM quintiles over %d months of trips, and years of membership (%d moved since 1 Nov)\n",
		day(s.SegmentsAt), s.WindowMonth, s.Moved)
	fmt.Fprintf(w, "  %-16s %9s %6s %12s %7s", "segment", "customers", "trips", "revenue", "member")
	for _, l := range s.Tiers {
		fmt.Fprintf(w, " %8s", l.Name)
	}
	fmt.Fprintln(w)
	for _, r := range s.Segments {
		fmt.Fprintf(w, "  %-16s %9s %6.1f %12s %6.1fy", r.Name, group(r.Customers), r.Trips, group(r.Revenue.Amount()), r.Tenure)
		for _, n := range r.ByTier {
			fmt.Fprintf(w, " %8s", group(n))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  status is not value: %d Top value passengers are below Gold, %d Gold and Platinum members are not of high value\n",
		s.TopWithoutStatus, s.StatusNotTop)

	fmt.Fprintf(w, "\nBlue Miles tiers, on status miles of the calendar year\n")
	fmt.Fprintf(w, "  %-9s %12s %8s %8s\n", "tier", "status miles", "31 Dec", "1 Jan")
	for i, l := range s.Tiers {
		fmt.Fprintf(w, "  %-9s %12s %8s %8s\n", l.Name, group(l.Points), group(s.TierCounts[i]), group(s.AfterReview[i]))
	}
	fmt.Fprintf(w, "  %d upgrades in 2025, %d members down a level at the review", s.Upgrades, s.Downgrades)
	for _, l := range s.Liability {
		fmt.Fprintf(w, "; %s %s miles outstanding (%s)", group(l.Available+l.Pending), l.PointType, money(l.Value))
	}
	fmt.Fprintln(w)
	share, _ := s.Partner.Share.Round(3, kehu.HalfUp)
	fmt.Fprintf(w, "  %s in December: %d stays, %s award miles at %s a mile: invoice %s, %s %% of the month's revenue\n",
		s.Partner.Name, s.Partner.Stays, group(s.Partner.Miles), s.Partner.PricePerMile, money(s.Partner.Invoice), share.Shift(2).StringFixed(1))

	fmt.Fprintf(w, "\nBags that missed their flight in November and December: %d\n", s.Bags.Bags)
	fmt.Fprintf(w, "  %-9s %-25s %5s  %-21s %-15s %7s\n", "value", "case opened", "cases", "passenger told", "resolved in SLA", "miles")
	for _, r := range s.Bags.Rows {
		how := "at the carousel"
		if r.Proactive {
			how = "before the passenger knew"
		}
		fmt.Fprintf(w, "  %-9s %-25s %5d  %-21s %-15s %7s\n", r.Band, how, r.Cases, fromLanding(r.FirstReply),
			fmt.Sprintf("%d of %d", r.InSLA, r.Cases), group(r.Miles))
	}
	fmt.Fprintf(w, "  grants: %d within the agent's limit, paid at once; %d above it, approved by the duty manager; %d cases open\n",
		s.Bags.AtOnce, s.Bags.Approved, s.Bags.StillOpen)
	if c := s.Story.Case; c != nil {
		tier := s.Story.Tier
		for _, l := range s.Tiers {
			if l.Code == tier {
				tier = l.Name
			}
		}
		fmt.Fprintf(w, "  %s, a %s member in %s: %s to %s, %s, landing %s\n", c.Order, tier, s.Story.Segment,
			s.Story.Route.out, s.Story.Route.to, s.Story.Departure.In(s.Zone).Format("Jan 2 15:04"), s.Story.Lands.In(s.Zone).Format("Jan 2 15:04"))
		for _, st := range c.Steps {
			note := st.Note
			if rest, ok := strings.CutPrefix(note, "grant "); ok { // the grant's ID, then what happened
				_, note, _ = strings.Cut(rest, ": ")
			}
			if r := []rune(note); len(r) > 52 {
				note = string(r[:51]) + "…"
			}
			line := fmt.Sprintf("    %s %-22s %-17s %-13s %s", st.At.In(s.Zone).Format("Jan 2 15:04"), st.Action, st.Actor, st.To, note)
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}

	fmt.Fprintln(w)
	fmt.Fprint(w, s.Scorecard)
}

// report builds the summary as an HTML page: the key figures, the value segments, the
// tiers, the partner's month, the bags and the scorecard.
func (s *summary) report() (*report.Report, error) {
	day := func(t time.Time) string { return t.In(s.Zone).Format("2 January 2006") }
	r := report.New("Blue Miles: customer value at an airline, 2024–2025")
	r.SetLang("en")
	r.Text(fmt.Sprintf("%s passengers on file, all members of Blue Miles, flew %s trips from %s to %s. They are valued on "+
		"recency, frequency, revenue and years of membership rather than on miles flown; the programme keeps award miles "+
		"apart from status miles; a bag that misses its flight is put right, the valuable passengers told before they land.",
		group(s.Passengers), group(s.MemberTrips), day(s.From), day(s.To.Add(-time.Second))))

	sec := r.Section("Key figures")
	outstanding := kehu.ZeroMoney("EUR")
	for _, l := range s.Liability {
		if v, err := outstanding.Add(l.Value); err == nil {
			outstanding = v
		}
	}
	sec.Figures([]report.Figure{{Label: "Passengers on file", Value: group(s.Passengers)},
		{Label: "Trips by members", Value: group(s.MemberTrips)}, {Label: "Members' revenue", Value: money(s.MemberRevenue)},
		{Label: "Trips by passengers not on file", Value: group(s.OtherTrips)}, {Label: "Their revenue", Value: money(s.OtherRevenue)},
		{Label: "Upgrades in 2025", Value: group(s.Upgrades)}, {Label: "Award miles outstanding, worth", Value: money(outstanding)},
		{Label: "Bags left behind", Value: group(s.Bags.Bags)}})

	sec = r.Section("Value segments")
	sec.Text(fmt.Sprintf("On %s, RFM quintiles over %d months of trips and the years of membership sort the members into "+
		"segments, read in order; %d passengers moved since 1 November. Status is not value: %d Top value passengers are "+
		"below Gold, and %d Gold and Platinum members are not of high value.", day(s.SegmentsAt), s.WindowMonth, s.Moved,
		s.TopWithoutStatus, s.StatusNotTop))
	segs := report.Table{Caption: "Members by value segment, with their trips and revenue per passenger",
		Header: []string{"Segment", "Customers", "Trips", "Revenue (EUR)", "Years of membership"}}
	for _, l := range s.Tiers {
		segs.Header = append(segs.Header, l.Name)
	}
	for _, row := range s.Segments {
		cells := []string{row.Name, group(row.Customers), fmt.Sprintf("%.1f", row.Trips), group(row.Revenue.Amount()),
			fmt.Sprintf("%.1f", row.Tenure)}
		for _, n := range row.ByTier {
			cells = append(cells, group(n))
		}
		segs.Rows = append(segs.Rows, cells)
	}
	sec.Table(segs)

	sec = r.Section("Tiers")
	sec.Text(fmt.Sprintf("Status miles of the calendar year qualify for a tier; the review of 1 January takes a member down one "+
		"level at most. %s upgrades in 2025, %s members down a level at the review.", group(s.Upgrades), group(s.Downgrades)))
	tiers := report.Table{Caption: "Members by tier", Header: []string{"Tier", "Status miles", "31 December", "1 January"}}
	bars := chart.Bar{Options: chart.Options{Title: "Members by tier on 31 December"}}
	for i, l := range s.Tiers {
		tiers.Rows = append(tiers.Rows, []string{l.Name, group(l.Points), group(s.TierCounts[i]), group(s.AfterReview[i])})
		bars.Categories, bars.Values = append(bars.Categories, l.Name), append(bars.Values, float64(s.TierCounts[i]))
	}
	sec.Table(tiers)
	if err := sec.Chart("Members by tier on 31 December", bars); err != nil {
		return nil, err
	}
	var miles []report.Figure
	for _, l := range s.Liability {
		miles = append(miles, report.Figure{Label: "Award miles outstanding", Value: group(l.Available + l.Pending)},
			report.Figure{Label: "Worth", Value: money(l.Value)})
	}
	sec.Figures(miles)

	sec = r.Section("Partner settlement")
	share, _ := s.Partner.Share.Round(3, kehu.HalfUp)
	sec.Text(fmt.Sprintf("Stays at %s come in as award miles; the partner pays %s for each mile it gives a guest, and the "+
		"month's settlement is its invoice.", s.Partner.Name, s.Partner.PricePerMile))
	sec.Figures([]report.Figure{{Label: "Stays in December", Value: group(s.Partner.Stays)},
		{Label: "Award miles", Value: group(s.Partner.Miles)}, {Label: "Invoice", Value: money(s.Partner.Invoice)},
		{Label: "Share of the month's revenue", Value: share.Shift(2).StringFixed(1) + " %"}})

	sec = r.Section("Bags left behind")
	sec.Text(fmt.Sprintf("%d bags missed their flight in November and December. A valuable passenger hears from the desk "+
		"before landing and is granted award miles within the agent's limit; %d grants were paid at once, %d above the "+
		"limit waited for the duty manager; %d cases are still open.", s.Bags.Bags, s.Bags.AtOnce, s.Bags.Approved, s.Bags.StillOpen))
	bags := report.Table{Caption: "Cases by the passenger's value and how they were opened",
		Header: []string{"Value", "Case opened", "Cases", "Passenger told", "Resolved in SLA", "Award miles"}}
	for _, row := range s.Bags.Rows {
		how := "at the carousel"
		if row.Proactive {
			how = "before the passenger knew"
		}
		bags.Rows = append(bags.Rows, []string{string(row.Band), how, group(row.Cases), fromLanding(row.FirstReply),
			fmt.Sprintf("%d of %d", row.InSLA, row.Cases), group(row.Miles)})
	}
	sec.Table(bags)
	if c := s.Story.Case; c != nil {
		tier := s.Story.Tier
		for _, l := range s.Tiers {
			if l.Code == tier {
				tier = l.Name
			}
		}
		trail := report.Table{Caption: fmt.Sprintf("%s, a %s member in %s: %s to %s, landing %s", c.Order, tier, s.Story.Segment,
			s.Story.Route.out, s.Story.Route.to, s.Story.Lands.In(s.Zone).Format("2 Jan 15:04")),
			Header: []string{"At", "Step", "By", "Status", "Note"}}
		for _, st := range c.Steps {
			trail.Rows = append(trail.Rows, []string{st.At.In(s.Zone).Format("2 Jan 15:04"), string(st.Action), st.Actor,
				string(st.To), st.Note})
		}
		sec.Table(trail)
	}

	sec = r.Section("Customer scorecard")
	sc := s.Scorecard
	sec.Text(fmt.Sprintf("December (%s) against November (%s), in %s.", sc.Period, sc.Previous, sc.Currency))
	kpis := report.Table{Header: []string{"KPI", "Value", "Target", "Previous", "Change"}}
	for _, k := range sc.KPIs {
		kpis.Rows = append(kpis.Rows, []string{string(k.Name), k.String(), k.TargetString(), k.PreviousString(), k.ChangeString()})
	}
	sec.Table(kpis)
	return r, nil
}

// fromLanding writes a time from landing to the minute: "4h37m before landing".
func fromLanding(d time.Duration) string {
	when := "after"
	if d < 0 {
		when, d = "before", -d
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm %s landing", int(d.Hours()), int(d.Minutes())%60, when)
}

// group writes a whole number or an amount with its thousands grouped: 6,464,860.00.
func group[N int | int64 | decimal.Decimal](n N) string {
	var text string
	switch n := any(n).(type) {
	case decimal.Decimal:
		text = n.StringFixed(2)
	default:
		text = fmt.Sprint(n)
	}
	whole, frac, _ := strings.Cut(text, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if frac != "" {
		frac = "." + frac
	}
	return sign + whole + frac
}

// money writes an amount with its thousands grouped and its currency.
func money(m kehu.Money) string { return group(m.Amount()) + " " + string(m.Currency()) }

// stores are where the airline keeps its data.
type stores struct {
	crm       crm.Store
	loyalty   loyalty.Store
	complaint complaint.Store
	close     func() error
}

// openStores returns the in-memory stores when dsn is empty, else the PostgreSQL stores in
// a new schema of the database at dsn, which close drops.
func openStores(ctx context.Context, dsn string) (*stores, error) {
	if dsn == "" {
		return &stores{crm: crm.NewMemoryStore(), loyalty: loyalty.NewMemoryStore(), complaint: complaint.NewMemoryStore(),
			close: func() error { return nil }}, nil
	}
	pool, drop, err := openSchema(ctx, dsn, "airline")
	if err != nil {
		return nil, err
	}
	return &stores{crm: postgres.NewCRMStore(pool), loyalty: postgres.NewLoyaltyStore(pool),
		complaint: postgres.NewComplaintStore(pool), close: drop}, nil
}

// openSchema connects to the PostgreSQL database at dsn and makes a schema of its own for
// the example, kehu_example_<name>_<random hex>: the pool's connections use it (their
// search_path), and kehu's migrations are applied to it. drop removes the schema and
// closes the pool.
func openSchema(ctx context.Context, dsn, name string) (pool *pgxpool.Pool, drop func() error, err error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	schema := fmt.Sprintf("kehu_example_%s_%012x", name, rand.Uint64()>>16)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, nil, err
	}
	drop = func() error {
		defer pool.Close()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		return err
	}
	if _, err = pool.Exec(ctx, "CREATE SCHEMA "+schema); err == nil {
		err = postgres.Migrate(ctx, pool)
	}
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return pool, drop, nil
}
