package crmtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func searchTests() []test {
	return []test{
		{Name: "Filters", Run: testSearchFilters},
		{Name: "Pagination", Run: testSearchPagination},
		{Name: "StableCursor", Run: testSearchStableCursor},
		{Name: "DefaultLimit", Run: testSearchDefaultLimit},
	}
}

// searchWorld is the data set of the search tests: 36 customers with IDs allocated in
// order but created in a shuffled order (so ID order, insertion order and CreatedAt order
// all differ), four of them tombstones.
type searchWorld struct {
	all     []*crm.Customer // in ID order
	created []*crm.Customer // in creation order
	early   crm.CustomerID  // allocated before every customer of the set, not yet used
}

func newSearchWorld(h *harness) *searchWorld {
	h.t.Helper()
	names := []struct{ display, phonetic string }{
		{"王小明", "Wang Xiaoming"}, {"王芳", "Wang Fang"}, {"李娜", "Li Na"}, {"李伟", "Li Wei"},
		{"张伟", "Zhang Wei"}, {"刘洋", "Liu Yang"}, {"陈静", "Chen Jing"}, {"杨磊", "Yang Lei"},
		{"赵敏", "Zhao Min"}, {"黄丽", "Huang Li"}, {"John Smith", ""}, {"Jane Smith", ""},
		{"Wang Lei", ""}, {"Li Na", ""}, {"María García", ""}, {"Nguyễn Văn An", ""},
		{"Olivia Brown", ""}, {"Lars Nilsson", ""},
	}
	domains := []string{"example.com", "example.org", "shop.cn"}
	const n = 36
	w := &searchWorld{early: h.customerID()}
	ids := make([]crm.CustomerID, n)
	for i := range ids {
		ids[i] = h.customerID()
	}
	w.all = make([]*crm.Customer, n)
	for k := range n {
		i := (k*7 + 3) % n // 7 is prime to 36: a permutation
		nm := names[i%len(names)]
		p := profile(nm.display, fmt.Sprintf("user%02d@%s", i, domains[i%3]), fmt.Sprintf("+861380000%04d", 100+i*37))
		p.Name.Phonetic = nm.phonetic
		if i%4 == 1 {
			p.Phones = append(p.Phones, crm.Phone{Number: fmt.Sprintf("+1202555%04d", 100+i)})
		}
		if i%5 == 2 {
			p.Company = "Acme Trading"
		}
		if i%3 == 0 {
			p.Tags = append(p.Tags, "vip")
		}
		if i%4 == 0 {
			p.Tags = append(p.Tags, "wholesale")
		}
		if i%5 == 0 {
			p.Tags = append(p.Tags, "north")
		}
		if i%7 != 6 {
			p.Owner = fmt.Sprintf("agent-%d", i%3)
		}
		c := h.customerWithID(ids[i], p)
		c.Stage = crm.Stages()[i%len(crm.Stages())]
		if i%9 == 8 {
			c.MergedInto = ids[0]
		}
		h.create(c)
		h.clock.Advance(time.Hour)
		w.all[i] = c
		w.created = append(w.created, c)
	}
	return w
}

// matches is the reference semantics of a SearchQuery, written from its doc comment.
func matches(c *crm.Customer, q crm.SearchQuery) bool {
	switch {
	case c.IsTombstone() && !q.IncludeTombstones,
		!crm.MatchTerms(crm.SearchText(c), q.Terms),
		len(q.Stages) > 0 && !slices.Contains(q.Stages, c.Stage),
		q.Owner != "" && c.Owner != q.Owner,
		!q.CreatedFrom.IsZero() && c.CreatedAt.Before(q.CreatedFrom),
		!q.CreatedTo.IsZero() && !c.CreatedAt.Before(q.CreatedTo):
		return false
	}
	for _, tag := range q.Tags {
		if !slices.Contains(c.Tags, tag) {
			return false
		}
	}
	return true
}

// expect returns the IDs of the customers matching q, in ID order.
func (w *searchWorld) expect(q crm.SearchQuery, extra ...*crm.Customer) []string {
	var out []*crm.Customer
	for _, c := range append(slices.Clone(w.all), extra...) {
		if matches(c, q) {
			out = append(out, c)
		}
	}
	return sortedByID(out)
}

type searchCase struct {
	name    string
	keyword string // parsed with crm.ParseKeyword into q.Terms
	q       crm.SearchQuery
	none    bool // the case expects no match
}

func (w *searchWorld) cases(t *testing.T) []searchCase {
	phoneCN := strings.TrimPrefix(w.all[5].Phones[0].Number, "+86")
	var phoneUS string
	for _, c := range w.all {
		if len(c.Phones) > 1 && !c.IsTombstone() {
			phoneUS = c.Phones[1].Number
			break
		}
	}
	require.NotEmpty(t, phoneUS, "suite bug: the search world has no US phone")
	at := func(k int) time.Time { return w.created[k].CreatedAt }
	return []searchCase{
		{name: "no conditions"},
		{name: "keyword wang", keyword: "wang"},
		{name: "keyword 王", keyword: "王"},
		{name: "keyword smith", keyword: "Smith"},
		{name: "keyword phonetic xiaoming", keyword: "xiaoming"},
		{name: "two terms li na", keyword: "li na"},
		{name: "keyword email domain", keyword: "example.org"},
		{name: "keyword email prefix", keyword: "user0"},
		{name: "keyword company", keyword: "acme"},
		{name: "keyword tag", keyword: "VIP"},
		{name: "keyword CN phone typed with spaces", keyword: fmt.Sprintf("%s %s %s", phoneCN[:3], phoneCN[3:7], phoneCN[7:])},
		{name: "keyword US phone typed in national format", keyword: fmt.Sprintf("(%s) %s-%s", phoneUS[2:5], phoneUS[5:8], phoneUS[8:])},
		{name: "keyword without match", keyword: "zzz", none: true},
		{name: "one stage", q: crm.SearchQuery{Stages: []crm.Stage{crm.StageKey}}},
		{name: "two stages", q: crm.SearchQuery{Stages: []crm.Stage{crm.StageActive, crm.StageDormant}}},
		{name: "one tag", q: crm.SearchQuery{Tags: []string{"vip"}}},
		{name: "all of two tags", q: crm.SearchQuery{Tags: []string{"vip", "wholesale"}}},
		{name: "owner", q: crm.SearchQuery{Owner: "agent-1"}},
		{name: "created in [from, to)", q: crm.SearchQuery{CreatedFrom: at(5), CreatedTo: at(17)}},
		{name: "created from", q: crm.SearchQuery{CreatedFrom: at(30)}},
		{name: "created before", q: crm.SearchQuery{CreatedTo: at(3)}},
		{name: "created in an empty range", q: crm.SearchQuery{CreatedFrom: at(7), CreatedTo: at(7)}, none: true},
		{name: "include tombstones", q: crm.SearchQuery{IncludeTombstones: true}},
		{name: "keyword with tombstones", keyword: "wang", q: crm.SearchQuery{IncludeTombstones: true}},
		{name: "stages, tag and owner", q: crm.SearchQuery{
			Stages: []crm.Stage{crm.StageIntent, crm.StagePotential, crm.StageActive}, Tags: []string{"vip"}, Owner: "agent-0"}},
		{name: "keyword and created from", keyword: "example.com", q: crm.SearchQuery{CreatedFrom: at(10)}},
	}
}

// query returns the case's query with its keyword parsed.
func (sc searchCase) query(t *testing.T) crm.SearchQuery {
	t.Helper()
	q := sc.q
	terms, err := crm.ParseKeyword(sc.keyword)
	require.NoError(t, err, "suite bug: ParseKeyword(%q)", sc.keyword)
	q.Terms = terms
	return q
}

func testSearchFilters(t *testing.T, h *harness) {
	w := newSearchWorld(h)
	for _, sc := range w.cases(t) {
		q := sc.query(t)
		want := w.expect(q)
		if sc.none {
			require.Empty(t, want, "suite bug: case %q should match nothing", sc.name)
		} else {
			require.NotEmpty(t, want, "suite bug: case %q should match something", sc.name)
		}
		q.Limit = 1000
		page, err := h.s.SearchCustomers(h.ctx, q)
		if !assert.NoError(t, err, "SearchCustomers %s", sc.name) {
			continue
		}
		assert.Equal(t, want, customerIDs(page.Items),
			"SearchCustomers %s (terms %q): must return exactly the customers where every set condition holds, in ID order", sc.name, q.Terms)
		assert.Empty(t, page.Next, "SearchCustomers %s: a page holding every match is the last page and must have an empty Next", sc.name)
	}

	page, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{IncludeTombstones: true, PageRequest: kehu.PageRequest{Limit: 1000}})
	require.NoError(t, err, "SearchCustomers")
	require.Len(t, page.Items, len(w.all), "SearchCustomers with IncludeTombstones")
	for i, c := range page.Items {
		assertCustomer(t, w.all[i], c, "SearchCustomers must return whole customers")
	}
}

func testSearchPagination(t *testing.T, h *harness) {
	w := newSearchWorld(h)
	cases := w.cases(t)
	for _, size := range []int{7, 1} {
		for _, sc := range cases {
			q := sc.query(t)
			want := w.expect(q)
			got := suite.Walk(t, fmt.Sprintf("SearchCustomers %s, Limit %d", sc.name, size), size, len(want),
				func(pr kehu.PageRequest) (kehu.Page[*crm.Customer], error) {
					q.PageRequest = pr
					return h.s.SearchCustomers(h.ctx, q)
				}, nil)
			assert.Equal(t, want, customerIDs(got),
				"SearchCustomers %s: walking pages of %d with After = Next must visit every match exactly once, in ID order", sc.name, size)
		}
	}
}

func testSearchStableCursor(t *testing.T, h *harness) {
	w := newSearchWorld(h)
	q := crm.SearchQuery{Tags: []string{"vip"}}
	var late *crm.Customer
	before := w.expect(q)
	require.Greater(t, len(before), 7, "suite bug: the query must span two pages of 7")
	got := suite.Walk(t, "SearchCustomers with customers created between pages", 7, len(before)+1,
		func(pr kehu.PageRequest) (kehu.Page[*crm.Customer], error) {
			q.PageRequest = pr
			return h.s.SearchCustomers(h.ctx, q)
		},
		func(pages int) {
			if pages != 1 {
				return
			}
			// One customer whose ID sorts before every cursor, one after.
			p := profile("Early Bird", "early@example.com", "", "vip")
			h.create(h.customerWithID(w.early, p))
			h.clock.Advance(time.Minute)
			late = h.add(profile("Late Comer", "late@example.com", "", "vip"))
		})
	require.NotNil(t, late, "suite bug: the walk ended after one page")
	want := append(before, late.ID.String())
	assert.Equal(t, want, customerIDs(got),
		"SearchCustomers cursors must be stable: a customer created after the first page whose ID sorts after the cursor must appear on a later page, "+
			"and one whose ID sorts before the cursor must not make a later page repeat or skip customers")
}

func testSearchDefaultLimit(t *testing.T, h *harness) {
	const n = 55
	var all []*crm.Customer
	for i := range n {
		all = append(all, h.add(profile(fmt.Sprintf("Customer %02d", i), fmt.Sprintf("c%02d@example.com", i), "")))
	}
	first, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{})
	require.NoError(t, err, "SearchCustomers with Limit 0")
	assert.Len(t, first.Items, 50, "SearchCustomers: Limit 0 means a page of 50")
	require.NotEmpty(t, first.Next, "SearchCustomers: a page of 50 out of %d matches is not the last page and must have a Next cursor", n)
	second, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{After: first.Next}})
	require.NoError(t, err, "SearchCustomers second page with Limit 0")
	assert.Len(t, second.Items, n-50, "SearchCustomers: the second page of 50 must hold the rest")
	assert.Empty(t, second.Next, "SearchCustomers: Next must be empty on the last page")
	assert.Equal(t, sortedByID(all), customerIDs(append(first.Items, second.Items...)),
		"SearchCustomers: pages of the default size must visit every match once, in ID order")

	big, err := h.s.SearchCustomers(h.ctx, crm.SearchQuery{PageRequest: kehu.PageRequest{Limit: 5000}})
	require.NoError(t, err, "SearchCustomers with a Limit over 1000 must be capped, not refused")
	assert.Len(t, big.Items, n, "SearchCustomers with Limit 5000 (capped at 1000) over %d customers", n)
}
