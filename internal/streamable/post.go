package streamable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// outgoing is one message on its way, with the headers its caller chose.
type outgoing struct {
	body   []byte  // owned copy of the message
	msg    Message // slices point into body
	header http.Header
}

// post is a request whose POST is running.
type post struct {
	out     *outgoing
	cancel  context.CancelCauseFunc
	aborted atomic.Bool // the session gave up on it: report nothing
}

var errAborted = errors.New("mcpclient: http: request cancelled by the client")

// maxErrorBody bounds what is read of an error response.
const maxErrorBody = 64 << 10

// callerHeader assembles the headers the caller controls, in order: the
// static Header, the bearer token, the context's headers, then HeaderFunc,
// which may change any of them.
func (c *Conn) callerHeader(ctx context.Context) (http.Header, error) {
	h := c.cfg.Header.Clone()
	if h == nil {
		h = make(http.Header, 8)
	}
	if c.cfg.BearerToken != "" {
		h.Set("Authorization", "Bearer "+c.cfg.BearerToken)
	}
	for k, vs := range headersIn(ctx) {
		h[k] = append([]string(nil), vs...)
	}
	if f := c.cfg.HeaderFunc; f != nil {
		if err := f(ctx, h); err != nil {
			return nil, fmt.Errorf("mcpclient: http headers: %w", err)
		}
	}
	return h, nil
}

// protocolHeaders sets the headers the transport owns; they win over the
// caller's, since a wrong session id or version breaks the session.
func (c *Conn) protocolHeaders(h http.Header, version, sid string) {
	if version != "" {
		h.Set("Mcp-Protocol-Version", version)
	} else {
		h.Del("Mcp-Protocol-Version")
	}
	if sid != "" {
		h.Set("Mcp-Session-Id", sid)
	} else {
		h.Del("Mcp-Session-Id")
	}
}

// era returns the revision to announce for m and whether it is stateless.
// A modern request names its revision in _meta, and the header must match
// it; initialize always belongs to the handshake era.
func (c *Conn) era(m *Message) (version string, modern bool) {
	if m.Method == "initialize" {
		return "", false
	}
	version = m.Version
	if version == "" {
		version = c.ProtocolVersion()
	}
	return version, isModern(version) || m.Method == "server/discover"
}

// mcpName returns the value that 2026-07-28 mirrors into Mcp-Name.
func mcpName(m *Message) (string, bool) {
	switch m.Method {
	case "tools/call", "prompts/get":
		return m.Name, m.HasName
	case "resources/read":
		return m.URI, m.HasURI
	}
	return "", false
}

// newPost builds one attempt at sending o. It returns the session id the
// request carries and whether it went to the HTTP+SSE endpoint.
func (c *Conn) newPost(ctx context.Context, o *outgoing) (req *http.Request, sid string, legacy bool, err error) {
	c.mu.Lock()
	endpoint, sid := c.legacy, c.sessionID
	c.mu.Unlock()
	target := c.urlStr
	if endpoint != "" {
		target, sid, legacy = endpoint, "", true
	}
	version, modern := c.era(&o.msg)
	if modern {
		sid = ""
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(o.body))
	if err != nil {
		return nil, "", false, fmt.Errorf("mcpclient: http post %s: %w", o.op(), err)
	}
	h := o.header.Clone()
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	c.protocolHeaders(h, version, sid)
	if modern && o.msg.Method != "" {
		h.Set("Mcp-Method", o.msg.Method)
		if name, ok := mcpName(&o.msg); ok {
			h.Set("Mcp-Name", EncodeHeaderValue(name))
		}
	}
	req.Header = h
	return req, sid, legacy, nil
}

// op names a message in errors: its method, or "response".
func (o *outgoing) op() string {
	if o.msg.Method != "" {
		return o.msg.Method
	}
	return "response"
}

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
			if err := c.reinit(sid); err != nil {
				c.failRequest(p, err)
				return
			}
			retried = true
		case o.msg.Method == "initialize" && fallbackStatus(code) && !c.cfg.DisableLegacyFallback:
			c.fallback(ctx, p, resp)
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
// handshake era, which does not take a closed stream as cancellation, stops
// the work. In 2026-07-28 closing the stream is the cancellation and the
// notification is not sent.
func (c *Conn) cancelRequest(ctx context.Context, o *outgoing) error {
	var err error
	if _, modern := c.era(&o.msg); !modern {
		err = c.postSync(ctx, o)
	}
	c.abort(o.msg.CancelID)
	return err
}

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
		resp, err := c.client.Do(req)
		if err != nil {
			if c.life.Err() != nil {
				return ErrClosed
			}
			return fmt.Errorf("mcpclient: http post %s: %w", o.op(), err)
		}
		if resp.StatusCode == http.StatusNotFound && sid != "" && !retried {
			drain(resp.Body)
			if err := c.reinit(sid); err != nil {
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
		if o.msg.Method == "notifications/initialized" && !legacy {
			if _, modern := c.era(&o.msg); !modern {
				c.startStandalone(sid)
			}
		}
		return nil
	}
}

// drain reads a little of what is left of a body, so that the connection
// can be reused, and closes it.
func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	body.Close()
}
