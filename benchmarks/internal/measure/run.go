package measure

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Load says how to drive a client.
type Load struct {
	// InFlight is the number of calls kept in flight; at least 1.
	InFlight int
	// Warmup is the number of calls each worker makes before measuring,
	// so that pools, connections and caches are warm.
	Warmup int
	// Duration is how long calls are started for once measuring begins.
	Duration time.Duration
}

// Result is what one run measured. Per-call figures are the process's
// totals over the measured window divided by Calls, so they include the
// client's goroutines, its garbage collection and this harness (which
// neither allocates nor locks per call).
type Result struct {
	Calls       uint64        `json:"calls"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	CPU         time.Duration `json:"cpu_ns"`
	Mallocs     uint64        `json:"mallocs"`
	Bytes       uint64        `json:"bytes"`
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	CallsPerSec float64       `json:"calls_per_sec"`
}

// CPUPerCall returns the process's CPU time per call.
func (r Result) CPUPerCall() time.Duration {
	if r.Calls == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Calls)
}

// AllocsPerCall returns heap allocations per call.
func (r Result) AllocsPerCall() float64 { return perCall(r.Mallocs, r.Calls) }

// BytesPerCall returns heap bytes allocated per call.
func (r Result) BytesPerCall() float64 { return perCall(r.Bytes, r.Calls) }

func perCall(n, calls uint64) float64 {
	if calls == 0 {
		return 0
	}
	return float64(n) / float64(calls)
}

// Run drives call with l.InFlight workers: each makes l.Warmup calls, then
// all wait until every worker is warm, then calls are made back to back
// for l.Duration. Calls still in flight when the time is up are finished
// and counted, so the window ends with no call outstanding. The first
// error of any call ends the run and is returned; ctx ending does too.
func Run(ctx context.Context, l Load, call func(context.Context) error) (Result, error) {
	if l.InFlight < 1 {
		return Result{}, errors.New("mcpclient: measure: in-flight count must be at least 1")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	hists := make([]Histogram, l.InFlight) // allocated before measuring
	var (
		warm, done sync.WaitGroup
		start      = make(chan struct{}) // closed by Run when measuring begins
		stop       atomic.Bool
		calls      atomic.Uint64
	)
	fail := func(err error) { cancel(err); stop.Store(true) }
	for i := range l.InFlight {
		warm.Add(1)
		done.Add(1)
		go func(h *Histogram) {
			defer done.Done()
			for range l.Warmup {
				if err := call(ctx); err != nil {
					fail(fmt.Errorf("warm-up call: %w", err))
					break
				}
			}
			warm.Done()
			<-start
			for !stop.Load() {
				t0 := time.Now()
				if err := call(ctx); err != nil {
					fail(err)
					return
				}
				h.Record(time.Since(t0))
				calls.Add(1)
			}
		}(&hists[i])
	}

	warm.Wait()
	if err := context.Cause(ctx); err != nil {
		close(start)
		done.Wait()
		return Result{}, err
	}
	// Start from a collected heap so that garbage of the warm-up is not
	// billed to the measured calls.
	runtime.GC()
	before := takeSnapshot()
	close(start)
	timer := time.NewTimer(l.Duration)
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	timer.Stop()
	stop.Store(true)
	done.Wait()
	after := takeSnapshot()
	if err := context.Cause(ctx); err != nil {
		return Result{}, err
	}

	var all Histogram
	for i := range hists {
		all.Merge(&hists[i])
	}
	r := Result{
		Calls:   calls.Load(),
		Elapsed: after.at.Sub(before.at),
		CPU:     after.cpu - before.cpu,
		Mallocs: after.mallocs - before.mallocs,
		Bytes:   after.bytes - before.bytes,
		P50:     all.Quantile(0.50),
		P99:     all.Quantile(0.99),
	}
	if r.Elapsed > 0 {
		r.CallsPerSec = float64(r.Calls) / r.Elapsed.Seconds()
	}
	return r, nil
}
