package crm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each KPI formula on a hand-made tally, the arithmetic in the comments. The tally is one
// period's counts as Compute leaves them.
func TestKPIFormulas(t *testing.T) {
	d := decimal.RequireFromString
	full := tally{
		hasOrders: true, hasInteractions: true, hasMembers: true, hasComplaints: true, hasSurveys: true,
		newCustomers: 120, onFile: 2_000, withEmail: 1_500,
		orders: 900, active: 600, activeBefore: 500, retained: 430, repeaters: 180,
		revenue: d("45000.00"), knownRevenue: d("38250.00"),
		contacted: 300, newMembers: 40, activeMembers: 250,
		complaints: 25, slaMet: 18, slaBreached: 2,
		satisfied: 460, satisfactionAnswers: 500,
		promoters: 220, detractors: 60, npsAnswers: 400,
		wouldRepurchase: 280, repurchaseAnswers: 350,
	}
	tests := []struct {
		name     KPIName
		num, den string
		value    string // rounded to 4 places, half-up, in the KPI's unit
	}{
		{KPINewCustomers, "120", "1", "120"},
		{KPIActiveCustomers, "600", "1", "600"},
		{KPIEmailOnFile, "1500", "2000", "0.75"},         // 1,500 / 2,000
		{KPIKnownRevenueShare, "38250", "45000", "0.85"}, // 38,250.00 / 45,000.00
		{KPIRetentionRate, "430", "500", "0.86"},         // 430 kept of 500
		{KPIChurnRate, "70", "500", "0.14"},              // (500 − 430) / 500
		{KPIRepeatPurchaseRate, "180", "600", "0.3"},     // 180 / 600
		{KPIAverageOrderValue, "45000", "900", "50"},     // 45,000.00 / 900
		{KPIComplaintsReceived, "25", "1", "25"},         // 25
		{KPIComplaintsInSLA, "18", "20", "0.9"},          // 18 / (18 + 2)
		{KPISatisfactionRate, "460", "500", "0.92"},      // 460 / 500
		{KPINPS, "160", "400", "40"},                     // 100 × (220 − 60) / 400
		{KPIRepurchaseIntent, "280", "350", "0.8"},       // 280 / 350
		{KPINewMembers, "40", "1", "40"},                 // 40
		{KPIActiveMembers, "250", "1", "250"},            // 250
		{KPIContactedCustomers, "300", "1", "300"},       // 300
	}
	require.Len(t, tests, len(kpiCatalogue))
	for i, tt := range tests {
		t.Run(string(tt.name), func(t *testing.T) {
			def := kpiCatalogue[i]
			require.Equal(t, tt.name, def.name)
			num, den, why := def.formula(&full)
			assert.Empty(t, why)
			assert.True(t, num.Equal(d(tt.num)), "numerator %s", num)
			assert.True(t, den.Equal(d(tt.den)), "denominator %s", den)
			v, ok := valueOf(def.unit, num, den).Round(4, 0)
			require.True(t, ok)
			assert.True(t, v.Equal(d(tt.value)), "value %s", v)

			// Without its source the formula says so.
			_, _, why = def.formula(&tally{})
			if def.source == "customers" {
				assert.Empty(t, why)
			} else {
				assert.Contains(t, why, "no ")
			}
		})
	}
}

// The index against a map: 200,000 random IDs added and as many looked up, half of
// them present, and duplicates refused, across every growth of the table.
func TestCustomerIndexOracle(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() [16]byte {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(rng.Uint32())
		}
		return u
	}
	for _, hint := range []int{0, n} {
		x := newCustomerIndex(hint)
		oracle := map[[16]byte]int32{}
		keys := make([][16]byte, 0, n)
		for range n {
			k := key()
			if rng.IntN(20) == 0 && len(keys) > 0 {
				k = keys[rng.IntN(len(keys))] // a repeat
			}
			pos, added := x.add(k)
			want, dup := oracle[k]
			require.Equal(t, !dup, added)
			if dup {
				require.Equal(t, want, pos)
				continue
			}
			require.Equal(t, int32(len(oracle)), pos)
			oracle[k] = pos
			keys = append(keys, k)
		}
		require.Equal(t, len(oracle), x.Len())
		for range n {
			k := key()
			if rng.IntN(2) == 0 {
				k = keys[rng.IntN(len(keys))]
			}
			got, ok := x.find(k)
			want, wok := oracle[k]
			require.Equal(t, wok, ok)
			require.Equal(t, want, got)
		}
		_, ok := x.find([16]byte{})
		require.False(t, ok)
	}
}

// Sequential IDs, whose first eight bytes are all alike, spread over the table as well as
// random ones do: no probe runs long.
func TestCustomerIndexSequentialIDs(t *testing.T) {
	// Fixed seeds, so that the test is the same every run: with a random seed the longest
	// run of a sound hash at this load is usually 17–51 slots but now and then over 64,
	// while a hash that keeps sequential keys together makes runs of thousands.
	var longests []int
	for seed := uint64(1); seed <= 9; seed++ {
		x := newCustomerIndex(0)
		x.s0, x.s1 = seed*0x9E3779B97F4A7C15, seed*0xC2B2AE3D27D4EB4F
		for i := range 100_000 {
			var k [16]byte
			k[15], k[14], k[13] = byte(i), byte(i>>8), byte(i>>16)
			_, added := x.add(k)
			require.True(t, added)
		}
		longest, run := 0, 0
		for _, s := range x.slots {
			if s.pos == 0 {
				run = 0
				continue
			}
			run++
			longest = max(longest, run)
		}
		assert.Less(t, longest, 256, "seed %d: longest run of full slots", seed)
		longests = append(longests, longest)
	}
	slices.Sort(longests)
	assert.Less(t, longests[len(longests)/2], 64, "the median of the longest runs of full slots: %v", longests)
}

// moneySum against decimal addition, for amounts on the fast path, off it (more places,
// more digits) and at the edge of int64.
func TestMoneySumOracle(t *testing.T) {
	d := decimal.RequireFromString
	amounts := []decimal.Decimal{
		d("12.34"), d("-5.5"), d("0.000001"), d("0.0000001"), d("1E+3"), d("9223372036854.775807"),
		d("9223372036854.775807"), d("-1"), d("123456789012345678901234567890.12"), d("0"), d("-0.01"),
	}
	var s moneySum
	want := decimal.Zero
	for _, a := range amounts {
		s.add(a)
		want = want.Add(a)
		require.True(t, s.total().Equal(want), "after %s: %s, want %s", a, s.total(), want)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var r moneySum
	want = decimal.Zero
	for range 100_000 {
		a := decimal.New(rng.Int64N(2_000_000)-1_000_000, -int32(rng.IntN(4)))
		r.add(a)
		want = want.Add(a)
	}
	assert.True(t, r.total().Equal(want))
}
