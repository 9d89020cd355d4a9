package complainttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/internal/suite"
)

// sequenceTests run random sequences of commands through complaint.Service over the store
// under test and, side by side, over the memory store, and require the two to agree on
// everything a host can see: each command's case and error, the events, payments and
// recovery surveys it caused, and then the cases as Case, CaseByKey and ListCases return
// them. The Service decides from what the store hands it (a key already in the trail, the
// status a move starts from, the grants a ceiling counts, the steps the SLA clocks are
// computed from), so a store that loses a field, a step or an update, or lists, filters
// or pages wrongly, answers some command or read differently; the first step where it
// does is reported with the seed that replays it.
func sequenceTests() []test {
	return []test{{Name: "SameAsMemoryStore", Run: testSequencesSameAsMemory}}
}

func testSequencesSameAsMemory(t *testing.T, h *harness) {
	suite.Sequences(t, "KEHU_COMPLAINT_SEQ", 6, 60, 20260301, func(t *testing.T, seed uint64, steps int, stats map[string]int) {
		// Each sequence on empty stores, released when it ends: the IDs of each start again.
		under := h.newStore(t)
		require.NotNil(t, under, "newStore returned a nil complaint.Store")
		runPairedSequence(t, h.at, under, seed, steps, stats)
	})
}

// pairedWorld is one sequence's two services, over the store under test and over a
// memory store, on clocks and ID sources that move together.
type pairedWorld struct {
	t        *testing.T
	ctx      context.Context
	rng      *rand.Rand
	svcs     [2]*complaint.Service // the store under test's, the memory store's
	stores   [2]complaint.Store
	clocks   suite.Clocks
	pays     [2]*seqCompensator
	heard    [2]*seqRecorder
	policies *complaint.Policies
	// customers complain; strangers are IDs of cases that do not exist.
	customers []kehu.CustomerID
	strangers *kehu.SeqIDs
	cases     []*seqCase
	openKeys  []string
	where     string
	n         int
}

// seqCase is a case the sequence opened, with the keys of the commands sent to it.
type seqCase struct {
	id       complaint.CaseID
	customer kehu.CustomerID
	key      string
	keys     []string
}

// pairedCommand is one command, run on each service in turn: i is 0 for the store under
// test, 1 for the memory store.
type pairedCommand struct {
	name string
	run  func(i int) (any, error)
	// touches is the case the command changes, whose reads are compared after it.
	touches *seqCase
	// read marks a command that changes nothing, which is not retried.
	read bool
}

func runPairedSequence(t *testing.T, start time.Time, under complaint.Store, seed uint64, steps int, stats map[string]int) {
	rng := rand.New(rand.NewPCG(seed, seed*31+7))
	w := &pairedWorld{t: t, ctx: t.Context(), rng: rng, strangers: kehu.NewSeqIDsIn(0xEE)}
	w.policies = sequencePolicies(t, rng)
	roles := sequenceEmpowerment(t)
	for i, s := range []complaint.Store{under, complaint.NewMemoryStore()} {
		opts, clock, _ := kehu.Deterministic(start)
		w.heard[i], w.pays[i] = &seqRecorder{}, &seqCompensator{paid: map[string]string{}}
		opts.Events = w.heard[i]
		w.svcs[i] = complaint.NewService(s, opts).WithPolicies(w.policies).WithCompensation(roles, w.pays[i]).WithRecoverySurvey(w.heard[i])
		w.stores[i], w.clocks[i] = s, clock
	}
	people := kehu.NewSeqIDsIn(0xC0)
	for range 3 {
		w.customers = append(w.customers, kehu.CustomerIDFrom(people.NewID()))
	}
	var done []pairedCommand // commands sent, for retries
	for step := range steps {
		w.where = fmt.Sprintf("seed %d, step %d", seed, step)
		c, ok := w.nextCommand(rng.IntN(100), done, stats)
		if !ok {
			continue
		}
		res, err := w.run(c)
		kind, _, _ := strings.Cut(c.name, " ")
		if c.read {
			kind = c.name
		}
		switch {
		case err != nil && res != nil:
			kind += " stored with an error"
		case err != nil:
			kind += " refused"
		}
		stats[kind]++
		if !c.read && !strings.HasPrefix(c.name, "retry") {
			done = append(done, c)
		}
		if t.Failed() {
			return
		}
	}
	w.where = fmt.Sprintf("seed %d, at the end", seed)
	w.compareEverything()
}

// nextCommand draws the command of one step from op (0–99). It returns false for a step
// that only moved the clocks, or that found nothing to do.
func (w *pairedWorld) nextCommand(op int, done []pairedCommand, stats map[string]int) (pairedCommand, bool) {
	rng := w.rng
	if len(w.cases) == 0 && op < 80 {
		op = 0 // nothing to act on before the first case
	}
	if op < 12 && len(w.cases) >= 6 && rng.IntN(2) == 0 {
		op = 12 + rng.IntN(12) // enough cases: move them on rather than open more
	}
	if op >= 36 && op < 40 && w.pickCaseIn(complaint.Resolved) == nil && rng.IntN(4) > 0 {
		op = 12 // nothing to answer yet: move a case on instead
	}
	if op >= 66 && op < 69 && !w.anyWaitingGrant() && rng.IntN(3) > 0 {
		op = 60 // nothing to decide yet: ask for a grant instead
	}
	switch {
	case op < 12:
		return w.openCommand(), true
	case op < 24:
		c := w.pickOpenCase()
		m := complaint.Move{To: w.nextStatus(c), Note: pick(rng, "", "called the customer", "处理中"), Key: w.key(c, "move")}
		return w.caseCommand("move "+string(m.To), c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Move(ctx, id, m)
		}), true
	case op < 32:
		c := w.pickCase()
		r := complaint.Reply{Kind: pick(rng, complaint.Public, complaint.Public, complaint.Public, complaint.Internal, complaint.Automatic),
			Channel: w.channel(), Text: pick(rng, "We are looking into it", "已安排退款", "Your parcel is on its way"), Key: w.key(c, "reply")}
		switch rng.IntN(20) {
		case 0:
			r.Kind = "sms" // not a kind
		case 1:
			r.Channel = "" // a public reply without one is refused
		case 2, 3, 4, 5:
			r.Then = w.nextStatus(c)
		}
		return w.caseCommand("reply "+string(r.Kind), c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Reply(ctx, id, r)
		}), true
	case op < 36:
		c := w.pickCase()
		m := complaint.Message{Channel: w.channel(), Text: pick(rng, "Any news?", "还没有收到", "I am still waiting"), Key: w.key(c, "message")}
		return w.caseCommand("message", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Message(ctx, id, m)
		}), true
	case op < 40:
		c := w.pickCaseIn(complaint.Resolved)
		if c == nil || rng.IntN(4) == 0 {
			c = w.pickCase()
		}
		a := complaint.Answer{Accepted: rng.IntN(5) < 3, Key: w.key(c, "answer")}
		if !a.Accepted && rng.IntN(6) > 0 {
			a.Recourse = pick(rng, "a review by the store manager", "消费者协会")
		}
		return w.caseCommand(fmt.Sprintf("answer accepted=%t", a.Accepted), c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Answer(ctx, id, a)
		}), true
	case op < 44:
		c := w.pickCase()
		hand := complaint.Handover{To: pick(rng, "agent-2", "team-lead", "manager-1", ""), Note: pick(rng, "", "needs a refund"), Key: w.key(c, "handover")}
		if rng.IntN(2) == 0 {
			return w.caseCommand("escalate", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
				return svc.Escalate(ctx, id, hand)
			}), true
		}
		return w.caseCommand("reassign", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Reassign(ctx, id, hand)
		}), true
	case op < 47:
		return w.mergeCommand(), true
	case op < 49:
		c := w.pickCase()
		cp := complaint.ChangePolicy{Policy: pick(rng, "standard", "premium", "premium", "standard", "premium", "standard", "", "gold"), Key: w.key(c, "policy")}
		return w.caseCommand("policy "+cp.Policy, c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.ChangePolicy(ctx, id, cp)
		}), true
	case op < 51:
		c := w.pickCase()
		r := complaint.Reassess{Triage: w.triage(), Note: pick(rng, "", "the customer is a key account"), Key: w.key(c, "reassess")}
		return w.caseCommand("reassess", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Reassess(ctx, id, r)
		}), true
	case op < 52:
		c := w.pickCase()
		for _, o := range w.cases {
			if ref := w.ref(o.id); ref != nil && ref.Assessment.Crisis && rng.IntN(2) == 0 {
				c = o // a crisis plan is for a crisis, mostly
			}
		}
		cr := complaint.Crisis{Spokesperson: pick(rng, "公关部王经理", "head of communications", "公关部王经理", "head of communications", ""), Key: w.key(c, "crisis")}
		messages := 1 + rng.IntN(3)
		if rng.IntN(10) == 0 {
			messages = pick(rng, 0, complaint.MaxKeyMessages+1) // none, or one too many
		}
		for range messages {
			cr.KeyMessages = append(cr.KeyMessages, pick(rng, "We have contacted the customer", "全额退款", "We are reviewing our process"))
		}
		return w.caseCommand("crisis", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.PlanCrisis(ctx, id, cr)
		}), true
	case op < 53:
		c := w.pickCase()
		r := complaint.Responsibility{Party: pick(rng, "carrier", "warehouse", "the customer", ""), Key: w.key(c, "responsible")}
		return w.caseCommand("responsible", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.FindResponsible(ctx, id, r)
		}), true
	case op < 60:
		return w.recoveryCommand(), true
	case op < 66:
		return w.requestCommand(), true
	case op < 69:
		return w.decideCommand(), true
	case op < 71:
		c := w.pickCase()
		fail := w.paymentFailures()
		return w.caseCommand("settle", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			w.pays[indexOf(w.svcs, svc)].fail = fail
			return svc.SettleCompensation(ctx, id)
		}), true
	case op < 76:
		return w.slaRead(), true
	case op < 79:
		return w.reportRead(), true
	case op < 87: // time passes: minutes, hours or days
		w.clocks.Advance(time.Duration(rng.Int64N(int64(pick(rng, time.Hour, 12*time.Hour, 72*time.Hour)))) + time.Duration(rng.IntN(1000)))
		w.compare("after the clock moved on", nil)
		stats["clock"]++
		return pairedCommand{}, false
	case op < 90: // a clock behind another's: steps dated before earlier ones
		w.clocks.Advance(-time.Duration(1 + rng.Int64N(int64(36*time.Hour))))
		w.compare("after the clock moved back", nil)
		stats["clock back"]++
		return pairedCommand{}, false
	case op < 97:
		if len(done) == 0 {
			return pairedCommand{}, false
		}
		c := done[rng.IntN(len(done))]
		c.name = "retry of " + c.name
		return c, true
	default:
		return w.strangerRead(), true
	}
}

// openCommand opens a case: mostly a good one under a new key; sometimes with bad fields,
// a bad key, or the key of an earlier Open with another payload.
func (w *pairedWorld) openCommand() pairedCommand {
	rng := w.rng
	w.n++
	o := complaint.Open{
		Customer: pick(rng, w.customers...), Channel: w.channel(),
		Words:  pick(rng, "The parcel arrived broken", "房间服务取消了没人通知我", "Charged twice for one order", "The driver was rude"),
		Remedy: pick(rng, "", "a refund", "重新发货"), Category: pick(rng, complaint.CategoryDelivery, complaint.CategoryMoneyError, complaint.CategoryServiceAttitude, "host.own_code"),
		Triage: w.triage(), Assignee: pick(rng, "", "agent-1", "agent-2"), Order: pick(rng, "", "SO-"+strconv.Itoa(w.n)),
		Interaction: pick(rng, "", "int-"+strconv.Itoa(w.n)), Policy: pick(rng, "", "", "", "standard", "premium", "premium", "standard", "", "", "gold"),
		Note: pick(rng, "", "来电"), Proactive: rng.IntN(8) == 0, Key: fmt.Sprintf("open-%d", w.n),
	}
	if o.Proactive && rng.IntN(2) == 0 {
		o.Words = ""
	}
	if rng.IntN(3) == 0 { // a promise to reply by, as a client sends it: any zone, any precision
		o.ReplyBy = w.clocks.Now().Add(time.Duration(rng.Int64N(int64(48 * time.Hour)))).In(time.FixedZone("CST", 8*3600))
	}
	switch rng.IntN(40) {
	case 0:
		o.Words, o.Proactive = " ", false
	case 1:
		o.Customer = kehu.CustomerID{}
	case 2:
		o.Channel = "fax"
	}
	switch k := rng.IntN(20); {
	case k < 2 && len(w.openKeys) > 0:
		o.Key = pick(rng, w.openKeys...) // another payload under a used key: refused as reused
	case k == 2:
		o.Key = w.badKey()
	}
	if o.Key != "" && kehu.CheckHostKey("key", o.Key) == nil {
		w.openKeys = append(w.openKeys, o.Key)
	}
	ctx := w.actor()
	return pairedCommand{name: "open " + o.Key, run: func(i int) (any, error) {
		c, err := w.svcs[i].Open(ctx, o)
		if err == nil && i == 1 && !slices.ContainsFunc(w.cases, func(s *seqCase) bool { return s.id == c.ID }) {
			w.cases = append(w.cases, &seqCase{id: c.ID, customer: c.Customer, key: c.Key})
		}
		return caseResult(c, err)
	}}
}

// mergeCommand folds a case into another: mostly one of the same customer, sometimes one
// of another customer, itself, none or a case that does not exist.
func (w *pairedWorld) mergeCommand() pairedCommand {
	rng := w.rng
	c := w.pickCase()
	var into complaint.CaseID
	switch k := rng.IntN(20); {
	case k < 13:
		var same []complaint.CaseID
		for _, o := range w.cases {
			if o.customer == c.customer && o.id != c.id {
				same = append(same, o.id)
			}
		}
		if len(same) > 0 {
			into = pick(rng, same...)
			break
		}
		fallthrough
	case k < 16:
		into = w.pickCase().id
		if into == c.id {
			into = w.cases[0].id
		}
	case k < 17:
		into = c.id
	case k < 18:
		// none
	default:
		into = complaint.CaseIDFrom(w.strangers.NewID())
	}
	note, key := pick(rng, "", "the same complaint, by email"), w.key(c, "merge")
	return w.caseCommand("merge", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
		return svc.Merge(ctx, id, into, note, key)
	})
}

// recoveryCommand records part of a service recovery: an apology, a fix, a follow-up or
// the satisfaction after it, sometimes out of its scale.
func (w *pairedWorld) recoveryCommand() pairedCommand {
	rng := w.rng
	c := w.pickCase()
	switch rng.IntN(4) {
	case 0:
		a := complaint.Apologise{Channel: w.channel(), Note: pick(rng, "", "在前台当面道歉"), Key: w.key(c, "apologise")}
		return w.caseCommand("apologise", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.Apologise(ctx, id, a)
		})
	case 1:
		f := complaint.RecordFix{What: pick(rng, "sent a replacement", "重新发货", "reversed the second charge", "sent a replacement", "重新发货", "reversed the second charge", ""), Key: w.key(c, "fix")}
		return w.caseCommand("fix", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.RecordFix(ctx, id, f)
		})
	case 2:
		f := complaint.RecordFollowUp{Channel: w.channel(), Key: w.key(c, "follow-up"),
			Result: pick[complaint.FollowUpResult](rng, complaint.FollowUpRestored, complaint.FollowUpNotRestored, complaint.FollowUpUnreachable, complaint.FollowUpRestored, "maybe")}
		return w.caseCommand("follow-up", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
			return svc.RecordFollowUp(ctx, id, f)
		})
	}
	sc := pick(rng, complaint.Scale{Min: 1, Max: 5}, complaint.Scale{Min: 0, Max: 10})
	point := func() int {
		if rng.IntN(30) == 0 {
			return pick(rng, sc.Min-1, sc.Max+1) // off the scale
		}
		return sc.Min + rng.IntN(sc.Max-sc.Min+1)
	}
	s := complaint.RecordSatisfaction{Scale: sc, Outcome: point(), Speed: point(), Courtesy: point(), Key: w.key(c, "satisfaction")}
	if rng.IntN(2) == 0 {
		b := point()
		s.Before = &b
	}
	return w.caseCommand("satisfaction", c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
		return svc.RecordSatisfaction(ctx, id, s)
	})
}

// requestCommand asks for compensation, within or beyond the requester's ceiling, now and
// then in a form the command refuses or under a role the policy does not name; the
// payment desk may fail the first payments it is asked for.
func (w *pairedWorld) requestCommand() pairedCommand {
	rng := w.rng
	c := w.pickCase()
	r := complaint.RequestCompensation{Type: pick(rng, complaint.CompensationPoints, complaint.CompensationCoupon, complaint.CompensationRefund, complaint.CompensationGift),
		Role: pick(rng, "frontline", "frontline", "manager", "frontline", "frontline", "manager", "intern"), Note: pick(rng, "", "goodwill"), Key: w.key(c, "grant")}
	if r.Type == complaint.CompensationPoints {
		r.Points = 50 + rng.Int64N(3000)
	} else {
		m, err := kehu.NewMoneyFromMinor(100+rng.Int64N(30000), pick(rng, "CNY", "CNY", "USD"))
		require.NoError(w.t, err)
		r.Money = m
	}
	if rng.IntN(25) == 0 {
		r.Points, r.Type = 10, complaint.CompensationRefund // a refund in points: refused
	}
	fail := w.paymentFailures()
	return w.caseCommand(fmt.Sprintf("compensation %s as %s", r.Type, r.Role), c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
		w.pays[indexOf(w.svcs, svc)].fail = fail
		return svc.RequestCompensation(ctx, id, r)
	})
}

// decideCommand decides a grant: mostly one waiting for a decision, sometimes one decided
// already, another case's or one that does not exist.
func (w *pairedWorld) decideCommand() pairedCommand {
	rng := w.rng
	type owned struct {
		c *seqCase
		g complaint.Grant
	}
	var waiting, all []owned
	for _, o := range w.cases {
		if ref := w.ref(o.id); ref != nil && ref.Recovery != nil {
			for _, g := range ref.Recovery.Grants {
				all = append(all, owned{o, g})
				if g.Status == complaint.GrantRequested {
					waiting = append(waiting, owned{o, g})
				}
			}
		}
	}
	c, grant := w.pickCase(), complaint.GrantIDFrom(w.strangers.NewID())
	switch k := rng.IntN(10); {
	case k < 7 && len(waiting) > 0:
		o := pick(rng, waiting...)
		c, grant = o.c, o.g.ID
	case k < 9 && len(all) > 0:
		o := pick(rng, all...)
		grant = o.g.ID
		if rng.IntN(2) == 0 {
			c = o.c
		}
	}
	d := complaint.DecideCompensation{Grant: grant, Approve: rng.IntN(10) < 7,
		Role: pick(rng, "manager", "manager", "frontline", "manager", "manager", "frontline", "intern"), Note: pick(rng, "", "approved by phone"), Key: w.key(c, "decide")}
	fail := w.paymentFailures()
	return w.caseCommand(fmt.Sprintf("decide approve=%t as %s", d.Approve, d.Role), c, func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error) {
		w.pays[indexOf(w.svcs, svc)].fail = fail
		return svc.DecideCompensation(ctx, id, d)
	})
}

// slaRead reads a case's SLA at an instant (before, at or after now, in any zone and
// precision) and the handling instants a report takes from it.
func (w *pairedWorld) slaRead() pairedCommand {
	rng := w.rng
	c := w.pickCase()
	at := w.clocks.Now().Add(time.Duration(rng.Int64N(int64(144*time.Hour))) - 72*time.Hour).In(time.FixedZone("X", -5*3600))
	return pairedCommand{name: "read SLA", read: true, run: func(i int) (any, error) {
		svc := w.svcs[i]
		s, err := svc.SLA(w.ctx, c.id, at)
		if err != nil {
			return nil, err
		}
		cs, err := svc.Case(w.ctx, c.id)
		if err != nil {
			return nil, err
		}
		hd, err := w.policies.Handling(cs, s)
		return []any{suite.Canonical(s), suite.Canonical(hd), errClass(err)}, nil
	}}
}

// reportRead measures every case at an instant: the SLA metrics, the effects of recovery
// and the consistency of compensation.
func (w *pairedWorld) reportRead() pairedCommand {
	at := w.clocks.Now().Add(time.Duration(w.rng.Int64N(int64(96*time.Hour))) - 48*time.Hour)
	return pairedCommand{name: "read reports", read: true, run: func(i int) (any, error) {
		cases, _, err := walkCases(w.ctx, w.stores[i], complaint.CaseQuery{PageRequest: kehu.PageRequest{Limit: 1000}})
		if err != nil {
			return nil, err
		}
		m, merr := w.policies.Metrics(cases, at, []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour})
		effects, eerr := complaint.RecoveryEffects(cases, 4)
		odd, cerr := complaint.CheckConsistency(cases, complaint.Tolerance{})
		return []any{suite.Canonical(m), errClass(merr), suite.Canonical(effects), errClass(eerr), suite.Canonical(odd), errClass(cerr)}, nil
	}}
}

// strangerRead asks for a case that does not exist, by ID and by key, and commands it.
func (w *pairedWorld) strangerRead() pairedCommand {
	id := complaint.CaseIDFrom(w.strangers.NewID())
	key := pick(w.rng, "no-such-key", "open-0", w.badKey())
	return pairedCommand{name: "read a stranger", read: true, run: func(i int) (any, error) {
		_, err1 := w.svcs[i].Case(w.ctx, id)
		_, err2 := w.stores[i].CaseByKey(w.ctx, key)
		_, err3 := w.svcs[i].Move(w.ctx, id, complaint.Move{To: complaint.Acknowledged, Key: "move-a-stranger"})
		return []string{errClass(err1), errClass(err2), errClass(err3)}, nil
	}}
}

// caseCommand is a command on case c: on a case that does not exist now and then, and by
// an actor the host names (or none).
func (w *pairedWorld) caseCommand(name string, c *seqCase, do func(svc *complaint.Service, ctx context.Context, id complaint.CaseID) (*complaint.Case, error)) pairedCommand {
	id, touches := c.id, c
	if w.rng.IntN(40) == 0 {
		id, touches = complaint.CaseIDFrom(w.strangers.NewID()), nil
		name += " of a stranger"
	}
	ctx := w.actor()
	return pairedCommand{name: name, touches: touches, run: func(i int) (any, error) {
		return caseResult(do(w.svcs[i], ctx, id))
	}}
}

// key returns the key of a command on c: a new one mostly; sometimes a key sent to the
// case before (a retry, or another payload under it: refused as reused), or a key no
// command takes.
func (w *pairedWorld) key(c *seqCase, kind string) string {
	switch k := w.rng.IntN(25); {
	case k < 2 && len(c.keys) > 0:
		return pick(w.rng, c.keys...)
	case k == 2:
		return w.badKey()
	}
	w.n++
	key := fmt.Sprintf("%s-%d", kind, w.n)
	c.keys = append(c.keys, key)
	return key
}

// badKey is a key kehu.CheckHostKey refuses.
func (w *pairedWorld) badKey() string {
	keys := []string{"", kehu.LibraryKeyPrefix + "complaint.granted:x"}
	for _, bk := range suite.BadKeys() {
		keys = append(keys, bk.Key)
	}
	return pick(w.rng, keys...)
}

// nextStatus is a status to move c to: mostly one the process allows from where the case
// stands now, sometimes any status, merged, or none that exists.
func (w *pairedWorld) nextStatus(c *seqCase) complaint.Status {
	rng := w.rng
	if ref := w.ref(c.id); ref != nil && rng.IntN(10) < 8 {
		next := slices.DeleteFunc(ref.Status.Next(), func(s complaint.Status) bool { return s == complaint.Merged })
		if len(next) > 0 {
			return pick(rng, next...)
		}
	}
	if rng.IntN(30) == 0 {
		return "lost"
	}
	return pick(rng, complaint.Statuses()...)
}

func (w *pairedWorld) triage() complaint.Triage {
	rng := w.rng
	t := complaint.Triage{
		Severity:      pick(rng, complaint.Minor, complaint.Moderate, complaint.Major, complaint.Critical),
		Urgency:       pick(rng, complaint.Low, complaint.Normal, complaint.High, complaint.Immediate),
		Value:         pick(rng, complaint.Standard, complaint.Valued, complaint.Key),
		MediaExposure: rng.IntN(8) == 0,
	}
	if rng.IntN(40) == 0 {
		t.Severity = "catastrophic"
	}
	return t
}

func (w *pairedWorld) channel() complaint.Channel {
	if w.rng.IntN(40) == 0 {
		return "pigeon"
	}
	return pick(w.rng, complaint.Phone, complaint.Email, complaint.Web, complaint.Visit, complaint.Social, complaint.Letter, complaint.Media)
}

// actor is the context of a command: an actor the host names, or none ("system").
func (w *pairedWorld) actor() context.Context {
	if a := pick(w.rng, "", "agent-1", "agent-2", "manager-1"); a != "" {
		return kehu.WithActor(w.ctx, a)
	}
	return w.ctx
}

// paymentFailures is how many payments the desk fails in the next command: mostly none.
func (w *pairedWorld) paymentFailures() int {
	if w.rng.IntN(6) == 0 {
		return 1 + w.rng.IntN(2)
	}
	return 0
}

func (w *pairedWorld) pickCase() *seqCase { return w.cases[w.rng.IntN(len(w.cases))] }

// pickOpenCase picks a case still being handled, if there is one, three times in four:
// so that cases make their way through the process rather than wait at its start.
func (w *pairedWorld) pickOpenCase() *seqCase {
	var open []*seqCase
	for _, c := range w.cases {
		if ref := w.ref(c.id); ref != nil && ref.Status.Open() {
			open = append(open, c)
		}
	}
	if len(open) == 0 || w.rng.IntN(4) == 0 {
		return w.pickCase()
	}
	return pick(w.rng, open[:min(len(open), 3)]...)
}

// pickCaseIn picks a case in the status, or returns nil if there is none.
func (w *pairedWorld) pickCaseIn(status complaint.Status) *seqCase {
	var in []*seqCase
	for _, c := range w.cases {
		if ref := w.ref(c.id); ref != nil && ref.Status == status {
			in = append(in, c)
		}
	}
	if len(in) == 0 {
		return nil
	}
	return pick(w.rng, in...)
}

// anyWaitingGrant reports whether a grant waits for a decision.
func (w *pairedWorld) anyWaitingGrant() bool {
	for _, c := range w.cases {
		if ref := w.ref(c.id); ref != nil && ref.Recovery != nil &&
			slices.ContainsFunc(ref.Recovery.Grants, func(g complaint.Grant) bool { return g.Status == complaint.GrantRequested }) {
			return true
		}
	}
	return false
}

// ref is the case as the memory store holds it, or nil: what the sequence draws sensible
// commands from.
func (w *pairedWorld) ref(id complaint.CaseID) *complaint.Case {
	c, err := w.stores[1].Case(w.ctx, id)
	if err != nil {
		return nil
	}
	return c
}

// run runs c on both services and requires the same answer, the same events, payments
// and survey requests, then the same cases.
func (w *pairedWorld) run(c pairedCommand) (any, error) {
	w.t.Helper()
	res, err := suite.Paired(w.t, w.where+", "+c.name, errClass, c.run)
	require.Equal(w.t, w.heard[1].heard, w.heard[0].heard, "%s, %s: the events and recovery surveys differ from the memory store's", w.where, c.name)
	require.Equal(w.t, w.pays[1].calls, w.pays[0].calls, "%s, %s: the payments asked for differ from the memory store's", w.where, c.name)
	for i := range w.heard {
		w.heard[i].heard, w.pays[i].calls = nil, nil
	}
	w.compare("after "+c.name, c.touches)
	return res, err
}

// compare requires both stores to list the same cases, in the same order, also under a
// random filter and page size, and to return the touched case alike by ID and by key.
func (w *pairedWorld) compare(when string, touched *seqCase) {
	w.t.Helper()
	all := complaint.CaseQuery{PageRequest: kehu.PageRequest{Limit: 1000}}
	w.compareListing(when, "every case", all)
	q := complaint.CaseQuery{PageRequest: kehu.PageRequest{Limit: w.rng.IntN(5)}}
	switch k := w.rng.IntN(10); {
	case k < 4:
		q.Customer = pick(w.rng, w.customers...)
	case k == 4:
		q.Customer = kehu.CustomerIDFrom(w.strangers.NewID())
	}
	if w.rng.IntN(2) == 0 {
		for range 1 + w.rng.IntN(3) {
			q.Statuses = append(q.Statuses, pick(w.rng, complaint.Statuses()...))
		}
		if w.rng.IntN(20) == 0 {
			q.Statuses = append(q.Statuses, "lost")
		}
	}
	w.compareListing(when, fmt.Sprintf("the cases of customer %s in %v, %d a page", q.Customer, q.Statuses, q.Limit), q)
	if touched == nil {
		return
	}
	var byID, byKey [2]any
	for i, s := range w.stores {
		c, err := s.Case(w.ctx, touched.id)
		byID[i] = []any{suite.Canonical(c), errClass(err)}
		c, err = s.CaseByKey(w.ctx, touched.key)
		byKey[i] = []any{suite.Canonical(c), errClass(err)}
	}
	require.Equal(w.t, byID[1], byID[0], "%s, %s: Case %s differs from the memory store's", w.where, when, touched.id)
	require.Equal(w.t, byKey[1], byKey[0], "%s, %s: CaseByKey %q differs from the memory store's", w.where, when, touched.key)
}

func (w *pairedWorld) compareListing(when, what string, q complaint.CaseQuery) {
	w.t.Helper()
	var got [2]any
	for i, s := range w.stores {
		cases, pages, err := walkCases(w.ctx, s, q)
		got[i] = []any{suite.Canonical(cases), pages, errClass(err)}
	}
	require.Equal(w.t, got[1], got[0], "%s, %s: ListCases of %s (the cases, and the size of each page) differs from the memory store's", w.where, when, what)
}

// compareEverything ends a sequence: every case by ID and by key, its SLA at instants
// of the sequence and after it, and the reports over all cases.
func (w *pairedWorld) compareEverything() {
	w.t.Helper()
	for _, c := range w.cases {
		w.compare("at the end", c)
		for _, d := range []time.Duration{-24 * time.Hour, 0, time.Hour, 30 * 24 * time.Hour} {
			at := w.clocks.Now().Add(d)
			var got [2]any
			for i, svc := range w.svcs {
				s, err := svc.SLA(w.ctx, c.id, at)
				got[i] = []any{suite.Canonical(s), errClass(err)}
			}
			require.Equal(w.t, got[1], got[0], "%s: the SLA of case %s at %s differs from the memory store's", w.where, c.id, at)
		}
	}
	r := w.reportRead()
	var got [2]any
	for i := range w.svcs {
		v, err := r.run(i)
		got[i] = []any{v, errClass(err)}
	}
	require.Equal(w.t, got[1], got[0], "%s: the reports over every case differ from the memory store's", w.where)
}

// walkCases reads every page of a listing; it returns the cases and the size of each page.
func walkCases(ctx context.Context, s complaint.Store, q complaint.CaseQuery) ([]*complaint.Case, []int, error) {
	return suite.Pages(func(after string) (kehu.Page[*complaint.Case], error) {
		q.After = after
		return s.ListCases(ctx, q)
	})
}

// sequencePolicies are the SLA policies of a sequence: a standard and a premium policy
// with targets varied by rng, on a 24×7 calendar or on office hours in Shanghai with a
// holiday, so that the clocks run, pause, warn and breach.
func sequencePolicies(t *testing.T, rng *rand.Rand) *complaint.Policies {
	t.Helper()
	spec := complaint.CalendarSpec{TimeZone: "UTC", AlwaysOpen: true}
	if rng.IntN(2) == 0 {
		day := []complaint.Shift{{From: "09:00", To: "12:00"}, {From: "13:30", To: "18:00"}}
		spec = complaint.CalendarSpec{TimeZone: "Asia/Shanghai", Week: complaint.Week{Monday: day, Tuesday: day, Wednesday: day, Thursday: day, Friday: day},
			Holidays: []kehu.Date{kehu.MustDate(2026, 3, 4)}}
	}
	cal, err := complaint.CompileCalendar(spec)
	require.NoError(t, err, "suite bug: the sequences' calendar does not compile")
	target := func() *complaint.TargetSpec {
		if rng.IntN(5) == 0 {
			return nil
		}
		var ts complaint.TargetSpec
		switch rng.IntN(3) {
		case 0:
			ts.Minutes = 30 + rng.IntN(240)
		case 1:
			ts.Hours = 1 + rng.IntN(24)
		default:
			ts.BusinessDays = 1 + rng.IntN(3)
		}
		ts.CalendarTime = ts.BusinessDays == 0 && rng.IntN(3) == 0
		switch rng.IntN(3) {
		case 0:
			ts.WarnPercent = 50 + rng.IntN(45)
		case 1:
			if ts.BusinessDays > 0 || ts.Minutes+60*ts.Hours > 30 {
				ts.WarnBeforeMinutes = 10 + rng.IntN(20)
			}
		}
		ts.KeepRunning = rng.IntN(5) == 0
		return &ts
	}
	var ps []*complaint.Policy
	for _, id := range []string{"standard", "premium"} {
		var levels []complaint.LevelSpec
		for pr := complaint.P1; pr <= complaint.P4; pr++ {
			l := complaint.LevelSpec{Priority: pr, FirstResponse: target(), NextReply: target(), PeriodicUpdate: target(), Resolution: target()}
			if l.Resolution == nil && l.FirstResponse == nil && l.NextReply == nil && l.PeriodicUpdate == nil {
				l.Resolution = &complaint.TargetSpec{Hours: 8}
			}
			levels = append(levels, l)
		}
		p, err := complaint.CompilePolicy(complaint.PolicySpec{ID: id, Levels: levels}, cal)
		require.NoError(t, err, "suite bug: the sequences' policy %s does not compile", id)
		ps = append(ps, p)
	}
	set, err := complaint.NewPolicies(ps...)
	require.NoError(t, err)
	return set
}

// sequenceEmpowerment lets frontline staff grant a little on their own authority, and a
// manager more; the key band has no frontline ceiling at all.
func sequenceEmpowerment(t *testing.T) *complaint.Empowerment {
	t.Helper()
	e, err := complaint.CompileEmpowerment(complaint.EmpowermentSpec{Roles: []complaint.RoleCeilings{
		{Role: "frontline", Ceilings: []complaint.Ceiling{
			{Value: complaint.Standard, Money: []kehu.Money{kehu.MustMoney("50", "CNY")}, Points: 500},
			{Value: complaint.Valued, Money: []kehu.Money{kehu.MustMoney("100", "CNY"), kehu.MustMoney("15", "USD")}, Points: 1000},
		}},
		{Role: "manager", Ceilings: []complaint.Ceiling{
			{Value: complaint.Standard, Money: []kehu.Money{kehu.MustMoney("400", "CNY")}, Points: 5000},
			{Value: complaint.Valued, Money: []kehu.Money{kehu.MustMoney("1000", "CNY"), kehu.MustMoney("100", "USD")}, Points: 10000},
			{Value: complaint.Key, Money: []kehu.Money{kehu.MustMoney("2000", "CNY"), kehu.MustMoney("300", "USD")}, Points: 20000},
		}},
	}})
	require.NoError(t, err, "suite bug: the sequences' empowerment does not compile")
	return e
}

// seqCompensator pays each key once, as an idempotent payment desk does, with references
// numbered in the order paid; it fails the next fail calls.
type seqCompensator struct {
	fail  int
	paid  map[string]string
	calls []string
}

func (c *seqCompensator) Compensate(_ context.Context, g complaint.Grant) (string, error) {
	c.calls = append(c.calls, suite.Show(suite.Canonical(g)))
	if c.fail > 0 {
		c.fail--
		return "", errors.New("the payment desk is unavailable")
	}
	if ref, ok := c.paid[g.Key]; ok {
		return ref, nil
	}
	ref := fmt.Sprintf("pay-%d", len(c.paid)+1)
	c.paid[g.Key] = ref
	return ref, nil
}

// seqRecorder hears what a service tells the host: its events and its requests for
// recovery surveys, in order.
type seqRecorder struct{ heard []string }

func (r *seqRecorder) Publish(_ context.Context, events ...kehu.Event) error {
	for _, e := range events {
		if ce, ok := e.(complaint.CaseEvent); ok {
			e = suite.Canonical(ce)
		}
		r.heard = append(r.heard, e.EventName()+" "+suite.Show(e))
	}
	return nil
}

func (r *seqRecorder) RequestRecoverySurvey(_ context.Context, c *complaint.Case) error {
	r.heard = append(r.heard, "recovery survey "+suite.Show(suite.Canonical(c)))
	return nil
}

// caseResult is a command's answer as compared: the case canonical, no case nil.
func caseResult(c *complaint.Case, err error) (any, error) {
	if c == nil {
		return nil, err
	}
	return suite.Canonical(c), err
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func indexOf(svcs [2]*complaint.Service, svc *complaint.Service) int {
	if svc == svcs[0] {
		return 0
	}
	return 1
}

// errClass is what a host can tell of an error (see suite.ErrClass), the complaint
// package's own errors included.
func errClass(err error) string {
	return suite.ErrClass(err, complaint.ErrBeyondAuthority, complaint.ErrNotConfigured)
}
