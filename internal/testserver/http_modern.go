package testserver

import (
	"encoding/json"
	"net/http"
	"slices"
)

// serveModern answers the stateless Streamable HTTP of 2026-07-28. Every
// request is checked against its headers before anything else, as the
// specification's server validation asks.
func (h *HTTPHandler) serveModern(w http.ResponseWriter, r *http.Request, in *rpcIn) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "testserver: 2026-07-28 has no GET or DELETE", http.StatusMethodNotAllowed)
		return
	}
	if in == nil || in.kind() == kindInvalid {
		writeJSON(w, http.StatusBadRequest, rpcError(nil, codeParseError, "parse error: not a JSON-RPC message", nil), nil)
		return
	}
	switch in.kind() {
	case kindNotification:
		// Nothing to do: closing a stream is the cancellation.
		w.WriteHeader(http.StatusAccepted)
		return
	case kindResponse:
		writeJSON(w, http.StatusBadRequest, rpcError(nil, codeInvalidRequest, "invalid request: clients send no responses in 2026-07-28", nil), nil)
		return
	}
	p := in.params()
	if in.Method == "initialize" {
		var ip struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		json.Unmarshal(in.Params, &ip)
		writeJSON(w, http.StatusBadRequest, rpcError(in.ID, codeUnsupportedVersion, "unsupported protocol version: this server speaks only 2026-07-28 and later",
			map[string]any{"supported": h.opts.ModernVersions, "requested": ip.ProtocolVersion}), nil)
		return
	}
	if status, body := h.checkModern(r, in, &p); body != nil {
		writeJSON(w, status, body, nil)
		return
	}
	if h.injectFailure(w, in) {
		return
	}
	switch in.Method {
	case "server/discover":
		h.discover(w, in)
	case "subscriptions/listen":
		h.listen(w, r, in, &p)
	case "ping", "tools/list", "tools/call":
		h.modernExchange(w, r, in, &p)
	default:
		writeJSON(w, http.StatusNotFound, rpcError(in.ID, codeMethodNotFound, "method not found: "+in.Method, nil), nil)
	}
}

// Error codes of 2026-07-28.
const (
	codeHeaderMismatch     = -32020
	codeUnsupportedVersion = -32022
)

// checkModern validates the mirrored headers against the body. It returns
// the status and error body to answer, or a nil body when all is well.
func (h *HTTPHandler) checkModern(r *http.Request, in *rpcIn, p *paramsView) (int, []byte) {
	mismatch := func(msg string) (int, []byte) {
		return http.StatusBadRequest, rpcError(in.ID, codeHeaderMismatch, "header mismatch: "+msg, nil)
	}
	hv := r.Header.Get("Mcp-Protocol-Version")
	switch {
	case hv == "":
		return mismatch("MCP-Protocol-Version header missing")
	case p.Meta.Version == "":
		return http.StatusBadRequest, rpcError(in.ID, codeInvalidParams, "invalid params: _meta lacks io.modelcontextprotocol/protocolVersion", nil)
	case p.Meta.Version != hv:
		return mismatch("MCP-Protocol-Version " + hv + " but the body says " + p.Meta.Version)
	case !slices.Contains(h.opts.ModernVersions, hv):
		return http.StatusBadRequest, rpcError(in.ID, codeUnsupportedVersion, "unsupported protocol version",
			map[string]any{"supported": h.opts.ModernVersions, "requested": hv})
	}
	if got := r.Header.Get("Mcp-Method"); got != in.Method {
		return mismatch("Mcp-Method " + got + " but the body says " + in.Method)
	}
	var want *string
	switch in.Method {
	case "tools/call", "prompts/get":
		want = p.Name
	case "resources/read":
		want = p.URI
	default:
		return 0, nil
	}
	raw := r.Header.Get("Mcp-Name")
	got, ok := decodeHeaderValue(raw)
	switch {
	case raw == "":
		return mismatch("Mcp-Name header missing")
	case !ok:
		return mismatch("Mcp-Name is not valid base64")
	case want == nil || got != *want:
		return mismatch("Mcp-Name " + raw + " does not match the body")
	}
	return 0, nil
}

func (h *HTTPHandler) discover(w http.ResponseWriter, in *rpcIn) {
	res, _ := json.Marshal(map[string]any{
		"resultType":        "complete",
		"supportedVersions": h.opts.ModernVersions,
		"capabilities":      serverCapabilities,
		"instructions":      h.srv.instructions,
		"_meta": map[string]any{
			"io.modelcontextprotocol/serverInfo": implementation{Name: h.srv.name, Version: h.srv.version},
		},
		"ttlMs":      0,
		"cacheScope": "public",
	})
	body := append([]byte(`{"jsonrpc":"2.0","id":`), in.ID...)
	body = append(body, `,"result":`...)
	body = append(body, res...)
	writeJSON(w, http.StatusOK, append(body, '}'), nil)
}

// modernSession returns the one Serve connection that modern mode shares
// between all clients, started and initialised on first use.
func (h *HTTPHandler) modernSession() *httpSession {
	h.mu.Lock()
	s := h.modern
	h.mu.Unlock()
	if s != nil {
		return s
	}
	h.modernMu.Lock()
	defer h.modernMu.Unlock()
	h.mu.Lock()
	s = h.modern
	h.mu.Unlock()
	if s != nil {
		return s
	}
	if s = h.newSession(HTTPModern); s == nil {
		return nil
	}
	// Serve is a handshake-era server: give it the handshake once, under an
	// id no exchange uses, so that its answer is dropped.
	init := `{"jsonrpc":"2.0","id":"modern-init","method":"initialize","params":{"protocolVersion":"` +
		h.srv.versions[0] + `","capabilities":{},"clientInfo":{"name":"http-front-end","version":"1"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n"
	s.send([]byte(init))
	return s
}

// modernExchange forwards a request. A client that closes the stream
// cancels the request.
func (h *HTTPHandler) modernExchange(w http.ResponseWriter, r *http.Request, in *rpcIn, p *paramsView) {
	s := h.modernSession()
	if s == nil {
		http.Error(w, "testserver: closing", http.StatusServiceUnavailable)
		return
	}
	sse := h.opts.SSEResponses
	ex := s.register(in.ID, p.Meta.ProgressToken, sse, false)
	if ex == nil || s.send(in.line(ex.internal, in.Params)) != nil {
		http.Error(w, "testserver: closing", http.StatusServiceUnavailable)
		return
	}
	if !sse {
		h.answerJSON(w, r, s, ex, nil)
		return
	}
	bw := startSSE(w, nil)
	_, complete := follow(r.Context(), w, bw, ex.stream, 0, 0, s.ended)
	if !complete && r.Context().Err() != nil {
		s.cancelExchange(ex)
	}
}

// listen serves subscriptions/listen: an acknowledgement, then the change
// notifications the client asked for, until it closes the stream.
func (h *HTTPHandler) listen(w http.ResponseWriter, r *http.Request, in *rpcIn, p *paramsView) {
	s := h.modernSession()
	if s == nil {
		http.Error(w, "testserver: closing", http.StatusServiceUnavailable)
		return
	}
	l := &listener{id: append(json.RawMessage(nil), in.ID...), stream: newStream("", false, 1000)}
	l.tools = p.Notifications != nil && p.Notifications.ToolsListChanged
	s.addListener(l)
	defer s.removeListener(l)
	ack := `"notifications":{}`
	if l.tools {
		ack = `"notifications":{"toolsListChanged":true}`
	}
	l.stream.add(sseEvent{data: subscriptionMessage("notifications/subscriptions/acknowledged", l.id, ack)}, false)
	bw := startSSE(w, nil)
	follow(r.Context(), w, bw, l.stream, 0, 0, s.ended)
}
