package kehu

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors shared by every kehu package. Errors returned by kehu wrap one of these
// with context; test for them with errors.Is.
var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a lost race: the record changed since it was read, or the
	// requested state change does not apply to its current state.
	ErrConflict = errors.New("conflict")
	// ErrInvalid reports bad input. A *ValidationError is always also ErrInvalid.
	ErrInvalid = errors.New("invalid")
	// ErrDuplicate reports that a record with the same identity already exists.
	ErrDuplicate = errors.New("duplicate")
	// ErrKeyReused reports an idempotency key repeated with a different command. It matches
	// ErrConflict.
	ErrKeyReused = fmt.Errorf("%w: idempotency key reused with a different payload", ErrConflict)
)

// FieldError is one broken rule on one field.
type FieldError struct {
	// Field is the path of the offending field, e.g. "emails[1]" or "birth_date".
	Field string `json:"field"`
	// Rule names the rule that was broken, e.g. "required", "format", "max_length".
	Rule string `json:"rule"`
	// Message explains the problem to a human.
	Message string `json:"message"`
}

func (f FieldError) String() string {
	return fmt.Sprintf("%s: %s (%s)", f.Field, f.Message, f.Rule)
}

// ValidationError lists every bad field of an input at once. It matches ErrInvalid with
// errors.Is, and is read with errors.As:
//
//	var verr *kehu.ValidationError
//	if errors.As(err, &verr) {
//		for _, f := range verr.Fields { ... }
//	}
type ValidationError struct {
	Fields []FieldError `json:"fields"`
}

func (e *ValidationError) Error() string {
	if e == nil || len(e.Fields) == 0 {
		return "invalid input"
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes a ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Has reports whether the error names the field (and, if rule is not empty, the rule).
func (e *ValidationError) Has(field, rule string) bool {
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && (rule == "" || f.Rule == rule) {
			return true
		}
	}
	return false
}

// Problems collects field errors while an input is checked. The zero value is ready to use.
//
//	var p kehu.Problems
//	p.Add("name", "required", "is empty")
//	return p.Err()
type Problems struct {
	fields []FieldError
}

// Add records one broken rule.
func (p *Problems) Add(field, rule, message string) {
	p.fields = append(p.fields, FieldError{Field: field, Rule: rule, Message: message})
}

// Addf records one broken rule with a formatted message.
func (p *Problems) Addf(field, rule, format string, args ...any) {
	p.Add(field, rule, fmt.Sprintf(format, args...))
}

// Merge adds the problems of err, prefixing their fields with prefix and a dot (or using
// field as-is when prefix is empty). An err that is not a *ValidationError is recorded under
// prefix with rule "invalid".
func (p *Problems) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	var verr *ValidationError
	if !errors.As(err, &verr) {
		p.Add(prefix, "invalid", err.Error())
		return
	}
	for _, f := range verr.Fields {
		switch {
		case prefix == "":
		case f.Field == "":
			f.Field = prefix
		case strings.HasPrefix(f.Field, "["):
			f.Field = prefix + f.Field
		default:
			f.Field = prefix + "." + f.Field
		}
		p.fields = append(p.fields, f)
	}
}

// Len is the number of problems collected.
func (p *Problems) Len() int { return len(p.fields) }

// Err returns a *ValidationError holding every problem, or nil if there is none.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: append([]FieldError(nil), p.fields...)}
}

// Invalid returns a *ValidationError with a single problem.
func Invalid(field, rule, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Rule: rule, Message: message}}}
}
