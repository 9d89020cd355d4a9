// Command bank runs a relationship manager's week at a bank's corporate desk (公客户管理)
// on the in-memory default: clients classed A, B and C, a contact plan (A monthly, B
// quarterly, C twice a year) with a follow-up after every loan drawdown, the visits due
// this week, the care occasions of the week in each client's DISC style, a know-your-
// customer update kept in the audit history, and the quarter's customer scorecard against
// the desk's targets. With -postgres it keeps its data in PostgreSQL instead, in a schema
// of its own that it drops at the end; the output is the same.
//
//	go run ./examples/bank
//	go run ./examples/bank -report bank-report   # and write bank-report/index.html
//	go run ./examples/bank -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
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
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/report"
)

func main() {
	dir := flag.String("report", "", "also write an HTML report of the week to `DIR`/index.html")
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

// The desk's contact plan: visits by client class (A monthly, B quarterly, C twice a
// year), a new client every two weeks, and a call three days after a loan drawdown. No
// calls after 21:00.
const plan = `{
  "id": "corporate-desk", "time_zone": "Asia/Shanghai", "class_attribute": "class",
  "cadences": [
    {"name": "A: monthly visit", "classes": ["A"], "every_months": 1, "channels": ["visit", "phone"], "counts": ["visit", "phone"]},
    {"name": "B: quarterly call", "classes": ["B"], "every_months": 3, "channels": ["phone", "visit"]},
    {"name": "C: twice a year", "classes": ["C"], "every_months": 6, "channels": ["phone", "email"]},
    {"name": "new client", "stages": ["potential"], "every_days": 14, "channels": ["visit"]}
  ],
  "follow_ups": [{"name": "after a drawdown", "after": "drawdown", "days": 3, "channels": ["phone"], "counts": ["phone", "visit"]}],
  "quiet_hours": {"from": "21:00", "to": "08:30"}
}`

// The desk's care calendar: its holidays and a playbook by occasion, class and DISC style.
const care = `{
  "time_zone": "Asia/Shanghai", "class_attribute": "class",
  "holidays": [{"code": "mid-autumn", "name": "中秋节", "dates": ["2026-09-25"]}],
  "playbook": [
    {"id": "birthday-a", "occasion": "birthday", "classes": ["A"], "action": "gift", "detail": "a tea gift box",
     "channels": ["visit", "letter"], "lead_days": 5,
     "style": {"default": "{name}，生日快乐！奉上{detail}。", "d": "{name}，生日快乐。", "c": "{name}，生日快乐。礼品将于{date}送达。"}},
    {"id": "birthday", "occasion": "birthday", "action": "greeting", "channels": ["sms", "email"],
     "style": {"default": "{name}，生日快乐！"}},
    {"id": "anniversary", "occasion": "anniversary", "action": "greeting", "channels": ["email", "sms"],
     "style": {"default": "感谢{name}与我们合作{years}年。"}},
    {"id": "mid-autumn", "occasion": "holiday", "holidays": ["mid-autumn"], "classes": ["A", "B"], "action": "gift",
     "detail": "mooncakes", "channels": ["visit", "letter"], "lead_days": 3,
     "style": {"default": "{holiday}快乐，{name}！", "i": "{holiday}快乐，{name}！月饼已在路上！"}}
  ]
}`

// The desk's scorecard: its targets for the quarter.
const targets = `{"currency": "CNY", "time_zone": "Asia/Shanghai", "targets": {
  "satisfaction_rate": {"at_least": "90%"}, "churn_rate": {"at_most": "10%"}, "complaints_within_sla": {"at_least": "95%"}}}`

// scorecard prints the third quarter's scorecard of the desk: the clients and their
// contacts from the crm, fee income and the relationship survey from the bank's own
// systems (here, lists).
func scorecard(ctx context.Context, out io.Writer, svc *crm.Service, ids map[string]crm.CustomerID, sh *time.Location) (*crm.Scorecard, error) {
	def, err := crm.LoadScorecard(strings.NewReader(targets))
	if err != nil {
		return nil, err
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 11, 0, 0, 0, sh) }
	fee := func(name string, m time.Month, d int, amount string) crm.OrderFact {
		return crm.OrderFact{CustomerID: ids[name], At: day(m, d), Amount: kehu.MustMoney(amount, "CNY")}
	}
	orders := []crm.OrderFact{
		fee("华东机械 王总", 5, 12, "18000"), fee("申江物流 陈总", 6, 3, "9500"), fee("浦发纺织 李经理", 4, 20, "4200"),
		fee("华东机械 王总", 8, 2, "21000"), fee("申江物流 陈总", 7, 15, "12000"), fee("申江物流 陈总", 9, 1, "3000"),
		fee("江南食品 赵会计", 9, 8, "800"),
	}
	surveys := []crm.SurveyFact{
		{At: day(9, 10), Measure: crm.MeasureSatisfaction, Satisfied: true},
		{At: day(9, 11), Measure: crm.MeasureSatisfaction, Satisfied: true},
		{At: day(9, 14), Measure: crm.MeasureSatisfaction, Satisfied: false},
		{At: day(9, 10), Measure: crm.MeasureNPS, Score: 9},
		{At: day(9, 11), Measure: crm.MeasureNPS, Score: 10},
		{At: day(9, 14), Measure: crm.MeasureNPS, Score: 6},
	}
	complaints := []crm.ComplaintFact{{ReceivedAt: day(8, 3), DueAt: day(8, 5), HandledAt: day(8, 4)}}
	data := crm.ScorecardData{Orders: orders, Surveys: surveys, Complaints: complaints}
	store := crm.StoreFacts{Store: svc.Store()}
	in := data.Input(crm.Period{From: kehu.MustDate(2026, 7, 1), To: kehu.MustDate(2026, 10, 1)})
	in.Customers, in.Interactions = store, store
	sc, err := def.Compute(ctx, in)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(out, "\nScorecard, third quarter")
	fmt.Fprint(out, sc)
	return sc, nil
}

type client struct {
	name, class string
	disc        crm.DISC
	birth       kehu.Date
	stage       crm.Stage
	lastVisit   string // "2006-01-02", empty: none
}

var clients = []client{
	{"华东机械 王总", "A", crm.DISCDominance, kehu.MustDate(1971, 9, 24), crm.StageKey, "2026-08-20"},
	{"申江物流 陈总", "A", crm.DISCInfluence, kehu.MustDate(1980, 3, 2), crm.StageActive, "2026-08-25"},
	{"浦发纺织 李经理", "B", crm.DISCSteadiness, kehu.MustDate(1985, 9, 26), crm.StageActive, "2026-06-22"},
	{"江南食品 赵会计", "C", crm.DISCConscientiousness, kehu.MustDate(1990, 9, 23), crm.StageActive, "2026-03-21"},
	{"新城科技 孙总", "", crm.DISCInfluence, kehu.Date{}, crm.StagePotential, "2026-09-01"},
}

func run(ctx context.Context, out io.Writer, reportDir, dsn string) (err error) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	store, closeStore, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeStore()) }()
	// A fixed clock and sequential IDs make every run print the same; a real host passes nil
	// options (time.Now and UUIDv7).
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 1, 5, 9, 0, 0, 0, sh))
	svc := crm.NewService(store, opts)
	rm := kehu.WithActor(ctx, "rm-zhou")

	contactPlan, err := crm.LoadContactPlan(strings.NewReader(plan))
	if err != nil {
		return err
	}
	careCalendar, err := crm.LoadCare(strings.NewReader(care))
	if err != nil {
		return err
	}

	ids := map[string]crm.CustomerID{}
	for i, cl := range clients {
		p := crm.Profile{Kind: crm.Business, Name: crm.Name{Display: cl.name}, DISC: cl.disc, Owner: "rm-zhou",
			Phones:       []crm.Phone{{Number: fmt.Sprintf("139 1000 %04d", i+1)}},
			Emails:       []crm.Email{{Address: fmt.Sprintf("client%d@example.cn", i+1)}},
			Demographics: crm.Demographics{BirthDate: cl.birth}}
		if cl.class != "" {
			p.Attributes = map[string]crm.AttrValue{"class": crm.StringAttr(cl.class)}
		}
		c, err := svc.CreateCustomer(rm, p, &crm.CreateOptions{Stage: cl.stage})
		if err != nil {
			return err
		}
		ids[cl.name] = c.ID
		if _, err := svc.RecordConsent(rm, c.ID, crm.ConsentInput{Channel: crm.ConsentSMS, Purpose: crm.PurposeMarketing,
			Granted: cl.class == "A", Source: "account-opening"}, nil); err != nil {
			return err
		}
	}

	// The year's visits, as the desk recorded them.
	for _, cl := range clients {
		if cl.lastVisit == "" {
			continue
		}
		d, err := kehu.ParseDate(cl.lastVisit)
		if err != nil {
			return err
		}
		clock.Set(d.In(sh).Add(10 * time.Hour))
		if _, err := svc.RecordInteraction(rm, crm.InteractionInput{CustomerID: ids[cl.name], Channel: crm.ChannelVisit,
			Direction: crm.Outbound, Subject: "regular visit", Agent: "rm-zhou"}); err != nil {
			return err
		}
	}
	// A KYC review: the registered address changed; the history keeps who changed it and why.
	clock.Set(time.Date(2026, 9, 18, 15, 0, 0, 0, sh))
	if _, err := svc.UpdateCustomer(rm, ids["江南食品 赵会计"], func(p *crm.Profile) error {
		p.Addresses = []crm.Address{{Country: "CN", Region: "上海市", City: "上海市", District: "闵行区", Street: "莘庄工业区申富路 88 号"}}
		return nil
	}, &crm.UpdateOptions{Reason: "KYC review 2026: registered address moved"}); err != nil {
		return err
	}

	// Monday morning, September 21.
	clock.Set(time.Date(2026, 9, 21, 8, 0, 0, 0, sh))
	drawdowns := []crm.FollowUpEvent{{Customer: ids["浦发纺织 李经理"], Kind: "drawdown", Ref: "LN-2026-0417",
		At: time.Date(2026, 9, 17, 14, 0, 0, 0, sh)}}
	due, err := svc.DueContacts(rm, contactPlan, clock.Now(), &crm.DueOptions{Events: slices.Values(drawdowns)})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Due and overdue on Monday 2026-09-21")
	for _, d := range due.Contacts {
		what := d.Rule
		if d.Ref != "" {
			what += " " + d.Ref
		}
		fmt.Fprintf(out, "  %-10s %-22s by %-5s due %s, %3d days overdue, from %s\n", d.Name, what, d.Channel, d.DueOn,
			d.DaysOverdue, d.ContactFrom.In(sh).Format("Mon 15:04"))
	}

	today := kehu.DateOf(clock.Now().In(sh))
	occ, err := svc.Upcoming(rm, careCalendar, today, today.AddDays(6), nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nCare this week")
	for _, o := range occ {
		ch := string(o.Channel)
		if !o.Contactable {
			ch = "(no channel)"
		}
		fmt.Fprintf(out, "  %s %-10s %-9s %-8s by %-12s prepare by %s: %s\n", o.Date, o.Name, o.Kind, o.Action, ch, o.PrepareBy, o.Message)
	}

	sc, err := scorecard(rm, out, svc, ids, sh)
	if err != nil {
		return err
	}

	hist, err := svc.History(rm, ids["江南食品 赵会计"], kehu.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nKYC history of 江南食品 赵会计")
	for _, ch := range hist.Items {
		fmt.Fprintf(out, "  v%d %s %-7s by %s  %s\n", ch.Version, ch.At.In(sh).Format("2006-01-02 15:04"), ch.Action, ch.Actor, ch.Reason)
	}
	if reportDir == "" {
		return nil
	}
	path, err := weekReport(due, occ, sc, hist.Items, sh).WriteFile(reportDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "report written to", path)
	return nil
}

// weekReport is the week as an HTML report: the contacts due, the care occasions, the
// quarter's scorecard against the desk's targets and the KYC history.
func weekReport(due *crm.DueList, occ []crm.CareOccasion, sc *crm.Scorecard, hist []crm.Change, sh *time.Location) *report.Report {
	r := report.New("Corporate desk, week of 21 September 2026")
	r.SetLang("zh-CN")
	r.Text("A relationship manager's week: the visits and calls the contact plan says are due, the care occasions of the " +
		"week in each client's DISC style, and the third quarter's customer scorecard against the desk's targets.")

	targets, met := 0, 0
	for _, k := range sc.KPIs {
		if k.Target != nil {
			targets++
			if k.Target.Status == crm.TargetMet {
				met++
			}
		}
	}
	s := r.Section("Contacts due")
	s.Figures([]report.Figure{{Label: "Contacts due", Value: fmt.Sprint(len(due.Contacts))},
		{Label: "Care occasions", Value: fmt.Sprint(len(occ))}, {Label: "Targets met", Value: fmt.Sprintf("%d of %d", met, targets)}})
	t := report.Table{Caption: "Due and overdue on Monday 2026-09-21, open complaints first, then by value",
		Header: []string{"Client", "Rule", "Channel", "Due", "Days overdue", "Contact from"}}
	for _, d := range due.Contacts {
		rule := d.Rule
		if d.Ref != "" {
			rule += " " + d.Ref
		}
		t.Rows = append(t.Rows, []string{d.Name, rule, string(d.Channel), d.DueOn.String(), fmt.Sprint(d.DaysOverdue),
			d.ContactFrom.In(sh).Format("Mon 15:04")})
	}
	s.Table(t)

	s = r.Section("Care this week")
	t = report.Table{Header: []string{"Date", "Client", "Occasion", "Action", "Channel", "Prepare by", "Message"}}
	for _, o := range occ {
		ch := string(o.Channel)
		if !o.Contactable {
			ch = "(no channel)"
		}
		t.Rows = append(t.Rows, []string{o.Date.String(), o.Name, string(o.Kind), string(o.Action), ch, o.PrepareBy.String(), o.Message})
	}
	s.Table(t)

	s = r.Section("Scorecard, third quarter")
	s.Text(fmt.Sprintf("%s against %s, in %s.", sc.Period, sc.Previous, sc.Currency))
	t = report.Table{Header: []string{"KPI", "Value", "Target", "Previous", "Change"}}
	for _, k := range sc.KPIs {
		t.Rows = append(t.Rows, []string{string(k.Name), k.String(), k.TargetString(), k.PreviousString(), k.ChangeString()})
	}
	s.Table(t)

	s = r.Section("KYC history of 江南食品 赵会计")
	t = report.Table{Header: []string{"Version", "At", "Change", "By", "Reason"}}
	for _, ch := range hist {
		t.Rows = append(t.Rows, []string{fmt.Sprint(ch.Version), ch.At.In(sh).Format("2006-01-02 15:04"), ch.Action, ch.Actor, ch.Reason})
	}
	s.Table(t)
	return r
}

// openStore returns the crm store: the in-memory default when dsn is empty, else the
// PostgreSQL store in a new schema of the database at dsn, which closeStore drops.
func openStore(ctx context.Context, dsn string) (store crm.Store, closeStore func() error, err error) {
	if dsn == "" {
		return crm.NewMemoryStore(), func() error { return nil }, nil
	}
	pool, drop, err := openSchema(ctx, dsn, "bank")
	if err != nil {
		return nil, nil, err
	}
	return postgres.NewCRMStore(pool), drop, nil
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
