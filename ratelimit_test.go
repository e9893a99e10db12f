package mcpclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

func TestTokenBucketCostAboveBurst(t *testing.T) {
	tb := NewTokenBucket(100, 2)
	ctx := testContext(t)
	p, err := tb.Acquire(ctx, Cost{Requests: 3})
	if err == nil || p != nil || !strings.HasPrefix(err.Error(), "mcpclient: rate limit") {
		t.Errorf("Acquire(3 with burst 2) = %v, %v; want nil and an mcpclient error", p, err)
	}
	for i := range 2 {
		if _, err := tb.Acquire(ctx, Cost{}); err != nil {
			t.Errorf("Acquire #%d within the burst: %v", i+1, err)
		}
	}
}

func TestTokenBucketDeadline(t *testing.T) {
	tb := NewTokenBucket(1, 1)
	if _, err := tb.Acquire(testContext(t), Cost{Requests: 1}); err != nil {
		t.Fatalf("first Acquire: %v", err)
	}
	// The next token is a second away, beyond this deadline.
	ctx, cancel := context.WithTimeout(testContext(t), 300*time.Millisecond)
	defer cancel()
	_, err := tb.Acquire(ctx, Cost{Requests: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire beyond the deadline error = %v, want context.DeadlineExceeded", err)
	}
	if ctx.Err() != nil {
		t.Error("Acquire waited for the deadline; want it to fail at once")
	}
}

func TestTokenBucketCancel(t *testing.T) {
	tb := NewTokenBucket(0.01, 1)
	if _, err := tb.Acquire(testContext(t), Cost{}); err != nil {
		t.Fatal(err)
	}
	// No deadline: the 100s wait would outlast testContext's.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := tb.Acquire(ctx, Cost{})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire after cancel error = %v, want context.Canceled", err)
	}
}

// A bucket that never refills admits its burst and then fails at once
// rather than waiting forever.
func TestTokenBucketZeroRate(t *testing.T) {
	tb := NewTokenBucket(0, 1)
	// No deadline, which would make any long wait fail at once anyway.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := tb.Acquire(ctx, Cost{}); err != nil {
		t.Fatalf("Acquire within the burst: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := tb.Acquire(ctx, Cost{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Acquire from an empty bucket = %v, want an error saying it can never be admitted", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire from a bucket that never refills is still waiting")
	}
}

func TestTokenBucketPaces(t *testing.T) {
	tb := NewTokenBucket(20, 1)
	ctx := testContext(t)
	start := time.Now()
	for range 5 {
		if _, err := tb.Acquire(ctx, Cost{}); err != nil {
			t.Fatal(err)
		}
	}
	// Four waits of 50ms; only the lower bound is a guarantee.
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("5 acquisitions at 20/s took %v, want at least 200ms", d)
	}
}

// recordingLimiter admits everything and records each attempt's outcome.
type recordingLimiter struct {
	mu       sync.Mutex
	acquired int
	outcomes []int
}

type recordingPermit struct{ l *recordingLimiter }

func (l *recordingLimiter) Acquire(context.Context, Cost) (Permit, error) {
	l.mu.Lock()
	l.acquired++
	l.mu.Unlock()
	return recordingPermit{l}, nil
}

func (p recordingPermit) Done(o Outcome) {
	p.l.mu.Lock()
	p.l.outcomes = append(p.l.outcomes, o.StatusCode)
	p.l.mu.Unlock()
}

func TestLimiterSeesEveryAttempt(t *testing.T) {
	f := &flakyModel{fails: []func(http.ResponseWriter){failWith(429, rateLimitBody, "retry-after-ms", "1")}, model: fakemodel.New(fakemodel.Options{})}
	lim := &recordingLimiter{}
	c := newClient(t, serveModel(t, f), Options{Limiter: lim})
	if _, err := c.Ask(testContext(t), "hi"); err != nil {
		t.Fatal(err)
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if lim.acquired != 2 || len(lim.outcomes) != 2 || lim.outcomes[0] != 429 || lim.outcomes[1] != 200 {
		t.Errorf("limiter acquired %d, outcomes %v; want 2 and [429 200]", lim.acquired, lim.outcomes)
	}
}

// A limiter that refuses ends the run with its error, and nothing is sent.
func TestLimiterRefusal(t *testing.T) {
	fm, base := startModel(t, fakemodel.Options{})
	tb := NewTokenBucket(0.001, 1)
	c := newClient(t, base, Options{Limiter: tb})
	ctx, cancel := context.WithTimeout(testContext(t), 2*time.Second)
	defer cancel()
	if _, err := c.Ask(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Ask(ctx, "two")
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Errorf("second Ask error = %v (ctx %v), want DeadlineExceeded at once", err, ctx.Err())
	}
	requests(t, fm, 1)
}
