package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// writeFault is what happens to one tools/call message on its way out.
type writeFault int

const (
	deliver  writeFault = iota
	drop                // never sent: the write fails with ErrNotSent
	lostSent            // sent, then the write reports a failure
)

// faultTransport decides the fate of each tools/call the client writes,
// by its number from 1.
type faultTransport struct {
	inner Transport
	fault func(n int) writeFault
}

func (t *faultTransport) Connect(ctx context.Context) (Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &faultConn{Connection: c, fault: t.fault}, nil
}

type faultConn struct {
	Connection
	fault func(n int) writeFault
	calls atomic.Int32
}

func (c *faultConn) Write(ctx context.Context, msg []byte) error {
	if !bytes.Contains(msg, []byte(`"method":"tools/call"`)) {
		return c.Connection.Write(ctx, msg)
	}
	switch c.fault(int(c.calls.Add(1))) {
	case drop:
		return fmt.Errorf("dial server: %w", ErrNotSent)
	case lostSent:
		if err := c.Connection.Write(ctx, msg); err != nil {
			return err
		}
		return &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return c.Connection.Write(ctx, msg)
}

// flakyTool is a tool whose calls n (from 1) for which hang returns true
// never answer in time.
type flakyTool struct {
	calls atomic.Int32
	hang  func(n int) bool
}

func (f *flakyTool) tool(name, annotations string, isError bool) testserver.Tool {
	return testserver.Tool{
		Name:        name,
		InputSchema: json.RawMessage(`{"type":"object"}`),
		Annotations: json.RawMessage(annotations),
		Handler: func(ctx context.Context, _ *testserver.Call) (*testserver.Result, error) {
			n := int(f.calls.Add(1))
			if f.hang != nil && f.hang(n) {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(fmt.Sprintf("call %d", n))}, IsError: isError}, nil
		},
	}
}

// toolClient connects a client with opts to one tool behind a fault
// transport, and returns the client and the tool's catalogue entry.
func toolClient(t *testing.T, opts Options, tool testserver.Tool, fault func(int) writeFault) (*Client, *toolEntry) {
	t.Helper()
	if fault == nil {
		fault = func(int) writeFault { return deliver }
	}
	c := newClient(t, "http://127.0.0.1:1/v1", opts)
	srv := testserver.New(testserver.Options{Name: "srv", Tools: []testserver.Tool{tool}})
	tr := &faultTransport{inner: &InProcessTransport{Serve: srv.Serve}, fault: fault}
	if _, err := c.Connect(testContext(t), "srv", tr, nil); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	e := c.reg.catalog(testContext(t)).byName["srv__"+tool.Name]
	if e == nil {
		t.Fatalf("tool %s not in the catalogue", tool.Name)
	}
	return c, e
}

func TestToolRetries(t *testing.T) {
	const (
		readOnly   = `{"readOnlyHint":true}`
		idempotent = `{"idempotentHint":true,"destructiveHint":false}`
		none       = `{}`
	)
	first := func(n int) bool { return n == 1 }
	always := func(int) bool { return true }
	tests := []struct {
		name        string
		annotations string
		trusted     bool
		optIn       bool
		isError     bool
		hang        func(int) bool
		fault       func(int) writeFault
		wantCalls   int  // calls the server ran
		wantUnknown bool // an *OutcomeUnknownError, else success
		wantTries   int  // OutcomeUnknownError.Attempts
		wantRetries int  // retry events
	}{
		{name: "never sent is retried", annotations: none, fault: func(n int) writeFault { return map[bool]writeFault{true: drop}[n == 1] }, wantCalls: 1, wantRetries: 1},
		{name: "timeout, untrusted read-only", annotations: readOnly, hang: first, wantCalls: 1, wantUnknown: true, wantTries: 1},
		{name: "timeout, trusted read-only", annotations: readOnly, trusted: true, hang: first, wantCalls: 2, wantRetries: 1},
		{name: "timeout, trusted idempotent", annotations: idempotent, trusted: true, hang: first, wantCalls: 2, wantRetries: 1},
		{name: "timeout, trusted, no hints", annotations: none, trusted: true, hang: first, wantCalls: 1, wantUnknown: true, wantTries: 1},
		{name: "timeout, opted in", annotations: none, optIn: true, hang: first, wantCalls: 2, wantRetries: 1},
		{name: "lost after sending, untrusted", annotations: readOnly, fault: func(n int) writeFault { return map[bool]writeFault{true: lostSent}[n == 1] }, wantCalls: 1, wantUnknown: true, wantTries: 1},
		{name: "attempts are bounded", annotations: readOnly, trusted: true, hang: always, wantCalls: 3, wantUnknown: true, wantTries: 3, wantRetries: 2},
		{name: "isError is never retried", annotations: readOnly, trusted: true, isError: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &flakyTool{hang: tt.hang}
			policy := &ToolRetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
			if tt.trusted {
				policy.TrustedServers = []string{"other", "srv"}
			}
			if tt.optIn {
				policy.RetrySent = func(server, tool string) bool { return server == "srv" && tool == "t" }
			}
			var log eventLog
			c, e := toolClient(t, Options{ToolTimeout: 150 * time.Millisecond, ToolRetry: policy, OnEvent: log.add}, f.tool("t", tt.annotations, tt.isError), tt.fault)
			res, err := c.callEntry(testContext(t), e, json.RawMessage(`{}`))
			// A call lost after sending may still be on its way to the
			// server.
			for deadline := time.Now().Add(2 * time.Second); int(f.calls.Load()) < tt.wantCalls && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			if got := int(f.calls.Load()); got != tt.wantCalls {
				t.Errorf("server ran the tool %d times, want %d", got, tt.wantCalls)
			}
			var unknown *OutcomeUnknownError
			switch {
			case tt.wantUnknown:
				if !errors.As(err, &unknown) || !errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("callEntry = %v, %v; want an *OutcomeUnknownError", res, err)
				}
				if unknown.Attempts != tt.wantTries || unknown.Server != "srv" || unknown.Tool != "t" {
					t.Errorf("OutcomeUnknownError = %+v, want %d attempts of srv/t", unknown, tt.wantTries)
				}
				if !strings.HasPrefix(err.Error(), "mcpclient: tool t") {
					t.Errorf("error %q does not start with mcpclient: and the tool", err)
				}
			case err != nil:
				t.Fatalf("callEntry error = %v, want a result", err)
			case res.IsError != tt.isError:
				t.Errorf("result IsError = %v, want %v", res.IsError, tt.isError)
			}
			retries := 0
			for _, k := range log.kinds() {
				if k == EventRetry {
					retries++
				}
			}
			if retries != tt.wantRetries {
				t.Errorf("retry events = %d, want %d", retries, tt.wantRetries)
			}
			if s := c.Stats(); s.Retried != int64(retries) {
				t.Errorf("Stats().Retried = %d, want %d", s.Retried, retries)
			}
		})
	}
}

// A timeout stays visible through the outcome-unknown error, and the model
// is told not to assume the call failed.
func TestOutcomeUnknownError(t *testing.T) {
	err := error(&OutcomeUnknownError{Server: "pay", Tool: "charge", Attempts: 1, Err: &TimeoutError{Method: "tools/call", After: time.Second}})
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v) misses ErrOutcomeUnknown, ErrTimeout or DeadlineExceeded", err)
	}
	if msg := describeCallError(fmt.Errorf("wrapped: %w", err)); !strings.Contains(msg, "may or may not have taken effect") {
		t.Errorf("describeCallError = %q, want the model warned that the call may have run", msg)
	}
}

// A call that cannot reach a session that has ended fails with the
// session's error, not as an unknown outcome.
func TestToolCallClosedSession(t *testing.T) {
	f := &flakyTool{}
	c, e := toolClient(t, Options{}, f.tool("t", `{}`, false), nil)
	e.session.Close()
	_, err := c.callEntry(testContext(t), e, json.RawMessage(`{}`))
	if !errors.Is(err, ErrClosed) || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("call on a closed session = %v, want ErrClosed and not an unknown outcome", err)
	}
}

func TestTransientToolError(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name      string
		err       error
		transient bool
		notSent   bool
	}{
		{"rpc error", &RPCError{Code: CodeInvalidParams}, false, false},
		{"timeout", &TimeoutError{Method: "tools/call"}, true, false},
		{"connection lost", &ConnectionError{Err: io.EOF}, true, false},
		{"refused dial", &ConnectionError{Err: fmt.Errorf("post: %w", dial)}, true, true},
		{"dns", &net.DNSError{Err: "no such host", Name: "x"}, true, true},
		{"not sent", fmt.Errorf("w: %w", ErrNotSent), true, true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true, false},
		{"429", &streamable.StatusError{StatusCode: 429}, true, true},
		{"503", &streamable.StatusError{StatusCode: 503}, true, false},
		{"500", &streamable.StatusError{StatusCode: 500}, true, false},
		{"400", &streamable.StatusError{StatusCode: 400}, false, false},
		{"other", errors.New("malformed result"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transientToolError(tt.err); got != tt.transient {
				t.Errorf("transientToolError(%v) = %v, want %v", tt.err, got, tt.transient)
			}
			if got := neverSent(tt.err); got != tt.notSent {
				t.Errorf("neverSent(%v) = %v, want %v", tt.err, got, tt.notSent)
			}
		})
	}
}

// Two calls without an answer in a row trip the server's breaker; the next
// call is refused without reaching the server, and the state is visible.
func TestToolBreaker(t *testing.T) {
	f := &flakyTool{hang: func(int) bool { return true }}
	var log eventLog
	c, e := toolClient(t, Options{
		ToolTimeout: 50 * time.Millisecond,
		Breaker:     &BreakerPolicy{Failures: 2, Cooldown: time.Hour},
		OnEvent:     log.add,
	}, f.tool("t", `{}`, false), nil)
	ctx := testContext(t)
	for i := range 2 {
		if _, err := c.callEntry(ctx, e, json.RawMessage(`{}`)); !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("call %d = %v, want an unknown outcome", i+1, err)
		}
	}
	_, err := c.callEntry(ctx, e, json.RawMessage(`{}`))
	var open *CircuitOpenError
	if !errors.As(err, &open) || open.Server != "srv" || !errors.Is(open.LastErr, ErrTimeout) {
		t.Fatalf("third call = %v, want a *CircuitOpenError for srv after a timeout", err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("server ran %d calls, want 2: the open breaker must not send", n)
	}
	bs := c.Breakers()
	if len(bs) != 2 || bs[1].Server != "srv" || bs[1].State != BreakerOpen || bs[1].Trips != 1 || bs[0].State != BreakerClosed {
		t.Errorf("Breakers() = %+v, want the model's closed and srv's open once", bs)
	}
	if ev, ok := log.find(EventTrip); !ok || ev.Server != "srv" || ev.Tool != "t" {
		t.Errorf("trip event = %+v (found %v), want one for srv/t", ev, ok)
	}
	if s := c.Stats(); s.Trips != 1 || s.Shed != 1 {
		t.Errorf("Stats() = %+v, want 1 trip and 1 shed", s)
	}
}

// A server's limiter paces its calls and reports the waits.
func TestServerLimiter(t *testing.T) {
	f := &flakyTool{}
	var log eventLog
	c, e := toolClient(t, Options{
		ServerLimiters: map[string]Limiter{"srv": NewLeakyBucket(20)},
		OnEvent:        log.add,
	}, f.tool("t", `{}`, false), nil)
	ctx := testContext(t)
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.callEntry(ctx, e, json.RawMessage(`{}`)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Errorf("4 calls at 20/s took %v, want at least 150ms", d)
	}
	ev, ok := log.find(EventWait)
	if !ok || ev.Server != "srv" || ev.Tool != "t" || ev.Wait <= 0 {
		t.Errorf("wait event = %+v (found %v), want one for srv/t", ev, ok)
	}
	if s := c.Stats(); s.Admitted != 4 || s.Waited < 2 || s.WaitTime <= 0 {
		t.Errorf("Stats() = %+v, want 4 admitted, at least 2 of them after a wait", s)
	}
}

// A server's retry budget keeps retries to a share of calls, however safe
// they are to repeat.
func TestToolRetryBudget(t *testing.T) {
	f := &flakyTool{hang: func(int) bool { return true }}
	var log eventLog
	c, e := toolClient(t, Options{
		ToolTimeout: 30 * time.Millisecond,
		ToolRetry: &ToolRetryPolicy{
			MaxAttempts: 10, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
			TrustedServers: []string{"srv"}, BudgetRatio: 0.1, BudgetMinPerSecond: 1,
		},
		OnEvent: log.add,
	}, f.tool("t", `{"readOnlyHint":true}`, false), nil)
	ctx := testContext(t)
	for range 5 {
		if _, err := c.callEntry(ctx, e, json.RawMessage(`{}`)); !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("call = %v, want an unknown outcome", err)
		}
	}
	// 5 calls earn half a retry; the reserve holds one (and one more a
	// second): far from the 45 retries the attempts would allow.
	if n := f.calls.Load(); n < 6 || n > 8 {
		t.Errorf("server ran %d calls for 5 requests, want 6 to 8", n)
	}
	if ev, ok := log.find(EventShed); !ok || !errors.Is(ev.Err, errRetryBudget) || ev.Server != "srv" {
		t.Errorf("shed event = %+v (found %v), want the spent budget of srv", ev, ok)
	}
}
