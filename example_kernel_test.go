package kehu_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
)

// A harness wires a fixed clock and sequential IDs into kehu.Options, then moves time by
// hand: the same run gives the same times and IDs every time.
func ExampleDeterministic() {
	opts, clock, ids := kehu.Deterministic(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))

	fmt.Println(opts.Now().Format(time.RFC3339))
	clock.Advance(90 * time.Minute)
	fmt.Println(opts.Now().Format(time.RFC3339))
	clock.AddDate(0, 1, 0)
	fmt.Println(opts.Now().Format(time.RFC3339))

	fmt.Println(opts.NewID())
	fmt.Println(opts.NewID())
	fmt.Println(ids.Count(), "IDs drawn")
	// Output:
	// 2026-03-01T09:00:00Z
	// 2026-03-01T10:30:00Z
	// 2026-04-01T10:30:00Z
	// 00000000-0000-7000-8000-000000000001
	// 00000000-0000-7000-8000-000000000002
	// 2 IDs drawn
}

// A Clock is moved only by the test; Set jumps to any instant.
func ExampleClock() {
	clock := kehu.NewClock(time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC))
	fmt.Println(clock.Now().Format(time.DateTime))
	fmt.Println(clock.Advance(36 * time.Hour).Format(time.DateTime))
	clock.Set(time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC))
	fmt.Println(clock.AddDate(0, 0, 1).Format(time.DateTime))
	// Output:
	// 2026-01-31 12:00:00
	// 2026-02-02 00:00:00
	// 2027-01-01 23:59:59
}

// Sources in different namespaces never collide, and each sorts in creation order.
func ExampleSeqIDs() {
	customers := kehu.NewSeqIDs()
	imports := kehu.NewSeqIDsIn(0x01)
	fmt.Println(customers.NewID())
	fmt.Println(customers.NewID())
	fmt.Println(imports.NewID())
	// Output:
	// 00000000-0000-7000-8000-000000000001
	// 00000000-0000-7000-8000-000000000002
	// 01000000-0000-7000-8000-000000000001
}

// Keys a host gives are checked by one rule everywhere; the library's own keys, derived
// from a natural identifier such as an order's ID, live under a prefix no host key may use.
func ExampleCheckHostKey() {
	fmt.Println(kehu.CheckHostKey("key", "checkout:SO-4") == nil)
	fmt.Println(kehu.LibraryKey("order", "SO-9"))
	err := kehu.CheckHostKey("key", kehu.LibraryKey("order", "SO-9"))
	var verr *kehu.ValidationError
	fmt.Println(errors.As(err, &verr) && verr.Has("key", "reserved"))
	fmt.Println(kehu.CheckHostKey("key", ""))
	// Output:
	// true
	// kehu:order:SO-9
	// true
	// invalid input: key: is empty (required)
}

// Every instant kehu records is a whole microsecond, what PostgreSQL keeps.
func ExampleTruncate() {
	t := time.Date(2026, 3, 1, 9, 0, 0, 123_456_789, time.UTC)
	fmt.Println(kehu.Truncate(t).Format(time.RFC3339Nano))
	// Output:
	// 2026-03-01T09:00:00.123456Z
}
