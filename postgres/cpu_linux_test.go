package postgres_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clientCPU returns the CPU time this process has used.
func clientCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU returns the CPU time the PostgreSQL server processes on this machine have
// used, with that of the processes they have reaped (the postmaster's ended backends); ok
// is false when there is none to read (the server runs elsewhere). Linux reports these
// times in /proc in units of 1/100 s.
func serverCPU() (server time.Duration, ok bool) {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended
		}
		// pid (comm) state ppid …: utime, stime, cutime and cstime are the 12th to 15th
		// fields after comm.
		s := string(b)
		open, shut := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || shut < open || s[open+1:shut] != "postgres" {
			continue
		}
		f := strings.Fields(s[shut+1:])
		if len(f) < 15 {
			continue
		}
		for _, v := range f[11:15] {
			if ticks, err := strconv.ParseInt(v, 10, 64); err == nil {
				server += time.Duration(ticks) * 10 * time.Millisecond
			}
		}
		ok = true
	}
	return server, ok
}
