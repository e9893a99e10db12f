package mcpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// NewHTTPTransport returns the pooled, tuned transport that mcpclient uses
// for model endpoints when the caller brings no *http.Client: keep-alive
// connections sized for many concurrent requests to few hosts, HTTP/2 when
// offered, and timeouts on every phase before the response headers.
func NewHTTPTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   15 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Models think before the first byte; the request's context, not
		// this, bounds that wait.
		ResponseHeaderTimeout: 0,
	}
}

// exchange records, for one logical model request, what its HTTP attempts
// saw. The chat code puts one in the request's context; the round tripper
// fills it, because go-openai's errors keep neither headers nor attempts.
type exchange struct {
	mu       sync.Mutex
	status   int
	header   http.Header
	attempts int
}

type exchangeKey struct{}

func withExchange(ctx context.Context) (context.Context, *exchange) {
	ex := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, ex), ex
}

func (ex *exchange) record(resp *http.Response, attempts int) {
	if ex == nil {
		return
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.attempts = attempts
	if resp != nil {
		ex.status = resp.StatusCode
		ex.header = resp.Header.Clone()
	}
}

// modelTransport wraps the base round tripper with what every model request
// needs: extra headers, admission by the limiter before each attempt,
// retries with backoff that honour the server's hints, and an idle timeout
// on streamed bodies.
type modelTransport struct {
	base        http.RoundTripper
	headers     http.Header
	limiter     Limiter
	retry       RetryPolicy
	idleTimeout time.Duration
	logger      *slog.Logger
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error
}

// maxErrorBody bounds how much of an error response is kept.
const maxErrorBody = 64 << 10

func (t *modelTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	body, err := requestBody(req)
	if err != nil {
		return nil, err
	}

	for attempt := 1; ; attempt++ {
		r := req.Clone(ctx)
		for k, vs := range t.headers {
			r.Header[k] = vs
		}
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}

		permit, err := t.limiter.Acquire(ctx, Cost{Requests: 1})
		if err != nil {
			return nil, err
		}
		resp, err := t.base.RoundTrip(r)
		permit.Done(outcome(resp, err))
		ex.record(resp, attempt)

		var errBody []byte
		if err == nil && resp.StatusCode >= 400 {
			// Read the error body now: ShouldRetry may need it, and the
			// response is handed on intact if we do not retry.
			errBody, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(errBody))
		}
		if err == nil && resp.StatusCode < 400 {
			if t.idleTimeout > 0 && isEventStream(resp) {
				resp.Body = newIdleReader(resp.Body, t.idleTimeout)
			}
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, err
		}
		if attempt >= t.retry.MaxAttempts || !t.retry.ShouldRetry(resp, errBody, err) {
			return resp, err
		}
		wait := t.retry.backoff(attempt)
		if resp != nil {
			if d, ok := RetryAfter(resp.Header, t.now()); ok {
				if d > t.retry.MaxRetryAfter {
					t.logger.Debug("server asked for a wait beyond MaxRetryAfter; not retrying", "retry_after", d)
					return resp, nil
				}
				wait = d
			}
		}
		if dl, ok := ctx.Deadline(); ok && t.now().Add(wait).After(dl) {
			// The retry could not finish in time; the caller learns the
			// real failure now instead of a deadline error later.
			return resp, err
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.logger.Debug("retrying model request", "attempt", attempt+1, "status", status, "err", err, "wait", wait)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func outcome(resp *http.Response, err error) Outcome {
	if resp == nil {
		return Outcome{Err: err}
	}
	return Outcome{StatusCode: resp.StatusCode, Header: resp.Header}
}

// requestBody reads the request body once so that every attempt can send it.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: read request body: %w", err)
	}
	return b, nil
}

func isEventStream(resp *http.Response) bool {
	ct := resp.Header.Get("Content-Type")
	return len(ct) >= 17 && ct[:17] == "text/event-stream"
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errStreamIdle ends a stream that sent no byte for too long.
var errStreamIdle = errors.New("mcpclient: model stream idle for too long")

// idleReader closes a body that has sent nothing, not even a keepalive
// comment, for the idle timeout. Any byte restarts the clock, so a slow but
// live stream is never cut while a dead one is.
type idleReader struct {
	body  io.ReadCloser
	d     time.Duration
	timer *time.Timer
	mu    sync.Mutex
	idle  bool
}

func newIdleReader(body io.ReadCloser, d time.Duration) *idleReader {
	r := &idleReader{body: body, d: d}
	r.timer = time.AfterFunc(d, func() {
		r.mu.Lock()
		r.idle = true
		r.mu.Unlock()
		body.Close()
	})
	return r
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if n > 0 {
		r.timer.Reset(r.d)
	}
	if err != nil {
		r.mu.Lock()
		idle := r.idle
		r.mu.Unlock()
		if idle {
			return n, fmt.Errorf("%w (%v)", errStreamIdle, r.d)
		}
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	return r.body.Close()
}
