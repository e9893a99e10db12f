package mcpclient

import (
	"sync"
	"time"
)

// Pools for what every request needs once: the per-call cost decides how
// many calls a dispatcher can keep in flight, so the hot path reuses its
// buffer, timer and pending record.

var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuffer() *[]byte { return bufferPool.Get().(*[]byte) }

// putBuffer returns a buffer unless it grew large, so one huge request does
// not pin its memory in the pool.
func putBuffer(b *[]byte) {
	if cap(*b) <= 64<<10 {
		bufferPool.Put(b)
	}
}

var timerPool sync.Pool

// getTimer returns a running timer. Since Go 1.23 a stopped timer's channel
// holds no stale tick, so pooled timers are safe to reset.
func getTimer(d time.Duration) *time.Timer {
	if t, ok := timerPool.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

func putTimer(t *time.Timer) {
	t.Stop()
	timerPool.Put(t)
}

var pendingPool = sync.Pool{New: func() any { return &pendingCall{resp: make(chan callResult, 1)} }}

func getPending(method string, onProgress func(Progress), reset bool) *pendingCall {
	p := pendingPool.Get().(*pendingCall)
	p.method, p.onProgress = method, onProgress
	if reset {
		p.progressed = make(chan struct{}, 1)
	}
	return p
}

// putPending recycles a pending record whose response was received. A
// progress notification read on another stream may still hold the old
// record's hooks (see Session.progress), so the progress channel is never
// handed to a later request: a late tick must not restart its timeout.
func putPending(p *pendingCall) {
	p.onProgress, p.progressed = nil, nil
	pendingPool.Put(p)
}
