package loyaltytest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/loyalty"
)

// needTests check the working set an Update hands its function (loyalty.Need): at least
// the lots asked for, Outside equal to what the rest hold, and the lots left out kept as
// they are.
func needTests() []test {
	return []test{
		{Name: "NearestExpiryFirst", Run: testNeedNearestExpiry},
		{Name: "OldestFirst", Run: testNeedOldestFirst},
		{Name: "SpendMoreThanHeld", Run: testNeedSpendAll},
		{Name: "NothingToSpend", Run: testNeedNothingToSpend},
		{Name: "Internal", Run: testNeedInternal},
		{Name: "LotsLeftOutStay", Run: testNeedLotsLeftOutStay},
	}
}

// needWorld is an account of eight lots around the instant at: four spendable (L1–L4,
// earned oldest first, expiring in 10 days, 5 days, never and 20 days), one pending (L5),
// one past its expiry without its expiry entry (L6), one spent (L7) and one expired (L8).
type needWorld struct {
	key  loyalty.AccountKey
	at   time.Time
	lots []loyalty.Lot // as written, L1 first
}

func (h *harness) needWorld(pointType string) *needWorld {
	h.t.Helper()
	w := &needWorld{key: h.key(progA, pointType), at: h.clock.Now().Add(24 * time.Hour)}
	at, day := w.at, 24*time.Hour
	lot := func(points, remaining int64, earned, available, expires time.Time) loyalty.Lot {
		return loyalty.Lot{ID: h.lotID(), Entry: h.entryID(), Points: points, Remaining: remaining, Earned: points,
			EarnedAt: earned, AvailableAt: available, ExpiresAt: expires}
	}
	w.lots = []loyalty.Lot{
		lot(100, 100, at.Add(-40*day), at.Add(-40*day), at.Add(10*day)),          // L1
		lot(50, 50, at.Add(-30*day), at.Add(-30*day), at.Add(5*day)),             // L2
		lot(70, 70, at.Add(-20*day), at.Add(-20*day), time.Time{}),               // L3
		lot(30, 30, at.Add(-10*day), at.Add(-10*day), at.Add(20*day)),            // L4
		lot(40, 40, at.Add(-time.Hour), at.Add(2*day), at.Add(30*day)),           // L5: pending
		lot(25, 25, at.Add(-300*day), at.Add(-300*day), at.Add(-time.Hour)),      // L6: due
		lot(60, 0, at.Add(-50*day), at.Add(-50*day), at.Add(day)),                // L7: spent
		lot(80, 0, at.Add(-400*day), at.Add(-400*day), at.Add(-100*day).In(cst)), // L8: expired
	}
	w.lots[7].ExpiredAt, w.lots[7].Lapsed = at.Add(-100*day), 80
	h.write1(w.key, func(a *loyalty.Account) *loyalty.Commit {
		a.Lots = slices.Clone(w.lots)
		return nil
	})
	return w
}

// handed runs an Update with need and returns the lots fn got, with Outside.
func (h *harness) handed(key loyalty.AccountKey, need loyalty.Need) ([]loyalty.Lot, int64) {
	h.t.Helper()
	var lots []loyalty.Lot
	var outside int64
	require.NoError(h.t, h.s.Update(h.ctx, []loyalty.AccountKey{key}, need, func(accts []*loyalty.Account) (*loyalty.Commit, error) {
		lots, outside = slices.Clone(accts[0].Lots), accts[0].Outside
		return nil, nil
	}), "Update with %+v", need)
	return lots, outside
}

// checkWorkingSet asserts that the handed lots hold every lot named in want (by its
// number, L1 = 1), as stored; that every lot left out with points is spendable at at; and
// that Outside is what the lots left out hold.
func (w *needWorld) checkWorkingSet(h *harness, need loyalty.Need, want ...int) {
	h.t.Helper()
	lots, outside := h.handed(w.key, need)
	stored := h.account(w.key).Lots
	got := map[loyalty.LotID]loyalty.Lot{}
	for _, l := range lots {
		got[l.ID] = l
	}
	for _, n := range want {
		l, ok := got[w.lots[n-1].ID]
		if assert.True(h.t, ok, "Update with %+v must hand fn lot L%d (see loyalty.Need)", need, n) {
			assert.Equal(h.t, canonLot(stored[n-1]), canonLot(l), "Update must hand lot L%d as stored", n)
		}
	}
	var left int64
	for i, l := range stored {
		if _, ok := got[l.ID]; ok {
			continue
		}
		left += l.Remaining
		if l.Remaining > 0 {
			assert.True(h.t, l.Spendable(need.At), "Update with %+v left out lot L%d, which holds points and is not spendable at %s: only spendable lots may be left out",
				need, i+1, need.At)
		}
	}
	assert.Equal(h.t, left, outside, "Update with %+v: Account.Outside must be what the lots left out hold", need)
}

func canonLot(l loyalty.Lot) loyalty.Lot {
	for _, t := range []*time.Time{&l.EarnedAt, &l.AvailableAt, &l.ExpiresAt, &l.ExpiredAt} {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	return l
}

func testNeedNearestExpiry(t *testing.T, h *harness) {
	w := h.needWorld(typePoints)
	// Spendable by nearest expiry: L2 (50), L1 (100) hold 150 ≥ 120. The pending L5, the
	// due L6 and the named spent L7 always.
	w.checkWorkingSet(h, loyalty.Need{At: w.at, Spend: 120, Policy: loyalty.NearestExpiryFirst,
		Lots: []loyalty.LotID{w.lots[6].ID}}, 2, 1, 5, 6, 7)
	// 50 is met by L2 alone.
	w.checkWorkingSet(h, loyalty.Need{At: w.at, Spend: 50, Policy: loyalty.TypePriority}, 2, 5, 6)
}

func testNeedOldestFirst(t *testing.T, h *harness) {
	w := h.needWorld(typePoints)
	// Oldest first: L1 (100), L2 (50) hold 150 ≥ 120.
	w.checkWorkingSet(h, loyalty.Need{At: w.at, Spend: 120, Policy: loyalty.OldestFirst}, 1, 2, 5, 6)
	// 230: L1, L2, L3 (70) hold 220, so L4 too.
	w.checkWorkingSet(h, loyalty.Need{At: w.at, Spend: 230, Policy: loyalty.OldestFirst,
		Lots: []loyalty.LotID{w.lots[7].ID}}, 1, 2, 3, 4, 5, 6, 8)
}

func testNeedSpendAll(t *testing.T, h *harness) {
	w := h.needWorld(typePoints)
	w.checkWorkingSet(h, loyalty.Need{At: w.at, Spend: 1_000_000, Policy: loyalty.NearestExpiryFirst}, 1, 2, 3, 4, 5, 6)
	w.checkWorkingSet(h, loyalty.Need{At: w.at, All: true}, 1, 2, 3, 4, 5, 6, 7, 8)
}

func testNeedNothingToSpend(t *testing.T, h *harness) {
	w := h.needWorld(typePoints)
	w.checkWorkingSet(h, loyalty.Need{At: w.at}, 5, 6)
	// A day and a half later L5 is still pending; three days later it is spendable, and
	// L2 (expiring in five days) is not yet due. Six days later L2 is due.
	w.checkWorkingSet(h, loyalty.Need{At: w.at.Add(36 * time.Hour)}, 5, 6)
	w.checkWorkingSet(h, loyalty.Need{At: w.at.Add(72 * time.Hour)}, 6)
	w.checkWorkingSet(h, loyalty.Need{At: w.at.Add(144 * time.Hour)}, 2, 6)
	// An earlier instant again (a clock set back): L5 is pending then.
	w.checkWorkingSet(h, loyalty.Need{At: w.at}, 5, 6)
	// An instant before L4 was earned (a command dated before an earlier one, or a clock
	// behind another's): L4, never held back, is not available yet then, so it must be
	// handed like a held-back lot; L6 is not due yet.
	w.checkWorkingSet(h, loyalty.Need{At: w.at.Add(-10*24*time.Hour - time.Hour)}, 4, 5)
}

func testNeedInternal(t *testing.T, h *harness) {
	w := h.needWorld("$counter:suite")
	w.checkWorkingSet(h, loyalty.Need{At: w.at}, 1, 2, 3, 4, 5, 6, 7, 8)
}

func testNeedLotsLeftOutStay(t *testing.T, h *harness) {
	w := h.needWorld(typePoints)
	added := loyalty.Lot{ID: h.lotID(), Entry: h.entryID(), Points: 5, Remaining: 5, Earned: 5,
		EarnedAt: w.at, AvailableAt: w.at}
	require.NoError(t, h.s.Update(h.ctx, []loyalty.AccountKey{w.key}, loyalty.Need{At: w.at, Spend: 10, Policy: loyalty.NearestExpiryFirst},
		func(accts []*loyalty.Account) (*loyalty.Commit, error) {
			a := accts[0]
			i := slices.IndexFunc(a.Lots, func(l loyalty.Lot) bool { return l.ID == w.lots[1].ID })
			require.GreaterOrEqual(t, i, 0, "Update must hand fn L2, the first to spend")
			a.Lots[i].Remaining = 40
			a.Lots = append(a.Lots, added)
			return nil, nil
		}), "Update")
	want := slices.Clone(w.lots)
	want[1].Remaining = 40
	want = append(want, added)
	got := h.account(w.key)
	assert.Zero(t, got.Outside, "Account must read every lot: Outside is zero")
	if assert.Equal(t, lotIDs(want), lotIDs(got.Lots), "Account must return every lot in the order added: the lots Update left out stay, the new lot comes last") {
		for i := range want {
			assert.Equal(t, canonLot(want[i]), canonLot(got.Lots[i]), "lot L%d after an Update that changed L2 and added L9", i+1)
		}
	}
	assert.Equal(t, int64(100+40+70+30+40+25+5), got.Book(), "the book balance after the Update")
}
