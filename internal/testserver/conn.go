package testserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
)

var errConnClosed = errors.New("mcpclient: testserver: connection closed")

// conn is the state of one Serve call.
type conn struct {
	s      *Server
	log    *slog.Logger
	done   <-chan struct{}         // closed when the connection ends
	cancel context.CancelCauseFunc // ends the connection's context

	// Handlers get a context of their own, detached from Serve's ctx, so
	// that on abort the connection is marked dead before any handler can
	// observe the cancellation and reply.
	hctx    context.Context
	hcancel context.CancelCauseFunc

	wmu  sync.Mutex // serialises writes so each line is written whole
	w    io.Writer
	dead atomic.Bool // no more writes: aborted, crashed or broken

	mu       sync.Mutex
	closed   bool                         // no handler may start any more
	inflight map[string]*inflight         // client requests being handled, by raw id
	outgoing map[string]chan<- *inMessage // server requests awaiting a reply, by raw id
	handlers sync.WaitGroup

	// Owned by the reading goroutine.
	initialized bool
	subState
	noiseSent bool
	calls     int
}

// inflight is a client request that may still be cancelled.
type inflight struct {
	cancel    context.CancelFunc // nil for a request held by HangMethods
	cancelled atomic.Bool        // the client cancelled it: send no reply
	finished  atomic.Bool        // the handler returned: no more progress
}

func newConn(s *Server, ctx context.Context, cancel context.CancelCauseFunc, w io.Writer) *conn {
	hctx, hcancel := context.WithCancelCause(context.WithoutCancel(ctx))
	return &conn{
		s:        s,
		log:      s.log,
		done:     ctx.Done(),
		cancel:   cancel,
		hctx:     hctx,
		hcancel:  hcancel,
		w:        w,
		inflight: make(map[string]*inflight),
		outgoing: make(map[string]chan<- *inMessage),
	}
}

// write writes one or more complete lines in a single Write. A failed write
// breaks the connection, since the peer can no longer make sense of the
// stream.
func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead.Load() {
		return errConnClosed
	}
	if _, err := c.w.Write(b); err != nil {
		c.dead.Store(true)
		err = fmt.Errorf("mcpclient: testserver write: %w", err)
		c.cancel(err)
		return err
	}
	return nil
}

// startHandler registers a request as in flight, reserving a slot in the
// handler group when counted is set. It fails when the connection is closing
// or the id is already in flight.
func (c *conn) startHandler(key string, f *inflight, counted bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errConnClosed
	}
	if _, dup := c.inflight[key]; dup {
		return errDuplicateID
	}
	c.inflight[key] = f
	if counted {
		c.handlers.Add(1)
	}
	return nil
}

var errDuplicateID = errors.New("mcpclient: testserver: request id already in flight")

// finish removes a finished request and reports whether the client cancelled
// it. Removal and the check happen under one lock so that a cancellation
// either suppresses the reply or is ignored as too late, never half of each.
func (c *conn) finish(key string, f *inflight) (cancelled bool) {
	f.finished.Store(true)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[key] == f {
		delete(c.inflight, key)
	}
	return f.cancelled.Load()
}

// cancelRequest handles notifications/cancelled; unknown or finished ids are
// ignored as the specification asks.
func (c *conn) cancelRequest(key, reason string) {
	c.mu.Lock()
	f := c.inflight[key]
	if f != nil {
		delete(c.inflight, key)
		f.cancelled.Store(true)
	}
	c.mu.Unlock()
	if f == nil {
		c.log.Debug("testserver: cancellation of unknown request ignored", "id", key)
		return
	}
	c.log.Debug("testserver: request cancelled", "id", key, "reason", reason)
	if f.cancel != nil {
		f.cancel()
	}
}

// expect registers a server-to-client request awaiting its reply.
func (c *conn) expect(key string, ch chan<- *inMessage) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.outgoing[key] = ch
	return true
}

func (c *conn) forget(key string) {
	c.mu.Lock()
	delete(c.outgoing, key)
	c.mu.Unlock()
}

// deliver routes a client's response to the waiting [Server.Request].
func (c *conn) deliver(m *inMessage) {
	key := string(m.ID)
	c.mu.Lock()
	ch := c.outgoing[key]
	delete(c.outgoing, key)
	c.mu.Unlock()
	if ch == nil {
		c.log.Warn("testserver: response to unknown request ignored", "id", key)
		return
	}
	ch <- m // buffered; each channel receives at most once
}

// close stops new handlers, cancels the running ones with cause and waits
// for them.
func (c *conn) close(cause error) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.hcancel(cause)
	c.cancel(cause)
	c.handlers.Wait()
}
