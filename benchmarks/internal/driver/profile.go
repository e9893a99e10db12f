package driver

import (
	"errors"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/mcpclient/mcpclient/benchmarks/internal/measure"
)

// profiled runs f under the CPU profiler when cpuFile is set and records
// every allocation for memFile when that is set. Profiling slows the client
// down, so numbers from a profiled run are for reading profiles only.
func profiled(cpuFile, memFile string, f func() (measure.Result, error)) (measure.Result, error) {
	if memFile != "" {
		runtime.MemProfileRate = 1
	}
	if cpuFile != "" {
		out, err := os.Create(cpuFile)
		if err != nil {
			return measure.Result{}, err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return measure.Result{}, err
		}
		defer pprof.StopCPUProfile()
	}
	r, err := f()
	if memFile != "" {
		out, ferr := os.Create(memFile)
		if ferr != nil {
			return r, errors.Join(err, ferr)
		}
		defer out.Close()
		runtime.GC()
		err = errors.Join(err, pprof.Lookup("allocs").WriteTo(out, 0))
	}
	return r, err
}
