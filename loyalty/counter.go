package loyalty

import (
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
)

// Counters are internal accounts of a member that keep a running total for one limit in one
// period: what a capped rule gave in a day, a month, a year or a campaign, whether a
// once-only event rule has given anything, what a member exchanged with a partner in a
// day, what they sent by transfer in a month. A command that is limited names the counters
// it needs among the accounts of its one atomic write (Store.Update), reads them inside
// that write and adds to them there, so a limit is one account read, not a scan of the
// period's entries, and concurrent commands of one member can never pass it together.
//
// A counter's point type starts with "$", which no point type code can (codes match
// ^[a-z][a-z0-9_]{0,31}$), as the accounts of tier figures do:
//
//	$cap:<rule>:day:2026-11-11       a rule's points on one calendar day
//	$cap:<rule>:month:2026-11        … in a calendar month
//	$cap:<rule>:year:2026            … in a calendar year
//	$cap:<rule>:ever                 … ever (once-only event rules)
//	$cap:<rule>:span:<from>-<to>     … in a campaign window (Unix seconds, 0 for open)
//	$limit:partner:<id>:day:2026-11-11  points exchanged with a partner on one day
//	$limit:transfer:month:2026-11       points sent by transfer in a month
//	$fig, $fig:2026, $fig:2026-03       the member's tier figures (see figures.go)
//
// Days, months and years are calendar periods in the programme's zone. A counter of a cap
// or a limit holds one lot, never pending and never expiring, whose remainder is the
// count (the counters of tier figures hold a lot per figure and period); every change to it
// is an entry of the counter's account (source type "counter", the command's reference,
// and for caps the rule), so the ledger's invariants hold for counters as for any account.
// Counter entries are written in the same atomic step as the command, but they are not
// part of its result and are not published as events. Liability, Breakage, statements and
// settlements count real point types only.
const (
	capCounterPrefix   = "$cap:"
	limitCounterPrefix = "$limit:"
	counterSource      = "counter"
)

// IsInternalAccount reports whether a point type names one of the ledger's internal
// accounts rather than a point type of the programme: the accounts of tier figures
// ("$spend", "$purchases"), and the counters of caps, limits and tier figures ("$cap:…",
// "$limit:…", "$fig:…"; see IsCounterAccount). Store.MemberAccounts and
// Store.ScanAccounts list them with the rest; a host listing a member's balances skips them.
func IsInternalAccount(pointType string) bool { return strings.HasPrefix(pointType, "$") }

// IsCounterAccount reports whether a point type names one of the ledger's counters: an
// internal account other than "$spend" and "$purchases", which hold a lot per order line
// or order like any point type. A counter holds a few lots that every command writing it
// reads whole (see Need), and its entries cannot be reversed.
func IsCounterAccount(pointType string) bool {
	return IsInternalAccount(pointType) && pointType != spendAccount && pointType != purchasesAccount
}

// capCounter names the counter of a rule's points in [from, to), as RuleUsage asks for it.
func capCounter(rule string, from, to time.Time, loc *time.Location) string {
	return capCounterPrefix + rule + ":" + periodName(from, to, loc)
}

// dayCounter and monthCounter name the counters of a limit per calendar day or month,
// for the day or month of t in loc.
func dayCounter(prefix string, t time.Time, loc *time.Location) string {
	return prefix + ":day:" + kehu.DateOf(t.In(loc)).String()
}

func monthCounter(prefix string, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%s:month:%04d-%02d", prefix, t.Year(), int(t.Month()))
}

// periodName names the period [from, to): a calendar day, month or year of loc, "ever", or
// a span of Unix seconds. Two periods with one name are the same instants.
func periodName(from, to time.Time, loc *time.Location) string {
	if from.IsZero() && to.Equal(earnFarFuture) {
		return "ever"
	}
	if !from.IsZero() {
		d := kehu.DateOf(from.In(loc))
		if d.In(loc).Equal(from) {
			next := func(y int, m time.Month) time.Time { return kehu.Date{Year: y, Month: m, Day: 1}.In(loc) }
			switch {
			case to.Equal(d.AddDays(1).In(loc)):
				return "day:" + d.String()
			case d.Day == 1 && to.Equal(next(d.Year, d.Month+1)) && d.Month < time.December,
				d.Day == 1 && d.Month == time.December && to.Equal(next(d.Year+1, time.January)):
				return fmt.Sprintf("month:%04d-%02d", d.Year, int(d.Month))
			case d.Day == 1 && d.Month == time.January && to.Equal(next(d.Year+1, time.January)):
				return fmt.Sprintf("year:%04d", d.Year)
			}
		}
	}
	unix := func(t time.Time) int64 {
		if t.IsZero() || t.Equal(earnFarFuture) {
			return 0
		}
		return t.Unix()
	}
	return fmt.Sprintf("span:%d-%d", unix(from), unix(to))
}

// count adds points to a counter account (points < 0 takes them off) and returns the
// entry, which the command writes but does not return.
func (op *ledgerOp) count(a *Account, points int64, src Source) Entry {
	e := op.entry(a, KindEarn, src, "")
	if points < 0 {
		e.Kind = KindReverse
	}
	if len(a.Lots) == 0 {
		a.Lots = []Lot{{ID: LotIDFrom(op.uuid()), Entry: e.ID, EarnedAt: op.at, AvailableAt: op.at}}
	}
	l := &a.Lots[0]
	if points > 0 {
		l.Points += points
		l.Earned += points
	}
	l.Remaining += points
	e.Points = points
	e.Lots = []LotMove{{Lot: l.ID, Points: points}}
	op.internal = append(op.internal, e)
	return e
}

// counted is what a counter account holds.
func counted(a *Account) int64 {
	if len(a.Lots) == 0 {
		return 0
	}
	return a.Lots[0].Remaining
}

// capQuery is one question a capped rule or a once-only event rule asks of RuleUsage: what
// the rule gave in [from, to).
type capQuery struct {
	rule     string
	from, to time.Time
}

func (q capQuery) is(rule string, from, to time.Time) bool {
	return q.rule == rule && q.from.Equal(from) && q.to.Equal(to)
}

// probeUsage answers RuleUsage with nothing used and records every question, so that a
// first, unlimited earning names the counters the real one will read. Caps only ever take
// points away (an Exclusive rule stops later rules whether or not its cap cut it), so the
// unlimited earning asks every question the limited one can ask and awards every point type
// it can award.
type probeUsage struct{ asked []capQuery }

// Awarded implements RuleUsage.
func (u *probeUsage) Awarded(rule string, from, to time.Time) int64 {
	u.ask(rule, from, to)
	return 0
}

func (u *probeUsage) ask(rule string, from, to time.Time) {
	for _, q := range u.asked {
		if q.is(rule, from, to) {
			return
		}
	}
	u.asked = append(u.asked, capQuery{rule, from, to})
}

// counterUsage answers RuleUsage from the counter accounts an atomic write was given:
// accts[i] is the counter of asked[i]. A question it was not prepared for is recorded in
// missed (and answered with 0, so the write must not go ahead).
type counterUsage struct {
	asked  []capQuery
	accts  []*Account
	missed []capQuery
}

// Awarded implements RuleUsage.
func (u *counterUsage) Awarded(rule string, from, to time.Time) int64 {
	for i, q := range u.asked {
		if q.is(rule, from, to) {
			return counted(u.accts[i])
		}
	}
	u.missed = append(u.missed, capQuery{rule, from, to})
	return 0
}
