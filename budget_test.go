package mcpclient

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

func TestRetryBudget(t *testing.T) {
	now := time.Now()
	b := newRetryBudget(0.5, 0.001) // a reserve of one retry
	for range 4 {
		b.deposit()
	}
	var got []bool
	for range 4 {
		got = append(got, b.withdraw(now))
	}
	if want := []bool{true, true, true, false}; len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("withdrawals after 4 requests at 0.5 with a reserve of 1 = %v, want %v", got, want)
	}
	// The balance is capped at what 100 requests earn.
	for range 1000 {
		b.deposit()
	}
	n := 0
	for b.withdraw(now) {
		n++
	}
	if n != 50 {
		t.Errorf("retries after 1000 requests = %d, want 50 (the cap)", n)
	}
	var none *retryBudget
	if newRetryBudget(-1, 10) != nil || !none.withdraw(now) {
		t.Error("a negative ratio does not turn the budget off")
	}
}

// In a storm, the budget keeps retries to a share of requests: ten
// requests that each fail every attempt send far fewer than ten retries
// each.
func TestRetryBudgetInStorm(t *testing.T) {
	var posts atomic.Int32
	m503 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		failWith(503, `{"error":{"message":"overloaded"}}`, "retry-after-ms", "1")(w)
	})
	var log eventLog
	c := newClient(t, serveModel(t, m503), Options{
		Retry:   &RetryPolicy{MaxAttempts: 10, BudgetRatio: 0.1, BudgetMinPerSecond: 1},
		OnEvent: log.add,
	})
	ctx := testContext(t)
	for range 10 {
		var he *HTTPError
		if _, err := c.Ask(ctx, "hi"); !errors.As(err, &he) || he.StatusCode != 503 {
			t.Fatalf("Ask = %v, want the 503", err)
		}
	}
	// 10 requests, 1 retry earned, 1 in reserve (and one more a second).
	if n := posts.Load(); n < 11 || n > 14 {
		t.Errorf("POSTs = %d, want 11 to 14 rather than 100", n)
	}
	ev, ok := log.find(EventShed)
	if !ok || !errors.Is(ev.Err, errRetryBudget) || ev.StatusCode != 503 {
		t.Errorf("shed event = %+v (found %v), want the spent budget", ev, ok)
	}
	if s := c.Stats(); s.Retried != int64(posts.Load()-10) || s.Shed == 0 {
		t.Errorf("Stats() = %+v, want the retries counted and some shed", s)
	}
}

// MaxElapsed is one deadline for the limiter's waits and the retries
// together.
func TestRetryMaxElapsed(t *testing.T) {
	t.Run("retry wait", func(t *testing.T) {
		f := &flakyModel{fails: []func(http.ResponseWriter){failWith(429, rateLimitBody, "Retry-After", "1")}, model: fakemodel.New(fakemodel.Options{})}
		c := newClient(t, serveModel(t, f), Options{Retry: &RetryPolicy{MaxElapsed: 500 * time.Millisecond}})
		start := time.Now()
		_, err := c.Ask(testContext(t), "hi")
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != 429 || time.Since(start) > 400*time.Millisecond {
			t.Errorf("Ask = %v after %v, want the 429 at once", err, time.Since(start))
		}
	})
	t.Run("within bound", func(t *testing.T) {
		f := &flakyModel{fails: []func(http.ResponseWriter){failWith(429, rateLimitBody, "retry-after-ms", "100")}, model: fakemodel.New(fakemodel.Options{})}
		c := newClient(t, serveModel(t, f), Options{Retry: &RetryPolicy{MaxElapsed: 2 * time.Second}})
		if _, err := c.Ask(testContext(t), "hi"); err != nil {
			t.Errorf("Ask = %v, want a retry within the bound", err)
		}
	})
	t.Run("limiter wait", func(t *testing.T) {
		_, base := startModel(t, fakemodel.Options{})
		c := newClient(t, base, Options{Limiter: NewTokenBucket(1, 1), Retry: &RetryPolicy{MaxElapsed: 300 * time.Millisecond}})
		ctx := testContext(t)
		if _, err := c.Ask(ctx, "one"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := c.Ask(ctx, "two")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 200*time.Millisecond {
			t.Errorf("Ask behind a 1s limiter wait = %v after %v, want DeadlineExceeded at once", err, time.Since(start))
		}
	})
}

// Every decision reaches the hook, the logger and the counters.
func TestEventsAndStats(t *testing.T) {
	f := &flakyModel{fails: []func(http.ResponseWriter){failWith(429, rateLimitBody, "retry-after-ms", "30")}, model: fakemodel.New(fakemodel.Options{})}
	rec := &logRecorder{}
	var log eventLog
	lim := NewAdaptive(10, nil)
	c := newClient(t, serveModel(t, f), Options{Limiter: lim, OnEvent: log.add, Logger: slog.New(rec)})
	ctx := testContext(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Ask(ctx, "hi"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, k := range []EventKind{EventRetry, EventCut, EventHold, EventWait} {
		if _, ok := log.find(k); !ok {
			t.Errorf("no %v event among %v", k, log.kinds())
		}
	}
	ev, _ := log.find(EventRetry)
	if ev.Server != "" || ev.Attempt != 2 || ev.StatusCode != 429 || ev.Wait != 30*time.Millisecond {
		t.Errorf("retry event = %+v, want attempt 2 of the model request after a 429, waiting 30ms", ev)
	}
	if got := rec.attrs("resilience: retry", "status"); len(got) != 1 || got[0] != "429" {
		t.Errorf("retry log records = %v, want one with status 429", got)
	}
	s := c.Stats()
	if s.Retried != 1 || s.TooManyRequests != 1 || s.Cuts != 1 || s.Holds < 1 || s.Admitted != 4 || s.Waited < 2 || s.WaitTime <= 0 {
		t.Errorf("Stats() = %+v, want 1 retry, 1 429, 1 cut, holds, 4 admitted, waits", s)
	}
	// Cut to 7, then growing back slowly while requests queue.
	if got := lim.Rate(); got < 7 || got >= 8 {
		t.Errorf("adaptive rate after one 429 = %v, want about 7", got)
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{EventWait: "wait", EventShed: "shed", EventFallback: "fallback", 0: "unknown", 99: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("EventKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
