package crmtest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

// sequenceTests run random sequences of the commands a host issues through crm.Service,
// over the store under test and, side by side, over the memory store, and require the two
// to agree on everything a host can read. The other groups check each contract of
// crm.Store on its own; the sequences check them together, in the orders a real desk
// produces them (a merge of customers with history and interactions, then an update of
// the tombstone, a lookup of its old phone, a retry with the same key, the clock moving
// back), so a store that keeps each contract alone but breaks one in company (an index
// left behind by a merge, a listing that orders ties differently, a key that a copy of
// history takes along) answers some step differently, and the first step where it does
// is reported with the seed that replays it.
func sequenceTests() []test {
	return []test{{Name: "SameAsMemoryStore", Run: testSequencesSameAsMemory}}
}

func testSequencesSameAsMemory(t *testing.T, h *harness) {
	suite.Sequences(t, "KEHU_CRM_SEQ", 6, 60, 20261206, func(t *testing.T, seed uint64, steps int, stats map[string]int) {
		// Each sequence on empty stores, released when it ends: the IDs of each start again.
		under := h.newStore(t)
		require.NotNil(t, under, "newStore returned a nil crm.Store")
		runSequence(t, under, seed, steps, stats)
	})
}

// seqWorld is one sequence's two services, over the store under test and over a memory
// store, on clocks and ID sources that move together, and what the sequence has made so
// far, for later commands to aim at.
type seqWorld struct {
	t      *testing.T
	ctx    context.Context
	rng    *rand.Rand
	start  time.Time
	svcs   [2]*crm.Service // the store under test's, the memory store's
	stores [2]crm.Store
	clocks suite.Clocks
	plan   *crm.ContactPlan

	customers    []crm.CustomerID // every customer created, in order
	interactions []crm.InteractionID
	awaiting     []crm.InteractionID // those recorded with a reply due
	label        map[crm.CustomerID]string
	// ghost and ghostIn are IDs no record has: commands aimed at them must fail alike.
	ghost   crm.CustomerID
	ghostIn crm.InteractionID

	createKeys  map[string]seqCreate // create keys used, with the first create's input
	changeKeys  []string             // update keys used, on any customer
	interKeys   []string
	interInputs map[string]crm.InteractionInput // the first input recorded under each key

	n     int // for fresh keys
	where string
}

// seqCreate is the input of a create.
type seqCreate struct {
	p     crm.Profile
	stage crm.Stage
}

// seqCommand is one command, run on each service in turn. about names the customers whose
// record, history or timeline it may change, which are read in full after it.
type seqCommand struct {
	name  string
	about []crm.CustomerID
	run   func(svc *crm.Service) (any, error)
}

// seqAsk is one read, run on each service in turn; it returns what the host sees in a
// canonical form (times in UTC, empty lists nil).
type seqAsk struct {
	name string
	ask  func(i int, svc *crm.Service) (any, error)
}

func runSequence(t *testing.T, under crm.Store, seed uint64, steps int, stats map[string]int) {
	w := &seqWorld{
		t: t, ctx: t.Context(), rng: rand.New(rand.NewPCG(seed, seed*31+7)), start: suite.Start(),
		label: map[crm.CustomerID]string{}, createKeys: map[string]seqCreate{},
		interInputs: map[string]crm.InteractionInput{},
	}
	ghosts := kehu.NewSeqIDsIn(0xEE) // a namespace the services' IDs never reach
	w.ghost, w.ghostIn = crm.CustomerIDFrom(ghosts.NewID()), crm.InteractionIDFrom(ghosts.NewID())
	w.label[w.ghost] = "ghost"
	for i, s := range []crm.Store{under, crm.NewMemoryStore()} {
		opts, clock, _ := kehu.Deterministic(w.start)
		w.svcs[i], w.stores[i], w.clocks[i] = crm.NewService(s, opts), s, clock
	}
	w.plan = sequencePlan(t)
	var done []seqCommand // commands that succeeded, for replays
	for step := range steps {
		w.where = fmt.Sprintf("seed %d, step %d", seed, step)
		c, ok := w.command(done)
		if !ok {
			stats["clock"]++
			continue
		}
		err := w.run(c)
		kind, _, _ := strings.Cut(c.name, " ")
		if err != nil {
			kinds := errKinds(err)
			kind += " refused"
			if len(kinds) > 0 {
				kind += " (" + kinds[len(kinds)-1] + ")"
			}
		}
		stats[kind]++
		if err == nil && !strings.HasPrefix(c.name, "replay") {
			done = append(done, c)
		}
		if t.Failed() {
			return
		}
	}
	w.where = fmt.Sprintf("seed %d, at the end", seed)
	w.compareAll()
}

// sequencePlan is a contact plan whose cadences read what the sequences change: a class
// attribute, the stage, outbound phone calls, marketing consent, and quiet hours in the
// customer's own zone. DueContacts over it reads every timeline through ScanTimelines.
func sequencePlan(t *testing.T) *crm.ContactPlan {
	t.Helper()
	plan, err := crm.CompileContactPlan(crm.ContactPlanSpec{
		ID: "sequences", TimeZone: "Asia/Shanghai", ClassAttribute: "class",
		Cadences: []crm.CadenceSpec{
			{Name: "A monthly", Classes: []string{"A"}, EveryMonths: 1,
				ContactRule: crm.ContactRule{Channels: []crm.Channel{crm.ChannelVisit, crm.ChannelPhone}}},
			{Name: "B weekly calls", Classes: []string{"B"}, EveryDays: 7,
				ContactRule: crm.ContactRule{Channels: []crm.Channel{crm.ChannelPhone}, Counts: []crm.Channel{crm.ChannelPhone}, OutboundOnly: true}},
			{Name: "potential offers", Stages: []crm.Stage{crm.StagePotential}, EveryDays: 3,
				ContactRule: crm.ContactRule{Purpose: crm.PurposeMarketing, Channels: []crm.Channel{crm.ChannelEmail, crm.ChannelSMS}}},
			{Name: "everyone else", EveryDays: 10},
		},
		FollowUps:  []crm.FollowUpSpec{{Name: "after delivery", After: "order", Days: 2}},
		QuietHours: &crm.QuietHours{From: "21:00", To: "09:00"},
	})
	require.NoError(t, err, "suite bug: the sequences' contact plan does not compile")
	return plan
}

// ---- the commands ----

// Pools the sequences draw profiles from: few enough that customers share emails, phones
// and names (so lookups find several and merges have duplicates to fold), written in the
// forms a desk types them.
var (
	seqNames = []crm.Name{
		{Display: "王小明"},
		{Display: "王 小明"},
		{Display: "王小明", Phonetic: "Wang Xiaoming"},
		{Display: "Xiaoming Wang"},
		{Family: "王", Given: "小明", FamilyFirst: true},
		{Display: "李娜"},
		{Display: "John Smith"},
		{Display: "Smith, John"},
		{Display: "María García"},
		{Display: "  张   伟 "},
	}
	seqEmails = []string{"xiaoming@example.com", "XiaoMing@Example.com", "wxm@example.org", "li.na@example.com",
		"john.smith@example.com", "sales@example.cn"}
	// seqPhones are four numbers, each in several forms.
	seqPhones = []string{"13800138000", "+86 138 0013 8000", "008613800138000", "139 1234 5678", "+8613912345678",
		"(010) 6552 9988", "+44 20 7946 0958"}
	seqTags     = []string{"vip", "VIP ", "wholesale", "tea", "b2b"}
	seqOwners   = []string{"am-01", "am-02", " am-03 "}
	seqZones    = []string{"Asia/Shanghai", "Europe/London", "America/New_York"}
	seqSubjects = []string{"order status", "invoice", "complaint about delivery", "new catalogue", "visit"}
	seqChannels = []crm.Channel{crm.ChannelPhone, crm.ChannelEmail, crm.ChannelSMS, crm.ChannelWeb, crm.ChannelVisit,
		crm.ChannelSocial, crm.ChannelLetter}
	seqConsents = []crm.ConsentChannel{crm.ConsentEmail, crm.ConsentSMS, crm.ConsentPhone, crm.ConsentPost, crm.ConsentSocial}
)

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

// profileEdits are the edits an account manager makes to a profile. Each draws its values
// when the command is made, so that both services run the same edit.
var profileEdits = []struct {
	name string
	make func(r *rand.Rand) func(p *crm.Profile)
}{
	{"tag", func(r *rand.Rand) func(p *crm.Profile) {
		tag := pick(r, seqTags)
		return func(p *crm.Profile) { p.Tags = append(p.Tags, tag) }
	}},
	{"untag", func(r *rand.Rand) func(p *crm.Profile) {
		tag := strings.ToLower(strings.TrimSpace(pick(r, seqTags)))
		return func(p *crm.Profile) { p.Tags = slices.DeleteFunc(p.Tags, func(t string) bool { return t == tag }) }
	}},
	{"owner", func(r *rand.Rand) func(p *crm.Profile) {
		owner := pick(r, seqOwners)
		return func(p *crm.Profile) { p.Owner = owner }
	}},
	{"email", func(r *rand.Rand) func(p *crm.Profile) {
		e := crm.Email{Address: pick(r, seqEmails), Label: pick(r, []string{"", "work", "home"}), Verified: r.IntN(3) == 0}
		return func(p *crm.Profile) { p.Emails = append(p.Emails, e) }
	}},
	{"drop-email", func(*rand.Rand) func(p *crm.Profile) {
		return func(p *crm.Profile) { p.Emails = p.Emails[min(1, len(p.Emails)):] }
	}},
	{"primary-email", func(*rand.Rand) func(p *crm.Profile) {
		return func(p *crm.Profile) {
			for i := range p.Emails {
				p.Emails[i].Primary = i == len(p.Emails)-1
			}
		}
	}},
	{"phone", func(r *rand.Rand) func(p *crm.Profile) {
		ph := crm.Phone{Number: pick(r, seqPhones), Primary: r.IntN(2) == 0}
		return func(p *crm.Profile) { p.Phones = append(p.Phones, ph) }
	}},
	{"drop-phones", func(*rand.Rand) func(p *crm.Profile) { return func(p *crm.Profile) { p.Phones = nil } }},
	{"company", func(r *rand.Rand) func(p *crm.Profile) {
		co := pick(r, []string{"", "示例科技", "Acme Ltd", "50% Off Ltd"})
		return func(p *crm.Profile) { p.Company = co }
	}},
	{"title", func(r *rand.Rand) func(p *crm.Profile) {
		title := pick(r, []string{"", "buyer", "采购经理"})
		return func(p *crm.Profile) { p.JobTitle = title }
	}},
	{"class", func(r *rand.Rand) func(p *crm.Profile) {
		class := pick(r, []string{"A", "B", "C"})
		return func(p *crm.Profile) {
			if p.Attributes == nil {
				p.Attributes = map[string]crm.AttrValue{}
			}
			p.Attributes["class"] = crm.StringAttr(class)
		}
	}},
	{"unclass", func(*rand.Rand) func(p *crm.Profile) {
		return func(p *crm.Profile) { delete(p.Attributes, "class") }
	}},
	{"credit", func(r *rand.Rand) func(p *crm.Profile) {
		v := crm.NumberAttr(decimal.New(r.Int64N(100000), -2))
		return func(p *crm.Profile) {
			if p.Attributes == nil {
				p.Attributes = map[string]crm.AttrValue{}
			}
			p.Attributes["credit"] = v
		}
	}},
	{"birthday", func(r *rand.Rand) func(p *crm.Profile) {
		d := kehu.MustDate(1960+r.IntN(45), time.Month(1+r.IntN(12)), 1+r.IntN(28))
		return func(p *crm.Profile) { p.Demographics.BirthDate = d }
	}},
	{"zone", func(r *rand.Rand) func(p *crm.Profile) {
		z := pick(r, seqZones)
		return func(p *crm.Profile) { p.Preferences.TimeZone = z }
	}},
	{"channel", func(r *rand.Rand) func(p *crm.Profile) {
		ch := pick(r, append([]crm.Channel{""}, seqChannels...))
		return func(p *crm.Profile) { p.Preferences.Channel = ch }
	}},
	{"name", func(r *rand.Rand) func(p *crm.Profile) {
		n := pick(r, seqNames)
		return func(p *crm.Profile) { p.Name = n }
	}},
	{"address", func(r *rand.Rand) func(p *crm.Profile) {
		a := crm.Address{Country: "cn", Region: "北京市", City: "北京", Street: fmt.Sprintf("中关村大街 %d 号", 1+r.IntN(3))}
		return func(p *crm.Profile) { p.Addresses = append(p.Addresses, a) }
	}},
	{"nothing", func(*rand.Rand) func(p *crm.Profile) { return func(*crm.Profile) {} }},
	{"bad-email", func(*rand.Rand) func(p *crm.Profile) {
		return func(p *crm.Profile) { p.Emails = append(p.Emails, crm.Email{Address: "not an email"}) }
	}},
}

func (w *seqWorld) fresh(prefix string) string {
	w.n++
	return fmt.Sprintf("%s-%d", prefix, w.n)
}

func (w *seqWorld) name(id crm.CustomerID) string {
	if l, ok := w.label[id]; ok {
		return l
	}
	return id.String()
}

// customer picks a customer the sequence made: mostly one a desk still works with, now
// and then a tombstone or an erased one, rarely one that does not exist.
func (w *seqWorld) customer() crm.CustomerID {
	r := w.rng
	if len(w.customers) == 0 || r.IntN(40) == 0 {
		return w.ghost
	}
	if r.IntN(5) > 0 {
		p, err := w.stores[1].SearchCustomers(w.ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
		require.NoError(w.t, err, "suite bug: the memory store's SearchCustomers")
		live := slices.DeleteFunc(p.Items, func(c *crm.Customer) bool { return !c.ErasedAt.IsZero() })
		if len(live) > 0 {
			return pick(r, live).ID
		}
	}
	return pick(r, w.customers)
}

// reference reads a customer from the memory store, to draw a command's input from its
// state (the stores agree on it, or the sequence has already failed).
func (w *seqWorld) reference(id crm.CustomerID) *crm.Customer {
	c, err := w.stores[1].GetCustomer(w.ctx, id)
	if err != nil {
		return nil
	}
	return c
}

// updateOptions draws the options of a change: a fresh key, a key used before (by this
// customer, a repeat; by another, a key free for this one), an expected version that is
// current or stale, a reason.
func (w *seqWorld) updateOptions(id crm.CustomerID) *crm.UpdateOptions {
	r := w.rng
	if r.IntN(3) == 0 {
		return nil
	}
	o := &crm.UpdateOptions{}
	switch x := r.IntN(10); {
	case x < 4:
		o.Key = w.fresh("change")
		w.changeKeys = append(w.changeKeys, o.Key)
	case x < 6 && len(w.changeKeys) > 0:
		o.Key = pick(r, w.changeKeys)
	}
	if r.IntN(8) == 0 {
		if c := w.reference(id); c != nil {
			o.IfVersion = c.Version - int64(r.IntN(2))
		}
	}
	if r.IntN(3) == 0 {
		o.Reason = pick(r, []string{"requested by the customer", "data cleansing", "annual review"})
	}
	return o
}

// keyed names a command's idempotency key, if it has one.
func keyed(key string) string {
	if key == "" {
		return ""
	}
	return " key " + key
}

func keyOf(o *crm.UpdateOptions) string {
	if o == nil {
		return ""
	}
	return keyed(o.Key)
}

// profile draws a new customer's profile from the pools.
func (w *seqWorld) profile() crm.Profile {
	r := w.rng
	p := crm.Profile{Name: pick(r, seqNames)}
	if r.IntN(5) == 0 {
		p.Kind = crm.Business
		p.Company = pick(r, []string{"示例科技", "Acme Ltd"})
	}
	for range r.IntN(3) {
		p.Emails = append(p.Emails, crm.Email{Address: pick(r, seqEmails), Primary: r.IntN(2) == 0})
	}
	for range r.IntN(3) {
		p.Phones = append(p.Phones, crm.Phone{Number: pick(r, seqPhones), Primary: r.IntN(2) == 0})
	}
	for range r.IntN(3) {
		p.Tags = append(p.Tags, pick(r, seqTags))
	}
	if r.IntN(2) == 0 {
		p.Owner = pick(r, seqOwners)
	}
	if r.IntN(2) == 0 {
		p.Attributes = map[string]crm.AttrValue{"class": crm.StringAttr(pick(r, []string{"A", "B", "C"}))}
	}
	if r.IntN(4) == 0 {
		p.Preferences.TimeZone = pick(r, seqZones)
	}
	if r.IntN(25) == 0 {
		p.Emails = append(p.Emails, crm.Email{Address: "not an email"})
	}
	return p
}

// command draws the next command, or moves the clocks and returns false.
func (w *seqWorld) command(done []seqCommand) (seqCommand, bool) {
	r := w.rng
	for {
		op := r.IntN(100)
		if len(w.customers) < 2 {
			op = 0 // a desk starts by filing customers
		}
		switch {
		case op < 16:
			return w.create(), true
		case op < 32:
			return w.update(), true
		case op < 41:
			id, to := w.customer(), pick(r, crm.Stages())
			if c := w.reference(id); c != nil && r.IntN(4) > 0 {
				to = pick(r, append(c.Stage.Next(), c.Stage)) // mostly a move the lifecycle allows
			}
			if r.IntN(30) == 0 {
				to = "vip"
			}
			o := w.updateOptions(id)
			return seqCommand{fmt.Sprintf("stage %s to %s%s", w.name(id), to, keyOf(o)), []crm.CustomerID{id},
				func(svc *crm.Service) (any, error) { return svc.ChangeStage(w.ctx, id, to, o) }}, true
		case op < 47:
			return w.consent(), true
		case op < 55:
			return w.merge(), true
		case op < 72:
			return w.interaction(), true
		case op < 79:
			if len(w.interactions) == 0 {
				continue
			}
			return w.reply(), true
		case op < 80:
			id := w.customer()
			return seqCommand{"erase " + w.name(id), []crm.CustomerID{id},
				func(svc *crm.Service) (any, error) { return nil, svc.Erase(w.ctx, id, "the customer asked") }}, true
		case op < 89:
			// Time passes: minutes between calls, or weeks between visits.
			if r.IntN(2) == 0 {
				w.clocks.Advance(time.Duration(r.Int64N(int64(2 * time.Hour))))
			} else {
				w.clocks.Advance(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
			}
			w.compare("after the clock moved on", nil)
			return seqCommand{}, false
		case op < 93:
			// A clock behind another's: records dated before ones already kept.
			w.clocks.Advance(-time.Duration(1 + r.Int64N(int64(48*time.Hour))))
			w.compare("after the clock moved back", nil)
			return seqCommand{}, false
		default:
			if len(done) == 0 {
				continue
			}
			c := done[r.IntN(len(done))]
			c.name = "replay of " + c.name
			return c, true
		}
	}
}

func (w *seqWorld) create() seqCommand {
	r := w.rng
	in := seqCreate{p: w.profile(), stage: pick(r, []crm.Stage{"", "", crm.StagePotential, crm.StageActive, crm.StageKey})}
	o := &crm.CreateOptions{}
	switch x := r.IntN(10); {
	case x < 5:
		o.Key = w.fresh("create")
	case x < 7 && len(w.createKeys) > 0:
		keys := make([]string, 0, len(w.createKeys))
		for k := range w.createKeys {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		o.Key = pick(r, keys)
		if r.IntN(2) == 0 {
			in = w.createKeys[o.Key] // a true repeat: the first create's input
		}
	}
	if _, ok := w.createKeys[o.Key]; o.Key != "" && !ok {
		w.createKeys[o.Key] = in
	}
	o.Stage = in.stage
	if r.IntN(4) == 0 {
		o.Reason = "walk-in"
	}
	p := in.p
	return seqCommand{fmt.Sprintf("create %q%s", p.Name.Compose(), keyed(o.Key)), nil,
		func(svc *crm.Service) (any, error) { return svc.CreateCustomer(w.ctx, p, o) }}
}

func (w *seqWorld) update() seqCommand {
	r := w.rng
	id := w.customer()
	var names []string
	var edits []func(p *crm.Profile)
	for range 1 + r.IntN(3) {
		e := profileEdits[r.IntN(len(profileEdits))]
		names = append(names, e.name)
		edits = append(edits, e.make(r))
	}
	o := w.updateOptions(id)
	return seqCommand{fmt.Sprintf("update %s %v%s", w.name(id), names, keyOf(o)), []crm.CustomerID{id},
		func(svc *crm.Service) (any, error) {
			return svc.UpdateCustomer(w.ctx, id, func(p *crm.Profile) error {
				for _, e := range edits {
					e(p)
				}
				return nil
			}, o)
		}}
}

func (w *seqWorld) consent() seqCommand {
	r := w.rng
	id := w.customer()
	in := crm.ConsentInput{Channel: pick(r, seqConsents), Purpose: pick(r, []crm.Purpose{crm.PurposeMarketing, crm.PurposeService}),
		Granted: r.IntN(3) > 0, Source: pick(r, []string{"web-form", "store:042", "call:agent-7"})}
	switch x := r.IntN(10); {
	case x < 3: // given a while ago, maybe before the statement held
		in.At = w.clocks.Now().Add(-time.Duration(r.Int64N(int64(72 * time.Hour))))
	case x == 3: // a clock ahead of the service's
		in.At = w.clocks.Now().Add(time.Hour)
	}
	o := w.updateOptions(id)
	return seqCommand{fmt.Sprintf("consent %s %s/%s %v%s", w.name(id), in.Channel, in.Purpose, in.Granted, keyOf(o)),
		[]crm.CustomerID{id}, func(svc *crm.Service) (any, error) { return svc.RecordConsent(w.ctx, id, in, o) }}
}

func (w *seqWorld) merge() seqCommand {
	survivor, dup := w.customer(), w.customer()
	for range 3 {
		if dup != survivor {
			break
		}
		dup = w.customer() // now and then a customer into itself
	}
	o := w.updateOptions(survivor)
	return seqCommand{fmt.Sprintf("merge %s into %s%s", w.name(dup), w.name(survivor), keyOf(o)),
		[]crm.CustomerID{survivor, dup}, func(svc *crm.Service) (any, error) { return svc.Merge(w.ctx, survivor, dup, o) }}
}

func (w *seqWorld) interaction() seqCommand {
	r := w.rng
	now := w.clocks.Now()
	in := crm.InteractionInput{
		CustomerID: w.customer(), Channel: pick(r, seqChannels), Direction: pick(r, []crm.Direction{crm.Inbound, crm.Outbound}),
		Purpose: pick(r, []crm.Purpose{"", crm.PurposeService, crm.PurposeMarketing}), Subject: pick(r, seqSubjects),
		Agent: pick(r, []string{"", "agent-7", "agent-9"}), Urgency: pick(r, []crm.Urgency{"", crm.UrgencyLow, crm.UrgencyHigh, crm.UrgencyUrgent}),
	}
	switch x := r.IntN(10); {
	case x < 5: // backdated: a call logged after the fact
		in.At = now.Add(-time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
	case x == 5: // ahead of the clock, refused: a visit booked for tomorrow has not taken place
		in.At = now.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
	}
	switch in.Channel {
	case crm.ChannelPhone, crm.ChannelSMS:
		in.Contact = pick(r, seqPhones)
	case crm.ChannelEmail:
		in.Contact = pick(r, seqEmails)
	case crm.ChannelVisit:
		in.Contact = "store 042"
	}
	if r.IntN(5) < 2 {
		at := cmp.Or(in.At, now)
		in.ReplyBy = at.Add(time.Duration(r.Int64N(int64(74*time.Hour))) - 2*time.Hour) // now and then before At
	}
	if r.IntN(3) == 0 {
		in.Content = "the customer said " + pick(r, []string{"thanks", "nothing", "they will call back"})
	}
	switch x := r.IntN(20); {
	case x < 9:
		in.Key = w.fresh("call")
		w.interKeys = append(w.interKeys, in.Key)
		w.interInputs[in.Key] = in
	case x < 12 && len(w.interKeys) > 0:
		in.Key = pick(r, w.interKeys)
		if x < 11 {
			in = w.interInputs[in.Key] // a retry of the first call's input
		}
	}
	return seqCommand{fmt.Sprintf("interaction %s %s %s%s", w.name(in.CustomerID), in.Direction, in.Channel, keyed(in.Key)),
		[]crm.CustomerID{in.CustomerID}, func(svc *crm.Service) (any, error) { return svc.RecordInteraction(w.ctx, in) }}
}

func (w *seqWorld) reply() seqCommand {
	r := w.rng
	id := w.ghostIn
	switch x := r.IntN(30); {
	case x < 26 && len(w.awaiting) > 0:
		id = pick(r, w.awaiting)
	case x > 0:
		id = pick(r, w.interactions)
	}
	var about []crm.CustomerID
	if in, err := w.stores[1].GetInteraction(w.ctx, id); err == nil {
		about = []crm.CustomerID{in.CustomerID}
	}
	var at time.Time
	switch x := r.IntN(10); {
	case x < 3: // logged after the fact, maybe before the interaction itself
		at = w.clocks.Now().Add(-time.Duration(r.Int64N(int64(24 * time.Hour))))
	case x == 3: // a clock ahead of the service's
		at = w.clocks.Now().Add(time.Hour)
	}
	outcome := pick(r, []string{"", "resolved", "sent a quote"})
	return seqCommand{fmt.Sprintf("reply %s", id), about,
		func(svc *crm.Service) (any, error) { return svc.RecordReply(w.ctx, id, at, outcome) }}
}

// ---- running and comparing ----

// run runs c on both services and requires the same answer, then the same state.
func (w *seqWorld) run(c seqCommand) error {
	w.t.Helper()
	var raw any // side 0's result as returned, for what the sequence learns from it
	_, err := suite.Paired(w.t, w.where+", "+c.name, errSig, func(i int) (any, error) {
		res, err := c.run(w.svcs[i])
		if i == 0 {
			raw = res
		}
		return canonResult(res), err
	})
	about := c.about
	if err == nil {
		switch v := raw.(type) {
		case *crm.Customer:
			if v == nil {
				break
			}
			if _, ok := w.label[v.ID]; !ok {
				w.label[v.ID] = fmt.Sprintf("c%d", len(w.customers))
				w.customers = append(w.customers, v.ID)
			}
			about = append(about, v.ID)
		case *crm.Interaction:
			if v != nil && !slices.Contains(w.interactions, v.ID) {
				w.interactions = append(w.interactions, v.ID)
				if !v.ReplyBy.IsZero() {
					w.awaiting = append(w.awaiting, v.ID)
				}
			}
		}
	}
	w.compare("after "+c.name, about)
	return err
}

// errKinds returns the kinds of error err matches, the most specific last.
func errKinds(err error) []string {
	var kinds []string
	for _, k := range []struct {
		name string
		err  error
	}{
		{"not found", kehu.ErrNotFound}, {"conflict", kehu.ErrConflict}, {"invalid", kehu.ErrInvalid},
		{"duplicate", kehu.ErrDuplicate}, {"key reused", kehu.ErrKeyReused}, {"merged", crm.ErrMerged},
		{"erased", crm.ErrErased}, {"no consent", crm.ErrNoConsent},
	} {
		if errors.Is(err, k.err) {
			kinds = append(kinds, k.name)
		}
	}
	return kinds
}

// errSig renders an error for comparison: the kinds it matches and, for the service's own
// rulings (a validation, a merged or erased customer, a key reused, a version or consent
// that lost), its text, which the service writes the same over any store. A store's own
// errors (a customer not found) are compared by kind only: their words are the store's.
func errSig(err error) string {
	if err == nil {
		return ""
	}
	sig := "error matching [" + strings.Join(errKinds(err), ", ") + "]"
	if errors.Is(err, kehu.ErrNotFound) || errors.Is(err, kehu.ErrDuplicate) {
		return sig
	}
	return sig + ": " + err.Error()
}

// seqCustomer is a customer in canonical form: times in UTC, empty lists nil, and each
// attribute as its kind and text (decimals read back may differ in their exponent only).
type seqCustomer struct {
	Customer *crm.Customer
	Attrs    map[string]string
}

func canonSeqCustomer(c *crm.Customer) *seqCustomer {
	if c == nil {
		return nil
	}
	d, attrs := canonCustomer(c)
	out := &seqCustomer{Customer: d}
	for k, v := range attrs {
		if out.Attrs == nil {
			out.Attrs = map[string]string{}
		}
		out.Attrs[k] = string(v.Kind()) + ":" + v.String()
	}
	return out
}

func canonSeqCustomers(cs []*crm.Customer) []*seqCustomer {
	if len(cs) == 0 {
		return nil
	}
	out := make([]*seqCustomer, len(cs))
	for i, c := range cs {
		out[i] = canonSeqCustomer(c)
	}
	return out
}

func canonInteractions(ins []*crm.Interaction) []*crm.Interaction {
	if len(ins) == 0 {
		return nil
	}
	out := make([]*crm.Interaction, len(ins))
	for i, in := range ins {
		out[i] = canonInteraction(in)
	}
	return out
}

// canonResult returns a command's result in canonical form.
func canonResult(v any) any {
	switch v := v.(type) {
	case *crm.Customer:
		return canonSeqCustomer(v)
	case *crm.Interaction:
		if v == nil {
			return nil
		}
		return canonInteraction(v)
	}
	return v
}

// walked is a listing read page by page: the items and the size of each page. Cursors
// are each store's own, so only where the pages end is compared.
type walked[C any] struct {
	Items C
	Pages []int
}

// walk reads every page of a listing with pages of size, following the listing's own
// cursors.
func walk[T, C any](size int, fetch func(kehu.PageRequest) (kehu.Page[T], error), canon func([]T) C) (walked[C], error) {
	all, pages, err := suite.Pages(func(after string) (kehu.Page[T], error) {
		return fetch(kehu.PageRequest{Limit: size, After: after})
	})
	if err != nil {
		return walked[C]{}, err
	}
	return walked[C]{Items: canon(all), Pages: pages}, nil
}

// ask runs each read on both services and requires the same answers.
func (w *seqWorld) ask(when string, asks []seqAsk) {
	w.t.Helper()
	for _, q := range asks {
		var (
			got  [2]any
			errs [2]error
		)
		for i, svc := range w.svcs {
			got[i], errs[i] = q.ask(i, svc)
		}
		require.Equal(w.t, errSig(errs[1]), errSig(errs[0]), "%s, %s: %s failed otherwise than over the memory store", w.where, when, q.name)
		if errs[0] == nil {
			require.Equal(w.t, got[1], got[0], "%s, %s: %s differs from the memory store's", w.where, when, q.name)
		}
	}
}

// compare requires the stores to agree, after a step, on what a host reads: every
// customer and every interaction, a random search walked page by page, a lookup by email
// or phone, the overdue replies, the contacts due, and, for each customer the step was
// about, the record, where it resolves to, its whole history and timeline, and its
// duplicates.
func (w *seqWorld) compare(when string, about []crm.CustomerID) {
	w.t.Helper()
	r := w.rng
	q := w.query()
	lookup := w.lookup()
	size := 1 + r.IntN(3)
	asks := []seqAsk{
		{"every customer, tombstones too", func(_ int, svc *crm.Service) (any, error) {
			p, err := svc.Search(w.ctx, crm.Query{IncludeTombstones: true, PageRequest: kehu.PageRequest{Limit: 1000}})
			return canonSeqCustomers(p.Items), err
		}},
		{"every interaction (ListInteractions)", func(i int, _ *crm.Service) (any, error) {
			p, err := w.stores[i].ListInteractions(w.ctx, crm.InteractionQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
			return canonInteractions(p.Items), err
		}},
		{fmt.Sprintf("Search %s in pages of %d", describe(q), size), func(_ int, svc *crm.Service) (any, error) {
			return walk(size, func(pr kehu.PageRequest) (kehu.Page[*crm.Customer], error) {
				q.PageRequest = pr
				return svc.Search(w.ctx, q)
			}, canonSeqCustomers)
		}},
		lookup,
		{fmt.Sprintf("OverdueReplies in pages of %d", size), func(_ int, svc *crm.Service) (any, error) {
			return walk(size, func(pr kehu.PageRequest) (kehu.Page[*crm.Interaction], error) {
				return svc.OverdueReplies(w.ctx, pr)
			}, canonInteractions)
		}},
		{"DueContacts", w.dueContacts},
	}
	seen := map[crm.CustomerID]bool{}
	for _, id := range about {
		if seen[id] {
			continue
		}
		seen[id] = true
		asks = append(asks, w.customerAsks(id, false)...)
	}
	w.ask(when, asks)
}

// customerAsks are the reads of one customer: the record, where it resolves to, its
// history and its timeline walked page by page, its duplicates and, when full, its
// export and a timeline between random bounds.
func (w *seqWorld) customerAsks(id crm.CustomerID, full bool) []seqAsk {
	r := w.rng
	name := w.name(id)
	hsize, tsize := 1+r.IntN(3), 1+r.IntN(3)
	asks := []seqAsk{
		{"GetCustomer " + name, func(_ int, svc *crm.Service) (any, error) {
			c, err := svc.GetCustomer(w.ctx, id)
			return canonSeqCustomer(c), err
		}},
		{"ResolveCustomer " + name, func(_ int, svc *crm.Service) (any, error) {
			c, err := svc.ResolveCustomer(w.ctx, id)
			return canonSeqCustomer(c), err
		}},
		{fmt.Sprintf("History of %s in pages of %d", name, hsize), func(_ int, svc *crm.Service) (any, error) {
			return walk(hsize, func(pr kehu.PageRequest) (kehu.Page[crm.Change], error) {
				return svc.History(w.ctx, id, pr)
			}, func(chs []crm.Change) []crm.Change { return suite.NilIfEmpty(canonChanges(chs)) })
		}},
		{fmt.Sprintf("Timeline of %s in pages of %d", name, tsize), func(_ int, svc *crm.Service) (any, error) {
			return walk(tsize, func(pr kehu.PageRequest) (kehu.Page[*crm.Interaction], error) {
				return svc.Timeline(w.ctx, id, time.Time{}, time.Time{}, pr)
			}, canonInteractions)
		}},
		{"FindDuplicates of " + name, func(_ int, svc *crm.Service) (any, error) {
			ds, err := svc.FindDuplicates(w.ctx, id)
			type dup struct {
				Customer              *seqCustomer
				Reasons               []string
				NameSimilarity, Score float64
			}
			var out []dup
			for _, d := range ds {
				out = append(out, dup{canonSeqCustomer(d.Customer), d.Reasons, d.NameSimilarity, d.Score})
			}
			return out, err
		}},
	}
	if !full {
		return asks
	}
	from := w.start.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
	to := from.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
	return append(asks,
		seqAsk{fmt.Sprintf("Timeline of %s from %s to %s", name, from, to), func(_ int, svc *crm.Service) (any, error) {
			p, err := svc.Timeline(w.ctx, id, from, to, kehu.PageRequest{Limit: 1000})
			return canonInteractions(p.Items), err
		}},
		seqAsk{"Export of " + name, func(_ int, svc *crm.Service) (any, error) {
			b, err := svc.Export(w.ctx, id)
			if err != nil {
				return nil, err
			}
			var x crm.CustomerExport
			if err := json.Unmarshal(b, &x); err != nil {
				return nil, err
			}
			return []any{suite.UTC(x.ExportedAt), canonSeqCustomer(x.Customer), suite.NilIfEmpty(canonChanges(x.History)),
				canonInteractions(x.Interactions)}, nil
		}},
	)
}

// query draws a search a desk makes: keywords as typed (names in any order or script,
// phone numbers in any format, an email's domain, a tag), stages, tags, an owner, a
// creation window, and tombstones now and then.
func (w *seqWorld) query() crm.Query {
	r := w.rng
	var q crm.Query
	if r.IntN(2) == 0 {
		q.Keyword = pick(r, []string{"王小明", "wang", "xiaoming wang", "smith", "john", "李", "example.com", "138 0013 8000",
			"+86-139-1234-5678", "6552", "vip", "acme", "50%", "zhang"})
	}
	if r.IntN(5) == 0 {
		q.Stages = []crm.Stage{pick(r, crm.Stages()), pick(r, crm.Stages())}
	}
	if r.IntN(5) == 0 {
		q.Tags = []string{pick(r, seqTags)}
	}
	if r.IntN(6) == 0 {
		q.Owner = pick(r, seqOwners)
	}
	if r.IntN(6) == 0 {
		q.CreatedFrom = w.start.Add(time.Duration(r.Int64N(int64(40 * 24 * time.Hour))))
		if r.IntN(2) == 0 {
			q.CreatedTo = q.CreatedFrom.Add(time.Duration(r.Int64N(int64(40 * 24 * time.Hour))))
		}
	}
	q.IncludeTombstones = r.IntN(5) == 0
	return q
}

// describe renders the conditions of a search for a failure message.
func describe(q crm.Query) string {
	var parts []string
	if q.Keyword != "" {
		parts = append(parts, fmt.Sprintf("keyword %q", q.Keyword))
	}
	if q.Stages != nil {
		parts = append(parts, fmt.Sprintf("stages %v", q.Stages))
	}
	if q.Tags != nil {
		parts = append(parts, fmt.Sprintf("tags %q", q.Tags))
	}
	if q.Owner != "" {
		parts = append(parts, fmt.Sprintf("owner %q", q.Owner))
	}
	if !q.CreatedFrom.IsZero() || !q.CreatedTo.IsZero() {
		parts = append(parts, fmt.Sprintf("created in [%s, %s)", q.CreatedFrom.Format(time.RFC3339), q.CreatedTo.Format(time.RFC3339)))
	}
	if q.IncludeTombstones {
		parts = append(parts, "tombstones too")
	}
	if len(parts) == 0 {
		return "(everyone)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// lookup draws a lookup by email or by phone, typed in any case or format.
func (w *seqWorld) lookup() seqAsk {
	r := w.rng
	if r.IntN(2) == 0 {
		e := pick(r, seqEmails)
		return seqAsk{"FindByEmail " + e, func(_ int, svc *crm.Service) (any, error) {
			cs, err := svc.FindByEmail(w.ctx, e)
			return canonSeqCustomers(cs), err
		}}
	}
	p := pick(r, seqPhones)
	return seqAsk{"FindByPhone " + p, func(_ int, svc *crm.Service) (any, error) {
		cs, err := svc.FindByPhone(w.ctx, p)
		return canonSeqCustomers(cs), err
	}}
}

// dueContacts asks for the contacts due now under the sequences' plan, with an order
// delivered to every third customer a day after the sequence began.
func (w *seqWorld) dueContacts(_ int, svc *crm.Service) (any, error) {
	var events []crm.FollowUpEvent
	for i := 0; i < len(w.customers); i += 3 {
		events = append(events, crm.FollowUpEvent{Customer: w.customers[i], Kind: "order", Ref: fmt.Sprintf("SO-%d", i),
			At: w.start.Add(time.Duration(24+i) * time.Hour)})
	}
	due, err := svc.DueContacts(w.ctx, w.plan, w.clocks.Now(), &crm.DueOptions{Events: slices.Values(events)})
	if err != nil {
		return nil, err
	}
	canon := func(l []crm.DueContact) []crm.DueContact {
		l = suite.NilIfEmpty(slices.Clone(l))
		for i := range l {
			l[i].Last, l[i].ContactFrom = suite.UTC(l[i].Last), suite.UTC(l[i].ContactFrom)
		}
		return l
	}
	return []any{suite.UTC(due.AsOf), canon(due.Contacts), canon(due.Unreachable)}, nil
}

// compareAll requires, at the end of a sequence, the same answers to every read of every
// customer, every create and interaction key, every interaction, and a scan of every
// timeline.
func (w *seqWorld) compareAll() {
	w.t.Helper()
	w.compare("after the last step", nil)
	var asks []seqAsk
	for _, id := range append(slices.Clone(w.customers), w.ghost) {
		asks = append(asks, w.customerAsks(id, true)...)
	}
	keys := make([]string, 0, len(w.createKeys))
	for k := range w.createKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		asks = append(asks, seqAsk{"GetCustomerByKey " + k, func(i int, _ *crm.Service) (any, error) {
			c, err := w.stores[i].GetCustomerByKey(w.ctx, k)
			return canonSeqCustomer(c), err
		}})
	}
	for _, k := range w.interKeys {
		asks = append(asks, seqAsk{"GetInteractionByKey " + k, func(i int, _ *crm.Service) (any, error) {
			in, err := w.stores[i].GetInteractionByKey(w.ctx, k)
			if err != nil {
				return nil, err
			}
			return canonInteraction(in), nil
		}})
	}
	for _, id := range append(slices.Clone(w.interactions), w.ghostIn) {
		asks = append(asks, seqAsk{"GetInteraction " + id.String(), func(i int, _ *crm.Service) (any, error) {
			in, err := w.stores[i].GetInteraction(w.ctx, id)
			if err != nil {
				return nil, err
			}
			return canonInteraction(in), nil
		}})
	}
	before := w.clocks.Now().Add(-time.Duration(w.rng.Int64N(int64(7 * 24 * time.Hour))))
	for _, bound := range []time.Time{{}, before} {
		asks = append(asks, seqAsk{fmt.Sprintf("ScanTimelines before %s", bound), func(i int, _ *crm.Service) (any, error) {
			type scanned struct {
				Customer *seqCustomer
				Timeline []*crm.Interaction
			}
			var out []scanned
			err := w.stores[i].ScanTimelines(w.ctx, bound, func(c *crm.Customer, tl []*crm.Interaction) error {
				out = append(out, scanned{canonSeqCustomer(c), canonInteractions(tl)})
				return nil
			})
			// Customers come in no set order.
			slices.SortFunc(out, func(a, b scanned) int { return a.Customer.Customer.ID.Compare(b.Customer.Customer.ID) })
			return out, err
		}})
	}
	w.ask("reading everything", asks)
}
