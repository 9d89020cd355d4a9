package segment_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/segment"
)

func population() []segment.Features {
	return []segment.Features{
		{Customer: "ann", R: 5, F: 5, M: 5, CLV: 1200, PAlive: 0.97, Tier: "gold", Tags: []string{"VIP"}},
		{Customer: "bob", R: 1, F: 4, M: 4, CLV: 300, PAlive: 0.20, Tier: "silver"},
		{Customer: "cai", R: 4, F: 1, M: 2, CLV: 40, PAlive: 0.90, Attributes: map[string]any{"city": "上海"}},
		{Customer: "dan", R: 2, F: 2, M: 1, CLV: 5, PAlive: 0.05},
	}
}

func TestSegments(t *testing.T) {
	segs, err := segment.NewSegments([]segment.SegmentDef{
		{Name: "vip", When: `hasTag("vip")`},
		{Name: "high value, slipping", When: `clv >= 250 && p_alive < 0.5`},
		{Name: "champions", When: `r >= 4 && f >= 4 && m >= 4`},
		{Name: "shanghai", When: `attributes.city == "上海"`},
		{Name: "valuable", When: `clv > 100 || tier in ["gold", "silver"]`},
		{Name: "everyone"},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"vip", "high value, slipping", "champions", "shanghai", "valuable", "everyone"}, segs.Names())

	m, err := segs.Membership(population())
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"ann"}, {"bob"}, {"ann"}, {"cai"}, {"ann", "bob"}, {"ann", "bob", "cai", "dan"},
	}, m.Members)
	assert.Equal(t, 2, m.Count("valuable"))
	assert.Equal(t, 0, m.Count("nope"))

	got, err := segs.Match(population()[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"vip", "champions", "valuable", "everyone"}, got)

	as, err := segs.Classify(population(), "none")
	require.NoError(t, err)
	assert.Equal(t, []segment.Assignment{
		{Customer: "ann", Segment: "vip"}, {Customer: "bob", Segment: "high value, slipping"},
		{Customer: "cai", Segment: "shanghai"}, {Customer: "dan", Segment: "everyone"},
	}, as)
	assert.Len(t, segs.Definitions(), 6)
}

func TestSegmentsErrors(t *testing.T) {
	_, err := segment.NewSegments([]segment.SegmentDef{
		{Name: "", When: "true"},
		{Name: "sum", When: "r + f"},
		{Name: "unknown", When: "loyalty_points > 3"},
		{Name: "syntax", When: "r >="},
		{Name: "sum", When: "true"},
		{Name: "clock", When: "now() != nil"},
	})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("[0].name", "required"))
	assert.True(t, verr.Has("[1].when", "expression"), "not bool")
	assert.True(t, verr.Has("[2].when", "expression"), "unknown field")
	assert.True(t, verr.Has("[3].when", "expression"))
	assert.True(t, verr.Has("[4].name", "unique"))
	assert.True(t, verr.Has("[5].when", "expression"), "now() is disabled")

	t.Run("runtime error names segment and customer", func(t *testing.T) {
		segs, err := segment.NewSegments([]segment.SegmentDef{{Name: "rich city", When: `attributes.income > 1000`}})
		require.NoError(t, err)
		_, err = segs.Membership(population())
		var serr *segment.SegmentError
		require.ErrorAs(t, err, &serr)
		assert.Equal(t, "rich city", serr.Segment)
		assert.Equal(t, "ann", serr.Customer)
		assert.Contains(t, err.Error(), `"rich city"`)
	})
}

func TestMigrations(t *testing.T) {
	before := []segment.Assignment{
		{Customer: "a", Segment: "Champions"}, {Customer: "b", Segment: "At Risk"},
		{Customer: "c", Segment: "Champions"}, {Customer: "d", Segment: "Lost"},
		{Customer: "gone", Segment: "Lost"},
	}
	after := []segment.Assignment{
		{Customer: "a", Segment: "Champions"}, {Customer: "b", Segment: "Lost"},
		{Customer: "c", Segment: "At Risk"}, {Customer: "d", Segment: "Champions"},
		{Customer: "new", Segment: "New"},
	}
	m, err := segment.Migrations(before, after, []string{"Champions", "At Risk"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Champions", "At Risk", "Lost", "New", segment.NoSegment}, m.Labels)
	// Independent count: the pairs listed by hand.
	assert.Equal(t, [][]int{
		// to: Champions, At Risk, Lost, New, none
		{1, 1, 0, 0, 0}, // from Champions: a stayed, c slipped
		{0, 0, 1, 0, 0}, // from At Risk: b lost
		{1, 0, 0, 0, 1}, // from Lost: d won back, gone left
		{0, 0, 0, 0, 0},
		{0, 0, 0, 1, 0}, // new customer
	}, m.Counts)
	assert.Equal(t, []segment.Move{
		{Customer: "b", From: "At Risk", To: "Lost"}, {Customer: "c", From: "Champions", To: "At Risk"},
		{Customer: "d", From: "Lost", To: "Champions"}, {Customer: "gone", From: "Lost", To: segment.NoSegment},
		{Customer: "new", From: segment.NoSegment, To: "New"},
	}, m.Moves)
	assert.Equal(t, 1, m.Count("Lost", "Champions"))
	assert.Equal(t, 0, m.Count("x", "Champions"))

	_, err = segment.Migrations([]segment.Assignment{{Customer: "a"}, {Customer: "a"}}, nil, nil)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("before[1].customer", "unique"))
}

// TestSegmentsReproduceRFMGrid writes the default RFM grid as expressions and classifies
// the Online Retail customers with them: the expressions (evaluated by expr-lang) and the
// table lookup of RFM must agree on every customer — two independent evaluations of the
// same published grid. It also computes the migration from the first two months to all
// three.
func TestSegmentsReproduceRFMGrid(t *testing.T) {
	txns, _, err := segment.ReadOnlineRetail(onlineRetail(t), "*.csv")
	require.NoError(t, err)

	var defs []segment.SegmentDef
	for _, r := range segment.DefaultRFMSegments() {
		defs = append(defs, segment.SegmentDef{Name: r.Name,
			When: fmt.Sprintf("r >= %d && r <= %d && f >= %d && f <= %d", r.R.Min, r.R.Max, r.F.Min, r.F.Max)})
	}
	segs, err := segment.NewSegments(defs)
	require.NoError(t, err)

	snapshot := func(end string) []segment.Assignment {
		var window []segment.Transaction
		for _, tx := range txns {
			if tx.At.Before(utcDate(end)) {
				window = append(window, tx)
			}
		}
		sums, err := segment.Summarize(window, segment.Options{ObservationEnd: utcDate(end)})
		require.NoError(t, err)
		scores, err := segment.RFM(sums, nil)
		require.NoError(t, err)
		pop := make([]segment.Features, len(sums))
		for i := range sums {
			pop[i] = segment.FeaturesOf(sums[i], &scores[i])
		}
		as, err := segs.Classify(pop, "unmatched")
		require.NoError(t, err)
		for i := range as {
			require.Equal(t, scores[i].Segment, as[i].Segment, "customer %s RFM %s", scores[i].Customer, scores[i].Code())
		}
		return as
	}
	before := snapshot("2011-02-01")
	after := snapshot("2011-03-01")
	m, err := segment.Migrations(before, after, segs.Names())
	require.NoError(t, err)
	total := 0
	for _, row := range m.Counts {
		for _, c := range row {
			total += c
		}
	}
	union := map[string]bool{}
	for _, a := range before {
		union[a.Customer] = true
	}
	for _, a := range after {
		union[a.Customer] = true
	}
	assert.Equal(t, len(union), total, "every customer of either snapshot is counted once")
	newcomers := 0
	for _, mv := range m.Moves {
		if mv.From == segment.NoSegment {
			newcomers++
		}
	}
	assert.Equal(t, len(after)-len(before), newcomers, "no customer disappears: the later window contains the earlier")
}

// utcDate parses a literal "2006-01-02" date as midnight UTC.
func utcDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err) // a literal in a test
	}
	return t
}

func TestSegmentDivisionByZeroIsAnError(t *testing.T) {
	// dan has no orders: total / orders must not be +Inf, which would put him in the
	// segment.
	segs, err := segment.NewSegments([]segment.SegmentDef{{Name: "big baskets", When: `total / orders > 100`}})
	require.NoError(t, err)
	people := []segment.Features{{Customer: "ann", Orders: 2, Total: 500}, {Customer: "dan", Orders: 0, Total: 40}}
	_, err = segs.Membership(people)
	var serr *segment.SegmentError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, "dan", serr.Customer)
	assert.Contains(t, err.Error(), "division by zero")

	_, err = segment.NewSegments([]segment.SegmentDef{{Name: "constant", When: `total / (1 - 1) > 100`}})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("[0].when", "expression"), "%v", verr)
}

func TestSegmentsRefuseNonFiniteFeatures(t *testing.T) {
	s, err := segment.NewSegments([]segment.SegmentDef{{Name: "likely", When: `p_alive > 0.5`}})
	require.NoError(t, err)
	good := segment.Features{Customer: "a", PAlive: 0.9}
	for _, tc := range []struct {
		field string
		set   func(*segment.Features, float64)
	}{
		{"p_alive", func(f *segment.Features, v float64) { f.PAlive = v }},
		{"clv", func(f *segment.Features, v float64) { f.CLV = v }},
		{"churn_risk", func(f *segment.Features, v float64) { f.ChurnRisk = v }},
		{"total", func(f *segment.Features, v float64) { f.Total = v }},
		{"t", func(f *segment.Features, v float64) { f.T = v }},
	} {
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			bad := good
			tc.set(&bad, v)
			var verr *kehu.ValidationError
			_, err := s.Match(bad)
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("features."+tc.field, "range"), "%v", err)
			_, err = s.Membership([]segment.Features{good, bad})
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("population[1]."+tc.field, "range"), "%v", err)
			_, err = s.Classify([]segment.Features{good, bad}, "other")
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has("population[1]."+tc.field, "range"), "%v", err)
		}
	}
	got, err := s.Match(good)
	require.NoError(t, err)
	assert.Equal(t, []string{"likely"}, got)
}
