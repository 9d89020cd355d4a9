package complaint

import (
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
)

// Metrics are the service measures of a set of cases at an instant, each in business
// time (on the calendars of the policies in force) and in calendar time.
type Metrics struct {
	At time.Time `json:"at"`
	// Cases counts the cases measured: those opened by At, merged ones aside (Merged
	// counts them; their time belongs to the cases they went into).
	Cases  int `json:"cases"`
	Merged int `json:"merged"`
	// FirstResponse, NextReply, FirstResolution and FinalResolution are the
	// distributions of the times of Timings, over the cases (and the answered messages)
	// that have one.
	FirstResponse   Distribution `json:"first_response"`
	NextReply       Distribution `json:"next_reply"`
	FirstResolution Distribution `json:"first_resolution"`
	FinalResolution Distribution `json:"final_resolution"`
	// Breaches counts the targets broken, by clock in the order of TargetKinds, and
	// BreachedCases the cases with at least one.
	Breaches      []KindCount `json:"breaches"`
	BreachedCases int         `json:"breached_cases"`
	// Resolved counts the cases resolved at least once, Reopened those of them reopened
	// at least once, and ReopenRate is Reopened / Resolved (0 with none resolved).
	Resolved   int     `json:"resolved"`
	Reopened   int     `json:"reopened"`
	ReopenRate float64 `json:"reopen_rate"`
	// Backlog counts the cases not yet resolved (received to waiting on the customer) by
	// their age, in the bands the caller chose.
	Backlog []AgeBand `json:"backlog"`
}

// KindCount is a count for one clock.
type KindCount struct {
	Kind  TargetKind `json:"kind"`
	Count int        `json:"count"`
}

// Distribution summarises measured times.
type Distribution struct {
	Count    int     `json:"count"`
	Business Summary `json:"business"`
	Calendar Summary `json:"calendar"`
}

// Summary is the mean (truncated to the nanosecond), the median and 90th percentile (by
// the nearest-rank method: the smallest value with at least that share of the values at
// or below it) and the largest of a set of durations; all zero for none.
type Summary struct {
	Mean   time.Duration `json:"mean"`
	Median time.Duration `json:"median"`
	P90    time.Duration `json:"p90"`
	Max    time.Duration `json:"max"`
}

// AgeBand counts the backlog's cases whose age is below Below (and at or above the band
// before it); the last band, with Below zero, has no upper bound. Business counts by age
// in business time, Calendar by age in calendar time.
type AgeBand struct {
	Below    time.Duration `json:"below,omitempty"`
	Business int           `json:"business"`
	Calendar int           `json:"calendar"`
}

// Metrics computes the service measures of cases at an instant, from each case's SLA
// (Status). ages are the upper bounds of the backlog's age bands, increasing and
// positive (for example 4 h, 1 day, 3 days: four bands). A case whose policy is not in s
// is an error, and so are bad bands (a *kehu.ValidationError on "ages[i]").
func (s *Policies) Metrics(cases []*Case, at time.Time, ages []time.Duration) (Metrics, error) {
	var p kehu.Problems
	for i, a := range ages {
		switch {
		case a <= 0:
			p.Addf(fmt.Sprintf("ages[%d]", i), "min", "is %s; an age band ends after zero", a)
		case i > 0 && a <= ages[i-1]:
			p.Addf(fmt.Sprintf("ages[%d]", i), "order", "%s is not after %s", a, ages[i-1])
		}
	}
	if err := p.Err(); err != nil {
		return Metrics{}, err
	}
	at = kehu.Truncate(at)
	m := Metrics{At: at, Backlog: make([]AgeBand, len(ages)+1)}
	for i, a := range ages {
		m.Backlog[i].Below = a
	}
	breaches := make([]int, len(TargetKinds()))
	var fr, nr, res1, resN samples
	for _, c := range cases {
		if c == nil || len(c.Steps) == 0 || c.Steps[0].At.After(at) {
			continue
		}
		sla, err := s.Status(c, at)
		if err != nil {
			return Metrics{}, err
		}
		if sla.Status == Merged {
			m.Merged++
			continue
		}
		m.Cases++
		tm := sla.Timings
		if tm.FirstResponse != nil {
			fr.add(*tm.FirstResponse)
		}
		for _, r := range tm.NextReplies {
			nr.add(r)
		}
		if tm.FirstResolution != nil {
			res1.add(*tm.FirstResolution)
			m.Resolved++
			if tm.Reopens > 0 {
				m.Reopened++
			}
		}
		if tm.FinalResolution != nil {
			resN.add(*tm.FinalResolution)
		}
		for _, b := range sla.Breaches {
			breaches[slices.Index(TargetKinds(), b.Kind)]++
		}
		if len(sla.Breaches) > 0 {
			m.BreachedCases++
		}
		if sla.Status != Resolved && sla.Status != Closed {
			m.Backlog[band(ages, tm.Age.Business)].Business++
			m.Backlog[band(ages, tm.Age.Calendar)].Calendar++
		}
	}
	m.FirstResponse, m.NextReply, m.FirstResolution, m.FinalResolution = fr.summary(), nr.summary(), res1.summary(), resN.summary()
	for i, k := range TargetKinds() {
		m.Breaches = append(m.Breaches, KindCount{Kind: k, Count: breaches[i]})
	}
	if m.Resolved > 0 {
		m.ReopenRate = float64(m.Reopened) / float64(m.Resolved)
	}
	return m, nil
}

func band(ages []time.Duration, age time.Duration) int {
	i, _ := slices.BinarySearch(ages, age+1) // the first bound above age
	return i
}

type samples struct{ business, calendar []time.Duration }

func (s *samples) add(sp Span) {
	s.business = append(s.business, sp.Business)
	s.calendar = append(s.calendar, sp.Calendar)
}

func (s *samples) summary() Distribution {
	return Distribution{Count: len(s.business), Business: summarise(s.business), Calendar: summarise(s.calendar)}
}

// summarise sorts ds and summarises it; the durations are not negative.
func summarise(ds []time.Duration) Summary {
	n := len(ds)
	if n == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	var hi, lo uint64 // a 128-bit sum: a million ten-year durations do not overflow it
	for _, d := range ds {
		var carry uint64
		lo, carry = bits.Add64(lo, uint64(d), 0)
		hi += carry
	}
	mean, _ := bits.Div64(hi, lo, uint64(n)) // hi < n, since each duration is below 2^63
	rank := func(p int) time.Duration { return ds[(p*n+99)/100-1] }
	return Summary{Mean: time.Duration(mean), Median: rank(50), P90: rank(90), Max: ds[n-1]}
}
