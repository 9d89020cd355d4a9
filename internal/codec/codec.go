package codec

import (
	"encoding/binary"
	"errors"

	"github.com/google/uuid"
)

var (
	// ErrTruncated reports input that ends inside a value, or a length that runs past the
	// end of the input.
	ErrTruncated = errors.New("codec: input ends inside a value")
	// ErrMalformed reports a varint that does not fit in 64 bits.
	ErrMalformed = errors.New("codec: malformed varint")
)

// UUIDLen is the number of bytes AppendUUID writes.
const UUIDLen = 16

// AppendUvarint appends v as an unsigned varint.
func AppendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// AppendVarint appends v as a signed (zig-zag) varint.
func AppendVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendString appends s's length as a uvarint, then its bytes.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// AppendBytes appends p's length as a uvarint, then its bytes. It writes what
// AppendString(b, string(p)) writes.
func AppendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

// AppendUUID appends u's 16 bytes.
func AppendUUID(b []byte, u uuid.UUID) []byte { return append(b, u[:]...) }

// AppendCount appends s's count: 0 if s is nil, len(s) + 1 otherwise. Reader.Count reads it.
func AppendCount[S ~[]E, E any](b []byte, s S) []byte {
	if s == nil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(len(s))+1)
}

// Reader reads values from an encoded string or byte slice. Its zero value reads nothing;
// NewReader makes one. See the package documentation for what it does with bad input.
type Reader[T ~string | ~[]byte] struct {
	b   T
	err error
}

// NewReader returns a Reader of b.
func NewReader[T ~string | ~[]byte](b T) Reader[T] { return Reader[T]{b: b} }

// Err returns the first failure, or nil.
func (r *Reader[T]) Err() error { return r.err }

// Remaining returns the number of bytes not yet read.
func (r *Reader[T]) Remaining() int { return len(r.b) }

// Fail records err as the reader's failure, unless it has one already, and moves the reader
// to the end of its input. A layout uses it for a value the primitives read but the layout
// refuses.
func (r *Reader[T]) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = r.b[len(r.b):]
}

// Raw reads the next n bytes, as they are in the input (no copy: for a byte slice, the
// result shares its memory and must not be changed).
func (r *Reader[T]) Raw(n int) T {
	if n < 0 || n > len(r.b) {
		r.Fail(ErrTruncated)
		var zero T
		return zero
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// Skip moves past the next n bytes.
func (r *Reader[T]) Skip(n int) {
	if n < 0 || n > len(r.b) {
		r.Fail(ErrTruncated)
		return
	}
	r.b = r.b[n:]
}

// Byte reads one byte.
func (r *Reader[T]) Byte() byte {
	if len(r.b) == 0 {
		r.Fail(ErrTruncated)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Uvarint reads what AppendUvarint wrote.
func (r *Reader[T]) Uvarint() uint64 {
	if v, ok := r.uvarint1(); ok {
		return v
	}
	return r.uvarint()
}

// The methods that read a uvarint try uvarint1 first, then call uvarint: uvarint1 is
// inlined and reads most lengths, codes and counts, so that a read costs one call at most.

// uvarint1 reads a uvarint of one byte; false means the next value is not one.
func (r *Reader[T]) uvarint1() (uint64, bool) {
	if len(r.b) > 0 && r.b[0] < 0x80 {
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v, true
	}
	return 0, false
}

// uvarint reads a uvarint of any length, as binary.Uvarint does, but refuses a tenth byte
// with the continuation bit, however long the input.
func (r *Reader[T]) uvarint() uint64 {
	var v uint64
	var shift uint
	for i := 0; i < len(r.b); i++ {
		c := r.b[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			r.Fail(ErrMalformed) // more than 64 bits
			return 0
		}
		if c < 0x80 {
			r.b = r.b[i+1:]
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	r.Fail(ErrTruncated)
	return 0
}

// Varint reads what AppendVarint wrote.
func (r *Reader[T]) Varint() int64 {
	u, ok := r.uvarint1()
	if !ok {
		u = r.uvarint()
	}
	return int64(u>>1) ^ -int64(u&1)
}

// UUID reads what AppendUUID wrote.
func (r *Reader[T]) UUID() uuid.UUID {
	var u uuid.UUID
	if len(r.b) < UUIDLen {
		r.Fail(ErrTruncated)
		return u
	}
	copy(u[:], r.b[:UUIDLen])
	r.b = r.b[UUIDLen:]
	return u
}

// Length reads a uvarint that counts what follows it, such as a string's bytes, and fails
// with ErrTruncated if it is more than the bytes left, so that a bad length can never make
// its reader allocate more than the input's size. A layout may use it for a count of
// things that take at least a byte each.
func (r *Reader[T]) Length() int {
	n, ok := r.uvarint1()
	if !ok {
		n = r.uvarint()
	}
	if n > uint64(len(r.b)) {
		r.Fail(ErrTruncated)
		return 0
	}
	return int(n)
}

// Bytes reads what AppendString or AppendBytes wrote, as it is in the input (no copy: for a
// byte slice, the result shares its memory and must not be changed).
func (r *Reader[T]) Bytes() T {
	n, ok := r.uvarint1() // Length, written out so that Bytes makes one call at most
	if !ok {
		n = r.uvarint()
	}
	if n > uint64(len(r.b)) {
		r.Fail(ErrTruncated)
		n = 0
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// String reads what AppendString or AppendBytes wrote. From a byte slice it returns a copy;
// from a string, a part of it.
func (r *Reader[T]) String() string { return string(r.Bytes()) }

// Count reads what AppendCount wrote: the length, and false for a nil slice. Like Length,
// it fails with ErrTruncated on a length larger than the bytes left.
func (r *Reader[T]) Count() (n int, ok bool) {
	c, ok := r.uvarint1()
	if !ok {
		c = r.uvarint()
	}
	if c == 0 {
		return 0, false
	}
	if c-1 > uint64(len(r.b)) {
		r.Fail(ErrTruncated)
		return 0, false
	}
	return int(c - 1), true
}
