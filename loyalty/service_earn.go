package loyalty

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/codec"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// EarnResult is what an order or event earned: the rule-by-rule earning and the entries
// written for it, and for an order in a programme with tiers, where the member stands
// after it.
type EarnResult struct {
	// Earning is what Entries credit, rule by rule. On a first call it is the earning worked
	// out for the command, with its explanation. On a repeat (Replayed) it is read from the
	// first call's entries, never worked out again, so that its awards and totals are the
	// first call's however the member's tier, a cap's room or a once-only rule's use has
	// changed since. A repeat's earning has no explanation (Explanation returns none): it
	// is not stored, and one worked out again would describe the ledger at the repeat, not
	// the earning the entries record. Its awards are per point type and rule, and per line
	// as far as the entries record it: an entry keeps what each rule gave (Entry.Awards) and
	// what each line's lot earned (LotMove.Line), and an award is on its line whenever the
	// two determine it — always for an entry of one line; for one of one rule, unless debt
	// took all that its first lot earned; for base points beside one rule's bonus on the
	// order as a whole. Where they do not (several rules over several lines of one entry,
	// such as a tier multiplier on a two-line order), each rule's points in that entry are
	// one award with no LineID.
	Earning *Earning `json:"earning"`
	Entries []Entry  `json:"entries"`
	// Replayed reports that the command had been seen before — the same order, or the same
	// member event and ref, sent again after the first call or while it ran — and was
	// answered from the first call's record: Entries are the first call's, nothing was
	// written, and Earning is read from the entries.
	Replayed bool `json:"replayed,omitempty"`
	// Tier is where the member stands once EarnOrder has credited the order and brought
	// their tier up to date (EvaluateTier): the tier in force, the figures of the window in
	// progress with this order counted (as they stood when it was credited: a refund
	// another process commits just after is not in them, but an upgrade is only recorded on
	// figures read after the order), and what the next level still needs. A member seen
	// for the first time joins when the order was credited. It is nil for
	// a programme without tiers, and when bringing the tier up to date failed after the
	// order was credited (EarnOrder then returns the result with the error). EarnEvent sets
	// it, and Upgrade, when the event credited points of the programme's qualifying type
	// (Tiers.QualifyingType), and leaves them nil otherwise. A replayed order (its ID seen
	// before) returns the first call's Entries but the standing when the replay runs.
	Tier *TierStatus `json:"tier,omitempty"`
	// Upgrade is the move up this call recorded: the order took the member's figures to a
	// higher level and the tier in force rose (Reason TierQualified, dated when it was
	// recorded, just after the order was credited; the same change is in
	// Tier.State.History and published as a TierEvent). It is nil when the tier in force
	// stayed as it was: for an order that reached no new level, one that reached a level
	// below a tier assigned to the member, a programme without tiers, and a replayed
	// order, whose upgrade the first call reported, so that an upgrade is reported once.
	// (Should the first call have failed after crediting and before recording the
	// upgrade, the replay records it and reports it.) Other changes the same evaluation
	// records, such as the enrolment of a member seen for the first time or a review that
	// fell due, are in Tier.State.History and published, not here.
	Upgrade *TierChange `json:"upgrade,omitempty"`
}

// EarnOrder credits what an order earns under the programme (see Program.Preview): one
// entry per point type, holding one lot per order line (LotMove.Line; one more for the
// order's own bonuses) and what each rule gave (Entry.Awards), so that a refund can take
// back exactly what each line created; all point types are written in one atomic step.
// It is idempotent by the order's ID: its key is kehu.LibraryKey("order", o.ID), which no
// host key can take, so a replayed order event earns once; the digest covers the order
// only, so a replay after the member's tier changed still returns the first result — its
// entries, and the earning they record, flagged EarnResult.Replayed — and the same order
// ID with other contents fails with kehu.ErrKeyReused.
//
// m is what the host knows of the member (birthday, tags, segments, attributes); the tier
// rules read is the ledger's. In a programme with tiers, the order earns at the tier in force after the upgrade the
// order itself causes: the figures of the window in progress plus this order's spend,
// purchase and qualifying points reach a level (Tiers.Qualify), and the order earns at
// that level, or at the tier in force if it is higher (an earned or assigned level). So
// the order that makes a member silver earns as silver; once the order is credited the
// member's tier is brought up to date (EvaluateTier), which records the upgrade. The
// result says where the member stands then (EarnResult.Tier) and which upgrade the order
// brought, if any (EarnResult.Upgrade).
//
// Per-day and per-period caps count by when the order was placed (o.At, in the programme's
// zone), not when it is credited: an order placed on 11 November and credited on the 12th
// uses 11 November's cap. Each capped rule keeps a running counter per period (see
// IsInternalAccount), which is read and added to inside the one atomic write that credits
// the points, so concurrent orders of one member never give a capped rule more than its
// cap, and checking a cap costs one account read however many orders came before. A cap
// counts what the rule awarded: a refund or a reversal takes points back but does not give
// the cap's room back, so buying, returning and buying again cannot earn a capped bonus
// twice. The order's spend, purchase and qualifying points are added to the member's tier
// figures in the same write (see Figures).
//
// The rules take the order's time from o.At — a campaign's dates, a birthday, the day a cap
// counts in — so the time must be the host's record of the sale, never one a client app
// sent unchecked. EarnOrder credits an order placed at most EarningRules.LateDays (30 by
// default) before the service's clock and at most OrderClockSkew after it, and refuses
// any other with a *kehu.ValidationError on "order.at", rule "late" or "future", writing
// nothing: an order dated by whoever sends it can claim no campaign that has ended or not
// begun, and no birthday or fresh daily cap outside that window. A repeat of an order
// credited in time is answered from its record however late it comes.
func (s *Service) EarnOrder(ctx context.Context, p *Program, o kehu.Order, m Member) (*EarnResult, error) {
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	customer := o.CustomerID
	switch {
	case customer.IsZero():
		customer = m.CustomerID
	case !m.CustomerID.IsZero() && m.CustomerID != customer:
		return nil, kehu.Invalid("member.customer_id", "match", "the member is not the order's customer")
	}
	if customer.IsZero() {
		return nil, kehu.Invalid("order.customer_id", "required", "the order has no customer")
	}
	// The order belongs to its customer: the digest covers them, so the same order ID for
	// another member is kehu.ErrKeyReused, never the first member's entries.
	o.CustomerID = customer
	o.At = kehu.Truncate(o.At)
	if o.ID == "" {
		return nil, kehu.Invalid("order.id", "required", "the order has no ID")
	}
	key := kehu.LibraryKey("order", o.ID)
	if err := kehu.CheckKey("order.id", key); err != nil {
		return nil, err
	}
	dig := orderDigest(o)
	var (
		res   *EarnResult
		t     tierInputs
		wrote []*Account // the figure counters as the write left them
		err   error
	)
	if err := p.orderInTime(o.At, s.opts.Now()); err != nil {
		// An order credited in time is answered from its record however late it is
		// repeated; one never credited is refused.
		out, err := s.refusedOrReplayed(ctx, p, key, dig, err)
		if err != nil {
			return nil, err
		}
		return s.orderUpgrade(ctx, p, customer, &EarnResult{Earning: recordedEarning(p, out, o.Lines), Entries: out, Replayed: true}, evalFrom{joined: creditedAt(out)})
	}
	for range maxAttempts {
		// The member's standing and the figures of the window in progress are read before
		// the write, which goes ahead only if the accounts they came from are unchanged
		// (otherwise they are read again): two orders that cross a threshold together do
		// not both earn at the new tier.
		if t, err = s.tierInputs(ctx, p, customer); err != nil {
			return nil, err
		}
		var read map[AccountKey]int64
		if t.seen != nil {
			read = t.seen.read
		}
		res, wrote, err = s.earnWithUsage(ctx, p, customer, read, func(u RuleUsage) (*Earning, []awardGroup, error) {
			earning, err := p.previewOrder(o, m, t, u)
			if err != nil {
				return nil, nil, err
			}
			groups := earning.groups()
			for _, g := range groups {
				if total := g.total(); total > MaxPoints {
					return nil, nil, kehu.Invalid("order", "max_points", fmt.Sprintf("earns %d %s points, more than one command may move (%d)", total, g.pointType, int64(MaxPoints)))
				}
			}
			if p.spec.Tiers != nil {
				groups = append(groups, groupAwards(p.spec.Tiers.qualifyingAwards(o))...)
			}
			setUnits(groups, o.Lines)
			return earning, groups, nil
		}, o.Lines, Source{Type: "order", Ref: o.ID}, key, dig)
		if !errors.Is(err, errUsageChanged) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	// The evaluation after the write starts from what the one before it read, brought past
	// the write: the counters the write checked and stored need not be read again.
	from := evalFrom{joined: creditedAt(res.Entries)}
	if wrote != nil && t.seen != nil {
		from.prior = &tierRead{member: t.seen.member, reads: t.seen.reads.after(t.seen.read, wrote)}
	}
	return s.orderUpgrade(ctx, p, customer, res, from)
}

// orderUpgrade brings the tier of the member an order was credited to up to date, so that
// they move up as soon as a threshold is crossed, and sets where they stand in res (a
// programme without tiers has nothing to do). A member seen for the first time joins when
// the order was credited (from.joined).
func (s *Service) orderUpgrade(ctx context.Context, p *Program, customer crm.CustomerID, res *EarnResult, from evalFrom) (*EarnResult, error) {
	if p.spec.Tiers == nil {
		return res, nil
	}
	st, _, changes, err := s.evaluate(ctx, p, customer, true, from)
	if err != nil {
		return res, err
	}
	res.Tier, res.Upgrade = st, upgradeOf(p.spec.Tiers, changes)
	return res, nil
}

// creditedAt is when entries of one command were written (the zero time for none).
func creditedAt(es []Entry) time.Time {
	if len(es) == 0 {
		return time.Time{}
	}
	return es[0].At
}

// upgradeOf returns the upgrade among the changes an evaluation recorded: the move up to
// the level the figures of the window in progress reach, which advance records last.
func upgradeOf(t *Tiers, changes []TierChange) *TierChange {
	for i := len(changes) - 1; i >= 0; i-- {
		if c := changes[i]; c.Reason == TierQualified && t.Level(c.To) > t.Level(c.From) {
			return &c
		}
	}
	return nil
}

// errMoreAccounts reports that an earning worked out inside the atomic write needed an
// account (a point type or a counter) the write was not given; the write is made again
// with it.
var errMoreAccounts = errors.New("loyalty: the earning needs more accounts")

// errUsageChanged reports that an account an earning was worked out from (a tier figure)
// changed between the read and the write.
var errUsageChanged = fmt.Errorf("%w: the member's ledger changed while the earning was worked out; repeat the command", kehu.ErrConflict)

// earnWithUsage works out an earning with earn and credits its awards in one atomic write.
// earn is called first with nothing used, to learn which point types the earning can
// credit and which counters of caps and once-only rules it asks about (caps only take
// points away, so the unlimited earning asks every question); when it asked none, that
// earning is the one credited. Otherwise the write is given those counters too, and earn is
// called again inside it with what the counters hold, so the limit is checked and used in
// the same step. A command whose key was seen before is answered with its first call's
// entries and the earning they record (see recordedEarning), whose awards follow the order
// of lines (nil for an event). With read set (a tiered programme's order), it also returns
// the figure counters as its write stored them (see writtenCounters); nil when the command
// was answered from its record.
func (s *Service) earnWithUsage(ctx context.Context, p *Program, customer crm.CustomerID, read map[AccountKey]int64,
	earn func(u RuleUsage) (*Earning, []awardGroup, error), lines []kehu.OrderLine, src Source, key, dig string) (*EarnResult, []*Account, error) {
	probe := &probeUsage{}
	earning, groups, err := earn(probe)
	if err != nil {
		return nil, nil, err
	}
	types := make([]string, len(groups))
	for i, g := range groups {
		types[i] = g.pointType
	}
	asked := probe.asked
	for range maxAttempts {
		res := &EarnResult{Earning: earning}
		var more *counterUsage
		var moreTypes []string
		run, err := s.credit(ctx, p, customer, types, asked, read, &moreTypes, func(u *counterUsage) ([]awardGroup, error) {
			if u == nil {
				return groups, nil
			}
			e, gs, err := earn(u)
			if err != nil {
				return nil, err
			}
			if len(u.missed) > 0 {
				more = u
				return nil, errMoreAccounts
			}
			res.Earning = e
			return gs, nil
		}, src, key, dig)
		if !errors.Is(err, errMoreAccounts) {
			if err != nil {
				return nil, nil, err
			}
			res.Entries = run.out
			if run.replayed {
				// The entries are the first call's: so is the earning, read from them,
				// whatever an earning worked out now would be.
				res.Earning, res.Replayed = recordedEarning(p, run.out, lines), true
			}
			return res, run.counters, nil
		}
		// Not expected (see probeUsage), but safe: ask again with what was missing.
		if more != nil {
			for _, q := range more.missed {
				probe.ask(q.rule, q.from, q.to)
			}
			asked = probe.asked
		}
		types = append(types, moreTypes...)
	}
	return nil, nil, fmt.Errorf("%w: the earning kept needing accounts it was not given", kehu.ErrConflict)
}

// setUnits gives every line's lot share the line's quantity, which refunds of the line
// are counted against.
func setUnits(groups []awardGroup, lines []kehu.OrderLine) {
	for _, g := range groups {
		for i := range g.shares {
			sh := &g.shares[i]
			if sh.line == "" {
				continue
			}
			for _, l := range lines {
				if l.ID == sh.line {
					sh.units = l.Quantity
					break
				}
			}
		}
	}
}

// qualifyingAwards are the tier figures an order adds: the spend of each line of a
// category that qualifies, in minor units (so that refunds take it back line by line), and
// one purchase, unless every line is of an excluded category.
func (t *Tiers) qualifyingAwards(o kehu.Order) []Award {
	out := make([]Award, 0, len(o.Lines)+1)
	excluded := 0
	for _, l := range o.Lines {
		if slices.Contains(t.ExcludeCategories, l.Category) {
			excluded++
			continue
		}
		if minor, err := l.Amount.Round(kehu.Down).MinorUnits(); err == nil && minor > 0 {
			out = append(out, Award{PointType: spendAccount, Points: minor, LineID: l.ID, RuleID: "tier"})
		}
	}
	if excluded > 0 && excluded == len(o.Lines) {
		return out
	}
	return append(out, Award{PointType: purchasesAccount, Points: 1, RuleID: "tier"})
}

// maxEventRef is the longest occurrence reference EarnEvent takes, in bytes: with the
// event and the member it makes a command key no longer than kehu.MaxKeyLen.
const maxEventRef = 160

// EarnEvent credits what a member event (sign-up, birthday, review, referral…) earns under
// the programme's event rules, at most once per the rule's period — also when events of one
// member are processed concurrently (see EarnOrder). ref identifies the occurrence (the
// review ID, the referred member, the year of the birthday…) among the member's events;
// the command is idempotent by member, event and ref: the same ref for another member is
// another occurrence, credited on its own, and a repeat returns the first call's entries
// and the earning they record (see EarnResult), also once its once-only rule is used.
// Rules read the tier the ledger holds for the member now (see Standing), never one from m.
func (s *Service) EarnEvent(ctx context.Context, p *Program, event MemberEvent, m Member, ref string) (*EarnResult, error) {
	if !p.usable() {
		return nil, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	var probs kehu.Problems
	checkMember(m.CustomerID, &probs)
	if ref == "" {
		probs.Add("ref", "required", "name the occurrence, e.g. the review ID")
	}
	checkText(&probs, "ref", ref, maxEventRef)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	// The member is part of the key: a ref such as "2026" (a birthday's year) or
	// "first-order" names an occurrence of one member's event, not one of the programme.
	key := kehu.LibraryKey("event", string(event), m.CustomerID.String(), ref)
	if err := kehu.CheckKey("ref", key); err != nil {
		return nil, err
	}
	src := Source{Type: "event", Ref: string(event) + ":" + ref}
	standing, err := s.Standing(ctx, p, m.CustomerID)
	if err != nil {
		return nil, err
	}
	at := s.opts.Now() // the event's instant, which decides the period of a once-only rule
	res, _, err := s.earnWithUsage(ctx, p, m.CustomerID, nil, func(u RuleUsage) (*Earning, []awardGroup, error) {
		awards, steps, err := p.EventAwards(event, at, m, standing, u)
		if err != nil {
			return nil, nil, err
		}
		return &Earning{given: &earningJSON{Awards: awards, Explanation: steps}}, groupAwards(awards), nil
	}, nil, src, key, fingerprint.Of("event", key))
	if err != nil {
		return res, err
	}
	res.Tier, res.Upgrade, err = s.upgradeFor(ctx, p, m.CustomerID, res.Entries)
	return res, err
}

// credit writes grouped awards as earn entries, atomically over the point types involved:
// one entry per point type (group), with one lot per order line (and one for the order's
// own bonuses), so that a refund of a line takes back everything the line earned, and the
// rules that made each lot up in Entry.Awards.
//
// The write is given the accounts of types and the counters of the questions asked (see
// capCounter); with neither, it writes no account but still records the command, so an
// earning of nothing is applied once like any other. Inside it, earn works out the groups: with nil when nothing was asked, or
// with what the counters hold; each counter is then credited with what its rule gave. A
// group of a point type not in types is added to missing, and the write fails with
// errMoreAccounts, writing nothing.
func (s *Service) credit(ctx context.Context, p *Program, customer crm.CustomerID, types []string, asked []capQuery,
	read map[AccountKey]int64, missing *[]string, earn func(u *counterUsage) ([]awardGroup, error), src Source, key, dig string) (ran, error) {
	keys := make([]AccountKey, len(types), len(types)+len(asked))
	for i, t := range types {
		keys[i] = AccountKey{Program: p.spec.ID, Customer: customer, PointType: t}
	}
	// Each question's counter; questions about the same instants share one.
	counterOf := make([]int, len(asked))
	for i, q := range asked {
		k := AccountKey{Program: p.spec.ID, Customer: customer, PointType: capCounter(q.rule, q.from, q.to, p.Location())}
		if j := indexKey(keys, k); j >= 0 {
			counterOf[i] = j
			continue
		}
		counterOf[i] = len(keys)
		keys = append(keys, k)
	}
	// The write counts the order's tier figures, and fails with errUsageChanged if a
	// counter the earning was worked out from changed since it was read.
	figs := figureHint{now: true, read: read, keep: read != nil}
	return s.runAll(ctx, p, key, dig, keys, Need{}, figs, func(op *ledgerOp, accts []*Account) ([]Entry, error) {
		var u *counterUsage
		if len(asked) > 0 {
			u = &counterUsage{asked: asked, accts: make([]*Account, len(asked))}
			for i, j := range counterOf {
				u.accts[i] = accts[j]
			}
		}
		groups, err := earn(u)
		if err != nil {
			return nil, err
		}
		out := make([]Entry, len(groups))
		for i, g := range groups {
			at := slices.Index(types, g.pointType)
			if at < 0 {
				*missing = append(*missing, g.pointType)
				return nil, errMoreAccounts
			}
			pt, _ := p.PointType(g.pointType)
			src := src
			if len(g.shares) == 1 {
				src.Line = g.shares[0].line // an entry of one line names it
			}
			if len(g.rules) == 1 {
				src.Rule = g.rules[0].Rule
			}
			e := op.creditLots(accts[at], KindEarn, pt, p.Location(), g.shares, src, "")
			e.Awards = g.rules
			out[i] = e
		}
		// Each counter gets what its rule gave, once.
		for i, q := range asked {
			j := counterOf[i]
			if slices.Index(counterOf[:i], j) >= 0 {
				continue
			}
			if n := ruleGave(groups, q.rule); n > 0 {
				op.count(accts[j], n, Source{Type: counterSource, Ref: src.Ref, Rule: q.rule})
			}
		}
		return out, nil
	})
}

// ruleGave sums what a rule gave in points of the programme's point types (not in the
// internal accounts of tier figures, whose awards are named "tier").
func ruleGave(groups []awardGroup, rule string) int64 {
	var n int64
	for _, g := range groups {
		if IsInternalAccount(g.pointType) {
			continue
		}
		for _, r := range g.rules {
			if r.Rule == rule {
				n += r.Points
			}
		}
	}
	return n
}

// awardGroup is what an earning gives one point type: a lot share per order line and an
// award per rule.
type awardGroup struct {
	pointType string
	shares    []lotShare
	rules     []RuleAward
}

// total is the group's points (Preview checked that they fit).
func (g awardGroup) total() int64 {
	var n int64
	for _, sh := range g.shares {
		n += sh.points
	}
	return n
}

// groups is groupAwards(e.Awards()) for an earning Preview recorded, without writing the
// awards out: its awards name lines and rules by index, so a line's share and a rule's sum
// are found by index, not by comparing IDs. Preview writes each rule's awards together,
// so a rule's sum is always the group's last. It allocates the result only, at its exact
// size.
func (e *Earning) groups() []awardGroup {
	if len(e.awards) == 0 {
		return nil
	}
	type group struct {
		ptype                 uint8
		nShare, nRule, shares int   // shares: where the group's shares start in all
		lastRule              int16 // the rule of the group's last sum
		// slots[slot+line+1] is the line's share in the group, or -1.
		slot int
	}
	var (
		groupBuf [4]group
		groupOf  [progMaxPointTypes]int8 // group of each point type, plus one (0: none)
		slotBuf  [64]int32
	)
	groups := groupBuf[:0]
	width := len(e.lines) + 1
	slots := slotBuf[:0]
	// First pass: the groups, in order of first appearance, and their sizes.
	for _, a := range e.awards {
		if groupOf[a.ptype] == 0 {
			if len(slots)+width > cap(slots) {
				slots = append(make([]int32, 0, len(e.plan.types)*width), slots...)
			}
			at := len(slots)
			slots = slots[:at+width]
			for i := range slots[at:] {
				slots[at+i] = -1
			}
			groups = append(groups, group{ptype: a.ptype, lastRule: -2, slot: at})
			groupOf[a.ptype] = int8(len(groups))
		}
		g := &groups[groupOf[a.ptype]-1]
		if slot := &slots[g.slot+int(a.line)+1]; *slot < 0 {
			*slot = int32(g.nShare)
			g.nShare++
		}
		if a.rule != g.lastRule {
			g.lastRule = a.rule
			g.nRule++
		}
	}
	var nShares, nRules int
	for i := range groups {
		groups[i].shares, nShares, nRules = nShares, nShares+groups[i].nShare, nRules+groups[i].nRule
	}
	out := make([]awardGroup, len(groups))
	shares, rules := make([]lotShare, nShares), make([]RuleAward, 0, nRules)
	// Second pass: the sums.
	for i := range groups {
		groups[i].lastRule = -2
	}
	for _, a := range e.awards {
		gi := groupOf[a.ptype] - 1
		g, o := &groups[gi], &out[gi]
		if o.pointType == "" {
			o.pointType = e.plan.types[a.ptype]
			o.shares = shares[g.shares : g.shares+g.nShare : g.shares+g.nShare]
			at := len(rules)
			rules = rules[:at+g.nRule]
			o.rules = rules[at : at : at+g.nRule]
		}
		sh := &o.shares[slots[g.slot+int(a.line)+1]]
		if a.line >= 0 {
			sh.line = e.lines[a.line]
		}
		sh.points += a.points // Preview checked that the totals fit
		if a.rule != g.lastRule {
			g.lastRule = a.rule
			id := BaseRuleID
			if a.rule >= 0 {
				id = e.plan.rules[a.rule].ID
			}
			o.rules = append(o.rules, RuleAward{Rule: id})
		}
		o.rules[len(o.rules)-1].Points += a.points
	}
	return out
}

// groupAwards groups awards written out — an event's, an order's tier figures — by point
// type, keeping their order, and sums them per line and per rule within each group, as
// Earning.groups does for an order's earning. It works in a scratch area on the stack (for
// up to 64 awards) and allocates only the result, at its exact size.
func groupAwards(awards []Award) []awardGroup {
	type span struct {
		pointType string
		n         int // awards of the point type
		// The group's sums are shares[at : at+nShare] and rules[at : at+nRule].
		at, nShare, nRule int
	}
	var spanBuf [4]span
	var shareBuf [64]lotShare
	var ruleBuf [64]RuleAward
	spans := spanBuf[:0]
	shares, rules := shareBuf[:], ruleBuf[:]
	if len(awards) > len(shares) {
		shares, rules = make([]lotShare, len(awards)), make([]RuleAward, len(awards))
	}
	of := func(pointType string) int {
		for g := range spans {
			if spans[g].pointType == pointType {
				return g
			}
		}
		spans = append(spans, span{pointType: pointType})
		return len(spans) - 1
	}
	for _, a := range awards {
		spans[of(a.PointType)].n++
	}
	// Each group gets room for one sum per award, at the same offset in both areas.
	at := 0
	for g := range spans {
		spans[g].at, at = at, at+spans[g].n
	}
	var nShares, nRules int
	for _, a := range awards {
		sp := &spans[of(a.PointType)]
		sh := shares[sp.at : sp.at+sp.nShare]
		if i := slices.IndexFunc(sh, func(x lotShare) bool { return x.line == a.LineID }); i >= 0 {
			sh[i].points += a.Points // Preview checked that the totals fit
		} else {
			shares[sp.at+sp.nShare] = lotShare{line: a.LineID, points: a.Points}
			sp.nShare++
			nShares++
		}
		// A rule's awards are mostly next to each other (see Earning.Awards): the last rule
		// is tried first.
		rs := rules[sp.at : sp.at+sp.nRule]
		if n := len(rs); n > 0 && rs[n-1].Rule == a.RuleID {
			rs[n-1].Points += a.Points
		} else if i := slices.IndexFunc(rs, func(x RuleAward) bool { return x.Rule == a.RuleID }); i >= 0 {
			rs[i].Points += a.Points
		} else {
			rules[sp.at+sp.nRule] = RuleAward{Rule: a.RuleID, Points: a.Points}
			sp.nRule++
			nRules++
		}
	}
	out := make([]awardGroup, len(spans))
	outShares, outRules := make([]lotShare, 0, nShares), make([]RuleAward, 0, nRules)
	for g, sp := range spans {
		i, j := len(outShares), len(outRules)
		outShares = append(outShares, shares[sp.at:sp.at+sp.nShare]...)
		outRules = append(outRules, rules[sp.at:sp.at+sp.nRule]...)
		out[g] = awardGroup{pointType: sp.pointType, shares: outShares[i:len(outShares):len(outShares)],
			rules: outRules[j:len(outRules):len(outRules)]}
	}
	return out
}

// Release makes the points an order earned available now, before their pending window ends
// (the goods were delivered and the return window waived, say). It writes a release entry
// naming the lots it freed; the balance does not change, only what is spendable. Releasing
// again changes nothing.
func (s *Service) Release(ctx context.Context, p *Program, customer crm.CustomerID, pointType, order string) (Entry, error) {
	if err := needProgram(p); err != nil {
		return Entry{}, err
	}
	var probs kehu.Problems
	checkMember(customer, &probs)
	pointType2(p, pointType, &probs)
	if order == "" {
		probs.Add("order", "required", "is empty")
	}
	if err := probs.Err(); err != nil {
		return Entry{}, err
	}
	earned, err := s.store.EntriesBySource(ctx, p.spec.ID, "order", order)
	if err != nil {
		return Entry{}, err
	}
	key := AccountKey{Program: p.spec.ID, Customer: customer, PointType: pointType}
	lots := map[LotID]bool{}
	for _, e := range earned {
		if e.Kind == KindEarn && e.Account == key {
			for _, m := range e.Lots {
				lots[m.Lot] = true
			}
		}
	}
	if len(lots) == 0 {
		return Entry{}, fmt.Errorf("no %s earned by order %q: %w", pointType, order, kehu.ErrNotFound)
	}
	need := Need{Lots: slices.Collect(maps.Keys(lots))}
	out, err := s.runNeed(ctx, p, "", "", []AccountKey{key}, need, func(op *ledgerOp, a []*Account) ([]Entry, error) {
		e := op.entry(a[0], KindRelease, Source{Type: "order", Ref: order}, "released")
		for i := range a[0].Lots {
			l := &a[0].Lots[i]
			if lots[l.ID] && l.Pending(op.at) {
				l.AvailableAt = op.at
				e.Lots = append(e.Lots, LotMove{Lot: l.ID})
			}
		}
		if len(e.Lots) == 0 {
			return nil, nil
		}
		return []Entry{e}, nil
	})
	return first(out, err)
}

// orderDigest fingerprints an order for idempotency: every field the earning depends on,
// each length-prefixed so that no two orders share a byte stream. It is EarnOrder's digest,
// written out by hand because reflection-based encoding cost more than the rest of the
// check.
func orderDigest(o kehu.Order) string {
	// Every field is length-prefixed, so that no two orders share a stream. The stream is
	// built by functions returning the slice (not methods on a pointer), so that it stays
	// on the stack.
	var stack [512]byte
	b := codec.AppendString(stack[:0], "order")
	b = codec.AppendString(b, o.ID)
	b = codec.AppendUvarint(b, 16) // the customer ID's length
	b = codec.AppendUUID(b, o.CustomerID.UUID())
	b = codec.AppendVarint(b, o.At.Unix())
	b = codec.AppendVarint(b, int64(o.At.Nanosecond()))
	b = codec.AppendString(b, o.Currency)
	b = codec.AppendString(b, o.Channel)
	b = codec.AppendString(b, o.Store)
	b = codec.AppendVarint(b, int64(len(o.Lines)))
	for _, l := range o.Lines {
		b = codec.AppendString(b, l.ID)
		b = codec.AppendString(b, l.SKU)
		b = codec.AppendString(b, l.Category)
		b = codec.AppendVarint(b, l.Quantity)
		// The amount by value: its currency, then amountKey's parts.
		b = codec.AppendString(b, string(l.Amount.Currency()))
		if c, e, text, long := amountKey(l.Amount.Amount()); long {
			b = codec.AppendString(b, text)
		} else {
			b = codec.AppendVarint(b, c)
			b = codec.AppendVarint(b, e)
		}
	}
	sum := sha256.Sum256(b)
	var text [2 * sha256.Size]byte
	hex.Encode(text[:], sum[:])
	return string(text[:])
}

// amountKey is a money amount by value, for digests: the decimal as coefficient and
// exponent with trailing zeros removed, so that 128.5 and 128.50 agree; an amount too long
// for 64 bits is its exact text instead (long).
func amountKey(d decimal.Decimal) (c, e int64, text string, long bool) {
	if d.NumDigits() > 18 {
		return 0, 0, d.String(), true
	}
	c, e = d.CoefficientInt64(), int64(d.Exponent())
	for c != 0 && c%10 == 0 {
		c, e = c/10, e+1
	}
	if c == 0 {
		e = 0
	}
	return c, e, "", false
}
