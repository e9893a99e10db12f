package mcpclient

import (
	"context"
	"math"
	"sync"
	"time"
)

// TokenLimit is a [Limiter] that counts tokens (Cost.Tokens) against a
// bucket that holds a minute's worth and refills continuously, the way
// providers enforce tokens per minute. A request's tokens are not known
// until it is answered, so Acquire takes an estimate and [Permit.Done]
// settles it against Outcome.Used.Tokens: tokens not used go back, an
// overrun is taken from what refills next. A request the upstream refused
// (429, another error status, or not sent) gives its estimate back; one
// lost in transit keeps it, since the provider may have counted it. Combine
// it with a request limiter through [AllOf]. A waiter that gives up returns
// its tokens. It is safe for concurrent use.
type TokenLimit struct {
	perSecond float64
	capacity  float64

	mu     sync.Mutex
	tokens float64 // may go below zero: admitted waiters and overruns owe it
	last   time.Time
}

// NewTokenLimit returns a limiter of perMinute tokens a minute with bursts
// of up to a minute's worth. perMinute below 1 admits nothing: Acquire
// fails at once with [ErrCostTooLarge].
func NewTokenLimit(perMinute int) *TokenLimit {
	c := float64(max(perMinute, 0))
	return &TokenLimit{perSecond: c / 60, capacity: c, tokens: c, last: time.Now()}
}

// advance refills the bucket up to now.
func (tl *TokenLimit) advance(now time.Time) {
	if d := now.Sub(tl.last); d > 0 {
		tl.tokens = math.Min(tl.capacity, tl.tokens+d.Seconds()*tl.perSecond)
		tl.last = now
	}
}

// Acquire waits until cost.Tokens fit. A cost with no tokens is admitted at
// once, and is still charged what Done reports.
func (tl *TokenLimit) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	n := float64(max(cost.Tokens, 0))
	if tl.capacity == 0 {
		return nil, costError("a token limit of 0 a minute admits nothing")
	}
	if n > tl.capacity {
		return nil, costError("a cost of %d tokens exceeds the budget of %v a minute and can never be admitted",
			cost.Tokens, tl.capacity)
	}
	now := time.Now()

	tl.mu.Lock()
	tl.advance(now)
	tl.tokens -= n
	var wait time.Duration
	if tl.tokens < 0 {
		wait = saturating(-tl.tokens/tl.perSecond, time.Second)
	}
	if wait > 0 && tooLate(ctx, now, wait) {
		tl.tokens += n
		tl.mu.Unlock()
		return nil, deadlineError(wait)
	}
	tl.mu.Unlock()

	if wait > 0 {
		if err := sleepCtx(ctx, wait); err != nil {
			tl.refund(n)
			return nil, err
		}
	}
	return &tokenPermit{tl: tl, estimate: n}, nil
}

// refund gives n tokens back, or takes them when n is negative.
func (tl *TokenLimit) refund(n float64) {
	tl.mu.Lock()
	tl.advance(time.Now())
	tl.tokens = math.Min(tl.capacity, tl.tokens+n)
	tl.mu.Unlock()
}

type tokenPermit struct {
	tl       *TokenLimit
	estimate float64
}

func (p *tokenPermit) Done(o Outcome) {
	switch {
	case o.Used.Tokens > 0:
		p.tl.refund(p.estimate - float64(o.Used.Tokens))
	case o.notSent(), o.StatusCode >= 400:
		p.tl.refund(p.estimate)
	}
}
