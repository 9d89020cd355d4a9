package codec_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/codec"
)

// record is one value of each primitive, in the order encode writes them.
type record struct {
	s     string
	p     []byte
	v     int64
	u     uint64
	id    uuid.UUID
	count []int // nil and empty are different values
	last  byte
}

func encode(b []byte, x record) []byte {
	b = codec.AppendString(b, x.s)
	b = codec.AppendBytes(b, x.p)
	b = codec.AppendVarint(b, x.v)
	b = codec.AppendUvarint(b, x.u)
	b = codec.AppendUUID(b, x.id)
	b = codec.AppendCount(b, x.count)
	for _, c := range x.count {
		b = codec.AppendVarint(b, int64(c))
	}
	return append(b, x.last)
}

// decode reads what encode wrote, from a string or a byte slice.
func decode[T ~string | ~[]byte](r *codec.Reader[T]) record {
	var x record
	x.s = r.String()
	if p := r.Bytes(); len(p) > 0 {
		x.p = append([]byte(nil), p...)
	}
	x.v = r.Varint()
	x.u = r.Uvarint()
	x.id = r.UUID()
	if n, ok := r.Count(); ok {
		x.count = make([]int, n)
		for i := range x.count {
			x.count[i] = int(r.Varint())
		}
	}
	x.last = r.Byte()
	return x
}

func edgeRecords() []record {
	long := strings.Repeat("长", 7000) // 21,000 bytes: a length of three varint bytes
	return []record{
		{},
		{s: "", p: nil, count: []int{}},
		{s: "a", p: []byte{0}, v: -1, u: 1, id: uuid.Max, count: []int{0}, last: 0xff},
		{s: "\xff\xfe\x80 not UTF-8", p: []byte("\xc3\x28"), v: math.MinInt64, u: math.MaxUint64, count: []int{math.MinInt64, math.MaxInt64}},
		{s: long, p: []byte(long[:300]), v: math.MaxInt64, u: 1 << 63, id: uuid.UUID{1, 2, 3}, count: make([]int, 300)},
		{s: "王小明\x00nul", v: 63, u: 127, count: []int{64, -64, -65, 127, 128}},
		{v: 64, u: 128},
	}
}

func TestRoundTrip(t *testing.T) {
	for i, want := range edgeRecords() {
		b := encode(nil, want)

		r := codec.NewReader(b)
		got := decode(&r)
		require.NoError(t, r.Err(), "record %d", i)
		assert.Equal(t, want, got, "record %d from a byte slice", i)
		assert.Zero(t, r.Remaining())

		rs := codec.NewReader(string(b))
		got = decode(&rs)
		require.NoError(t, rs.Err(), "record %d", i)
		assert.Equal(t, want, got, "record %d from a string", i)
		assert.Zero(t, rs.Remaining())
	}
}

// TestEncoding pins the bytes: the memory stores' records and loyalty's order digest are
// built from them.
func TestEncoding(t *testing.T) {
	assert.Equal(t, []byte{3, 'a', 'b', 'c'}, codec.AppendString(nil, "abc"))
	assert.Equal(t, []byte{0}, codec.AppendString(nil, ""))
	assert.Equal(t, codec.AppendString(nil, "xyz"), codec.AppendBytes(nil, []byte("xyz")))
	assert.Equal(t, []byte{0}, codec.AppendCount(nil, []int(nil)))
	assert.Equal(t, []byte{1}, codec.AppendCount(nil, []int{}))
	assert.Equal(t, []byte{3}, codec.AppendCount(nil, []string{"a", "b"}))
	id := uuid.MustParse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
	assert.Equal(t, id[:], codec.AppendUUID(nil, id))
	for _, v := range []int64{0, 1, -1, 63, -64, 64, math.MinInt64, math.MaxInt64} {
		assert.Equal(t, binary.AppendVarint(nil, v), codec.AppendVarint(nil, v), "%d", v)
		assert.Equal(t, binary.AppendUvarint(nil, uint64(v)), codec.AppendUvarint(nil, uint64(v)), "%d", uint64(v))
	}
	assert.Equal(t, []byte{'k', 1, 'x'}, codec.AppendString([]byte{'k'}, "x"), "appends to what is there")
}

// TestTruncated checks the rule for input that ends too soon: at every length short of the
// whole record, decoding fails with ErrTruncated, without a panic, and the reader ends up
// at the end of its input.
func TestTruncated(t *testing.T) {
	for i, x := range edgeRecords() {
		b := encode(nil, x)
		for n := range len(b) {
			r := codec.NewReader(b[:n])
			decode(&r)
			require.ErrorIs(t, r.Err(), codec.ErrTruncated, "record %d cut to %d bytes of %d", i, n, len(b))
			assert.Zero(t, r.Remaining())

			rs := codec.NewReader(string(b[:n]))
			decode(&rs)
			require.ErrorIs(t, rs.Err(), codec.ErrTruncated, "record %d cut to %d bytes of %d, as a string", i, n, len(b))
		}
	}
}

func TestMalformed(t *testing.T) {
	maxU := bytes.Repeat([]byte{0xff}, 9)
	tests := []struct {
		name string
		in   []byte
		read func(r *codec.Reader[[]byte])
		err  error
	}{
		{"uvarint of 65 bits", append(maxU[:9:9], 0x02), func(r *codec.Reader[[]byte]) { r.Uvarint() }, codec.ErrMalformed},
		{"uvarint of 11 bytes", append(bytes.Repeat([]byte{0x80}, 10), 0), func(r *codec.Reader[[]byte]) { r.Uvarint() }, codec.ErrMalformed},
		{"ten continuation bytes", bytes.Repeat([]byte{0x80}, 10), func(r *codec.Reader[[]byte]) { r.Uvarint() }, codec.ErrMalformed},
		{"varint of 65 bits", append(maxU[:9:9], 0x03), func(r *codec.Reader[[]byte]) { r.Varint() }, codec.ErrMalformed},
		{"string longer than the input", []byte{5, 'a', 'b'}, func(r *codec.Reader[[]byte]) { _ = r.String() }, codec.ErrTruncated},
		{"string of 2^64-1 bytes", append(maxU[:9:9], 1), func(r *codec.Reader[[]byte]) { r.Bytes() }, codec.ErrTruncated},
		{"count larger than the input", []byte{0xff, 0xff, 0xff, 0x7f}, func(r *codec.Reader[[]byte]) { r.Count() }, codec.ErrTruncated},
		{"count of 2^64-2", append(maxU[:9:9], 1), func(r *codec.Reader[[]byte]) { r.Count() }, codec.ErrTruncated},
		{"length larger than the input", []byte{2, 0}, func(r *codec.Reader[[]byte]) { r.Length() }, codec.ErrTruncated},
		{"negative raw", []byte{1}, func(r *codec.Reader[[]byte]) { r.Raw(-1) }, codec.ErrTruncated},
		{"negative skip", []byte{1}, func(r *codec.Reader[[]byte]) { r.Skip(-1) }, codec.ErrTruncated},
		{"empty uuid", nil, func(r *codec.Reader[[]byte]) { r.UUID() }, codec.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := codec.NewReader(tt.in)
			tt.read(&r)
			assert.ErrorIs(t, r.Err(), tt.err)
			assert.Zero(t, r.Remaining())
		})
	}

	r := codec.NewReader(append(maxU[:9:9], 1))
	assert.Equal(t, uint64(math.MaxUint64), r.Uvarint(), "the largest uvarint is ten bytes")
	assert.NoError(t, r.Err())
}

// TestFirstError checks that a reader keeps its first failure and reads nothing after it.
func TestFirstError(t *testing.T) {
	r := codec.NewReader([]byte{0x80})
	assert.Zero(t, r.Uvarint())
	require.ErrorIs(t, r.Err(), codec.ErrTruncated)
	r.Fail(errors.New("later"))
	assert.ErrorIs(t, r.Err(), codec.ErrTruncated)

	b := encode(nil, edgeRecords()[2])
	r = codec.NewReader(b)
	assert.Equal(t, "a", r.String())
	bad := errors.New("unknown code")
	r.Fail(bad)
	assert.ErrorIs(t, r.Err(), bad)
	assert.Equal(t, record{}, decode(&r), "every read after a failure returns the zero value")
	assert.ErrorIs(t, r.Err(), bad)

	var zero codec.Reader[string]
	assert.Zero(t, zero.Byte())
	assert.ErrorIs(t, zero.Err(), codec.ErrTruncated)
}

// TestSharing checks what a read shares with its input: String copies out of a byte slice,
// Bytes and Raw do not.
func TestSharing(t *testing.T) {
	b := codec.AppendString(nil, "abc")
	b = codec.AppendString(b, "def")
	r := codec.NewReader(b)
	s := r.String()
	p := r.Bytes()
	b[1], b[6] = 'X', 'Y'
	assert.Equal(t, "abc", s)
	assert.Equal(t, []byte("dYf"), p)

	r = codec.NewReader([]byte{1, 2, 3})
	r.Skip(1)
	assert.Equal(t, []byte{2}, r.Raw(1))
	assert.Equal(t, 1, r.Remaining())
}

// FuzzReader reads arbitrary input with a script taken from the input itself, from a byte
// slice and from a string at once: no read panics, the two readers agree, a failure leaves
// nothing to read, and Uvarint agrees with encoding/binary.
func FuzzReader(f *testing.F) {
	for _, x := range edgeRecords()[:4] {
		f.Add(encode(nil, x))
	}
	f.Add([]byte{})
	f.Add([]byte{2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80})
	f.Add([]byte{5, 0xff, 0x7f, 6, 3, 'a', 'b', 'c', 7, 2, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		rb := codec.NewReader(in)
		rs := codec.NewReader(string(in))
		for rb.Remaining() > 0 && rb.Err() == nil {
			op := rb.Byte() % 9
			require.Equal(t, op, rs.Byte()%9)
			switch op {
			case 0:
				rest := in[len(in)-rb.Remaining():]
				want, n := binary.Uvarint(rest)
				got := rb.Uvarint()
				require.Equal(t, got, rs.Uvarint())
				switch {
				case n > 0:
					require.NoError(t, rb.Err())
					require.Equal(t, want, got)
					require.Equal(t, len(rest)-n, rb.Remaining())
				case n < 0:
					require.ErrorIs(t, rb.Err(), codec.ErrMalformed)
				default:
					require.Error(t, rb.Err())
				}
			case 1:
				require.Equal(t, rb.Varint(), rs.Varint())
			case 2:
				require.Equal(t, string(rb.Bytes()), rs.String())
			case 3:
				require.Equal(t, rb.UUID(), rs.UUID())
			case 4:
				n, ok := rb.Count()
				n2, ok2 := rs.Count()
				require.Equal(t, n, n2)
				require.Equal(t, ok, ok2)
				require.LessOrEqual(t, n, rb.Remaining())
			case 5:
				require.Equal(t, rb.Length(), rs.Length())
			case 6:
				n, m := int(rb.Byte())-8, int(rs.Byte())-8
				require.Equal(t, string(rb.Raw(n)), rs.Raw(m))
			case 7:
				require.Equal(t, rb.String(), string(rs.Bytes()))
			case 8:
				rb.Skip(2)
				rs.Skip(2)
			}
			require.Equal(t, rb.Remaining(), rs.Remaining())
			require.Equal(t, rb.Err(), rs.Err())
		}
		if err := rb.Err(); err != nil {
			require.True(t, errors.Is(err, codec.ErrTruncated) || errors.Is(err, codec.ErrMalformed), "%v", err)
			require.Zero(t, rb.Remaining())
		}
	})
}

// FuzzRoundTrip encodes arbitrary values and reads them back, whole and cut short.
func FuzzRoundTrip(f *testing.F) {
	for _, x := range edgeRecords() {
		f.Add(x.s, x.p, x.v, x.u, x.id[:], uint16(len(x.count)), x.count == nil, x.last)
	}
	f.Fuzz(func(t *testing.T, s string, p []byte, v int64, u uint64, id []byte, n uint16, isNil bool, last byte) {
		x := record{s: s, v: v, u: u, last: last}
		if len(p) > 0 {
			x.p = p
		}
		copy(x.id[:], id)
		if !isNil {
			x.count = make([]int, n%1000)
			for i := range x.count {
				x.count[i] = int(v) - i
			}
		}
		b := encode(nil, x)
		r := codec.NewReader(b)
		require.Equal(t, x, decode(&r))
		require.NoError(t, r.Err())
		require.Zero(t, r.Remaining())
		for cut := range len(b) {
			r := codec.NewReader(string(b[:cut]))
			decode(&r)
			require.ErrorIs(t, r.Err(), codec.ErrTruncated, "cut to %d of %d", cut, len(b))
		}
	})
}
