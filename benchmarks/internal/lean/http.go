package lean

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Endpoint paths of [Handler], the same as package echo's: 2025-11-25
// sessions at LegacyPath, stateless 2026-07-28 at ModernPath.
const (
	LegacyPath = "/legacy"
	ModernPath = "/modern"
)

// Header values set on every answer, shared: net/http only reads them.
var (
	contentJSON = []string{"application/json"}
	contentSSE  = []string{"text/event-stream"}
	allowLegacy = []string{"POST, DELETE"}
	allowModern = []string{"POST"}
)

// ssePrefix and sseSuffix frame an answer as one event.
const (
	ssePrefix = "event: message\ndata: "
	sseSuffix = "\n\n"
)

// Handler returns the Streamable HTTP handler of one server, at
// [LegacyPath] and [ModernPath]. With sse false a request's answer is
// application/json; with sse true a text/event-stream carrying the answer
// as one event. Error answers that carry an HTTP error status (the
// 2026-07-28 era's 400 and 404) are application/json either way.
//
// 2025-11-25 sessions start with initialize, whose answer carries an
// Mcp-Session-Id; later requests without a known one get 400 (none) or 404
// (unknown), and DELETE ends a session. There is no standalone stream:
// GET is answered 405, which the 2025-11-25 transport allows. Sessions live
// until deleted; at most 16,384 are held at once. The handler is safe for
// concurrent use.
func Handler(sse bool) http.Handler {
	return &handler{sse: sse, sessions: newSessions()}
}

type handler struct {
	sse      bool
	sessions *sessions
}

// bufPool holds the buffers that bodies are read into and answers are
// built in, one per request in flight.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled keeps a buffer grown by one large message out of the pool.
const maxPooled = 64 << 10

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ep endpoint
	switch r.URL.Path {
	case LegacyPath:
		ep = legacyOnly
	case ModernPath:
		ep = modernOnly
	default:
		http.NotFound(w, r)
		return
	}
	if !originAllowed(r.Header["Origin"]) {
		// Both revisions require it against DNS rebinding.
		http.Error(w, "mcpclient: lean: origin not allowed", http.StatusForbidden)
		return
	}
	switch {
	case r.Method == http.MethodPost:
		h.post(w, r, ep)
	case r.Method == http.MethodDelete && ep == legacyOnly:
		h.delete(w, r)
	default:
		allow := allowModern
		if ep == legacyOnly {
			allow = allowLegacy
		}
		w.Header()["Allow"] = allow
		http.Error(w, "mcpclient: lean: method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	id := r.Header["Mcp-Session-Id"]
	if len(id) == 0 {
		http.Error(w, "mcpclient: lean: delete: missing Mcp-Session-Id", http.StatusBadRequest)
		return
	}
	if !h.sessions.remove(id[0]) {
		http.Error(w, "mcpclient: lean: delete: session not found", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) post(w http.ResponseWriter, r *http.Request, ep endpoint) {
	bp := bufPool.Get().(*[]byte)
	// buf is the buffer as grown by this request, which goes back to the
	// pool unless one large message made it too big to keep.
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= maxPooled {
			*bp = buf[:0]
			bufPool.Put(bp)
		}
	}()
	body, err := readBody(r, buf)
	buf = body
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	// The answer is built after the body in the same buffer, behind room
	// for the SSE framing so that an event needs no second copy.
	start := len(body)
	buf = append(buf, ssePrefix...)
	var req request
	if perr := parse(body, &req); perr != nil {
		buf = appendError(buf, perr.id, perr.code, "mcpclient: lean: "+perr.msg, nil)
		h.write(w, buf[start:], http.StatusBadRequest)
		return
	}

	var sessionID string
	switch ep {
	case legacyOnly:
		if string(req.method) == "initialize" && req.id != nil {
			id, ok := h.sessions.add()
			if !ok {
				http.Error(w, "mcpclient: lean: too many sessions", http.StatusServiceUnavailable)
				return
			}
			sessionID = id
			break
		}
		if !h.checkSession(w, r) {
			return
		}
	case modernOnly:
		// A request without the revision's _meta is refused by handle
		// for that, which names the versions to a legacy client's
		// initialize; only a modern body has headers to match.
		if req.id != nil && req.hasMeta {
			if msg := headerMismatch(r.Header, &req); msg != "" {
				buf = appendError(buf, req.id, codeHeaderMismatch, msg, nil)
				h.write(w, buf[start:], http.StatusBadRequest)
				return
			}
		}
	}

	buf, code := handle(buf, &req, ep)
	if req.id == nil || req.response {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if sessionID != "" {
		w.Header()["Mcp-Session-Id"] = []string{sessionID}
	}
	status := http.StatusOK
	if ep == modernOnly {
		status = modernStatus(code)
	}
	h.write(w, buf[start:], status)
}

// checkSession answers for a 2025-11-25 request that does not belong to
// a live session and reports whether the request may go on.
func (h *handler) checkSession(w http.ResponseWriter, r *http.Request) bool {
	id := r.Header["Mcp-Session-Id"]
	if len(id) == 0 {
		http.Error(w, "mcpclient: lean: missing Mcp-Session-Id", http.StatusBadRequest)
		return false
	}
	if !h.sessions.has(id[0]) {
		http.Error(w, "mcpclient: lean: session not found", http.StatusNotFound)
		return false
	}
	if v := r.Header["Mcp-Protocol-Version"]; len(v) > 0 && !isLegacyVersion(v[0]) {
		http.Error(w, "mcpclient: lean: unsupported Mcp-Protocol-Version "+v[0], http.StatusBadRequest)
		return false
	}
	return true
}

// write sends framed, an answer that starts with ssePrefix: as one event
// of an event stream when the handler streams and status is 200, as plain
// JSON otherwise.
func (h *handler) write(w http.ResponseWriter, framed []byte, status int) {
	hdr := w.Header()
	if h.sse && status == http.StatusOK {
		hdr["Content-Type"] = contentSSE
		_, _ = w.Write(append(framed, sseSuffix...))
		return
	}
	hdr["Content-Type"] = contentJSON
	w.WriteHeader(status)
	_, _ = w.Write(framed[len(ssePrefix):])
}

// modernStatus is the HTTP status of a 2026-07-28 answer: 404 for an
// unknown method, 400 for a request the server rejects, which lets a
// dual-era client tell a modern server's refusal by its JSON-RPC body.
func modernStatus(code int) int {
	switch code {
	case 0:
		return http.StatusOK
	case codeMethodNotFound:
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// headerMismatch checks the request metadata headers of the 2026-07-28
// revision against the body and returns what is wrong, or "".
func headerMismatch(h http.Header, r *request) string {
	v := h["Mcp-Protocol-Version"]
	switch {
	case len(v) == 0:
		return "mcpclient: lean: header mismatch: missing Mcp-Protocol-Version"
	case r.hasMeta && v[0] != string(r.metaVersion):
		return "mcpclient: lean: header mismatch: Mcp-Protocol-Version " + v[0] + " against _meta " + string(r.metaVersion)
	}
	m := h["Mcp-Method"]
	switch {
	case len(m) == 0:
		return "mcpclient: lean: header mismatch: missing Mcp-Method"
	case m[0] != string(r.method):
		return "mcpclient: lean: header mismatch: Mcp-Method " + m[0] + " against method " + string(r.method)
	}
	if string(r.method) != "tools/call" {
		return ""
	}
	n := h["Mcp-Name"]
	if len(n) == 0 {
		return "mcpclient: lean: header mismatch: missing Mcp-Name"
	}
	if name, ok := decodeHeaderValue(n[0]); !ok || name != string(r.name) {
		return "mcpclient: lean: header mismatch: Mcp-Name " + n[0] + " against name " + string(r.name)
	}
	return ""
}

// decodeHeaderValue undoes the Base64 sentinel encoding of a header value
// ("=?base64?...?="); other values are as sent.
func decodeHeaderValue(v string) (string, bool) {
	const pre, suf = "=?base64?", "?="
	if len(v) < len(pre)+len(suf) || !strings.HasPrefix(v, pre) || !strings.HasSuffix(v, suf) {
		return v, true
	}
	b, err := base64.StdEncoding.DecodeString(v[len(pre) : len(v)-len(suf)])
	return string(b), err == nil
}

// originAllowed accepts requests without an Origin and those from a
// loopback origin: the server only listens on loopback.
func originAllowed(origin []string) bool {
	if len(origin) == 0 {
		return true
	}
	u, err := url.Parse(origin[0])
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var errBodyTooLong = errors.New("mcpclient: lean: read request: body over 4 MiB")

// readBody appends the request body to buf, up to maxLine bytes.
func readBody(r *http.Request, buf []byte) ([]byte, error) {
	if n := r.ContentLength; n > maxLine {
		return buf, errBodyTooLong
	} else if n > 0 && int(n) > cap(buf)-len(buf) {
		buf = append(buf, make([]byte, n)...)[:len(buf)]
	}
	lr := io.LimitedReader{R: r.Body, N: maxLine + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			if len(buf) > maxLine {
				return buf, errBodyTooLong
			}
			return buf, nil
		}
		if err != nil {
			return buf, fmt.Errorf("mcpclient: lean: read request: %w", err)
		}
	}
}

// isLegacyVersion reports whether v is a 2025-11-25-era revision.
func isLegacyVersion(v string) bool {
	for _, l := range legacyVersions {
		if v == l {
			return true
		}
	}
	return false
}
