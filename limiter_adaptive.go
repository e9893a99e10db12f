package mcpclient

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// AdaptiveOptions configure an [Adaptive] limiter. The zero value takes
// every default.
type AdaptiveOptions struct {
	// Min is the lowest rate a cut goes to, in requests per second; 0
	// means 1/50 of the starting rate.
	Min float64
	// Burst is how many requests may go at once after an idle spell; 0
	// means 1, even spacing.
	Burst int
	// Decrease multiplies the rate at a cut; 0 (or a value outside (0, 1))
	// means 0.7.
	Decrease float64
	// Increase is added to the rate, in requests per second for every
	// second, while requests queue for the rate and the server reports
	// budget left; 0 means 1/20 of the starting rate.
	Increase float64
	// MaxHold caps a hold the server asks for; 0 means 60s.
	MaxHold time.Duration
}

// Adaptive is a [Limiter] that finds the rate an upstream really allows,
// additive increase and multiplicative decrease (AIMD) as TCP does:
//
//   - A 429 or 503 cuts the rate (times Decrease) once per congestion
//     episode: a refusal of a request admitted before the last cut belongs
//     to the episode that cut already answered, so a burst of refusals from
//     requests in flight cuts once, not once each.
//   - Every refusal holds all requests back until the server's Retry-After
//     (retry-after-ms, Retry-After in seconds or as a date) has passed,
//     capped by MaxHold; requests queued meanwhile then leave one interval
//     apart, not all at once.
//   - x-ratelimit-remaining-requests and -tokens reaching 0 hold requests
//     until the budget refills (x-ratelimit-reset-*, per request when
//     x-ratelimit-limit-requests is given); a remaining count below the
//     requests in flight stops growth.
//   - While requests queue for the rate (the budget is really used) and the
//     server reports room, the rate grows by Increase per second, up to the
//     starting rate.
//
// Waiters are admitted in arrival order; a change of rate or a hold applies
// at once to all of them. Use it when the real limit is unknown, shared
// with other clients, or changes: give it the most the provider might
// allow, and it settles below what the provider answers with. It reports
// cuts and holds through [ReportEvent]. It is safe for concurrent use.
type Adaptive struct {
	max, min, decrease, increase float64
	burst                        int
	maxHold                      time.Duration
	base                         time.Time

	raiseDue atomic.Int64 // nanoseconds after base when growth is next considered
	_        [56]byte     // keeps done off the cache line the admissions write
	done     atomic.Int64 // permits done; admitted minus done are in flight
	_        [56]byte

	mu        sync.Mutex
	rate      float64
	interval  float64   // nanoseconds per request at rate
	tat       time.Time // theoretical arrival time: the bucket is full again then
	hold      time.Time // no admission before it
	lastCut   time.Time
	lastRaise time.Time
	saturated bool  // a request queued since lastRaise
	admitted  int64 // permits handed out
	low       bool  // the server reported its budget all but spent
	queue     []*adaptiveWaiter
	queued    int // requests in the queue
}

// raiseStep is how often growth is considered.
const raiseStep = 100 * time.Millisecond

// maxCredit bounds how much of a waiter's lateness is made up: a process
// stalled longer than this loses the time rather than bursting after it.
const maxCredit = 20 * time.Millisecond

// NewAdaptive returns an adaptive limiter that starts at, and never goes
// above, perSecond requests per second. opts may be nil. A rate that is not
// a positive finite number admits nothing: Acquire fails at once with
// [ErrCostTooLarge].
func NewAdaptive(perSecond float64, opts *AdaptiveOptions) *Adaptive {
	var o AdaptiveOptions
	if opts != nil {
		o = *opts
	}
	if perSecond <= 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
		perSecond = 0
	}
	if o.Min <= 0 || o.Min > perSecond {
		o.Min = perSecond / 50
	}
	if o.Burst < 1 {
		o.Burst = 1
	}
	if o.Decrease <= 0 || o.Decrease >= 1 {
		o.Decrease = 0.7
	}
	if o.Increase <= 0 {
		o.Increase = perSecond / 20
	}
	if o.MaxHold <= 0 {
		o.MaxHold = time.Minute
	}
	now := time.Now()
	a := &Adaptive{
		max: perSecond, min: o.Min, decrease: o.Decrease, increase: o.Increase,
		burst: o.Burst, maxHold: o.MaxHold, base: now, lastRaise: now,
	}
	a.setRate(perSecond)
	return a
}

// Rate returns the current rate in requests per second.
func (a *Adaptive) Rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

func (a *Adaptive) setRate(r float64) {
	a.rate = r
	a.interval = float64(time.Second) / r
}

type adaptiveWaiter struct {
	n    int
	turn chan struct{} // buffered; a nudge when the waiter is at the head and should look again
}

// Acquire waits for the request's turn at the current rate.
func (a *Adaptive) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	n := max(cost.Requests, 1)
	if err := a.check(n); err != nil {
		return nil, err
	}

	now := time.Now()
	a.mu.Lock()
	if len(a.queue) == 0 && a.admitAt(now, n).After(now) {
		// The time read before the lock may be older than an admission
		// made while this request waited for it; look again before
		// queueing for nothing.
		now = time.Now()
	}
	if len(a.queue) == 0 && !a.admitAt(now, n).After(now) {
		a.take(now, n, 0)
		a.mu.Unlock()
		return a.permit(ctx, now), nil
	}
	// Everyone queued goes first: the wait is at least theirs and ours.
	wait := a.admitAt(now, n).Sub(now) + time.Duration(float64(a.queued)*a.interval)
	if tooLate(ctx, now, wait) {
		a.mu.Unlock()
		return nil, deadlineError(wait)
	}
	w := &adaptiveWaiter{n: n, turn: make(chan struct{}, 1)}
	a.queue = append(a.queue, w)
	a.queued += n
	a.saturated = true
	if len(a.queue) == 1 {
		w.turn <- struct{}{}
	}
	a.mu.Unlock()
	return a.wait(ctx, w)
}

// check refuses a cost that can never be admitted.
func (a *Adaptive) check(n int) error {
	if a.max == 0 {
		return costError("an adaptive limiter with no rate admits nothing")
	}
	if n > a.burst {
		return costError("a cost of %d requests exceeds the burst of %d and can never be admitted", n, a.burst)
	}
	return nil
}

// tryAcquire admits cost only if nobody queues and it fits now.
func (a *Adaptive) tryAcquire(ctx context.Context, cost Cost) (Permit, bool, error) {
	n := max(cost.Requests, 1)
	if err := a.check(n); err != nil {
		return nil, false, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if len(a.queue) > 0 || a.admitAt(now, n).After(now) {
		return nil, false, nil
	}
	a.take(now, n, 0)
	return a.permit(ctx, now), true, nil
}

// wait runs a queued request: once at the head, it sleeps until its time,
// looking again whenever the rate or a hold changes.
func (a *Adaptive) wait(ctx context.Context, w *adaptiveWaiter) (Permit, error) {
	var timer *time.Timer
	var tc <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-w.turn:
		case <-tc:
		case <-ctx.Done():
			a.mu.Lock()
			a.remove(w)
			a.mu.Unlock()
			return nil, ctx.Err()
		}
		now := time.Now()
		a.mu.Lock()
		if a.queue[0] != w {
			a.mu.Unlock()
			continue
		}
		at := a.admitAt(now, w.n)
		if !at.After(now) {
			// A timer that fires late, or a slow hand-off to the next
			// waiter, must not cost the rate its capacity.
			a.take(now, w.n, max(time.Duration(a.interval), maxCredit))
			a.remove(w)
			a.mu.Unlock()
			return a.permit(ctx, now), nil
		}
		wait := at.Sub(now)
		if tooLate(ctx, now, wait) {
			a.remove(w)
			a.mu.Unlock()
			return nil, deadlineError(wait)
		}
		a.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
			tc = timer.C
		} else {
			timer.Reset(wait)
		}
	}
}

// admitAt is when n requests may go: not before the hold, and when the
// bucket (GCRA's theoretical arrival time) has room for them.
func (a *Adaptive) admitAt(now time.Time, n int) time.Time {
	t0 := now
	if a.hold.After(t0) {
		t0 = a.hold
	}
	tat := a.tat
	if tat.Before(t0) {
		tat = t0
	}
	at := tat.Add(-time.Duration(float64(a.burst-n) * a.interval))
	if at.Before(t0) {
		at = t0
	}
	return at
}

// take records an admission of n requests at now. A queued request was due
// at the bucket's time, and credit (for waiters) lets it count from then,
// up to credit before now but never before a hold, so that scheduling
// delays do not lower the rate.
func (a *Adaptive) take(now time.Time, n int, credit time.Duration) {
	floor := now.Add(-credit)
	if floor.Before(a.hold) {
		floor = a.hold
	}
	if a.tat.Before(floor) {
		a.tat = floor
	}
	a.admitted++
	a.tat = a.tat.Add(time.Duration(float64(n) * a.interval))
}

// remove takes w out of the queue and nudges the new head.
func (a *Adaptive) remove(w *adaptiveWaiter) {
	i := slices.Index(a.queue, w)
	if i < 0 {
		return
	}
	a.queue = slices.Delete(a.queue, i, i+1)
	a.queued -= w.n
	if i == 0 {
		a.nudge()
	}
}

// nudge makes the head look again at its time.
func (a *Adaptive) nudge() {
	if len(a.queue) == 0 {
		return
	}
	select {
	case a.queue[0].turn <- struct{}{}:
	default:
	}
}

// permit is the permit of an admission take recorded.
func (a *Adaptive) permit(ctx context.Context, at time.Time) *adaptivePermit {
	return &adaptivePermit{a: a, at: at, sink: sinkFrom(ctx)}
}

type adaptivePermit struct {
	a    *Adaptive
	at   time.Time // when it was admitted
	sink *eventSink
}

func (p *adaptivePermit) Done(o Outcome) {
	a := p.a
	a.done.Add(1)
	switch {
	case o.StatusCode == 429 || o.StatusCode == 503:
		a.congested(time.Now(), p, o)
	case o.StatusCode >= 200 && o.StatusCode < 300:
		// The common case, a success without budget headers admitted
		// between two growth steps, takes no lock and reads no clock.
		if o.Header == nil && int64(p.at.Sub(a.base)) < a.raiseDue.Load() {
			return
		}
		a.succeeded(time.Now(), p, o)
	}
}

// congested answers a refusal: a cut when it opens an episode, and a hold.
func (a *Adaptive) congested(now time.Time, p *adaptivePermit, o Outcome) {
	a.mu.Lock()
	cut := !p.at.Before(a.lastCut)
	if cut {
		a.setRate(math.Max(a.min, a.rate*a.decrease))
		a.lastCut, a.lastRaise, a.saturated = now, now, false
	}
	rate := a.rate
	d, ok := RetryAfter(o.Header, now)
	if !ok {
		d = time.Duration(a.interval)
	}
	held := a.holdFor(now, d)
	if cut || held > 0 {
		a.nudge()
	}
	a.mu.Unlock()

	if cut {
		p.sink.emit(Event{Kind: EventCut, Rate: rate, StatusCode: o.StatusCode})
	}
	if held > 0 {
		p.sink.emit(Event{Kind: EventHold, Wait: held, StatusCode: o.StatusCode})
	}
}

// succeeded reads the budget headers and grows the rate when it is used.
func (a *Adaptive) succeeded(now time.Time, p *adaptivePermit, o Outcome) {
	req, tok := rateHeaders(o.Header, now)
	a.mu.Lock()
	var held time.Duration
	if req.known() {
		a.low = req.remaining <= a.admitted-a.done.Load()
		if req.remaining == 0 && req.reset > 0 {
			d := req.reset
			if req.limit > 0 {
				// The budget refills over reset; one request's worth is
				// what the next one needs.
				d = req.reset / time.Duration(req.limit)
			}
			held = a.holdFor(now, d)
		}
	}
	if tok.known() && tok.remaining == 0 && tok.reset > 0 {
		held = max(held, a.holdFor(now, tok.reset))
	}
	if since := now.Sub(a.lastRaise); since >= raiseStep {
		if a.saturated && !a.low && a.rate < a.max {
			a.setRate(math.Min(a.max, a.rate+a.increase*math.Min(since.Seconds(), 1)))
		}
		a.lastRaise, a.saturated = now, false
		a.raiseDue.Store(int64(now.Add(raiseStep).Sub(a.base)))
	}
	if held > 0 {
		a.nudge()
	}
	a.mu.Unlock()

	if held > 0 {
		p.sink.emit(Event{Kind: EventHold, Wait: held, StatusCode: o.StatusCode})
	}
}

// holdFor holds every request for d from now, capped by MaxHold, unless a
// longer hold is on; it returns the new hold's length, or 0.
func (a *Adaptive) holdFor(now time.Time, d time.Duration) time.Duration {
	d = min(d, a.maxHold)
	until := now.Add(d)
	if d <= 0 || !until.After(a.hold) {
		return 0
	}
	a.hold = until
	return d
}
