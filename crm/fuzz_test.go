package crm_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kehu-crm/kehu/crm"
)

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"bo@example.com", " Bo@Example.COM ", "a.b+c@sub.example.cn", "",
		"Bo <bo@example.com>", "bo@@x.y", "\"quoted\"@example.com", "bo@[127.0.0.1]", "ü@例子.中国",
		"a@b.c\x00", strings.Repeat("a", 300) + "@x.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := crm.NormalizeEmail(s)
		if err != nil {
			return
		}
		again, err := crm.NormalizeEmail(got)
		if err != nil || again != got {
			t.Fatalf("normalised %q to %q, which does not normalise to itself (%q, %v)", s, got, again, err)
		}
		if got != strings.ToLower(got) || !strings.Contains(got, "@") || len(got) > 254 {
			t.Fatalf("normalised %q to %q", s, got)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"138 0013 8000", "+86 138-0013-8000", "0086 13800138000", "(415) 555-2671",
		"+44 20 7946 0958", "020 7946 0958", "+", "00", "++1", "1-800-FLOWERS", "+999999", "0",
		strings.Repeat("9", 70), "٠١٢٣٤٥٦٧٨٩", "+86 (0)21 6888 8888"} {
		f.Add(s, "CN")
		f.Add(s, "US")
	}
	f.Add("12345", "")
	f.Add("12345", "ZZ")
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := crm.NormalizePhone(raw, region)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) > 16 {
			t.Fatalf("%q → %q is not E.164", raw, got)
		}
		for _, r := range got[1:] {
			if r < '0' || r > '9' {
				t.Fatalf("%q → %q is not E.164", raw, got)
			}
		}
		again, err := crm.NormalizePhone(got, "US")
		if err != nil || again != got {
			t.Fatalf("E.164 %q does not normalise to itself (%q, %v)", got, again, err)
		}
	})
}

func FuzzParseKeyword(f *testing.F) {
	for _, s := range []string{"wang", "王小明", "+86 138-0013-8000", "smith, john", "0000", "a b c d e f g h i",
		"", "  ", "\xff", "jane@northwind.example", "(415) 555-2671", "1、2、3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms, err := crm.ParseKeyword(q)
		if err != nil {
			return
		}
		if len(terms) > 8 {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" || !utf8.ValidString(term) || strings.ContainsAny(term, " \t\n") {
				t.Fatalf("bad term %q from %q", term, q)
			}
			if term != strings.ToLower(term) {
				t.Fatalf("term %q is not lower-cased", term)
			}
		}
		// Every customer whose search text holds the query's terms matches it.
		if !crm.MatchTerms(strings.Join(terms, "\n"), terms) {
			t.Fatalf("terms %q do not match their own text", terms)
		}
	})
}
