package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
)

// ErrNotSent reports a request that never left this process. A
// [Connection] may wrap it in a Write error when it knows that no byte went
// out (a refused dial, say): a tool call that failed so is safe to retry.
// In an [Outcome] it tells a limiter that the admission went unused.
var ErrNotSent = errors.New("mcpclient: request not sent")

// ErrOutcomeUnknown is matched by every [*OutcomeUnknownError].
var ErrOutcomeUnknown = errors.New("mcpclient: tool call outcome unknown")

// OutcomeUnknownError reports a tool call that may have reached its server
// and got no answer (a timeout, a connection lost mid-call), and that was
// not sent again because repeating it might repeat its effect: the tool is
// not known to be safe to repeat (see [ToolRetryPolicy]). Whether it ran is
// unknown; check before calling it again. It matches [ErrOutcomeUnknown],
// and unwraps to the last failure, so errors.Is(err, ErrTimeout) still
// tells a timeout.
type OutcomeUnknownError struct {
	Server   string
	Tool     string
	Attempts int   // how many times the call was sent, or may have been
	Err      error // the last failure
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("mcpclient: tool %s on server %q: outcome unknown after %d attempt(s), "+
		"not retried since it may have taken effect: %v", e.Tool, e.Server, e.Attempts, e.Err)
}

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the last failure.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// ToolRetryPolicy says which MCP tool calls a [Client] sends again after a
// failure without an answer: a connection error, a timeout, a 429 or 5xx
// from an HTTP server. A call that got an answer is never repeated: not a
// result (isError results included) and not a JSON-RPC error. A failed call
// is repeated when
//
//   - it never reached the server (a refused connection, an error matching
//     [ErrNotSent]), or
//   - the server is in TrustedServers and marks the tool readOnlyHint or
//     idempotentHint, or
//   - RetrySent opts the tool in.
//
// Otherwise the call fails with an [*OutcomeUnknownError]. A nil
// *ToolRetryPolicy in [Options] means [DefaultToolRetryPolicy]; zero fields
// take its values.
type ToolRetryPolicy struct {
	// MaxAttempts counts the first attempt; 0 means 3, 1 turns retries off.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry, doubled for each
	// later one, with full jitter; 0 means 100ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff, and a server's Retry-After beyond it is
	// not waited for; 0 means 5s.
	MaxDelay time.Duration
	// TrustedServers names the servers whose tool annotations are believed.
	// Annotations are the server's own claims: an untrusted server's
	// readOnlyHint could turn a payment into a repeated payment.
	TrustedServers []string
	// RetrySent, when set, opts tools in: a call for which it returns true
	// is repeated even when it may have reached the server. Use it for
	// tools the caller knows are safe to repeat.
	RetrySent func(server, tool string) bool
	// BudgetRatio and BudgetMinPerSecond set each server's retry budget,
	// as [RetryPolicy]'s do for the model endpoint: every call earns
	// BudgetRatio of a retry (0 means 0.2; negative turns the budget off),
	// and BudgetMinPerSecond retries a second are allowed anyway (0 means
	// 10). A retry the budget cannot pay is not sent.
	BudgetRatio        float64
	BudgetMinPerSecond float64
}

// DefaultToolRetryPolicy is the tool call policy used when none is given.
var DefaultToolRetryPolicy = ToolRetryPolicy{
	MaxAttempts:        3,
	BaseDelay:          100 * time.Millisecond,
	MaxDelay:           5 * time.Second,
	BudgetRatio:        0.2,
	BudgetMinPerSecond: 10,
}

func (p ToolRetryPolicy) withDefaults() ToolRetryPolicy {
	d := DefaultToolRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.BudgetRatio == 0 {
		p.BudgetRatio = d.BudgetRatio
	}
	if p.BudgetMinPerSecond <= 0 {
		p.BudgetMinPerSecond = d.BudgetMinPerSecond
	}
	p.TrustedServers = slices.Clone(p.TrustedServers)
	return p
}

// safeToRepeat reports whether a call that may have reached the server may
// be sent again.
func (p *ToolRetryPolicy) safeToRepeat(e *toolEntry) bool {
	if p.RetrySent != nil && p.RetrySent(e.Server, e.Tool.Name) {
		return true
	}
	a := e.Tool.Annotations
	return a != nil && slices.Contains(p.TrustedServers, e.Server) &&
		((a.ReadOnlyHint != nil && *a.ReadOnlyHint) || (a.IdempotentHint != nil && *a.IdempotentHint))
}

// callServer runs one MCP tool call under the server's breaker and
// limiter and the concurrency limits, and repeats it when that is safe.
func (c *Client) callServer(ctx context.Context, e *toolEntry, args json.RawMessage) (*CallToolResult, error) {
	sink := &eventSink{obs: c.obs, server: e.Server}
	ctx = withSink(ctx, sink)
	br := c.breakers.forServer(e.Server)
	budget := c.toolBudgets.forServer(e.Server)
	budget.deposit()
	p := &c.toolRetry
	maybeSent := false
	for attempt := 1; ; attempt++ {
		if err := e.session.Err(); err != nil {
			// The session has ended: nothing more can be sent.
			return nil, toolGiveUp(e, attempt-1, maybeSent, err)
		}
		probe, err := br.allow()
		if err != nil {
			sink.emit(Event{Kind: EventShed, Tool: e.Tool.Name, Attempt: attempt, Err: err})
			return nil, toolGiveUp(e, attempt-1, maybeSent, err)
		}
		at := c.toolAttempt(ctx, e, args, sink)
		res, err := at.res, at.err
		if kind := br.record(probe, at.verdict(ctx), err); kind != 0 {
			sink.emit(Event{Kind: kind, Tool: e.Tool.Name, Attempt: attempt, Err: err})
		}
		if err == nil || res != nil || ctx.Err() != nil {
			return res, err
		}
		if !transientToolError(err) {
			// An answer (a JSON-RPC error, say) or a failure before
			// sending that repeating cannot mend.
			return nil, err
		}
		sent := at.sent()
		maybeSent = maybeSent || sent
		if sent && !p.safeToRepeat(e) {
			return nil, &OutcomeUnknownError{Server: e.Server, Tool: e.Tool.Name, Attempts: attempt, Err: err}
		}
		wait, ok := p.delay(attempt, err)
		now := time.Now()
		if !ok || attempt >= p.MaxAttempts || tooLate(ctx, now, wait) {
			return nil, toolGiveUp(e, attempt, maybeSent, err)
		}
		if !budget.withdraw(now) {
			sink.emit(Event{Kind: EventShed, Tool: e.Tool.Name, Attempt: attempt + 1, Err: errRetryBudget})
			return nil, toolGiveUp(e, attempt, maybeSent, err)
		}
		sink.emit(Event{Kind: EventRetry, Tool: e.Tool.Name, Attempt: attempt + 1, Wait: wait, Err: err})
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// callTry is what one try of a tool call came to.
type callTry struct {
	res    *CallToolResult
	err    error
	called bool // the call reached the session; false when refused before
}

// sent reports whether the call may have reached the server.
func (a callTry) sent() bool { return a.called && (a.err == nil || !neverSent(a.err)) }

// verdict is what the attempt says about its server's health: an answer,
// even an error or a 4xx, shows it alive; no answer counts against it; a
// refusal before the call or the caller's cancellation says nothing.
func (a callTry) verdict(ctx context.Context) verdict {
	switch {
	case a.err == nil || a.res != nil:
		return verdictSuccess
	case !a.called || ctx.Err() != nil:
		return verdictNeutral
	}
	if _, ok := errors.AsType[*RPCError](a.err); ok {
		return verdictSuccess
	}
	se, ok := errors.AsType[*streamable.StatusError](a.err)
	if ok && se.StatusCode < 500 && se.StatusCode != http.StatusRequestTimeout {
		return verdictSuccess
	}
	return verdictFailure
}

// toolAttempt sends the call once. A server limiter admits it first: it
// must not hold a concurrency slot while it waits for the rate. Then the
// server's slot is taken before the global one: a call queued behind its
// own busy server must not hold a global slot, or one slow server stalls
// every other.
func (c *Client) toolAttempt(ctx context.Context, e *toolEntry, args json.RawMessage, sink *eventSink) callTry {
	permit := Permit(noopPermit{})
	if lim := c.opts.ServerLimiters[e.Server]; lim != nil {
		start := time.Now()
		p, err := lim.Acquire(ctx, Cost{Requests: 1})
		if err != nil {
			if ctx.Err() == nil {
				sink.emit(Event{Kind: EventShed, Tool: e.Tool.Name, Err: err})
			}
			return callTry{err: err}
		}
		permit = p
		c.admitted(sink, e.Tool.Name, time.Since(start))
	}
	if err := e.sem.Acquire(ctx, 1); err != nil {
		permit.Done(Outcome{Err: ErrNotSent})
		return callTry{err: err}
	}
	defer e.sem.Release(1)
	if err := c.sem.Acquire(ctx, 1); err != nil {
		permit.Done(Outcome{Err: ErrNotSent})
		return callTry{err: err}
	}
	defer c.sem.Release(1)

	var opts *CallOptions
	if c.opts.ToolTimeout > 0 {
		opts = &CallOptions{Timeout: c.opts.ToolTimeout}
	}
	res, err := e.session.CallTool(ctx, e.Tool.Name, args, opts)
	at := callTry{res: res, err: err, called: true}
	o := Outcome{Used: Cost{Requests: 1}, Err: err}
	if !at.sent() {
		o = Outcome{Err: ErrNotSent}
	}
	permit.Done(o)
	return at
}

// admitted counts an admission and reports a wait worth reporting.
func (c *Client) admitted(sink *eventSink, tool string, wait time.Duration) {
	c.obs.admit(wait)
	if wait >= minReportedWait {
		sink.emit(Event{Kind: EventWait, Tool: tool, Wait: wait})
	}
}

// minReportedWait is the shortest admission wait reported as EventWait;
// shorter ones are lock and scheduling noise, not a limiter's decision.
const minReportedWait = time.Millisecond

// delay is the wait before retry number attempt: jittered backoff, or the
// server's Retry-After when it asked for longer; ok is false when it asked
// for more than MaxDelay.
func (p *ToolRetryPolicy) delay(attempt int, err error) (time.Duration, bool) {
	d := fullJitter(attempt, p.BaseDelay, p.MaxDelay)
	var se *streamable.StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		if se.RetryAfter > p.MaxDelay {
			return 0, false
		}
		d = max(d, se.RetryAfter)
	}
	return d, true
}

// toolGiveUp is the error after the last attempt: outcome unknown when any
// attempt may have reached the server, else the failure, with the count
// when there were several.
func toolGiveUp(e *toolEntry, attempts int, maybeSent bool, err error) error {
	switch {
	case maybeSent:
		return &OutcomeUnknownError{Server: e.Server, Tool: e.Tool.Name, Attempts: attempts, Err: err}
	case attempts > 1:
		return fmt.Errorf("mcpclient: tool %s on server %q: gave up after %d attempts: %w",
			e.Tool.Name, e.Server, attempts, err)
	}
	return err
}

// neverSent reports whether a failure certainly happened before the
// request left: the transport said so, or the connection was never made.
func neverSent(err error) bool {
	if errors.Is(err, ErrNotSent) {
		return true
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return true
	}
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return true
	}
	// A server that answers 429 refused the request without running it.
	se, ok := errors.AsType[*streamable.StatusError](err)
	return ok && se.StatusCode == http.StatusTooManyRequests
}

// transientToolError reports whether a failure may pass on retry: no
// answer came (a timeout, a lost or refused connection), or the HTTP
// server said to try later.
func transientToolError(err error) bool {
	if _, ok := errors.AsType[*RPCError](err); ok {
		return false
	}
	if se, ok := errors.AsType[*streamable.StatusError](err); ok {
		return se.Temporary() || se.StatusCode >= 500
	}
	if errors.Is(err, ErrTimeout) || errors.Is(err, ErrClosed) || neverSent(err) {
		return true
	}
	_, ok := errors.AsType[net.Error](err)
	return ok
}
