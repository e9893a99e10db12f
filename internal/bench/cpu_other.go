//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package bench

import "time"

// ProcessCPU returns the CPU time, user and system, that this process has
// used so far; ok is false where it is unknown, as on this system.
func ProcessCPU() (d time.Duration, ok bool) { return 0, false }
