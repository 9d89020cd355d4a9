package loyalty

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// Service runs a loyalty ledger: it decides every movement of points and writes it
// through the Store, atomically and idempotently. It is safe for concurrent use. Make one
// with NewService: the zero value is not usable.
type Service struct {
	store Store
	opts  kehu.Options
	// retries spreads the seeds of the backoff jitter (see backoff).
	retries atomic.Uint64
}

// NewService returns a service over store. A nil store means NewMemoryStore(); nil options
// mean the defaults (time.Now, UUIDv7, events dropped).
func NewService(store Store, opts *kehu.Options) *Service {
	if store == nil {
		store = NewMemoryStore()
	}
	return &Service{store: store, opts: opts.Resolved()}
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// MaxPoints bounds the points one command may move: an order's earning per point type, a
// redemption, a transfer, an adjustment.
const MaxPoints = 1_000_000_000_000

// MaxBalance bounds an account: the points its lots hold and its debt. A command that
// would take an account past it fails with a *kehu.ValidationError (rule "max_balance")
// and writes nothing, so that no balance, sum or report can overflow an int64.
const MaxBalance = 1_000_000_000_000_000

// checkBalance reports an account whose lots or debt exceed MaxBalance.
func checkBalance(a *Account) error {
	held := a.Outside
	for i := range a.Lots {
		var ok bool
		if held, ok = checked.Add(held, a.Lots[i].Remaining); !ok || held > MaxBalance {
			return kehu.Invalid("points", "max_balance", fmt.Sprintf("%s would hold more than %d points", a.Key, int64(MaxBalance)))
		}
	}
	if a.Debt > MaxBalance {
		return kehu.Invalid("points", "max_balance", fmt.Sprintf("%s would owe more than %d points", a.Key, int64(MaxBalance)))
	}
	return nil
}

// maxAttempts bounds the attempts of a write that loses a race: a store that answers
// kehu.ErrConflict (an optimistic store, or a SQL store reporting a deadlock or a
// serialisation failure) is tried again, after a backoff (see backoff), up to this many
// times in all; then the command fails with kehu.ErrConflict and nothing is written.
const maxAttempts = 8

// runNeed applies one command: it expires due lots of every account it touches, lets fn
// write its entries, counts what they change in the tier figures, and stores everything in
// one atomic step, with the command's record. It returns fn's entries. need says which lots
// fn draws on (its At is the command's instant, set here). A repeated key is answered from
// the record of its first attempt whenever fn or the store refuses the repeat — the store
// refuses a recorded key (kehu.ErrDuplicate), and fn may refuse first, since a repeat sees
// the effects of its first attempt (the points already spent, the cap already used) — so
// the first result answers before any business rule does. The record is read only then: a
// first attempt, the common case, costs no read of it.
func (s *Service) runNeed(ctx context.Context, p *Program, key, dig string, keys []AccountKey, need Need,
	fn func(op *ledgerOp, accts []*Account) ([]Entry, error)) ([]Entry, error) {
	run, err := s.runAll(ctx, p, key, dig, keys, need, figureHint{}, fn)
	return run.out, err
}

// runCounted is runNeed for a command that changes tier figures: figs names the counters
// it may write (see figureHint), so that its write is given them at once.
func (s *Service) runCounted(ctx context.Context, p *Program, key, dig string, keys []AccountKey, need Need, figs figureHint,
	fn func(op *ledgerOp, accts []*Account) ([]Entry, error)) ([]Entry, error) {
	run, err := s.runAll(ctx, p, key, dig, keys, need, figs, fn)
	return run.out, err
}

// maxFigureSteps bounds the writes a command makes again to be given the figure counters it
// turned out to need, or after building an account's counters.
const maxFigureSteps = 4

// ran is what runAll did: the command's entries (out), and either every entry it wrote,
// expiry entries included (all), or, when the command's key was seen before, that the
// entries are its first attempt's, read from the command record (replayed), and nothing
// was written.
type ran struct {
	out, all []Entry
	replayed bool
	counters []*Account // with figureHint.keep: the figure counters as the write stored them
}

// runAll is runNeed that also returns every entry written, expiry entries included, and
// says whether the command was answered from its record (see ran). fn is given the accounts
// of keys; the figure counters the write names besides (see figureKeys) are the ledger's
// own.
func (s *Service) runAll(ctx context.Context, p *Program, key, dig string, keys []AccountKey, need Need, figs figureHint,
	fn func(op *ledgerOp, accts []*Account) ([]Entry, error)) (ran, error) {
	if !p.usable() {
		return ran{}, kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	if err := checkActor(ctx); err != nil {
		return ran{}, err
	}
	var (
		out, all []Entry
		err      error
		ruled    bool
		more     []AccountKey // counters an attempt found missing
		steps    int          // attempts made again for the figures, not for a conflict
		stepped  bool
		counters []*Account
	)
	for attempt := 0; attempt < maxAttempts; {
		if attempt > 0 && !stepped {
			if werr := s.backoff(ctx, attempt, key, keys); werr != nil {
				err = fmt.Errorf("%w (gave up after %d attempts: %w)", err, attempt, werr)
				break
			}
		}
		stepped = false
		st := &runState{op: ledgerOp{at: s.opts.Now(), version: p.spec.Version, key: key, actor: kehu.ActorFrom(ctx), uuid: s.opts.NewID}}
		need.At = st.op.at
		named := keys
		if extra := figureKeys(p, keys, figs, st.op.at, more); len(extra) > 0 {
			named = append(slices.Clip(keys), extra...)
		}
		err = s.store.Update(ctx, named, need, func(accts []*Account) (*Commit, error) {
			st.ruled = true
			st.op.internal = st.op.internal[:0]
			for k, v := range figs.read {
				if i := indexKey(named, k); i >= 0 && accts[i].Version != v {
					return nil, errUsageChanged
				}
			}
			var all []Entry
			for _, a := range accts {
				if e := st.op.expire(a); e != nil {
					all = append(all, *e)
				}
			}
			before := figureLots(p, named, accts, need)
			st.op.err = nil
			es, err := fn(&st.op, accts[:len(keys)])
			if err == nil {
				err = st.op.err
			}
			if err != nil {
				return nil, err
			}
			if changes := figureChanges(p, named, accts, before, es); len(changes) > 0 || len(named) > len(keys) {
				if err := st.op.countFigures(named, accts, changes, false); err != nil {
					return nil, err
				}
			}
			// An entry that adds points or debt may take its account past MaxBalance.
			for i := range es {
				if e := &es[i]; e.Points > 0 || e.Debt > 0 {
					if err := checkBalance(accts[indexKey(named, e.Account)]); err != nil {
						return nil, err
					}
				}
			}
			for _, a := range accts {
				a.UpdatedAt = st.op.at
			}
			if all == nil {
				all = es // nothing expired: no copy
			} else {
				all = append(all, es...)
			}
			st.out, st.all, st.commit = es, all, Commit{Entries: all}
			if len(st.op.internal) > 0 {
				// Counter entries are written with the command but are not its result.
				st.commit.Entries = append(slices.Clip(all), st.op.internal...)
			}
			if key != "" {
				st.cmd = Command{Program: p.spec.ID, Key: key, Digest: dig, At: st.op.at, Entries: es}
				st.commit.Command = &st.cmd
			}
			if figs.keep {
				st.counters = writtenCounters(named, accts)
			}
			st.ruled = false
			return &st.commit, nil
		})
		out, all, ruled, counters = st.out, st.all, st.ruled, st.counters
		var missing *errFigureKeys
		var history *errFigureHistory
		switch {
		case steps >= maxFigureSteps:
		case errors.As(err, &missing):
			more = append(more, missing.keys...)
			steps, stepped = steps+1, true
			continue
		case errors.As(err, &history):
			if merr := s.migrateFigure(ctx, p, history.key); merr != nil {
				return ran{}, merr
			}
			steps, stepped = steps+1, true
			continue
		}
		if err == nil || st.ruled || !errors.Is(err, kehu.ErrConflict) {
			break
		}
		attempt++
	}
	if err != nil && key != "" && (ruled || errors.Is(err, kehu.ErrDuplicate)) {
		// A retry that raced its first attempt sees the first attempt's effects (the points
		// already spent, the cap already used) or its record: the first result answers
		// before any business rule does. Without a record the error is the command's own.
		if out, done, rerr := s.replay(ctx, p, key, dig); rerr != nil {
			return ran{}, rerr
		} else if done {
			return ran{out: out, replayed: true}, nil
		}
	}
	if err != nil {
		return ran{}, err
	}
	return ran{out: out, all: all, counters: counters}, s.publish(ctx, all)
}

// runState is one attempt of runAll, in one allocation: the ledger op, what fn wrote and
// the commit handed to the store. ruled reports that fn was running or failed, so that
// its errors are not taken for the store's conflicts.
type runState struct {
	op       ledgerOp
	out      []Entry
	all      []Entry // out with the expiry entries, without counter entries
	commit   Commit
	cmd      Command
	ruled    bool
	counters []*Account // see ran
}

// replay answers a command whose key was seen before: its first result, or kehu.ErrKeyReused.
func (s *Service) replay(ctx context.Context, p *Program, key, dig string) ([]Entry, bool, error) {
	cmd, err := s.store.Command(ctx, p.spec.ID, key)
	switch {
	case errors.Is(err, kehu.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case cmd.Digest != dig:
		return nil, true, fmt.Errorf("command %q: %w", key, kehu.ErrKeyReused)
	}
	return cmd.Entries, true, nil
}

// refusedOrReplayed answers a command a rule refused (err) from its record, when its key
// was recorded: a repeat gets its first result before any rule is looked at, also one of
// a programme version that changed since (a lower limit, a higher minimum, a partner
// closed). Otherwise it returns err, or kehu.ErrKeyReused for a key recorded with another
// payload.
func (s *Service) refusedOrReplayed(ctx context.Context, p *Program, key, dig string, err error) ([]Entry, error) {
	if kehu.CheckKey("key", key) != nil {
		return nil, err
	}
	out, done, rerr := s.replay(ctx, p, key, dig)
	switch {
	case rerr != nil:
		return nil, rerr
	case !done:
		return nil, err
	}
	return out, nil
}

func (s *Service) publish(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if _, drop := s.opts.Events.(kehu.Discard); drop {
		return nil // the default publisher: no events to build
	}
	events := make([]kehu.Event, len(entries))
	for i, e := range entries {
		events[i] = LedgerEvent{Entry: e}
	}
	if err := s.opts.Events.Publish(ctx, events...); err != nil {
		return fmt.Errorf("points stored, but publishing events failed: %w", err)
	}
	return nil
}

// LedgerEvent is published for every entry written by a command: "loyalty.points_earn",
// "loyalty.points_redeem", … (see EventName).
type LedgerEvent struct {
	Entry Entry `json:"entry"`
}

// EventName implements kehu.Event: "loyalty.points_" followed by the entry kind.
func (e LedgerEvent) EventName() string { return "loyalty.points_" + string(e.Entry.Kind) }

// OccurredAt implements kehu.Event.
func (e LedgerEvent) OccurredAt() time.Time { return e.Entry.At }

// pointType checks that code names a point type of p and returns it.
func pointType(p *Program, field, code string, probs *kehu.Problems) PointType {
	pt, ok := p.PointType(code)
	if !ok {
		probs.Addf(field, "unknown_point_type", "%q is not a point type of programme %s", code, p.spec.ID)
	}
	return pt
}

func checkMember(customer crm.CustomerID, probs *kehu.Problems) {
	if customer.IsZero() {
		probs.Add("customer", "required", "is empty")
	}
}

// checkActor checks the actor the context names (kehu.WithActor), whom entries and tier
// changes record: a name every store keeps as given (kehu.CheckName).
func checkActor(ctx context.Context) error { return kehu.CheckName("actor", kehu.ActorFrom(ctx)) }

// checkText checks text a host gives that the ledger keeps: at most max bytes of text
// every store keeps as given (kehu.CheckText).
func checkText(probs *kehu.Problems, field, s string, max int) {
	if len(s) > max {
		probs.Addf(field, "max_length", "is longer than %d bytes", max)
		return
	}
	probs.Merge("", kehu.CheckText(field, s))
}

// Points is a command that moves a number of points of one type for one member.
type Points struct {
	Customer  crm.CustomerID `json:"customer"`
	PointType string         `json:"point_type"`
	Points    int64          `json:"points"`
	// Source says what caused it; Ref is the host's reference (order, redemption, event).
	Source Source `json:"source,omitzero"`
	Reason string `json:"reason,omitempty"`
	// Key is required and makes the command idempotent: a repeat returns the first result,
	// also when it races the first attempt; a repeat with a different payload fails with
	// kehu.ErrKeyReused. Keys are permanent and checked by kehu.CheckHostKey.
	Key string `json:"-"`
	// libraryKey marks a command the library issues itself, under a key of its own.
	libraryKey bool
}

func (c *Points) check(p *Program, positive bool) (PointType, error) {
	if err := needProgram(p); err != nil {
		return PointType{}, err
	}
	var probs kehu.Problems
	checkMember(c.Customer, &probs)
	pt := pointType(p, "point_type", c.PointType, &probs)
	switch {
	case positive && c.Points <= 0:
		probs.Add("points", "positive", "must be more than zero")
	case !positive && c.Points == 0:
		probs.Add("points", "non_zero", "must not be zero")
	case c.Points > MaxPoints || c.Points < -MaxPoints:
		probs.Addf("points", "range", "must be within ±%d", int64(MaxPoints))
	}
	checkText(&probs, "reason", c.Reason, 500)
	c.checkSource(&probs)
	probs.Merge("", checkKey(c.Key, c.libraryKey))
	return pt, probs.Err()
}

// checkSource checks the source a command names: text of at most 200 bytes a field, and,
// for a host's command, none of the types only the library writes (see reservedSource).
func (c *Points) checkSource(probs *kehu.Problems) {
	checkText(probs, "source.type", c.Source.Type, 200)
	checkText(probs, "source.ref", c.Source.Ref, 200)
	checkText(probs, "source.line", c.Source.Line, 200)
	checkText(probs, "source.rule", c.Source.Rule, 200)
	if !c.libraryKey && reservedSource(c.Source.Type) {
		probs.Addf("source.type", "reserved", "%s is a source type the library's own commands write", clip.Quote(c.Source.Type))
	}
}

// checkKey checks a command's key: a host's (kehu.CheckHostKey), or one the library made
// for a command it issues itself (kehu.CheckKey).
func checkKey(key string, library bool) error {
	if library {
		return kehu.CheckKey("key", key)
	}
	return kehu.CheckHostKey("key", key)
}

func (c *Points) key(p *Program) AccountKey {
	return AccountKey{Program: p.spec.ID, Customer: c.Customer, PointType: c.PointType}
}

// Earn credits points to a member as a new lot, with the point type's expiry and pending
// window, paying off any debt first. Points of a tiered programme's qualifying type then
// bring the member's tier up to date (EvaluateTier), as an order's do; should that fail,
// the entry stands and is returned with the error, and a retry with the same key answers
// with it and evaluates again.
func (s *Service) Earn(ctx context.Context, p *Program, c Points) (Entry, error) {
	pt, err := c.check(p, true)
	if err != nil {
		return Entry{}, err
	}
	if c.Source.Type == "" {
		c.Source.Type = "manual"
	}
	out, err := s.runCounted(ctx, p, c.Key, fingerprint.Of("earn", c), []AccountKey{c.key(p)}, Need{}, figureHint{now: true}, func(op *ledgerOp, a []*Account) ([]Entry, error) {
		return []Entry{op.credit(a[0], KindEarn, pt, p.Location(), c.Points, c.Source, c.Reason)}, nil
	})
	return s.upgradeAfter(ctx, p, c.Customer, out, err)
}

// upgradeAfter answers a command that credited points, whose entries are out, once it
// has brought the member's tier up to date for them (see upgradeFor). The command stands
// if that fails: its first entry is returned with the error, and a retry with the same key
// answers with it and evaluates again.
func (s *Service) upgradeAfter(ctx context.Context, p *Program, customer crm.CustomerID, out []Entry, err error) (Entry, error) {
	e, err := first(out, err)
	if err == nil {
		_, _, err = s.upgradeFor(ctx, p, customer, out)
	}
	return e, err
}

// upgradeFor brings the member's tier up to date (EvaluateTier) when the entries a command
// wrote credited points of a tiered programme's qualifying type, so that a member moves up
// as soon as a threshold is crossed, whichever command crossed it; it returns where the
// member then stands and the upgrade recorded, or nil and nil when there was nothing to
// evaluate.
func (s *Service) upgradeFor(ctx context.Context, p *Program, customer crm.CustomerID, out []Entry) (*TierStatus, *TierChange, error) {
	if p.spec.Tiers == nil {
		return nil, nil, nil
	}
	for _, e := range out {
		if e.Points > 0 && e.Account.PointType == p.spec.Tiers.QualifyingType {
			// A member seen for the first time joins when the points were credited.
			st, _, changes, err := s.evaluate(ctx, p, customer, true, evalFrom{joined: e.At})
			if err != nil {
				return nil, nil, fmt.Errorf("entry %s was credited, but the tier was not brought up to date (repeat the command with its key): %w", e.ID, err)
			}
			return st, upgradeOf(p.spec.Tiers, changes), nil
		}
	}
	return nil, nil, nil
}

func first(out []Entry, err error) (Entry, error) {
	if err != nil || len(out) == 0 {
		return Entry{}, err
	}
	return out[0], nil
}

// Redeem spends points from what the member has available now, drawing on lots by the
// programme's spend policy, and records exactly which lots it drew on. It fails with
// ErrInsufficientPoints, writing nothing, if the member has fewer available points.
func (s *Service) Redeem(ctx context.Context, p *Program, c Points) (Entry, error) {
	pt, err := c.check(p, true)
	if err == nil && pt.Kind != Spendable {
		err = kehu.Invalid("point_type", "spendable", fmt.Sprintf("%s points measure status and cannot be spent", pt.Code))
	}
	if err != nil {
		return Entry{}, err
	}
	if c.Source.Type == "" {
		c.Source.Type = "redemption"
	}
	out, err := s.runNeed(ctx, p, c.Key, fingerprint.Of("redeem", c), []AccountKey{c.key(p)}, Need{Spend: c.Points, Policy: p.Spend()}, func(op *ledgerOp, a []*Account) ([]Entry, error) {
		e, err := op.debit(a[0], KindRedeem, p.Spend(), c.Points, c.Source, c.Reason)
		return []Entry{e}, err
	})
	return first(out, err)
}

// RedeemAcross spends points from every spendable point type of the member, in ascending
// PointType.Priority and nearest expiry first within a type, in one atomic step — for
// programmes whose SpendPolicy is TypePriority (bonus points spent before base points,
// say). c.PointType must be empty. It writes one redeem entry per point type drawn on, or
// fails with ErrInsufficientPoints and writes nothing.
func (s *Service) RedeemAcross(ctx context.Context, p *Program, c Points) ([]Entry, error) {
	if err := needProgram(p); err != nil {
		return nil, err
	}
	var probs kehu.Problems
	checkMember(c.Customer, &probs)
	if p.Spend() != TypePriority {
		probs.Add("program.spend_policy", "type_priority", "the programme does not spend across point types")
	}
	if c.PointType != "" {
		probs.Add("point_type", "empty", "RedeemAcross draws on every spendable type; use Redeem for one")
	}
	if c.Points <= 0 || c.Points > MaxPoints {
		probs.Addf("points", "range", "must be between 1 and %d", int64(MaxPoints))
	}
	checkText(&probs, "reason", c.Reason, 500)
	c.checkSource(&probs)
	probs.Merge("", checkKey(c.Key, false))
	if err := probs.Err(); err != nil {
		return nil, err
	}
	types := slices.Clone(p.spec.PointTypes)
	types = slices.DeleteFunc(types, func(t PointType) bool { return t.Kind != Spendable })
	slices.SortStableFunc(types, func(a, b PointType) int { return a.Priority - b.Priority })
	keys := make([]AccountKey, len(types))
	for i, t := range types {
		keys[i] = AccountKey{Program: p.spec.ID, Customer: c.Customer, PointType: t.Code}
	}
	if c.Source.Type == "" {
		c.Source.Type = "redemption"
	}
	return s.runNeed(ctx, p, c.Key, fingerprint.Of("redeem-across", c), keys, Need{Spend: c.Points, Policy: NearestExpiryFirst}, func(op *ledgerOp, accts []*Account) ([]Entry, error) {
		var avail int64
		for _, a := range accts {
			avail += max(a.BalanceAt(op.at).Available, 0)
		}
		if avail < c.Points {
			return nil, fmt.Errorf("%s: %d available across point types, %d asked: %w", c.Customer, avail, c.Points, ErrInsufficientPoints)
		}
		var out []Entry
		left := c.Points
		for _, a := range accts {
			take := min(left, max(a.BalanceAt(op.at).Available, 0))
			if take == 0 {
				continue
			}
			e, err := op.debit(a, KindRedeem, NearestExpiryFirst, take, c.Source, c.Reason)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			left -= take
		}
		return out, nil
	})
}

// Adjust corrects a balance by hand. A positive adjustment is a new lot; a negative one
// takes points from what is available and may take the balance below zero only as far as
// the point type's Floor, or fails with ErrInsufficientPoints. A reason is required. A
// positive adjustment of a tiered programme's qualifying type then brings the member's
// tier up to date, as Earn does: a status credit that crosses a threshold is an upgrade
// at once.
func (s *Service) Adjust(ctx context.Context, p *Program, c Points) (Entry, error) {
	pt, err := c.check(p, false)
	if err == nil && strings.TrimSpace(c.Reason) == "" {
		err = kehu.Invalid("reason", "required", "say why the balance is adjusted")
	}
	if err != nil {
		return Entry{}, err
	}
	c.Source.Type = "manual"
	need := Need{Spend: max(-c.Points, 0), Policy: p.Spend()}
	out, err := s.runCounted(ctx, p, c.Key, fingerprint.Of("adjust", c), []AccountKey{c.key(p)}, need, figureHint{now: true}, func(op *ledgerOp, a []*Account) ([]Entry, error) {
		if c.Points > 0 {
			return []Entry{op.credit(a[0], KindAdjust, pt, p.Location(), c.Points, c.Source, c.Reason)}, nil
		}
		take := -c.Points
		if room := a[0].BalanceAt(op.at).Available - pt.Floor; room < take {
			return nil, fmt.Errorf("%s: %d points can be taken down to the floor of %d, %d asked: %w",
				a[0].Key, max(room, 0), pt.Floor, take, ErrInsufficientPoints)
		}
		return []Entry{op.clawback(a[0], KindAdjust, LotID{}, take, ReturnDebt, pt.Floor, p.Spend(), c.Source, c.Reason)}, nil
	})
	return s.upgradeAfter(ctx, p, c.Customer, out, err)
}

// Reverse undoes an entry, once. A redemption or transfer out gives its points back to the
// very lots it drew on, with their original expiry (points whose lot has expired meanwhile
// expire again at once); an earning or positive adjustment takes back what refunds have not
// yet taken of the points it credited, the programme's return policy deciding what happens
// to points already spent. Reverse is idempotent by entry: its key is derived from the
// entry (kehu.LibraryKey("reverse", id)), so repeating it, with any reason, returns the
// first result. The entries of the ledger's own counters (IsCounterAccount) cannot be
// reversed: they follow the entries they count.
func (s *Service) Reverse(ctx context.Context, p *Program, id EntryID, reason string) ([]Entry, error) {
	if err := needProgram(p); err != nil {
		return nil, err
	}
	var probs kehu.Problems
	checkText(&probs, "reason", reason, 500)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	orig, err := s.store.Entry(ctx, id)
	if err != nil {
		return nil, err
	}
	if orig.Source.Type == "reservation" {
		return nil, kehu.Invalid("entry", "reservation", "a reservation's hold is released by Cancel, which also returns the stock")
	}
	return s.reverse(ctx, p, orig, reason)
}

// reverseKey is the key of the reversal of an entry: reversals are idempotent by the entry
// they reverse, so a host names none.
func reverseKey(id EntryID) string { return kehu.LibraryKey("reverse", id.String()) }

// reverseHold undoes a reservation's points hold (Cancel's half of the work).
func (s *Service) reverseHold(ctx context.Context, p *Program, id EntryID, reason string) ([]Entry, error) {
	orig, err := s.store.Entry(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.reverse(ctx, p, orig, reason)
}

// reverse undoes orig; see Reverse.
func (s *Service) reverse(ctx context.Context, p *Program, orig *Entry, reason string) ([]Entry, error) {
	id := orig.ID
	if orig.Account.Program != p.spec.ID {
		return nil, kehu.Invalid("entry", "program", fmt.Sprintf("entry %s belongs to programme %s", id, orig.Account.Program))
	}
	if orig.Kind == KindTransferOut || orig.Kind == KindTransferIn {
		return s.reverseTransfer(ctx, p, orig, reason)
	}
	if IsCounterAccount(orig.Account.PointType) {
		return nil, kehu.Invalid("entry", "reversible", "an entry of the ledger's own counters cannot be reversed")
	}
	pt, _ := p.PointType(orig.Account.PointType)
	need := Need{Spend: max(orig.Points, 0), Policy: p.Spend(), Lots: movedLots(nil, orig)}
	// Taking an earning back lowers the tier figures of the month it was written in.
	figs := figureHint{earned: []figureAt{{key: orig.Account, at: orig.At}}}
	return s.runCounted(ctx, p, reverseKey(id), fingerprint.Of("reverse", id), []AccountKey{orig.Account}, need, figs, func(op *ledgerOp, a []*Account) ([]Entry, error) {
		switch orig.Kind {
		case KindRedeem:
			e := op.restore(a[0], orig, reason)
			out := []Entry{e}
			if x := op.expire(a[0]); x != nil {
				out = append(out, *x)
			}
			return out, nil
		case KindEarn, KindAdjust:
			if len(orig.Lots) == 0 || orig.Points <= 0 {
				break
			}
			e, err := op.takeBack(a[0], orig, p, pt, reason)
			if err != nil {
				return nil, err
			}
			return []Entry{e}, nil
		}
		return nil, kehu.Invalid("entry", "reversible", fmt.Sprintf("a %s entry cannot be reversed", orig.Kind))
	})
}

// maxUnits bounds an order line's units, so that points × units cannot overflow.
const maxUnits = 1_000_000

// RefundLine is the part of one order line a refund covers: Quantity of its units. The
// ledger knows how many units the line had (Lot.Units, from the order EarnOrder credited)
// and checks the quantity against it.
type RefundLine struct {
	Line     string `json:"line"`
	Quantity int64  `json:"quantity"`
}

// Refund is a command that takes back the points some lines of an order earned.
type Refund struct {
	Customer crm.CustomerID `json:"customer"`
	// Order is the ID of the order the points were earned on (kehu.Order.ID).
	Order string `json:"order"`
	// Lines are the parts of the order's lines refunded, in any order; none (nil or
	// empty) means the whole order.
	Lines []RefundLine `json:"lines,omitempty"`
	// Key is required and makes the refund idempotent (see Points.Key).
	Key string `json:"-"`
}

// Refund takes back the points an order earned, line by line, under these rules (see the
// package doc, Refunds):
//
//   - For each lot a refunded line earned (one per point type), the refunds of the line
//     take back the cumulative floor of earned × units refunded ÷ the line's units, so that
//     they add up to exactly what the line earned once all its units are refunded. A
//     quantity above the line's units is a *kehu.ValidationError; units beyond what earlier
//     refunds left take nothing.
//   - No lines means the whole order: whatever earlier refunds have left of it.
//   - The order's own awards (bonuses on the order as a whole) were given for the order as
//     placed: the first refund of any part of it takes them back in full. The purchase the
//     order counts toward a tier goes back with the last of its units.
//   - Points of the order still in its lots are taken from there; points of the order that
//     already expired are not collected again; points already spent are handled by the
//     programme's return policy.
//
// r.Key is required (the refund's own ID, say): two systems that both send the same refund
// under its key take the points once, however each lists the lines, and refunds sent
// under different keys never take more than the order earned.
func (s *Service) Refund(ctx context.Context, p *Program, r Refund) ([]Entry, error) {
	if err := needProgram(p); err != nil {
		return nil, err
	}
	var probs kehu.Problems
	checkMember(r.Customer, &probs)
	if r.Order == "" {
		probs.Add("order", "required", "is empty")
	}
	checkText(&probs, "order", r.Order, 200)
	probs.Merge("", checkKey(r.Key, false))
	want := make(map[string]int64, len(r.Lines))
	for i, l := range r.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		switch {
		case l.Line == "":
			probs.Add(f+".line", "required", "is empty")
		case l.Quantity <= 0 || l.Quantity > maxUnits:
			probs.Addf(f+".quantity", "range", "need 0 < quantity ≤ %d", maxUnits)
		}
		if _, dup := want[l.Line]; dup {
			probs.Add(f+".line", "unique", "line refunded twice in one refund")
		}
		want[l.Line] = l.Quantity
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	earned, err := s.store.EntriesBySource(ctx, p.spec.ID, "order", r.Order)
	if err != nil {
		return nil, err
	}
	// The order's lots: an entry of the whole order holds a lot per line (LotMove.Line)
	// and one for the order's own awards (no line); an entry of one line (Source.Line)
	// lots of that line only. Every account the order credited takes part, so that the
	// order's own awards can follow its lines.
	var (
		targets []refundTarget
		keys    []AccountKey
		found   = map[string]bool{}
	)
	for i := range earned {
		e := &earned[i]
		if e.Kind != KindEarn || e.Account.Customer != r.Customer {
			continue
		}
		for _, m := range e.Lots {
			line := cmp.Or(m.Line, e.Source.Line)
			found[line] = true
			targets = append(targets, refundTarget{entry: e, lot: m.Lot, line: line})
			if !containsKey(keys, e.Account) {
				keys = append(keys, e.Account)
			}
		}
	}
	for i, l := range r.Lines {
		if l.Line != "" && !found[l.Line] {
			return nil, fmt.Errorf("lines[%d]: order %q earned no points on line %q: %w", i, r.Order, l.Line, kehu.ErrNotFound)
		}
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("no points earned by order %q for member %s: %w", r.Order, r.Customer, kehu.ErrNotFound)
	}
	dig, asGiven := refundDigests(r)
	// The refund draws on the order's lots, then on what else is spendable, never more
	// than the order credited.
	need := Need{Policy: p.Spend()}
	var (
		prev *Entry
		figs figureHint // what the refund takes back lowers the figures of the order's month
	)
	for _, t := range targets {
		need.Lots = append(need.Lots, t.lot)
		if t.entry != prev {
			need.Spend += max(t.entry.Points, 0) // what it credited, debt paid included
			prev = t.entry
			figs.earned = append(figs.earned, figureAt{key: t.entry.Account, at: t.entry.At})
		}
	}
	out, err := s.runCounted(ctx, p, r.Key, dig, keys, need, figs, func(op *ledgerOp, accts []*Account) ([]Entry, error) {
		lot := func(t refundTarget) (*Account, *Lot) {
			a := accts[indexKey(keys, t.entry.Account)]
			return a, a.lot(t.lot)
		}
		// The goals first, checked as a whole before anything is taken.
		goals := make([]int64, len(targets))
		qtys := make([]int64, len(targets))
		whole := true // does the order end fully refunded?
		for i, t := range targets {
			_, l := lot(t)
			if l == nil {
				continue
			}
			goals[i], qtys[i] = l.Returned, l.ReturnedQty
			if t.line == "" {
				continue
			}
			q, named := want[t.line]
			switch {
			case len(r.Lines) == 0 || l.Units == 0:
				// The whole order, or a line whose units are unknown: all that is left.
				if len(r.Lines) == 0 || named {
					goals[i], qtys[i] = l.Earned, l.Units
				}
			case named && q > l.Units:
				return nil, kehu.Invalid("lines", "range", fmt.Sprintf("line %s had %d units; %d cannot be refunded", t.line, l.Units, q))
			case named:
				qtys[i] = min(l.ReturnedQty+q, l.Units)
				goals[i] = max(l.Returned, mulDiv(l.Earned, qtys[i], l.Units)) // exact at qtys == Units
			}
			if goals[i] < l.Earned {
				whole = false
			}
		}
		var out []Entry
		for i, t := range targets {
			a, l := lot(t)
			if l == nil {
				continue
			}
			quantity := want[t.line]
			if t.line == "" {
				// The order's own awards: all of them at the first refund; the purchase
				// counted toward a tier only with the last.
				if a.Key.PointType != purchasesAccount || whole {
					goals[i] = l.Earned
				}
				quantity = 0
			}
			take := goals[i] - l.Returned
			l.Returned, l.ReturnedQty = goals[i], qtys[i]
			if take <= 0 {
				continue
			}
			pt, _ := p.PointType(a.Key.PointType)
			src := t.entry.Source
			src.Line = t.line
			e := op.clawback(a, KindReverse, l.ID, take, p.ReturnPolicy(), pt.Floor, p.Spend(), src, "refund")
			e.Reverses, e.Quantity = t.entry.ID, quantity
			out = append(out, e)
		}
		return out, nil
	})
	if errors.Is(err, kehu.ErrKeyReused) && asGiven != dig {
		// A refund recorded before its lines were digested as a set kept the digest of
		// its lines as they were sent.
		if first, done, rerr := s.replay(ctx, p, r.Key, asGiven); rerr == nil && done {
			return first, nil
		}
	}
	return out, err
}

// refundDigests returns the digest of a refund, which reads its lines as a set — in
// whatever order they are listed, and none the same as an empty list — so that two
// systems sending the same refund under its key get its first result; and the digest of
// the lines as given, which refunds recorded before kept.
func refundDigests(r Refund) (dig, asGiven string) {
	type payload struct {
		Customer crm.CustomerID
		Order    string
		Lines    []RefundLine
	}
	lines := slices.SortedFunc(slices.Values(r.Lines), func(a, b RefundLine) int { return strings.Compare(a.Line, b.Line) })
	dig = fingerprint.Of("refund", payload{r.Customer, r.Order, lines})
	if slices.Equal(lines, r.Lines) && (lines == nil) == (r.Lines == nil) {
		return dig, dig
	}
	return dig, fingerprint.Of("refund", payload{r.Customer, r.Order, r.Lines})
}

// refundTarget is one lot an order's earn entry created: for a line, or for the order's own
// awards (line "").
type refundTarget struct {
	entry *Entry
	lot   LotID
	line  string
}

// mulDiv is ⌊x × n ÷ d⌋ for 0 ≤ n ≤ d, without overflow.
func mulDiv(x, n, d int64) int64 {
	hi, lo := bits.Mul64(uint64(x), uint64(n))
	q, _ := bits.Div64(hi, lo, uint64(d))
	return int64(q)
}

// movedLots appends the lots e moved to dst.
func movedLots(dst []LotID, e *Entry) []LotID {
	for _, m := range e.Lots {
		dst = append(dst, m.Lot)
	}
	return dst
}

func containsKey(keys []AccountKey, k AccountKey) bool { return indexKey(keys, k) >= 0 }

func indexKey(keys []AccountKey, k AccountKey) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// takeBack takes back what refunds have not yet taken of the points the crediting entry
// orig put in a's lots, under the programme's return policy.
func (op *ledgerOp) takeBack(a *Account, orig *Entry, p *Program, pt PointType, reason string) (Entry, error) {
	dues := make([]lotDue, 0, len(orig.Lots))
	for _, m := range orig.Lots {
		if l := a.lot(m.Lot); l != nil && l.Returned < l.Earned {
			dues = append(dues, lotDue{l.ID, l.Earned - l.Returned})
			l.Returned = l.Earned
		}
	}
	if len(dues) == 0 {
		return Entry{}, fmt.Errorf("entry %s: %w", orig.ID, ErrAlreadyReversed)
	}
	e := op.clawbackLots(a, KindReverse, dues, p.ReturnPolicy(), pt.Floor, p.Spend(), orig.Source, reason)
	e.Reverses = orig.ID
	return e, nil
}

// reverseTransfer undoes both sides of a transfer in one step: the sender's points go back
// to the lots they came from, and the receiver's lot is taken back under the return policy.
func (s *Service) reverseTransfer(ctx context.Context, p *Program, orig *Entry, reason string) ([]Entry, error) {
	sides, err := s.store.EntriesBySource(ctx, p.spec.ID, "transfer", orig.Source.Ref)
	if err != nil {
		return nil, err
	}
	var out, in *Entry
	for i := range sides {
		switch e := &sides[i]; e.Kind {
		case KindTransferOut:
			out = e
		case KindTransferIn:
			in = e
		}
	}
	if out == nil || in == nil || orig.Source.Ref == "" {
		return nil, kehu.Invalid("entry", "reversible", "the transfer's other side cannot be found")
	}
	pt, _ := p.PointType(in.Account.PointType)
	keys := []AccountKey{out.Account, in.Account}
	need := Need{Spend: max(in.Points, 0), Policy: p.Spend(), Lots: movedLots(movedLots(nil, out), in)}
	return s.runNeed(ctx, p, reverseKey(out.ID), fingerprint.Of("reverse", out.ID), keys, need, func(op *ledgerOp, a []*Account) ([]Entry, error) {
		back, err := op.takeBack(a[1], in, p, pt, reason)
		if err != nil {
			return nil, err
		}
		es := []Entry{op.restore(a[0], out, reason), back}
		if x := op.expire(a[0]); x != nil {
			es = append(es, *x)
		}
		return es, nil
	})
}

// restore gives a draw's points back to the lots it came from, less what settles the
// account's forgiven refunds (Account.Forgiven): had the points been there, the refunds
// would have taken them. A lot first gets back what its own refunds may still take (what
// it earned, less what refunds took, less what it holds), so that settling one refund
// never leaves a later one short; only the rest settles what was forgiven.
func (op *ledgerOp) restore(a *Account, orig *Entry, reason string) Entry {
	e := op.entry(a, KindReverse, orig.Source, reason)
	e.Reverses = orig.ID
	for _, m := range orig.Lots {
		l := a.lot(m.Lot)
		if l == nil || m.Points >= 0 {
			continue
		}
		back := -m.Points
		keep := min(back, max(0, l.Earned-l.Returned-l.Remaining))
		settled := min(back-keep, a.Forgiven)
		a.Forgiven -= settled
		if back -= settled; back == 0 {
			continue
		}
		l.Remaining += back
		if !l.ExpiredAt.IsZero() {
			l.ExpiredAt = time.Time{} // expire again, now, if it is past its date
		}
		e.Lots = append(e.Lots, LotMove{Lot: l.ID, Points: back})
		e.Points += back
	}
	return e
}

// needProgram refuses a nil or zero programme.
func needProgram(p *Program) error {
	if !p.usable() {
		return kehu.Invalid("program", "required", "a compiled programme is required (Compile or LoadProgram)")
	}
	return nil
}

// ignoreNotFound treats a missing record as empty.
func ignoreNotFound(err error) error {
	if errors.Is(err, kehu.ErrNotFound) {
		return nil
	}
	return err
}
