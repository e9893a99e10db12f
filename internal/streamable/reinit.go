package streamable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mcpclient/mcpclient/internal/sse"
)

// reinitTimeout bounds one re-initialisation.
const reinitTimeout = 30 * time.Second

var errNoHandshake = errors.New("mcpclient: http: the session expired before any initialize was sent")

// reinit starts a new session after the server answered 404 to a request
// that carried session id stale: it re-sends the initialize request and the
// initialized notification that the session sent first, keeps the new
// session id, and reopens the GET stream. When another request already did
// so for the same stale id, it returns at once. The session never sees the
// new handshake: it negotiated once, and the server answers the same
// initialize the same way.
func (c *Conn) reinit(stale string) error {
	c.reinitMu.Lock()
	defer c.reinitMu.Unlock()
	c.mu.Lock()
	cur, init, initd := c.sessionID, c.initMsg, c.initializedMsg
	c.mu.Unlock()
	if cur != stale {
		return nil
	}
	if init == nil {
		return errNoHandshake
	}
	c.log.Info("server forgot the session; starting a new one", "status", http.StatusNotFound)
	c.stopStandalone()
	done := make(chan struct{})
	c.mu.Lock()
	c.sessionID = ""
	c.reinitDone = done
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reinitDone = nil
		c.mu.Unlock()
		close(done)
	}()

	ctx, cancel := context.WithTimeout(c.life, reinitTimeout)
	defer cancel()
	if err := c.handshake(ctx, init); err != nil {
		return fmt.Errorf("mcpclient: http: re-initialize after the session expired: %w", err)
	}
	sid := c.SessionID()
	// As on the first handshake, the GET stream is open before
	// notifications/initialized, whose handling may already send on it;
	// unless the session had none.
	if !c.deferStream.Load() {
		c.openStandalone(ctx, sid)
	}
	if initd != nil {
		if err := c.notifyOnce(ctx, initd); err != nil {
			return fmt.Errorf("mcpclient: http: re-initialize after the session expired: %w", err)
		}
	}
	return nil
}

// handshake posts an initialize request and waits for its result, which it
// keeps from the session; other messages on its stream reach Read.
func (c *Conn) handshake(ctx context.Context, raw []byte) error {
	o, resp, err := c.postOwn(ctx, raw)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return newStatusError("post initialize", resp, body, time.Now())
	}
	c.takeSession(resp)

	var answer []byte
	switch ct := mediaType(resp.Header); ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.limit)+1))
		if err != nil {
			return err
		}
		answer = body
	case "text/event-stream":
		r := sse.NewReader(resp.Body, c.limit+sseSlack)
		defer r.Release()
		for answer == nil {
			ev, err := r.Next()
			if err != nil {
				return streamEnded("initialize", err)
			}
			if ev.Type != "" && ev.Type != "message" {
				continue
			}
			if m, err := Peek(ev.Data); err == nil && m.Kind == KindResponse && sameID(m.ID, o.msg.ID) {
				answer = ev.Data
			} else if len(ev.Data) > 0 {
				c.deliver(ev.Data, nil, false)
			}
		}
	default:
		return fmt.Errorf("%w %q in the answer to initialize", ErrContentType, ct)
	}
	m, err := Peek(answer)
	if err != nil || m.Kind != KindResponse || !sameID(m.ID, o.msg.ID) {
		return fmt.Errorf("%w: malformed answer to initialize", ErrNoResponse)
	}
	if m.IsError {
		return fmt.Errorf("server refused initialize: %s", excerpt(answer))
	}
	return nil
}

// notifyOnce posts a notification once, with no re-initialisation on 404.
func (c *Conn) notifyOnce(ctx context.Context, raw []byte) error {
	o, resp, err := c.postOwn(ctx, raw)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		drain(resp.Body)
		return newStatusError("post "+o.op(), resp, body, time.Now())
	}
	drain(resp.Body)
	return nil
}

// postOwn posts a message the connection sends on its own, once, and
// returns it with the server's response.
func (c *Conn) postOwn(ctx context.Context, raw []byte) (*outgoing, *http.Response, error) {
	m, err := Peek(raw)
	if err != nil {
		return nil, nil, err
	}
	h, err := c.callerHeader(ctx)
	if err != nil {
		return nil, nil, err
	}
	o := &outgoing{body: raw, msg: m, header: h, own: true}
	req, _, _, err := c.newPost(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	return o, resp, nil
}

// reinitFor re-initialises for a request whose POST runs under ctx, and
// stops waiting when ctx ends: the request was cancelled, and its caller,
// whose goroutine may be the one waiting (see Exchange), must not stay
// for the re-initialisation, which goes on for the other requests.
func (c *Conn) reinitFor(ctx context.Context, sid string) error {
	done := make(chan error, 1)
	if !c.spawn(func() { done <- c.reinit(sid) }) {
		return ErrClosed
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
