package mcpclient

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Cost is what one request uses of a budget: requests and tokens.
type Cost struct {
	Requests int
	Tokens   int
}

// Outcome is what became of a request admitted by a [Limiter], reported
// through [Permit.Done] so that limiters can settle estimates against real
// usage and adapt to the server's signals.
type Outcome struct {
	// Used is the real cost when known (tokens from the reported usage).
	Used Cost
	// StatusCode and Header are the HTTP response's, when there was one.
	StatusCode int
	Header     http.Header
	// Err is the transport error, when the request got no response.
	Err error
}

// Limiter admits requests against a budget. Acquire waits until cost fits,
// or fails at once when it never can or when the wait would outlast ctx's
// deadline (with an error matching context.DeadlineExceeded). Implementations
// must be safe for concurrent use.
type Limiter interface {
	Acquire(ctx context.Context, cost Cost) (Permit, error)
}

// Permit is an admission. Done must be called once, when the outcome is
// known.
type Permit interface {
	Done(Outcome)
}

type noopPermit struct{}

func (noopPermit) Done(Outcome) {}

// TokenBucket is a [Limiter] that admits requests at rate per second on
// average with bursts up to burst, counting requests only. It suits an
// endpoint whose limit is in requests per second or minute.
type TokenBucket struct {
	lim *rate.Limiter
}

// NewTokenBucket returns a token bucket; burst below 1 means 1.
func NewTokenBucket(perSecond float64, burst int) *TokenBucket {
	if burst < 1 {
		burst = 1
	}
	return &TokenBucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// Acquire waits for cost.Requests tokens (at least one).
func (tb *TokenBucket) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	n := max(cost.Requests, 1)
	if n > tb.lim.Burst() {
		return nil, fmt.Errorf("mcpclient: rate limit: a cost of %d requests exceeds the burst of %d and can never be admitted", n, tb.lim.Burst())
	}
	r := tb.lim.ReserveN(time.Now(), n)
	delay := r.Delay()
	if delay == 0 {
		return noopPermit{}, nil
	}
	if tb.lim.Limit() <= 0 {
		// The bucket never refills: once the burst is spent, waiting
		// cannot help.
		r.Cancel()
		return nil, fmt.Errorf("mcpclient: rate limit: the burst of %d is spent and a rate of %v never refills it", tb.lim.Burst(), tb.lim.Limit())
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
		r.Cancel()
		return nil, fmt.Errorf("mcpclient: rate limit: a wait of %v would outlast the deadline: %w", delay.Round(time.Millisecond), context.DeadlineExceeded)
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return noopPermit{}, nil
	case <-ctx.Done():
		r.Cancel()
		return nil, ctx.Err()
	}
}
