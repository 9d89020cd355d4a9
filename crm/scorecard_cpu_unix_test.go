//go:build unix

package crm_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system, on every thread
// (the collector's included). On a shared machine it is steadier than the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
