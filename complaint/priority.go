package complaint

import (
	"fmt"
	"slices"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/enum"
)

// Severity is how much harm the complaint reports.
type Severity string

// Severities, least first.
const (
	Minor    Severity = "minor"    // an inconvenience
	Moderate Severity = "moderate" // a service failure the customer noticed and minded
	Major    Severity = "major"    // a loss to the customer: money, time, a broken product
	Critical Severity = "critical" // safety, the law, or a large loss
)

var severities = []Severity{Minor, Moderate, Major, Critical}

// Valid reports whether s is a declared severity.
func (s Severity) Valid() bool { return slices.Contains(severities, s) }

// ParseSeverity reads a severity; anything else is a *kehu.ValidationError on "severity".
func ParseSeverity(s string) (Severity, error) { return enum.Parse[Severity]("severity", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown severities.
func (s *Severity) UnmarshalText(b []byte) error { return enum.Unmarshal("severity", s, b) }

// Urgency is how soon the customer needs an answer.
type Urgency string

// Urgencies, least first.
const (
	Low       Urgency = "low"
	Normal    Urgency = "normal"
	High      Urgency = "high"
	Immediate Urgency = "immediate" // the customer is waiting now: at the desk, on the line
)

var urgencies = []Urgency{Low, Normal, High, Immediate}

// Valid reports whether u is a declared urgency.
func (u Urgency) Valid() bool { return slices.Contains(urgencies, u) }

// ParseUrgency reads an urgency; anything else is a *kehu.ValidationError on "urgency".
func ParseUrgency(s string) (Urgency, error) { return enum.Parse[Urgency]("urgency", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown urgencies.
func (u *Urgency) UnmarshalText(b []byte) error { return enum.Unmarshal("urgency", u, b) }

// ValueBand is what the customer is worth to the host, as the host judges it (an ABC
// class, a CLV band, a key-account flag): the package does not compute it.
type ValueBand string

// Value bands, least first.
const (
	Standard ValueBand = "standard"
	Valued   ValueBand = "valued"
	Key      ValueBand = "key"
)

var valueBands = []ValueBand{Standard, Valued, Key}

// Valid reports whether v is a declared band.
func (v ValueBand) Valid() bool { return slices.Contains(valueBands, v) }

// ParseValueBand reads a value band; anything else is a *kehu.ValidationError on "value".
func ParseValueBand(s string) (ValueBand, error) { return enum.Parse[ValueBand]("value", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown bands.
func (v *ValueBand) UnmarshalText(b []byte) error { return enum.Unmarshal("value", v, b) }

// Priority orders cases for handling: P1 first.
type Priority int

// Priorities.
const (
	P1 Priority = 1 + iota
	P2
	P3
	P4
)

// String writes the priority as it is read: "P1" to "P4".
func (p Priority) String() string { return fmt.Sprintf("P%d", int(p)) }

// Triage is what a case's priority is computed from: the case's severity and urgency, the
// customer's value as the host judges it, and whether the complaint is public (the press,
// social media). The value band also picks the compensation ceilings (Empowerment): set it
// from the host's own data (an ABC class, a CLV band), never from what the customer's
// request says, or a customer could file as a key customer.
type Triage struct {
	Severity      Severity  `json:"severity"`
	Urgency       Urgency   `json:"urgency"`
	Value         ValueBand `json:"value"`
	MediaExposure bool      `json:"media_exposure,omitempty"`
}

// Assessment is a computed priority.
type Assessment struct {
	Priority Priority `json:"priority"`
	// Score is severity × urgency × value, each counted from 1 (minor, low, standard) up:
	// 1 to 48.
	Score int `json:"score"`
	// Crisis is set for a complaint in the media: it is handled as a crisis, with one
	// spokesperson and a few agreed key messages, whatever its score.
	Crisis bool `json:"crisis,omitempty"`
}

// Assess computes a case's priority; nobody types it. The score is severity × urgency ×
// value (1–4 × 1–4 × 1–3), and
//
//	score 24 to 48 → P1    score 12 to 23 → P2    score 4 to 11 → P3    score 1 to 3 → P4
//
// with two floors: a critical complaint is at least P2, and a complaint in the media is
// P1 and a crisis. So a major, high-urgency complaint of a valued customer (3 × 3 × 2 =
// 18) is P2, and the same complaint of a key account (27) is P1. An unknown severity,
// urgency or band is a *kehu.ValidationError naming every bad field.
func Assess(t Triage) (Assessment, error) {
	var p kehu.Problems
	if !t.Severity.Valid() {
		p.Addf("severity", "enum", "%q is not minor, moderate, major or critical", string(t.Severity))
	}
	if !t.Urgency.Valid() {
		p.Addf("urgency", "enum", "%q is not low, normal, high or immediate", string(t.Urgency))
	}
	if !t.Value.Valid() {
		p.Addf("value", "enum", "%q is not standard, valued or key", string(t.Value))
	}
	if err := p.Err(); err != nil {
		return Assessment{}, err
	}
	a := Assessment{Score: (slices.Index(severities, t.Severity) + 1) * (slices.Index(urgencies, t.Urgency) + 1) *
		(slices.Index(valueBands, t.Value) + 1)}
	switch {
	case a.Score >= 24:
		a.Priority = P1
	case a.Score >= 12:
		a.Priority = P2
	case a.Score >= 4:
		a.Priority = P3
	default:
		a.Priority = P4
	}
	if t.Severity == Critical && a.Priority > P2 {
		a.Priority = P2
	}
	if t.MediaExposure {
		a.Priority, a.Crisis = P1, true
	}
	return a, nil
}
