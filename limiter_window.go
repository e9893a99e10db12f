package mcpclient

import (
	"context"
	"sync"
	"time"
)

// SlidingWindow is a [Limiter] that admits at most n requests in any window
// of length w, exactly: it remembers when each admission happened, not a
// count per fixed interval, so there is no double burst at a boundary.
// Requests are admitted in arrival order. Use it when the upstream's
// contract is "N per rolling minute" and going over costs more than a
// little idle capacity; it keeps one record per admission still inside the
// window, so memory grows with n. A waiter that gives up frees its place
// for later arrivals. It is safe for concurrent use.
type SlidingWindow struct {
	limit  int
	window time.Duration
	base   time.Time // admission times are offsets from it

	mu   sync.Mutex
	ring []windowEntry // circular; oldest at head
	head int
	size int
	seq  uint64 // sequence number of ring[head]
	sum  int    // requests recorded in the ring
	last time.Duration
}

type windowEntry struct {
	at time.Duration
	n  int
}

// NewSlidingWindow returns a limiter admitting at most n requests in any
// window of length w. n below 1 or w of 0 or less admits nothing: Acquire
// fails at once with [ErrCostTooLarge].
func NewSlidingWindow(n int, w time.Duration) *SlidingWindow {
	if n < 1 || w <= 0 {
		n, w = 0, 0
	}
	return &SlidingWindow{limit: n, window: w, base: time.Now(), ring: make([]windowEntry, min(max(n, 1), 64))}
}

// Acquire waits until cost.Requests (at least one) more fit in every window
// that will contain them.
func (sw *SlidingWindow) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	n := max(cost.Requests, 1)
	if err := sw.check(n); err != nil {
		return nil, err
	}
	now := time.Now()
	nowOff := now.Sub(sw.base)

	sw.mu.Lock()
	at, drop := sw.schedule(nowOff, n)
	wait := at - nowOff
	if wait > 0 && tooLate(ctx, now, wait) {
		sw.mu.Unlock()
		return nil, deadlineError(wait)
	}
	seq := sw.commit(at, n, drop)
	sw.mu.Unlock()

	if wait <= 0 {
		return noopPermit{}, nil
	}
	if err := sleepCtx(ctx, wait); err != nil {
		sw.cancel(seq)
		return nil, err
	}
	return noopPermit{}, nil
}

// tryAcquire admits cost only if it fits now.
func (sw *SlidingWindow) tryAcquire(_ context.Context, cost Cost) (Permit, bool, error) {
	n := max(cost.Requests, 1)
	if err := sw.check(n); err != nil {
		return nil, false, err
	}
	nowOff := time.Since(sw.base)
	sw.mu.Lock()
	defer sw.mu.Unlock()
	at, drop := sw.schedule(nowOff, n)
	if at > nowOff {
		return nil, false, nil
	}
	sw.commit(at, n, drop)
	return noopPermit{}, true, nil
}

// check refuses a cost above the window's count, which could never fit.
func (sw *SlidingWindow) check(n int) error {
	if n > sw.limit {
		return costError("a cost of %d requests exceeds the window's %d and can never be admitted", n, sw.limit)
	}
	return nil
}

// schedule finds the earliest time, not before now nor before the last
// admission, at which n more requests fit, and how many of the oldest
// records are then out of every future window. It changes nothing, so a
// refused request leaves the history intact.
func (sw *SlidingWindow) schedule(now time.Duration, n int) (at time.Duration, drop int) {
	at = max(now, sw.last)
	sum := sw.sum
	for drop < sw.size {
		e := sw.ring[(sw.head+drop)%len(sw.ring)]
		switch {
		case e.at <= at-sw.window:
			// Out of the window (t-w, t] of this and every later admission.
		case sum+n <= sw.limit:
			return at, drop
		case e.n > 0:
			// The oldest counted admission must leave the window first.
			at = e.at + sw.window
		}
		sum -= e.n
		drop++
	}
	return at, drop
}

// commit drops the records schedule found expired and records n requests
// at at, returning the record's sequence number.
func (sw *SlidingWindow) commit(at time.Duration, n, drop int) uint64 {
	for range drop {
		sw.sum -= sw.ring[sw.head].n
		sw.head = (sw.head + 1) % len(sw.ring)
		sw.size--
		sw.seq++
	}
	if sw.size == len(sw.ring) {
		sw.grow()
	}
	sw.ring[(sw.head+sw.size)%len(sw.ring)] = windowEntry{at: at, n: n}
	sw.size++
	sw.sum += n
	sw.last = at
	return sw.seq + uint64(sw.size) - 1
}

func (sw *SlidingWindow) grow() {
	ring := make([]windowEntry, 2*len(sw.ring))
	for i := range sw.size {
		ring[i] = sw.ring[(sw.head+i)%len(sw.ring)]
	}
	sw.ring, sw.head = ring, 0
}

// cancel gives back the places of an admission that was not used. Later
// waiters keep their times; new arrivals get the room.
func (sw *SlidingWindow) cancel(seq uint64) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if seq < sw.seq || seq >= sw.seq+uint64(sw.size) {
		return
	}
	i := (sw.head + int(seq-sw.seq)) % len(sw.ring)
	sw.sum -= sw.ring[i].n
	sw.ring[i].n = 0
	if seq == sw.seq+uint64(sw.size)-1 {
		// The newest record: later arrivals need not queue behind it.
		sw.size--
		sw.last = 0
		if sw.size > 0 {
			sw.last = sw.ring[(sw.head+sw.size-1)%len(sw.ring)].at
		}
	}
}
