package checked_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu/internal/checked"
)

// edges are the int64 values where overflow happens, and their neighbours.
func edges() []int64 {
	var out []int64
	for _, c := range []int64{0, 1, 2, 3, 10, 1 << 31, 1 << 32, 3037000499, 3037000500, 1 << 62,
		math.MaxInt64 / 2, math.MaxInt64 / 3, math.MaxInt64 / 10, 1e18} {
		for d := int64(-2); d <= 2; d++ {
			out = append(out, c+d, -(c + d))
		}
	}
	for d := int64(0); d <= 3; d++ {
		out = append(out, math.MaxInt64-d, math.MinInt64+d)
	}
	return out
}

// fits returns v and whether it is an int64: the oracle for every operation.
func fits(v *big.Int) (int64, bool) {
	if !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}

type op struct {
	name  string
	fn    func(a, b int64) (int64, bool)
	exact func(z, a, b *big.Int) *big.Int
}

var ops = []op{
	{"Add", checked.Add, (*big.Int).Add},
	{"Sub", checked.Sub, (*big.Int).Sub},
	{"Mul", checked.Mul, (*big.Int).Mul},
}

func check(t *testing.T, o op, a, b int64) {
	t.Helper()
	want, wantOK := fits(o.exact(new(big.Int), big.NewInt(a), big.NewInt(b)))
	got, ok := o.fn(a, b)
	if got != want || ok != wantOK {
		t.Fatalf("%s(%d, %d) = %d, %v; want %d, %v", o.name, a, b, got, ok, want, wantOK)
	}
}

func TestEdgesAgainstBig(t *testing.T) {
	e := edges()
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			for _, a := range e {
				for _, b := range e {
					check(t, o, a, b)
				}
			}
		})
	}
}

func TestRandomAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// Random magnitudes, so that small, middling and huge operands all meet.
	val := func() int64 {
		v := int64(r.Uint64() >> r.UintN(64))
		if r.IntN(2) == 0 {
			v = -v
		}
		return v
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			for range 200_000 {
				check(t, o, val(), val())
			}
		})
	}
}

func TestSum(t *testing.T) {
	tests := []struct {
		name string
		xs   []int64
		want int64
		ok   bool
	}{
		{"none", nil, 0, true},
		{"one", []int64{math.MinInt64}, math.MinInt64, true},
		{"small", []int64{1, -2, 3}, 2, true},
		{"to the top", []int64{math.MaxInt64 - 1, 1}, math.MaxInt64, true},
		{"past the top", []int64{math.MaxInt64, 1}, 0, false},
		{"past the bottom", []int64{math.MinInt64, -1}, 0, false},
		{"back again is still an overflow", []int64{math.MaxInt64, 1, -1}, 0, false},
		{"down and up", []int64{math.MinInt64, math.MaxInt64}, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := checked.Sum(tt.xs)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPow10(t *testing.T) {
	p := big.NewInt(1)
	ten := big.NewInt(10)
	for k := -2; k <= 25; k++ {
		var exact *big.Int
		if k >= 0 {
			exact = new(big.Int).Set(p)
			p.Mul(p, ten)
		}
		v, ok := checked.Pow10(k)
		assert.Equal(t, k >= 0 && k <= checked.MaxPow10, ok, "Pow10(%d)", k)
		if ok {
			assert.Equal(t, exact.Int64(), v, "Pow10(%d)", k)
		}
		u, ok := checked.Pow10Uint64(k)
		assert.Equal(t, k >= 0 && k <= 19, ok, "Pow10Uint64(%d)", k)
		if ok {
			assert.Equal(t, exact.Uint64(), u, "Pow10Uint64(%d)", k)
		}
		f, ok := checked.Pow10Float64(k)
		assert.Equal(t, k >= 0 && k <= 22, ok, "Pow10Float64(%d)", k)
		if ok {
			bf, acc := new(big.Float).SetInt(exact).Float64()
			assert.Equal(t, big.Exact, acc, "10^%d is exact in float64", k)
			assert.Equal(t, bf, f, "Pow10Float64(%d)", k)
		}
	}
	// 10^23 is the first power of ten float64 cannot hold.
	_, acc := new(big.Float).SetInt(new(big.Int).Exp(ten, big.NewInt(23), nil)).Float64()
	assert.NotEqual(t, big.Exact, acc)
}

func TestScale(t *testing.T) {
	for _, c := range edges() {
		for k := -1; k <= 20; k++ {
			got, ok := checked.Scale(c, k)
			switch {
			case c == 0:
				assert.True(t, ok)
				assert.Zero(t, got)
			case k < 0 || k > checked.MaxPow10:
				assert.False(t, ok, "Scale(%d, %d)", c, k)
			default:
				want, wantOK := fits(new(big.Int).Mul(big.NewInt(c), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)))
				if got != want || ok != wantOK {
					t.Fatalf("Scale(%d, %d) = %d, %v; want %d, %v", c, k, got, ok, want, wantOK)
				}
			}
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	xs := []int64{1, 2, 3, math.MaxInt64 / 4, -7}
	b.ReportAllocs()
	var s int64
	for b.Loop() {
		for _, x := range xs {
			s, _ = checked.Add(s&0xffff, x)
		}
	}
	_ = s
}

func BenchmarkMul(b *testing.B) {
	xs := []int64{1, 2, 3, math.MaxInt64 / 4, -7}
	b.ReportAllocs()
	var s int64
	for b.Loop() {
		for _, x := range xs {
			s, _ = checked.Mul(s&0xffff|1, x)
		}
	}
	_ = s
}
