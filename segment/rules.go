package segment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr/vm"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// Features are what a segment expression sees of one customer: attributes the host
// keeps, behaviour computed by this package, and model outputs the host computes (CLV,
// P(alive), churn risk) and copies in. Field names in expressions are the expr tags:
// `r >= 4 && p_alive > 0.7`, `tier == "gold"`, `hasTag("vip")`, `attributes.city == "上海"`.
//
// Amounts are float64 here because expressions only compare them; money arithmetic stays
// in decimals elsewhere.
type Features struct {
	// Customer is the customer's ID.
	Customer string `expr:"customer" json:"customer"`
	// Tier is the loyalty tier, Tags the customer's tags, Stage the lifecycle stage.
	Tier  string   `expr:"tier" json:"tier,omitempty"`
	Tags  []string `expr:"tags" json:"tags,omitempty"`
	Stage string   `expr:"stage" json:"stage,omitempty"`
	// Attributes are the host's custom attributes; a missing key is nil.
	Attributes map[string]any `expr:"attributes" json:"attributes,omitempty"`

	// R, F and M are the RFM scores (0 when not scored), RFMSegment the RFM segment name
	// and ABC the revenue class ("A", "B", "C" or "").
	R          int    `expr:"r" json:"r"`
	F          int    `expr:"f" json:"f"`
	M          int    `expr:"m" json:"m"`
	RFMSegment string `expr:"rfm_segment" json:"rfm_segment,omitempty"`
	ABC        string `expr:"abc" json:"abc,omitempty"`

	// Activity, from Summary: orders and total spend in the window, whole days since the
	// last purchase, and the BTYD figures (repeat periods, recency and age in periods, mean
	// repeat spend).
	Orders        int     `expr:"orders" json:"orders"`
	Total         float64 `expr:"total" json:"total"`
	DaysSinceLast int     `expr:"days_since_last" json:"days_since_last"`
	Frequency     int     `expr:"frequency" json:"frequency"`
	Recency       float64 `expr:"recency" json:"recency"`
	T             float64 `expr:"t" json:"t"`
	Monetary      float64 `expr:"monetary" json:"monetary"`

	// Model outputs the host fills: customer lifetime value, the probability that the
	// customer is still active, a churn risk score, expected purchases in the host's
	// horizon.
	CLV                float64 `expr:"clv" json:"clv"`
	PAlive             float64 `expr:"p_alive" json:"p_alive"`
	ChurnRisk          float64 `expr:"churn_risk" json:"churn_risk"`
	ExpectedPurchases  float64 `expr:"expected_purchases" json:"expected_purchases"`
	OpenComplaints     int     `expr:"open_complaints" json:"open_complaints"`
	DaysSinceContacted int     `expr:"days_since_contacted" json:"days_since_contacted"`
}

// checkFeatures validates the float fields of f, which must be finite: a NaN or an
// infinity is refused with its path (prefix + "p_alive") before any expression runs, so
// that a comparison never meets one.
func checkFeatures(p *fieldProblems, prefix string, f *Features) {
	for _, c := range [...]struct {
		name string
		v    float64
	}{
		{"total", f.Total}, {"recency", f.Recency}, {"t", f.T}, {"monetary", f.Monetary},
		{"clv", f.CLV}, {"p_alive", f.PAlive}, {"churn_risk", f.ChurnRisk}, {"expected_purchases", f.ExpectedPurchases},
	} {
		if !finiteNum(c.v) {
			p.add(prefix+c.name, "range", "%v is not a finite number", c.v)
		}
	}
}

// checkPopulation validates the float fields of every customer of a population.
func checkPopulation(population []Features) error {
	var p fieldProblems
	for i := range population {
		checkFeatures(&p, fmt.Sprintf("population[%d].", i), &population[i])
	}
	return p.err()
}

// FeaturesOf fills the activity fields of Features from a summary and, when score is not
// nil, the RFM fields from it.
func FeaturesOf(s Summary, score *RFMScore) Features {
	f := Features{
		Customer:      s.Customer,
		Orders:        s.Orders,
		Total:         s.Total.InexactFloat64(),
		DaysSinceLast: s.DaysSinceLast,
		Frequency:     s.Frequency,
		Recency:       s.Recency,
		T:             s.T,
		Monetary:      s.Monetary.InexactFloat64(),
	}
	if score != nil {
		f.R, f.F, f.M, f.RFMSegment = score.R, score.F, score.M, score.Segment
	}
	return f
}

// SegmentEnv is the environment of segment expressions: the Features of the customer and
// helper functions.
type SegmentEnv struct {
	Features
	// HasTag reports whether the customer has the tag, ignoring case.
	HasTag func(tag string) bool `expr:"hasTag"`
}

// SegmentDef defines a segment by a boolean expression over SegmentEnv.
type SegmentDef struct {
	// Name identifies the segment: 1 to 200 bytes, unique in a set.
	Name string `json:"name"`
	// When is an expr-lang expression of type bool, e.g.
	// `r >= 4 && f >= 4 && p_alive > 0.8`. Empty means every customer.
	When string `json:"when,omitempty"`
	// Description is for people.
	Description string `json:"description,omitempty"`
}

// Limits on segment sets, so that hostile definitions cannot cost unbounded time.
const (
	maxSegments    = 1000
	maxSegmentName = 200
)

// Segments is a compiled, immutable set of segment definitions. It is safe for concurrent
// use: every call evaluates with its own virtual machine.
type Segments struct {
	defs  []SegmentDef
	progs []*vm.Program // nil: always
}

// NewSegments compiles and type-checks every definition against SegmentEnv once. Every
// problem — an empty or duplicate name, an expression that does not compile or is not
// bool — is reported at once in a *kehu.ValidationError with fields "[i].name" and
// "[i].when".
func NewSegments(defs []SegmentDef) (*Segments, error) {
	var p kehu.Problems
	if len(defs) > maxSegments {
		return nil, kehu.Invalid("", "max_items", fmt.Sprintf("has %d segments, more than %d", len(defs), maxSegments))
	}
	s := &Segments{defs: slices.Clone(defs), progs: make([]*vm.Program, len(defs))}
	seen := map[string]int{}
	for i, d := range defs {
		f := fmt.Sprintf("[%d]", i)
		switch {
		case strings.TrimSpace(d.Name) == "":
			p.Add(f+".name", "required", "is empty")
		case len(d.Name) > maxSegmentName:
			p.Addf(f+".name", "max_length", "is longer than %d bytes", maxSegmentName)
		default:
			if j, dup := seen[d.Name]; dup {
				p.Addf(f+".name", "unique", "%q is also the name of [%d]", d.Name, j)
			} else {
				seen[d.Name] = i
			}
		}
		s.progs[i] = exprpolicy.Compile(&p, f+".when", d.When, SegmentEnv{})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Names lists the segment names in definition order.
func (s *Segments) Names() []string {
	out := make([]string, len(s.defs))
	for i, d := range s.defs {
		out[i] = d.Name
	}
	return out
}

// Definitions returns a copy of the definitions.
func (s *Segments) Definitions() []SegmentDef { return slices.Clone(s.defs) }

// SegmentError reports an expression that failed while it was evaluated for a customer,
// for example a missing attribute compared with a number. Evaluation stops at the first.
type SegmentError struct {
	Segment  string
	Customer string
	Err      error
}

// Error names the segment and the customer and gives the first line of the error.
func (e *SegmentError) Error() string {
	return fmt.Sprintf("segment: %q for customer %q: %s", e.Segment, e.Customer, exprpolicy.Message(e.Err))
}

// Unwrap returns the evaluation error.
func (e *SegmentError) Unwrap() error { return e.Err }

// evaluator runs the set's programs over customers with one VM and one environment.
type evaluator struct {
	s   *Segments
	m   vm.VM
	env SegmentEnv
}

func (s *Segments) evaluator() *evaluator {
	e := &evaluator{s: s}
	e.env.HasTag = func(tag string) bool { return hasFold(e.env.Tags, tag) }
	return e
}

// set makes f the customer that match evaluates.
func (e *evaluator) set(f *Features) { e.env.Features = *f }

// match reports whether the current customer is in segment k.
func (e *evaluator) match(k int) (bool, error) {
	ok, err := exprpolicy.Run(&e.m, e.s.progs[k], &e.env)
	if err != nil {
		return false, &SegmentError{Segment: e.s.defs[k].Name, Customer: e.env.Customer, Err: err}
	}
	return ok, nil
}

// Match lists the segments, in definition order, whose expression holds for f. A float
// field of f that is NaN or infinite is refused with a *kehu.ValidationError naming it
// ("features.p_alive").
func (s *Segments) Match(f Features) ([]string, error) {
	var p fieldProblems
	checkFeatures(&p, "features.", &f)
	if err := p.err(); err != nil {
		return nil, err
	}
	e := s.evaluator()
	e.set(&f)
	var out []string
	for k := range s.defs {
		ok, err := e.match(k)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s.defs[k].Name)
		}
	}
	return out, nil
}

// Membership is the members of every segment of a set over one population. Segments may
// overlap.
type Membership struct {
	// Segments are the segment names in definition order.
	Segments []string
	// Members[k] are the customers of Segments[k], in population order.
	Members [][]string
}

// Count is the number of members of the named segment (0 if there is no such segment).
func (m *Membership) Count(segment string) int {
	if k := slices.Index(m.Segments, segment); k >= 0 {
		return len(m.Members[k])
	}
	return 0
}

// Membership evaluates every segment for every customer of the population. A float field
// that is NaN or infinite is refused with a *kehu.ValidationError naming it
// ("population[3].clv").
func (s *Segments) Membership(population []Features) (*Membership, error) {
	if err := checkPopulation(population); err != nil {
		return nil, err
	}
	e := s.evaluator()
	m := &Membership{Segments: s.Names(), Members: make([][]string, len(s.defs))}
	for i := range population {
		f := &population[i]
		e.set(f)
		for k := range s.defs {
			ok, err := e.match(k)
			if err != nil {
				return nil, err
			}
			if ok {
				m.Members[k] = append(m.Members[k], f.Customer)
			}
		}
	}
	return m, nil
}

// Assignment places one customer in one segment.
type Assignment struct {
	Customer string `json:"customer"`
	Segment  string `json:"segment"`
}

// Classify gives every customer the first segment, in definition order, whose expression
// holds, or fallback when none does: the set used as an ordered rule list. The result is in
// population order. Float fields are checked as in Membership.
func (s *Segments) Classify(population []Features, fallback string) ([]Assignment, error) {
	if err := checkPopulation(population); err != nil {
		return nil, err
	}
	e := s.evaluator()
	out := make([]Assignment, len(population))
	for i := range population {
		f := &population[i]
		out[i] = Assignment{Customer: f.Customer, Segment: fallback}
		e.set(f)
		for k := range s.defs {
			ok, err := e.match(k)
			if err != nil {
				return nil, err
			}
			if ok {
				out[i].Segment = s.defs[k].Name
				break
			}
		}
	}
	return out, nil
}

// NoSegment is the label of "not in this snapshot" in a migration matrix: a customer who
// appears in only one of the two snapshots moves from or to NoSegment.
const NoSegment = ""

// Move is one customer's change of segment between two snapshots.
type Move struct {
	Customer string `json:"customer"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// Migration is the segment migration matrix between two snapshots of assignments.
type Migration struct {
	// Labels are the segments: those of order first (as given), then any other label of
	// either snapshot in ascending order, then NoSegment if a customer is missing from a
	// snapshot.
	Labels []string `json:"labels"`
	// Counts[i][j] is the number of customers in Labels[i] before and Labels[j] after;
	// the diagonal holds those who stayed.
	Counts [][]int `json:"counts"`
	// Moves lists every customer whose segment changed, by customer ID.
	Moves []Move `json:"moves"`
}

// Count is the number of customers who moved from one segment to another (the same for
// those who stayed); 0 for unknown labels.
func (m *Migration) Count(from, to string) int {
	i, j := slices.Index(m.Labels, from), slices.Index(m.Labels, to)
	if i < 0 || j < 0 {
		return 0
	}
	return m.Counts[i][j]
}

// Migrations compares two snapshots of assignments (for example Classify run on last
// quarter's and this quarter's features) and counts who moved from which segment to
// which. A customer listed twice in a snapshot is an error.
func Migrations(before, after []Assignment, order []string) (*Migration, error) {
	var p kehu.Problems
	index := func(field string, as []Assignment) map[string]string {
		m := make(map[string]string, len(as))
		for i, a := range as {
			if _, dup := m[a.Customer]; dup {
				p.Addf(fmt.Sprintf("%s[%d].customer", field, i), "unique", "customer %q is assigned twice", a.Customer)
				continue
			}
			m[a.Customer] = a.Segment
		}
		return m
	}
	b, a := index("before", before), index("after", after)
	if err := p.Err(); err != nil {
		return nil, err
	}
	mig := &Migration{}
	pos := map[string]int{}
	addLabel := func(l string) {
		if _, ok := pos[l]; !ok {
			pos[l] = len(mig.Labels)
			mig.Labels = append(mig.Labels, l)
		}
	}
	for _, l := range order {
		if l != NoSegment {
			addLabel(l)
		}
	}
	var extra []string
	missing := false
	for _, snap := range []map[string]string{b, a} {
		for _, l := range snap {
			if _, ok := pos[l]; !ok && l != NoSegment {
				extra = append(extra, l)
			}
		}
	}
	slices.Sort(extra)
	for _, l := range slices.Compact(extra) {
		addLabel(l)
	}
	customers := make([]string, 0, len(b)+len(a))
	for c := range b {
		customers = append(customers, c)
	}
	for c := range a {
		if _, ok := b[c]; !ok {
			customers = append(customers, c)
		}
	}
	slices.Sort(customers)
	type pair struct{ from, to string }
	moves := make([]pair, len(customers))
	for i, c := range customers {
		from, inB := b[c]
		to, inA := a[c]
		if !inB {
			from = NoSegment
		}
		if !inA {
			to = NoSegment
		}
		if !inB || !inA || from == NoSegment || to == NoSegment {
			missing = true
		}
		moves[i] = pair{from, to}
	}
	if missing {
		addLabel(NoSegment)
	}
	mig.Counts = make([][]int, len(mig.Labels))
	for i := range mig.Counts {
		mig.Counts[i] = make([]int, len(mig.Labels))
	}
	for i, c := range customers {
		mv := moves[i]
		mig.Counts[pos[mv.from]][pos[mv.to]]++
		if mv.from != mv.to {
			mig.Moves = append(mig.Moves, Move{Customer: c, From: mv.from, To: mv.to})
		}
	}
	return mig, nil
}

// hasFold reports whether list holds s, ignoring case.
func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
