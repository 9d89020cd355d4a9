package suite

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
)

type inner struct {
	Label string
	At    time.Time
	Flag  bool
}

type outer struct {
	ID     uuid.UUID
	Amount decimal.Decimal
	Name   string
	Inner  inner
	Ptr    *inner
	List   []inner
	Tags   []string
	Raw    []byte
	ByName map[string]inner
	Any    any
	hidden int //nolint:unused // unexported: never reported
	Embedded
}

type Embedded struct {
	Note string
}

func full() outer {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	in := inner{Label: "x", At: at, Flag: true}
	return outer{
		ID: uuid.MustParse("00000000-0000-7000-8000-000000000001"), Amount: decimal.RequireFromString("1.5"),
		Name: "n", Inner: in, Ptr: &in, List: []inner{in, in}, Tags: []string{"a"}, Raw: []byte{0},
		ByName: map[string]inner{"b": in, "a": in}, Any: in, Embedded: Embedded{Note: "e"}, hidden: 0,
	}
}

func TestUnsetFieldsFull(t *testing.T) {
	v := full()
	assert.Empty(t, UnsetFields(v), "a value with every exported field set")
	assert.Empty(t, UnsetFields(&v), "a pointer to it")
}

func TestUnsetFieldsNamesPaths(t *testing.T) {
	v := full()
	v.Inner.At = time.Time{}                                                   // a leaf with unexported state
	v.List[1].Label = ""                                                       // the second element of a slice
	v.ByName = map[string]inner{"a": {Label: "y", At: v.Inner.At, Flag: true}} // a map value, with its own zero time
	v.Ptr = &inner{Label: "p", At: time.Now()}                                 // a forgotten bool behind a pointer
	v.Tags = []string{}                                                        // an empty slice
	v.Amount = decimal.Decimal{}
	v.Embedded.Note = ""
	v.Any = nil
	assert.Equal(t, []string{
		"outer.Amount",
		"outer.Inner.At",
		"outer.Ptr.Flag",
		"outer.List[1].Label",
		"outer.Tags",
		`outer.ByName["a"].At`,
		"outer.Any",
		"outer.Embedded.Note",
	}, UnsetFields(&v))
}

func TestUnsetFieldsExempt(t *testing.T) {
	v := full()
	v.List[0].Flag, v.List[1].Flag = false, false
	v.Ptr = nil
	assert.Empty(t, UnsetFields(v,
		Exempt{Path: "outer.List[*].Flag", Reason: "test"},
		Exempt{Path: "outer.Ptr", Reason: "test"}))
	assert.Equal(t, []string{"outer.List[1].Flag"}, UnsetFields(v,
		Exempt{Path: "outer.List[0].Flag", Reason: "test"},
		Exempt{Path: "outer.Ptr", Reason: "test"}))
	_, stale := unsetFields(full(), []Exempt{{Path: "outer.Name", Reason: "test"}})
	assert.Equal(t, []Exempt{{Path: "outer.Name", Reason: "test"}}, stale, "an exemption of a set field is stale")
}

func TestRequireEveryFieldSetFails(t *testing.T) {
	v := full()
	v.Inner.Label = ""
	rec := &recorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		RequireEveryFieldSet(rec, v)
	}()
	assert.True(t, rec.failed, "a forgotten nested field must fail the test")
	assert.Contains(t, rec.msg, "outer.Inner.Label")
}

// recorder catches a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg += fmt.Sprintf(format, args...)
}
func (r *recorder) FailNow() { r.failed = true; panic("FailNow") }
