package testserver

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPMode selects the transport an [HTTPHandler] speaks.
type HTTPMode int

const (
	// HTTPStreamable is Streamable HTTP as in revisions 2025-03-26 to
	// 2025-11-25: sessions named by Mcp-Session-Id, the optional GET
	// stream, resumable event streams, DELETE.
	HTTPStreamable HTTPMode = iota
	// HTTPLegacySSE is the HTTP+SSE transport of 2024-11-05: a GET opens
	// the session's one event stream, whose first event names the POST
	// endpoint; every answer comes on that stream.
	HTTPLegacySSE
	// HTTPModern is the stateless Streamable HTTP of 2026-07-28: no
	// session, no GET, every request checked for its MCP-Protocol-Version,
	// Mcp-Method and Mcp-Name headers, server/discover and
	// subscriptions/listen, cancellation by closing the stream.
	HTTPModern
)

// DefaultModernVersion is the revision [HTTPModern] accepts when
// [HTTPOptions.ModernVersions] is empty.
const DefaultModernVersion = "2026-07-28"

// HTTPOptions configure an [HTTPHandler]. The zero value serves Streamable
// HTTP with JSON responses and a GET stream.
type HTTPOptions struct {
	Mode HTTPMode
	// SSEResponses answers requests with an event stream that carries the
	// request's progress and then its response; false answers with one
	// application/json body, and progress goes to the GET stream.
	SSEResponses bool
	// NoGETStream answers GET with 405, as servers without the optional
	// stream do.
	NoGETStream bool
	// FailPOSTs answers the first N POSTs that carry a request other than
	// initialize with FailStatus (0 means 503) and, when set, RetryAfter
	// as the Retry-After header.
	FailPOSTs  int
	FailStatus int
	RetryAfter string
	// DropAfter, with SSEResponses, ends each request's event stream after
	// that many events (the priming event counts) without ending the
	// request: the client must resume it with GET and Last-Event-ID.
	DropAfter int
	// Retry is sent as the retry field at the start of every stream of
	// HTTPStreamable; 0 sends none.
	Retry time.Duration
	// LegacyEndpoint replaces the data of the HTTP+SSE endpoint event; the
	// default is "/message?sessionId=<id>", relative to the stream's URL.
	LegacyEndpoint string
	// ModernVersions are the revisions HTTPModern accepts; empty means
	// DefaultModernVersion alone.
	ModernVersions []string
	// Intercept, when set, sees every request first, with its body read;
	// it returns true when it wrote the answer itself.
	Intercept func(w http.ResponseWriter, r *http.Request, body []byte) bool
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
}

// HTTPRecord is one HTTP request an [HTTPHandler] received.
type HTTPRecord struct {
	Method string // HTTP method
	URL    string // path and query
	Header http.Header
	// RPCMethod is the JSON-RPC method of a POST's body, "" for a
	// response or no body; RPCID is its raw id.
	RPCMethod, RPCID string
	// Status is the status answered; 0 while the answer runs (streams).
	Status int
}

// HTTPHandler serves a [Server] over HTTP. Each session (each HTTP+SSE
// stream, or in modern mode the whole handler) is one [Server.Serve]
// connection, fed through pipes; the handler routes every answer to the
// HTTP response waiting for it. It is safe for concurrent use. Close it
// before closing the HTTP server, so that open streams end.
type HTTPHandler struct {
	srv  *Server
	opts HTTPOptions
	log  *slog.Logger

	ids atomic.Int64 // session ids and the ids requests get inside a session

	mu       sync.Mutex
	sessions map[string]*httpSession
	gone     map[string]bool // ended session ids: answered with 404
	modern   *httpSession
	modernMu sync.Mutex // one start of the modern session at a time
	closed   bool
	failed   int // POSTs answered with FailStatus so far
	records  []*HTTPRecord
	wg       sync.WaitGroup // Serve goroutines
}

// NewHTTPHandler returns a handler serving srv, which must not be nil, as
// opts say. The handler starts no goroutine until its first request.
func NewHTTPHandler(srv *Server, opts HTTPOptions) *HTTPHandler {
	if opts.FailStatus == 0 {
		opts.FailStatus = http.StatusServiceUnavailable
	}
	if len(opts.ModernVersions) == 0 {
		opts.ModernVersions = []string{DefaultModernVersion}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &HTTPHandler{
		srv:      srv,
		opts:     opts,
		log:      log,
		sessions: make(map[string]*httpSession),
		gone:     make(map[string]bool),
	}
}

// maxHTTPBody bounds a request body the handler reads.
const maxHTTPBody = 256 << 20

// ServeHTTP answers one request.
func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxHTTPBody))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		body = b
	}
	rec := &HTTPRecord{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone()}
	var in *rpcIn
	if r.Method == http.MethodPost {
		in = decodeRPC(body)
		if in != nil {
			rec.RPCMethod, rec.RPCID = in.Method, string(in.ID)
		}
	}
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	rw := &statusWriter{ResponseWriter: w}
	defer func() {
		h.mu.Lock()
		rec.Status = rw.status
		h.mu.Unlock()
	}()

	if h.opts.Intercept != nil && h.opts.Intercept(rw, r, body) {
		return
	}
	if h.isClosed() {
		http.Error(rw, "server closing", http.StatusServiceUnavailable)
		return
	}
	switch h.opts.Mode {
	case HTTPLegacySSE:
		h.serveLegacy(rw, r, in)
	case HTTPModern:
		h.serveModern(rw, r, in)
	default:
		h.serveStreamable(rw, r, in)
	}
}

// Requests returns what the handler received so far, oldest first.
func (h *HTTPHandler) Requests() []HTTPRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]HTTPRecord, len(h.records))
	for i, r := range h.records {
		out[i] = *r
	}
	return out
}

// Sessions returns the number of sessions alive.
func (h *HTTPHandler) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// ExpireSessions ends every session, as a server that restarted or timed
// them out would: their ids are answered with 404 from now on, and their
// open streams break. It returns how many sessions it ended.
func (h *HTTPHandler) ExpireSessions() int {
	h.mu.Lock()
	var list []*httpSession
	for id, s := range h.sessions {
		list = append(list, s)
		h.gone[id] = true
		delete(h.sessions, id)
	}
	h.mu.Unlock()
	for _, s := range list {
		s.stop()
	}
	return len(list)
}

// Close ends every session and waits for their Serve calls. Requests that
// arrive later are answered with 503.
func (h *HTTPHandler) Close() {
	h.mu.Lock()
	h.closed = true
	modern := h.modern
	h.modern = nil
	h.mu.Unlock()
	h.ExpireSessions()
	if modern != nil {
		modern.stop()
	}
	h.wg.Wait()
}

func (h *HTTPHandler) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// session returns the live session with id, or why not: 400 without an id,
// 404 for an unknown or ended one.
func (h *HTTPHandler) session(id string) (*httpSession, int) {
	if id == "" {
		return nil, http.StatusBadRequest
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.sessions[id]; s != nil {
		return s, 0
	}
	return nil, http.StatusNotFound
}

// endSession forgets a session that ended by DELETE, crash or disconnect.
func (h *HTTPHandler) endSession(s *httpSession) {
	h.mu.Lock()
	if h.sessions[s.id] == s {
		delete(h.sessions, s.id)
		h.gone[s.id] = true
	}
	if h.modern == s {
		h.modern = nil
	}
	h.mu.Unlock()
	s.stop()
}

// injectFailure answers the POST of a request with FailStatus while the
// FailPOSTs budget lasts.
func (h *HTTPHandler) injectFailure(w http.ResponseWriter, in *rpcIn) bool {
	if in == nil || in.kind() != kindRequest || in.Method == "initialize" {
		return false
	}
	h.mu.Lock()
	fail := h.failed < h.opts.FailPOSTs
	if fail {
		h.failed++
	}
	h.mu.Unlock()
	if !fail {
		return false
	}
	if h.opts.RetryAfter != "" {
		w.Header().Set("Retry-After", h.opts.RetryAfter)
	}
	http.Error(w, "testserver: injected failure", h.opts.FailStatus)
	return true
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
