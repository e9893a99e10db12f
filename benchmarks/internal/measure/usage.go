package measure

import (
	"runtime"
	"syscall"
	"time"
)

// snapshot is what the process has used so far.
type snapshot struct {
	at      time.Time
	cpu     time.Duration // user + system time of this process, not its children
	mallocs uint64
	bytes   uint64
}

func takeSnapshot() snapshot {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return snapshot{at: time.Now(), cpu: processCPU(), mallocs: ms.Mallocs, bytes: ms.TotalAlloc}
}

// processCPU returns the CPU time of this process (RUSAGE_SELF): a server
// it started, such as a stdio server, is a child and is not included.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
