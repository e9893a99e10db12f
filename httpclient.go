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
// needs: extra headers, the endpoint's circuit breaker, admission by the
// limiter before each attempt, retries with backoff that honour the
// server's hints within the retry budget, and an idle timeout on streamed
// bodies.
type modelTransport struct {
	base        http.RoundTripper
	headers     http.Header
	limiter     Limiter // nil: no limit
	retry       RetryPolicy
	budget      *retryBudget // nil: no budget
	breaker     *breaker     // nil: no breaker
	obs         *observer
	sink        *eventSink // the model endpoint's events
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
	var waitsEnd time.Time
	if t.retry.MaxElapsed > 0 {
		waitsEnd = t.now().Add(t.retry.MaxElapsed)
	}
	cost := Cost{Requests: 1, Tokens: estimateTokens(body)}
	t.budget.deposit()

	for attempt := 1; ; attempt++ {
		r := req.Clone(ctx)
		for k, vs := range t.headers {
			r.Header[k] = vs
		}
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}

		probe, err := t.breaker.allow()
		if err != nil {
			t.sink.emit(Event{Kind: EventShed, Attempt: attempt, Err: err})
			return nil, err
		}
		permit, err := t.admit(ctx, cost, waitsEnd, attempt)
		if err != nil {
			t.breaker.record(probe, verdictNeutral, nil)
			return nil, err
		}
		resp, err := t.base.RoundTrip(r)
		if kind := t.breaker.record(probe, modelVerdict(ctx, resp, err), failureCause(resp, err)); kind != 0 {
			t.sink.emit(Event{Kind: kind, Attempt: attempt, StatusCode: statusOf(resp), Err: failureCause(resp, err)})
		}
		ex.record(resp, attempt)
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			t.obs.tooMany.Add(1)
		}

		if err == nil && resp.StatusCode < 400 {
			if t.idleTimeout > 0 && isEventStream(resp) {
				resp.Body = newIdleReader(resp.Body, t.idleTimeout)
			}
			resp.Body = settleOnClose(resp.Body, permit, outcome(resp, nil))
			return resp, nil
		}
		permit.Done(outcome(resp, err))
		var errBody []byte
		if err == nil {
			// Read the error body now: ShouldRetry may need it, and the
			// response is handed on intact if we do not retry.
			errBody, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(errBody))
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
		now := t.now()
		if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
			// The retry could not finish in time; the caller learns the
			// real failure now instead of a deadline error later.
			return resp, err
		}
		if !waitsEnd.IsZero() && now.Add(wait).After(waitsEnd) {
			return resp, err
		}
		if !t.budget.withdraw(now) {
			t.sink.emit(Event{Kind: EventShed, Attempt: attempt + 1, StatusCode: statusOf(resp), Err: errRetryBudget})
			return resp, err
		}
		t.sink.emit(Event{Kind: EventRetry, Attempt: attempt + 1, Wait: wait, StatusCode: statusOf(resp), Err: err})
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// admit waits for the limiter, within MaxElapsed when it is set. The
// limiter gets a context that carries the client's event sink.
func (t *modelTransport) admit(ctx context.Context, cost Cost, waitsEnd time.Time, attempt int) (Permit, error) {
	if t.limiter == nil {
		return noopPermit{}, nil
	}
	actx := withSink(ctx, t.sink)
	if !waitsEnd.IsZero() {
		if dl, ok := ctx.Deadline(); !ok || waitsEnd.Before(dl) {
			var cancel context.CancelFunc
			actx, cancel = context.WithDeadline(actx, waitsEnd)
			defer cancel()
		}
	}
	start := t.now()
	p, err := t.limiter.Acquire(actx, cost)
	if err != nil {
		if ctx.Err() == nil {
			t.sink.emit(Event{Kind: EventShed, Attempt: attempt, Err: err})
		}
		return nil, err
	}
	wait := t.now().Sub(start)
	t.obs.admit(wait)
	if wait >= minReportedWait {
		t.sink.emit(Event{Kind: EventWait, Attempt: attempt, Wait: wait})
	}
	return p, nil
}

// modelVerdict is what an attempt says about the endpoint's health: no
// response or a 5xx counts against it, any other answer for it, and the
// caller's cancellation says nothing.
func modelVerdict(ctx context.Context, resp *http.Response, err error) verdict {
	switch {
	case ctx.Err() != nil:
		return verdictNeutral
	case resp == nil || resp.StatusCode >= 500:
		return verdictFailure
	}
	return verdictSuccess
}

// failureCause is the error a breaker keeps for an attempt.
func failureCause(resp *http.Response, err error) error {
	if err != nil || resp == nil {
		return err
	}
	return &HTTPError{StatusCode: resp.StatusCode, Message: http.StatusText(resp.StatusCode), Header: resp.Header}
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
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
