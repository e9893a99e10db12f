package streamable

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/mcpclient/mcpclient/internal/sse"
)

// startStandalone opens the optional GET stream of a handshake-era session.
// The returned channel is closed once the first attempt to open it has been
// answered (opened, refused or failed), so that a caller can wait for it:
// servers drop what they send before the stream exists.
// once per session id, replacing the stream of an earlier session.
func (c *Conn) startStandalone(sid string) <-chan struct{} {
	c.mu.Lock()
	if c.getCancel != nil && c.getFor == sid {
		// Already started: whoever asks waits for the same answer.
		opened := c.getOpened
		c.mu.Unlock()
		return opened
	}
	opened := make(chan struct{})
	if c.closed || c.legacy != "" {
		c.mu.Unlock()
		close(opened)
		return opened
	}
	if c.getCancel != nil {
		c.getCancel()
	}
	ctx, cancel := context.WithCancel(c.life)
	c.getCancel, c.getFor, c.getOpened = cancel, sid, opened
	c.mu.Unlock()

	if !c.spawn(func() {
		defer cancel()
		c.standalone(ctx, sid, opened)
	}) {
		cancel()
		close(opened)
	}
	return opened
}

// DeferServerStream keeps the GET stream of a handshake-era session closed
// until OpenServerStream is called. The stream holds a TCP connection and
// goroutines for the life of the session, which a client that only calls
// tools does not need: without it, the server can still answer requests
// and send related messages on their POST streams. Call it before the first
// Write.
func (c *Conn) DeferServerStream() { c.deferStream.Store(true) }

// OpenServerStream opens the GET stream now, unless it is open, and waits
// until the server has answered it (at most 2 seconds, or until ctx ends),
// so that nothing the server sends from then on is lost. Later handshakes
// (re-initialising after an expired session) open it again. It does nothing
// yet before the handshake, where notifications/initialized opens it, and
// nothing on a stateless-era or HTTP+SSE connection, which have no such
// stream.
func (c *Conn) OpenServerStream(ctx context.Context) {
	c.deferStream.Store(false)
	sid := c.SessionID()
	if sid == "" || c.Legacy() || isModern(c.ProtocolVersion()) {
		return
	}
	c.openStandalone(ctx, sid)
}

// stopStandalone ends the GET stream, if one runs.
func (c *Conn) stopStandalone() {
	c.mu.Lock()
	if c.getCancel != nil {
		c.getCancel()
		c.getCancel, c.getFor = nil, ""
	}
	c.mu.Unlock()
}

// standalone keeps the GET stream open: it delivers what the server sends
// and reconnects with Last-Event-ID when the stream ends, waiting as the
// retry field asks. Its failures are logged and never end the connection:
// the stream is optional, and requests work without it. It gives up when
// the server refuses it (405 says it offers none; 404 says the session is
// gone, and re-initialising opens a new stream) or after maxStalls attempts
// in a row that deliver nothing.
func (c *Conn) standalone(ctx context.Context, sid string, opened chan struct{}) {
	var once sync.Once
	answered := func() { once.Do(func() { close(opened) }) }
	defer answered()
	var st stream
	stalls := 0
	for {
		resp, err := c.openStream(ctx, st.lastID, sid)
		answered()
		if ctx.Err() != nil {
			return
		}
		var se *StatusError
		switch {
		case errors.As(err, &se) && (se.StatusCode == http.StatusMethodNotAllowed || se.StatusCode == http.StatusNotFound):
			c.log.Debug("server offers no GET stream", "status", se.StatusCode)
			return
		case err != nil:
			stalls++
			c.log.Debug("GET stream refused", "err", err)
		default:
			c.log.Debug("GET stream open")
			_, err := c.pump(resp.Body, nil, &st)
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, sse.ErrEventTooLarge) {
				// The parser cannot find the next event after an
				// oversize one; reconnecting skips it.
				c.log.Warn("GET stream carried an event over the size limit", "limit", c.limit)
			}
			if st.events > 0 {
				stalls = 0
			} else {
				stalls++
			}
			if err != nil && !errors.Is(err, io.EOF) {
				c.log.Debug("GET stream broke", "err", err)
			}
		}
		if stalls >= maxStalls {
			c.log.Warn("gave up on the GET stream; server notifications may be missed", "attempts", stalls)
			return
		}
		if !sleep(ctx, st.delay(stalls)) {
			return
		}
	}
}
