// Command quickstart is the smallest complete tour of kehu: a shop's year with its customers,
// through every domain package, in about thirty lines of output.
//
//   - crm: four customers are created (a Chinese name written family name first, phone
//     numbers normalised to E.164) and a phone call is logged with the reply it needs;
//   - loyalty: a points programme with a silver tier reached by spend earns on the year's
//     orders, and a customer redeems points for a voucher;
//   - segment: RFM classes over the year's orders (ours and 200 generated customers'), and a
//     BG/NBD and Gamma-Gamma fit that forecasts one customer's twelve-month lifetime value;
//   - survey: an NPS and CSAT questionnaire, four responses, one scored, the wave's NPS;
//   - complaint: a case opened on a business calendar, answered and resolved within its SLA,
//     with goodwill points paid into loyalty through the Compensator the host wires.
//
// The clock is fixed and the IDs sequential (kehu.Deterministic), and the generated orders
// come from a fixed seed, so every run prints the same. The data live in the in-memory
// stores, or with -postgres in PostgreSQL, in a schema of its own that the program drops
// at the end; the output is the same.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/fake"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/segment"
	"github.com/kehu-crm/kehu/survey"
)

func main() {
	dsn := flag.String("postgres", "", "keep the data in the PostgreSQL database at `DSN` instead of in memory")
	flag.Parse()
	// Ctrl-C stops the tour, which then drops its PostgreSQL schema; a second one ends the
	// program at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Stdout, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// purchases are the year's orders of our four customers, as the host's order system
// records them: the buyer (an index into the customers), the day (at noon in Shanghai) and
// the amount in yuan.
var purchases = []struct {
	buyer     int
	day, yuan string
}{
	{0, "2025-01-18", "268.00"}, {1, "2025-01-24", "1260.00"}, {3, "2025-02-14", "45.00"}, {1, "2025-03-08", "940.00"},
	{0, "2025-03-22", "189.50"}, {0, "2025-05-30", "342.00"}, {0, "2025-08-08", "415.80"}, {0, "2025-10-11", "236.00"},
	{2, "2025-12-01", "120.00"}, {0, "2025-12-06", "398.00"},
}

func run(ctx context.Context, out io.Writer, dsn string) (err error) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	st, err := openStores(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.close()) }()
	// A fixed clock and sequential IDs make every run print the same; a real host passes nil
	// options (time.Now and UUIDv7).
	opts, clock, _ := kehu.Deterministic(time.Date(2025, 1, 6, 9, 0, 0, 0, shanghai))
	ctx = kehu.WithActor(ctx, "quickstart") // who acts, as every audit trail records it
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	when := func(t time.Time) string { return t.In(shanghai).Format("Mon 2 Jan 15:04") }

	// crm: customer files. The service normalises what it is given: phones to E.164, a
	// number without a country code read in the service's region.
	people := crm.NewService(st.crm, opts).InRegion("CN")
	profiles := []crm.Profile{
		{Name: crm.Name{Family: "王", Given: "小明", FamilyFirst: true, Phonetic: "Wang Xiaoming"},
			Phones: []crm.Phone{{Number: "138 0013 8000"}}},
		{Name: crm.Name{Given: "Jane", Family: "Smith"}, Company: "Northwind Traders",
			Phones: []crm.Phone{{Number: "+1 (415) 555-2671"}}},
		{Name: crm.Name{Family: "李", Given: "娜", FamilyFirst: true, Phonetic: "Li Na"},
			Phones: []crm.Phone{{Number: "021-6888 8888"}}},
		{Name: crm.Name{Given: "Lukas", Family: "Becker"}, Phones: []crm.Phone{{Number: "+49 30 901820"}}},
	}
	p("crm: four customer files, names composed in their own order, phones normalised to E.164")
	customers := make([]*crm.Customer, len(profiles))
	for i, pr := range profiles {
		if customers[i], err = people.CreateCustomer(ctx, pr, nil); err != nil {
			return err
		}
		p("  %s: phone %q stored as %s", customers[i].Name.Display, pr.Phones[0].Number, customers[i].PrimaryPhone())
	}
	wang := customers[0]
	call, err := people.RecordInteraction(ctx, crm.InteractionInput{CustomerID: wang.ID, Channel: crm.ChannelPhone,
		Direction: crm.Inbound, Subject: "an invoice copy", Urgency: crm.UrgencyHigh, ReplyBy: clock.Now().Add(24 * time.Hour)})
	if err != nil {
		return err
	}
	p("  %s phoned on %s about %s: reply due %s", wang.Name.Display, when(call.At), call.Subject, when(call.ReplyBy))

	// loyalty: a programme written in Go and compiled once: a point per whole yuan of each
	// order line, silver from ¥1,000 spent in a calendar year, gold from ¥5,000.
	program, err := loyalty.Compile(loyalty.ProgramSpec{
		ID: "rewards", Version: 1, Name: "Rewards", TimeZone: "Asia/Shanghai", Currency: "CNY",
		PointTypes: []loyalty.PointType{{Code: "points", Name: "积分", Kind: loyalty.Spendable,
			Expiry: loyalty.ExpiryPolicy{Kind: loyalty.NeverExpire}}},
		Earning: loyalty.EarningRules{Base: []loyalty.BaseRate{{PointType: "points", Points: 1, Per: decimal.NewFromInt(1)}}},
		Tiers: &loyalty.Tiers{Levels: []loyalty.TierLevel{{Code: "member", Name: "Member"},
			{Code: "silver", Name: "Silver", Spend: decimal.NewFromInt(1000)}, {Code: "gold", Name: "Gold", Spend: decimal.NewFromInt(5000)}},
			Window: loyalty.TierWindow{Kind: loyalty.WindowCalendarYear}, Review: loyalty.ReviewCalendarYear},
	})
	if err != nil {
		return err
	}
	points := loyalty.NewService(st.loyalty, opts)
	var (
		orders []kehu.Order
		tier   *loyalty.TierStatus // where 王小明 stands after his latest order
		up     *loyalty.TierChange // the upgrade one of his orders brought
	)
	for i, o := range purchases {
		day, err := time.ParseInLocation(time.DateOnly, o.day, shanghai)
		if err != nil {
			return err
		}
		order := kehu.Order{ID: fmt.Sprintf("SO-%d", i+1), CustomerID: customers[o.buyer].ID, At: day.Add(12 * time.Hour),
			Currency: "CNY", Lines: []kehu.OrderLine{{ID: "1", Quantity: 1, Amount: kehu.MustMoney(o.yuan, "CNY")}}}
		clock.Set(order.At) // each order earns as it is paid
		res, err := points.EarnOrder(ctx, program, order, loyalty.Member{CustomerID: order.CustomerID})
		if err != nil {
			return err
		}
		if order.CustomerID == wang.ID {
			tier = res.Tier
			if res.Upgrade != nil {
				up = res.Upgrade
			}
		}
		orders = append(orders, order)
	}
	today := time.Date(2025, 12, 15, 9, 0, 0, 0, shanghai) // a Monday
	clock.Set(today)
	before, err := points.Balance(ctx, program, wang.ID, "points")
	if err != nil {
		return err
	}
	if _, err := points.Redeem(ctx, program, loyalty.Points{Customer: wang.ID, PointType: "points", Points: 500,
		Reason: "¥5 voucher", Key: "voucher-1"}); err != nil {
		return err
	}
	after, err := points.Balance(ctx, program, wang.ID, "points")
	if err != nil {
		return err
	}
	p("\nloyalty: a point per whole yuan of each order; silver from 1000 CNY spent in a year, gold from 5000")
	p("  %s spent %s in 2025: %s → %s on %s; %s more for %s", wang.Name.Display, tier.Spent, up.From, up.To,
		up.At.In(shanghai).Format(time.DateOnly), tier.Next.Spend, tier.Next.Tier)
	p("  balance %d points; he redeems 500 for a ¥5 voucher: balance %d", before.Available, after.Available)

	// segment: the year's orders, ours and 200 generated customers' (a fixed seed),
	// summarised per customer in weeks: what RFM and the lifetime-value models read.
	model := fake.DefaultPurchaseModel()
	model.Gamma *= 5 // orders of about 175 yuan
	gen, err := fake.New(14, &fake.Options{Start: time.Date(2025, 1, 1, 0, 0, 0, 0, shanghai), End: today, Model: model})
	if err != nil {
		return err
	}
	all := slices.AppendSeq(slices.Clone(orders), gen.Orders(200, nil))
	txns, ordersErr := segment.Orders(slices.Values(all))
	sums, err := segment.SummarizeSeq(txns, segment.Options{Period: segment.Week, ObservationEnd: today, Location: shanghai})
	if err == nil {
		err = ordersErr()
	}
	if err != nil {
		return err
	}
	rfm, err := segment.RFM(sums, nil) // scores 1–5 of recency, frequency and money, and a class
	if err != nil {
		return err
	}
	bg, err := segment.FitBGNBD(sums, nil) // how often customers buy, and when they drop out
	if err != nil {
		return err
	}
	gg, err := segment.FitGammaGamma(sums, nil) // how much they spend an order
	if err != nil {
		return err
	}
	p("\nsegment: %d customers' orders of 2025 (%d generated), summarised per customer", len(sums), len(sums)-len(customers))
	at := segment.IndexByCustomer(sums) // where each customer's summary is, and their RFM score
	for _, c := range customers {
		i := at[c.ID.String()]
		s, r := sums[i], rfm[i]
		p("  %s: RFM %s, %s (last order %d days ago, %s, %s CNY)", c.Name.Display, r.Code(), r.Segment,
			s.DaysSinceLast, count(s.Orders, "order"), s.Total.StringFixed(2))
	}
	truth := gen.Options().Model
	p("  BG/NBD fit r %.3f, α %.2f, a %.3f, b %.2f (generated with %.3f, %.2f, %.3f, %.2f)", bg.Params.R, bg.Params.Alpha,
		bg.Params.A, bg.Params.B, truth.R, truth.Alpha, truth.A, truth.B)
	k := at[wang.ID.String()]
	f, err := segment.ForecastCLV(bg, gg, sums[k], segment.Week, &segment.CLVOptions{Months: 12})
	if err != nil {
		return err
	}
	clv, err := kehu.MoneyFromDecimal(decimal.NewFromFloat(f.CLV).Round(2), "CNY") // an estimate, rounded to show
	if err != nil {
		return err
	}
	p("  %s, next 12 months: P(alive) %.2f, %.1f purchases × %.2f CNY, CLV %s (1 %%/month discount)",
		wang.Name.Display, f.ProbabilityAlive, f.ExpectedPurchases, f.ExpectedSpend, clv)

	// survey: a two-question questionnaire, published once, answered by our four customers.
	surveys := survey.NewService(st.survey, opts)
	form, err := surveys.Publish(ctx, survey.Spec{ID: "year-end", Version: 1, Locale: "en",
		Title: survey.Label{"en": "How was your year with us?"},
		Sections: []survey.Section{{ID: "main", Questions: []survey.Question{
			{ID: "recommend", Kind: survey.NPS, Required: true, Label: survey.Label{"en": "How likely are you to recommend us?"}},
			{ID: "satisfied", Kind: survey.CSAT, Required: true, Label: survey.Label{"en": "How satisfied are you?"}},
		}}}})
	if err != nil {
		return err
	}
	answers := [][2]float64{{9, 4}, {10, 5}, {7, 4}, {3, 2}} // recommend 0–10, satisfied 1–5
	var responses []*survey.Response
	for i, a := range answers {
		r, err := surveys.Submit(ctx, survey.Submission{Survey: form.ID(), Version: form.Version(), Customer: customers[i].ID,
			Answers: []survey.Answer{{Question: "recommend", Value: &a[0]}, {Question: "satisfied", Value: &a[1]}},
			Key:     "year-end:" + customers[i].ID.String()})
		if err != nil {
			return err
		}
		responses = append(responses, r)
	}
	score, err := form.Score(responses[0])
	if err != nil {
		return err
	}
	nps, err := form.NPS(slices.Values(responses), "recommend", 0.95)
	if err != nil {
		return err
	}
	csat, err := form.CSAT(slices.Values(responses), "satisfied", 0.95)
	if err != nil {
		return err
	}
	p("\nsurvey: %q, an NPS question (0–10) and a CSAT question (1–5)", form.Spec().Title["en"])
	p("  %s answers %.0f and %.0f: his response scores %.1f of 100", wang.Name.Display, answers[0][0], answers[0][1], score.Index)
	p("  over %d responses: NPS %+.0f (%.0f %% promoters, %.0f %% detractors), CSAT %.0f %% satisfied", nps.N, nps.Score,
		100*nps.Promoters, 100*nps.Detractors, 100*csat.Share)

	// complaint: SLA targets per priority on the desk's business calendar, and what an
	// agent may grant on her own, paid into loyalty through pointsDesk.
	weekday := []complaint.Shift{{From: "09:00", To: "18:00"}}
	cal, err := complaint.CompileCalendar(complaint.CalendarSpec{TimeZone: "Asia/Shanghai", Week: complaint.Week{
		Monday: weekday, Tuesday: weekday, Wednesday: weekday, Thursday: weekday, Friday: weekday}})
	if err != nil {
		return err
	}
	policy, err := complaint.CompilePolicy(complaint.PolicySpec{ID: "standard", Levels: []complaint.LevelSpec{
		{Priority: complaint.P1, FirstResponse: &complaint.TargetSpec{Minutes: 30}, Resolution: &complaint.TargetSpec{Hours: 4}},
		{Priority: complaint.P2, FirstResponse: &complaint.TargetSpec{Hours: 2}, Resolution: &complaint.TargetSpec{BusinessDays: 1}},
		{Priority: complaint.P3, FirstResponse: &complaint.TargetSpec{Hours: 4}, Resolution: &complaint.TargetSpec{BusinessDays: 3}},
	}}, cal)
	if err != nil {
		return err
	}
	policies, err := complaint.NewPolicies(policy)
	if err != nil {
		return err
	}
	limits, err := complaint.CompileEmpowerment(complaint.EmpowermentSpec{Roles: []complaint.RoleCeilings{{Role: "agent",
		Ceilings: []complaint.Ceiling{{Value: complaint.Standard, Points: 200}, {Value: complaint.Key, Points: 1000}}}}})
	if err != nil {
		return err
	}
	desk := complaint.NewService(st.complaint, opts).WithPolicies(policies).WithCompensation(limits, pointsDesk{points, program})

	value := complaint.Standard // what the customer is worth, as the host judges it: here by RFM
	if rfm[k].Segment == segment.SegChampions {
		value = complaint.Key
	}
	clock.Set(time.Date(2025, 12, 15, 16, 30, 0, 0, shanghai))
	c, err := desk.Open(ctx, complaint.Open{Customer: wang.ID, Channel: complaint.Phone, Words: "The teapot arrived broken.",
		Category: complaint.CategoryDefectiveProduct, Order: "SO-10", Key: "call-1",
		Triage: complaint.Triage{Severity: complaint.Moderate, Urgency: complaint.Normal, Value: value}})
	if err != nil {
		return err
	}
	sla, err := desk.SLA(ctx, c.ID, clock.Now())
	if err != nil {
		return err
	}
	first, _ := sla.Clock(complaint.FirstResponse)
	resolution, _ := sla.Clock(complaint.Resolution)
	p("\ncomplaint: desk hours Mon–Fri 09:00–18:00; a P2 case is answered in 2 hours, resolved in a day")
	p("  %s %s calls: %q", when(c.OpenedAt), wang.Name.Display, c.Words)
	p("  %s × %s × %s customer (an RFM champion): priority %s", c.Triage.Severity, c.Triage.Urgency, c.Triage.Value,
		c.Assessment.Priority)
	p("  in working hours: first response due %s, resolution due %s", when(first.Due), when(resolution.Due))

	clock.Set(time.Date(2025, 12, 15, 17, 5, 0, 0, shanghai))
	if c, err = desk.Reply(ctx, c.ID, complaint.Reply{Kind: complaint.Public, Channel: complaint.Phone,
		Text: "So sorry: a new one leaves tomorrow.", Then: complaint.Acknowledged, Key: "reply-1"}); err != nil {
		return err
	}
	p("  %s the desk calls back: %q", when(clock.Now()), c.Steps[len(c.Steps)-1].Note)
	clock.Set(time.Date(2025, 12, 16, 11, 20, 0, 0, shanghai))
	if _, err := desk.Move(ctx, c.ID, complaint.Move{To: complaint.Assessed, Key: "assess-1"}); err != nil {
		return err
	}
	if c, err = desk.RequestCompensation(ctx, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints,
		Points: 300, Role: "agent", Note: "goodwill", Key: "goodwill-1"}); err != nil {
		return err
	}
	if c, err = desk.Move(ctx, c.ID, complaint.Move{To: complaint.Resolved, Note: "new teapot delivered", Key: "resolve-1"}); err != nil {
		return err
	}
	final, err := points.Balance(ctx, program, wang.ID, "points")
	if err != nil {
		return err
	}
	g := c.Recovery.Grants[0]
	p("  %s a new teapot is delivered: %s", when(clock.Now()), c.Status)
	p("  %d goodwill points %s within the agent's limit, paid into loyalty: balance %d", g.Points, g.Status, final.Available)
	if sla, err = desk.SLA(ctx, c.ID, clock.Now()); err != nil {
		return err
	}
	for _, clk := range sla.Clocks {
		met := "met"
		if clk.Breached {
			met = "breached"
		}
		p("  SLA %s: %s of %s working time, %s", clk.Kind, hm(clk.Elapsed), hm(clk.Target), met)
	}
	return nil
}

// pointsDesk is how the host wires complaint compensation to loyalty: points are earned
// into the customer's account under the grant's own key, so a retried payment pays once.
type pointsDesk struct {
	points  *loyalty.Service
	program *loyalty.Program
}

// Compensate pays a granted compensation in points.
func (d pointsDesk) Compensate(ctx context.Context, g complaint.Grant) (string, error) {
	if g.Type != complaint.CompensationPoints {
		return "", fmt.Errorf("only points are paid here, not %s", g.Type)
	}
	e, err := d.points.Earn(ctx, d.program, loyalty.Points{Customer: g.Customer, PointType: "points", Points: g.Points,
		Reason: "complaint " + g.Case.String(), Key: g.Key})
	if err != nil {
		return "", err
	}
	return "loyalty entry " + e.ID.String(), nil
}

// count writes n nouns: "1 order", "6 orders".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// hm writes a duration in hours and minutes: 3h50m, 2h, 35m.
func hm(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// stores are where the tour keeps its data.
type stores struct {
	crm       crm.Store
	loyalty   loyalty.Store
	survey    survey.Store
	complaint complaint.Store
	close     func() error
}

// openStores returns the in-memory stores when dsn is empty, else the PostgreSQL stores in
// a new schema of the database at dsn, which close drops.
func openStores(ctx context.Context, dsn string) (*stores, error) {
	if dsn == "" {
		return &stores{crm: crm.NewMemoryStore(), loyalty: loyalty.NewMemoryStore(), survey: survey.NewMemoryStore(),
			complaint: complaint.NewMemoryStore(), close: func() error { return nil }}, nil
	}
	pool, drop, err := openSchema(ctx, dsn, "quickstart")
	if err != nil {
		return nil, err
	}
	return &stores{crm: postgres.NewCRMStore(pool), loyalty: postgres.NewLoyaltyStore(pool), survey: postgres.NewSurveyStore(pool),
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
