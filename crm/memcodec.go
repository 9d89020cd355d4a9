package crm

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/google/uuid"
)

// The memory store keeps each history entry packed into one string: a million customers'
// creation entries cost about a third of their unpacked form, and history is read far less
// often than it is written. Times come back in UTC.

// fieldCodes lists the audited field names that flatten produces, so that a packed entry
// stores one byte instead of the name. Append only: the index is the code.
var fieldCodes = [...]string{
	"kind", "name.display", "name.family", "name.given", "name.phonetic", "name.family_first",
	"company", "job_title", "emails", "phones", "addresses", "demographics.birth_date",
	"demographics.gender", "demographics.occupation", "demographics.income_band",
	"demographics.education", "disc", "preferences.language", "preferences.channel",
	"preferences.notes", "interests", "tags", "owner", "acquisition.source",
	"acquisition.channel", "stage", "merged_into", "erased_at",
}

func fieldCode(name string) byte {
	for i, f := range fieldCodes {
		if f == name {
			return byte(i + 1)
		}
	}
	return 0
}

const (
	packHasFrom = 1 << iota
	packOtherCustomer
	packZeroAt
)

func packChange(owner CustomerID, ch *Change) string {
	n := 64 + len(ch.Actor) + len(ch.Action) + len(ch.Reason) + len(ch.Key)
	for _, f := range ch.Fields {
		n += 6 + len(f.Old) + len(f.New)
	}
	b := make([]byte, 0, n)
	var flags byte
	if !ch.From.IsZero() {
		flags |= packHasFrom
	}
	if ch.CustomerID != owner {
		flags |= packOtherCustomer
	}
	if ch.At.IsZero() {
		flags |= packZeroAt
	}
	b = append(b, flags)
	b = appendUUID(b, ch.ID.UUID())
	if flags&packOtherCustomer != 0 {
		b = appendUUID(b, ch.CustomerID.UUID())
	}
	if flags&packHasFrom != 0 {
		b = appendUUID(b, ch.From.UUID())
	}
	b = binary.AppendVarint(b, ch.Version)
	if !ch.At.IsZero() {
		b = binary.AppendVarint(b, ch.At.UnixNano())
	}
	for _, s := range []string{ch.Actor, ch.Action, ch.Reason, ch.Key} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(ch.Fields)))
	for _, f := range ch.Fields {
		code := fieldCode(f.Field)
		b = append(b, code)
		if code == 0 {
			b = appendString(b, f.Field)
		}
		b = appendString(b, f.Old)
		b = appendString(b, f.New)
	}
	return string(b)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("memory store: corrupt history entry")

type unpacker struct {
	s   string
	err error
}

func (u *unpacker) bytes(n int) string {
	if u.err != nil || len(u.s) < n {
		u.err = errCorrupt
		return ""
	}
	v := u.s[:n]
	u.s = u.s[n:]
	return v
}

func (u *unpacker) uuid() uuid.UUID {
	var id uuid.UUID
	copy(id[:], u.bytes(16))
	return id
}

func (u *unpacker) varint() int64 {
	return unpackNumber(u, binary.Varint)
}

func (u *unpacker) uvarint() uint64 {
	return unpackNumber(u, binary.Uvarint)
}

// unpackNumber reads one varint with read (binary.Varint or binary.Uvarint).
func unpackNumber[T int64 | uint64](u *unpacker, read func([]byte) (T, int)) T {
	if u.err != nil {
		return 0
	}
	v, n := read([]byte(u.s[:min(len(u.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		u.err = errCorrupt
		return 0
	}
	u.s = u.s[n:]
	return v
}

func (u *unpacker) string() string {
	n := u.uvarint()
	if n > uint64(len(u.s)) {
		u.err = errCorrupt
		return ""
	}
	return u.bytes(int(n))
}

func unpackChange(owner CustomerID, s string) (Change, error) {
	u := &unpacker{s: s}
	flags := u.bytes(1)
	if u.err != nil {
		return Change{}, u.err
	}
	ch := Change{CustomerID: owner}
	ch.ID = ChangeIDFrom(u.uuid())
	if flags[0]&packOtherCustomer != 0 {
		ch.CustomerID = CustomerIDFrom(u.uuid())
	}
	if flags[0]&packHasFrom != 0 {
		ch.From = CustomerIDFrom(u.uuid())
	}
	ch.Version = u.varint()
	if flags[0]&packZeroAt == 0 {
		ch.At = time.Unix(0, u.varint()).UTC()
	}
	ch.Actor, ch.Action, ch.Reason, ch.Key = u.string(), u.string(), u.string(), u.string()
	n := u.uvarint()
	if n > uint64(len(u.s)) {
		return Change{}, errCorrupt
	}
	if n > 0 {
		ch.Fields = make([]FieldChange, n)
	}
	for i := range ch.Fields {
		f := &ch.Fields[i]
		code := u.bytes(1)
		switch {
		case u.err != nil:
		case code[0] == 0:
			f.Field = u.string()
		case int(code[0]) <= len(fieldCodes):
			f.Field = fieldCodes[code[0]-1]
		default:
			u.err = errCorrupt
		}
		f.Old, f.New = u.string(), u.string()
	}
	if u.err != nil {
		return Change{}, u.err
	}
	return ch, nil
}

func appendUUID(b []byte, u uuid.UUID) []byte { return append(b, u[:]...) }
