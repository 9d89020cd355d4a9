package crm

import (
	"errors"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu/internal/codec"
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
	"acquisition.channel", "stage", "merged_into", "erased_at", "preferences.time_zone",
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
	n := 64 + len(ch.Actor) + len(ch.Action) + len(ch.Reason) + len(ch.Key) + len(ch.Digest)
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
	b = codec.AppendUUID(b, ch.ID.UUID())
	if flags&packOtherCustomer != 0 {
		b = codec.AppendUUID(b, ch.CustomerID.UUID())
	}
	if flags&packHasFrom != 0 {
		b = codec.AppendUUID(b, ch.From.UUID())
	}
	b = codec.AppendVarint(b, ch.Version)
	if !ch.At.IsZero() {
		b = codec.AppendVarint(b, ch.At.UnixNano())
	}
	for _, s := range []string{ch.Actor, ch.Action, ch.Reason, ch.Key, ch.Digest} {
		b = codec.AppendString(b, s)
	}
	b = codec.AppendUvarint(b, uint64(len(ch.Fields)))
	for _, f := range ch.Fields {
		code := fieldCode(f.Field)
		b = append(b, code)
		if code == 0 {
			b = codec.AppendString(b, f.Field)
		}
		b = codec.AppendString(b, f.Old)
		b = codec.AppendString(b, f.New)
	}
	return string(b)
}

var errCorrupt = errors.New("memory store: corrupt history entry")

func unpackChange(owner CustomerID, s string) (Change, error) {
	u := codec.NewReader(s)
	flags := u.Byte()
	ch := Change{CustomerID: owner}
	ch.ID = ChangeIDFrom(u.UUID())
	if flags&packOtherCustomer != 0 {
		ch.CustomerID = CustomerIDFrom(u.UUID())
	}
	if flags&packHasFrom != 0 {
		ch.From = CustomerIDFrom(u.UUID())
	}
	ch.Version = u.Varint()
	if flags&packZeroAt == 0 {
		ch.At = time.Unix(0, u.Varint()).UTC()
	}
	ch.Actor, ch.Action, ch.Reason, ch.Key, ch.Digest = u.String(), u.String(), u.String(), u.String(), u.String()
	if n := u.Length(); n > 0 { // each field takes at least three bytes
		ch.Fields = make([]FieldChange, n)
	}
	for i := range ch.Fields {
		f := &ch.Fields[i]
		switch code := u.Byte(); {
		case u.Err() != nil:
		case code == 0:
			f.Field = u.String()
		case int(code) <= len(fieldCodes):
			f.Field = fieldCodes[code-1]
		default:
			u.Fail(fmt.Errorf("unknown field code %d", code))
		}
		f.Old, f.New = u.String(), u.String()
	}
	if err := u.Err(); err != nil {
		return Change{}, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return ch, nil
}
