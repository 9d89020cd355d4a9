// Command onlineshop runs an online shop's year (网店客户关系管理) end to end: 5,000 generated customers and a year of their orders on a fixed
// clock. Each first order opens a customer file, and an after-delivery questionnaire
// completes it (which platform the buyer prefers, whether they buy online or in shops),
// every change kept in the file's history; a points programme with member levels earns on
// every order, gives a gift for 500 points at checkout and clears the points at the end of
// the year; a parcel that comes late draws a complaint, answered within the desk's SLA
// and put right with points paid into the programme, above an agent's limit only with a
// supervisor's approval. At the end of the year the shop classes its customers (RFM,
// ABC and a lifecycle stage), forecasts their lifetime value (BG/NBD and Gamma-Gamma),
// finds the products bought together for cross-selling, reads the survey's NPS and CSAT
// and computes its customer scorecard against its targets. It keeps its data in the
// in-memory default, or with -postgres in PostgreSQL, in a schema of its own that it drops
// at the end; the output is the same.
//
//	go run ./examples/onlineshop
//	go run ./examples/onlineshop -report shop-report   # and write shop-report/index.html
//	go run ./examples/onlineshop -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
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
	"github.com/kehu-crm/kehu/survey"
)

func main() {
	dir := flag.String("report", "", "also write an HTML report of the year to `DIR`/index.html")
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

const (
	seed      = 2    // the same shop, customers and orders on every run
	customers = 5000 // generated customers
	year      = 2025
	giftCost  = 500 // points a member gives for the checkout gift
)

// Who acts, as the audit trails record it: the host signs its systems and staff in and
// sets the actor in the context of each call.
const (
	webShop    = "web-shop"
	deskAgent  = "desk:agent"
	supervisor = "desk:supervisor"
	review     = "stage-review"
)

// The shop's points programme: ¥1 earns a point, more at the higher levels, double in the
// birthday month and on 11 November; 100 welcome points; a level is reached by the
// year's spend; every point expires at the end of the year it was earned in (年底清零).
const programme = `{
  "id": "shop-points", "version": 1, "name": "网店积分", "time_zone": "Asia/Shanghai", "currency": "CNY",
  "point_types": [{"code": "points", "name": "积分", "kind": "spendable",
                   "expiry": {"kind": "end_of_year"}, "value_per_point": "0.01"}],
  "earning": {
    "base": [{"point_type": "points", "points": 1, "per": "1"}],
    "rules": [
      {"id": "level", "name": "Level bonus", "priority": 1, "effect": {"point_type": "points", "tier_multiplier": true}},
      {"id": "birthday", "name": "Double points in the birthday month", "priority": 2,
       "when": "member.birthday_month", "effect": {"point_type": "points", "multiplier": "2"}},
      {"id": "double-11", "name": "Double points on 11.11", "priority": 3,
       "from": "2025-11-11T00:00", "to": "2025-11-12T00:00", "effect": {"point_type": "points", "multiplier": "2"}}],
    "events": [{"id": "welcome", "event": "signup", "point_type": "points", "points": 100, "once": "ever"}]
  },
  "tiers": {
    "levels": [{"code": "member", "name": "普通会员"},
               {"code": "silver", "name": "银卡", "spend": "400", "multiplier": "1.2"},
               {"code": "gold", "name": "金卡", "spend": "1200", "multiplier": "1.5"},
               {"code": "diamond", "name": "钻石卡", "spend": "3000", "multiplier": "2"}],
    "window": {"kind": "calendar_year"}, "review": "calendar_year", "max_drop": 1
  }
}`

// The service desk answers online every day from 09:00 to 21:00; the SLA depends on the
// case's priority (severity × urgency × the customer's level).
const (
	serviceHours = `{"time_zone": "Asia/Shanghai", "week": {
	  "monday": [{"from": "09:00", "to": "21:00"}], "tuesday": [{"from": "09:00", "to": "21:00"}],
	  "wednesday": [{"from": "09:00", "to": "21:00"}], "thursday": [{"from": "09:00", "to": "21:00"}],
	  "friday": [{"from": "09:00", "to": "21:00"}], "saturday": [{"from": "09:00", "to": "21:00"}],
	  "sunday": [{"from": "09:00", "to": "21:00"}]}}`
	deskPolicy = `{"id": "online-desk", "levels": [
	  {"priority": "P1", "first_response": {"minutes": 30}, "resolution": {"business_days": 1}},
	  {"priority": "P2", "first_response": {"hours": 1}, "resolution": {"business_days": 2}},
	  {"priority": "P3", "first_response": {"hours": 2}, "resolution": {"business_days": 3}},
	  {"priority": "P4", "first_response": {"hours": 4}, "resolution": {"business_days": 5}}]}`
	// An agent may grant up to 300 points a case to a standard member, more to the
	// higher levels; a supervisor up to 5,000.
	empowerment = `{"roles": [
	  {"role": "agent", "ceilings": [{"value": "standard", "points": 300}, {"value": "valued", "points": 800},
	                                 {"value": "key", "points": 1500}]},
	  {"role": "supervisor", "ceilings": [{"value": "standard", "points": 5000}, {"value": "valued", "points": 5000},
	                                      {"value": "key", "points": 5000}]}]}`
)

// The shop's scorecard targets.
const targets = `{"currency": "CNY", "time_zone": "Asia/Shanghai", "targets": {
  "satisfaction_rate": {"at_least": "90%"}, "nps": {"at_least": "30"}, "churn_rate": {"at_most": "50%"},
  "repeat_purchase_rate": {"at_least": "30%"}, "average_order_value": {"at_least": "120.00"},
  "complaints_within_sla": {"at_least": "90%"}, "repurchase_intent": {"at_least": "85%"}}}`

// afterDelivery is the questionnaire sent with each parcel (在订单中附赠调查问卷): NPS,
// satisfaction and repurchase intent, and two questions that complete the customer file.
func afterDelivery() survey.Spec {
	yesNo := []survey.Option{{Code: "yes", Label: survey.Label{"zh": "会"}}, {Code: "no", Label: survey.Label{"zh": "不会"}}}
	return survey.Spec{ID: "after-delivery", Version: 1, Locale: "zh", Title: survey.Label{"zh": "收货评价"},
		Sections: []survey.Section{{ID: "main", Questions: []survey.Question{
			{ID: "recommend", Kind: survey.NPS, Required: true, Label: survey.Label{"zh": "您向朋友推荐本店的可能性有多大？"}},
			{ID: "satisfied", Kind: survey.CSAT, Required: true, Label: survey.Label{"zh": "您对这次购物满意吗？"}},
			{ID: "again", Kind: survey.SingleChoice, Options: yesNo, Label: survey.Label{"zh": "您还会在本店购买吗？"}},
			{ID: "platform", Kind: survey.SingleChoice, Label: survey.Label{"zh": "您最常用哪个网购平台？"}, Options: []survey.Option{
				{Code: "taobao", Label: survey.Label{"zh": "淘宝"}}, {Code: "jd", Label: survey.Label{"zh": "京东"}},
				{Code: "pinduoduo", Label: survey.Label{"zh": "拼多多"}}, {Code: "douyin", Label: survey.Label{"zh": "抖音"}}}},
			{ID: "buys_in", Kind: survey.SingleChoice, Label: survey.Label{"zh": "您更喜欢网购还是在实体店购买？"}, Options: []survey.Option{
				{Code: "online", Label: survey.Label{"zh": "网购"}}, {Code: "store", Label: survey.Label{"zh": "实体店"}},
				{Code: "both", Label: survey.Label{"zh": "都可以"}}}},
		}}}}
}

// pointsDesk is how the shop wires complaint compensation: points go into the customer's
// account under the grant's own key, so a retried payment pays once.
type pointsDesk struct {
	points  *loyalty.Service
	program *loyalty.Program
}

// Compensate pays a granted compensation as points into the customer's account, under the
// grant's key.
func (d pointsDesk) Compensate(ctx context.Context, g complaint.Grant) (string, error) {
	if g.Type != complaint.CompensationPoints {
		return "", fmt.Errorf("the shop compensates in points, not %s", g.Type)
	}
	e, err := d.points.Earn(ctx, d.program, loyalty.Points{Customer: g.Customer, PointType: "points", Points: g.Points,
		Reason: "service recovery", Key: g.Key})
	if err != nil {
		return "", err
	}
	return e.ID.String(), nil
}

// shop is the host: its services, its clock, and what it keeps of the year.
type shop struct {
	loc     *time.Location
	clock   *kehu.Clock
	rng     *rand.Rand
	gen     *fake.Generator
	crm     *crm.Service
	points  *loyalty.Service
	program *loyalty.Program
	surveys *survey.Service
	form    *survey.Survey
	desk    *complaint.Service
	levels  map[string]string // level code → name

	events    events
	scheduled int

	ids       []crm.CustomerID // by generator index; zero until the first order
	joined    []time.Time
	completed []bool // the questionnaire completed the file
	orders    []kehu.Order
	late      int
	gifts     int
	responses []*survey.Response
	lateSaid  []bool // responses[i] was about a late parcel
	tickets   []*ticket
}

// ticket is the shop's record of one complaint case.
type ticket struct {
	id        complaint.CaseID
	order     string
	daysLate  int
	value     complaint.ValueBand
	chat      crm.InteractionID
	received  time.Time
	handled   time.Time
	escalated bool
}

func run(ctx context.Context, out io.Writer, reportDir, dsn string) (err error) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	st, err := openStores(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.close()) }()
	start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := start.AddDate(1, 0, 0)
	// A fixed clock and sequential IDs make every run print the same; a real host passes nil
	// options (time.Now and UUIDv7).
	opts, clock, _ := kehu.Deterministic(start)
	s, err := open(ctx, st, loc, clock, opts, start, end)
	if err != nil {
		return err
	}
	if err := s.simulate(ctx, end); err != nil {
		return err
	}
	y, err := s.yearEnd(ctx, end)
	if err != nil {
		return err
	}
	y.print(out)
	if reportDir == "" {
		return nil
	}
	r, err := y.report()
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

// open sets the shop up over its stores: the programme, the questionnaire, the service
// desk.
func open(ctx context.Context, st *stores, loc *time.Location, clock *kehu.Clock, opts *kehu.Options, start, end time.Time) (*shop, error) {
	program, err := loyalty.LoadProgram(strings.NewReader(programme))
	if err != nil {
		return nil, err
	}
	cal, err := complaint.LoadCalendar(strings.NewReader(serviceHours))
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
	// Order values follow the generator's model scaled four times: about ¥140 an order.
	model := fake.DefaultPurchaseModel()
	model.Gamma *= 4
	gen, err := fake.New(seed, &fake.Options{Start: start, End: end, Model: model})
	if err != nil {
		return nil, err
	}
	s := &shop{loc: loc, clock: clock, rng: rand.New(rand.NewPCG(seed, year)), gen: gen,
		crm: crm.NewService(st.crm, opts), points: loyalty.NewService(st.loyalty, opts), program: program,
		surveys: survey.NewService(st.survey, opts),
		ids:     make([]crm.CustomerID, customers), joined: make([]time.Time, customers), completed: make([]bool, customers)}
	s.levels = map[string]string{}
	for _, l := range program.Spec().Tiers.Levels {
		s.levels[l.Code] = l.Name
	}
	s.desk = complaint.NewService(st.complaint, opts).WithPolicies(policies).WithCompensation(limits, pointsDesk{s.points, program})
	if s.form, err = s.surveys.Publish(ctx, afterDelivery()); err != nil {
		return nil, err
	}
	return s, nil
}

// event is something that happens at an instant: an order, a delivery, a step of a case.
type event struct {
	at  time.Time
	seq int
	do  func(context.Context) error
}

// events is a queue of events in time order (and in the order they were scheduled).
type events []*event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	return q[i].at.Before(q[j].at) || q[i].at.Equal(q[j].at) && q[i].seq < q[j].seq
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
func (s *shop) at(t time.Time, do func(context.Context) error) {
	s.scheduled++
	heap.Push(&s.events, &event{at: t, seq: s.scheduled, do: do})
}

// simulate plays the year: every customer's orders, and what follows them, in time order
// on the shop's clock. What would happen after the year ends is left out.
func (s *shop) simulate(ctx context.Context, end time.Time) error {
	for i := range customers {
		for _, o := range s.gen.CustomerOrders(i, kehu.CustomerID{}) {
			s.at(o.At, func(ctx context.Context) error { return s.order(ctx, i, o) })
		}
	}
	for s.events.Len() > 0 {
		e := heap.Pop(&s.events).(*event)
		if !e.at.Before(end) {
			break
		}
		s.clock.Set(e.at)
		if err := e.do(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (s *shop) member(i int) loyalty.Member {
	return loyalty.Member{CustomerID: s.ids[i], BirthDate: s.gen.Profile(i).Demographics.BirthDate, JoinedAt: s.joined[i]}
}

// order is a customer's purchase: a first order opens the customer file and the points
// account; a member with 500 points takes the checkout gift; the order earns points; the
// parcel leaves with a promise of delivery within three days.
func (s *shop) order(ctx context.Context, i int, o kehu.Order) error {
	ctx = kehu.WithActor(ctx, webShop)
	if s.ids[i].IsZero() {
		c, err := s.crm.CreateCustomer(ctx, s.gen.Profile(i), &crm.CreateOptions{Stage: crm.StageActive,
			Key: "signup:" + o.ID, Reason: "first order " + o.ID})
		if err != nil {
			return err
		}
		s.ids[i], s.joined[i] = c.ID, c.CreatedAt
		if _, err := s.points.EarnEvent(ctx, s.program, loyalty.EventSignup, s.member(i), "first-order"); err != nil {
			return err
		}
	}
	o.CustomerID = s.ids[i]
	bal, err := s.points.Balance(ctx, s.program, o.CustomerID, "points")
	if err != nil {
		return err
	}
	if bal.Available >= giftCost {
		if _, err := s.points.Redeem(ctx, s.program, loyalty.Points{Customer: o.CustomerID, PointType: "points",
			Points: giftCost, Reason: "checkout gift", Key: "gift:" + o.ID}); err != nil {
			return err
		}
		s.gifts++
	}
	if _, err := s.points.EarnOrder(ctx, s.program, o, s.member(i)); err != nil {
		return err
	}
	s.orders = append(s.orders, o)

	promised := o.At.Add(72 * time.Hour)
	delivered := o.At.Add(time.Duration(20+s.rng.IntN(48)) * time.Hour)
	if s.rng.Float64() < 0.06 { // the courier is late
		delivered = promised.Add(time.Duration(6+s.rng.ExpFloat64()*50) * time.Hour)
	}
	late := delivered.After(promised)
	s.at(delivered, func(ctx context.Context) error { return s.deliver(ctx, i, o, delivered, late) })
	if late && s.rng.Float64() < 0.6 {
		s.at(s.working(promised.Add(time.Duration(2+s.rng.IntN(24))*time.Hour)), func(ctx context.Context) error {
			return s.complain(ctx, i, o, promised, delivered)
		})
	}
	return nil
}

// deliver hands the parcel over; a quarter of the buyers answer the questionnaire within
// two days.
func (s *shop) deliver(ctx context.Context, i int, o kehu.Order, at time.Time, late bool) error {
	if late {
		s.late++
	}
	if s.rng.Float64() < 0.25 {
		s.at(at.Add(time.Duration(3+s.rng.IntN(45))*time.Hour), func(ctx context.Context) error { return s.answer(ctx, i, o, late) })
	}
	return nil
}

// answer submits a buyer's questionnaire and completes their file with it.
func (s *shop) answer(ctx context.Context, i int, o kehu.Order, late bool) error {
	ctx = kehu.WithActor(ctx, webShop)
	r := s.rng
	clamp := func(v float64, lo, hi int) *float64 {
		x := float64(min(max(int(math.Round(v)), lo), hi))
		return &x
	}
	nps, csat, again := 8.7+1.4*r.NormFloat64(), 4.5+0.6*r.NormFloat64(), 0.9
	if late {
		nps, csat, again = 6.0+2.0*r.NormFloat64(), 3.1+1.0*r.NormFloat64(), 0.65
	}
	answers := []survey.Answer{{Question: "recommend", Value: clamp(nps, 0, 10)}, {Question: "satisfied", Value: clamp(csat, 1, 5)},
		{Question: "again", Option: pick(r.Float64() < again, "yes", "no")}}
	var platform, buysIn string
	if r.Float64() < 0.7 {
		platform = []string{"taobao", "taobao", "jd", "jd", "pinduoduo", "douyin"}[r.IntN(6)]
		buysIn = []string{"online", "online", "both", "store"}[r.IntN(4)]
		answers = append(answers, survey.Answer{Question: "platform", Option: platform}, survey.Answer{Question: "buys_in", Option: buysIn})
	}
	resp, err := s.surveys.Submit(ctx, survey.Submission{Survey: s.form.ID(), Version: s.form.Version(), Customer: s.ids[i],
		Channel: "parcel", Trigger: survey.Trigger{Kind: "delivery", Ref: o.ID}, Answers: answers, Key: "delivery:" + o.ID})
	if err != nil {
		return err
	}
	s.responses, s.lateSaid = append(s.responses, resp), append(s.lateSaid, late)
	if platform == "" || s.completed[i] {
		return nil
	}
	s.completed[i] = true
	_, err = s.crm.UpdateCustomer(ctx, s.ids[i], func(p *crm.Profile) error {
		if p.Attributes == nil {
			p.Attributes = map[string]crm.AttrValue{}
		}
		p.Attributes["platform"], p.Attributes["buys_in"] = crm.StringAttr(platform), crm.StringAttr(buysIn)
		return nil
	}, &crm.UpdateOptions{Reason: "after-delivery questionnaire " + o.ID, Key: "questionnaire:" + o.ID})
	return err
}

// complain opens a case for a late parcel from the customer's chat message, as a crm
// interaction and a complaint case; the desk's first reply and the resolution follow.
func (s *shop) complain(ctx context.Context, i int, o kehu.Order, promised, delivered time.Time) error {
	ctx = kehu.WithActor(ctx, deskAgent)
	now := s.clock.Now()
	id := s.ids[i]
	standing, err := s.points.Standing(ctx, s.program, id)
	if err != nil {
		return err
	}
	t := &ticket{order: o.ID, received: now, daysLate: int(math.Ceil(delivered.Sub(promised).Hours() / 24)),
		value: map[string]complaint.ValueBand{"gold": complaint.Valued, "diamond": complaint.Key}[standing.Tier]}
	if t.value == "" {
		t.value = complaint.Standard
	}
	words := fmt.Sprintf("订单 %s 说好 %s 前送到，到现在还没收到。", o.ID, promised.In(s.loc).Format("1月2日 15:04"))
	if !delivered.After(now) {
		words = fmt.Sprintf("订单 %s 晚到了 %d 天。", o.ID, t.daysLate)
	}
	triage := complaint.Triage{Severity: complaint.Moderate, Urgency: complaint.Normal, Value: t.value}
	if t.daysLate >= 4 {
		triage.Severity, triage.Urgency = complaint.Major, complaint.High
	}
	chat, err := s.crm.RecordInteraction(ctx, crm.InteractionInput{CustomerID: id, Channel: crm.ChannelWeb,
		Direction: crm.Inbound, Subject: "late parcel " + o.ID, Content: words, Urgency: crm.UrgencyHigh,
		ReplyBy: now.Add(time.Hour), Key: "chat:" + o.ID})
	if err != nil {
		return err
	}
	c, err := s.desk.Open(ctx, complaint.Open{Customer: id, Channel: complaint.Web, Words: words, Remedy: "尽快送到",
		Category: complaint.CategoryDelivery, Triage: triage, Order: o.ID, Interaction: chat.ID.String(), Key: "chat:" + o.ID})
	if err != nil {
		return err
	}
	t.id, t.chat = c.ID, chat.ID
	s.tickets = append(s.tickets, t)

	replied := s.working(now.Add(time.Duration(5+s.rng.ExpFloat64()*35) * time.Minute))
	s.at(replied, func(ctx context.Context) error { return s.reply(ctx, t) })
	s.at(s.working(later(delivered, replied).Add(time.Duration(30+s.rng.IntN(180))*time.Minute)), func(ctx context.Context) error { return s.resolve(ctx, t) })
	return nil
}

// reply is the desk's first answer: an apology, and the courier chased.
func (s *shop) reply(ctx context.Context, t *ticket) error {
	ctx = kehu.WithActor(ctx, deskAgent)
	key := func(step string) string { return step + ":" + t.order }
	if _, err := s.desk.Move(ctx, t.id, complaint.Move{To: complaint.Acknowledged, Key: key("ack")}); err != nil {
		return err
	}
	if _, err := s.desk.Reply(ctx, t.id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Web,
		Text: "非常抱歉！已联系快递加急，并为您申请积分补偿。", Key: key("reply")}); err != nil {
		return err
	}
	if _, err := s.desk.Apologise(ctx, t.id, complaint.Apologise{Channel: complaint.Web, Key: key("sorry")}); err != nil {
		return err
	}
	if _, err := s.crm.RecordReply(ctx, t.chat, time.Time{}, "apologised; courier chased"); err != nil {
		return err
	}
	if _, err := s.desk.Move(ctx, t.id, complaint.Move{To: complaint.Assessed, Key: key("assess")}); err != nil {
		return err
	}
	_, err := s.desk.Move(ctx, t.id, complaint.Move{To: complaint.Investigating, Key: key("chase")})
	return err
}

// resolve grants the points once the parcel is there: 100 a day late, twice that for gold
// and diamond members. A grant above the agent's ceiling waits for the supervisor, who
// decides the next morning.
func (s *shop) resolve(ctx context.Context, t *ticket) error {
	ctx = kehu.WithActor(ctx, deskAgent)
	pts := int64(100 * t.daysLate)
	if t.value != complaint.Standard {
		pts *= 2
	}
	c, err := s.desk.RequestCompensation(ctx, t.id, complaint.RequestCompensation{Type: complaint.CompensationPoints,
		Points: pts, Role: "agent", Note: fmt.Sprintf("%d days late", t.daysLate), Key: "points:" + t.order})
	if err != nil {
		return err
	}
	g := c.Recovery.Grants[len(c.Recovery.Grants)-1]
	if g.Status != complaint.GrantRequested {
		return s.fixed(ctx, t)
	}
	t.escalated = true
	now := s.clock.Now().In(s.loc)
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 30, 0, 0, s.loc)
	s.at(next, func(ctx context.Context) error {
		if _, err := s.desk.DecideCompensation(kehu.WithActor(ctx, supervisor), t.id, complaint.DecideCompensation{Grant: g.ID, Approve: true,
			Role: "supervisor", Note: "long delay", Key: "approve:" + t.order}); err != nil {
			return err
		}
		return s.fixed(ctx, t)
	})
	return nil
}

// fixed resolves the case; the customer accepts within the day and rates the recovery.
func (s *shop) fixed(ctx context.Context, t *ticket) error {
	ctx = kehu.WithActor(ctx, deskAgent)
	if _, err := s.desk.RecordFix(ctx, t.id, complaint.RecordFix{What: "parcel delivered", Key: "fix:" + t.order}); err != nil {
		return err
	}
	if _, err := s.desk.Move(ctx, t.id, complaint.Move{To: complaint.Resolved, Key: "resolved:" + t.order}); err != nil {
		return err
	}
	t.handled = s.clock.Now()
	days := t.handled.Sub(t.received).Hours() / 24
	s.at(t.handled.Add(time.Duration(1+s.rng.IntN(20))*time.Hour), func(ctx context.Context) error {
		ctx = kehu.WithActor(ctx, deskAgent)
		if _, err := s.desk.Answer(ctx, t.id, complaint.Answer{Accepted: true, Key: "accepted:" + t.order}); err != nil {
			return err
		}
		r := s.rng
		score := func(v float64) int { return min(max(int(math.Round(v+0.6*r.NormFloat64())), 1), 5) }
		before := 1 + r.IntN(2)
		_, err := s.desk.RecordSatisfaction(ctx, t.id, complaint.RecordSatisfaction{Scale: complaint.Scale{Min: 1, Max: 5},
			Outcome: score(4.3), Speed: score(4.8 - 0.4*days), Courtesy: score(4.5), Before: &before, Key: "rating:" + t.order})
		return err
	})
	return nil
}

// working is t, or the desk's next opening plus ten minutes when t falls outside its
// hours (09:00 to 21:00).
func (s *shop) working(t time.Time) time.Time {
	l := t.In(s.loc)
	switch {
	case l.Hour() < 9:
		return time.Date(l.Year(), l.Month(), l.Day(), 9, 10, 0, 0, s.loc)
	case l.Hour() >= 21:
		return time.Date(l.Year(), l.Month(), l.Day()+1, 9, 10, 0, 0, s.loc)
	}
	return t
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

// results is what the shop learns at the end of the year, printed and reported.
type results struct {
	customers int
	orders    int
	revenue   decimal.Decimal
	completed int
	search    string
	history   [][]string // version, when, action, by, reason
	stages    []count

	program   string
	earned    int64
	gifts     int
	expired   loyalty.ExpiryReport
	liability kehu.Money
	tiers     []count

	rfm         []count
	abc         []abcClass
	bg          segment.BGNBDParams
	gg          segment.GammaGammaParams
	truth       fake.PurchaseModel
	clvTotal    float64
	top         []topCustomer
	pairs       []segment.Pair
	productName map[string]string

	responses          int
	nps, npsLate       survey.NPSResult
	csat, csatLate     survey.CSATResult
	again              float64
	lateParcels, cases int
	priorities         []count
	metrics            complaint.Metrics
	grants, escalated  int
	grantPoints        int64
	recovery           []complaint.RecoveryEffect

	scorecard *crm.Scorecard
}

type count struct {
	name string
	n    int
}

type abcClass struct {
	class     segment.Class
	customers int
	share     float64 // of revenue
}

type topCustomer struct {
	name, tier, segment string
	orders              int
	total               decimal.Decimal
	alive, purchases    float64
	clv                 float64
}

// yearEnd closes the year: levels and points expiry, segments, lifetime value, baskets,
// lifecycle stages, the survey, the complaints and the scorecard.
func (s *shop) yearEnd(ctx context.Context, end time.Time) (*results, error) {
	y := &results{orders: len(s.orders), gifts: s.gifts, program: s.program.Spec().Name, truth: s.gen.Options().Model,
		lateParcels: s.late, productName: map[string]string{}}
	index := map[string]int{} // customer ID → generator index
	for i, id := range s.ids {
		if !id.IsZero() {
			index[id.String()] = i
			y.customers++
		}
		if s.completed[i] {
			y.completed++
		}
	}
	for _, p := range s.gen.Catalogue() {
		y.productName[p.SKU] = p.Name
	}

	// Levels as the year ends, then the points it earned expire.
	s.clock.Set(end.Add(-time.Second))
	tierOf := make(map[int]string, y.customers)
	byTier := map[string]int{}
	for i, id := range s.ids {
		if id.IsZero() {
			continue
		}
		st, err := s.points.Standing(ctx, s.program, id)
		if err != nil {
			return nil, err
		}
		tierOf[i] = st.Tier
		byTier[st.Tier]++
	}
	for _, l := range s.program.Spec().Tiers.Levels {
		y.tiers = append(y.tiers, count{l.Name, byTier[l.Code]})
	}
	before, err := s.points.Liability(ctx, s.program, s.clock.Now())
	if err != nil {
		return nil, err
	}
	s.clock.Set(end)
	if y.expired, err = s.points.ExpireDue(ctx, s.program, end, 0); err != nil {
		return nil, err
	}
	after, err := s.points.Liability(ctx, s.program, end)
	if err != nil {
		return nil, err
	}
	y.earned = y.expired.Points + int64(s.gifts)*giftCost + after[0].Available + after[0].Pending
	y.liability = before[0].Value

	// Purchase histories in weeks, as the lifetime-value models read them.
	var revenue decimal.Decimal
	for _, o := range s.orders {
		t, err := o.Total()
		if err != nil {
			return nil, err
		}
		revenue = revenue.Add(t.Amount())
	}
	y.revenue = revenue
	txns, ordersErr := segment.Orders(slices.Values(s.orders))
	sums, err := segment.SummarizeSeq(txns, segment.Options{Period: segment.Week, ObservationEnd: end, Location: s.loc})
	if err == nil {
		err = ordersErr()
	}
	if err != nil {
		return nil, err
	}
	scores, err := segment.RFM(sums, nil)
	if err != nil {
		return nil, err
	}
	segmentOf := map[string]string{}
	bySegment := map[string]int{}
	for _, sc := range scores {
		segmentOf[sc.Customer] = sc.Segment
		bySegment[sc.Segment]++
	}
	for _, name := range []string{segment.SegChampions, segment.SegLoyal, segment.SegPotentialLoyalist, segment.SegNew,
		segment.SegPromising, segment.SegNeedAttention, segment.SegAboutToSleep, segment.SegAtRisk, segment.SegCantLoseThem,
		segment.SegHibernating, segment.SegLost} {
		if bySegment[name] > 0 {
			y.rfm = append(y.rfm, count{name, bySegment[name]})
		}
	}
	classes, err := segment.ABC(segment.ValuesOf(sums), nil)
	if err != nil {
		return nil, err
	}
	for _, cl := range []segment.Class{segment.ClassA, segment.ClassB, segment.ClassC} {
		a := abcClass{class: cl}
		for _, r := range classes {
			if r.Class == cl {
				a.customers++
				a.share += r.Share
			}
		}
		y.abc = append(y.abc, a)
	}

	bg, err := segment.FitBGNBD(sums, nil)
	if err != nil {
		return nil, err
	}
	gg, err := segment.FitGammaGamma(sums, nil)
	if err != nil {
		return nil, err
	}
	y.bg, y.gg = bg.Params, gg.Params
	clv, err := segment.CLVForecasts(bg, gg, sums, segment.Week, &segment.CLVOptions{Months: 12})
	if err != nil {
		return nil, err
	}
	order := make([]int, len(clv))
	for k := range order {
		order[k] = k
		y.clvTotal += clv[k].CLV
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(clv[b].CLV, clv[a].CLV) })
	for _, k := range order[:10] {
		f, sum := clv[k], sums[k]
		i := index[f.Customer]
		c, err := s.crm.GetCustomer(ctx, s.ids[i])
		if err != nil {
			return nil, err
		}
		y.top = append(y.top, topCustomer{name: c.Name.Compose(), tier: s.levels[tierOf[i]],
			segment: segmentOf[f.Customer], orders: sum.Orders, total: sum.Total, alive: f.ProbabilityAlive,
			purchases: f.ExpectedPurchases, clv: f.CLV})
	}

	// Products bought together, the pairs to offer for cross-selling.
	txns, ordersErr = segment.Orders(slices.Values(s.orders))
	baskets, err := segment.AnalyzeBaskets(txns, &segment.BasketOptions{MinSupport: 0.002})
	if err == nil {
		err = ordersErr()
	}
	if err != nil {
		return nil, err
	}
	y.pairs = baskets.TopPairs(5, segment.ByLift)

	// Lifecycle stages from the year's buying, each change kept in the customer's history.
	acts := make([]segment.Activity, len(sums))
	for k, sum := range sums {
		if acts[k], err = segment.ActivityOf(sum, segment.Week); err != nil {
			return nil, err
		}
	}
	stages, err := segment.SuggestStages(acts, nil)
	if err != nil {
		return nil, err
	}
	byStage := map[crm.Stage]int{}
	for _, sg := range stages {
		byStage[sg.Stage]++
		if sg.Stage == crm.StageActive {
			continue
		}
		if _, err := s.crm.ChangeStage(kehu.WithActor(ctx, review), s.ids[index[sg.Customer]], sg.Stage,
			&crm.UpdateOptions{Reason: sg.Reason, Key: "stage-review-2025"}); err != nil {
			return nil, err
		}
	}
	for _, st := range []crm.Stage{crm.StageActive, crm.StageKey, crm.StageDormant, crm.StageTerminated} {
		y.stages = append(y.stages, count{string(st), byStage[st]})
	}
	if err := s.story(ctx, y, index[clv[order[0]].Customer]); err != nil {
		return nil, err
	}

	// The questionnaire: NPS, satisfaction and repurchase intent, late parcels apart.
	y.responses = len(s.responses)
	var lateOnes []*survey.Response
	yes := 0
	for k, r := range s.responses {
		if s.lateSaid[k] {
			lateOnes = append(lateOnes, r)
		}
		for _, a := range r.Answers {
			if a.Question == "again" && a.Option == "yes" {
				yes++
			}
		}
	}
	y.again = float64(yes) / float64(len(s.responses))
	if y.nps, err = s.form.NPS(slices.Values(s.responses), "recommend", 0.95); err != nil {
		return nil, err
	}
	if y.csat, err = s.form.CSAT(slices.Values(s.responses), "satisfied", 0.95); err != nil {
		return nil, err
	}
	if y.npsLate, err = s.form.NPS(slices.Values(lateOnes), "recommend", 0.95); err != nil {
		return nil, err
	}
	if y.csatLate, err = s.form.CSAT(slices.Values(lateOnes), "satisfied", 0.95); err != nil {
		return nil, err
	}

	// The complaints: priorities, the desk's times, compensation and its effect.
	var cases []*complaint.Case
	byPriority := map[complaint.Priority]int{}
	for _, t := range s.tickets {
		c, err := s.desk.Case(ctx, t.id)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
		byPriority[c.Assessment.Priority]++
		if c.Recovery != nil {
			for _, g := range c.Recovery.Grants {
				if g.Status == complaint.GrantGranted {
					y.grants++
					y.grantPoints += g.Points
				}
			}
		}
		if t.escalated {
			y.escalated++
		}
	}
	y.cases = len(cases)
	for _, p := range []complaint.Priority{complaint.P1, complaint.P2, complaint.P3} {
		y.priorities = append(y.priorities, count{p.String(), byPriority[p]})
	}
	if y.metrics, err = s.desk.Policies().Metrics(cases, end, []time.Duration{24 * time.Hour}); err != nil {
		return nil, err
	}
	if y.recovery, err = complaint.RecoveryEffects(cases, 4); err != nil {
		return nil, err
	}

	y.scorecard, err = s.scorecard(ctx, cases, end)
	return y, err
}

// story finds the shop's most valuable customer by a keyword, as a clerk would, and
// prints the history of their file.
func (s *shop) story(ctx context.Context, y *results, i int) error {
	c, err := s.crm.GetCustomer(ctx, s.ids[i])
	if err != nil {
		return err
	}
	typed := c.Phones[0].Number
	if strings.HasPrefix(typed, "+86") {
		typed = typed[3:6] + "-" + typed[6:10] + "-" + typed[10:] // as a clerk types it
	}
	page, err := s.crm.Search(ctx, crm.Query{Keyword: typed})
	if err != nil {
		return err
	}
	names := make([]string, len(page.Items))
	for k, found := range page.Items {
		names[k] = found.Name.Compose()
	}
	y.search = fmt.Sprintf("search %q finds %s", typed, strings.Join(names, ", "))
	hist, err := s.crm.History(ctx, c.ID, kehu.PageRequest{})
	if err != nil {
		return err
	}
	for _, ch := range hist.Items {
		y.history = append(y.history, []string{fmt.Sprint(ch.Version), ch.At.In(s.loc).Format("2006-01-02 15:04"), ch.Action,
			ch.Actor, ch.Reason})
	}
	return nil
}

// scorecard computes the second half-year's scorecard against the first: the customers
// and the timeline from crm, the orders, members and survey answers from the shop's own
// records, and the complaints from the cases as their SLA stands at the end.
func (s *shop) scorecard(ctx context.Context, cases []*complaint.Case, end time.Time) (*crm.Scorecard, error) {
	def, err := crm.LoadScorecard(strings.NewReader(targets))
	if err != nil {
		return nil, err
	}
	var data crm.ScorecardData
	for _, o := range s.orders {
		f, err := crm.OrderFactOf(o)
		if err != nil {
			return nil, err
		}
		data.Orders = append(data.Orders, f)
	}
	for i, id := range s.ids {
		if !id.IsZero() {
			data.Members = append(data.Members, crm.MemberFact{CustomerID: id, Joined: s.joined[i]})
		}
	}
	policies := s.desk.Policies()
	for _, c := range cases {
		sla, err := policies.Status(c, end)
		if err != nil {
			return nil, err
		}
		h, err := policies.Handling(c, sla) // received, due and resolved
		if err != nil {
			return nil, err
		}
		data.Complaints = append(data.Complaints, crm.ComplaintFact{ReceivedAt: h.ReceivedAt, DueAt: h.DueAt, HandledAt: h.ResolvedAt})
	}
	csat, _ := s.form.Question("satisfied") // its satisfied answers, as the survey counts them
	for _, r := range s.responses {
		for _, a := range r.Answers {
			switch {
			case a.Question == "satisfied":
				data.Surveys = append(data.Surveys, crm.SurveyFact{At: r.SubmittedAt, Measure: crm.MeasureSatisfaction,
					Satisfied: slices.Contains(csat.Satisfied, int(*a.Value))})
			case a.Question == "recommend":
				data.Surveys = append(data.Surveys, crm.SurveyFact{At: r.SubmittedAt, Measure: crm.MeasureNPS, Score: int(*a.Value)})
			case a.Question == "again":
				data.Surveys = append(data.Surveys, crm.SurveyFact{At: r.SubmittedAt, Measure: crm.MeasureRepurchase, WouldRepurchase: a.Option == "yes"})
			}
		}
	}
	in := data.Input(crm.Period{From: kehu.MustDate(year, 7, 1), To: kehu.MustDate(year+1, 1, 1)})
	store := crm.StoreFacts{Store: s.crm.Store()}
	in.Customers, in.Interactions = store, store
	return def.Compute(ctx, in)
}

// print writes the year's summary.
func (y *results) print(out io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	avg := y.revenue.Div(decimal.NewFromInt(int64(y.orders)))
	p("网店 %d: %s customers, %s orders, revenue %s, average order %s", year, thousands(y.customers), thousands(y.orders),
		yuan(y.revenue), yuan(avg))

	p("\nCustomer files")
	p("  each first order opened one; %s were completed from the after-delivery questionnaire", thousands(y.completed))
	p("  %s; the history of the file:", y.search)
	for _, h := range y.history {
		p("    v%s %s %-6s by %s: %s", h[0], h[1], h[2], h[3], h[4])
	}
	p("  stages at year end: %s", counts(y.stages))

	p("\nPoints (%s)", y.program)
	p("  %s points earned; %s checkout gifts for %d points; %s points (%s) expired at year end", thousands(y.earned),
		thousands(y.gifts), giftCost, thousands(y.expired.Points), yuan(y.liability.Amount()))
	p("  levels: %s", counts(y.tiers))

	p("\nSegments")
	half := (len(y.rfm) + 1) / 2
	p("  RFM: %s,", counts(y.rfm[:half]))
	p("       %s", counts(y.rfm[half:]))
	var abc []string
	for _, a := range y.abc {
		abc = append(abc, fmt.Sprintf("%s %s (%.1f %%)", a.class, thousands(a.customers), 100*a.share))
	}
	p("  ABC, customers (share of revenue): %s", strings.Join(abc, ", "))
	p("  BG/NBD fit r %.3f, α %.2f, a %.3f, b %.2f (the generator's %.3f, %.2f, %.3f, %.2f)", y.bg.R, y.bg.Alpha, y.bg.A, y.bg.B,
		y.truth.R, y.truth.Alpha, y.truth.A, y.truth.B)
	p("  Gamma-Gamma fit p %.2f, q %.2f, v %.1f (the generator's %.2f, %.2f, %.1f)", y.gg.P, y.gg.Q, y.gg.V,
		y.truth.P, y.truth.Q, y.truth.Gamma)
	p("  lifetime value over the next 12 months: %s in all; the top five:", yuan(money(y.clvTotal)))
	for _, c := range y.top[:5] {
		p("    %s %-4s %-18s %2d orders %10s  P(alive) %.2f  %4.1f purchases  CLV %s", pad(c.name, 14), c.tier, c.segment, c.orders,
			yuan(c.total), c.alive, c.purchases, yuan(money(c.clv)))
	}

	p("\nCross-selling: the products bought together most above chance")
	for _, pr := range y.pairs[:3] {
		p("  %-32s + %-32s %4d orders, lift %5.1f", y.productName[pr.A], y.productName[pr.B], pr.Count, pr.Lift)
	}

	p("\nAfter-delivery questionnaire: %s answers", thousands(y.responses))
	p("  NPS %.1f (95 %% CI %.1f to %.1f), CSAT %.1f %% (%.1f to %.1f %%), would buy again %.1f %%", y.nps.Score,
		y.nps.Interval.Low, y.nps.Interval.High, 100*y.csat.Share, 100*y.csat.Interval.Low, 100*y.csat.Interval.High, 100*y.again)
	p("  after a late parcel (%d answers): NPS %.1f, CSAT %.1f %%", y.npsLate.N, y.npsLate.Score, 100*y.csatLate.Share)

	p("\nLate parcels: %s; complaints about them: %d (%s)", thousands(y.lateParcels), y.cases, counts(y.priorities))
	m := y.metrics
	p("  first response %s on average, resolution %s (business time); %d cases breached a target", hours(m.FirstResponse.Business.Mean),
		hours(m.FirstResolution.Business.Mean), m.BreachedCases)
	p("  %d grants paid %s points into the programme; %d above an agent's limit waited for a supervisor", y.grants,
		thousands(y.grantPoints), y.escalated)
	for _, e := range y.recovery {
		p("  satisfaction %.1f → %.1f of 5 after recovery (outcome %.1f, speed %.1f, courtesy %.1f); %.0f %% restored", e.MeanBefore,
			e.MeanAfter, e.MeanOutcome, e.MeanSpeed, e.MeanCourtesy, 100*e.ShareRestored)
	}

	p("\nScorecard, second half of %d against the first", year)
	fmt.Fprint(out, y.scorecard)
}

// report builds the HTML report of the year.
func (y *results) report() (*report.Report, error) {
	r := report.New(fmt.Sprintf("网店 %d: the year in customers", year))
	r.SetLang("zh-CN")
	r.Text(fmt.Sprintf("%s customers bought %s times in %d. Each first order opened a customer file; a points programme "+
		"with member levels earned on every order; late parcels drew complaints, put right with points.",
		thousands(y.customers), thousands(y.orders), year))

	s := r.Section("Key figures")
	avg := y.revenue.Div(decimal.NewFromInt(int64(y.orders)))
	s.Figures([]report.Figure{{Label: "Customers", Value: thousands(y.customers)}, {Label: "Orders", Value: thousands(y.orders)},
		{Label: "Revenue", Value: yuan(y.revenue)}, {Label: "Average order", Value: yuan(avg)},
		{Label: "NPS", Value: fmt.Sprintf("%.1f", y.nps.Score)}, {Label: "CSAT", Value: fmt.Sprintf("%.1f %%", 100*y.csat.Share)},
		{Label: "Complaints", Value: thousands(y.cases)}, {Label: "Points expired", Value: thousands(y.expired.Points)}})

	s = r.Section("Customer files")
	s.Text(fmt.Sprintf("Each first order opened a customer file; the after-delivery questionnaire completed %s of them with the "+
		"buyer's platform and whether they buy online or in shops. Every change is kept in the file's history. At year end each "+
		"customer's lifecycle stage was set from their buying.", thousands(y.completed)))
	s.Table(countTable("Customers by lifecycle stage", "Stage", "Customers", y.stages, y.customers))
	s.Text("A clerk's " + y.search + ", the customer of the highest lifetime value; every change to the file is in its history:")
	s.Table(report.Table{Caption: "The history of the file", Header: []string{"Version", "At", "Change", "By", "Reason"}, Rows: y.history})

	s = r.Section("Points and levels")
	s.Figures([]report.Figure{{Label: "Points earned", Value: thousands(y.earned)},
		{Label: "Checkout gifts", Value: thousands(y.gifts)}, {Label: "Expired at year end", Value: thousands(y.expired.Points)},
		{Label: "Worth", Value: yuan(y.liability.Amount())}})
	s.Table(countTable("Members by level at year end", "Level", "Members", y.tiers, y.customers))
	if err := s.Chart("Members by level at year end", bars(y.tiers, "会员等级")); err != nil {
		return nil, err
	}

	s = r.Section("Segments")
	s.Text("RFM scores recency, frequency and money in five bins and names each cell; ABC ranks customers by revenue, " +
		"A the 80 % of revenue, B the next 15 %, C the rest.")
	if err := s.Chart("Customers by RFM segment", bars(y.rfm, "RFM segments")); err != nil {
		return nil, err
	}
	var abc [][]string
	for _, a := range y.abc {
		abc = append(abc, []string{string(a.class), thousands(a.customers), fmt.Sprintf("%.1f %%", 100*a.share)})
	}
	s.Table(report.Table{Caption: "ABC classes", Header: []string{"Class", "Customers", "Share of revenue"}, Rows: abc})

	s = r.Section("Lifetime value")
	s.Text(fmt.Sprintf("BG/NBD (r %.3f, α %.2f, a %.3f, b %.2f) and Gamma-Gamma (p %.2f, q %.2f, v %.1f), fitted to the year's "+
		"purchases in weeks, forecast %s over the next 12 months, discounted 1 %% a month.", y.bg.R, y.bg.Alpha, y.bg.A, y.bg.B,
		y.gg.P, y.gg.Q, y.gg.V, yuan(money(y.clvTotal))))
	var top [][]string
	for _, c := range y.top {
		top = append(top, []string{c.name, c.tier, c.segment, thousands(c.orders), yuan(c.total), fmt.Sprintf("%.2f", c.alive),
			fmt.Sprintf("%.1f", c.purchases), yuan(money(c.clv))})
	}
	s.Table(report.Table{Caption: "The customers of the highest lifetime value",
		Header: []string{"Customer", "Level", "RFM segment", "Orders", "Spend", "P(alive)", "Purchases expected", "CLV"}, Rows: top})

	s = r.Section("Cross-selling")
	var pairs [][]string
	for _, pr := range y.pairs {
		pairs = append(pairs, []string{y.productName[pr.A], y.productName[pr.B], thousands(pr.Count),
			fmt.Sprintf("%.2f %%", 100*pr.Support), fmt.Sprintf("%.0f %%", 100*pr.ConfidenceAB),
			fmt.Sprintf("%.0f %%", 100*pr.ConfidenceBA), fmt.Sprintf("%.1f", pr.Lift)})
	}
	s.Table(report.Table{Caption: "Products bought together most above chance",
		Header: []string{"Product", "With", "Orders", "Support", "Confidence →", "Confidence ←", "Lift"}, Rows: pairs})

	s = r.Section("After-delivery questionnaire")
	s.Figures([]report.Figure{{Label: "Answers", Value: thousands(y.responses)}, {Label: "NPS", Value: fmt.Sprintf("%.1f", y.nps.Score)},
		{Label: "CSAT", Value: fmt.Sprintf("%.1f %%", 100*y.csat.Share)}, {Label: "Would buy again", Value: fmt.Sprintf("%.1f %%", 100*y.again)}})
	s.Table(report.Table{Caption: "NPS and CSAT with their 95 % intervals",
		Header: []string{"Answers", "n", "NPS", "NPS interval", "CSAT", "CSAT interval"},
		Rows:   [][]string{surveyRow("all", y.nps, y.csat), surveyRow("after a late parcel", y.npsLate, y.csatLate)}})
	if err := s.Chart("Promoters, passives and detractors, and satisfied buyers", chart.Bar{
		Options:    chart.Options{Title: "收货评价 (%)", Precision: 1},
		Categories: []string{"推荐者", "中立者", "贬损者", "满意"},
		Values:     []float64{100 * y.nps.Promoters, 100 * y.nps.Passives, 100 * y.nps.Detractors, 100 * y.csat.Share},
		Max:        100}); err != nil {
		return nil, err
	}

	s = r.Section("Complaints and service recovery")
	m := y.metrics
	s.Figures([]report.Figure{{Label: "Late parcels", Value: thousands(y.lateParcels)}, {Label: "Complaints", Value: thousands(y.cases)},
		{Label: "First response", Value: hours(m.FirstResponse.Business.Mean)}, {Label: "Resolution", Value: hours(m.FirstResolution.Business.Mean)},
		{Label: "Breached", Value: thousands(m.BreachedCases)}, {Label: "Points paid", Value: thousands(y.grantPoints)},
		{Label: "Waited for a supervisor", Value: thousands(y.escalated)}})
	s.Table(countTable("Complaints by priority", "Priority", "Cases", y.priorities, y.cases))
	var rec [][]string
	for _, e := range y.recovery {
		rec = append(rec, []string{e.Category, thousands(e.Cases), fmt.Sprintf("%.2f", e.MeanBefore), fmt.Sprintf("%.2f", e.MeanAfter),
			fmt.Sprintf("%.2f", e.MeanOutcome), fmt.Sprintf("%.2f", e.MeanSpeed), fmt.Sprintf("%.2f", e.MeanCourtesy),
			fmt.Sprintf("%.0f %%", 100*e.ShareRestored)})
	}
	s.Table(report.Table{Caption: "Satisfaction before and after recovery, of 5",
		Header: []string{"Category", "Cases", "Before", "After", "Outcome", "Speed", "Courtesy", "Restored"}, Rows: rec})

	s = r.Section("Customer scorecard")
	sc := y.scorecard
	s.Text(fmt.Sprintf("The second half of %d (%s) against the first (%s), in %s.", year, sc.Period, sc.Previous, sc.Currency))
	var kpis [][]string
	for _, k := range sc.KPIs {
		kpis = append(kpis, []string{string(k.Name), k.String(), k.TargetString(), k.PreviousString(), k.ChangeString()})
	}
	s.Table(report.Table{Header: []string{"KPI", "Value", "Target", "Previous", "Change"}, Rows: kpis})
	return r, nil
}

// bars is a bar chart of counts.
func bars(cs []count, title string) chart.Bar {
	b := chart.Bar{Options: chart.Options{Title: title, Width: min(max(640, 140*len(cs)), 960)}}
	for _, c := range cs {
		b.Categories, b.Values = append(b.Categories, c.name), append(b.Values, float64(c.n))
	}
	return b
}

// countTable is a table of counts with their shares of total.
func countTable(caption, what, unit string, cs []count, total int) report.Table {
	t := report.Table{Caption: caption, Header: []string{what, unit, "Share"}}
	for _, c := range cs {
		t.Rows = append(t.Rows, []string{c.name, thousands(c.n), fmt.Sprintf("%.1f %%", 100*float64(c.n)/float64(total))})
	}
	return t
}

func surveyRow(name string, n survey.NPSResult, c survey.CSATResult) []string {
	return []string{name, thousands(n.N), fmt.Sprintf("%.1f", n.Score), fmt.Sprintf("%.1f to %.1f", n.Interval.Low, n.Interval.High),
		fmt.Sprintf("%.1f %%", 100*c.Share), fmt.Sprintf("%.1f to %.1f %%", 100*c.Interval.Low, 100*c.Interval.High)}
}

// counts lists counts as "name n, name n".
func counts(cs []count) string {
	parts := make([]string, len(cs))
	for k, c := range cs {
		parts[k] = c.name + " " + thousands(c.n)
	}
	return strings.Join(parts, ", ")
}

// thousands writes n with grouping commas.
func thousands[T int | int64](n T) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for k := len(s) - 3; k > 0; k -= 3 {
		s = s[:k] + "," + s[k:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// yuan writes an amount as "¥1,234.50".
func yuan(d decimal.Decimal) string {
	whole, frac, _ := strings.Cut(d.StringFixed(2), ".")
	n, _ := decimal.NewFromString(whole)
	return "¥" + thousands(n.IntPart()) + "." + frac
}

// money rounds a model's estimate to the fen for display.
func money(v float64) decimal.Decimal { return decimal.NewFromFloat(v).Round(2) }

// hours writes a duration in hours, or minutes below one.
func hours(d time.Duration) string {
	if d < time.Hour {
		return fmt.Sprintf("%.0f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// pad fills s with spaces to width columns of a terminal, where a Chinese character takes
// two.
func pad(s string, width int) string {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x2e80 {
			w++
		}
	}
	return s + strings.Repeat(" ", max(width-w, 0))
}

// stores are where the shop keeps its data.
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
	pool, drop, err := openSchema(ctx, dsn, "onlineshop")
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
