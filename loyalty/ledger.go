package loyalty

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Ledger errors.
var (
	// ErrInsufficientPoints reports a spend larger than the points available now.
	ErrInsufficientPoints = errors.New("insufficient points")
	// ErrAlreadyReversed reports a reversal of an entry that was already reversed in full.
	ErrAlreadyReversed = fmt.Errorf("%w: entry already reversed", kehu.ErrConflict)
)

// AccountKey names an account: one member's balance of one point type in one programme.
type AccountKey struct {
	Program   string         `json:"program"`
	Customer  crm.CustomerID `json:"customer"`
	PointType string         `json:"point_type"`
}

func (k AccountKey) String() string {
	return k.Program + "/" + k.Customer.String() + "/" + k.PointType
}

// Compare orders keys by programme, customer and point type.
func (k AccountKey) Compare(o AccountKey) int {
	switch {
	case k.Program != o.Program:
		if k.Program < o.Program {
			return -1
		}
		return 1
	case k.Customer != o.Customer:
		return k.Customer.Compare(o.Customer)
	case k.PointType < o.PointType:
		return -1
	case k.PointType > o.PointType:
		return 1
	}
	return 0
}

// Source says what caused an entry: an order line, an event, a redemption, a transfer…
type Source struct {
	// Type is what made the entry: "order" and "event" for EarnOrder and EarnEvent (a host
	// that works out an order's points itself may credit them with Earn under "order" and
	// the order's ID, and Refund finds them), "manual" and "redemption" by default for
	// Earn and Redeem, any type a host names; and the types only the library's own
	// commands write, which a host's Earn, Redeem, RedeemAcross or Adjust may not claim
	// (see reservedSource): "transfer", "partner:<id>", "reservation", "expiry" and
	// "counter".
	Type string `json:"type,omitempty"`
	// Ref is the host's reference: the order ID, the event ID, the redemption ID…
	Ref string `json:"ref,omitempty"`
	// Line is the order line, for entries an order line created.
	Line string `json:"line,omitempty"`
	// Rule is the earning rule that awarded the points ("base" for base rates).
	Rule string `json:"rule,omitempty"`
}

// reservedSource reports whether a source type is one only the library's own commands
// write: the ledger finds by it the two sides of a transfer, what a reservation holds and
// what a partner is owed, so an entry a host made under it could be reversed with a
// transfer, stand in for a reward's hold or be billed to a partner.
func reservedSource(t string) bool {
	switch t {
	case "transfer", "expiry", counterSource, holdSource:
		return true
	}
	return strings.HasPrefix(t, "partner:")
}

// Lot is the points one earning created, with its own clock: earned at EarnedAt, spendable
// from AvailableAt (later than EarnedAt while a return window holds them pending), and no
// longer spendable from ExpiresAt. Spends draw lots down; Remaining never goes below zero.
type Lot struct {
	ID LotID `json:"id"`
	// Entry is the entry that created the lot.
	Entry       EntryID   `json:"entry"`
	Points      int64     `json:"points"`
	Remaining   int64     `json:"remaining"`
	EarnedAt    time.Time `json:"earned_at"`
	AvailableAt time.Time `json:"available_at"`
	// ExpiresAt is zero for points that never expire.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// ExpiredAt is set when the expiry entry for the lot was written.
	ExpiredAt time.Time `json:"expired_at,omitzero"`
	// Earned is what the creating entry credited, including any part that paid off debt;
	// Returned is how much of it refunds and reversals have taken back since, and
	// ReturnedQty how many order-line units those refunds covered.
	Earned      int64 `json:"earned"`
	Returned    int64 `json:"returned,omitempty"`
	ReturnedQty int64 `json:"returned_qty,omitempty"`
	// Units is, for a lot of one order line, the line's quantity as the order gave it: what
	// refunds of the line are counted against (0 for other lots).
	Units int64 `json:"units,omitempty"`
	// Lapsed is what expired of the lot's points and no refund has accounted for yet: a
	// refund of the lot counts its shortfall against these first, so points that already
	// expired are never collected again from other lots.
	Lapsed int64 `json:"lapsed,omitempty"`
}

// Expired reports whether the lot's points are past their expiry at t.
func (l *Lot) Expired(t time.Time) bool { return !l.ExpiresAt.IsZero() && !t.Before(l.ExpiresAt) }

// Pending reports whether the lot's points are still held for a return window at t.
func (l *Lot) Pending(t time.Time) bool { return t.Before(l.AvailableAt) }

// Spendable reports whether the lot has points that can be spent at t.
func (l *Lot) Spendable(t time.Time) bool {
	return l.Remaining > 0 && !l.Pending(t) && !l.Expired(t)
}

// EntryKind names what an entry did.
type EntryKind string

// Entry kinds.
const (
	KindEarn        EntryKind = "earn"
	KindRedeem      EntryKind = "redeem"
	KindExpire      EntryKind = "expire"
	KindAdjust      EntryKind = "adjust"
	KindReverse     EntryKind = "reverse"
	KindTransferOut EntryKind = "transfer_out"
	KindTransferIn  EntryKind = "transfer_in"
	KindRelease     EntryKind = "release"
)

// RuleAward is the part of an earning one rule gave (over all the lines of an order).
type RuleAward struct {
	Rule   string `json:"rule"`
	Points int64  `json:"points"`
}

// LotMove is an entry's change to one lot's remainder (negative for a draw).
type LotMove struct {
	Lot    LotID `json:"lot"`
	Points int64 `json:"points"`
	// Line is, on an order's earn entry, the order line whose points the lot holds ("" for
	// the order's own bonuses, and on entries of one line, whose Source names it).
	Line string `json:"line,omitempty"`
}

// Entry is one immutable movement of an account. For every entry,
// Points = Σ Lots[i].Points − Debt: the change to the book balance equals the change to the
// lot remainders less the change to the debt.
type Entry struct {
	ID      EntryID    `json:"id"`
	Account AccountKey `json:"account"`
	Kind    EntryKind  `json:"kind"`
	At      time.Time  `json:"at"`
	// Points is the signed change to the account's book balance.
	Points int64 `json:"points"`
	// Lots lists the lots the entry created, drew on or restored.
	Lots []LotMove `json:"lots,omitempty"`
	// Debt is the signed change to the account's debt.
	Debt int64 `json:"debt,omitempty"`
	// Reverses is the entry this one reverses (for KindReverse).
	Reverses EntryID `json:"reverses,omitzero"`
	// Quantity is, on a refund's reversal, how many units of the order line were refunded (0
	// when the whole order was).
	Quantity int64 `json:"quantity,omitempty"`
	// Awards breaks an earning down by the rules that gave it (base rate, line and order
	// rules), for caps and audits.
	Awards []RuleAward `json:"awards,omitempty"`
	// ProgramVersion is the version of the programme whose rules produced the entry.
	ProgramVersion int    `json:"program_version"`
	Key            string `json:"key,omitempty"`
	Source         Source `json:"source,omitzero"`
	Reason         string `json:"reason,omitempty"`
	Actor          string `json:"actor,omitempty"`
}

// Account is one member's balance of one point type: its lots and its debt. The book
// balance is Σ lot remainders − Debt and always equals the sum of the account's entries;
// what a member can spend at a given time is Available.
type Account struct {
	Key AccountKey `json:"key"`
	// Version increases by one with every stored change.
	Version int64 `json:"version"`
	Lots    []Lot `json:"lots,omitempty"`
	// Debt is points owed, paid off first from new earnings (never negative).
	Debt int64 `json:"debt,omitempty"`
	// Forgiven is what refunds could not take back and the return policy forgave (never
	// negative). Points that come back to the account later — a cancelled redemption, a
	// reversed transfer — settle it before the member keeps any, so a forgiven refund never
	// leaves the member better off than if the order had not been placed. New earnings do
	// not settle it: that is what makes it forgiven rather than owed.
	Forgiven  int64     `json:"forgiven,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Outside is what the account's lots that are not in Lots hold. It is zero on an
	// account a store reads whole (Store.Account); on the working set an Update hands its
	// function (see Need) it is what the spendable lots the command does not need hold, and
	// those are all spendable at the command's instant. A store sets it; fn leaves it alone.
	Outside int64 `json:"-"`
}

// Clone returns a deep copy.
func (a *Account) Clone() *Account {
	if a == nil {
		return nil
	}
	c := *a
	c.Lots = slices.Clone(a.Lots)
	return &c
}

// Book is the ledger balance: Σ lot remainders (with Outside) − Debt. It counts pending
// points and points past expiry whose expiry entry has not been written yet.
func (a *Account) Book() int64 {
	n := a.Outside
	for i := range a.Lots {
		n += a.Lots[i].Remaining
	}
	return n - a.Debt
}

// Balance is an account's position at one instant.
type Balance struct {
	// Available is what can be spent: spendable lots less debt (negative while in debt).
	Available int64 `json:"available"`
	// Pending is held for a return window and becomes available later.
	Pending int64 `json:"pending"`
	// Debt is owed and paid off first from new earnings.
	Debt int64 `json:"debt"`
	// NextExpiry is when the next spendable points expire, and ExpiringNext how many.
	NextExpiry   time.Time `json:"next_expiry,omitzero"`
	ExpiringNext int64     `json:"expiring_next,omitempty"`
}

// BalanceAt returns the account's position at t. Points past their expiry at t are never
// counted, whether or not their expiry entry has been written.
//
// On an Update's working set, Outside counts as available: it is meant to be asked at the
// command's instant, when the lots left out are spendable.
func (a *Account) BalanceAt(t time.Time) Balance {
	b := Balance{Debt: a.Debt, Available: a.Outside}
	for i := range a.Lots {
		l := &a.Lots[i]
		switch {
		case l.Remaining <= 0 || l.Expired(t):
		case l.Pending(t):
			b.Pending += l.Remaining
		default:
			b.Available += l.Remaining
			switch {
			case l.ExpiresAt.IsZero():
			case b.NextExpiry.IsZero() || l.ExpiresAt.Before(b.NextExpiry):
				b.NextExpiry, b.ExpiringNext = l.ExpiresAt, l.Remaining
			case l.ExpiresAt.Equal(b.NextExpiry):
				b.ExpiringNext += l.Remaining
			}
		}
	}
	b.Available -= a.Debt
	return b
}

func (a *Account) lot(id LotID) *Lot {
	for i := range a.Lots {
		if a.Lots[i].ID == id {
			return &a.Lots[i]
		}
	}
	return nil
}

// NextExpiry returns the earliest expiry among lots with points left whose expiry entry is
// not yet written, or the zero time.
func (a *Account) NextExpiry() time.Time {
	var next time.Time
	for i := range a.Lots {
		l := &a.Lots[i]
		if l.Remaining > 0 && !l.ExpiresAt.IsZero() && l.ExpiredAt.IsZero() &&
			(next.IsZero() || l.ExpiresAt.Before(next)) {
			next = l.ExpiresAt
		}
	}
	return next
}

// ledgerOp builds entries against accounts: it holds what every entry shares.
type ledgerOp struct {
	at      time.Time
	version int
	key     string
	actor   string
	// uuid makes the IDs of entries and lots.
	uuid func() uuid.UUID
	// lotTimes caches the availability and expiry of lots of one point type earned at at.
	lotTimes struct {
		pointType          string
		available, expires time.Time
	}
	// moves is a block that single-move entries take their Lots from (see oneMove).
	moves []LotMove
	// internal collects the entries of counter accounts (see count): written with the
	// command, but not its result.
	internal []Entry
	// err is a failure found where the ledger cannot return one (a clawback never fails):
	// the command fails with it.
	err error
}

// moveBlock returns an empty slice with room for n moves, cut from a shared block with
// its capacity clipped, so that a command's entries allocate their moves together.
func (op *ledgerOp) moveBlock(n int) []LotMove {
	if cap(op.moves)-len(op.moves) < n {
		op.moves = make([]LotMove, 0, max(8, n))
	}
	at := len(op.moves)
	op.moves = op.moves[:at+n]
	return op.moves[at : at : at+n]
}

// lotWindow returns when a lot of pt earned at op.at becomes available and when it expires.
func (op *ledgerOp) lotWindow(pt PointType, loc *time.Location) (available, expires time.Time) {
	c := &op.lotTimes
	if c.pointType != pt.Code || pt.Code == "" {
		c.pointType = pt.Code
		// Calendar arithmetic in the programme's zone; the instants recorded in UTC.
		c.available = kehu.Truncate(wallLater(op.at, loc, 0, pt.PendingDays))
		c.expires = kehu.Truncate(pt.Expiry.ExpiresAt(op.at, loc))
	}
	return c.available, c.expires
}

func (op *ledgerOp) entry(a *Account, kind EntryKind, src Source, reason string) Entry {
	return op.entryAs(EntryIDFrom(op.uuid()), a, kind, src, reason)
}

// entryAs is entry with the ID given.
func (op *ledgerOp) entryAs(id EntryID, a *Account, kind EntryKind, src Source, reason string) Entry {
	return Entry{ID: id, Account: a.Key, Kind: kind, At: op.at, ProgramVersion: op.version,
		Key: op.key, Source: src, Reason: reason, Actor: op.actor}
}

// expire writes one expiry entry for every lot of a past its expiry at op.at that still
// has points, and returns it (nil when there is nothing to expire).
func (op *ledgerOp) expire(a *Account) *Entry {
	var moves []LotMove
	var total int64
	for i := range a.Lots {
		l := &a.Lots[i]
		if l.Remaining > 0 && l.ExpiredAt.IsZero() && l.Expired(op.at) {
			moves = append(moves, LotMove{Lot: l.ID, Points: -l.Remaining})
			total += l.Remaining
			l.Lapsed += l.Remaining
			l.Remaining = 0
			l.ExpiredAt = op.at
		}
	}
	if len(moves) == 0 {
		return nil
	}
	e := op.entry(a, KindExpire, Source{Type: "expiry"}, "")
	e.Key = "" // expiry is the ledger's own act, not the command's
	e.Points, e.Lots = -total, moves
	return &e
}

// credit adds points to a as a new lot, paying off debt first. pt gives the lot's expiry
// and pending window; loc is the programme's zone.
func (op *ledgerOp) credit(a *Account, kind EntryKind, pt PointType, loc *time.Location, points int64, src Source, reason string) Entry {
	return op.creditLots(a, kind, pt, loc, []lotShare{{points: points}}, src, reason)
}

// lotShare is one lot of a credit: the order line it is for, the line's units, and its
// points (1 or more).
type lotShare struct {
	line   string
	units  int64
	points int64
}

// creditLots adds one entry to a that creates a lot per share, each paying off debt
// before it keeps anything. A lot is made even when debt took all of its share: it
// carries what a refund of the share may take back.
func (op *ledgerOp) creditLots(a *Account, kind EntryKind, pt PointType, loc *time.Location, shares []lotShare, src Source, reason string) Entry {
	e := op.entry(a, kind, src, reason)
	available, expires := op.lotWindow(pt, loc)
	e.Lots = op.moveBlock(len(shares))
	for _, sh := range shares {
		pay := min(a.Debt, sh.points)
		a.Debt -= pay
		rest := sh.points - pay
		l := Lot{ID: LotIDFrom(op.uuid()), Entry: e.ID, Points: rest, Remaining: rest, Earned: sh.points, Units: sh.units, EarnedAt: op.at,
			AvailableAt: available, ExpiresAt: expires}
		a.Lots = append(a.Lots, l)
		e.Lots = append(e.Lots, LotMove{Lot: l.ID, Points: rest, Line: sh.line})
		e.Points += sh.points
		e.Debt -= pay
	}
	return e
}

// carry adds to a the points a draw took from another account of the same point type (a
// transfer): one lot per expiry the drawn lots had, keeping it, so that points passed from
// member to member never live longer than they would have where they were earned. The
// lots are available at once: the points were available to the sender. Debt is paid off
// first, as by any credit.
func (op *ledgerOp) carry(a *Account, kind EntryKind, from *Account, drawn []LotMove, src Source, reason string) Entry {
	e := op.entry(a, kind, src, reason)
	type part struct {
		expires time.Time
		points  int64
	}
	var parts []part
	for _, m := range drawn {
		l := from.lot(m.Lot)
		if l == nil || m.Points >= 0 {
			continue
		}
		i := slices.IndexFunc(parts, func(x part) bool { return x.expires.Equal(l.ExpiresAt) })
		if i < 0 {
			parts = append(parts, part{expires: l.ExpiresAt})
			i = len(parts) - 1
		}
		parts[i].points -= m.Points
	}
	for _, pt := range parts {
		pay := min(a.Debt, pt.points)
		a.Debt -= pay
		rest := pt.points - pay
		l := Lot{ID: LotIDFrom(op.uuid()), Entry: e.ID, Points: rest, Remaining: rest, Earned: pt.points, EarnedAt: op.at,
			AvailableAt: op.at, ExpiresAt: pt.expires}
		a.Lots = append(a.Lots, l)
		e.Lots = append(e.Lots, LotMove{Lot: l.ID, Points: rest})
		e.Points += pt.points
		e.Debt -= pay
	}
	return e
}

// drawsBefore reports whether policy spends lot x before lot y.
func drawsBefore(x, y *Lot, policy SpendPolicy) bool {
	if policy != OldestFirst {
		if c := x.ExpiresAt.Compare(y.ExpiresAt); c != 0 {
			switch {
			case x.ExpiresAt.IsZero(): // never expires: last
				return false
			case y.ExpiresAt.IsZero():
				return true
			}
			return c < 0
		}
	}
	if c := x.EarnedAt.Compare(y.EarnedAt); c != 0 {
		return c < 0
	}
	return x.ID.Compare(y.ID) < 0
}

// draw takes up to points from a's lots spendable at t, in policy order, and returns the
// moves and the points taken. Each step picks the next lot with one pass over the lots, so
// the usual spend, which needs one or two lots, costs a pass or two and no sort. With
// require > 0 nothing is taken unless the spendable lots hold at least require (then draw
// returns no moves and what they hold).
func draw(a *Account, t time.Time, policy SpendPolicy, points, require int64) ([]LotMove, int64) {
	if require > 0 {
		// Is enough spendable? Stop counting as soon as it is. The lots outside the working
		// set are spendable (see Need).
		spendable := a.Outside
		for i := range a.Lots {
			if l := &a.Lots[i]; l.Remaining > 0 && l.Spendable(t) {
				if spendable += l.Remaining; spendable >= require {
					break
				}
			}
		}
		if spendable < require {
			return nil, spendable
		}
	}
	var moves []LotMove
	var taken int64
	for taken < points {
		var next *Lot
		for i := range a.Lots {
			l := &a.Lots[i]
			// Order first: it is cheaper than the spendable test, and lots usually lie in
			// spending order, so most fail here.
			if l.Remaining <= 0 || (next != nil && !drawsBefore(l, next, policy)) || !l.Spendable(t) {
				continue
			}
			next = l
		}
		if next == nil {
			break
		}
		n := min(next.Remaining, points-taken)
		next.Remaining -= n
		taken += n
		moves = append(moves, LotMove{Lot: next.ID, Points: -n})
	}
	return moves, taken
}

// debit spends exactly points from a's available balance, or fails with
// ErrInsufficientPoints and changes nothing.
func (op *ledgerOp) debit(a *Account, kind EntryKind, policy SpendPolicy, points int64, src Source, reason string) (Entry, error) {
	// The spendable lots must cover the points and the debt, which is paid before anything
	// can be spent.
	moves, taken := draw(a, op.at, policy, points, points+a.Debt)
	if moves == nil {
		return Entry{}, fmt.Errorf("%s: %d available, %d asked: %w", a.Key, max(taken-a.Debt, 0), points, ErrInsufficientPoints)
	}
	if taken < points {
		return Entry{}, errShortWorkingSet(a)
	}
	e := op.entry(a, kind, src, reason)
	e.Points, e.Lots = -taken, moves
	return e, nil
}

// errShortWorkingSet is the error of a store that handed an Update fewer spendable lots
// than Need asked for.
func errShortWorkingSet(a *Account) error {
	return fmt.Errorf("loyalty: the store handed %s fewer spendable lots than the command needs (%d points outside): a Store must hand the lots Need names", a.Key, a.Outside)
}

// clawback takes points back from a, first from the given lot (the one the points came
// from), then from the rest of the available balance; what cannot be taken becomes debt as
// the return mode and floor allow. It never fails.
func (op *ledgerOp) clawback(a *Account, kind EntryKind, from LotID, points int64, mode ReturnMode, floor int64,
	policy SpendPolicy, src Source, reason string) Entry {
	return op.clawbackLots(a, kind, []lotDue{{from, points}}, mode, floor, policy, src, reason)
}

// lotDue is what a clawback owes to one lot: points to take back, first from that lot.
type lotDue struct {
	lot    LotID
	points int64
}

// clawbackLots is clawback over several lots at once (the lots of an order's entry): each
// lot gives back what it can of its own due; what a lot cannot give is first set against
// its points that already expired (Lot.Lapsed), which are never collected twice; and the
// shortfall of them all is drawn from the rest of the balance or becomes debt, as the
// return mode allows. What the mode forgives is recorded on the account (Account.Forgiven),
// so that points coming back later settle it.
func (op *ledgerOp) clawbackLots(a *Account, kind EntryKind, dues []lotDue, mode ReturnMode, floor int64,
	policy SpendPolicy, src Source, reason string) Entry {
	e := op.entry(a, kind, src, reason)
	var short, taken int64
	for _, d := range dues {
		left := d.points
		if l := a.lot(d.lot); l != nil {
			if l.Remaining > 0 && !l.Expired(op.at) {
				n := min(l.Remaining, left)
				l.Remaining -= n
				taken += n
				left -= n
				e.Lots = append(e.Lots, LotMove{Lot: l.ID, Points: -n})
			}
			lapsed := min(left, l.Lapsed)
			l.Lapsed -= lapsed
			left -= lapsed
		}
		short += left
	}
	var drawn int64
	if mode != ReturnForgive && short > 0 {
		var moves []LotMove
		moves, drawn = draw(a, op.at, policy, short, 0)
		e.Lots = append(e.Lots, moves...)
		if drawn < short && a.Outside > 0 && op.err == nil {
			op.err = errShortWorkingSet(a)
		}
	}
	var owe int64
	switch rest := short - drawn; mode {
	case ReturnDebt:
		owe = rest
	case ReturnNegative:
		// The debt may grow to −floor and no further; the rest is forgiven.
		owe = min(rest, max(0, -floor-a.Debt))
	}
	a.Forgiven += short - drawn - owe // neither taken nor owed
	a.Debt += owe
	e.Debt = owe
	e.Points = -taken - drawn - owe
	return e
}
