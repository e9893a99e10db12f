package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Cost is what one request uses of a budget: requests and tokens. Limiters
// that count requests treat fewer than one request as one; limiters that
// count tokens admit a cost of no tokens at once.
type Cost struct {
	Requests int
	Tokens   int
}

// Outcome is what became of a request admitted by a [Limiter], reported
// through [Permit.Done] so that limiters can settle estimates against real
// usage and adapt to the server's signals.
type Outcome struct {
	// Used is the real cost when known (tokens from the reported usage);
	// zero fields mean unknown, and the estimate stands.
	Used Cost
	// StatusCode and Header are the HTTP response's, when there was one.
	StatusCode int
	Header     http.Header
	// Err is the transport error, when the request got no response. An
	// error matching [ErrNotSent] means the request never left, and
	// limiters that can give the admission back do.
	Err error
}

// Limiter admits requests against a budget. Acquire waits until cost fits,
// or fails at once when it never can (an error matching [ErrCostTooLarge])
// or when the wait would outlast ctx's deadline (an error matching
// context.DeadlineExceeded). When ctx ends during the wait it returns ctx's
// error and gives back what it had set aside. Implementations must be safe
// for concurrent use and must not spin: waits are timers.
//
// The strategies here, and when to use them:
//
//   - [TokenBucket]: a provider limit in requests per second or minute that
//     tolerates bursts; the cheapest.
//   - [LeakyBucket]: even spacing with no bursts, for upstreams that punish
//     clumps or for smoothing load.
//   - [SlidingWindow]: a hard "at most N in any window W" contract, such as
//     a provider that counts requests per rolling minute.
//   - [Adaptive]: the real limit is unknown or shared with others; it backs
//     off on 429 and 503, honours Retry-After and x-ratelimit-* headers, and
//     grows back while the budget is used.
//   - [TokenLimit]: tokens per minute, with estimates settled against the
//     usage the provider reports.
//   - [Priority]: in front of any of them, to admit important work first.
//   - [AllOf]: several budgets at once, such as requests and tokens per
//     minute.
//
// The redislimit package holds a limiter shared by many processes.
type Limiter interface {
	Acquire(ctx context.Context, cost Cost) (Permit, error)
}

// Permit is an admission. Done must be called once, when the outcome is
// known.
type Permit interface {
	Done(Outcome)
}

// Errors of admission. Match them with errors.Is.
var (
	// ErrCostTooLarge reports a cost that a limiter can never admit, such
	// as more requests than its burst or more tokens than its budget. It
	// comes at once, not after a wait.
	ErrCostTooLarge = errors.New("mcpclient: rate limit: cost can never be admitted")

	// ErrShed reports a request refused to protect the upstream or the
	// queue: a full [Priority] queue.
	ErrShed = errors.New("mcpclient: rate limit: request shed")
)

// limitError is an admission refusal: its text says why, and errors.Is
// matches the condition (ErrCostTooLarge or context.DeadlineExceeded).
type limitError struct {
	msg string
	is  error
}

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == e.is }

func costError(format string, args ...any) error {
	return &limitError{msg: "mcpclient: rate limit: " + fmt.Sprintf(format, args...), is: ErrCostTooLarge}
}

// deadlineError is the fail-fast answer to a wait that cannot end in time;
// it matches context.DeadlineExceeded so callers treat it like the
// deadline it anticipates.
func deadlineError(wait time.Duration) error {
	return &limitError{
		msg: fmt.Sprintf("mcpclient: rate limit: a wait of %v would outlast the deadline", wait.Round(time.Millisecond)),
		is:  context.DeadlineExceeded,
	}
}

// tooLate reports whether a wait of d from now would end after ctx's
// deadline.
func tooLate(ctx context.Context, now time.Time, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && dl.Sub(now) < d
}

type noopPermit struct{}

func (noopPermit) Done(Outcome) {}

// notSent reports whether an outcome says the admission went unused.
func (o Outcome) notSent() bool { return o.Err != nil && errors.Is(o.Err, ErrNotSent) }

// TokenBucket is a [Limiter] that admits requests at rate per second on
// average with bursts up to burst, counting requests only; it is
// golang.org/x/time/rate underneath. Use it for an endpoint whose limit is
// in requests per second or minute and that accepts short bursts; it is the
// cheapest strategy. A waiter that gives up returns its reservation.
type TokenBucket struct {
	lim *rate.Limiter
}

// NewTokenBucket returns a token bucket; burst below 1 means 1. A rate of 0
// admits the first burst and then refuses at once.
func NewTokenBucket(perSecond float64, burst int) *TokenBucket {
	if burst < 1 {
		burst = 1
	}
	return &TokenBucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// Acquire waits for cost.Requests tokens (at least one).
func (tb *TokenBucket) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	n := max(cost.Requests, 1)
	if err := tb.check(n); err != nil {
		return nil, err
	}
	now := time.Now()
	r := tb.lim.ReserveN(now, n)
	delay := r.DelayFrom(now)
	if delay == 0 {
		return noopPermit{}, nil
	}
	if tb.lim.Limit() <= 0 {
		// The bucket never refills: once the burst is spent, waiting
		// cannot help.
		r.Cancel()
		return nil, costError("the burst of %d is spent and a rate of %v never refills it",
			tb.lim.Burst(), tb.lim.Limit())
	}
	if tooLate(ctx, now, delay) {
		r.Cancel()
		return nil, deadlineError(delay)
	}
	if err := sleepCtx(ctx, delay); err != nil {
		r.Cancel()
		return nil, err
	}
	return noopPermit{}, nil
}

// tryAcquire admits cost if it fits now, without waiting; ok is false when
// it would have to wait. It lets [Priority] skip its queue cheaply.
func (tb *TokenBucket) tryAcquire(_ context.Context, cost Cost) (Permit, bool, error) {
	n := max(cost.Requests, 1)
	if err := tb.check(n); err != nil {
		return nil, false, err
	}
	if tb.lim.AllowN(time.Now(), n) {
		return noopPermit{}, true, nil
	}
	return nil, false, nil
}

// check refuses a cost above the burst, which could never be admitted.
func (tb *TokenBucket) check(n int) error {
	if n > tb.lim.Burst() {
		return costError("a cost of %d requests exceeds the burst of %d and can never be admitted", n, tb.lim.Burst())
	}
	return nil
}
