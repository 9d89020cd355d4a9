package loyalty

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/clip"
)

// Coupon is a code issued by a confirmed reservation of a reward with a CouponSpec. The
// member (or whoever holds the code) uses it UsesLeft more times within its validity
// window.
type Coupon struct {
	// Code is the canonical code (see ParseCouponCode).
	Code        string         `json:"code"`
	Program     string         `json:"program"`
	Customer    crm.CustomerID `json:"customer"`
	Reward      string         `json:"reward"`
	Reservation string         `json:"reservation"`
	// Uses is how many uses the coupon was issued with; UsesLeft how many remain.
	Uses     int `json:"uses"`
	UsesLeft int `json:"uses_left"`
	// ValidFrom and ValidTo bound when the code can be used: ValidFrom ≤ t < ValidTo; a
	// zero ValidTo never ends.
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
	// Redemptions are the instants of each use, oldest first.
	Redemptions []time.Time `json:"redemptions,omitempty"`
	// RedemptionKeys are the idempotency keys of the uses that had one, oldest first: a use
	// repeated with one of them changes nothing.
	RedemptionKeys []string  `json:"redemption_keys,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// Clone returns a deep copy.
func (c *Coupon) Clone() *Coupon {
	if c == nil {
		return nil
	}
	d := *c
	d.Redemptions = slices.Clone(c.Redemptions)
	d.RedemptionKeys = slices.Clone(c.RedemptionKeys)
	return &d
}

// ValidAt reports whether t is inside the coupon's validity window.
func (c *Coupon) ValidAt(t time.Time) bool {
	return !t.Before(c.ValidFrom) && (c.ValidTo.IsZero() || t.Before(c.ValidTo))
}

// Coupon codes are Crockford base32: the digits and the letters but I, L, O and U. A code is
// the reward's prefix and a hyphen (when there is a prefix), then couponRandLen random
// symbols (5 bits each: 80 bits from crypto/rand), then one check symbol.
const (
	crockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	couponRandLen     = 16
	couponTailLen     = couponRandLen + 1
)

// crockfordValue maps an upper-case symbol to its value, with Crockford's aliases (I and
// L read as 1, O as 0), or -1.
var crockfordValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(crockfordAlphabet); i++ {
		t[crockfordAlphabet[i]] = int8(i)
	}
	t['I'], t['L'], t['O'] = 1, 1, 0
	return t
}()

// gfDouble multiplies v by x in GF(32) = GF(2)[x]/(x⁵ + x² + 1), whose x has order 31.
func gfDouble(v byte) byte {
	v <<= 1
	if v&0x20 != 0 {
		v ^= 0x25
	}
	return v
}

// couponFold folds symbol values: r ← x·r + v in GF(32). Over n symbols it is
// Σ vᵢ·x^(n−1−i): each position has its own non-zero weight, and no two positions closer
// than 31 share one.
func couponFold(vals []byte) byte {
	var r byte
	for _, v := range vals {
		r = gfDouble(r) ^ v
	}
	return r
}

// couponCheck is the check value c that makes the fold of vals followed by c zero. It
// catches every single wrong symbol and every swap of two different symbols: a change of
// one symbol by e adds e·x^k ≠ 0 to the fold, and a swap of a and b at two positions adds
// (a+b)·(x^j + x^k) ≠ 0, because x^j ≠ x^k for distinct j, k below 31. Crockford's own
// check symbol (modulo 37) would do as much but needs five extra symbols (*~$=U) that are
// hard to read aloud and to type; this one stays within the alphabet.
func couponCheck(vals []byte) byte { return gfDouble(couponFold(vals)) }

// newCouponCode returns a fresh code with the prefix: 80 bits from random (the service's
// Options.Random, crypto/rand by default).
func newCouponCode(random io.Reader, prefix string) (string, error) {
	var raw [couponRandLen * 5 / 8]byte
	if _, err := io.ReadFull(random, raw[:]); err != nil {
		return "", fmt.Errorf("coupon code: reading random bytes: %w", err)
	}
	vals := make([]byte, couponRandLen, couponTailLen)
	for i := range couponRandLen {
		bit := i * 5
		// Five bits starting at bit, most significant first.
		w := uint16(raw[bit/8]) << 8
		if bit/8+1 < len(raw) {
			w |= uint16(raw[bit/8+1])
		}
		vals[i] = byte(w>>(11-bit%8)) & 0x1f
	}
	vals = append(vals, couponCheck(vals))
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte('-')
	}
	for _, v := range vals {
		b.WriteByte(crockfordAlphabet[v])
	}
	return b.String(), nil
}

// ParseCouponCode reads a coupon code as a member may type it and returns its canonical
// form: letters in any case, hyphens and spaces anywhere, and Crockford's aliases in the
// random part (I and L for 1, O for 0). The last 17 symbols are the random part and its
// check symbol; what comes before them is the prefix (letters and digits). A code that
// cannot be read, or whose check symbol does not match — a typo — is a *kehu.ValidationError
// on field "code".
func ParseCouponCode(code string) (string, error) {
	if strings.TrimSpace(code) == "" {
		return "", kehu.Invalid("code", "required", "is empty")
	}
	if len(code) > 4*(couponMaxPrefixLen+couponTailLen) {
		return "", kehu.Invalid("code", "format", "is too long to be a coupon code")
	}
	compact := make([]byte, 0, len(code))
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == '-' || c == ' ':
		case 'a' <= c && c <= 'z':
			compact = append(compact, c-'a'+'A')
		case 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			compact = append(compact, c)
		default:
			return "", kehu.Invalid("code", "format", fmt.Sprintf("%s holds a character that is not a letter, digit or hyphen", clip.Quote(code)))
		}
	}
	if len(compact) < couponTailLen || len(compact) > couponMaxPrefixLen+couponTailLen {
		return "", kehu.Invalid("code", "format", fmt.Sprintf("%s does not have the length of a coupon code", clip.Quote(code)))
	}
	prefix, tail := compact[:len(compact)-couponTailLen], compact[len(compact)-couponTailLen:]
	vals := make([]byte, couponTailLen)
	for i, c := range tail {
		v := crockfordValue[c]
		if v < 0 {
			return "", kehu.Invalid("code", "format", fmt.Sprintf("%s: %q is not a symbol of the code's alphabet", clip.Quote(code), c))
		}
		vals[i] = byte(v)
	}
	if couponFold(vals) != 0 {
		return "", kehu.Invalid("code", "check", fmt.Sprintf("%s is mistyped: its check symbol does not match", clip.Quote(code)))
	}
	var b strings.Builder
	if len(prefix) > 0 {
		b.Write(prefix)
		b.WriteByte('-')
	}
	for _, v := range vals {
		b.WriteByte(crockfordAlphabet[v])
	}
	return b.String(), nil
}
