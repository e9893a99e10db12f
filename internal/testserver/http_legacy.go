package testserver

import (
	"net/http"
)

// serveLegacy answers the HTTP+SSE transport of 2024-11-05: a GET opens a
// session and its one event stream, which names the POST endpoint first;
// POSTs to the endpoint are accepted with 202 and answered on the stream.
// The session ends when the client leaves the stream.
func (h *HTTPHandler) serveLegacy(w http.ResponseWriter, r *http.Request, in *rpcIn) {
	sid := r.URL.Query().Get("sessionId")
	switch {
	case r.Method == http.MethodGet && sid == "":
		h.legacyStream(w, r)
	case r.Method == http.MethodPost && sid != "":
		h.legacyPost(w, sid, in)
	default:
		w.Header().Set("Allow", "GET")
		http.Error(w, "testserver: this server speaks HTTP+SSE: GET the stream first", http.StatusMethodNotAllowed)
	}
}

func (h *HTTPHandler) legacyStream(w http.ResponseWriter, r *http.Request) {
	s := h.newSession(HTTPLegacySSE)
	if s == nil {
		http.Error(w, "testserver: closing", http.StatusServiceUnavailable)
		return
	}
	defer h.endSession(s)
	endpoint := h.opts.LegacyEndpoint
	if endpoint == "" {
		endpoint = "/message?sessionId=" + s.id
	}
	bw := startSSE(w, nil)
	writeEvent(bw, "", "endpoint", []byte(endpoint))
	bw.Flush()
	flush(w)
	follow(r.Context(), w, bw, s.standalone, 0, 0, s.ended)
}

func (h *HTTPHandler) legacyPost(w http.ResponseWriter, sid string, in *rpcIn) {
	s, status := h.session(sid)
	if s == nil {
		http.Error(w, "testserver: no such session", status)
		return
	}
	if in == nil || in.kind() == kindInvalid {
		http.Error(w, "testserver: not a JSON-RPC message", http.StatusBadRequest)
		return
	}
	if h.injectFailure(w, in) {
		return
	}
	var line []byte
	switch in.kind() {
	case kindRequest:
		ex := s.register(in.ID, in.params().Meta.ProgressToken, true, false)
		if ex == nil {
			http.Error(w, "testserver: session ended", http.StatusNotFound)
			return
		}
		line = in.line(ex.internal, in.Params)
	case kindNotification:
		params := in.Params
		if in.Method == "notifications/cancelled" {
			params = s.internalCancel(params)
		}
		line = in.line(nil, params)
	default:
		line = in.line(in.ID, nil)
	}
	if err := s.send(line); err != nil {
		http.Error(w, "testserver: session ended", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte("Accepted"))
}
