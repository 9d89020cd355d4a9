package loyalty

import (
	"bytes"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/codec"
)

// entryLog is where a MemoryStore keeps its entries and command records: encoded back to
// back in large byte chunks. The chunks and every index over them hold no pointers, so the
// garbage collector never scans them, however many entries the store holds; an entry costs
// the heap its bytes and a few words of index. Entries are found by number (their place in
// the log) and decoded into new values when read, so no reader shares anything with the
// log.
//
// Strings of few distinct values — programme IDs, point types, kinds, source types, rule
// IDs — are interned and written as numbers; the rest (keys, references, lines, reasons,
// actors) are written out. Times keep their instant and their zone.
type entryLog struct {
	chunks [][]byte
	// offs[n] is where entry n starts: chunk index << 32 | offset.
	offs []uint64
	// names are the interned strings, numbered by ids; recent caches the names last
	// interned by their hash8, which spares most lookups in ids (an entry names a dozen
	// or more: its kind, its point type, each rule of its awards…).
	names  []string
	ids    map[string]uint32
	recent [256]struct {
		name string
		id   uint32
	}
	// zones are the time zones of stored times, UTC first.
	zones []*time.Location
	// buf is the scratch an entry is encoded into before it is copied into a chunk.
	buf []byte
}

// The first chunk holds minChunk bytes and each next one twice the last, up to logChunk, so
// that a small store stays small; a record larger than a chunk gets a chunk of its own.
const (
	minChunk = 4 << 10
	logChunk = 256 << 10
)

func newEntryLog() entryLog {
	// "" is name 0, so that recent's empty slots are right.
	return entryLog{names: []string{""}, ids: map[string]uint32{"": 0}, zones: []*time.Location{time.UTC}}
}

// put appends a record and returns its position.
func (l *entryLog) put(rec []byte) uint64 {
	n := len(l.chunks)
	if n == 0 || cap(l.chunks[n-1])-len(l.chunks[n-1]) < len(rec) {
		size := minChunk
		if n > 0 {
			size = min(2*cap(l.chunks[n-1]), logChunk)
		}
		l.chunks = append(l.chunks, make([]byte, 0, max(size, len(rec))))
		n++
	}
	c := &l.chunks[n-1]
	pos := uint64(n-1)<<32 | uint64(len(*c))
	*c = append(*c, rec...)
	return pos
}

// at returns the bytes from pos to the end of its chunk, where the record at pos starts.
func (l *entryLog) at(pos uint64) []byte { return l.chunks[pos>>32][uint32(pos):] }

// add encodes e into the log and returns its number.
func (l *entryLog) add(e *Entry) uint32 {
	l.offs = append(l.offs, l.put(l.encode(e)))
	return uint32(len(l.offs) - 1)
}

// holds reports whether entry n is e: whether e encodes to the bytes entry n starts with.
// An encoding is read to its end without a length, so equal bytes decode to equal entries.
func (l *entryLog) holds(n uint32, e *Entry) bool {
	b := l.encode(e)
	stored := l.at(l.offs[n])
	return len(stored) >= len(b) && bytes.Equal(stored[:len(b)], b)
}

// encode encodes e into l.buf and returns it.
func (l *entryLog) encode(e *Entry) []byte {
	b := l.buf[:0]
	b = codec.AppendUUID(b, e.ID.UUID())
	b = l.appendName(b, e.Account.Program)
	b = codec.AppendUUID(b, e.Account.Customer.UUID())
	b = l.appendName(b, e.Account.PointType)
	b = l.appendName(b, string(e.Kind))
	b = l.appendTime(b, e.At)
	b = codec.AppendVarint(b, e.Points)
	b = codec.AppendVarint(b, e.Debt)
	b = codec.AppendUUID(b, e.Reverses.UUID())
	b = codec.AppendVarint(b, e.Quantity)
	b = codec.AppendVarint(b, int64(e.ProgramVersion))
	b = codec.AppendString(b, e.Key)
	b = l.appendName(b, e.Source.Type)
	b = codec.AppendString(b, e.Source.Ref)
	b = codec.AppendString(b, e.Source.Line)
	b = l.appendName(b, e.Source.Rule)
	b = codec.AppendString(b, e.Reason)
	b = codec.AppendString(b, e.Actor)
	b = codec.AppendCount(b, e.Lots)
	for _, m := range e.Lots {
		b = codec.AppendUUID(b, m.Lot.UUID())
		b = codec.AppendVarint(b, m.Points)
		b = codec.AppendString(b, m.Line)
	}
	b = codec.AppendCount(b, e.Awards)
	for _, a := range e.Awards {
		b = l.appendName(b, a.Rule)
		b = codec.AppendVarint(b, a.Points)
	}
	l.buf = b
	return b
}

// entry decodes entry n.
func (l *entryLog) entry(n uint32) Entry {
	r := logReader{codec.NewReader(l.at(l.offs[n])), l}
	var e Entry
	e.ID = EntryIDFrom(r.UUID())
	e.Account.Program = r.name()
	e.Account.Customer = crm.CustomerIDFrom(r.UUID())
	e.Account.PointType = r.name()
	e.Kind = EntryKind(r.name())
	e.At = r.time()
	e.Points = r.Varint()
	e.Debt = r.Varint()
	e.Reverses = EntryIDFrom(r.UUID())
	e.Quantity = r.Varint()
	e.ProgramVersion = int(r.Varint())
	e.Key = r.String()
	e.Source.Type = r.name()
	e.Source.Ref = r.String()
	e.Source.Line = r.String()
	e.Source.Rule = r.name()
	e.Reason = r.String()
	e.Actor = r.String()
	if n, ok := r.Count(); ok {
		e.Lots = make([]LotMove, n)
		for i := range e.Lots {
			m := &e.Lots[i]
			m.Lot = LotIDFrom(r.UUID())
			m.Points = r.Varint()
			m.Line = r.String()
		}
	}
	if n, ok := r.Count(); ok {
		e.Awards = make([]RuleAward, n)
		for i := range e.Awards {
			e.Awards[i].Rule = r.name()
			e.Awards[i].Points = r.Varint()
		}
	}
	return e
}

// entryAt decodes entry n's At alone.
func (l *entryLog) entryAt(n uint32) time.Time {
	r := logReader{codec.NewReader(l.at(l.offs[n])), l}
	r.Skip(codec.UUIDLen) // ID
	r.Uvarint()           // programme
	r.Skip(codec.UUIDLen) // customer
	r.Uvarint()           // point type
	r.Uvarint()           // kind
	return r.time()
}

// loggedCommand is a decoded command record: everything but the entries, which are numbers.
type loggedCommand struct {
	prev    uint64 // the position + 1 of the previous record whose key hashed alike; 0: none
	key     string
	digest  string
	at      time.Time
	entries []uint32
}

// addCommand encodes a command record and returns its position.
func (l *entryLog) addCommand(c loggedCommand) uint64 {
	b := l.buf[:0]
	b = codec.AppendUvarint(b, c.prev)
	b = codec.AppendString(b, c.key)
	b = codec.AppendString(b, c.digest)
	b = l.appendTime(b, c.at)
	b = codec.AppendUvarint(b, uint64(len(c.entries)))
	for _, n := range c.entries {
		b = codec.AppendUvarint(b, uint64(n))
	}
	l.buf = b
	return l.put(b)
}

// commandKey decodes the record at pos up to its key: the previous record's position + 1
// and the key, without copying the key.
func (l *entryLog) commandKey(pos uint64) (prev uint64, key []byte) {
	r := logReader{codec.NewReader(l.at(pos)), l}
	prev = r.Uvarint()
	return prev, r.Bytes()
}

// command decodes the record at pos.
func (l *entryLog) command(pos uint64) loggedCommand {
	r := logReader{codec.NewReader(l.at(pos)), l}
	c := loggedCommand{prev: r.Uvarint(), key: r.String(), digest: r.String(), at: r.time()}
	c.entries = make([]uint32, r.Length())
	for i := range c.entries {
		c.entries[i] = uint32(r.Uvarint())
	}
	return c
}

func (l *entryLog) appendName(b []byte, s string) []byte {
	c := &l.recent[hash8(s)]
	if c.name != s {
		id, ok := l.ids[s]
		if !ok {
			id = uint32(len(l.names))
			l.names = append(l.names, s)
			l.ids[s] = id
		}
		c.name, c.id = s, id
	}
	return codec.AppendUvarint(b, uint64(c.id))
}

// appendTime writes t's instant (seconds and nanoseconds since 1970) and the number of its
// zone.
func (l *entryLog) appendTime(b []byte, t time.Time) []byte {
	b = codec.AppendVarint(b, t.Unix())
	b = codec.AppendUvarint(b, uint64(t.Nanosecond()))
	return codec.AppendUvarint(b, uint64(l.zone(t.Location())))
}

// zone returns the number of loc in l.zones, adding it if it is new.
func (l *entryLog) zone(loc *time.Location) uint32 {
	for z, known := range l.zones {
		if known == loc {
			return uint32(z)
		}
	}
	l.zones = append(l.zones, loc)
	return uint32(len(l.zones) - 1)
}

// memTime is a time without pointers: its instant and the number of its zone in
// entryLog.zones.
type memTime struct {
	sec  int64
	nsec int32
	zone uint32
}

func (l *entryLog) memTime(t time.Time) memTime {
	return memTime{sec: t.Unix(), nsec: int32(t.Nanosecond()), zone: l.zone(t.Location())}
}

func (l *entryLog) time(t memTime) time.Time {
	return time.Unix(t.sec, int64(t.nsec)).In(l.zones[t.zone])
}

// memLot is a Lot without pointers, as the memory store keeps the lots of small accounts.
type memLot struct {
	id, entry                                        uuid.UUID
	points, remaining, earned, returned, returnedQty int64
	units, lapsed                                    int64
	earnedAt, availableAt, expiresAt, expiredAt      memTime
}

// appendLots appends lots to dst, without pointers.
func (l *entryLog) appendLots(dst []memLot, lots []Lot) []memLot {
	for i := range lots {
		x := &lots[i]
		dst = append(dst, memLot{id: x.ID.UUID(), entry: x.Entry.UUID(), points: x.Points, remaining: x.Remaining,
			earned: x.Earned, returned: x.Returned, returnedQty: x.ReturnedQty,
			units: x.Units, lapsed: x.Lapsed,
			earnedAt: l.memTime(x.EarnedAt), availableAt: l.memTime(x.AvailableAt),
			expiresAt: l.memTime(x.ExpiresAt), expiredAt: l.memTime(x.ExpiredAt)})
	}
	return dst
}

// lots appends what appendLots wrote to dst, as Lots.
func (l *entryLog) lots(dst []Lot, lots []memLot) []Lot {
	for i := range lots {
		x := &lots[i]
		dst = append(dst, Lot{ID: LotIDFrom(x.id), Entry: EntryIDFrom(x.entry), Points: x.points, Remaining: x.remaining,
			Earned: x.earned, Returned: x.returned, ReturnedQty: x.returnedQty,
			Units: x.units, Lapsed: x.lapsed,
			EarnedAt: l.time(x.earnedAt), AvailableAt: l.time(x.availableAt),
			ExpiresAt: l.time(x.expiresAt), ExpiredAt: l.time(x.expiredAt)})
	}
	return dst
}

// hash8 is a string's FNV-1a hash folded to 0–255, recent's index.
func hash8(s string) uint8 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return uint8(h ^ h>>8 ^ h>>16 ^ h>>24)
}

// logReader decodes what entryLog wrote. The log is the store's own and always well
// formed, so the store does not check the reader's error.
type logReader struct {
	codec.Reader[[]byte]
	log *entryLog
}

func (r *logReader) name() string { return r.log.names[r.Uvarint()] }

func (r *logReader) time() time.Time {
	sec := r.Varint()
	nsec := int32(r.Uvarint())
	return r.log.time(memTime{sec: sec, nsec: nsec, zone: uint32(r.Uvarint())})
}
