package streamable

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
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
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(o.body))
	if err != nil {
		return nil, "", false, fmt.Errorf("mcpclient: http post %s: %w", o.op(), err)
	}
	// The first attempt takes the header map; a re-send gets a copy.
	h := o.header
	if o.sent {
		h = h.Clone()
	}
	o.sent = true
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	c.protocolHeaders(h, version, sid)
	// 2026-07-28 requires these; older servers ignore them, and sending
	// them always spares guessing the era of the very first request.
	if o.msg.Method != "" {
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
