package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// custRow is what the columns and side tables of crm_customers hold for one customer.
type custRow struct {
	doc       []byte
	createdAt time.Time
	tombstone bool
	search    string
	index     custIndex
}

// custIndex is a customer's rows in crm_customer_lookup (fields[i], values[i]) and
// crm_customer_tags.
type custIndex struct {
	fields, values []string
	tags           []string
}

func newCustRow(c *crm.Customer) (custRow, error) {
	doc, err := encodeDoc("customer", c)
	if err != nil {
		return custRow{}, err
	}
	return custRow{
		doc:       doc,
		createdAt: c.CreatedAt,
		tombstone: c.IsTombstone(),
		search:    crm.SearchText(c),
		index:     indexRowsOf(c),
	}, nil
}

// indexRowsOf returns the index rows of c, as the memory store indexes it: every email,
// every phone that is a well-formed E.164 number and every name key, unless c is a
// tombstone; and every tag.
func indexRowsOf(c *crm.Customer) custIndex {
	var x custIndex
	type entry struct{ field, value string }
	seen := make(map[entry]bool)
	add := func(field, value string) {
		if e := (entry{field, value}); !seen[e] {
			seen[e] = true
			x.fields = append(x.fields, field)
			x.values = append(x.values, value)
		}
	}
	if !c.IsTombstone() {
		for _, e := range c.Emails {
			add(string(crm.LookupEmail), e.Address)
		}
		for _, p := range c.Phones {
			if isE164(p.Number) {
				add(string(crm.LookupPhone), p.Number)
			}
		}
		for _, k := range crm.NameKeys(c.Name) {
			add(string(crm.LookupNameKey), k)
		}
	}
	x.tags = slices.Clone(c.Tags)
	slices.Sort(x.tags)
	x.tags = slices.Compact(x.tags)
	return x
}

// indexSteps returns the writes that put the row's index rows in place for customer id,
// replacing old (nil for a new customer). A set equal to the old one is not rewritten.
func (r custRow) indexSteps(id [16]byte, old *custIndex) []crmStep {
	fail := func(err error) error { return dbError("index customer", err) }
	var steps []crmStep
	if old == nil || !sameLookup(*old, r.index) {
		if old != nil && len(old.fields) > 0 {
			steps = append(steps, crmStep{sql: sqlDeleteLookup, args: []any{id}, fail: fail})
		}
		if len(r.index.fields) > 0 {
			steps = append(steps, crmStep{sql: sqlInsertLookup, args: []any{id, r.index.fields, r.index.values}, fail: fail})
		}
	}
	if old == nil || !slices.Equal(old.tags, r.index.tags) {
		if old != nil && len(old.tags) > 0 {
			steps = append(steps, crmStep{sql: sqlDeleteTags, args: []any{id}, fail: fail})
		}
		if len(r.index.tags) > 0 {
			steps = append(steps, crmStep{sql: sqlInsertTags, args: []any{id, r.index.tags}, fail: fail})
		}
	}
	return steps
}

func sameLookup(a, b custIndex) bool {
	return slices.Equal(a.fields, b.fields) && slices.Equal(a.values, b.values)
}

// isE164 reports whether s is a phone number the lookup index keeps: "+" and 1 to 15
// digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// encodeDoc returns the JSON document of v. It refuses strings that PostgreSQL text cannot
// hold, which encoding/json writes as the escapes \u0000 (NUL) and \ufffd (a byte that is
// not UTF-8; a U+FFFD in valid text is written as itself), and checks that the document
// decodes again: the domain types validate what they decode, and a document they refuse
// must never be stored.
func encodeDoc[T any](what string, v *T) ([]byte, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, invalidDoc(what, err)
	}
	switch {
	case hasJSONEscape(doc, `\u0000`):
		return nil, invalidDoc(what, errors.New("a string holds a NUL character"))
	case hasJSONEscape(doc, `\ufffd`):
		return nil, invalidDoc(what, errors.New("a string is not valid UTF-8"))
	}
	var back T
	if err := json.Unmarshal(doc, &back); err != nil {
		return nil, invalidDoc(what, err)
	}
	return doc, nil
}

// hasJSONEscape reports whether the JSON text doc holds the escape esc (which begins with
// a backslash). An occurrence preceded by an odd number of backslashes is not one: its
// backslash is itself escaped.
func hasJSONEscape(doc []byte, esc string) bool {
	for i := 0; i < len(doc); {
		j := bytes.Index(doc[i:], []byte(esc))
		if j < 0 {
			return false
		}
		j += i
		n := 0
		for k := j - 1; k >= 0 && doc[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		i = j + 1
	}
	return false
}

func invalidDoc(what string, err error) error {
	if errors.Is(err, kehu.ErrInvalid) {
		return fmt.Errorf("%s cannot be stored: %w", what, err)
	}
	return fmt.Errorf("%s cannot be stored: %w: %w", what, kehu.ErrInvalid, err)
}

// decodeDoc decodes a stored document.
func decodeDoc[T any](what string, doc []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("postgres: stored %s document: %w", what, err)
	}
	return v, nil
}

// scanCustomer reads a row whose one column is a customer document.
func scanCustomer(row pgx.Row) (*crm.Customer, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	return decodeDoc[crm.Customer]("customer", doc)
}

// storable reports whether PostgreSQL text can hold s: valid UTF-8 without NUL. A value it
// cannot hold was never stored, so a read for it finds nothing.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// likeContains returns the LIKE pattern (with LIKE's default escape character, the
// backslash) that matches the strings containing s.
func likeContains(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('%')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '%', '_':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('%')
	return b.String()
}
