//go:build !linux

package postgres_test

import "time"

// clientCPU and serverCPU report nothing where the process times of the client and the
// server are not read (see cpu_linux_test.go).
func clientCPU() time.Duration { return 0 }

func serverCPU() (time.Duration, bool) { return 0, false }
