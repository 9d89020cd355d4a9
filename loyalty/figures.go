package loyalty

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
)

// Tier figures are kept as running counters, so that the figures of a window are a few
// account reads however long the member's history. A figure account is one whose entries
// the figures count: the internal accounts "$spend" and "$purchases", and every account
// of a Qualifying point type (any of them may be a version's Tiers.QualifyingType). Each
// member has, for all of their figure accounts together:
//
//	$fig            which figure accounts are counted: a lot per account whose whole history the counters hold
//	$fig:2026       the year 2026: per figure account, a lot per month that counted anything
//	$fig:2026-03    March 2026: per figure account, a lot per day that counted anything, and the entries
//
// Years, months and days are those of one fixed zone, UTC+14 (see figureZone), whatever
// the programme's zone, so that a counter never depends on a zone a later programme
// version may change; a window is computed in the programme's zone and summed from the
// counters' periods it covers.
//
// What a figure counts is what Service.Figures documents: every earn or adjust entry of a
// figure account counts its points in the month it is written, and what refunds and
// reversals take back of an earning (Lot.Returned) comes off the month that earning was
// written in, whenever they come. The command that does either names the counters among
// the accounts of its one atomic write (see runAll), so the counters always agree with the
// ledger.
//
// A lot of a figure account — a month's in the year's counter, a day's in the month's —
// holds what the period's earnings credited (Points and Earned), what has been taken back
// of them since (Returned), and the rest (Remaining); negative adjustments are counted, as
// positive points, in a lot of their own beside it, so that no lot goes below zero and the
// ledger's invariants hold for counters as for any account. A lot spans the instants it
// counted, from EarnedAt (the first) to AvailableAt (the latest), so a reader knows whether
// a window that starts or ends inside the period holds all of the lot's counts or none of
// them. Every change is an entry of both counters (source type "counter", Source.Ref the
// entry counted or taken back of, Reverses set on a take-back); a count is dated at the
// instant of the entry it counts. A window that cuts a month's lot reads the month's
// counter, and only a window that cuts a day's lot reads the month's entries: what the day
// counted in the window, less what has been taken back of those earnings since. So the
// window in progress of a calendar year, which ends now, costs a read of the year's counter
// (two on the programme's last day of the year at most), and a window that starts inside
// a month, as membership years and rolling windows do, one read of that month's counter
// more.
//
// The counters of a figure account are complete or absent: the first count of an account
// that is new writes its lot in "$fig" in the same write; for an account with a history
// written before counters were kept, the first command that counts for it builds them from
// the account's entries and lots first (migrateFigure), and Service.BackfillTierFigures
// builds them for every member at once. Until then its figures are read from its entries
// and lots, as before counters existed.
//
// The IDs of the counters' lots and entries are derived (see figureNamespace), so keeping
// figures takes none of Options.NewID's IDs.
const figurePrefix = "$fig"

// isFigureType reports whether accounts of the point type are figure accounts.
func isFigureType(p *Program, pointType string) bool {
	if pointType == spendAccount || pointType == purchasesAccount {
		return true
	}
	if IsInternalAccount(pointType) {
		return false
	}
	pt, ok := p.PointType(pointType)
	return ok && pt.Kind == Qualifying
}

// isFigureCounter reports whether a point type names one of a member's figure counters.
func isFigureCounter(pointType string) bool {
	return pointType == figurePrefix || strings.HasPrefix(pointType, figurePrefix+":")
}

// figureRootKey is the counter that lists the member's counted figure accounts; k is any
// account of the member.
func figureRootKey(k AccountKey) AccountKey {
	k.PointType = figurePrefix
	return k
}

// figureYearKey is the member's counter of the year y (see figureZone).
func figureYearKey(k AccountKey, y int) AccountKey {
	k.PointType = fmt.Sprintf("%s:%04d", figurePrefix, y)
	return k
}

// figureMonthKey is the member's counter of the month that starts at m (see figureZone).
func figureMonthKey(k AccountKey, m time.Time) AccountKey {
	k.PointType = fmt.Sprintf("%s:%04d-%02d", figurePrefix, m.Year(), int(m.Month()))
	return k
}

// figureZone is the calendar of the counters' years, months and days: the fixed zone
// UTC+14, the first in which any day begins. A programme's zone is between UTC−12 and
// UTC+14, so its years and months begin inside the counters' year and month of the same
// name, and the window in progress, from the programme's new year to now, lies in one
// counter year but for its last day at most. A fixed zone, because a later programme
// version may move the programme to another.
var figureZone = time.FixedZone("UTC+14", 14*60*60)

// figureMonth is the start of the counters' month of t.
func figureMonth(t time.Time) time.Time {
	t = t.In(figureZone)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, figureZone)
}

// figureYear is the counters' year of t.
func figureYear(t time.Time) int { return t.In(figureZone).Year() }

// figureNamespace derives the IDs of the counters' entries and lots (UUIDv5): an entry's
// from the counter and the entry it counts, or the lot it takes back of and what has been
// taken back of that lot in all; a lot's from the counter, the figure account's point
// type, the month and whether it counts negative adjustments. So every ID is unique, a
// counter's lots are found by their IDs, and keeping figures takes no ID from
// Options.NewID: a harness that numbers its IDs hands out the same ones whether or not
// figures are counted.
var figureNamespace = uuid.MustParse("3b0f6f2e-4a51-5c8e-b1a4-6b6568756669")

func figureID(parts ...string) uuid.UUID {
	return uuid.NewSHA1(figureNamespace, []byte(strings.Join(parts, "\x00")))
}

// figureLotBase is what the IDs of the lots of one figure account's type in one counter
// share; figureLot sets the month and the sign in bytes 9 and 8 (whose top bits keep the
// UUID's variant).
func figureLotBase(counter AccountKey, pointType string) uuid.UUID {
	b := figureID("lots", counter.String(), pointType)
	b[8], b[9] = 0x80, 0
	return b
}

// figureLot is the ID of the lot with base for the period (a month, 1 to 12, in a year's
// counter; a day, 1 to 31, in a month's; 0 in "$fig") and the sign.
func figureLot(base uuid.UUID, period int, negative bool) LotID {
	base[9] = byte(period)
	if negative {
		base[8] |= 1
	}
	return LotIDFrom(base)
}

// ofBase reports whether a lot's ID has the base, and which period and sign it is for.
func ofBase(id LotID, base uuid.UUID) (period int, negative, ok bool) {
	u := id.UUID()
	n, s := u[9], u[8]
	u[8], u[9] = 0x80, 0
	if u != base {
		return 0, false, false
	}
	return int(n), s&1 == 1, true
}

// figurePeriod is the period of a counter's lot that counts the instant t: its month in a
// year's counter, its day in a month's (see figureZone).
func figurePeriod(counter AccountKey, t time.Time) int {
	if len(counter.PointType) == len(figurePrefix+":2006-01") {
		return t.In(figureZone).Day()
	}
	return int(t.In(figureZone).Month())
}

// findLot returns a's lot with the ID, or nil.
func findLot(a *Account, id LotID) *Lot {
	for i := range a.Lots {
		if a.Lots[i].ID == id {
			return &a.Lots[i]
		}
	}
	return nil
}

// figureChange is one change to a figure: the points of an entry of a figure account,
// counted at its instant (kind earn or adjust, either sign), or what a refund or a reversal
// took back of an earning, at the earning's instant (kind reverse, points negative).
type figureChange struct {
	key    AccountKey // the figure account
	at     time.Time  // the instant of the entry counted, or of the earning taken back of
	entry  EntryID    // that entry
	kind   EntryKind
	points int64
	// lot and returned are, for a take-back, the lot of the earning and what has been
	// taken back of it in all since, this change included.
	lot      LotID
	returned int64
}

// figureHint names the counters a command may change, so that its write is given them at
// once: those of the instant it writes at (now), for the members of the figure accounts
// among its keys, and those of the earnings it may take back of (earned). read holds the
// versions of the counters a command's figures were read from: the write fails with
// errUsageChanged if one of them changed since. A command without a hint that changes a
// figure still counts it: its write is made again with the counters it needs.
type figureHint struct {
	now    bool
	earned []figureAt
	read   map[AccountKey]int64
	keep   bool // return the figure counters as written (ran.counters)
}

// writtenCounters returns copies of the figure counters among the accounts of a write, as
// the store keeps them once it commits (Version increased by one). A counter's working set
// is every lot (see Need), so a copy is the whole counter.
func writtenCounters(keys []AccountKey, accts []*Account) []*Account {
	var out []*Account
	for i, k := range keys {
		if isFigureCounter(k.PointType) {
			c := accts[i].Clone()
			c.Version++
			out = append(out, c)
		}
	}
	return out
}

// figureAt is an earning of a figure account and its instant.
type figureAt struct {
	key AccountKey
	at  time.Time
}

// figureKeys returns the counters to name besides keys in a write at the instant at: those
// of the hint, the member's "$fig" with any counter of theirs, and more (counters a
// previous attempt found missing). Keys already named are left out.
func figureKeys(p *Program, keys []AccountKey, h figureHint, at time.Time, more []AccountKey) []AccountKey {
	var out []AccountKey
	add := func(k AccountKey) {
		if !containsKey(keys, k) && !containsKey(out, k) {
			out = append(out, k)
		}
	}
	counters := func(k AccountKey, t time.Time) {
		add(figureYearKey(k, figureYear(t)))
		add(figureMonthKey(k, figureMonth(t)))
	}
	for _, k := range keys {
		if h.now && isFigureType(p, k.PointType) {
			counters(k, at)
		}
	}
	for _, e := range h.earned {
		if containsKey(keys, e.key) && isFigureType(p, e.key.PointType) {
			counters(e.key, e.at)
		}
	}
	for k, v := range h.read {
		if v > 0 {
			add(k)
		}
	}
	for _, k := range more {
		add(k)
	}
	for _, list := range [][]AccountKey{keys, out} {
		for _, k := range list {
			if isFigureCounter(k.PointType) {
				add(figureRootKey(k))
			}
		}
	}
	return out
}

// errFigureKeys reports that a write changed figures whose counters it was not given; the
// write is made again with them.
type errFigureKeys struct{ keys []AccountKey }

func (e *errFigureKeys) Error() string {
	return fmt.Sprintf("loyalty: the write needs the figure counters %v", e.keys)
}

// errFigureHistory reports a figure account whose history was written before counters were
// kept: its counters are built (migrateFigure) and the write is made again.
type errFigureHistory struct{ key AccountKey }

func (e *errFigureHistory) Error() string {
	return fmt.Sprintf("loyalty: the figure counters of %s are not built yet", e.key)
}

// lotReturned is what refunds had taken back of a lot of a figure account before a
// command ran.
type lotReturned struct {
	acct     int // index of the account
	lot      LotID
	returned int64
}

// figureLots notes what was taken back of the lots named in need of the figure accounts
// among accts, before a command runs: a take-back changes a lot it names.
func figureLots(p *Program, keys []AccountKey, accts []*Account, need Need) []lotReturned {
	if len(need.Lots) == 0 {
		return nil
	}
	var out []lotReturned
	for i, a := range accts {
		if !isFigureType(p, keys[i].PointType) {
			continue
		}
		for j := range a.Lots {
			l := &a.Lots[j]
			for _, id := range need.Lots {
				if id == l.ID {
					out = append(out, lotReturned{acct: i, lot: l.ID, returned: l.Returned})
					break
				}
			}
		}
	}
	return out
}

// figureChanges lists what a command's entries es and its take-backs (the lots noted in
// before whose Returned grew) change in the figures of the accounts keys names.
func figureChanges(p *Program, keys []AccountKey, accts []*Account, before []lotReturned, es []Entry) []figureChange {
	var out []figureChange
	for i := range es {
		e := &es[i]
		if (e.Kind == KindEarn || e.Kind == KindAdjust) && e.Points != 0 && isFigureType(p, e.Account.PointType) {
			out = append(out, figureChange{key: e.Account, at: e.At, entry: e.ID, kind: e.Kind, points: e.Points})
		}
	}
	for _, b := range before {
		l := accts[b.acct].lot(b.lot)
		if l != nil && l.Returned > b.returned {
			out = append(out, figureChange{key: keys[b.acct], at: l.EarnedAt, entry: l.Entry, kind: KindReverse,
				points: b.returned - l.Returned, lot: l.ID, returned: l.Returned})
		}
	}
	return out
}

// countFigures brings the figure counters among accts in line with changes, inside the
// write that made them. Every counter it needs must be among keys (otherwise it returns
// *errFigureKeys), and so must the figure account of every change. A figure account is
// counted only if its counters hold its whole history: they are listed in "$fig", or the
// account is new and is listed now, or they are being built from its history (building);
// otherwise it returns *errFigureHistory.
func (op *ledgerOp) countFigures(keys []AccountKey, accts []*Account, changes []figureChange, building bool) error {
	var missing []AccountKey
	need := func(k AccountKey) int {
		i := indexKey(keys, k)
		if i < 0 && !containsKey(missing, k) {
			missing = append(missing, k)
		}
		return i
	}
	type slot struct{ year, month, root int }
	slots := make([]slot, len(changes))
	for i, c := range changes {
		m := figureMonth(c.at)
		slots[i] = slot{need(figureYearKey(c.key, m.Year())), need(figureMonthKey(c.key, m)), need(figureRootKey(c.key))}
		need(c.key)
	}
	if len(missing) > 0 {
		return &errFigureKeys{keys: missing}
	}
	for i, c := range changes {
		root := accts[slots[i].root]
		if findLot(root, figureLot(figureLotBase(root.Key, c.key.PointType), 0, false)) != nil {
			continue
		}
		if !building && accts[indexKey(keys, c.key)].Version > 0 {
			return &errFigureHistory{key: c.key}
		}
		op.listFigure(root, c.key.PointType)
	}
	for i, c := range changes {
		op.countFigure(accts[slots[i].year], c)
		op.countFigure(accts[slots[i].month], c)
	}
	return op.err
}

// listFigure records in the member's "$fig" that the counters hold the whole history of
// their account of the point type: a lot of no points, and the entry that makes it.
func (op *ledgerOp) listFigure(root *Account, pointType string) {
	id := figureLot(figureLotBase(root.Key, pointType), 0, false)
	e := op.entryAs(EntryIDFrom(figureID("list", root.Key.String(), pointType)), root, KindAdjust,
		Source{Type: counterSource, Ref: pointType}, "")
	e.Lots = []LotMove{{Lot: id}}
	root.Lots = append(root.Lots, Lot{ID: id, Entry: e.ID, EarnedAt: op.at, AvailableAt: op.at})
	op.internal = append(op.internal, e)
}

// countFigure applies one change to a counter (a year's or a month's) and writes its entry.
func (op *ledgerOp) countFigure(a *Account, c figureChange) {
	negative := c.kind != KindReverse && c.points < 0
	id := figureLot(figureLotBase(a.Key, c.key.PointType), figurePeriod(a.Key, c.at), negative)
	src := Source{Type: counterSource, Ref: c.entry.String()}
	var e Entry
	if c.kind == KindReverse {
		e = op.entryAs(EntryIDFrom(figureID("take", a.Key.String(), c.lot.String(), strconv.FormatInt(c.returned, 10))), a, c.kind, src, "")
		e.Reverses = c.entry
		// Never before the count it takes back of, even under a clock set back, so that
		// the entries from an instant on hold every take-back of the counts from then on.
		e.At = maxTime(e.At, c.at)
	} else {
		e = op.entryAs(EntryIDFrom(figureID("count", a.Key.String(), c.entry.String())), a, c.kind, src, "")
		e.At = c.at // a count is dated at the entry it counts
	}
	l := findLot(a, id)
	if l == nil {
		if c.kind == KindReverse {
			op.fail(fmt.Errorf("loyalty: %s counted nothing of %s at %s to take back of entry %s", a.Key, c.key.PointType,
				c.at.UTC().Format(time.RFC3339), c.entry))
			return
		}
		a.Lots = append(a.Lots, Lot{ID: id, Entry: e.ID, EarnedAt: c.at, AvailableAt: c.at})
		l = &a.Lots[len(a.Lots)-1]
	}
	if c.kind != KindReverse { // the span of instants the lot counted
		if c.at.Before(l.EarnedAt) {
			l.EarnedAt = c.at
		}
		if c.at.After(l.AvailableAt) {
			l.AvailableAt = c.at
		}
	}
	n := c.points
	if negative {
		n = -n // a negative adjustment counts as positive points in its own lot
	}
	ok := true
	add := func(x *int64, d int64) {
		var fits bool
		if *x, fits = checked.Add(*x, d); !fits {
			ok = false
		}
	}
	if c.kind == KindReverse { // taken back of the month's earnings (n < 0)
		add(&l.Returned, -n)
	} else {
		add(&l.Points, n)
		add(&l.Earned, n)
	}
	add(&l.Remaining, n)
	if !ok {
		op.fail(kehu.Invalid("points", "max_balance", fmt.Sprintf("%s would count more than an int64 holds", a.Key)))
		return
	}
	e.Points, e.Lots = n, []LotMove{{Lot: l.ID, Points: n}}
	op.internal = append(op.internal, e)
}

// fail records the first failure found where the ledger cannot return one.
func (op *ledgerOp) fail(err error) {
	if op.err == nil {
		op.err = err
	}
}

// figures returns what the figure accounts keys (of one member; "" for none) count over
// [from, to) (see figuresIn), recording in read the version of each year counter it read
// (0 for one that does not exist).
func (s *Service) figures(ctx context.Context, rd *accountReads, keys []AccountKey, from, to time.Time, read map[AccountKey]int64) ([]int64, error) {
	out := make([]int64, len(keys))
	if !from.Before(to) || len(keys) == 0 {
		return out, nil
	}
	member := keys[0]
	first, last := figureYear(from), figureYear(to.Add(-time.Nanosecond))
	if last-first > 200 { // no window is this long: read the ledger
		for i, k := range keys {
			var err error
			if k.PointType != "" {
				if out[i], err = s.figureByScan(ctx, rd, k, nil, from, to); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	years := make([]*Account, 0, last-first+1)
	for y := first; y <= last; y++ {
		k := figureYearKey(member, y)
		a, err := rd.account(ctx, s.store, k)
		switch {
		case errors.Is(err, kehu.ErrNotFound):
			a = nil
			read[k] = 0
		case err != nil:
			return nil, err
		default:
			read[k] = a.Version
		}
		years = append(years, a)
	}
	var root *Account // read when needed
	rootRead := false
	for i, k := range keys {
		if k.PointType == "" {
			continue
		}
		counted := false
		for _, a := range years {
			if a != nil && hasFigure(a, k.PointType) {
				counted = true
				break
			}
		}
		if !counted {
			// Nothing counted in the window: the counters hold nothing there, or they do not
			// hold the account's history yet.
			if !rootRead {
				var err error
				if root, err = rd.account(ctx, s.store, figureRootKey(member)); err != nil && !errors.Is(err, kehu.ErrNotFound) {
					return nil, err
				}
				rootRead = true
			}
			if root != nil && hasFigure(root, k.PointType) {
				continue
			}
			a, err := rd.account(ctx, s.store, k)
			if errors.Is(err, kehu.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if out[i], err = s.figureByScan(ctx, rd, k, a, from, to); err != nil {
				return nil, err
			}
			continue
		}
		for j, a := range years {
			if a == nil {
				continue
			}
			y := first + j
			lo := maxTime(from, time.Date(y, time.January, 1, 0, 0, 0, 0, figureZone))
			hi := minTime(to, time.Date(y+1, time.January, 1, 0, 0, 0, 0, figureZone))
			n, err := s.figureInYear(ctx, rd, a, k.PointType, lo, hi)
			if err == nil {
				var ok bool
				if out[i], ok = checked.Add(out[i], n); !ok {
					err = errFigureRange(k)
				}
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// hasFigure reports whether a counter holds a lot of the figure account of the point type.
func hasFigure(a *Account, pointType string) bool {
	base := figureLotBase(a.Key, pointType)
	for i := range a.Lots {
		if _, _, ok := ofBase(a.Lots[i].ID, base); ok {
			return true
		}
	}
	return false
}

// figureInYear is what the year counter a counts of the figure account of the point type
// over [lo, hi), both within its year: its months' lots, or what the months' counters
// count where the window cuts a month's lot.
func (s *Service) figureInYear(ctx context.Context, rd *accountReads, a *Account, pointType string, lo, hi time.Time) (int64, error) {
	lots := periodLots(a, pointType)
	var sum int64
	ok := true
	for m := figureMonth(lo); m.Before(hi); m = m.AddDate(0, 1, 0) {
		from, to := maxTime(lo, m), minTime(hi, m.AddDate(0, 1, 0))
		value, cut, fits := lots[m.Month()].value(from, to)
		if cut {
			var err error
			if value, err = s.figureInMonth(ctx, rd, figureMonthKey(a.Key, m), pointType, from, to); err != nil {
				return 0, err
			}
		}
		sum, ok = checkedAdd(sum, value, ok && fits)
	}
	if !ok {
		return 0, errFigureRange(a.Key)
	}
	return sum, nil
}

// figureInMonth is what the month counter k counts of the figure account of the point type
// over [lo, hi), both within its month: its days' lots, or what the month's entries count
// where the window cuts a day's lot.
func (s *Service) figureInMonth(ctx context.Context, rd *accountReads, k AccountKey, pointType string, lo, hi time.Time) (int64, error) {
	a, err := rd.account(ctx, s.store, k)
	if errors.Is(err, kehu.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	lots := periodLots(a, pointType)
	var sum int64
	ok := true
	var cuts [][2]time.Time
	start := lo.In(figureZone)
	for d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, figureZone); d.Before(hi); d = d.AddDate(0, 0, 1) {
		from, to := maxTime(lo, d), minTime(hi, d.AddDate(0, 0, 1))
		value, cut, fits := lots[d.Day()].value(from, to)
		if cut {
			cuts = append(cuts, [2]time.Time{from, to})
			continue
		}
		sum, ok = checkedAdd(sum, value, ok && fits)
	}
	if len(cuts) > 0 {
		n, err := s.figureInEntries(ctx, k, pointType, cuts)
		if err != nil {
			return 0, err
		}
		sum, ok = checkedAdd(sum, n, ok)
	}
	if !ok {
		return 0, errFigureRange(k)
	}
	return sum, nil
}

// periodLots are a counter's lots of the figure account of the point type, by period.
func periodLots(a *Account, pointType string) (out [32]signedLots) {
	base := figureLotBase(a.Key, pointType)
	for i := range a.Lots {
		l := &a.Lots[i]
		if n, negative, ok := ofBase(l.ID, base); ok && n >= 0 && n < len(out) {
			if negative {
				out[n].minus = l
			} else {
				out[n].plus = l
			}
		}
	}
	return out
}

// signedLots are a period's lots of one figure account: what its earnings credited, and
// its negative adjustments.
type signedLots struct{ plus, minus *Lot }

// value is what the lots count over [from, to), within their period, and fits false if it
// overflows; cut reports instead that the window cuts the span of a lot's counts, between
// instants the lot counted.
func (p signedLots) value(from, to time.Time) (value int64, cut, fits bool) {
	fits = true
	for _, l := range []*Lot{p.plus, p.minus} {
		switch {
		case l == nil, l.AvailableAt.Before(from), !l.EarnedAt.Before(to):
		case !l.EarnedAt.Before(from) && l.AvailableAt.Before(to):
			n := l.Remaining
			if l == p.minus {
				n = -n
			}
			value, fits = checkedAdd(value, n, fits)
		default:
			return 0, true, true
		}
	}
	return value, false, fits
}

// figureInEntries is what the month counter k counts of the figure account of the point
// type over the ranges (within the month, apart, in order) from its entries: the points
// counted at instants in them, less what has been taken back of those earnings since.
func (s *Service) figureInEntries(ctx context.Context, k AccountKey, pointType string, ranges [][2]time.Time) (int64, error) {
	base := figureLotBase(k, pointType)
	in := func(t time.Time) bool {
		for _, r := range ranges {
			if !t.Before(r[0]) && t.Before(r[1]) {
				return true
			}
		}
		return false
	}
	counted := map[string]bool{} // the entries counted in the ranges, by reference
	var taken []LotMove
	var refs []string
	var sum int64
	ok := true
	// A take-back is dated at or after the count it takes back of: the entries from the
	// first range on are all that matter.
	q := EntryQuery{From: ranges[0][0], PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.Entries(ctx, k, q)
		if errors.Is(err, kehu.ErrNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		for _, e := range page.Items {
			for _, mv := range e.Lots {
				_, negative, mine := ofBase(mv.Lot, base)
				switch {
				case !mine:
				case e.Kind == KindReverse:
					taken, refs = append(taken, mv), append(refs, e.Source.Ref)
				case in(e.At):
					counted[e.Source.Ref] = true
					if negative {
						sum, ok = checkedAdd(sum, -mv.Points, ok)
					} else {
						sum, ok = checkedAdd(sum, mv.Points, ok)
					}
				}
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	for i, mv := range taken {
		if counted[refs[i]] {
			sum, ok = checkedAdd(sum, mv.Points, ok)
		}
	}
	if !ok {
		return 0, errFigureRange(k)
	}
	return sum, nil
}

func checkedAdd(sum, n int64, ok bool) (int64, bool) {
	s, fits := checked.Add(sum, n)
	return s, ok && fits
}

func errFigureRange(k AccountKey) error {
	return kehu.Invalid("figures", "range", fmt.Sprintf("the figures of %s exceed what an int64 holds", k))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// figureByScan is the figure of the account key over [from, to) read from the ledger
// itself: what the earn and adjust entries written in the window counted, less what refunds
// and reversals have taken back of the lots those earnings created (Lot.Returned). It reads
// every entry of the window and every lot of the account (a, when the caller read it); it
// is how the figures of an account whose counters are not built yet are read.
func (s *Service) figureByScan(ctx context.Context, rd *accountReads, key AccountKey, a *Account, from, to time.Time) (int64, error) {
	var n int64
	ok := true
	credited := map[EntryID]bool{}
	q := EntryQuery{From: from, To: to, PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.Entries(ctx, key, q)
		if errors.Is(err, kehu.ErrNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		for _, e := range page.Items {
			switch e.Kind {
			case KindEarn, KindAdjust:
				n, ok = checkedAdd(n, e.Points, ok)
				if e.Points > 0 {
					credited[e.ID] = true
				}
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if len(credited) > 0 && a == nil {
		var err error
		if a, err = rd.account(ctx, s.store, key); err != nil && !errors.Is(err, kehu.ErrNotFound) {
			return 0, err
		}
	}
	if a != nil && len(credited) > 0 {
		for _, l := range a.Lots {
			if credited[l.Entry] {
				n, ok = checkedAdd(n, -l.Returned, ok)
			}
		}
	}
	if !ok {
		return 0, errFigureRange(key)
	}
	return n, nil
}

// migrateFigure builds the counters of the figure account key from its entries and lots,
// unless they exist already. It is the one-off step for an account whose history was
// written before counters were kept: one atomic write names the account (which must not
// change meanwhile), the member's "$fig" and every counter the history needs.
func (s *Service) migrateFigure(ctx context.Context, p *Program, key AccountKey) error {
	err := checkActor(ctx)
	if err != nil {
		return err
	}
	for attempt := range maxAttempts {
		if attempt > 0 {
			if werr := s.backoff(ctx, attempt, "", []AccountKey{key}); werr != nil {
				return fmt.Errorf("%w (gave up after %d attempts: %w)", err, attempt, werr)
			}
		}
		var a *Account
		a, err = s.store.Account(ctx, key)
		if errors.Is(err, kehu.ErrNotFound) {
			return nil // nothing written yet: the first count lists it
		}
		if err != nil {
			return err
		}
		var counted []Entry
		q := EntryQuery{PageRequest: kehu.PageRequest{Limit: 1000}}
		for {
			page, err := s.store.Entries(ctx, key, q)
			if err != nil {
				return err
			}
			for _, e := range page.Items {
				if (e.Kind == KindEarn || e.Kind == KindAdjust) && e.Points != 0 {
					counted = append(counted, e)
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		keys := []AccountKey{key, figureRootKey(key)}
		for _, e := range counted {
			for _, k := range []AccountKey{figureYearKey(key, figureYear(e.At)), figureMonthKey(key, figureMonth(e.At))} {
				if !containsKey(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		now := s.opts.Now()
		op := &ledgerOp{at: now, version: p.spec.Version, actor: kehu.ActorFrom(ctx), uuid: s.opts.NewID}
		err = s.store.Update(ctx, keys, Need{At: now, All: true}, func(accts []*Account) (*Commit, error) {
			op.internal, op.err = op.internal[:0], nil
			switch {
			case hasFigure(accts[1], key.PointType):
				return nil, errFigureBuilt
			case accts[0].Version != a.Version:
				return nil, errFigureMoved
			}
			at := map[EntryID]time.Time{}
			changes := make([]figureChange, 0, len(counted))
			for _, e := range counted {
				changes = append(changes, figureChange{key: key, at: e.At, entry: e.ID, kind: e.Kind, points: e.Points})
				if e.Points > 0 {
					at[e.ID] = e.At
				}
			}
			for _, l := range accts[0].Lots {
				if t, ok := at[l.Entry]; ok && l.Returned > 0 {
					changes = append(changes, figureChange{key: key, at: t, entry: l.Entry, kind: KindReverse, points: -l.Returned,
						lot: l.ID, returned: l.Returned})
				}
			}
			if len(changes) == 0 {
				op.listFigure(accts[1], key.PointType)
			} else if err := op.countFigures(keys, accts, changes, true); err != nil {
				return nil, err
			}
			for _, c := range accts[1:] {
				c.UpdatedAt = now
			}
			return &Commit{Entries: op.internal}, nil
		})
		switch {
		case err == nil, errors.Is(err, errFigureBuilt):
			return nil
		case !errors.Is(err, errFigureMoved) && !errors.Is(err, kehu.ErrConflict):
			return err
		}
	}
	return fmt.Errorf("building the figure counters of %s: %w", key, err)
}

var (
	errFigureBuilt = errors.New("figure counters already built")
	errFigureMoved = fmt.Errorf("%w: the figure account changed while its counters were built", kehu.ErrConflict)
)

// BackfillTierFigures builds the tier figure counters of every member of the programme
// whose ledger was written before the counters were kept (see Figures), and returns how
// many figure accounts it built them for. It is a one-off step after upgrading a
// programme with history, safe to run while the service runs and to run again (accounts
// whose counters exist are skipped). It is optional: until an account's counters are
// built its figures are read from its entries, as before, and the first command that
// counts for it builds them.
func (s *Service) BackfillTierFigures(ctx context.Context, p *Program) (int, error) {
	if err := needProgram(p); err != nil {
		return 0, err
	}
	n := 0
	var root *Account // the "$fig" of the member of the last account seen
	q := ScanQuery{KeysOnly: true, PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		page, err := s.store.ScanAccounts(ctx, p.spec.ID, q)
		if err != nil {
			return n, err
		}
		for _, a := range page.Items {
			if !isFigureType(p, a.Key.PointType) {
				continue
			}
			if k := figureRootKey(a.Key); root == nil || root.Key != k {
				root, err = s.store.Account(ctx, k)
				switch {
				case errors.Is(err, kehu.ErrNotFound):
					root = &Account{Key: k}
				case err != nil:
					return n, err
				}
			}
			if hasFigure(root, a.Key.PointType) {
				continue
			}
			if err := s.migrateFigure(ctx, p, a.Key); err != nil {
				return n, fmt.Errorf("backfill %s: %w", a.Key, err)
			}
			root = nil // read again for the member's next account
			n++
		}
		if page.Next == "" {
			return n, nil
		}
		q.After = page.Next
	}
}

// accountReads remembers the accounts one reading of a member's figures has read, so that
// the windows it measures (the reviews that fell due and the window in force) read each
// counter once, and see the same version of it. It lives for one reading only: a write
// after it would leave it stale. A nil *accountReads reads the store every time.
type accountReads struct {
	got map[AccountKey]*Account // nil for an account the store does not have
}

func newAccountReads() *accountReads { return &accountReads{got: map[AccountKey]*Account{}} }

// account is st.Account(ctx, k), read once: kehu.ErrNotFound for an account st does not
// have.
func (r *accountReads) account(ctx context.Context, st Store, k AccountKey) (*Account, error) {
	if r == nil {
		return st.Account(ctx, k)
	}
	a, seen := r.got[k]
	if !seen {
		var err error
		a, err = st.Account(ctx, k)
		if err != nil && !errors.Is(err, kehu.ErrNotFound) {
			return nil, err
		}
		r.got[k] = a
	}
	if a == nil {
		return nil, fmt.Errorf("account %s: %w", k, kehu.ErrNotFound)
	}
	return a, nil
}

// after returns what r read before a write, as the write left it, for an evaluation right
// after the write: the counters the write stored (wrote, see writtenCounters), and the year
// and month counters r read of the years whose versions the write checked unchanged (read;
// a year counter named by the write, or one that existed when read, see figureKeys), which
// the write left as they were. Every change of a month's counter is one of its year's too,
// so those hold at the instant the write committed. Everything else is read again.
func (r *accountReads) after(read map[AccountKey]int64, wrote []*Account) *accountReads {
	out := newAccountReads()
	for _, a := range wrote {
		out.got[a.Key] = a
	}
	for k, a := range r.got {
		if _, done := out.got[k]; done {
			continue
		}
		y, ok := figureYearOf(k)
		if !ok {
			continue
		}
		v, seen := read[y]
		if _, written := out.got[y]; seen && (v > 0 || written) {
			out.got[k] = a
		}
	}
	return out
}

// figureYearOf returns the year counter of a year or month counter ("$fig:2026",
// "$fig:2026-03"), and false for any other account.
func figureYearOf(k AccountKey) (AccountKey, bool) {
	period, ok := strings.CutPrefix(k.PointType, figurePrefix+":")
	if !ok {
		return AccountKey{}, false
	}
	year, _, _ := strings.Cut(period, "-")
	if year == "" {
		return AccountKey{}, false
	}
	k.PointType = figurePrefix + ":" + year
	return k, true
}
