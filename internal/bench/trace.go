package bench

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Trace records what the HTTP attempts of one logical request saw: how many
// were sent and when a streamed reply's first token arrived. The library
// retries below its public API and reports neither, so the benchmark puts a
// Trace in the request's context ([WithTrace]) and a [Transport] under the
// library's retrying transport fills it in. A nil *Trace records nothing.
// It is safe for concurrent use.
type Trace struct {
	mu         sync.Mutex
	attempts   int
	firstToken time.Time
}

type traceKey struct{}

// WithTrace returns a context carrying a new Trace, and the Trace.
func WithTrace(ctx context.Context) (context.Context, *Trace) {
	t := &Trace{}
	return context.WithValue(ctx, traceKey{}, t), t
}

// TraceFrom returns the Trace in ctx, or nil.
func TraceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Attempts returns the number of HTTP attempts sent so far.
func (t *Trace) Attempts() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.attempts
}

// FirstToken returns when the first token of a streamed reply arrived, or
// the zero time.
func (t *Trace) FirstToken() time.Time {
	if t == nil {
		return time.Time{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.firstToken
}

func (t *Trace) attempt() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.attempts++
	t.mu.Unlock()
}

func (t *Trace) tokenAt(at time.Time) {
	t.mu.Lock()
	if t.firstToken.IsZero() {
		t.firstToken = at
	}
	t.mu.Unlock()
}

// Transport is an http.RoundTripper that reports each request to the
// [Trace] in its context, if any: every call counts one attempt, and the
// body of a successful event stream is watched for the first chunk that
// carries generated content (text, reasoning or a tool call). Placed as the
// base of the library's HTTP client, it sees every retry. A nil Base means
// http.DefaultTransport. It is safe for concurrent use.
type Transport struct {
	Base http.RoundTripper
}

// RoundTrip sends req through Base.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	tr := TraceFrom(req.Context())
	tr.attempt()
	resp, err := base.RoundTrip(req)
	if err != nil || tr == nil || resp.StatusCode != http.StatusOK || !isEventStream(resp.Header) {
		return resp, err
	}
	resp.Body = &firstTokenBody{ReadCloser: resp.Body, trace: tr}
	return resp, nil
}

func isEventStream(h http.Header) bool {
	ct := h.Get("Content-Type")
	return len(ct) >= 17 && ct[:17] == "text/event-stream"
}
