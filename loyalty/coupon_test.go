package loyalty_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/loyalty"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// issue confirms a reservation of a coupon reward with the spec and returns the code.
func (e *rwEnv) issue(spec loyalty.CouponSpec, key string) string {
	e.t.Helper()
	if _, err := e.svc.Reward(e.ctx, e.p, "voucher"); errors.Is(err, kehu.ErrNotFound) {
		e.put(loyalty.Reward{ID: "voucher", Name: "Voucher", PointType: "points", Points: 10,
			Stock: loyalty.UnlimitedStock, Coupon: &spec})
	}
	c := e.member()
	e.earn(c, 10)
	res := e.reserve(c, "voucher", 1, key)
	conf, err := e.svc.Confirm(e.ctx, e.p, res.ID)
	require.NoError(e.t, err, "Confirm")
	require.NotEmpty(e.t, conf.Coupon)
	return conf.Coupon
}

func requireCodeError(t *testing.T, err error, rule string, msgAndArgs ...any) {
	t.Helper()
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr, msgAndArgs...)
	assert.True(t, verr.Has("code", rule), "want code (%s), got %v", rule, err)
}

func TestCouponCodeFormat(t *testing.T) {
	e := newRwEnv(t)
	seen := map[string]bool{}
	symbols := map[rune]bool{}
	for i := range 64 {
		code := e.issue(loyalty.CouponSpec{Prefix: "GIFT", Uses: 1}, fmt.Sprintf("k-%d", i))
		require.Regexp(t, `^GIFT-[0-9A-HJKMNP-TV-Z]{17}$`, code, "Crockford base32: prefix, hyphen, 16 random symbols, a check symbol")
		assert.False(t, seen[code], "codes are unique")
		seen[code] = true
		for _, r := range code[len("GIFT-") : len(code)-1] {
			symbols[r] = true
		}
		canon, err := loyalty.ParseCouponCode(code)
		require.NoError(t, err)
		assert.Equal(t, code, canon, "an issued code is canonical")
	}
	// 64 × 16 random symbols: every one of the 32 symbols shows up (a missing one has a
	// probability below 10⁻¹²).
	assert.Len(t, symbols, 32, "the random part uses the whole alphabet")

	// Without a prefix the code is the random part and its check symbol.
	e2 := newRwEnv(t)
	code := e2.issue(loyalty.CouponSpec{Uses: 1}, "plain")
	assert.Regexp(t, `^[0-9A-HJKMNP-TV-Z]{17}$`, code)
}

func TestParseCouponCode(t *testing.T) {
	e := newRwEnv(t)
	code := e.issue(loyalty.CouponSpec{Prefix: "GIFT", Uses: 1}, "k")
	tail := code[len("GIFT-"):]
	// aliased writes the code as a member might: I and L for 1, O for 0, lower case.
	aliased := strings.NewReplacer("1", "l", "0", "o").Replace(strings.ToLower(tail))

	ok := []struct{ name, in string }{
		{"canonical", code},
		{"lower case", strings.ToLower(code)},
		{"no hyphen", "GIFT" + tail},
		{"grouped", "GIFT-" + tail[:4] + "-" + tail[4:8] + "-" + tail[8:12] + " " + tail[12:]},
		{"aliases", "gift-" + aliased},
		{"upper-case I", "GIFT-" + strings.ReplaceAll(tail, "1", "I")},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loyalty.ParseCouponCode(tc.in)
			require.NoError(t, err, tc.in)
			assert.Equal(t, code, got)
		})
	}

	bad := []struct{ name, in, rule string }{
		{"empty", "  ", "required"},
		{"too short", tail[1:], "format"},
		{"far too short", "ABC", "format"},
		{"U is not a symbol", "GIFT-U" + tail[1:], "format"},
		{"punctuation", "GIFT_" + tail, "format"},
		{"prefix too long", strings.Repeat("A", 17) + tail, "format"},
		{"far too long", strings.Repeat("A", 500), "format"},
		{"non-ASCII", "GIFT-" + tail[:16] + "é", "format"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loyalty.ParseCouponCode(tc.in)
			requireCodeError(t, err, tc.rule, tc.in)
		})
	}
}

// The check symbol catches every single wrong symbol and every swap of two different
// symbols, anywhere in the random part.
func TestCouponCheckCatchesTypos(t *testing.T) {
	e := newRwEnv(t)
	for i := range 8 {
		code := e.issue(loyalty.CouponSpec{Uses: 1}, fmt.Sprintf("k-%d", i))
		for pos := range len(code) {
			for _, s := range crockford {
				if byte(s) == code[pos] {
					continue
				}
				typo := code[:pos] + string(s) + code[pos+1:]
				_, err := loyalty.ParseCouponCode(typo)
				requireCodeError(t, err, "check", "substitution at %d: %s", pos, typo)
			}
		}
		for i := range len(code) {
			for j := i + 1; j < len(code); j++ {
				if code[i] == code[j] {
					continue
				}
				b := []byte(code)
				b[i], b[j] = b[j], b[i]
				_, err := loyalty.ParseCouponCode(string(b))
				requireCodeError(t, err, "check", "swap of %d and %d: %s", i, j, b)
			}
		}
	}
}

func TestRedeemCoupon(t *testing.T) {
	t.Run("single use", func(t *testing.T) {
		e := newRwEnv(t)
		code := e.issue(loyalty.CouponSpec{Prefix: "ONE", Uses: 1}, "k")
		e.clock.Advance(time.Hour)
		cp, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: strings.ToLower(code), Key: uuid.NewString()})
		require.NoError(t, err)
		assert.Equal(t, 0, cp.UsesLeft)
		assert.Equal(t, []time.Time{e.clock.Now()}, cp.Redemptions)
		_, err = e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.ErrorIs(t, err, loyalty.ErrCouponUsedUp)
		assert.Equal(t, "loyalty.coupon_redeemed", e.events.Names()[len(e.events.Names())-1])
	})
	t.Run("multi use", func(t *testing.T) {
		e := newRwEnv(t)
		code := e.issue(loyalty.CouponSpec{Uses: 3}, "k")
		for want := 2; want >= 0; want-- {
			e.clock.Advance(time.Minute)
			cp, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
			require.NoError(t, err)
			assert.Equal(t, want, cp.UsesLeft)
		}
		_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.ErrorIs(t, err, loyalty.ErrCouponUsedUp)
		cp, err := e.svc.Coupon(e.ctx, e.p, code)
		require.NoError(t, err)
		assert.Len(t, cp.Redemptions, 3, "a refused use is not recorded")
	})
	t.Run("idempotent by key", func(t *testing.T) {
		e := newRwEnv(t)
		code := e.issue(loyalty.CouponSpec{Uses: 3}, "k")
		e.clock.Advance(time.Minute)
		first, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: "SO-1"})
		require.NoError(t, err)
		events := len(e.events.Names())
		// A checkout retried many times at once uses the coupon once.
		const retries = 16
		var wg sync.WaitGroup
		errs := make([]error, retries)
		left := make([]int, retries)
		for i := range retries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cp, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: "SO-1"})
				errs[i] = err
				if err == nil {
					left[i] = cp.UsesLeft
				}
			}()
		}
		wg.Wait()
		for i := range retries {
			assert.NoError(t, errs[i])
			assert.Equal(t, first.UsesLeft, left[i], "a repeated use returns the coupon as it is")
		}
		assert.Len(t, e.events.Names(), events, "a repeated use publishes nothing")
		cp, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: "SO-2"})
		require.NoError(t, err)
		assert.Equal(t, 1, cp.UsesLeft, "another key is another use")
		assert.Equal(t, []string{"SO-1", "SO-2"}, cp.RedemptionKeys)
		assert.Len(t, cp.Redemptions, 2)
		_, err = e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: strings.Repeat("k", kehu.MaxKeyLen+1)})
		var verr *kehu.ValidationError
		require.ErrorAs(t, err, &verr, "a key longer than kehu.MaxKeyLen")
		assert.True(t, verr.Has("key", "max_length"), "%v", err)
		stored, err := e.svc.Coupon(e.ctx, e.p, code)
		require.NoError(t, err)
		assert.Equal(t, 1, stored.UsesLeft, "a refused key uses nothing")
	})
	t.Run("validity window", func(t *testing.T) {
		e := newRwEnv(t)
		issuedAt := e.clock.Now()
		code := e.issue(loyalty.CouponSpec{Uses: 5, ValidDays: 7}, "k")
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		end := issuedAt.In(shanghai).AddDate(0, 0, 7)
		e.clock.Set(issuedAt.Add(-time.Second))
		_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.ErrorIs(t, err, loyalty.ErrCouponExpired, "before it was issued")
		e.clock.Set(end.Add(-time.Second))
		_, err = e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.NoError(t, err, "the last second of the window")
		e.clock.Set(end)
		_, err = e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.ErrorIs(t, err, loyalty.ErrCouponExpired, "the window is half-open")
		cp, _ := e.svc.Coupon(e.ctx, e.p, code)
		assert.Equal(t, 4, cp.UsesLeft, "refused uses use nothing")
	})
	t.Run("never expires", func(t *testing.T) {
		e := newRwEnv(t)
		code := e.issue(loyalty.CouponSpec{Uses: 1}, "k")
		e.clock.AddDate(50, 0, 0)
		_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.NoError(t, err)
	})
	t.Run("mistyped", func(t *testing.T) {
		e := newRwEnv(t)
		code := e.issue(loyalty.CouponSpec{Uses: 1}, "k")
		last := code[len(code)-1]
		typo := code[:len(code)-1] + string(crockford[(strings.IndexByte(crockford, last)+1)%32])
		_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: typo, Key: uuid.NewString()})
		requireCodeError(t, err, "check")
	})
	t.Run("well formed but never issued", func(t *testing.T) {
		other := newRwEnv(t)
		code := other.issue(loyalty.CouponSpec{Uses: 1}, "k")
		e := newRwEnv(t)
		_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		assert.ErrorIs(t, err, kehu.ErrNotFound)
		assert.NotErrorIs(t, err, kehu.ErrInvalid)
	})
	t.Run("zero programme", func(t *testing.T) {
		e := newRwEnv(t)
		_, err := e.svc.RedeemCoupon(e.ctx, &loyalty.Program{}, loyalty.CouponUse{Code: "X", Key: uuid.NewString()})
		assert.ErrorIs(t, err, kehu.ErrInvalid)
	})
}

// Twenty checkouts race to use a five-use coupon: exactly five succeed.
func TestRedeemCouponConcurrent(t *testing.T) {
	const users, uses = 20, 5
	e := newRwEnv(t)
	code := e.issue(loyalty.CouponSpec{Uses: uses}, "k")
	errs := rwParallel(users, func(int) error {
		_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code, Key: uuid.NewString()})
		return err
	})
	won := 0
	for i, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, loyalty.ErrCouponUsedUp, "user %d", i)
		}
	}
	assert.Equal(t, uses, won)
	cp, err := e.svc.Coupon(e.ctx, e.p, code)
	require.NoError(t, err)
	assert.Equal(t, 0, cp.UsesLeft)
	assert.Len(t, cp.Redemptions, uses)
}

func FuzzParseCouponCode(f *testing.F) {
	for _, s := range []string{"", "GIFT-0000000000000000-0", "gift-ABCD-EFGH-JKMN-PQRS-T", "0000000000000000" + "0",
		"IIIIIIIIIIIIIIIIL", "A-B-C", strings.Repeat("Z", 33), "GIFT-UUUUUUUUUUUUUUUUU", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		canon, err := loyalty.ParseCouponCode(s)
		if err != nil {
			var verr *kehu.ValidationError
			if !errors.As(err, &verr) || !verr.Has("code", "") {
				t.Fatalf("ParseCouponCode(%q): %v is not a validation error on code", s, err)
			}
			return
		}
		again, err := loyalty.ParseCouponCode(canon)
		if err != nil || again != canon {
			t.Fatalf("ParseCouponCode(%q) = %q, which parses to %q, %v", s, canon, again, err)
		}
		tail := canon[strings.LastIndexByte(canon, '-')+1:]
		if len(tail) != 17 || strings.Trim(tail, crockford) != "" {
			t.Fatalf("canonical %q does not end in 17 symbols", canon)
		}
	})
}

func TestRedeemCouponNeedsAKey(t *testing.T) {
	e := newRwEnv(t)
	code := e.issue(loyalty.CouponSpec{Uses: 2}, "k")
	_, err := e.svc.RedeemCoupon(e.ctx, e.p, loyalty.CouponUse{Code: code})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("key", "required"), "%v", err)
	stored, err := e.svc.Coupon(e.ctx, e.p, code)
	require.NoError(t, err)
	assert.Equal(t, 2, stored.UsesLeft, "a use without a key uses nothing")
}

// A harness that seeds its options (kehu.Deterministic) gets the same codes on every run;
// another seed gives others.
func TestCouponCodesAreReproducibleUnderASeededSource(t *testing.T) {
	codes := func(seed uint64) []string {
		e := newRwEnv(t)
		e.svc = loyalty.NewService(e.store, &kehu.Options{Now: e.clock.Now, NewID: e.ids.NewID, Random: kehu.NewSeededRandom(seed)})
		var out []string
		for i := range 3 {
			out = append(out, e.issue(loyalty.CouponSpec{Prefix: "R", Uses: 1}, fmt.Sprintf("k-%d", i)))
		}
		return out
	}
	assert.Equal(t, codes(7), codes(7), "the same seed gives the same codes")
	assert.NotEqual(t, codes(7), codes(8), "another seed gives other codes")
}
