package loyalty

import (
	"context"
	"hash/maphash"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// TestEntryLogRoundTrip checks that every field of an entry survives the log: nil and
// empty slices kept apart, times with their zone, strings interned or written out, and
// records larger than a chunk.
func TestEntryLogRoundTrip(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	id := func(b byte) uuid.UUID { return uuid.UUID{b, 1, 2, 3} }
	full := Entry{
		ID:      EntryIDFrom(id(1)),
		Account: AccountKey{Program: "retail", Customer: crm.CustomerIDFrom(id(2)), PointType: "points"},
		Kind:    KindReverse, At: time.Date(2026, 11, 14, 3, 0, 0, 123456789, shanghai),
		Points: -1234567890123, Debt: 42, Reverses: EntryIDFrom(id(3)), Quantity: 2, ProgramVersion: 7,
		Key: "refund:SO-1:2", Source: Source{Type: "order", Ref: "SO-1", Line: "2", Rule: "base"},
		Reason: "returned: 破损", Actor: "agent:17",
		Lots:   []LotMove{{Lot: LotIDFrom(id(4)), Points: -5, Line: "2"}, {Lot: LotIDFrom(id(5)), Points: 3}},
		Awards: []RuleAward{{Rule: "base", Points: 5}, {Rule: "birthday-double", Points: -3}},
	}
	empty := Entry{ID: EntryIDFrom(id(6)), Account: full.Account, Kind: KindAdjust,
		At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Lots: []LotMove{}, Awards: []RuleAward{}}
	bare := Entry{ID: EntryIDFrom(id(7)), Kind: KindEarn, At: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}
	huge := full
	huge.ID, huge.Reason = EntryIDFrom(id(8)), strings.Repeat("x", 3*logChunk/2)
	local := full
	local.ID, local.At = EntryIDFrom(id(9)), time.Date(2026, 3, 29, 2, 30, 0, 0, time.Local)

	l := newEntryLog()
	written := []Entry{full, empty, bare, huge, local, full}
	for i := range written {
		assert.Equal(t, uint32(i), l.add(&written[i]))
	}
	for i, want := range written {
		got := l.entry(uint32(i))
		assert.Equal(t, want, got, "entry %d", i)
		assert.Equal(t, want.At, l.entryAt(uint32(i)))
		assert.Equal(t, want.At.Location(), got.At.Location())
	}
	assert.Nil(t, l.entry(2).Lots)
	assert.NotNil(t, l.entry(1).Lots)
	assert.Len(t, l.chunks, 3, "the huge record has a chunk of its own and the next entries start a new one")

	// A decoded entry is the reader's own: changing it changes nothing stored.
	e := l.entry(0)
	e.Lots[0].Points, e.Awards[0].Rule = 99, "scribbled"
	assert.Equal(t, full, l.entry(0))
}

// TestMemoryStoreHashCollisions checks the chains behind commands and sources: a record
// whose key hashes like another's, put in front of it, hides nothing.
func TestMemoryStoreHashCollisions(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	key := AccountKey{Program: "p", Customer: crm.CustomerIDFrom(uuid.UUID{1}), PointType: "points"}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(id byte, cmdKey, ref string) {
		t.Helper()
		e := Entry{ID: EntryIDFrom(uuid.UUID{id}), Account: key, Kind: KindEarn, At: at, Points: int64(id),
			Source: Source{Type: "order", Ref: ref}}
		require.NoError(t, s.Update(ctx, []AccountKey{key}, Need{All: true}, func([]*Account) (*Commit, error) {
			return &Commit{Entries: []Entry{e}, Command: &Command{Program: "p", Key: cmdKey, Digest: "d" + cmdKey, At: at, Entries: []Entry{e}}}, nil
		}))
	}
	write(1, "order:SO-1", "SO-1")
	write(2, "order:SO-2", "SO-2")
	p := s.programs["p"]

	// Put SO-2's records in front of SO-1's, under SO-1's hashes, as a collision would.
	h1 := maphash.String(s.seed, "order:SO-1")
	pos2, ok := s.findCommand(p, "order:SO-2")
	require.True(t, ok)
	c2 := s.log.command(pos2)
	c2.prev = p.commands[h1]
	p.commands[h1] = s.log.addCommand(c2) + 1
	src1 := s.sourceHash("order", "SO-1")
	n2 := s.byID[EntryIDFrom(uuid.UUID{2})]
	s.sourcePrev[n2] = p.sources[src1]
	p.sources[src1] = n2 + 1

	cmd, err := s.Command(ctx, "p", "order:SO-1")
	require.NoError(t, err)
	assert.Equal(t, "dorder:SO-1", cmd.Digest)
	require.Len(t, cmd.Entries, 1)
	assert.Equal(t, int64(1), cmd.Entries[0].Points)
	got, err := s.EntriesBySource(ctx, "p", "order", "SO-1")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "SO-1", got[0].Source.Ref)
	_, err = s.Command(ctx, "p", "order:SO-3")
	assert.ErrorIs(t, err, kehu.ErrNotFound)
}

// TestMemLotRoundTrip checks that a lot kept without pointers comes back field for field,
// zero times and zones included.
func TestMemLotRoundTrip(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	lots := []Lot{
		{ID: LotIDFrom(uuid.UUID{1}), Entry: EntryIDFrom(uuid.UUID{2}), Points: 128, Remaining: 28, Earned: 130, Returned: 2, ReturnedQty: 1,
			EarnedAt: time.Date(2026, 11, 14, 3, 0, 0, 1, time.UTC), AvailableAt: time.Date(2026, 11, 21, 11, 0, 0, 1, shanghai),
			ExpiresAt: time.Date(2027, 12, 31, 23, 59, 59, 999999999, shanghai), ExpiredAt: time.Date(2028, 1, 1, 0, 0, 0, 0, time.Local)},
		{ID: LotIDFrom(uuid.UUID{3}), Points: -5}, // never expires, never expired
	}
	l := newEntryLog()
	small := l.appendLots(nil, lots)
	got := l.lots(nil, small)
	assert.Equal(t, lots, got)
	for i := range lots {
		assert.Equal(t, lots[i].AvailableAt.Location(), got[i].AvailableAt.Location())
	}
	assert.True(t, got[1].ExpiresAt.IsZero())
}

// TestEntryLogNames checks interning through the cache of recent names: more names than
// the cache has slots, so that many share one, written in turns with the empty name.
func TestEntryLogNames(t *testing.T) {
	l := newEntryLog()
	var written []Entry
	for i := range 600 {
		e := Entry{ID: EntryIDFrom(uuid.UUID{byte(i), byte(i >> 8)}), Kind: KindEarn, At: time.Unix(int64(i), 0).UTC(),
			Source: Source{Type: []string{"", "order"}[i%2], Rule: "rule-" + strconv.Itoa(i%300)},
			Awards: []RuleAward{{Rule: "r" + strconv.Itoa(i), Points: 1}, {Rule: "", Points: 2}, {Rule: "r" + strconv.Itoa(i/2), Points: 3}}}
		written = append(written, e)
		l.add(&written[i])
	}
	for i, want := range written {
		assert.Equal(t, want, l.entry(uint32(i)))
	}
	assert.Len(t, l.names, 1+2+300+600, `"", the kind, "order", the source rules and the award rules, once each`)
}
