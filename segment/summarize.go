package segment

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"iter"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/kehu-crm/kehu/internal/civil"
)

// MonetaryPlaces is the number of decimal places of the mean values in a Summary
// (Monetary and HoldoutMonetary): the exact sum divided by the count with
// decimal.DivRound, rounding half away from zero.
const MonetaryPlaces = 6

// monthDays is the length of a Month in days when months are measured as a duration:
// 365.2425/12, the average Gregorian month, which is numpy's timedelta64(1, 'M') that
// lifetimes divides by.
const monthDays = 365.2425 / 12

// Options configure Summarize.
//
// The figures follow lifetimes' summary_data_from_transaction_data and
// calibration_and_holdout_data (Davidson-Pilon, lifetimes 0.11.3, utils.py):
//
//  1. Each transaction's time is floored to its Collapse period on the calendar of
//     Location: the calendar day by default, like freq='D'.
//  2. Purchases of a customer in the same period are merged into one purchase whose value
//     is their sum.
//  3. Frequency is the number of purchase periods less one; Recency the distance from the
//     first period to the last; T the distance from the first period to the period of the
//     observation end (the calibration end when one is set); Monetary the mean of the
//     merged purchases after the first.
//  4. Distances are measured in Period units. When Collapse and Period are the same unit
//     they are whole numbers of periods: calendar weeks (Monday to Sunday, pandas' 'W') or
//     calendar months. Otherwise they are days divided by the length of Period (7 for a
//     week, 365.2425/12 for a month), which is lifetimes' freq='D' with freq_multiplier=7
//     for weeks: the form of the CDNOW summary of Fader, Hardie & Lee (2005), where
//     T = 38.86 is 272/7.
//  5. With a calibration end, HoldoutFrequency counts the purchase periods after it and
//     HoldoutMonetary is the mean of those periods' sums, like the calibration figures
//     (lifetimes' monetary_value_holdout averages the raw transactions instead).
//  6. DaysSinceLast, Total and Orders cover the whole window, calibration and holdout.
type Options struct {
	// Period is the unit of Recency, T and HoldoutDuration. Empty means Day.
	Period Period
	// Collapse is the period within which a customer's purchases merge into one: Day
	// (calendar day, the default when empty), Week (Monday to Sunday) or Month (calendar
	// month).
	Collapse Period
	// ObservationEnd ends the observation window; it is required. A transaction at or
	// before this instant is in the window; a later one is rejected. T and DaysSinceLast are
	// measured to the period (and day) that holds ObservationEnd.
	ObservationEnd time.Time
	// CalibrationEnd, if set, splits the window: transactions at or before it form the
	// calibration period (Frequency, Recency, T, Monetary), later ones the holdout period
	// (HoldoutFrequency, HoldoutMonetary). It must not be after ObservationEnd. Customers
	// whose first purchase falls in the holdout period have no calibration history; like
	// lifetimes, Summarize leaves them out, and SummarizeReport counts them.
	CalibrationEnd time.Time
	// Location is the calendar on which days, weeks and months are counted. Nil means each
	// time's own location: a transaction's wall-clock date, which is what lifetimes does
	// with naive datetimes.
	Location *time.Location
}

// periodLen is the length of p in days.
func periodLen(p Period) float64 {
	switch p {
	case Week:
		return 7
	case Month:
		return monthDays
	}
	return 1
}

func validPeriod(p Period) bool { return p == Day || p == Week || p == Month }

// resolved returns the options with defaults filled in, or a *kehu.ValidationError.
func (o Options) resolved() (Options, error) {
	var p kehu.Problems
	if o.Period == "" {
		o.Period = Day
	}
	if o.Collapse == "" {
		o.Collapse = Day
	}
	if !validPeriod(o.Period) {
		p.Addf("period", "enum", "%q is not day, week or month", o.Period)
	}
	if !validPeriod(o.Collapse) {
		p.Addf("collapse", "enum", "%q is not day, week or month", o.Collapse)
	}
	if o.ObservationEnd.IsZero() {
		p.Add("observation_end", "required", "is the zero time")
	}
	if !o.CalibrationEnd.IsZero() && !o.ObservationEnd.IsZero() && o.CalibrationEnd.After(o.ObservationEnd) {
		p.Add("calibration_end", "range", "is after observation_end")
	}
	return o, p.Err()
}

// RejectReason names why an input row or transaction was not used.
type RejectReason string

// Reasons for rejecting a transaction in Summarize and the data readers.
const (
	// RejectNoCustomer: the customer is empty (for Online Retail: CustomerID is blank).
	RejectNoCustomer RejectReason = "no_customer"
	// RejectZeroTime: the transaction has the zero time.
	RejectZeroTime RejectReason = "zero_time"
	// RejectTimeRange: the date is outside ±5 million years, beyond the day arithmetic.
	RejectTimeRange RejectReason = "time_out_of_range"
	// RejectNegativeAmount: the amount is below zero (returns are not purchases).
	RejectNegativeAmount RejectReason = "negative_amount"
	// RejectAmountRange: the amount has more than kehu.MaxIntegerDigits digits before the
	// point or is written with more than 18 decimal places (see AmountInRange).
	RejectAmountRange RejectReason = "amount_out_of_range"
	// RejectAfterEnd: the transaction is after Options.ObservationEnd.
	RejectAfterEnd RejectReason = "after_observation_end"
	// RejectCancelled: an Online Retail row whose InvoiceNo starts with "C".
	RejectCancelled RejectReason = "cancelled"
	// RejectNonPositiveQuantity: an Online Retail row with Quantity ≤ 0.
	RejectNonPositiveQuantity RejectReason = "non_positive_quantity"
	// RejectNonPositivePrice: an Online Retail row with UnitPrice ≤ 0.
	RejectNonPositivePrice RejectReason = "non_positive_price"
	// RejectMalformed: a row that cannot be read: wrong number of fields, a bad date or
	// number.
	RejectMalformed RejectReason = "malformed"
	// RejectCustomerConflict: an Online Retail row whose CustomerID differs from that of
	// the other rows of its invoice.
	RejectCustomerConflict RejectReason = "customer_conflict"
)

// Rejections counts rejected rows or transactions by reason.
type Rejections map[RejectReason]int

// Total is the sum of the counts.
func (r Rejections) Total() int {
	n := 0
	for _, c := range r {
		n += c
	}
	return n
}

// String lists the counts by reason in alphabetical order, e.g.
// "after_observation_end: 2, negative_amount: 1".
func (r Rejections) String() string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", k, r[RejectReason(k)])
	}
	return b.String()
}

// Rejection describes one rejected transaction.
type Rejection struct {
	// Index is the position of the transaction in the input, from 0.
	Index int
	// Customer is the transaction's customer.
	Customer string
	// Reason is why it was rejected.
	Reason RejectReason
	// Detail explains it.
	Detail string
}

// RejectedError reports transactions that Summarize or SummarizeSeq refused: every reason
// with its count and the first example of each. It matches kehu.ErrInvalid with errors.Is.
type RejectedError struct {
	// Transactions is the number of transactions read.
	Transactions int
	// Rejected counts the refused transactions by reason.
	Rejected Rejections
	// Examples holds the first rejected transaction of each reason, in input order.
	Examples []Rejection
}

// Error names the counts and the first example.
func (e *RejectedError) Error() string {
	msg := fmt.Sprintf("segment: %d of %d transactions rejected (%s)", e.Rejected.Total(), e.Transactions, e.Rejected)
	if len(e.Examples) > 0 {
		x := e.Examples[0]
		msg += fmt.Sprintf("; first: #%d customer %q: %s", x.Index, x.Customer, x.Detail)
	}
	return msg
}

// Is makes a RejectedError match kehu.ErrInvalid.
func (e *RejectedError) Is(target error) bool { return target == kehu.ErrInvalid }

// Report is the full result of SummarizeReport: the summaries and what was left out.
type Report struct {
	// Summaries holds one Summary per customer with a purchase in the calibration period
	// (the whole window when there is no calibration end), in order of first appearance in
	// the input.
	Summaries []Summary
	// Transactions is the number of transactions read; Accepted of those used.
	Transactions, Accepted int
	// Rejected counts the transactions refused, by reason; Examples holds the first of each
	// reason.
	Rejected Rejections
	Examples []Rejection
	// HoldoutOnly is the number of customers whose first purchase is after the calibration
	// end: they have no calibration history and have no Summary (lifetimes drops them
	// too).
	HoldoutOnly int
}

// Summarize summarises transactions per customer; see Options for the definitions. A
// transaction with no customer, the zero time, a negative amount or a time after
// ObservationEnd makes it fail with a *RejectedError that counts every such transaction by
// reason (use SummarizeReport to skip and count them instead). Invalid options give a
// *kehu.ValidationError. The summaries are in order of the customers' first appearance.
func Summarize(txns []Transaction, opts Options) ([]Summary, error) {
	return SummarizeSeq(slices.Values(txns), opts)
}

// SummarizeSeq is Summarize over a sequence, read once. It never holds the transactions:
// about 150 bytes per customer (its running sums and a hash-table entry) and 8 bytes per
// distinct purchase period of a customer, so that ten million transactions of a million
// customers summarise in about two seconds on two cores.
func SummarizeSeq(seq iter.Seq[Transaction], opts Options) ([]Summary, error) {
	rep, err := SummarizeReport(seq, opts)
	if err != nil {
		return nil, err
	}
	if len(rep.Rejected) > 0 {
		return nil, &RejectedError{Transactions: rep.Transactions, Rejected: rep.Rejected, Examples: rep.Examples}
	}
	return rep.Summaries, nil
}

// SummarizeReport is SummarizeSeq that skips invalid transactions and reports them,
// counted by reason, instead of failing. It fails only on invalid options.
//
// The sequence is read on the calling goroutine; the accumulation runs on a second one,
// batch by batch, so that reading and hashing overlap with the bookkeeping.
func SummarizeReport(seq iter.Seq[Transaction], opts Options) (*Report, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	s := newSummarizer(o)
	if seq != nil {
		s.run(seq)
	}
	return s.finish(), nil
}

// Flags of a customer accumulator.
const (
	accUnordered uint8 = 1 << iota // arrivals went back in time: distinct counts come from the log
	accBig                         // sums overflowed int64: they live in summarizer.big
)

// noPeriod marks "no calibration purchase yet".
const noPeriod = math.MinInt32

// custAcc is the running state of one customer: 56 bytes.
type custAcc struct {
	firstP   int32 // first calibration period, or noPeriod
	calLastP int32 // last calibration period
	lastKey  int32 // 2·period + half of the latest arrival, for order detection
	lastDay  int32 // latest calendar day of any purchase
	calN     int32 // distinct calibration periods
	holdN    int32 // distinct holdout periods
	orders   int32
	flags    uint8
	// Sums at the summarizer's exponent: the first calibration period, the calibration
	// period, the holdout period.
	firstSum, calSum, holdSum int64
}

// bigSums are a customer's sums once they no longer fit the fixed-point int64 form.
type bigSums struct{ first, cal, hold decimal.Decimal }

// rec is one transaction as the accumulator needs it, prepared by the reading goroutine.
type rec struct {
	cust   string
	at     time.Time
	amount decimal.Decimal
	hash   uint64
	coef   int64 // the amount's coefficient when fixed is set
	day    int32
	period int32
	exp    int32 // the amount's exponent when fixed is set
	half   int32 // 0 calibration, 1 holdout
	fixed  bool  // coef and exp hold the amount
	reject bool
}

// batchLen is the number of transactions handed over at a time.
const batchLen = 1024

type batch struct {
	recs [batchLen]rec
	n    int
	sink uint64 // results of the prefetching loads, so that they are not optimised away
}

// custSlot is an entry of the customer hash table.
type custSlot struct {
	hash uint64 // 0: empty
	cust string
	idx  int32
}

// summarizer accumulates transactions; see SummarizeSeq. Its reading side (prepare,
// reject, the counters) and its accumulating side (consume, the tables) run on different
// goroutines and share nothing but the batches.
type summarizer struct {
	o         Options
	hasCal    bool
	utc       bool // Location is UTC: no zone lookups
	obsEndDay int64
	calEndP   int64 // period of the calibration end (the observation end if none)
	obsEndP   int64
	seed      maphash.Seed

	// Reading side.
	n, accepted int
	rejected    Rejections
	examples    []Rejection

	// Accumulating side.
	slots     []custSlot // open addressing, linear probing, load ≤ 1/2
	acc       accTable
	big       map[int32]*bigSums
	exp       int32 // exponent of the fixed-point sums
	log       chunkLog
	unordered bool
}

func newSummarizer(o Options) *summarizer {
	s := &summarizer{
		o:      o,
		hasCal: !o.CalibrationEnd.IsZero(),
		utc:    o.Location == time.UTC,
		seed:   maphash.MakeSeed(),
		slots:  make([]custSlot, 1024),
		big:    map[int32]*bigSums{},
		exp:    -2,
	}
	s.obsEndDay = s.day(o.ObservationEnd)
	s.obsEndP = s.period(s.obsEndDay)
	s.calEndP = s.obsEndP
	if s.hasCal {
		s.calEndP = s.period(s.day(o.CalibrationEnd))
	}
	return s
}

// day is the calendar day number of t (days since 1970-01-01) on the options' calendar.
func (s *summarizer) day(t time.Time) int64 {
	if s.utc {
		return civil.FloorDiv(t.Unix(), 86400)
	}
	if s.o.Location != nil {
		t = t.In(s.o.Location)
	}
	_, off := t.Zone()
	return civil.FloorDiv(t.Unix()+int64(off), 86400)
}

// period is the Collapse period number of a day: the day itself, the week (weeks start
// on Monday; day 0 is a Thursday) or the month (year·12 + month − 1).
func (s *summarizer) period(day int64) int64 {
	switch s.o.Collapse {
	case Week:
		return civil.FloorDiv(day+3, 7)
	case Month:
		y, m, _ := civil.Date(day)
		return y*12 + m - 1
	}
	return day
}

// periodStartDay is the first day of Collapse period p.
func (s *summarizer) periodStartDay(p int64) int64 {
	switch s.o.Collapse {
	case Week:
		return p*7 - 3
	case Month:
		return civil.Days(civil.FloorDiv(p, 12), p-civil.FloorDiv(p, 12)*12+1, 1)
	}
	return p
}

// units is the distance from period a to period b in Period units.
func (s *summarizer) units(a, b int64) float64 {
	if s.o.Collapse == s.o.Period {
		return float64(b - a)
	}
	return float64(s.periodStartDay(b)-s.periodStartDay(a)) / periodLen(s.o.Period)
}

// run reads seq on this goroutine and accumulates on another.
func (s *summarizer) run(seq iter.Seq[Transaction]) {
	const batches = 4 // in flight at most; allocated as needed
	full := make(chan *batch, batches)
	free := make(chan *batch, batches)
	allocated := 0
	next := func() *batch {
		var b *batch
		select {
		case b = <-free:
		default:
			if allocated < batches {
				allocated++
				b = new(batch)
			} else {
				b = <-free
			}
		}
		b.n = 0
		return b
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range full {
			s.consume(b)
			free <- b
		}
	}()
	// Close and wait even if seq panics, so that the accumulator never leaks.
	defer func() {
		close(full)
		<-done
	}()
	b := next()
	for t := range seq {
		r := &b.recs[b.n]
		r.cust, r.at, r.amount = t.Customer, t.At, t.Amount
		b.n++
		if b.n == batchLen {
			s.prepare(b)
			full <- b
			b = next()
		}
	}
	if b.n > 0 {
		s.prepare(b)
		full <- b
	}
}

// prepare validates the transactions of a batch and computes what the accumulator needs:
// calendar day and period, the amount as a coefficient and exponent, the customer's hash.
// It runs on the reading goroutine. Each loop touches one kind of memory for every
// transaction, so that the processor overlaps the cache misses of many transactions.
func (s *summarizer) prepare(b *batch) {
	recs := b.recs[:b.n]
	for i := range recs {
		r := &recs[i]
		index := s.n + i
		r.reject, r.fixed, r.half = false, false, 0
		switch {
		case r.cust == "":
			s.reject(r, index, RejectNoCustomer, "the customer is empty")
			continue
		case r.at.IsZero():
			s.reject(r, index, RejectZeroTime, "the time is zero")
			continue
		case r.at.After(s.o.ObservationEnd):
			s.reject(r, index, RejectAfterEnd, fmt.Sprintf("%s is after the observation end %s",
				r.at.Format(time.RFC3339), s.o.ObservationEnd.Format(time.RFC3339)))
			continue
		}
		day := s.day(r.at)
		if day < -maxDay || day > maxDay {
			s.reject(r, index, RejectTimeRange, "the date "+r.at.String()+" is out of range")
			continue
		}
		r.day, r.period = int32(day), int32(s.period(day))
		if s.hasCal && r.at.After(s.o.CalibrationEnd) {
			r.half = 1
		}
	}
	// The amounts (each decimal points to its own big.Int).
	for i := range recs {
		r := &recs[i]
		if r.reject {
			continue
		}
		if r.amount.Sign() < 0 {
			s.reject(r, s.n+i, RejectNegativeAmount, "amount "+r.amount.String()+" is negative")
			continue
		}
		digits := r.amount.NumDigits()
		if !amountInRange(digits, r.amount.Exponent()) {
			s.reject(r, s.n+i, RejectAmountRange, fmt.Sprintf("amount with %d digits and exponent %d is out of range", digits, r.amount.Exponent()))
			continue
		}
		if digits <= 18 {
			r.coef, r.exp, r.fixed = r.amount.CoefficientInt64(), r.amount.Exponent(), true
		}
	}
	// The customers.
	for i := range recs {
		r := &recs[i]
		if !r.reject {
			r.hash = maphash.String(s.seed, r.cust) | 1
			s.accepted++
		}
	}
	s.n += len(recs)
}

// AmountInRange reports whether an amount is within the bounds every function of this
// package accepts, so that a hostile value such as 1e999999 cannot cost unbounded time or
// memory: at most kehu.MaxIntegerDigits (30) digits before the decimal point and an
// exponent of at least −18 (at most 18 decimal places as written).
func AmountInRange(d decimal.Decimal) bool {
	if d.Sign() == 0 {
		return d.Exponent() >= -18 && d.Exponent() <= kehu.MaxIntegerDigits
	}
	return amountInRange(d.NumDigits(), d.Exponent())
}

func amountInRange(digits int, exp int32) bool {
	return exp >= -18 && exp <= kehu.MaxIntegerDigits && int64(digits)+int64(exp) <= kehu.MaxIntegerDigits
}

// maxDay bounds the day numbers kept in int32 periods.
const maxDay = 1 << 30

// reject counts a refused transaction at position index of the input.
func (s *summarizer) reject(r *rec, index int, reason RejectReason, detail string) {
	r.reject = true
	if s.rejected == nil {
		s.rejected = Rejections{}
	}
	if s.rejected[reason] == 0 {
		s.examples = append(s.examples, Rejection{Index: index, Customer: r.cust, Reason: reason, Detail: detail})
	}
	s.rejected[reason]++
}

// consume accumulates a prepared batch. It runs on the accumulating goroutine.
func (s *summarizer) consume(b *batch) {
	recs := b.recs[:b.n]
	idx := make([]int32, 0, batchLen) // small: stays on the stack
	// Touch the slots first: independent loads that the processor overlaps.
	var sink uint64
	mask := uint64(len(s.slots) - 1)
	for i := range recs {
		if !recs[i].reject {
			sink += s.slots[recs[i].hash&mask].hash
		}
	}
	for i := range recs {
		r := &recs[i]
		if r.reject {
			idx = append(idx, -1)
			continue
		}
		idx = append(idx, s.lookup(r))
	}
	for _, k := range idx {
		if k >= 0 {
			sink += uint64(s.acc.at(k).orders)
		}
	}
	b.sink += sink
	for i := range recs {
		if k := idx[i]; k >= 0 {
			s.add(&recs[i], k)
		}
	}
}

// lookup returns the index of r's customer, adding the customer when new.
func (s *summarizer) lookup(r *rec) int32 {
	mask := uint64(len(s.slots) - 1)
	for pos := r.hash & mask; ; pos = (pos + 1) & mask {
		sl := &s.slots[pos]
		if sl.hash == 0 {
			k := s.acc.add()
			*sl = custSlot{hash: r.hash, cust: r.cust, idx: k}
			if 2*s.acc.n > len(s.slots) {
				s.grow()
			}
			return k
		}
		if sl.hash == r.hash && sl.cust == r.cust {
			return sl.idx
		}
	}
}

// grow doubles the customer table.
func (s *summarizer) grow() {
	old := s.slots
	s.slots = make([]custSlot, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.hash == 0 {
			continue
		}
		pos := sl.hash & mask
		for s.slots[pos].hash != 0 {
			pos = (pos + 1) & mask
		}
		s.slots[pos] = sl
	}
}

// add accumulates one transaction of customer idx.
func (s *summarizer) add(r *rec, idx int32) {
	a := s.acc.at(idx)
	p, half := r.period, r.half

	// Distinct periods: counted as they come for a customer whose purchases arrive in time
	// order; every new period is also logged, so that a customer whose purchases arrive out
	// of order is recounted from the log at the end.
	key := 2*p + half
	switch {
	case a.orders == 0 || key > a.lastKey:
		if half == 0 {
			a.calN++
		} else {
			a.holdN++
		}
		a.lastKey = key
		s.log.add(uint64(uint32(idx))<<32 | uint64(uint32(key)))
	case key < a.lastKey:
		a.flags |= accUnordered
		s.unordered = true
		s.log.add(uint64(uint32(idx))<<32 | uint64(uint32(key)))
	}
	a.orders++
	if a.orders == 1 || r.day > a.lastDay {
		a.lastDay = r.day
	}

	// Sums.
	if a.flags&accBig == 0 {
		if r.fixed {
			if v, ok := s.fixed(r.coef, r.exp); ok && s.addFixed(a, v, p, half) {
				return
			}
		}
		s.toBig(idx, a)
	}
	s.addBig(s.big[idx], a, r.amount, p, half)
}

// addFixed adds v to a's sums; false (and nothing changed) if a sum would overflow.
func (s *summarizer) addFixed(a *custAcc, v int64, p, half int32) bool {
	if half == 1 {
		h, ok := checked.Add(a.holdSum, v)
		if !ok {
			return false
		}
		a.holdSum = h
		return true
	}
	c, ok := checked.Add(a.calSum, v)
	if !ok {
		return false
	}
	wasEmpty := a.firstP == noPeriod
	switch {
	case wasEmpty || p < a.firstP:
		a.firstP, a.firstSum = p, v
	case p == a.firstP:
		f, ok := checked.Add(a.firstSum, v)
		if !ok {
			return false
		}
		a.firstSum = f
	}
	a.calSum = c
	if wasEmpty || p > a.calLastP {
		a.calLastP = p
	}
	return true
}

// addBig is addFixed in exact decimals for a customer whose sums left int64.
func (s *summarizer) addBig(b *bigSums, a *custAcc, v decimal.Decimal, p, half int32) {
	if half == 1 {
		b.hold = b.hold.Add(v)
		return
	}
	b.cal = b.cal.Add(v)
	wasEmpty := a.firstP == noPeriod
	switch {
	case wasEmpty || p < a.firstP:
		a.firstP, b.first = p, v
	case p == a.firstP:
		b.first = b.first.Add(v)
	}
	if wasEmpty || p > a.calLastP {
		a.calLastP = p
	}
}

// toBig moves customer idx's sums to exact decimals.
func (s *summarizer) toBig(idx int32, a *custAcc) {
	a.flags |= accBig
	s.big[idx] = &bigSums{
		first: decimal.New(a.firstSum, s.exp),
		cal:   decimal.New(a.calSum, s.exp),
		hold:  decimal.New(a.holdSum, s.exp),
	}
	a.firstSum, a.calSum, a.holdSum = 0, 0, 0
}

// minExp is the smallest exponent of the fixed-point sums; amounts with more significant
// decimal places take the exact decimal path.
const minExp = -9

// fixed returns the amount c·10^x as a coefficient at s.exp, lowering s.exp (and
// rescaling every customer's sums) when it has more decimal places. False when it does
// not fit.
func (s *summarizer) fixed(c int64, x int32) (int64, bool) {
	if c == 0 {
		return 0, true
	}
	for x < s.exp && c%10 == 0 {
		c /= 10
		x++
	}
	if x < s.exp {
		if x < minExp {
			return 0, false
		}
		s.rescale(x)
	}
	return checked.Scale(c, int(x-s.exp))
}

// rescale lowers the exponent of every fixed-point sum to exp; customers whose sums would
// overflow move to exact decimals first.
func (s *summarizer) rescale(exp int32) {
	k := s.exp - exp
	for i := range s.acc.n {
		a := s.acc.at(int32(i))
		if a.flags&accBig != 0 {
			continue
		}
		f, ok1 := checked.Scale(a.firstSum, int(k))
		c, ok2 := checked.Scale(a.calSum, int(k))
		h, ok3 := checked.Scale(a.holdSum, int(k))
		if ok1 && ok2 && ok3 {
			a.firstSum, a.calSum, a.holdSum = f, c, h
		} else {
			s.toBig(int32(i), a)
		}
	}
	s.exp = exp
}

// finish recounts the customers whose purchases arrived out of order and builds the
// report, filling the summaries on two goroutines.
func (s *summarizer) finish() *Report {
	if s.unordered {
		s.recount()
	}
	slices.SortFunc(s.examples, func(a, b Rejection) int { return cmp.Compare(a.Index, b.Index) })
	rep := &Report{Transactions: s.n, Accepted: s.accepted, Rejected: s.rejected, Examples: s.examples}
	names := make([]string, s.acc.n)
	for _, sl := range s.slots {
		if sl.hash != 0 {
			names[sl.idx] = sl.cust
		}
	}
	// Positions of the customers with a calibration history.
	pos := make([]int32, s.acc.n)
	n := int32(0)
	for i := range s.acc.n {
		if s.acc.at(int32(i)).calN == 0 {
			pos[i] = -1
			rep.HoldoutOnly++
			continue
		}
		pos[i] = n
		n++
	}
	out := make([]Summary, n)
	holdDur := 0.0
	if s.hasCal {
		holdDur = s.units(s.calEndP, s.obsEndP)
	}
	fill := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if pos[i] >= 0 {
				s.summary(&out[pos[i]], i, names[i], holdDur)
			}
		}
	}
	if mid := s.acc.n / 2; mid >= 10_000 {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			fill(mid, s.acc.n)
		}()
		fill(0, mid)
		wg.Wait()
	} else {
		fill(0, s.acc.n)
	}
	rep.Summaries = out
	return rep
}

// summary fills sum for customer i.
func (s *summarizer) summary(sum *Summary, i int, name string, holdDur float64) {
	a := s.acc.at(int32(i))
	*sum = Summary{
		Customer:      name,
		Frequency:     int(a.calN - 1),
		Recency:       s.units(int64(a.firstP), int64(a.calLastP)),
		T:             s.units(int64(a.firstP), s.calEndP),
		DaysSinceLast: int(s.obsEndDay - int64(a.lastDay)),
		Orders:        int(a.orders),
		Monetary:      zeroDecimal,
	}
	if s.hasCal {
		sum.HoldoutFrequency = int(a.holdN)
		sum.HoldoutDuration = holdDur
		sum.HoldoutMonetary = zeroDecimal
	}
	if a.flags&accBig == 0 {
		if total, ok := checked.Add(a.calSum, a.holdSum); ok {
			sum.Total = decimal.New(total, s.exp)
		} else {
			sum.Total = decimal.New(a.calSum, s.exp).Add(decimal.New(a.holdSum, s.exp))
		}
		if sum.Frequency > 0 {
			sum.Monetary = meanFixed(a.calSum-a.firstSum, s.exp, int64(sum.Frequency))
		}
		if s.hasCal && a.holdN > 0 {
			sum.HoldoutMonetary = meanFixed(a.holdSum, s.exp, int64(a.holdN))
		}
		return
	}
	b := s.big[int32(i)]
	sum.Total = b.cal.Add(b.hold)
	if sum.Frequency > 0 {
		sum.Monetary = b.cal.Sub(b.first).DivRound(decimal.NewFromInt(int64(sum.Frequency)), MonetaryPlaces)
	}
	if s.hasCal && a.holdN > 0 {
		sum.HoldoutMonetary = b.hold.DivRound(decimal.NewFromInt(int64(a.holdN)), MonetaryPlaces)
	}
}

// zeroDecimal is shared by the summaries' zero means; decimals are immutable.
var zeroDecimal = decimal.New(0, -MonetaryPlaces)

// meanFixed is (sum·10^exp)/n rounded half away from zero to MonetaryPlaces places — the
// same value and form as decimal.DivRound — computed in 128-bit integers when it fits.
func meanFixed(sum int64, exp int32, n int64) decimal.Decimal {
	slow := func() decimal.Decimal {
		return decimal.New(sum, exp).DivRound(decimal.NewFromInt(n), MonetaryPlaces)
	}
	if sum < 0 || n <= 0 {
		return slow()
	}
	// q = round(sum·10^(exp+P) / n), P = MonetaryPlaces.
	num, den := uint64(sum), uint64(n)
	var hi, lo uint64
	if k := exp + MonetaryPlaces; k >= 0 {
		p, ok := checked.Pow10Uint64(int(k))
		if !ok {
			return slow()
		}
		hi, lo = bits.Mul64(num, p)
	} else {
		p, ok := checked.Pow10Uint64(int(-k))
		if !ok {
			return slow()
		}
		h2, d2 := bits.Mul64(den, p)
		if h2 != 0 {
			return slow()
		}
		hi, lo, den = 0, num, d2
	}
	if hi >= den {
		return slow()
	}
	q, r := bits.Div64(hi, lo, den)
	if r >= den-r { // 2r ≥ den without overflow: round half up
		q++
	}
	if q > math.MaxInt64 {
		return slow()
	}
	return decimal.New(int64(q), -MonetaryPlaces)
}

// recount sets the distinct period counts of out-of-order customers from the log.
func (s *summarizer) recount() {
	var keys []uint64
	for _, chunk := range s.log.chunks {
		for _, e := range chunk {
			if s.acc.at(int32(e>>32)).flags&accUnordered != 0 {
				keys = append(keys, e)
			}
		}
	}
	slices.Sort(keys)
	for i, e := range keys {
		if i > 0 && keys[i-1] == e {
			continue
		}
		a := s.acc.at(int32(e >> 32))
		if i == 0 || keys[i-1]>>32 != e>>32 {
			a.calN, a.holdN = 0, 0
		}
		if int32(uint32(e))&1 == 0 {
			a.calN++
		} else {
			a.holdN++
		}
	}
}

// accTable holds the customers' accumulators in fixed chunks: it grows without copying.
type accTable struct {
	chunks [][]custAcc
	n      int
}

const accChunk = 1 << 14

// add appends a fresh accumulator and returns its index.
func (t *accTable) add() int32 {
	if t.n%accChunk == 0 {
		t.chunks = append(t.chunks, make([]custAcc, accChunk))
	}
	a := &t.chunks[t.n/accChunk][t.n%accChunk]
	a.firstP = noPeriod
	t.n++
	return int32(t.n - 1)
}

// at returns accumulator i.
func (t *accTable) at(i int32) *custAcc {
	return &t.chunks[uint32(i)/accChunk][uint32(i)%accChunk]
}

// chunkLog is an append-only list of uint64 in fixed chunks: it grows without copying.
type chunkLog struct{ chunks [][]uint64 }

const logChunk = 1 << 16

func (l *chunkLog) add(v uint64) {
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1]) == logChunk {
		l.chunks = append(l.chunks, make([]uint64, 0, logChunk))
		n++
	}
	l.chunks[n-1] = append(l.chunks[n-1], v)
}

// compareStrings orders customer IDs: a helper for deterministic tie-breaking.
func compareStrings(a, b string) int { return cmp.Compare(a, b) }
