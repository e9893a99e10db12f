package mcpclient

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says which failed model requests are sent again and how long to
// wait before each attempt. The zero value is [DefaultRetryPolicy]'s
// settings; a nil *RetryPolicy in [Options] means the default too. To turn
// retries off set MaxAttempts to 1.
//
// A request is retried only before any of its response reached the caller:
// a stream that has started is never repeated.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt; 0 means 4.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry, doubled for each
	// later one; 0 means 500ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff; 0 means 20s.
	MaxDelay time.Duration
	// MaxRetryAfter caps a wait the server asks for through Retry-After or
	// retry-after-ms; a server asking for longer is not retried, since the
	// caller is better told than kept waiting. 0 means 60s.
	MaxRetryAfter time.Duration
	// MaxElapsed bounds one request's waits and retries together: no
	// admission wait, backoff or retry starts that would end more than
	// MaxElapsed after the request began; the request then fails with its
	// last error (or, for an admission wait, one matching
	// context.DeadlineExceeded). An attempt already sent is not cut short.
	// The context's deadline bounds them the same way. 0 means no bound
	// but the context's.
	MaxElapsed time.Duration
	// BudgetRatio is the share of a retry that each request earns in the
	// upstream's retry budget, which every client keeps for its model
	// endpoint, so that in a storm retries add at most this share to the
	// load (plus BudgetMinPerSecond). A retry the budget cannot pay is not
	// sent: the request fails with its last error. 0 means 0.2; a negative
	// value turns the budget off.
	BudgetRatio float64
	// BudgetMinPerSecond is the retries a second the budget allows even
	// when few requests have earned any, with a burst of as many; 0 means
	// 10.
	BudgetMinPerSecond float64
	// ShouldRetry decides whether a failure may succeed when repeated.
	// resp is nil when no response arrived (err says why); body holds the
	// start of an error response. nil means [DefaultShouldRetry].
	ShouldRetry func(resp *http.Response, body []byte, err error) bool
}

// DefaultRetryPolicy is the policy used when none is given.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:        4,
	BaseDelay:          500 * time.Millisecond,
	MaxDelay:           20 * time.Second,
	MaxRetryAfter:      60 * time.Second,
	BudgetRatio:        0.2,
	BudgetMinPerSecond: 10,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	if p.BudgetRatio == 0 {
		p.BudgetRatio = d.BudgetRatio
	}
	if p.BudgetMinPerSecond <= 0 {
		p.BudgetMinPerSecond = d.BudgetMinPerSecond
	}
	if p.ShouldRetry == nil {
		p.ShouldRetry = DefaultShouldRetry
	}
	return p
}

// DefaultShouldRetry retries connection failures and the statuses that mean
// "try again": 408, 409, 429 and 5xx. A server's x-should-retry header
// overrides the status either way. A 429 that reports an exhausted quota
// (insufficient_quota) is not retried: waiting does not refill a balance.
func DefaultShouldRetry(resp *http.Response, body []byte, err error) bool {
	if resp == nil {
		return err != nil
	}
	switch strings.ToLower(resp.Header.Get("x-should-retry")) {
	case "true":
		return true
	case "false":
		return false
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return !strings.Contains(string(body), "insufficient_quota")
	case code == http.StatusRequestTimeout, code == http.StatusConflict:
		return true
	case code >= 500 && code != http.StatusNotImplemented:
		return true
	}
	return false
}

// backoff returns the wait before retry number n (1 for the first retry).
func (p RetryPolicy) backoff(n int) time.Duration { return fullJitter(n, p.BaseDelay, p.MaxDelay) }

// fullJitter is the wait before retry number n: "full jitter", a uniform
// draw below the exponential base*2^(n-1) capped at max, which spreads the
// retries of many clients that failed together.
func fullJitter(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// RetryAfter reads the wait a server asks for: retry-after-ms (milliseconds,
// preferred because it is precise), else Retry-After in seconds or as an HTTP
// date relative to now. ok is false when the response asks for none.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return saturating(ms, time.Millisecond), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return saturating(s, time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// saturating converts n units to a Duration, capped at the largest one: a
// float conversion that overflows gives a negative Duration, which would turn
// an absurd wait into no wait at all.
func saturating(n float64, unit time.Duration) time.Duration {
	d := n * float64(unit)
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
}
