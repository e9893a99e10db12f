package mcpclient

import (
	"context"
	"math"
	"sync"
	"time"
)

// LeakyBucket is a [Limiter] that spaces admissions evenly at rate per
// second with no bursts: after an idle spell one request goes at once, and
// every later one waits its turn, one interval after the previous (a cost
// of n requests takes n intervals). Use it when the upstream punishes
// clumps, or to turn a bursty workload into a steady one; unlike
// go.uber.org/ratelimit it waits with a context and fails fast past a
// deadline. A waiter that gives up returns its slot when no later waiter
// was scheduled behind it; otherwise the slot passes unused, so the rate is
// never exceeded. It is safe for concurrent use.
type LeakyBucket struct {
	interval time.Duration // 0: no limit; negative: never admits

	mu   sync.Mutex
	next time.Time // the earliest start of the next admission
}

// NewLeakyBucket returns a leaky bucket admitting perSecond requests a
// second. A rate of 0 or less admits nothing: Acquire fails at once with
// [ErrCostTooLarge]. An infinite rate admits everything at once.
func NewLeakyBucket(perSecond float64) *LeakyBucket {
	switch {
	case perSecond <= 0 || math.IsNaN(perSecond):
		return &LeakyBucket{interval: -1}
	case math.IsInf(perSecond, 1):
		return &LeakyBucket{}
	}
	return &LeakyBucket{interval: time.Duration(float64(time.Second) / perSecond)}
}

// Acquire waits for the request's slot.
func (lb *LeakyBucket) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	if lb.interval < 0 {
		return nil, costError("a leaky bucket with no rate admits nothing")
	}
	n := time.Duration(max(cost.Requests, 1))
	now := time.Now()

	lb.mu.Lock()
	start := lb.next
	if start.Before(now) {
		start = now
	}
	wait := start.Sub(now)
	if wait > 0 && tooLate(ctx, now, wait) {
		lb.mu.Unlock()
		return nil, deadlineError(wait)
	}
	end := start.Add(n * lb.interval)
	lb.next = end
	lb.mu.Unlock()

	if wait == 0 {
		return noopPermit{}, nil
	}
	if err := sleepCtx(ctx, wait); err != nil {
		lb.mu.Lock()
		if lb.next.Equal(end) {
			lb.next = start
		}
		lb.mu.Unlock()
		return nil, err
	}
	return noopPermit{}, nil
}

// tryAcquire admits cost only if its slot is now.
func (lb *LeakyBucket) tryAcquire(_ context.Context, cost Cost) (Permit, bool, error) {
	if lb.interval < 0 {
		return nil, false, costError("a leaky bucket with no rate admits nothing")
	}
	n := time.Duration(max(cost.Requests, 1))
	now := time.Now()
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.next.After(now) {
		return nil, false, nil
	}
	lb.next = now.Add(n * lb.interval)
	return noopPermit{}, true, nil
}
