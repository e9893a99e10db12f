package streamable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// outgoing is one message on its way, with the headers its caller chose.
type outgoing struct {
	body   []byte  // owned copy of the message
	msg    Message // slices point into body
	header http.Header
	// own marks the handshake the connection re-sends by itself, which
	// must not wait for the re-initialisation it is part of.
	own bool
	// sent is set once header went out with a request, which then owns it.
	sent bool
}

// post is a request whose POST is running.
type post struct {
	out     *outgoing
	cancel  context.CancelCauseFunc
	aborted atomic.Bool // the session gave up on it: report nothing
}

// newPost returns a post of a new outgoing message, allocating both as one.
func newPost(body []byte, m Message, h http.Header, cancel context.CancelCauseFunc) *post {
	both := &struct {
		post
		outgoing
	}{outgoing: outgoing{body: body, msg: m, header: h}}
	both.post.out, both.post.cancel = &both.outgoing, cancel
	return &both.post
}

var errAborted = errors.New("mcpclient: http: request cancelled by the client")

// maxErrorBody bounds what is read of an error response.
const maxErrorBody = 64 << 10

// startRequest registers the request and starts its POST. The POST keeps
// the values of ctx (trace spans, credentials for a wrapping round tripper)
// but not its cancellation: the session's timeout starts after Write, and it
// cancels through notifications/cancelled.
func (c *Conn) startRequest(ctx context.Context, o *outgoing) error {
	pctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	p := &post{out: o, cancel: cancel}
	key := string(o.msg.ID)
	c.mu.Lock()
	if _, dup := c.inflight[key]; dup {
		c.mu.Unlock()
		cancel(nil)
		return fmt.Errorf("mcpclient: http post %s: request id %s is already in flight", o.op(), key)
	}
	c.inflight[key] = p
	c.mu.Unlock()

	ok := c.spawn(func() {
		stop := context.AfterFunc(c.life, func() { cancel(ErrClosed) })
		defer stop()
		defer cancel(nil)
		defer c.forget(key, p)
		c.runRequest(pctx, p)
	})
	if !ok {
		c.forget(key, p)
		cancel(nil)
		return ErrClosed
	}
	return nil
}

func (c *Conn) forget(key string, p *post) {
	c.mu.Lock()
	if c.inflight[key] == p {
		delete(c.inflight, key)
	}
	c.mu.Unlock()
}

// runRequest sends a request and routes its answer to Read.
func (c *Conn) runRequest(ctx context.Context, p *post) {
	o := p.out
	retried := false
	for {
		req, sid, legacy, err := c.newPost(ctx, o)
		if err != nil {
			c.failRequest(p, err)
			return
		}
		resp, err := c.client.Do(req)
		if err != nil {
			c.failRequest(p, fmt.Errorf("mcpclient: http post %s: %w", o.op(), err))
			return
		}
		code := resp.StatusCode
		switch {
		case legacy:
			// Over HTTP+SSE the answer comes on the event stream.
			if code/100 == 2 {
				drain(resp.Body)
			} else {
				c.statusFailure(p, resp)
			}
			return
		case code == http.StatusNotFound && sid != "":
			drain(resp.Body)
			if retried {
				c.failRequest(p, newStatusError("post "+o.op(), resp, nil, time.Now()))
				return
			}
			if err := c.reinitFor(ctx, sid); err != nil {
				c.failRequest(p, err)
				return
			}
			retried = true
		case o.msg.Method == "initialize" && fallbackStatus(code) && !c.cfg.DisableLegacyFallback:
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			drain(resp.Body)
			if modernError(body) {
				// A stateless-era server refusing the handshake, not an
				// HTTP+SSE one: its error is the answer.
				c.failStatus(p, resp, body)
				return
			}
			c.fallback(ctx, p, resp, body)
			return
		case code/100 != 2:
			c.statusFailure(p, resp)
			return
		default:
			c.readResponse(ctx, p, resp)
			return
		}
	}
}

// fallbackStatus is a refusal of the Streamable POST that suggests an
// HTTP+SSE server.
func fallbackStatus(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusNotFound || code == http.StatusMethodNotAllowed
}

// modernError reports a JSON-RPC error that only a 2026-07-28 server sends:
// header mismatch, missing capability, unsupported version, or an unknown
// method (which is what initialize is to such a server).
func modernError(body []byte) bool {
	var m struct {
		Error *struct {
			Code int64 `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || m.Error == nil {
		return false
	}
	switch m.Error.Code {
	case -32020, -32021, -32022, -32601:
		return true
	}
	return false
}

// failRequest reports the failure of one request to Read, unless nobody
// waits for it any more.
func (c *Conn) failRequest(p *post, err error) {
	if p.aborted.Load() || c.life.Err() != nil {
		return
	}
	c.enqueue(item{err: &RequestError{ID: p.out.msg.ID, Err: err}})
}

// statusFailure handles an error status for a request. A JSON-RPC error in
// the body (an unknown method or an unsupported version in 2026-07-28, which
// come with 404 and 400) is the server's answer and reaches the session as
// the response; anything else becomes a *StatusError. Statuses that ask for
// a retry always become a *StatusError, which keeps Retry-After.
func (c *Conn) statusFailure(p *post, resp *http.Response) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drain(resp.Body)
	c.failStatus(p, resp, body)
}

func (c *Conn) failStatus(p *post, resp *http.Response, body []byte) {
	se := newStatusError("post "+p.out.op(), resp, body, time.Now())
	if !se.Temporary() && resp.StatusCode < 500 {
		if msg := rpcErrorFor(body, p.out.msg.ID); msg != nil {
			if p.aborted.Load() {
				return
			}
			c.enqueue(item{data: msg})
			return
		}
	}
	c.failRequest(p, se)
}

// rpcErrorFor returns body as the error response to the request with id, or
// nil when body is not a JSON-RPC error for it. A null or missing id, which
// servers send when they reject a request before reading it, is replaced
// with the request's own.
func rpcErrorFor(body, id []byte) []byte {
	var m struct {
		ID    json.RawMessage `json:"id"`
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || len(m.Error) == 0 {
		return nil
	}
	var e struct {
		Code *int64 `json:"code"`
	}
	if json.Unmarshal(m.Error, &e) != nil || e.Code == nil {
		return nil
	}
	if len(m.ID) != 0 && string(m.ID) != "null" && !sameID(m.ID, id) {
		return nil
	}
	out := make([]byte, 0, len(m.Error)+len(id)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"error":`...)
	out = append(out, m.Error...)
	return append(out, '}')
}

// sameID compares two raw ids, taking a string that spells a number as that
// number, as the session does for servers that echo ids as strings.
func sameID(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	unq := func(x []byte) []byte {
		if len(x) >= 2 && x[0] == '"' && x[len(x)-1] == '"' {
			return x[1 : len(x)-1]
		}
		return x
	}
	return bytes.Equal(unq(a), unq(b))
}

// cancelRequest sends notifications/cancelled, then aborts the POST of the
// request it names. The notification goes first so that a server of the
// handshake era, which does not take a closed stream as cancellation, hears
// of it before the stream closes. In 2026-07-28 closing the stream is the
// cancellation and the notification is not sent.
func (c *Conn) cancelRequest(ctx context.Context, body []byte, m Message) error {
	if _, modern := c.era(&m); modern {
		c.abort(m.CancelID)
		return nil
	}
	// The POST is aborted once the server has taken the notification, or
	// cancelGrace after Write was called, whichever is first: a request
	// carried by Exchange holds its caller until then, and neither a
	// server slow to answer nor a slow or failing header hook may hold it
	// longer.
	errc := make(chan error, 1)
	if !c.spawn(func() {
		h, err := c.ready(ctx)
		if err != nil {
			errc <- err
			return
		}
		errc <- c.postSync(ctx, &outgoing{body: body, msg: m, header: h})
	}) {
		c.abort(m.CancelID)
		return ErrClosed
	}
	t := time.NewTimer(cancelGrace)
	defer t.Stop()
	select {
	case err := <-errc:
		c.abort(m.CancelID)
		return err
	case <-t.C:
		c.abort(m.CancelID)
		return <-errc
	}
}

// cancelGrace bounds how long a cancelled request's POST stays open while
// the server has not yet answered its notifications/cancelled.
const cancelGrace = 100 * time.Millisecond

func (c *Conn) abort(id []byte) {
	if id == nil {
		return
	}
	c.mu.Lock()
	p := c.inflight[string(id)]
	c.mu.Unlock()
	if p != nil {
		p.aborted.Store(true)
		p.cancel(errAborted)
	}
}

// postSync sends a notification or response and waits for its status.
func (c *Conn) postSync(ctx context.Context, o *outgoing) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(c.life, func() { cancel(ErrClosed) })
	defer stop()

	retried := false
	for {
		req, sid, legacy, err := c.newPost(ctx, o)
		if err != nil {
			return err
		}
		if o.msg.Method == "notifications/initialized" && !legacy && sid != "" && !c.deferStream.Load() {
			if _, modern := c.era(&o.msg); !modern {
				c.openStandalone(ctx, sid)
			}
		}
		resp, err := c.client.Do(req)
		if err != nil {
			if c.life.Err() != nil {
				return ErrClosed
			}
			return fmt.Errorf("mcpclient: http post %s: %w", o.op(), err)
		}
		if resp.StatusCode == http.StatusNotFound && sid != "" && !retried {
			drain(resp.Body)
			if err := c.reinitFor(ctx, sid); err != nil {
				return err
			}
			retried = true
			continue
		}
		if resp.StatusCode/100 != 2 {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			drain(resp.Body)
			return newStatusError("post "+o.op(), resp, body, time.Now())
		}
		drain(resp.Body)
		return nil
	}
}

// openStandalone opens the GET stream and waits, within bounds, until the
// server has answered it. It runs before notifications/initialized is
// posted: servers send their first notifications and requests while
// handling it, and drop what has no stream to go to.
func (c *Conn) openStandalone(ctx context.Context, sid string) {
	opened := c.startStandalone(sid)
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-opened:
	case <-t.C:
	case <-ctx.Done():
	}
}

// drain reads a little of what is left of a body, so that the connection
// can be reused, and closes it.
func drain(body io.ReadCloser) {
	lr := limitedPool.Get().(*io.LimitedReader)
	*lr = io.LimitedReader{R: body, N: 4 << 10}
	io.Copy(io.Discard, lr)
	*lr = io.LimitedReader{}
	limitedPool.Put(lr)
	body.Close()
}

// limitedPool spares drain an allocation per response.
var limitedPool = sync.Pool{New: func() any { return new(io.LimitedReader) }}
