package crm_test

import (
	"context"
	"encoding/binary"
	"iter"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// The benchmark's data: a million customers over three months (the period, the previous
// one and the one before, which retention reads), generated once per process.
const (
	benchCustomers    = 1_000_000
	benchOrders       = 5_000_000
	benchInteractions = 2_000_000
	benchSurveys      = 500_000
	benchMembers      = 400_000
	benchComplaints   = 50_000
)

// benchSource holds the benchmark's rows in plain slices of compact records, as a host's
// tables hold them, and turns each into its fact as it yields it, as a host's source
// decodes its rows: times are microseconds since 1970 (UTC), customers are positions
// (−1 for an anonymous order), amounts are positions in a price list (negative for a
// refund of that price).
type benchSource struct {
	customers    []benchCustomer
	orders       []benchOrder
	interactions []benchRow
	members      []benchRow
	complaints   []benchComplaint
	surveys      []benchSurvey
	prices       []kehu.Money
	refunds      []kehu.Money
}

type (
	benchCustomer struct {
		firstSeen            int64
		hasEmail, identified bool
	}
	benchOrder struct {
		at    int64
		cust  int32
		price int16
	}
	benchRow struct {
		at   int64
		cust int32
	}
	benchComplaint struct{ received, due, handled int64 }
	benchSurvey    struct {
		at      int64
		measure crm.SurveyMeasure
		value   int8
	}
)

// benchID returns the i-th customer's ID: like a UUIDv7, a timestamp-like prefix that
// grows with i and random-looking bits after it.
func benchID(i int32) crm.CustomerID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], 0x019a_0000_0000_7000+uint64(i)<<16)
	binary.BigEndian.PutUint64(u[8:], uint64(i)*0x9e3779b97f4a7c15|0x8000_0000_0000_0000)
	return crm.CustomerIDFrom(u)
}

func benchTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// inRange is the source's "WHERE at >= from AND at < to".
func inRange(us int64, from, to int64) bool { return us >= from && us < to }

func (s *benchSource) CustomerCount() int { return len(s.customers) }

func (s *benchSource) CustomerFacts(context.Context) iter.Seq2[crm.CustomerFact, error] {
	return func(yield func(crm.CustomerFact, error) bool) {
		for i, c := range s.customers {
			f := crm.CustomerFact{ID: benchID(int32(i)), FirstSeen: benchTime(c.firstSeen), HasEmail: c.hasEmail, Identified: c.identified}
			if !yield(f, nil) {
				return
			}
		}
	}
}

func (s *benchSource) OrderFacts(_ context.Context, from, to time.Time) iter.Seq2[crm.OrderFact, error] {
	return func(yield func(crm.OrderFact, error) bool) {
		f, t := from.UnixMicro(), to.UnixMicro()
		for _, o := range s.orders {
			if !inRange(o.at, f, t) {
				continue
			}
			of := crm.OrderFact{At: benchTime(o.at)}
			if o.cust >= 0 {
				of.CustomerID = benchID(o.cust)
			}
			if o.price >= 0 {
				of.Amount = s.prices[o.price]
			} else {
				of.Amount = s.refunds[-1-int(o.price)]
			}
			if !yield(of, nil) {
				return
			}
		}
	}
}

func (s *benchSource) InteractionFacts(_ context.Context, from, to time.Time) iter.Seq2[crm.InteractionFact, error] {
	return func(yield func(crm.InteractionFact, error) bool) {
		f, t := from.UnixMicro(), to.UnixMicro()
		for _, r := range s.interactions {
			if inRange(r.at, f, t) && !yield(crm.InteractionFact{CustomerID: benchID(r.cust), At: benchTime(r.at)}, nil) {
				return
			}
		}
	}
}

func (s *benchSource) MemberFacts(context.Context) iter.Seq2[crm.MemberFact, error] {
	return func(yield func(crm.MemberFact, error) bool) {
		for _, r := range s.members {
			if !yield(crm.MemberFact{CustomerID: benchID(r.cust), Joined: benchTime(r.at)}, nil) {
				return
			}
		}
	}
}

func (s *benchSource) ComplaintFacts(_ context.Context, from, to time.Time) iter.Seq2[crm.ComplaintFact, error] {
	return func(yield func(crm.ComplaintFact, error) bool) {
		f, t := from.UnixMicro(), to.UnixMicro()
		for _, c := range s.complaints {
			if inRange(c.received, f, t) && !yield(crm.ComplaintFact{ReceivedAt: benchTime(c.received), DueAt: benchTime(c.due), HandledAt: benchTime(c.handled)}, nil) {
				return
			}
		}
	}
}

func (s *benchSource) SurveyFacts(_ context.Context, from, to time.Time) iter.Seq2[crm.SurveyFact, error] {
	return func(yield func(crm.SurveyFact, error) bool) {
		f, t := from.UnixMicro(), to.UnixMicro()
		for _, a := range s.surveys {
			if !inRange(a.at, f, t) {
				continue
			}
			sf := crm.SurveyFact{At: benchTime(a.at), Measure: a.measure}
			switch a.measure {
			case crm.MeasureSatisfaction:
				sf.Satisfied = a.value != 0
			case crm.MeasureNPS:
				sf.Score = int(a.value)
			default:
				sf.WouldRepurchase = a.value != 0
			}
			if !yield(sf, nil) {
				return
			}
		}
	}
}

var (
	benchOnce sync.Once
	benchSet  *benchSource
)

// benchScorecardData generates the data deterministically: customers first seen over the
// two years to November 2026, 70 % identified and 60 % with an email; orders spread over
// September to November 2026, a tenth of them anonymous and one in fifty a refund, a third
// of the named ones by the first tenth of the customers, at one of a thousand prices;
// interactions, members, complaints (due in two days, nine in ten handled, most in time)
// and survey answers (satisfaction, NPS and repurchase intent in turn).
func benchScorecardData() *benchSource {
	benchOnce.Do(func() {
		customers, members := benchScale(benchCustomers), benchScale(benchMembers)
		rng := rand.New(rand.NewPCG(20261201, 15))
		start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
		span := (91 * 24 * time.Hour).Microseconds() // September to November
		day := (24 * time.Hour).Microseconds()
		s := &benchSource{
			customers:    make([]benchCustomer, customers),
			orders:       make([]benchOrder, benchScale(benchOrders)),
			interactions: make([]benchRow, benchScale(benchInteractions)),
			members:      make([]benchRow, members),
			complaints:   make([]benchComplaint, benchScale(benchComplaints)),
			surveys:      make([]benchSurvey, benchScale(benchSurveys)),
			prices:       make([]kehu.Money, 1000),
			refunds:      make([]kehu.Money, 1000),
		}
		for i := range s.prices {
			m, err := kehu.NewMoneyFromMinor(int64(500+i*37%20000), "CNY")
			if err != nil {
				panic(err)
			}
			s.prices[i], s.refunds[i] = m, m.Neg()
		}
		for i := range s.customers {
			s.customers[i] = benchCustomer{
				firstSeen:  start - rng.Int64N(640*day) + rng.Int64N(span),
				hasEmail:   rng.IntN(10) < 6,
				identified: rng.IntN(10) < 7,
			}
		}
		at := func() int64 { return start + rng.Int64N(span) }
		customer := func() int32 {
			if rng.IntN(3) == 0 {
				return int32(rng.IntN(customers / 10))
			}
			return int32(rng.IntN(customers))
		}
		for i := range s.orders {
			o := benchOrder{at: at(), cust: -1, price: int16(rng.IntN(len(s.prices)))}
			if rng.IntN(10) != 0 {
				o.cust = customer()
			}
			if rng.IntN(50) == 0 {
				o.price = -1 - o.price
			}
			s.orders[i] = o
		}
		for i := range s.interactions {
			s.interactions[i] = benchRow{at: at(), cust: customer()}
		}
		for i := range s.members {
			s.members[i] = benchRow{at: at() - rng.Int64N(365*day), cust: int32(i * (customers / members))}
		}
		for i := range s.complaints {
			r := at()
			c := benchComplaint{received: r, due: r + 2*day}
			if rng.IntN(10) != 0 {
				c.handled = r + rng.Int64N(60*day/24)
			}
			s.complaints[i] = c
		}
		for i := range s.surveys {
			a := benchSurvey{at: at()}
			switch i % 3 {
			case 0:
				a.measure, a.value = crm.MeasureSatisfaction, int8(min(rng.IntN(10), 1))
			case 1:
				a.measure, a.value = crm.MeasureNPS, int8(rng.IntN(11))
			default:
				a.measure, a.value = crm.MeasureRepurchase, int8(rng.IntN(10)/3)
			}
			s.surveys[i] = a
		}
		benchSet = s
	})
	return benchSet
}

// BenchmarkScorecard1M computes November 2026's scorecard (October and September read for
// the comparison and for retention) over 1,000,000 customers, 5,000,000 orders,
// 2,000,000 interactions, 400,000 members, 50,000 complaints and 500,000 survey answers.
// Besides the wall time it reports the process's CPU time per computation (cpu-s/op, the
// collector's work on the other core included), which varies less on a shared machine.
func BenchmarkScorecard1M(b *testing.B) {
	src := benchScorecardData()
	def, err := crm.CompileScorecard(handSpec())
	if err != nil {
		b.Fatal(err)
	}
	in := crm.ScorecardInput{Period: crm.Month(2026, time.November),
		Customers: src, Orders: src, Interactions: src, Members: src, Complaints: src, Surveys: src}
	ctx := context.Background()
	b.ReportAllocs()
	n, cpu := 0, processCPU()
	for b.Loop() {
		sc, err := def.Compute(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if k, _ := sc.KPI(crm.KPIActiveCustomers); !k.HasValue() {
			b.Fatal("no active customers")
		}
		n++
	}
	if cpu > 0 {
		b.ReportMetric(float64(processCPU()-cpu)/float64(n)/1e9, "cpu-s/op")
	}
}
