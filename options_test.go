package kehu_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
)

type testEvent struct {
	name string
	at   time.Time
}

func (e testEvent) EventName() string     { return e.name }
func (e testEvent) OccurredAt() time.Time { return e.at }

func TestDefaultOptions(t *testing.T) {
	o := (*kehu.Options)(nil).Resolved()
	require.NotNil(t, o.Now)
	require.NotNil(t, o.NewID)
	require.NotNil(t, o.Events)
	a, b := o.NewID(), o.NewID()
	assert.Equal(t, uuid.Version(7), a.Version())
	assert.Less(t, a.String(), b.String(), "default IDs are UUIDv7, increasing")
	assert.NoError(t, o.Events.Publish(context.Background(), testEvent{name: "x"}))
	now := o.Now()
	assert.Zero(t, now.Nanosecond()%1000, "the default clock reads whole microseconds")
	assert.Equal(t, now, now.Round(0), "the default clock carries no monotonic reading")
}

func TestResolvedTruncatesTheInjectedClock(t *testing.T) {
	in := time.Date(2026, 3, 1, 9, 0, 0, 123_456_789, time.FixedZone("CST", 8*3600))
	o := (&kehu.Options{Now: func() time.Time { return in }}).Resolved()
	got := o.Now()
	assert.Equal(t, time.Date(2026, 3, 1, 1, 0, 0, 123_456_000, time.UTC), got, "whole microseconds, in UTC")
	assert.Same(t, time.UTC, got.Location(), "every instant a service records is in UTC")
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"zero stays zero", time.Time{}, time.Time{}},
		{"whole microseconds unchanged", time.Date(2026, 1, 1, 0, 0, 0, 5_000, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 5_000, time.UTC)},
		{"nanoseconds cut, not rounded", time.Date(2026, 1, 1, 0, 0, 0, 999, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"before 1970", time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 999_999_000, time.UTC)},
		{"moved to UTC", time.Date(2026, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, kehu.Truncate(tt.in))
		})
	}
	mono := time.Now()
	assert.Equal(t, kehu.Truncate(mono), kehu.Truncate(mono).Round(0), "no monotonic reading survives")
}

func TestRecorder(t *testing.T) {
	var r kehu.Recorder
	ctx := context.Background()
	require.NoError(t, r.Publish(ctx, testEvent{name: "a"}, testEvent{name: "b"}))
	assert.Equal(t, []string{"a", "b"}, r.Names())
	assert.Len(t, r.Events(), 2)
	r.Reset()
	assert.Empty(t, r.Events())
}

func TestNewSeededRandom(t *testing.T) {
	read := func(r io.Reader) []byte {
		b := make([]byte, 32)
		_, err := io.ReadFull(r, b)
		require.NoError(t, err)
		return b
	}
	a, b := kehu.NewSeededRandom(42), kehu.NewSeededRandom(42)
	assert.Equal(t, read(a), read(b), "one seed, one stream")
	assert.Equal(t, read(a), read(b), "and it goes on alike")
	assert.NotEqual(t, read(kehu.NewSeededRandom(42)), read(kehu.NewSeededRandom(43)), "another seed, another stream")

	opts, _, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	again, _, _ := kehu.Deterministic(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, read(opts.Random), read(again.Random), "Deterministic seeds its source from the start")
	assert.NotNil(t, (*kehu.Options)(nil).Resolved().Random, "the default is crypto/rand")
}
