package streamable

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

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
		h["Mcp-Protocol-Version"] = c.values.of(version)
	} else {
		delete(h, "Mcp-Protocol-Version")
	}
	if sid != "" {
		h["Mcp-Session-Id"] = c.values.of(sid)
	} else {
		delete(h, "Mcp-Session-Id")
	}
}

// Header values the transport sets on every request. Requests share these
// slices, which nothing modifies: http.Header's methods replace a slice or
// append to it, and appending to a full slice copies it.
var (
	jsonContentType = []string{"application/json"}
	acceptBoth      = []string{"application/json, text/event-stream"}
)

// headerValues keeps one shared value slice for each of the few strings
// that recur on every request of a connection (its protocol version,
// session id and methods), so that setting them allocates nothing. It keeps
// at most maxHeaderValues; rarer values get a slice of their own.
type headerValues struct {
	m sync.Map // string -> []string
	n atomic.Int32
}

const maxHeaderValues = 64

func (hv *headerValues) of(v string) []string {
	if s, ok := hv.m.Load(v); ok {
		return s.([]string)
	}
	s := []string{v}
	if hv.n.Load() < maxHeaderValues {
		if prev, loaded := hv.m.LoadOrStore(v, s); loaded {
			return prev.([]string)
		}
		hv.n.Add(1)
	}
	return s
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
	version, modern := c.era(&o.msg)
	var endpoint string
	for {
		c.mu.Lock()
		endpoint, sid = c.legacy, c.sessionID
		wait := c.reinitDone
		c.mu.Unlock()
		// A message sent while the session is being replaced would carry
		// no session id, or the dead one: it waits for the new one.
		if wait == nil || o.own || modern || o.msg.Method == "initialize" {
			break
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, "", false, context.Cause(ctx)
		}
	}
	target := c.urlStr
	if endpoint != "" {
		target, sid, legacy = endpoint, "", true
	}
	if modern {
		sid = ""
	}
	if legacy {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(o.body))
		if err != nil {
			return nil, "", false, fmt.Errorf("mcpclient: http post %s: %w", o.op(), err)
		}
	} else {
		req = c.newRequest(ctx, o.body)
	}
	// The first attempt takes the header map; a re-send gets a copy.
	h := o.header
	if o.sent {
		h = h.Clone()
	}
	o.sent = true
	h["Content-Type"] = jsonContentType
	h["Accept"] = acceptBoth
	c.protocolHeaders(h, version, sid)
	// 2026-07-28 requires these; older servers ignore them, and sending
	// them always spares guessing the era of the very first request.
	if o.msg.Method != "" {
		h["Mcp-Method"] = c.values.of(o.msg.Method)
		if name, ok := mcpName(&o.msg); ok {
			h.Set("Mcp-Name", EncodeHeaderValue(name))
		}
	}
	req.Header = h
	return req, sid, legacy, nil
}

// newRequest returns a POST of body to the connection's URL. It copies a
// request made once by http.NewRequest instead of parsing the URL again,
// and gives the copy what NewRequest would: the body, its length, and
// GetBody, with which net/http re-sends a request whose kept-alive
// connection turned out to be closed.
func (c *Conn) newRequest(ctx context.Context, body []byte) *http.Request {
	req := c.post.WithContext(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return req
}

// op names a message in errors: its method, or "response".
func (o *outgoing) op() string {
	if o.msg.Method != "" {
		return o.msg.Method
	}
	return "response"
}
