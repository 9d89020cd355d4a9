// Package codec is the binary encoding the memory stores pack their records with: the
// primitives a record is built from, and a Reader that reads them back.
//
// A record is the values appended one after another, with no tags and no framing: the
// reader must know the layout, which lives with the store that writes it. The primitives
// are
//
//   - unsigned and signed varints (encoding/binary's Uvarint and Varint);
//   - a string or a byte slice: its length as a uvarint, then its bytes, as they are (no
//     UTF-8 check);
//   - a UUID: its 16 bytes;
//   - a slice's count: 0 for a nil slice, the length + 1 otherwise, so that nil and
//     empty slices come back apart.
//
// The Append functions return the extended slice and take no pointer, so that a record
// built in a local array stays on the stack.
//
// A Reader never panics, whatever it is given. A read that needs bytes the input does not
// have fails with ErrTruncated; a varint of more than 64 bits fails with ErrMalformed. The
// first failure is kept (see Reader.Err), the reader moves to the end of its input, and
// every later read returns the zero value, so a layout can be decoded straight through and
// checked once at the end.
package codec
