package crm_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// oracle computes one KPI's numerator and denominator for a period the plain way: sets of
// customers in maps, sums in decimals, straight from the definitions.
func oracle(d *crm.ScorecardData, p, prev crm.Period, loc *time.Location, asOf time.Time, name crm.KPIName) (num, den decimal.Decimal) {
	in := func(t time.Time, q crm.Period) bool { return !t.Before(q.From.In(loc)) && t.Before(q.To.In(loc)) }
	identified := map[crm.CustomerID]bool{}
	for _, c := range d.Customers {
		identified[c.ID] = c.Identified
	}
	active := func(q crm.Period) map[crm.CustomerID]int {
		m := map[crm.CustomerID]int{}
		for _, o := range d.Orders {
			if !o.CustomerID.IsZero() && !o.Amount.IsNegative() && in(o.At, q) {
				m[o.CustomerID]++
			}
		}
		return m
	}
	n := func(x int) decimal.Decimal { return decimal.NewFromInt(int64(x)) }
	one := n(1)
	switch name {
	case crm.KPINewCustomers:
		c := 0
		for _, x := range d.Customers {
			if in(x.FirstSeen, p) {
				c++
			}
		}
		return n(c), one
	case crm.KPIEmailOnFile:
		a, b := 0, 0
		for _, x := range d.Customers {
			if x.FirstSeen.Before(p.To.In(loc)) {
				b++
				if x.HasEmail {
					a++
				}
			}
		}
		return n(a), n(b)
	case crm.KPIActiveCustomers:
		return n(len(active(p))), one
	case crm.KPIRetentionRate, crm.KPIChurnRate:
		now, before := active(p), active(prev)
		kept := 0
		for id := range before {
			if now[id] > 0 {
				kept++
			}
		}
		if name == crm.KPIChurnRate {
			return n(len(before) - kept), n(len(before))
		}
		return n(kept), n(len(before))
	case crm.KPIRepeatPurchaseRate:
		a := active(p)
		r := 0
		for _, c := range a {
			if c >= 2 {
				r++
			}
		}
		return n(r), n(len(a))
	case crm.KPIKnownRevenueShare, crm.KPIAverageOrderValue:
		total, known, orders := decimal.Zero, decimal.Zero, 0
		for _, o := range d.Orders {
			if !in(o.At, p) {
				continue
			}
			total = total.Add(o.Amount.Amount())
			if identified[o.CustomerID] {
				known = known.Add(o.Amount.Amount())
			}
			if !o.Amount.IsNegative() {
				orders++
			}
		}
		if name == crm.KPIAverageOrderValue {
			return total, n(orders)
		}
		return known, total
	case crm.KPIComplaintsReceived, crm.KPIComplaintsInSLA:
		got, met, decided := 0, 0, 0
		for _, c := range d.Complaints {
			if !in(c.ReceivedAt, p) {
				continue
			}
			got++
			if c.DueAt.IsZero() {
				continue
			}
			handled := !c.HandledAt.IsZero()
			switch {
			case handled && !c.HandledAt.After(c.DueAt):
				met++
				decided++
			case handled || c.DueAt.Before(asOf):
				decided++
			}
		}
		if name == crm.KPIComplaintsReceived {
			return n(got), one
		}
		return n(met), n(decided)
	case crm.KPISatisfactionRate, crm.KPINPS, crm.KPIRepurchaseIntent:
		var yes, all, pro, det int
		for _, a := range d.Surveys {
			if !in(a.At, p) {
				continue
			}
			switch {
			case name == crm.KPISatisfactionRate && a.Measure == crm.MeasureSatisfaction:
				all++
				if a.Satisfied {
					yes++
				}
			case name == crm.KPIRepurchaseIntent && a.Measure == crm.MeasureRepurchase:
				all++
				if a.WouldRepurchase {
					yes++
				}
			case name == crm.KPINPS && a.Measure == crm.MeasureNPS:
				all++
				if a.Score >= 9 {
					pro++
				} else if a.Score <= 6 {
					det++
				}
			}
		}
		if name == crm.KPINPS {
			return n(pro - det), n(all)
		}
		return n(yes), n(all)
	case crm.KPINewMembers:
		c := 0
		for _, m := range d.Members {
			if in(m.Joined, p) {
				c++
			}
		}
		return n(c), one
	case crm.KPIActiveMembers:
		a := active(p)
		c := 0
		for _, m := range d.Members {
			if m.Joined.Before(p.To.In(loc)) && a[m.CustomerID] > 0 {
				c++
			}
		}
		return n(c), one
	case crm.KPIContactedCustomers:
		m := map[crm.CustomerID]bool{}
		for _, x := range d.Interactions {
			if in(x.At, p) {
				m[x.CustomerID] = true
			}
		}
		return n(len(m)), one
	}
	panic("no oracle for " + name)
}

// randomData is a small world with everything in it: customers first seen before and
// during the periods, anonymous orders and refunds, repeat buyers, members joining before
// and after, complaints in every SLA state, and all three kinds of answer. Times fall on
// whole minutes around the edges of the periods too.
func randomData(rng *rand.Rand, customers, rows int, loc *time.Location) *crm.ScorecardData {
	start := time.Date(2026, 8, 25, 0, 0, 0, 0, loc)
	span := int64(110 * 24 * 60) // minutes: late August to mid-December
	at := func() time.Time { return start.Add(time.Duration(rng.Int64N(span)) * time.Minute) }
	d := &crm.ScorecardData{}
	for i := range customers {
		d.Customers = append(d.Customers, crm.CustomerFact{ID: scID3(i), FirstSeen: at().AddDate(0, -rng.IntN(3), 0),
			HasEmail: rng.IntN(2) == 0, Identified: rng.IntN(3) != 0})
		if rng.IntN(3) == 0 {
			d.Members = append(d.Members, crm.MemberFact{CustomerID: scID3(i), Joined: at().AddDate(0, -rng.IntN(2), 0)})
		}
	}
	cust := func() crm.CustomerID { return scID3(rng.IntN(customers)) }
	for range rows {
		o := crm.OrderFact{At: at(), Amount: kehu.MustMoney(decimal.New(rng.Int64N(100000), -2).String(), "CNY")}
		if rng.IntN(8) != 0 {
			o.CustomerID = cust()
		}
		if rng.IntN(15) == 0 {
			o.Amount = o.Amount.Neg()
		}
		d.Orders = append(d.Orders, o)
		d.Interactions = append(d.Interactions, crm.InteractionFact{CustomerID: cust(), At: at()})
		c := crm.ComplaintFact{ReceivedAt: at()}
		if rng.IntN(6) != 0 {
			c.DueAt = c.ReceivedAt.Add(time.Duration(rng.IntN(96)) * time.Hour)
		}
		if rng.IntN(4) != 0 {
			c.HandledAt = c.ReceivedAt.Add(time.Duration(rng.IntN(96)) * time.Hour)
		}
		d.Complaints = append(d.Complaints, c)
		a := crm.SurveyFact{At: at()}
		switch rng.IntN(3) {
		case 0:
			a.Measure, a.Satisfied = crm.MeasureSatisfaction, rng.IntN(4) != 0
		case 1:
			a.Measure, a.Score = crm.MeasureNPS, rng.IntN(11)
		default:
			a.Measure, a.WouldRepurchase = crm.MeasureRepurchase, rng.IntN(2) == 0
		}
		d.Surveys = append(d.Surveys, a)
	}
	return d
}

func scID3(i int) crm.CustomerID {
	id := scID(0)
	u := id.UUID()
	u[12], u[13], u[14] = byte(i>>16), byte(i>>8), byte(i)
	return crm.CustomerIDFrom(u)
}

// Compute against the oracle on random worlds, in UTC and in Shanghai, for this period and
// the previous one, including the batches' edges (more than 256 rows of each kind).
func TestScorecardAgainstOracle(t *testing.T) {
	for seed := range uint64(6) {
		tz := "UTC"
		if seed%2 == 1 {
			tz = "Asia/Shanghai"
		}
		def := scDefinition(t, crm.ScorecardSpec{Currency: "CNY", TimeZone: tz})
		rng := rand.New(rand.NewPCG(seed, 99))
		data := randomData(rng, 300+int(seed)*200, 1000+int(seed)*500, def.Location())
		p := crm.Month(2026, time.November)
		asOf := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		in := data.Input(p)
		in.AsOf = asOf
		sc, err := def.Compute(context.Background(), in)
		require.NoError(t, err)
		for _, k := range sc.KPIs {
			num, den := oracle(data, p, p.Previous(), def.Location(), asOf, k.Name)
			assert.True(t, k.Numerator.Equal(num) && k.Denominator.Equal(den), "seed %d %s: %s/%s, oracle %s/%s",
				seed, k.Name, k.Numerator, k.Denominator, num, den)
			pnum, pden := oracle(data, p.Previous(), p.Previous().Previous(), def.Location(), asOf, k.Name)
			assert.True(t, k.Change.Numerator.Equal(pnum) && k.Change.Denominator.Equal(pden), "seed %d %s previous: %s/%s, oracle %s/%s",
				seed, k.Name, k.Change.Numerator, k.Change.Denominator, pnum, pden)
		}
	}
}
