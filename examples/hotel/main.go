// Command hotel tells a hotel's service-recovery story end to end. One evening in November 1989 a guest on a business trip orders dinner from
// room service, then calls back to cancel it. Elizabeth, on duty, senses that something
// is wrong, hands her desk to a colleague and goes to the guest's room: the guest's
// mother is dying in hospital and the last flight home has gone. Acting on her own
// authority, Elizabeth has the airline hold a flight at the hotel's cost, has the bags
// packed and a taxi called; the guest reaches her mother in time.
//
// The program records it as a complaint case: opened with its SLA clocks, handled through
// the process with every step in the audit trail, the hotel's cost and a goodwill award
// granted within a frontline employee's limits (the points paid into the guest's loyalty
// account through the Compensator the host wires), a follow-up, a recovery survey the
// closure asks for, and the desk's metrics. It keeps its data in the in-memory default,
// or with -postgres in PostgreSQL, in a schema of its own that it drops at the end; the
// output is the same.
//
//	go run ./examples/hotel
//	go run ./examples/hotel -report hotel-report   # and write hotel-report/index.html
//	go run ./examples/hotel -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
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
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/chart"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/report"
	"github.com/kehu-crm/kehu/survey"
)

func main() {
	dir := flag.String("report", "", "also write an HTML report of the case to `DIR`/index.html")
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

// The hotel's room-service desk is open round the clock; a P1 case is answered within 15
// minutes and resolved within 2 hours.
const (
	deskCalendar = `{"time_zone": "America/New_York", "always_open": true}`
	deskPolicy   = `{"id": "guest-services", "levels": [
	  {"priority": "P1", "first_response": {"minutes": 15}, "next_reply": {"minutes": 30},
	   "periodic_update": {"minutes": 60}, "resolution": {"hours": 2, "warn_percent": 75}},
	  {"priority": "P2", "first_response": {"hours": 1}, "resolution": {"hours": 24}}]}`
	// What staff may grant on their own, per guest value band: a frontline employee up to
	// $300 and 10,000 points a case for a valued guest; a duty manager more.
	empowerment = `{"roles": [
	  {"role": "frontline", "ceilings": [
	    {"value": "standard", "money": [{"amount": "100", "currency": "USD"}], "points": 2000},
	    {"value": "valued", "money": [{"amount": "300", "currency": "USD"}], "points": 10000}]},
	  {"role": "duty-manager", "ceilings": [
	    {"value": "standard", "money": [{"amount": "500", "currency": "USD"}], "points": 10000},
	    {"value": "valued", "money": [{"amount": "2000", "currency": "USD"}], "points": 50000}]}]}`
	programme = `{"id": "hotel-rewards", "version": 1, "name": "Hotel Rewards", "time_zone": "America/New_York",
	  "currency": "USD", "point_types": [{"code": "points", "name": "Points", "kind": "spendable",
	  "expiry": {"kind": "never"}, "value_per_point": "0.005"}],
	  "earning": {"base": [{"point_type": "points", "points": 10, "per": "1"}]}}`
)

// hotelDesk is how the hotel wires complaint compensation: points go to the guest's
// loyalty account under the grant's own key (so a retried payment pays once), and money
// goes to the hotel's payments, here a printed ledger.
type hotelDesk struct {
	loyalty *loyalty.Service
	program *loyalty.Program
	out     io.Writer
}

// Compensate pays a granted compensation: points into the guest's loyalty account under
// the grant's key, anything else through the hotel's payments.
func (d *hotelDesk) Compensate(ctx context.Context, g complaint.Grant) (string, error) {
	if g.Type == complaint.CompensationPoints {
		e, err := d.loyalty.Earn(ctx, d.program, loyalty.Points{Customer: g.Customer, PointType: "points", Points: g.Points,
			Reason: "service recovery", Key: g.Key})
		if err != nil {
			return "", err
		}
		return "loyalty entry " + short(e.ID.String()), nil
	}
	fmt.Fprintf(d.out, "  payments: %s %s paid by the hotel\n", g.Type, g.Money)
	return "payment " + short(g.ID.String()), nil
}

// invitations is how the hotel wires the recovery survey: the closure of a case queues an
// invitation to the survey, sent by the hotel's mailer.
type invitations struct {
	queued []complaint.CaseID
	out    io.Writer
}

// RequestRecoverySurvey queues the invitation to the recovery survey of a closed case.
func (v *invitations) RequestRecoverySurvey(_ context.Context, c *complaint.Case) error {
	v.queued = append(v.queued, c.ID)
	fmt.Fprintf(v.out, "  recovery survey invitation queued for case %s\n", short(c.ID.String()))
	return nil
}

func recoverySurvey() survey.Spec {
	scale := &survey.Scale{From: 1, To: 5, Labels: map[int]survey.Label{1: {"en": "Very poor"}, 5: {"en": "Excellent"}}}
	return survey.Spec{ID: "recovery", Version: 1, Locale: "en", Title: survey.Label{"en": "How did we put it right?"},
		Sections: []survey.Section{{ID: "fairness", Questions: []survey.Question{
			{ID: "outcome", Kind: survey.Likert, Required: true, Scale: scale, Label: survey.Label{"en": "What we did for you"}},
			{ID: "speed", Kind: survey.Likert, Required: true, Scale: scale, Label: survey.Label{"en": "How quickly we acted"}},
			{ID: "courtesy", Kind: survey.Likert, Required: true, Scale: scale, Label: survey.Label{"en": "How we treated you"}},
			{ID: "satisfied", Kind: survey.CSAT, Required: true, Label: survey.Label{"en": "Overall, how satisfied are you now?"}},
		}}}}
}

func run(ctx context.Context, out io.Writer, reportDir, dsn string) (err error) {
	ny, err := time.LoadLocation("America/New_York")
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
	opts, clock, _ := kehu.Deterministic(time.Date(1989, 11, 14, 20, 41, 0, 0, ny))
	at := func(hh, mm int) { clock.Set(time.Date(1989, 11, 14, hh, mm, 0, 0, ny)) }

	cal, err := complaint.LoadCalendar(strings.NewReader(deskCalendar))
	if err != nil {
		return err
	}
	policy, err := complaint.LoadPolicy(strings.NewReader(deskPolicy), cal)
	if err != nil {
		return err
	}
	policies, err := complaint.NewPolicies(policy)
	if err != nil {
		return err
	}
	limits, err := complaint.LoadEmpowerment(strings.NewReader(empowerment))
	if err != nil {
		return err
	}
	program, err := loyalty.LoadProgram(strings.NewReader(programme))
	if err != nil {
		return err
	}
	points := loyalty.NewService(st.loyalty, opts)
	surveys := survey.NewService(st.survey, opts)
	if _, err := surveys.Publish(ctx, recoverySurvey()); err != nil {
		return err
	}
	invites := &invitations{out: out}
	desk := complaint.NewService(st.complaint, opts).WithPolicies(policies).
		WithCompensation(limits, &hotelDesk{loyalty: points, program: program, out: out}).
		WithRecoverySurvey(invites)

	// The host signs staff in and sets who acts; roles come from its own directory, never
	// from what a client sends.
	elizabeth := kehu.WithActor(ctx, "room-service:elizabeth")
	guest := kehu.CustomerIDFrom([16]byte{0x19, 0x89, 0x11, 0x14})

	fmt.Fprintln(out, "20:41 the guest calls room service to cancel her dinner order")
	c, err := desk.Open(elizabeth, complaint.Open{Customer: guest, Channel: complaint.Phone,
		Words: "Please cancel my dinner order.", Remedy: "none asked", Category: "guest.emergency", Order: "RS-2031",
		Triage: complaint.Triage{Severity: complaint.Critical, Urgency: complaint.Immediate, Value: complaint.Valued},
		Note:   "Her voice sounded wrong; going up to see her.", Key: "call-2031"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  case %s opened: %s, policy %s\n", short(c.ID.String()), c.Assessment.Priority, c.Policy)
	if err := showSLA(ctx, out, desk, c.ID, clock.Now(), ny); err != nil {
		return err
	}

	steps := []struct {
		hh, mm int
		say    string
		do     func() (*complaint.Case, error)
	}{
		{20, 45, "Elizabeth hands her desk over and knocks on the guest's door", func() (*complaint.Case, error) {
			return desk.Move(elizabeth, c.ID, complaint.Move{To: complaint.Acknowledged, Note: "at the guest's door", Key: "ack"})
		}},
		{20, 47, "she listens: the guest's mother is dying, and the last flight has gone", func() (*complaint.Case, error) {
			if _, err := desk.Reply(elizabeth, c.ID, complaint.Reply{Kind: complaint.Public, Channel: complaint.Visit,
				Text: "I am so sorry. Let me see what I can do.", Key: "listen"}); err != nil {
				return nil, err
			}
			if _, err := desk.Apologise(elizabeth, c.ID, complaint.Apologise{Channel: complaint.Visit, Key: "sorry"}); err != nil {
				return nil, err
			}
			if _, err := desk.Move(elizabeth, c.ID, complaint.Move{To: complaint.Assessed, Key: "assess"}); err != nil {
				return nil, err
			}
			return desk.Move(elizabeth, c.ID, complaint.Move{To: complaint.Investigating, Key: "act"})
		}},
		{20, 52, "she has the airline hold the next flight, at the hotel's cost", func() (*complaint.Case, error) {
			return desk.RequestCompensation(elizabeth, c.ID, complaint.RequestCompensation{Type: complaint.CompensationGift,
				Money: kehu.MustMoney("250", "USD"), Role: "frontline", Note: "flight delay fee", Key: "hold-flight"})
		}},
		{20, 58, "the bags are packed and a taxi waits at the door", func() (*complaint.Case, error) {
			return desk.RecordFix(elizabeth, c.ID, complaint.RecordFix{What: "flight held; bags packed by the bellman; taxi to the airport", Key: "fix"})
		}},
		{21, 5, "the guest leaves for the airport; the hotel adds a goodwill award", func() (*complaint.Case, error) {
			if _, err := desk.RequestCompensation(elizabeth, c.ID, complaint.RequestCompensation{Type: complaint.CompensationPoints,
				Points: 5000, Role: "frontline", Note: "goodwill", Key: "goodwill"}); err != nil {
				return nil, err
			}
			return desk.Move(elizabeth, c.ID, complaint.Move{To: complaint.Resolved, Note: "on her way home", Key: "resolved"})
		}},
		{21, 6, "she thanks Elizabeth at the door", func() (*complaint.Case, error) {
			return desk.Answer(elizabeth, c.ID, complaint.Answer{Accepted: true, Note: "thanked us at the door", Key: "accepted"})
		}},
	}
	for _, s := range steps {
		at(s.hh, s.mm)
		fmt.Fprintf(out, "%02d:%02d %s\n", s.hh, s.mm, s.say)
		if c, err = s.do(); err != nil {
			return err
		}
	}

	// Two days later: a follow-up call, and the guest answers the recovery survey.
	clock.Set(time.Date(1989, 11, 16, 10, 0, 0, 0, ny))
	fmt.Fprintln(out, "Nov 16 a follow-up call; the guest answers the recovery survey")
	if _, err := desk.RecordFollowUp(elizabeth, c.ID, complaint.RecordFollowUp{Channel: complaint.Phone,
		Result: complaint.FollowUpRestored, Note: "she reached her mother in time", Key: "follow-up"}); err != nil {
		return err
	}
	five, four := 5.0, 4.0
	r, err := surveys.Submit(ctx, survey.Submission{Survey: "recovery", Version: 1, Customer: guest, Channel: "email",
		Trigger: survey.Trigger{Kind: "complaint_closed", Ref: invites.queued[0].String()}, Key: "recovery-" + invites.queued[0].String(),
		Answers: []survey.Answer{{Question: "outcome", Value: &five}, {Question: "speed", Value: &five},
			{Question: "courtesy", Value: &five}, {Question: "satisfied", Value: &four}}})
	if err != nil {
		return err
	}
	answer := func(q string) int {
		for _, a := range r.Answers {
			if a.Question == q && a.Value != nil {
				return int(*a.Value)
			}
		}
		return 0
	}
	before := 1 // the desk's note of how the guest felt when she called
	if c, err = desk.RecordSatisfaction(elizabeth, c.ID, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5},
		Outcome: answer("outcome"), Speed: answer("speed"), Courtesy: answer("courtesy"), Before: &before, Key: "satisfaction"}); err != nil {
		return err
	}

	fmt.Fprintln(out, "\naudit trail")
	for _, st := range c.Steps {
		note := st.Note
		if r := []rune(note); len(r) > 50 {
			note = string(r[:49]) + "…"
		}
		line := fmt.Sprintf("  %s %-22s %-23s %-19s %s", st.At.In(ny).Format("Jan 02 15:04"), st.Action, st.Actor, st.To, note)
		fmt.Fprintln(out, strings.TrimRight(line, " "))
	}
	fmt.Fprintln(out, "\nrecovery")
	for _, g := range c.Recovery.Grants {
		what := g.Money.String()
		if g.Type == complaint.CompensationPoints {
			what = fmt.Sprintf("%d points", g.Points)
		}
		fmt.Fprintf(out, "  %-6s %-14s %s by %s (%s), %s\n", g.Type, what, g.Status, g.DecidedBy, g.DecidedRole, g.Reference)
	}
	bal, err := points.Balance(ctx, program, guest, "points")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  the guest's points balance: %d\n", bal.Available)
	sat := c.Recovery.Satisfaction
	fmt.Fprintf(out, "  satisfaction %d → %.1f of 5 (outcome %d, speed %d, courtesy %d)\n", *sat.Before, sat.After(), sat.Outcome, sat.Speed, sat.Courtesy)

	fmt.Fprintln(out, "\nSLA at closing")
	if err := showSLA(ctx, out, desk, c.ID, time.Date(1989, 11, 14, 21, 6, 0, 0, ny), ny); err != nil {
		return err
	}
	m, err := policies.Metrics([]*complaint.Case{c}, clock.Now(), []time.Duration{time.Hour, 24 * time.Hour})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "desk metrics: %d case, first response %s, resolution %s, %d breached, reopen rate %.0f%%\n",
		m.Cases, m.FirstResponse.Calendar.Mean, m.FirstResolution.Calendar.Mean, m.BreachedCases, 100*m.ReopenRate)
	if reportDir == "" {
		return nil
	}
	closing, err := desk.SLA(ctx, c.ID, time.Date(1989, 11, 14, 21, 6, 0, 0, ny))
	if err != nil {
		return err
	}
	page, err := caseReport(c, closing, m, bal, ny)
	if err != nil {
		return err
	}
	path, err := page.WriteFile(reportDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "report written to", path)
	return nil
}

// caseReport is the case as an HTML report: its course, the recovery and how the guest
// judged it, and the SLA.
func caseReport(c *complaint.Case, closing complaint.SLA, m complaint.Metrics, bal loyalty.Balance, loc *time.Location) (*report.Report, error) {
	r := report.New("Room service, 14 November 1989: a service recovery")
	r.SetLang("en")
	r.Text("A guest called room service to cancel her dinner. Elizabeth, on duty, sensed that something was wrong and went " +
		"to her room: the guest's mother was dying and the last flight home had gone. Acting on her own authority, " +
		"Elizabeth had the airline hold a flight at the hotel's cost; the guest reached her mother in time.")

	s := r.Section("The case")
	first, _ := closing.Clock(complaint.FirstResponse)
	resolution, _ := closing.Clock(complaint.Resolution)
	s.Figures([]report.Figure{{Label: "Priority", Value: c.Assessment.Priority.String()}, {Label: "Status", Value: string(c.Status)},
		{Label: "First response", Value: first.Elapsed.String() + " of " + first.Target.String()},
		{Label: "Resolution", Value: resolution.Elapsed.String() + " of " + resolution.Target.String()},
		{Label: "Targets breached", Value: fmt.Sprint(m.BreachedCases)}})
	trail := report.Table{Caption: "The audit trail", Header: []string{"At", "Step", "By", "Status", "Note"}}
	for _, st := range c.Steps {
		trail.Rows = append(trail.Rows, []string{st.At.In(loc).Format("Jan 02 15:04"), string(st.Action), st.Actor, string(st.To), st.Note})
	}
	s.Table(trail)
	clocks := report.Table{Caption: "SLA clocks at closing", Header: []string{"Clock", "State", "Elapsed", "Target", "Breached"}}
	for _, k := range closing.Clocks {
		clocks.Rows = append(clocks.Rows, []string{string(k.Kind), string(k.State), k.Elapsed.String(), k.Target.String(),
			map[bool]string{false: "no", true: "yes"}[k.Breached]})
	}
	s.Table(clocks)

	s = r.Section("Service recovery")
	grants := report.Table{Caption: "Compensation, granted within a frontline employee's limits",
		Header: []string{"Type", "Amount", "Status", "Decided by", "Role", "Paid as"}}
	var points int64
	for _, g := range c.Recovery.Grants {
		what := g.Money.String()
		if g.Type == complaint.CompensationPoints {
			what, points = fmt.Sprintf("%d points", g.Points), points+g.Points
		}
		grants.Rows = append(grants.Rows, []string{string(g.Type), what, string(g.Status), g.DecidedBy, g.DecidedRole, g.Reference})
	}
	s.Table(grants)
	sat := c.Recovery.Satisfaction
	s.Figures([]report.Figure{{Label: "Points paid into loyalty", Value: fmt.Sprint(points)},
		{Label: "The guest's points balance", Value: fmt.Sprint(bal.Available)},
		{Label: "Satisfaction at the call", Value: fmt.Sprintf("%d of 5", *sat.Before)},
		{Label: "Satisfaction after recovery", Value: fmt.Sprintf("%.1f of 5", sat.After())}})
	if err := s.Chart("Satisfaction at the call and after recovery, of 5", chart.Bar{
		Options:    chart.Options{Title: "Satisfaction", Precision: 1, Width: 480, Height: 320},
		Categories: []string{"At the call", "After recovery"}, Values: []float64{float64(*sat.Before), sat.After()},
		Maxima: []float64{5, 5}, Max: 5}); err != nil {
		return nil, err
	}
	if err := s.Chart("How the guest judged the recovery: the three dimensions of fairness, of 5", chart.Radar{
		Options: chart.Options{Title: "Recovery", Precision: 0},
		Axes:    []string{"Outcome", "Speed", "Courtesy"}, Min: 0, Max: 5, Rings: 5,
		Series: []chart.Series{{Name: "After recovery", Values: []float64{float64(sat.Outcome), float64(sat.Speed), float64(sat.Courtesy)}}},
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// short is the end of an ID, enough to tell the few of this story apart.
func short(id string) string { return "…" + id[len(id)-4:] }

func showSLA(ctx context.Context, out io.Writer, desk *complaint.Service, id complaint.CaseID, when time.Time, loc *time.Location) error {
	s, err := desk.SLA(ctx, id, when)
	if err != nil {
		return err
	}
	for _, k := range s.Clocks {
		line := fmt.Sprintf("  %-16s %-8s %s of %s", k.Kind, k.State, k.Elapsed, k.Target)
		if !k.Due.IsZero() {
			line += ", due " + k.Due.In(loc).Format("15:04")
		}
		if k.Breached {
			line += ", breached"
		}
		fmt.Fprintln(out, line)
	}
	return nil
}

// stores are where the example keeps its data.
type stores struct {
	loyalty   loyalty.Store
	survey    survey.Store
	complaint complaint.Store
	close     func() error
}

// openStores returns the in-memory stores when dsn is empty, else the PostgreSQL stores in
// a new schema of the database at dsn, which close drops.
func openStores(ctx context.Context, dsn string) (*stores, error) {
	if dsn == "" {
		return &stores{loyalty: loyalty.NewMemoryStore(), survey: survey.NewMemoryStore(), complaint: complaint.NewMemoryStore(),
			close: func() error { return nil }}, nil
	}
	pool, drop, err := openSchema(ctx, dsn, "hotel")
	if err != nil {
		return nil, err
	}
	return &stores{loyalty: postgres.NewLoyaltyStore(pool), survey: postgres.NewSurveyStore(pool),
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
