package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// call sends a request and waits for its response, its timeout, the end of
// ctx or the end of the session, whichever comes first.
//
// When ctx ends or the timeout passes first, the request is forgotten at once
// and the server is told with notifications/cancelled, so the caller never
// waits on a server that ignores cancellation. Over HTTP, where the request
// runs on the caller's goroutine, the caller returns once the server has
// taken that notification and the request's stream is closed: usually
// within a millisecond or two, at most 100 ms when the server (or the
// transport's header hook) is slow.
func (s *Session) call(ctx context.Context, method string, params json.RawMessage, opts *CallOptions) (json.RawMessage, error) {
	timeout, maxTimeout := s.opts.RequestTimeout, s.opts.MaxRequestTimeout
	var onProgress func(Progress)
	resetOnProgress := false
	if opts != nil {
		if opts.Timeout > 0 {
			timeout = opts.Timeout
		}
		if opts.MaxTimeout > 0 {
			maxTimeout = opts.MaxTimeout
		}
		onProgress = opts.OnProgress
		resetOnProgress = opts.ResetTimeoutOnProgress
	}
	if timeout > maxTimeout {
		timeout = maxTimeout
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	progress := onProgress != nil || resetOnProgress
	if progress && s.streamer != nil {
		s.openServerStream(ctx)
	}
	id := s.nextID.Add(1) - 1
	p := getPending(method, onProgress, resetOnProgress)
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		// Nothing left this process: retrying elsewhere is safe.
		return nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	s.pending[id] = p
	s.mu.Unlock()

	start := time.Now()
	buf := getBuffer()
	*buf = s.appendCall((*buf)[:0], id, method, params, progress, traceMembers(ctx))
	var err error
	// cancelSent is set when a watcher of the exchange already told the
	// server to stop: the loop below then only forgets the request.
	cancelSent := false
	if s.exchanger != nil && !resetOnProgress && method != "initialize" {
		// The request runs on this goroutine. Its end by ctx or timeout
		// is noticed by watchers, which cancel it as the loop below
		// would; once it returns, the loop finds the answer or why none
		// came.
		w := s.newWatch(ctx, id, start, timeout)
		err = s.exchanger.Exchange(ctx, *buf, w)
		cancelSent = w.stop()
	} else {
		err = s.conn.Write(ctx, *buf)
	}
	putBuffer(buf)
	if err != nil {
		s.forget(id)
		// Not marked ErrNotSent: a connection may fail after some or all
		// of the message left, so the server may still act on it.
		return nil, s.writeError(err)
	}
	giveUp := func(reason string) bool {
		if cancelSent {
			return s.forget(id)
		}
		return s.abandon(id, method, reason)
	}

	timer := getTimer(timeout - time.Since(start))
	defer putTimer(timer)
	for {
		select {
		case r := <-p.resp:
			// The response was delivered after any progress for it read
			// from the same stream; see putPending for the others.
			putPending(p)
			return r.result, r.err
		case <-p.progressed:
			// Restart the timeout, but never past the hard cap.
			left := maxTimeout - time.Since(start)
			if left > timeout {
				left = timeout
			}
			timer.Reset(left)
		case <-timer.C:
			if giveUp("timeout") {
				return nil, &TimeoutError{Method: method, After: time.Since(start).Round(time.Millisecond)}
			}
			return s.lateResult(p)
		case <-ctx.Done():
			if giveUp(context.Cause(ctx).Error()) {
				return nil, ctx.Err()
			}
			return s.lateResult(p)
		}
	}
}

// exchangeWatch stands by a request carried on its caller's goroutine
// (see exchanger): when ctx ends or the timeout passes first, it sends
// notifications/cancelled, which also makes the connection abort the POST,
// so that the caller's goroutine returns. The connection starts it once the
// POST can be aborted.
type exchangeWatch struct {
	s       *Session
	ctx     context.Context
	id      int64
	start   time.Time
	timeout time.Duration
	timer   *time.Timer // runs timedOut; kept with the watch in watchPool
	started bool
	stopCtx func() bool
}

// watchPool recycles watches with their timers: every request over HTTP
// needs one.
var watchPool sync.Pool

func (s *Session) newWatch(ctx context.Context, id int64, start time.Time, timeout time.Duration) *exchangeWatch {
	w, _ := watchPool.Get().(*exchangeWatch)
	if w == nil {
		w = &exchangeWatch{}
		w.timer = time.AfterFunc(time.Hour, w.timedOut)
		w.timer.Stop()
	}
	w.s, w.ctx, w.id, w.start, w.timeout = s, ctx, id, start, timeout
	return w
}

// Watch starts the watchers; see streamable.Watcher.
func (w *exchangeWatch) Watch() {
	w.started = true
	w.timer.Reset(w.timeout - time.Since(w.start))
	if ctx := w.ctx; ctx.Done() != nil {
		s, id := w.s, w.id
		w.stopCtx = context.AfterFunc(ctx, func() { s.sendCancel(id, context.Cause(ctx).Error()) })
	}
}

func (w *exchangeWatch) timedOut() { w.s.sendCancel(w.id, "timeout") }

// stop stops the watchers and reports whether one of them fired. A watch
// whose timer did not fire goes back to the pool; one whose timer fired
// may still be read by timedOut, so it is left to the collector.
func (w *exchangeWatch) stop() bool {
	if !w.started {
		w.s, w.ctx = nil, nil
		watchPool.Put(w)
		return false
	}
	timerFired := !w.timer.Stop()
	fired := timerFired
	if w.stopCtx != nil && !w.stopCtx() {
		fired = true
	}
	if !timerFired {
		w.s, w.ctx, w.stopCtx, w.started = nil, nil, nil, false
		watchPool.Put(w)
	}
	return fired
}

// appendCall encodes request id as sent. Its bytes are exactly those of
// appendRequest over encodeParams; the common cases, params that are empty
// or an object without "_meta", are written straight into buf instead of
// through two intermediate slices, which every modern request would
// otherwise allocate.
func (s *Session) appendCall(buf []byte, id int64, method string, params json.RawMessage, progress bool, extra []byte) []byte {
	if !s.modern && !progress && extra == nil {
		return appendRequest(buf, id, method, params)
	}
	trimmed := bytes.TrimSpace(params)
	empty := len(trimmed) == 0 || string(trimmed) == "null"
	if !empty && (trimmed[0] != '{' || bytes.Contains(trimmed, []byte(`"_meta"`))) {
		return appendRequest(buf, id, method, s.encodeParams(params, id, progress, extra))
	}
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = strconv.AppendInt(buf, id, 10)
	buf = append(buf, `,"method":`...)
	buf = appendString(buf, method)
	buf = append(buf, `,"params":{"_meta":{`...)
	buf = s.appendMetaMembers(buf, id, progress, extra)
	buf = append(buf, '}')
	if empty {
		return append(buf, '}', '}')
	}
	if rest := bytes.TrimSpace(trimmed[1:]); len(rest) > 0 && rest[0] != '}' {
		buf = append(buf, ',')
	}
	buf = append(buf, trimmed[1:]...)
	return append(buf, '}')
}

// appendMetaMembers appends the members of a request's _meta, without
// braces: the modern protocol members, the progress token, and extra
// members (trace context) already encoded.
func (s *Session) appendMetaMembers(buf []byte, id int64, progress bool, extra []byte) []byte {
	n := len(buf)
	if f := s.metaFields.Load(); f != nil {
		buf = append(buf, *f...)
	}
	if progress {
		if len(buf) > n {
			buf = append(buf, ',')
		}
		buf = append(buf, `"progressToken":`...)
		buf = strconv.AppendInt(buf, id, 10)
	}
	if len(extra) > 0 {
		if len(buf) > n {
			buf = append(buf, ',')
		}
		buf = append(buf, extra...)
	}
	return buf
}

// lateResult returns the response that won a race against a timeout or a
// cancellation: it was already removed from pending, so it is on its way.
func (s *Session) lateResult(p *pendingCall) (json.RawMessage, error) {
	r := <-p.resp
	return r.result, r.err
}

// forget removes a pending request, reporting whether it was still there.
func (s *Session) forget(id int64) bool {
	s.mu.Lock()
	_, ok := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	return ok
}

// abandon forgets a request and, if it was still pending, tells the server
// to stop working on it. The notification is written by a goroutine of the
// session, so a server that does not read cannot hold the caller.
func (s *Session) abandon(id int64, method, reason string) bool {
	if !s.forget(id) {
		return false
	}
	if method == "initialize" {
		// The spec forbids cancelling initialize.
		return true
	}
	s.sendCancel(id, reason)
	return true
}

// sendCancel tells the server to stop working on request id. The
// notification is written by a goroutine of the session, so a server that
// does not read cannot hold the caller.
func (s *Session) sendCancel(id int64, reason string) {
	params, _ := json.Marshal(struct {
		RequestID int64  `json:"requestId"`
		Reason    string `json:"reason,omitempty"`
	}{id, reason})
	// Add under the lock that Close takes before it waits, so no goroutine
	// starts once Close is waiting.
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Written directly: Close marks the session ended before it closes
		// the connection, and a cancellation still belongs on the wire.
		msg := appendRequest(nil, -1, "notifications/cancelled", params)
		if err := s.conn.Write(ctx, msg); err != nil {
			s.logger.Debug("could not send cancellation", "id", id, "err", err)
		}
	}()
}
