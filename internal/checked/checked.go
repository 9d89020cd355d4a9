package checked

import "math/bits"

// Add returns a+b; false if it overflows int64.
func Add(a, b int64) (int64, bool) {
	s := a + b
	if (s > a) != (b > 0) {
		return 0, false
	}
	return s, true
}

// Sub returns a−b; false if it overflows int64.
func Sub(a, b int64) (int64, bool) {
	d := a - b
	if (d < a) != (b > 0) {
		return 0, false
	}
	return d, true
}

// Mul returns a×b; false if it overflows int64.
func Mul(a, b int64) (int64, bool) {
	// The 128-bit unsigned product, corrected to the signed high word: the product fits
	// when the high word is the sign extension of the low one.
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	hi -= uint64(b) & uint64(a>>63)
	hi -= uint64(a) & uint64(b>>63)
	if int64(hi) != int64(lo)>>63 {
		return 0, false
	}
	return int64(lo), true
}

// Sum returns the sum of xs (0 for none); false if the running sum overflows int64 at any
// point, even if later terms would bring it back.
func Sum(xs []int64) (int64, bool) {
	var s int64
	for _, x := range xs {
		t := s + x
		if (t > s) != (x > 0) {
			return 0, false
		}
		s = t
	}
	return s, true
}

// pow10 holds 10^0 … 10^19, every power of ten that fits in a uint64.
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
	1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// pow10Float holds 10^0 … 10^22, every power of ten that float64 represents exactly.
var pow10Float = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// MaxPow10 is the largest k for which Pow10 answers: 10^18 < 2^63 − 1 < 10^19.
const MaxPow10 = 18

// Pow10 returns 10^k for 0 ≤ k ≤ MaxPow10; false otherwise.
func Pow10(k int) (int64, bool) {
	if uint(k) > MaxPow10 {
		return 0, false
	}
	return int64(pow10[k]), true
}

// Pow10Uint64 returns 10^k for 0 ≤ k ≤ 19; false otherwise.
func Pow10Uint64(k int) (uint64, bool) {
	if uint(k) >= uint(len(pow10)) {
		return 0, false
	}
	return pow10[k], true
}

// Pow10Float64 returns 10^k for 0 ≤ k ≤ 22, where the float64 is exact; false otherwise.
// One multiplication or division by an exact power rounds once, correctly.
func Pow10Float64(k int) (float64, bool) {
	if uint(k) >= uint(len(pow10Float)) {
		return 0, false
	}
	return pow10Float[k], true
}

// Scale returns c×10^k for k ≥ 0; false if it overflows int64. A negative k is not
// supported and gives false, except that 0 scales to 0 by any k.
func Scale(c int64, k int) (int64, bool) {
	if uint(k) > MaxPow10 {
		return 0, c == 0
	}
	return Mul(c, int64(pow10[k]))
}
