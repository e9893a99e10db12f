package mcpclient

import (
	"context"
	"errors"
	"math"
	"sync"
	"syscall"
	"testing"
	"time"
)

// strategy builds a limiter of one request at a time (burst 1) at rate per
// second. capacity is the largest cost in requests it can ever admit; 0
// means no bound.
type strategy struct {
	name     string
	make     func(rate float64) Limiter
	capacity int
}

// foreignLimiter hides the package's fast path, as a caller's own limiter
// would.
type foreignLimiter struct{ Limiter }

var strategies = []strategy{
	{"token", func(r float64) Limiter { return NewTokenBucket(r, 1) }, 1},
	{"leaky", func(r float64) Limiter { return NewLeakyBucket(r) }, 0},
	{"window", func(r float64) Limiter { return NewSlidingWindow(1, time.Duration(float64(time.Second)/r)) }, 1},
	{"adaptive", func(r float64) Limiter { return NewAdaptive(r, nil) }, 1},
	{"priority", func(r float64) Limiter { return NewPriority(NewTokenBucket(r, 1), nil) }, 1},
	{"priority-foreign", func(r float64) Limiter { return NewPriority(foreignLimiter{NewLeakyBucket(r)}, nil) }, 0},
	{"allof", func(r float64) Limiter {
		return AllOf(NewTokenLimit(1e6), NewSlidingWindow(1, time.Duration(float64(time.Second)/r)))
	}, 1},
}

func TestLimitersCostTooLarge(t *testing.T) {
	for _, s := range strategies {
		if s.capacity == 0 {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			l := s.make(1000)
			p, err := l.Acquire(testContext(t), Cost{Requests: s.capacity + 1})
			if !errors.Is(err, ErrCostTooLarge) || p != nil {
				t.Errorf("Acquire(%d requests) = %v, %v; want nil and ErrCostTooLarge", s.capacity+1, p, err)
			}
		})
	}
}

func TestLimitersWithoutRateRefuse(t *testing.T) {
	tests := []struct {
		name string
		l    Limiter
	}{
		{"leaky", NewLeakyBucket(0)},
		{"window", NewSlidingWindow(0, time.Second)},
		{"window no length", NewSlidingWindow(5, 0)},
		{"adaptive", NewAdaptive(0, nil)},
		{"tokens", NewTokenLimit(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.l.Acquire(testContext(t), Cost{Requests: 1, Tokens: 1}); !errors.Is(err, ErrCostTooLarge) {
				t.Errorf("Acquire = %v, want ErrCostTooLarge at once", err)
			}
		})
	}
}

// A wait that cannot end before the deadline fails at once, with an error
// that matches context.DeadlineExceeded.
func TestLimitersFailFastPastDeadline(t *testing.T) {
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			l := s.make(1)
			if _, err := l.Acquire(testContext(t), Cost{Requests: 1}); err != nil {
				t.Fatalf("first Acquire: %v", err)
			}
			ctx, cancel := context.WithTimeout(testContext(t), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := l.Acquire(ctx, Cost{Requests: 1})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Acquire past the deadline = %v, want context.DeadlineExceeded", err)
			}
			if ctx.Err() != nil || time.Since(start) > 200*time.Millisecond {
				t.Errorf("Acquire took %v, until the deadline; want it to fail at once", time.Since(start))
			}
		})
	}
}

// A waiter that gives up hands its place back: the next request goes when
// the cancelled one would have.
func TestLimitersCancelGivesBack(t *testing.T) {
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			l := s.make(2) // one request every 500ms
			ctx := testContext(t)
			if _, err := l.Acquire(ctx, Cost{Requests: 1}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			cctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := l.Acquire(cctx, Cost{Requests: 1})
				done <- err
			}()
			time.Sleep(50 * time.Millisecond)
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Acquire = %v, want context.Canceled", err)
			}
			if _, err := l.Acquire(ctx, Cost{Requests: 1}); err != nil {
				t.Fatal(err)
			}
			// Without the give-back it would be a second.
			if d := time.Since(start); d > 850*time.Millisecond {
				t.Errorf("the request after a cancelled one waited %v, want about 500ms", d)
			}
		})
	}
}

func TestLimitersPace(t *testing.T) {
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			l := s.make(20)
			ctx := testContext(t)
			start := time.Now()
			var wg sync.WaitGroup
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 2 {
						if _, err := l.Acquire(ctx, Cost{Requests: 1}); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			// Five intervals of 50ms after the first; only the lower bound
			// is a guarantee, the upper one catches a stall.
			if d := time.Since(start); d < 240*time.Millisecond || d > 5*time.Second {
				t.Errorf("6 requests at 20/s took %v, want about 250ms", d)
			}
		})
	}
}

// Waiting costs no CPU: waits are timers, not loops.
func TestLimitersDoNotSpin(t *testing.T) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Skipf("no rusage: %v", err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			l := s.make(0.5)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if _, err := l.Acquire(ctx, Cost{Requests: 1}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			before := cpu()
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					l.Acquire(ctx, Cost{Requests: 1})
				}()
			}
			time.Sleep(400 * time.Millisecond)
			used := cpu() - before
			cancel()
			wg.Wait()
			if used > 150*time.Millisecond {
				t.Errorf("32 waiters used %v of CPU in 400ms, want next to none", used)
			}
		})
	}
}

func TestLeakyBucketSpacesEvenly(t *testing.T) {
	lb := NewLeakyBucket(50) // 20ms apart
	ctx := testContext(t)
	var times []time.Time
	for range 6 {
		if _, err := lb.Acquire(ctx, Cost{Requests: 1}); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Now())
	}
	for i := 1; i < len(times); i++ {
		// A late timer can shorten the next gap, never below what the
		// schedule allows in total.
		if d := times[i].Sub(times[0]); d < time.Duration(i)*20*time.Millisecond-2*time.Millisecond {
			t.Errorf("admission %d came %v after the first, want at least %v", i, d, time.Duration(i)*20*time.Millisecond)
		}
	}
	// A cost of 3 takes three intervals.
	start := time.Now()
	if _, err := lb.Acquire(ctx, Cost{Requests: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Acquire(ctx, Cost{Requests: 1}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 75*time.Millisecond {
		t.Errorf("a cost of 3 then 1 took %v, want at least 80ms", d)
	}
}

func TestLeakyBucketInfiniteRate(t *testing.T) {
	lb := NewLeakyBucket(math.Inf(1))
	ctx := testContext(t)
	start := time.Now()
	for range 1000 {
		if _, err := lb.Acquire(ctx, Cost{Requests: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("1000 requests at an infinite rate took %v", d)
	}
}
