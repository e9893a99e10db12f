package testserver

import (
	"net/http"
	"strconv"
)

// serveStreamable answers Streamable HTTP with sessions (2025-03-26 to
// 2025-11-25).
func (h *HTTPHandler) serveStreamable(w http.ResponseWriter, r *http.Request, in *rpcIn) {
	switch r.Method {
	case http.MethodPost:
		h.postStreamable(w, r, in)
	case http.MethodGet:
		h.getStreamable(w, r)
	case http.MethodDelete:
		s, status := h.session(r.Header.Get("Mcp-Session-Id"))
		if s == nil {
			http.Error(w, "testserver: no such session", status)
			return
		}
		h.endSession(s)
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "testserver: method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *HTTPHandler) postStreamable(w http.ResponseWriter, r *http.Request, in *rpcIn) {
	if in == nil || in.kind() == kindInvalid {
		writeJSON(w, http.StatusBadRequest, rpcError(nil, codeParseError, "parse error: not a JSON-RPC message", nil), nil)
		return
	}
	sid := r.Header.Get("Mcp-Session-Id")
	var s *httpSession
	if in.Method == "initialize" && sid == "" {
		if s = h.newSession(HTTPStreamable); s == nil {
			http.Error(w, "testserver: closing", http.StatusServiceUnavailable)
			return
		}
	} else {
		var status int
		if s, status = h.session(sid); s == nil {
			msg := "session not found"
			if status == http.StatusBadRequest {
				msg = "bad request: no valid session id"
			}
			writeJSON(w, status, rpcError(in.ID, -32000, msg, nil), nil)
			return
		}
	}
	if h.injectFailure(w, in) {
		return
	}
	switch in.kind() {
	case kindRequest:
		newSID := ""
		if in.Method == "initialize" {
			newSID = s.id
		}
		h.exchange(w, r, s, in, newSID)
	case kindNotification:
		params := in.Params
		if in.Method == "notifications/cancelled" {
			params = s.internalCancel(params)
		}
		h.accept(w, s, in.line(nil, params))
	default:
		h.accept(w, s, in.line(in.ID, nil))
	}
}

// accept forwards a notification or response and answers 202.
func (h *HTTPHandler) accept(w http.ResponseWriter, s *httpSession, line []byte) {
	if err := s.send(line); err != nil {
		http.Error(w, "testserver: session ended", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// exchange forwards a request and answers with its response, as one JSON
// body or as an event stream.
func (h *HTTPHandler) exchange(w http.ResponseWriter, r *http.Request, s *httpSession, in *rpcIn, newSID string) {
	sse := h.opts.SSEResponses
	resumable := sse && h.opts.DropAfter > 0
	ex := s.register(in.ID, in.params().Meta.ProgressToken, sse, resumable)
	if ex == nil || s.send(in.line(ex.internal, in.Params)) != nil {
		http.Error(w, "testserver: session ended", http.StatusNotFound)
		return
	}
	setSID := func(hd http.Header) {
		if newSID != "" {
			hd.Set("Mcp-Session-Id", newSID)
		}
	}
	if !sse {
		h.answerJSON(w, r, s, ex, setSID)
		return
	}

	bw := startSSE(w, setSID)
	if h.opts.Retry > 0 {
		bw.WriteString("retry: " + strconv.FormatInt(h.opts.Retry.Milliseconds(), 10) + "\n\n")
	}
	// The priming event gives the client an id to resume from before any
	// message arrived.
	bw.WriteString("id: " + ex.stream.key + "/0\ndata:\n\n")
	bw.Flush()
	flush(w)
	limit := 0
	if resumable {
		if h.opts.DropAfter == 1 {
			return
		}
		limit = h.opts.DropAfter - 1
	}
	_, complete := follow(r.Context(), w, bw, ex.stream, 0, limit, s.ended)
	if complete {
		if _, ok := ex.stream.response(); !ok {
			// The session died: break the connection as a crashed
			// server would.
			panic(http.ErrAbortHandler)
		}
		return
	}
	// A client that left without asking to resume is forgotten only
	// when the answer comes: disconnection is not cancellation in the
	// handshake era, and a notifications/cancelled that comes after the
	// stream closed must still find the request.
	if r.Context().Err() != nil && !resumable && s.mode == HTTPModern {
		s.forget(ex)
	}
	select {
	case <-s.ended:
		panic(http.ErrAbortHandler)
	default:
	}
}

// answerJSON waits for the response and writes it as one JSON body.
func (h *HTTPHandler) answerJSON(w http.ResponseWriter, r *http.Request, s *httpSession, ex *exchange, extra func(http.Header)) {
	for {
		_, _, final, _, wake := ex.stream.since(0)
		if final {
			resp, ok := ex.stream.response()
			if !ok {
				panic(http.ErrAbortHandler)
			}
			writeJSON(w, http.StatusOK, resp, extra)
			return
		}
		select {
		case <-wake:
		case <-r.Context().Done():
			// In the handshake era the request stays known until its
			// answer, so that a later notifications/cancelled finds it.
			if s.mode == HTTPModern {
				s.cancelExchange(ex)
			}
			return
		}
	}
}

// getStreamable opens the session's GET stream, or resumes a stream from
// Last-Event-ID. At most one GET follows the standalone stream at a time,
// so that no message goes to two streams.
func (h *HTTPHandler) getStreamable(w http.ResponseWriter, r *http.Request) {
	if h.opts.NoGETStream {
		w.Header().Set("Allow", "POST, DELETE")
		http.Error(w, "testserver: no GET stream", http.StatusMethodNotAllowed)
		return
	}
	s, status := h.session(r.Header.Get("Mcp-Session-Id"))
	if s == nil {
		http.Error(w, "testserver: no such session", status)
		return
	}
	st, from := s.standalone, 0
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		key, n, ok := parseEventID(last)
		if st = s.lookupStream(key); !ok || st == nil {
			http.Error(w, "testserver: unknown Last-Event-ID", http.StatusBadRequest)
			return
		}
		from = n
	}
	standalone := st == s.standalone
	if standalone {
		var ok bool
		if from, ok = st.acquire(from, r.Header.Get("Last-Event-ID") != ""); !ok {
			http.Error(w, "testserver: a GET stream is already open", http.StatusConflict)
			return
		}
	}
	bw := startSSE(w, nil)
	if h.opts.Retry > 0 {
		bw.WriteString("retry: " + strconv.FormatInt(h.opts.Retry.Milliseconds(), 10) + "\n\n")
		bw.Flush()
		flush(w)
	}
	next, complete := follow(r.Context(), w, bw, st, from, 0, s.ended)
	if standalone {
		st.release(next)
		return
	}
	if complete {
		if _, ok := st.response(); !ok {
			panic(http.ErrAbortHandler)
		}
	}
}

// acquire marks the standalone stream followed, returning where to start:
// from when resuming, else the first event no one has sent.
func (s *evStream) acquire(from int, resuming bool) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy {
		return 0, false
	}
	s.busy = true
	if !resuming {
		from = s.cursor
	}
	return from, true
}

func (s *evStream) release(next int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = false
	s.cursor = max(s.cursor, next)
}

// writeJSON writes one JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte, extra func(http.Header)) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if extra != nil {
		extra(h)
	}
	w.WriteHeader(status)
	w.Write(body)
}
