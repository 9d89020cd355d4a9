package crm

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/nyaruka/phonenumbers"
)

// Limits on free text, so that a store never receives unbounded input.
const (
	maxShortText = 200   // names, labels, cities, tags
	maxEmail     = 254   // RFC 5321 path limit
	maxPhone     = 64    // raw phone input before normalisation
	maxLongText  = 20000 // interaction content, notes
)

// NormalizeEmail validates an email address and returns its normalised form: trimmed and
// lower-cased. Display names ("Bo <bo@example.com>") are rejected: an address is stored
// bare. The domain must contain a dot.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", kehu.Invalid("email", "required", "is empty")
	case len(s) > maxEmail:
		return "", kehu.Invalid("email", "max_length", fmt.Sprintf("is longer than %d bytes", maxEmail))
	}
	if err := kehu.CheckName("email", s); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", kehu.Invalid("email", "format", fmt.Sprintf("%q is not a bare email address", clip.String(s, 64)))
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.HasPrefix(domain, "[") {
		return "", kehu.Invalid("email", "format", fmt.Sprintf("%q has no valid domain", clip.String(s, 64)))
	}
	return strings.ToLower(s), nil
}

// NormalizePhone parses a phone number typed in any common format ("138 0013 8000",
// "+86 138-0013-8000", "(202) 555-0143", "0044 20 7946 0958") and returns it in E.164
// ("+8613800138000"). Numbers without a country code are read in defaultRegion (ISO 3166-1
// alpha-2, e.g. "CN"). The number must be valid for its region.
func NormalizePhone(raw, defaultRegion string) (string, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", kehu.Invalid("phone", "required", "is empty")
	case len(raw) > maxPhone:
		return "", kehu.Invalid("phone", "max_length", fmt.Sprintf("is longer than %d bytes", maxPhone))
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if strings.HasPrefix(raw, "00") {
		// International call prefix used in most of the world (and in China).
		raw = "+" + strings.TrimLeft(raw[2:], " ")
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return "", kehu.Invalid("phone", "format", fmt.Sprintf("%q is not a phone number", clip.String(raw, 64)))
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", kehu.Invalid("phone", "invalid_number", fmt.Sprintf("%q is not a valid number", clip.String(raw, 64)))
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// Email is one email address of a customer.
type Email struct {
	// Address is stored normalised (see NormalizeEmail).
	Address string `json:"address"`
	// Label is free text such as "work" or "home".
	Label    string `json:"label,omitempty"`
	Primary  bool   `json:"primary,omitempty"`
	Verified bool   `json:"verified,omitempty"`
}

// Phone is one phone number of a customer.
type Phone struct {
	// Number is stored in E.164 (see NormalizePhone); any format is accepted on input.
	Number  string `json:"number"`
	Label   string `json:"label,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Address is a postal address, general enough for Chinese (province, city, district) and
// Western (state, city) addresses.
type Address struct {
	Label string `json:"label,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code, stored upper-case.
	Country string `json:"country"`
	// Region is the province, state or prefecture.
	Region     string `json:"region,omitempty"`
	City       string `json:"city,omitempty"`
	District   string `json:"district,omitempty"`
	Street     string `json:"street,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Primary    bool   `json:"primary,omitempty"`
}

// String renders the address on one line, largest unit first.
func (a Address) String() string {
	parts := make([]string, 0, 6)
	for _, s := range []string{a.Country, a.Region, a.City, a.District, a.Street, a.PostalCode} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func (a *Address) normalize(field string, p *kehu.Problems) {
	a.Label = cleanText(a.Label)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.Region = cleanText(a.Region)
	a.City = cleanText(a.City)
	a.District = cleanText(a.District)
	a.Street = cleanText(a.Street)
	a.PostalCode = cleanText(a.PostalCode)
	if checkText(p, field+".postal_code", a.PostalCode) {
		a.PostalCode = strings.ToUpper(a.PostalCode)
		checkMax(p, field+".postal_code", a.PostalCode, 32)
	}
	if a.Country == "" {
		p.Add(field+".country", "required", "is empty")
	} else if len(a.Country) != 2 || !isUpperASCII(a.Country) || !knownRegion(a.Country) {
		p.Addf(field+".country", "format", "%q is not an ISO 3166-1 alpha-2 code", clip.String(a.Country, 16))
	}
	checkLen(p, field+".label", a.Label, maxShortText)
	checkLen(p, field+".region", a.Region, maxShortText)
	checkLen(p, field+".city", a.City, maxShortText)
	checkLen(p, field+".district", a.District, maxShortText)
	checkLen(p, field+".street", a.Street, 2*maxShortText)
	if a.Region == "" && a.City == "" && a.Street == "" && a.PostalCode == "" {
		p.Add(field, "required", "has no region, city, street or postal code")
	}
}

func knownRegion(code string) bool {
	return phonenumbers.GetSupportedRegions()[code] || code == "AQ" || code == "BV" || code == "HM" ||
		code == "TF" || code == "UM" || code == "GS" || code == "PN"
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// cleanText trims and collapses runs of white space to one space.
func cleanText(s string) string {
	if s == "" {
		return s
	}
	s = strings.TrimSpace(s)
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) && r != ' ' }) &&
		!strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// checkLen checks text a command gives: text every store keeps as given (checkText) of at
// most max characters.
func checkLen(p *kehu.Problems, field, s string, max int) {
	if checkText(p, field, s) {
		checkMax(p, field, s, max)
	}
}

// checkText reports whether s is text every store keeps as given (kehu.CheckText), and
// adds the problem under field when it is not. Text is checked as given, before it is
// cased, since casing would turn bytes that are not UTF-8 into U+FFFD.
func checkText(p *kehu.Problems, field, s string) bool {
	if err := kehu.CheckText(field, s); err != nil {
		p.Merge("", err)
		return false
	}
	return true
}

// checkMax checks that s, which checkText passed, is at most max characters.
func checkMax(p *kehu.Problems, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		p.Addf(field, "max_length", "is longer than %d characters", max)
	}
}
