package bench

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Load says how much work [Drive] does and how it arrives. The zero value
// runs nothing: set Requests, Duration or both.
type Load struct {
	// Concurrency is the number of workers, and so the most requests in
	// flight at once; below 1 means 1.
	Concurrency int
	// Requests bounds the number of requests; 0 means no bound.
	Requests int
	// Duration bounds the time in which requests start (a closed loop
	// starts none after it; an open loop schedules none after it); requests
	// in flight then still finish. 0 means no bound.
	Duration time.Duration
	// Rate, when positive, makes an open loop of Rate requests per
	// second: request i is due i/Rate seconds after the start whether or
	// not a worker is free, and its latency counts from then. 0 makes a
	// closed loop.
	Rate float64
	// OnDone, when set, is called after each request ends, from the
	// worker that ran it; it must be safe for concurrent use.
	OnDone func()
}

// Drive runs op under load and returns the measured run, its samples in
// order of intended start. The Op's context is ctx: when it ends, Drive
// starts no more requests, drops the ones that end after it (their
// outcome says more about the cancellation than about the server), and
// returns what it measured before.
func Drive(ctx context.Context, load Load, op Op) *Run {
	workers := max(load.Concurrency, 1)
	run := &Run{Concurrency: workers, Rate: load.Rate}
	if load.Requests <= 0 && load.Duration <= 0 {
		return run
	}
	d := &driver{load: load, op: op, t0: time.Now()}
	parts := make([]workerResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = d.work(ctx)
		}()
	}
	wg.Wait()

	run.Examples = make(map[Kind]string)
	for _, p := range parts {
		run.Samples = append(run.Samples, p.samples...)
		for k, e := range p.examples {
			if _, ok := run.Examples[k]; !ok {
				run.Examples[k] = e
			}
		}
	}
	slices.SortFunc(run.Samples, func(a, b Sample) int { return cmp.Compare(a.Intended, b.Intended) })
	for _, s := range run.Samples {
		run.Elapsed = max(run.Elapsed, s.End)
	}
	return run
}

type driver struct {
	load Load
	op   Op
	t0   time.Time
	next atomic.Int64 // index of the next request to start
}

type workerResult struct {
	samples  []Sample
	examples map[Kind]string
}

// work runs requests until the load is done. Workers draw request numbers
// in order, so in an open loop a late request is taken by the first worker
// that frees up, as from a queue.
func (d *driver) work(ctx context.Context) workerResult {
	var res workerResult
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for ctx.Err() == nil {
		i := d.next.Add(1) - 1
		if d.load.Requests > 0 && i >= int64(d.load.Requests) {
			break
		}
		var intended time.Duration
		if d.load.Rate > 0 {
			intended = d.due(i)
			if d.load.Duration > 0 && intended >= d.load.Duration {
				break
			}
			if !d.waitUntil(ctx, timer, intended) {
				break
			}
		} else if d.load.Duration > 0 && time.Since(d.t0) >= d.load.Duration {
			break
		}

		start := time.Since(d.t0)
		if d.load.Rate <= 0 {
			intended = start
		}
		out := d.op(ctx)
		end := time.Since(d.t0)
		if ctx.Err() != nil {
			break
		}
		s := Sample{
			Intended:         intended,
			Start:            start,
			End:              end,
			Kind:             out.Kind,
			Retries:          out.Retries,
			PromptTokens:     out.PromptTokens,
			CompletionTokens: out.CompletionTokens,
		}
		if !out.FirstToken.IsZero() {
			s.TTFT = max(out.FirstToken.Sub(d.t0)-intended, 1)
		}
		res.samples = append(res.samples, s)
		if out.Kind != OK && out.Err != nil {
			if res.examples == nil {
				res.examples = make(map[Kind]string)
			}
			if _, ok := res.examples[out.Kind]; !ok {
				res.examples[out.Kind] = out.Err.Error()
			}
		}
		if d.load.OnDone != nil {
			d.load.OnDone()
		}
	}
	return res
}

// due is the intended start of request i. It is computed from i rather
// than accumulated, so that rounding never drifts the schedule.
func (d *driver) due(i int64) time.Duration {
	at := float64(i) / d.load.Rate * float64(time.Second)
	if at >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(at)
}

// waitUntil sleeps until the offset at, reporting false when ctx ends
// first. A request already late starts at once: the open loop never skips
// or reschedules work, it only records how late it began.
func (d *driver) waitUntil(ctx context.Context, timer *time.Timer, at time.Duration) bool {
	wait := at - time.Since(d.t0)
	if wait <= 0 {
		return true
	}
	timer.Reset(wait)
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		timer.Stop()
		return false
	}
}
