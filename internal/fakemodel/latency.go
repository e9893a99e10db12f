package fakemodel

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// LogNormalLatency returns a latency function for Options.Latency whose draws
// are log-normally distributed around median: median·e^(sigma·Z) with Z a
// standard normal variable. Half the draws fall below median; sigma sets the
// spread (0 gives median every time; the sign of sigma does not matter). Draws
// are not capped, except at the largest time.Duration. A median of zero or
// less yields 0. r drives the draws, nil meaning a generator seeded from the
// clock; the function takes ownership of r. The result is safe for concurrent
// use.
func LogNormalLatency(median time.Duration, sigma float64, r *rand.Rand) func() time.Duration {
	if r == nil {
		r = clockRand()
	}
	var mu sync.Mutex
	return func() time.Duration {
		if median <= 0 {
			return 0
		}
		mu.Lock()
		z := r.NormFloat64()
		mu.Unlock()
		d := float64(median) * math.Exp(sigma*z)
		if d >= math.MaxInt64 {
			return math.MaxInt64
		}
		return time.Duration(d)
	}
}

// clockRand is the generator used when the caller supplies none.
func clockRand() *rand.Rand {
	now := uint64(time.Now().UnixNano())
	return rand.New(rand.NewPCG(now, now>>32|now<<32))
}

// sleepContext waits d and reports true, or reports false as soon as ctx ends.
func sleepContext(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
