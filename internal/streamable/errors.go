package streamable

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors of a connection. Match them with errors.Is.
var (
	// ErrClosed is returned by Write and Read after Close.
	ErrClosed = errors.New("mcpclient: http connection closed")

	// ErrNotSameOrigin reports an HTTP+SSE server whose endpoint event
	// named a POST URL on another origin, which the client refuses: it
	// would send the session's messages, and its credentials, elsewhere.
	ErrNotSameOrigin = errors.New("mcpclient: http+sse: endpoint is not same-origin")

	// ErrStreamEnded reports an event stream that ended before it carried
	// the response of its request.
	ErrStreamEnded = errors.New("mcpclient: http: event stream ended before the response")

	// ErrNoResponse reports a request answered without a response: 202
	// Accepted, or a body that held none.
	ErrNoResponse = errors.New("mcpclient: http: server sent no response to the request")

	// ErrContentType reports a response whose Content-Type is neither
	// application/json nor text/event-stream.
	ErrContentType = errors.New("mcpclient: http: unexpected content type")
)

// RequestError is a failure that concerns one request only. Read returns it
// so that the session fails that request and keeps the connection.
type RequestError struct {
	ID  []byte // the raw JSON id of the request
	Err error  // the cause: a *StatusError, a network error, ErrStreamEnded, ...
}

func (e *RequestError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// RequestID returns the raw JSON id of the failed request.
func (e *RequestError) RequestID() []byte { return e.ID }

// StatusError is an HTTP response with an error status. Temporary statuses
// (408, 429, 502, 503, 504) are worth retrying after RetryAfter.
type StatusError struct {
	// Op names what failed: the JSON-RPC method of a POST, or "GET" or
	// "DELETE".
	Op         string
	StatusCode int
	Status     string // e.g. "503 Service Unavailable"
	// Body is the start of the response body, at most maxExcerpt bytes,
	// for the error message.
	Body string
	// RetryAfter is the wait the server asked for through Retry-After
	// (seconds or an HTTP date) or retry-after-ms; zero when none.
	RetryAfter time.Duration
	Header     http.Header
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mcpclient: http %s: server answered %s", e.Op, e.Status)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// Temporary reports whether the status says the server may succeed later.
func (e *StatusError) Temporary() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxExcerpt bounds the body kept in a StatusError.
const maxExcerpt = 512

func newStatusError(op string, resp *http.Response, body []byte, now time.Time) *StatusError {
	excerpt := strings.TrimSpace(string(body))
	if len(excerpt) > maxExcerpt {
		excerpt = excerpt[:maxExcerpt] + "…"
	}
	status := resp.Status
	if status == "" {
		status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	d, _ := retryAfter(resp.Header, now)
	return &StatusError{
		Op:         op,
		StatusCode: resp.StatusCode,
		Status:     status,
		Body:       excerpt,
		RetryAfter: d,
		Header:     resp.Header,
	}
}

// retryAfter reads retry-after-ms, then Retry-After in seconds or as an HTTP
// date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return saturate(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return saturate(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// saturate converts nanoseconds to a Duration, capped at the largest one, so
// that an absurd value cannot overflow into a negative wait.
func saturate(ns float64) time.Duration {
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}
