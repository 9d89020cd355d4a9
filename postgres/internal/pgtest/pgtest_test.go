package pgtest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// stopTB records how a test would stop: skipped or failed, with its message.
type stopTB struct {
	testing.TB
	skipped, failed string
}

func (s *stopTB) Helper() {}

func (s *stopTB) Skipf(format string, args ...any) {
	s.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (s *stopTB) Fatalf(format string, args ...any) {
	s.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// dsn runs DSN as a test would and reports how it stopped.
func dsn() (got string, stop *stopTB) {
	stop = &stopTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = DSN(stop)
	}()
	<-done
	return got, stop
}

// Without the variable the PostgreSQL tests skip, naming it, except under CI=true, where
// they fail: CI never passes by skipping the database.
func TestDSN(t *testing.T) {
	t.Setenv(EnvDSN, "")
	t.Setenv("CI", "")
	_, stop := dsn()
	if !strings.Contains(stop.skipped, EnvDSN) || stop.failed != "" {
		t.Errorf("without %s: want a skip naming it, got skip %q, failure %q", EnvDSN, stop.skipped, stop.failed)
	}

	t.Setenv("CI", "true")
	_, stop = dsn()
	if !strings.Contains(stop.failed, EnvDSN) || stop.skipped != "" {
		t.Errorf("without %s under CI=true: want a failure naming it, got skip %q, failure %q", EnvDSN, stop.skipped, stop.failed)
	}

	const want = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	t.Setenv(EnvDSN, want)
	got, stop := dsn()
	if got != want || stop.skipped != "" || stop.failed != "" {
		t.Errorf("with %s set: want %q, got %q (skip %q, failure %q)", EnvDSN, want, got, stop.skipped, stop.failed)
	}
}

// A server named by the variable that cannot be reached fails the test; it never skips.
func TestPoolUnreachable(t *testing.T) {
	t.Setenv(EnvDSN, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5")
	stop := &stopTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Pool(stop, func(context.Context, *pgxpool.Pool) error { return nil })
	}()
	<-done
	if !strings.Contains(stop.failed, "cannot reach") || stop.skipped != "" {
		t.Errorf("an unreachable server: want a failure, got skip %q, failure %q", stop.skipped, stop.failed)
	}
}
