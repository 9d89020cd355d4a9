package loyaltytest

import (
	"context"
	"errors"
	"fmt"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

// CheckInvariants reads one account and every one of its entries from s and checks the
// ledger's invariants, the ones loyalty.Service keeps after every command:
//
//   - the debt is never negative;
//   - no lot's Remaining is below zero or above its Points;
//   - a lot expired by an entry (ExpiredAt set) has nothing left and was not expired before
//     its ExpiresAt;
//   - every entry belongs to the account, and its Points equal Σ its Lots' Points − its Debt;
//   - the book balance, Σ lot remainders − Debt, equals Σ of the entries' Points;
//   - Σ of the entries' Debt equals the account's Debt;
//   - each lot's Remaining equals Σ of the entries' moves on that lot, every move names a
//     lot of the account, and each lot's Entry is an entry of the account that created it.
//
// It returns nil, or an error listing every broken invariant (an errors.Join of one error
// per problem). An account that does not exist holds nothing and passes. Read errors are
// returned as they are. CheckInvariants reads the account and its entries in separate
// calls, so run it when no command is writing to the account.
func CheckInvariants(ctx context.Context, s loyalty.Store, key loyalty.AccountKey) error {
	a, err := s.Account(ctx, key)
	if errors.Is(err, kehu.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read account %s: %w", key, err)
	}
	var es []loyalty.Entry
	q := loyalty.EntryQuery{PageRequest: kehu.PageRequest{Limit: 1000}}
	for {
		p, err := s.Entries(ctx, key, q)
		if err != nil {
			return fmt.Errorf("read entries of %s: %w", key, err)
		}
		es = append(es, p.Items...)
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	return checkLedger(a, es)
}

// checkLedger checks an account against its entries; see CheckInvariants.
func checkLedger(a *loyalty.Account, es []loyalty.Entry) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("account %s: "+format, append([]any{a.Key}, args...)...))
	}
	if a.Debt < 0 {
		bad("debt %d is negative", a.Debt)
	}
	lots := make(map[loyalty.LotID]*loyalty.Lot, len(a.Lots))
	var remainders int64
	for i := range a.Lots {
		l := &a.Lots[i]
		remainders += l.Remaining
		if _, dup := lots[l.ID]; dup {
			bad("lot %s appears twice", l.ID)
		}
		lots[l.ID] = l
		if l.Remaining < 0 {
			bad("lot %s has Remaining %d, below zero", l.ID, l.Remaining)
		}
		if l.Remaining > l.Points {
			bad("lot %s has Remaining %d, more than its Points %d", l.ID, l.Remaining, l.Points)
		}
		if !l.ExpiredAt.IsZero() {
			if l.Remaining != 0 {
				bad("lot %s was expired at %s but has %d points left", l.ID, l.ExpiredAt.UTC().Format("2006-01-02T15:04:05Z"), l.Remaining)
			}
			if l.ExpiresAt.IsZero() || l.ExpiredAt.Before(l.ExpiresAt) {
				bad("lot %s was expired at %s, before its ExpiresAt %s", l.ID, l.ExpiredAt.UTC().Format("2006-01-02T15:04:05Z"),
					l.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"))
			}
		}
	}
	book := remainders - a.Debt

	var sum, debt int64
	moved := map[loyalty.LotID]int64{}
	created := map[loyalty.LotID]loyalty.EntryID{}
	ids := map[loyalty.EntryID]bool{}
	for _, e := range es {
		if ids[e.ID] {
			bad("entry %s is listed twice", e.ID)
		}
		ids[e.ID] = true
		if e.Account != a.Key {
			bad("entry %s belongs to account %s", e.ID, e.Account)
		}
		var lotSum int64
		for _, m := range e.Lots {
			lotSum += m.Points
			moved[m.Lot] += m.Points
			if _, ok := lots[m.Lot]; !ok {
				bad("entry %s (%s) moves lot %s, which the account does not hold", e.ID, e.Kind, m.Lot)
			}
			if _, seen := created[m.Lot]; !seen {
				created[m.Lot] = e.ID
			}
		}
		if e.Points != lotSum-e.Debt {
			bad("entry %s (%s) has Points %d, but Σ Lots %d − Debt %d = %d", e.ID, e.Kind, e.Points, lotSum, e.Debt, lotSum-e.Debt)
		}
		sum += e.Points
		debt += e.Debt
	}
	if book != sum {
		bad("book balance Σ lot remainders − debt = %d − %d = %d, but Σ entries' Points = %d", remainders, a.Debt, book, sum)
	}
	if debt != a.Debt {
		bad("debt %d, but Σ entries' Debt = %d", a.Debt, debt)
	}
	for i := range a.Lots {
		l := &a.Lots[i]
		if moved[l.ID] != l.Remaining {
			bad("lot %s has Remaining %d, but Σ entries' moves on it = %d", l.ID, l.Remaining, moved[l.ID])
		}
		if !ids[l.Entry] {
			bad("lot %s was created by entry %s, which is not an entry of the account", l.ID, l.Entry)
		} else if created[l.ID] != l.Entry {
			bad("lot %s was created by entry %s, but the first entry to move it is %s", l.ID, l.Entry, created[l.ID])
		}
	}
	return errors.Join(errs...)
}
