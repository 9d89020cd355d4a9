package crm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/kehu-crm/kehu"
)

// Limits on a keyword query.
const (
	maxKeywordBytes = 200
	maxKeywordTerms = 8
)

// SearchText is the text a keyword search matches for a customer: lower-cased name (display,
// parts not shown in it, and phonetic reading, also without spaces), company, email addresses, the digits of
// every phone number, and tags, one field per line. Stores index or scan it; a customer
// matches a query when every term is a substring of it. A nil customer has none: "".
func SearchText(c *Customer) string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	b.Grow(128)
	add := func(s string) {
		if s == "" {
			return
		}
		b.WriteString(strings.ToLower(s))
		b.WriteByte('\n')
	}
	// Terms are split on spaces, so "smith john" already matches "John Smith"; only a
	// reading typed without spaces ("wangxiaoming") needs its own line.
	add(c.Name.Display)
	if c.Name.Family != "" && !strings.Contains(c.Name.Display, c.Name.Family) {
		add(c.Name.Family)
	}
	if c.Name.Given != "" && !strings.Contains(c.Name.Display, c.Name.Given) {
		add(c.Name.Given)
	}
	add(c.Name.Phonetic)
	if strings.ContainsRune(c.Name.Phonetic, ' ') {
		add(strings.ReplaceAll(c.Name.Phonetic, " ", ""))
	}
	if c.Company != c.Name.Display {
		add(c.Company)
	}
	for _, e := range c.Emails {
		add(e.Address)
	}
	for _, p := range c.Phones {
		add(strings.TrimPrefix(p.Number, "+"))
	}
	for _, t := range c.Tags {
		add(t)
	}
	return b.String()
}

// ParseKeyword turns what a user typed into search terms. The query is lower-cased and split
// on white space and commas; a run that looks like a phone number in any format ("138 0013
// 8000", "+86-138-0013-8000", "(202) 555-0143", "020 7946 0958"), alone or among words,
// becomes one term of its digits without the trunk or international prefix, which matches
// the digits of the stored E.164 number. An empty query gives no terms (every customer
// matches). A query longer than 200 bytes, with more than 8 terms, not valid UTF-8 (rule
// "encoding") or with a NUL byte (rule "control_char") is rejected.
func ParseKeyword(q string) ([]string, error) {
	switch {
	case len(q) > maxKeywordBytes:
		return nil, kehu.Invalid("keyword", "max_length", fmt.Sprintf("is longer than %d bytes", maxKeywordBytes))
	}
	if err := kehu.CheckText("keyword", q); err != nil {
		return nil, err
	}
	q = strings.ToLower(q)
	var terms []string
	rest := phoneRunRE.ReplaceAllStringFunc(q, func(run string) string {
		if d, ok := phoneDigits(run); ok {
			terms = append(terms, d)
			return " "
		}
		return run
	})
	terms = append(terms, strings.FieldsFunc(rest, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '，' || r == '、' || r == ';'
	})...)
	if len(terms) == 0 {
		return nil, nil
	}
	slices.Sort(terms)
	terms = slices.Compact(terms)
	if len(terms) > maxKeywordTerms {
		return nil, kehu.Invalid("keyword", "max_terms", fmt.Sprintf("has more than %d terms", maxKeywordTerms))
	}
	return terms, nil
}

// phoneRunRE finds runs that may be phone numbers: digits with the separators people type,
// optionally opened by "+" or "(".
var phoneRunRE = regexp.MustCompile(`[+(]*[0-9][0-9 ().\-/]*[0-9)]`)

// phoneDigits returns the digits of a phone-like run without leading zeros, when the run
// holds at least four digits.
func phoneDigits(s string) (string, bool) {
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	if len(digits) < 4 {
		return "", false
	}
	d := strings.TrimLeft(string(digits), "0")
	if d == "" {
		return "", false
	}
	return d, true
}

// MatchTerms reports whether every term is a substring of text. It is the reference
// semantics of SearchQuery.Terms.
func MatchTerms(text string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// NameKey is the blocking key used to find customers with the same name written
// differently: lower-cased letters and digits only; for names in Latin and other spaced
// scripts the words are sorted, so "Smith, John" and "john  smith" share "johnsmith"; Han,
// kana and Hangul names keep their order ("王 小明" and "王小明" share "王小明").
func NameKey(n Name) string {
	s := strings.ToLower(n.Compose())
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if !isCJK(strings.Join(words, "")) {
		slices.Sort(words)
	}
	return strings.Join(words, "")
}

// NameKeys returns the distinct name keys a customer is indexed under: the key of the
// displayed name and, when there is one, the key of the phonetic reading — so "王小明" with
// phonetic "Wang Xiaoming" and a customer entered as "Xiaoming Wang" share "wangxiaoming".
func NameKeys(n Name) []string {
	k := NameKey(n)
	if n.Phonetic == "" {
		if k == "" {
			return nil
		}
		return []string{k}
	}
	p := NameKey(Name{Display: n.Phonetic})
	switch {
	case k == "":
		return []string{p}
	case p == "" || p == k:
		return []string{k}
	}
	return []string{k, p}
}
