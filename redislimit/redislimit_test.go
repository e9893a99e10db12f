package redislimit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/redis/go-redis/v9"
)

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newLimiter(t testing.TB, rdb redis.Scripter, key string, rate float64, opts *Options) *Limiter {
	t.Helper()
	l, err := New(rdb, key, rate, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNewRefuses(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	tests := []struct {
		name string
		rdb  redis.Scripter
		key  string
		rate float64
	}{
		{"no client", nil, "k", 1},
		{"no key", rdb, "", 1},
		{"zero rate", rdb, "k", 0},
		{"negative rate", rdb, "k", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.rdb, tt.key, tt.rate, nil); err == nil || !strings.HasPrefix(err.Error(), "mcpclient: redis limiter: ") {
				t.Errorf("New(%s) error = %v, want an mcpclient: redis limiter error", tt.name, err)
			}
		})
	}
}

func TestLimiter(t *testing.T) {
	addr := startRedis(t)
	rdb := newRedis(t, addr)
	ctx := testContext(t)

	t.Run("paces", func(t *testing.T) {
		l := newLimiter(t, rdb, "test:paces", 50, nil)
		start := time.Now()
		for range 10 {
			if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d < 170*time.Millisecond || d > 5*time.Second {
			t.Errorf("10 requests at 50/s took %v, want about 180ms", d)
		}
	})

	t.Run("burst and cost", func(t *testing.T) {
		l := newLimiter(t, rdb, "test:burst", 1, &Options{Burst: 5})
		start := time.Now()
		if _, err := l.Acquire(ctx, mcpclient.Cost{Requests: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Acquire(ctx, mcpclient.Cost{Requests: 2}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("a burst of 5 took %v, want no wait", d)
		}
		if _, err := l.Acquire(ctx, mcpclient.Cost{Requests: 6}); !errors.Is(err, mcpclient.ErrCostTooLarge) {
			t.Errorf("Acquire(6) with a burst of 5 = %v, want ErrCostTooLarge", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		l := newLimiter(t, rdb, "test:deadline", 1, nil)
		if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
			t.Fatal(err)
		}
		dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := l.Acquire(dctx, mcpclient.Cost{})
		if !errors.Is(err, context.DeadlineExceeded) || dctx.Err() != nil || time.Since(start) > 200*time.Millisecond {
			t.Fatalf("Acquire past the deadline = %v after %v, want DeadlineExceeded at once", err, time.Since(start))
		}
		// The refused request reserved nothing: the next waits one
		// interval, not two.
		start = time.Now()
		if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("the next request waited %v, want under a second", d)
		}
	})

	t.Run("cancel gives back", func(t *testing.T) {
		l := newLimiter(t, rdb, "test:cancel", 2, nil)
		if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := l.Acquire(cctx, mcpclient.Cost{})
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Acquire = %v, want context.Canceled", err)
		}
		if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 850*time.Millisecond {
			t.Errorf("the request after a cancelled one waited %v, want about 500ms", d)
		}
	})

	t.Run("one key, two limiters", func(t *testing.T) {
		a := newLimiter(t, rdb, "test:shared", 20, nil)
		b := newLimiter(t, newRedis(t, addr), "test:shared", 20, nil)
		start := time.Now()
		var wg sync.WaitGroup
		for _, l := range []*Limiter{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if d := time.Since(start); d < 430*time.Millisecond {
			t.Errorf("10 requests at 20/s through two limiters took %v, want at least 450ms", d)
		}
	})

	t.Run("behind a priority queue", func(t *testing.T) {
		l := mcpclient.NewPriority(newLimiter(t, rdb, "test:priority", 20, nil), nil)
		start := time.Now()
		for range 4 {
			if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d < 140*time.Millisecond {
			t.Errorf("4 requests at 20/s took %v, want at least 150ms", d)
		}
	})
}

// deadRedis returns a client of a loopback port where nothing listens.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Without Redis and without a fallback, Acquire fails clearly rather than
// admitting everything.
func TestUnavailable(t *testing.T) {
	l := newLimiter(t, deadRedis(t), "test:dead", 10, nil)
	start := time.Now()
	_, err := l.Acquire(testContext(t), mcpclient.Cost{})
	if !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), "mcpclient: redis limiter: acquire \"test:dead\": redis unavailable") {
		t.Fatalf("Acquire without Redis = %v, want ErrUnavailable", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("error %v does not keep the network cause", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Acquire without Redis took %v, want the Timeout at most", d)
	}
}

// With a fallback, requests go on through it, and every such admission is
// reported to the client and the outage logged once.
func TestFallback(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	l := newLimiter(t, deadRedis(t), "test:dead", 10, &Options{Fallback: mcpclient.NewTokenBucket(100, 5), Logger: logger})

	hs := httptest.NewServer(fakemodel.New(fakemodel.Options{}))
	defer hs.Close()
	var events []mcpclient.Event
	c, err := mcpclient.NewClient(&mcpclient.Options{
		BaseURL: hs.URL + "/v1", Model: "m", Limiter: l,
		OnEvent: func(ev mcpclient.Event) {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		if _, err := c.Ask(testContext(t), "hi"); err != nil {
			t.Fatalf("Ask through the fallback: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, ev := range events {
		if ev.Kind == mcpclient.EventFallback && errors.Is(ev.Err, ErrUnavailable) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("fallback events = %d (of %v), want 2", n, events)
	}
	if s := c.Stats(); s.Fallbacks != 2 {
		t.Errorf("Stats().Fallbacks = %d, want 2", s.Fallbacks)
	}
	if got := strings.Count(logs.String(), "redis is unreachable"); got != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", got, logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
