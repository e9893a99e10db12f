package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
	"go.uber.org/goleak"
)

// Attack tests on the life of calls over HTTP: Close with calls in flight,
// cancellation and timeouts at any moment, servers that never answer.

// TestAttackCloseWithCallsInFlight closes a session while 64 calls wait on
// the server and more callers keep starting: Close must return, every call
// must end promptly with an error, later calls must fail as not sent, and
// nothing may outlive the session.
func TestAttackCloseWithCallsInFlight(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			const n = 64
			started := make(chan struct{}, n)
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{gateTool("gate", started), echoTool()}}, mode.opts)
			s := f.connect(t, nil, nil)
			ctx := testContext(t)

			errs := make(chan error, 2*n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.CallTool(ctx, "gate", nil, nil)
					errs <- err
				}()
			}
			for i := range n {
				select {
				case <-started:
				case <-time.After(10 * time.Second):
					t.Fatalf("only %d of %d calls reached the server", i, n)
				}
			}
			// Callers that race with Close.
			var late sync.WaitGroup
			for i := range n {
				late.Add(1)
				go func() {
					defer late.Done()
					// Bounded, though Close ends the loop long before.
					for range 100000 {
						_, err := s.CallTool(ctx, "echo", map[string]string{"text": strconv.Itoa(i)}, nil)
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			time.Sleep(20 * time.Millisecond)
			closed := make(chan struct{})
			go func() {
				s.Close()
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close with 64 calls in flight did not return in 10s")
			}
			allDone := make(chan struct{})
			go func() {
				wg.Wait()
				late.Wait()
				close(allDone)
			}()
			select {
			case <-allDone:
			case <-time.After(10 * time.Second):
				t.Fatal("calls in flight did not return within 10s of Close")
			}
			close(errs)
			for err := range errs {
				// Whether each matches ErrClosed is the concern of
				// TestAttackCloseErrorsMatchErrClosed.
				if err == nil {
					t.Error("a call ended by Close returned no error")
				}
			}
			if _, err := s.CallTool(ctx, "echo", nil, nil); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrNotSent) {
				t.Errorf("CallTool after Close error = %v, want ErrClosed and ErrNotSent", err)
			}
			f.h.Close()
			f.hs.Close()
		})
	}
}

// TestAttackCloseErrorsMatchErrClosed closes sessions while calls wait on
// the server and more start: Close promises that pending requests fail with
// an error matching ErrClosed. The window in which a call gets another
// error is narrow, so the round repeats until one does, or a number of
// times.
func TestAttackCloseErrorsMatchErrClosed(t *testing.T) {
	for _, mode := range []int{0, 2} { // streamable-json, modern-json
		t.Run(httpModes[mode].name, func(t *testing.T) {
			const n, rounds = 32, 16
			started := make(chan struct{}, n)
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{gateTool("gate", started), echoTool()}}, httpModes[mode].opts)
			ctx := testContext(t)
			for round := range rounds {
				s := f.connect(t, nil, nil)
				errs := make(chan error, 2*n)
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := s.CallTool(ctx, "gate", nil, nil)
						errs <- err
					}()
				}
				for i := range n {
					select {
					case <-started:
					case <-time.After(10 * time.Second):
						t.Fatalf("round %d: only %d of %d calls reached the server", round, i, n)
					}
				}
				for range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						// Bounded, though Close ends the loop long before.
						for range 100000 {
							if _, err := s.CallTool(ctx, "echo", nil, nil); err != nil {
								errs <- err
								return
							}
						}
					}()
				}
				time.Sleep(5 * time.Millisecond)
				s.Close()
				wg.Wait()
				close(errs)
				for err := range errs {
					if !errors.Is(err, ErrClosed) {
						t.Fatalf("round %d: a call ended by Close returned %q, want an error matching ErrClosed", round, err)
					}
				}
			}
		})
	}
}

// TestAttackCancelUnderLoad cancels calls at random moments while many run:
// each must return its own result or context.Canceled, never hang, and the
// session must stay usable with nothing left pending.
func TestAttackCancelUnderLoad(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{napTool(), echoTool()}}, mode.opts)
			s := f.connect(t, nil, nil)
			base := testContext(t)
			rng := rand.New(rand.NewPCG(1, uint64(len(mode.name))))
			const calls, workers = 160, 16
			delays := make([]time.Duration, calls)
			naps := make([]int, calls)
			for i := range calls {
				delays[i] = time.Duration(rng.IntN(10000)) * time.Microsecond
				naps[i] = rng.IntN(3)
			}
			var next atomic.Int32
			var cancelled, answered atomic.Int32
			errs := make(chan error, calls)
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= calls {
							return
						}
						ctx, cancel := context.WithCancel(base)
						stop := time.AfterFunc(delays[i], cancel)
						want := "call-" + strconv.Itoa(i)
						res, err := s.CallTool(ctx, "nap", map[string]any{"text": want, "ms": naps[i]}, &CallOptions{Timeout: 20 * time.Second})
						stop.Stop()
						cancel()
						switch {
						case err == nil && res.Text() == want:
							answered.Add(1)
						case err == nil && res.IsError:
							// The server's own answer to the cancellation.
							cancelled.Add(1)
						case errors.Is(err, context.Canceled):
							cancelled.Add(1)
						case err == nil:
							errs <- fmt.Errorf("CallTool(nap %q) = %q, want its own text: a result was misrouted", want, res.Text())
						default:
							errs <- fmt.Errorf("CallTool(nap %q) error = %v, want nil or context.Canceled", want, err)
						}
					}
				}()
			}
			done := make(chan struct{})
			go func() {
				wg.Wait()
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				t.Fatalf("calls with random cancellation still running after 15s (%d answered, %d cancelled)", answered.Load(), cancelled.Load())
			}
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if res, err := s.CallTool(base, "echo", map[string]string{"text": "after"}, nil); err != nil || res.Text() != "after" {
				t.Errorf("CallTool(echo) after the storm = %v, %v; want after", res, err)
			}
			if n := pendingCount(s); n != 0 {
				t.Errorf("requests still pending after every call returned = %d, want 0", n)
			}
			t.Logf("%d answered, %d cancelled", answered.Load(), cancelled.Load())
		})
	}
}

// TestAttackTimeoutRacesResponse gives calls a timeout close to the time the
// server takes: each must return its own result or a *TimeoutError.
func TestAttackTimeoutRacesResponse(t *testing.T) {
	for _, mode := range httpModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{napTool()}}, mode.opts)
			s := f.connect(t, nil, nil)
			ctx := testContext(t)
			rng := rand.New(rand.NewPCG(2, 3))
			const calls = 120
			naps := make([]int, calls)
			for i := range naps {
				naps[i] = 5 + rng.IntN(20)
			}
			var wg sync.WaitGroup
			var timedOut atomic.Int32
			sem := make(chan struct{}, 12)
			for i := range calls {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					want := "t-" + strconv.Itoa(i)
					res, err := s.CallTool(ctx, "nap", map[string]any{"text": want, "ms": naps[i]}, &CallOptions{Timeout: 15 * time.Millisecond})
					var te *TimeoutError
					switch {
					case errors.As(err, &te):
						timedOut.Add(1)
					case err != nil:
						t.Errorf("CallTool(nap %d ms) error = %v, want nil or a *TimeoutError", naps[i], err)
					case res.Text() != want && !res.IsError:
						t.Errorf("CallTool(nap %q) = %q: a result was misrouted", want, res.Text())
					}
				}()
			}
			wg.Wait()
			if n := pendingCount(s); n != 0 {
				t.Errorf("requests still pending = %d, want 0", n)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping after the timeouts: %v", err)
			}
			t.Logf("%d of %d timed out", timedOut.Load(), calls)
		})
	}
}

// TestAttackOpenCloseLoop opens and closes many sessions, some with a call
// racing Close: no goroutine may survive them.
func TestAttackOpenCloseLoop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	type variant struct {
		name string
		mode testserver.HTTPOptions
		opts *SessionOptions
	}
	variants := []variant{
		{"json-deferred-get", testserver.HTTPOptions{}, nil},
		{"json-open-get", testserver.HTTPOptions{}, &SessionOptions{OnToolsChanged: func() {}}},
		{"sse", testserver.HTTPOptions{SSEResponses: true}, nil},
		{"modern-json", testserver.HTTPOptions{Mode: testserver.HTTPModern}, nil},
		{"http+sse", testserver.HTTPOptions{Mode: testserver.HTTPLegacySSE}, nil},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{napTool(), echoTool()}}, v.mode)
			ctx := testContext(t)
			for i := range 12 {
				s, err := f.dial(t, nil, v.opts)
				if err != nil {
					t.Fatalf("Connect #%d: %v", i, err)
				}
				if res, err := s.CallTool(ctx, "echo", map[string]string{"text": "x"}, nil); err != nil || res.Text() != "x" {
					t.Fatalf("CallTool #%d = %v, %v", i, res, err)
				}
				if i%2 == 0 {
					if _, err := s.ListTools(ctx); err != nil {
						t.Fatalf("ListTools #%d: %v", i, err)
					}
				}
				racing := make(chan error, 1)
				go func() {
					_, err := s.CallTool(ctx, "nap", map[string]any{"text": "y", "ms": 50}, nil)
					racing <- err
				}()
				time.Sleep(time.Duration(i%4) * time.Millisecond)
				s.Close()
				// Whether its error matches ErrClosed is the concern of
				// TestAttackCloseErrorsMatchErrClosed; here it must return.
				select {
				case <-racing:
				case <-time.After(10 * time.Second):
					t.Fatalf("a call racing Close #%d did not return", i)
				}
			}
			f.h.Close()
			f.hs.Close()
		})
	}
}

// hangingPeer is a server that completes the handshake and then never
// answers a tools/call or a notifications/cancelled POST until the client
// gives up on it.
func hangingPeer(t *testing.T) *mockPeer {
	return newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method == "tools/call" || m.Method == "notifications/cancelled" {
				p.hang(r)
				return true
			}
			return false
		}
	})
}

// TestAttackCancelUnresponsiveServer cancels, or times out, a call to a
// server that answers nothing after the handshake, not even the POST of
// notifications/cancelled. The call must return at once, as the README
// and Session.call promise ("the caller never waits on a server that
// ignores cancellation"). The request whose timeout restarts on progress
// takes the older path and shows what is expected.
func TestAttackCancelUnresponsiveServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   *CallOptions
		cancel bool // cancel the context after 100ms instead of timing out
		want   error
	}{
		{"ctx cancelled", &CallOptions{Timeout: 30 * time.Second}, true, context.Canceled},
		{"timeout", &CallOptions{Timeout: 100 * time.Millisecond}, false, ErrTimeout},
		{"timeout reset on progress", &CallOptions{Timeout: 100 * time.Millisecond, ResetTimeoutOnProgress: true}, false, ErrTimeout},
	}
	const limit = 2 * time.Second
	outcomes := make([]callOutcome, len(tests))
	sessions := make([]*Session, len(tests))
	for i := range tests {
		sessions[i] = hangingPeer(t).connect(t, nil, nil)
	}
	base := testContext(t)
	// The cases run at once, so that the hanging ones cost one limit.
	concurrently(len(tests), func(i int) {
		ctx, cancel := context.WithCancel(base)
		defer cancel()
		if tests[i].cancel {
			time.AfterFunc(100*time.Millisecond, cancel)
		}
		outcomes[i] = awaitOutcome(sessions[i], limit, func() error {
			_, err := sessions[i].CallTool(ctx, "slow", nil, tests[i].opts)
			return err
		})
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcomes[i].check(t, "CallTool to a server that ignores cancellation", limit, tt.want)
		})
	}
}

// TestAttackCancelDuringReinit cancels a call whose session expired and
// whose re-initialisation hangs: the call must still end with its context,
// not wait for the re-initialisation's own 30-second bound.
func TestAttackCancelDuringReinit(t *testing.T) {
	t.Parallel()
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			p.mu.Lock()
			inits := p.inits
			p.mu.Unlock()
			switch {
			case m.Method == "initialize" && inits > 1:
				p.hang(r)
				return true
			case m.Method == "tools/call":
				mockJSON(w, http.StatusNotFound, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"error":{"code":-32000,"message":"session not found"}}`)
				return true
			}
			return false
		}
	})
	s := p.connect(t, nil, nil)
	ctx, cancel := context.WithTimeout(testContext(t), 300*time.Millisecond)
	defer cancel()
	const limit = 2 * time.Second
	err, hung := awaitCall(s, limit, func() error {
		_, err := s.CallTool(ctx, "any", nil, nil)
		return err
	})
	switch {
	case hung:
		t.Errorf("CallTool cancelled during a hanging re-initialisation had not returned after %v (then Close ended it: %v)", limit, err)
	case !errors.Is(err, context.DeadlineExceeded):
		t.Errorf("CallTool error = %v, want context.DeadlineExceeded", err)
	}
}

// TestAttackWatcherBeforePOST lets the context end, or the timeout pass,
// while Exchange is still preparing the POST (here in a HeaderFunc that
// takes its time, as a token fetch does). The watcher's cancellation then
// finds no POST to abort; the call must still return with its context's
// error or a *TimeoutError instead of waiting for a server that never
// answers.
func TestAttackWatcherBeforePOST(t *testing.T) {
	t.Parallel()
	type slowKey struct{}
	tests := []struct {
		name   string
		cancel bool
		opts   *CallOptions
		want   error
	}{
		{"ctx cancelled in HeaderFunc", true, &CallOptions{Timeout: 30 * time.Second}, context.Canceled},
		{"timeout passes in HeaderFunc", false, &CallOptions{Timeout: 50 * time.Millisecond}, ErrTimeout},
	}
	const limit = 2500 * time.Millisecond
	outcomes := make([]callOutcome, len(tests))
	sessions := make([]*Session, len(tests))
	for i, tt := range tests {
		started, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
		f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{waitTool(started, cancelled)}}, testserver.HTTPOptions{})
		sessions[i] = f.connect(t, &HTTPTransport{HeaderFunc: func(ctx context.Context, h http.Header) error {
			if cancel, ok := ctx.Value(slowKey{}).(context.CancelFunc); ok {
				if tt.cancel {
					cancel()
				}
				time.Sleep(300 * time.Millisecond)
			}
			return nil
		}}, nil)
	}
	base := testContext(t)
	// The cases run at once, so that the hanging ones cost one limit.
	concurrently(len(tests), func(i int) {
		ctx, cancel := context.WithCancel(base)
		defer cancel()
		ctx = context.WithValue(ctx, slowKey{}, cancel)
		outcomes[i] = awaitOutcome(sessions[i], limit, func() error {
			_, err := sessions[i].CallTool(ctx, "wait", nil, tests[i].opts)
			return err
		})
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcomes[i].check(t, "CallTool whose watcher fired before its POST", limit, tt.want)
		})
	}
}

// TestAttackSlowStream has a tools/call stream that sends only keep-alive
// comments: the timeout, or the context, must end the call, the server must
// be told, and the stream must be closed.
func TestAttackSlowStream(t *testing.T) {
	streamEnded := make(chan struct{}, 4)
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method != "tools/call" {
				return false
			}
			defer func() { streamEnded <- struct{}{} }()
			mockSSE(w)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					io.WriteString(w, ": still working\n\n")
					w.(http.Flusher).Flush()
				case <-r.Context().Done():
					return true
				case <-p.quit:
					return true
				}
			}
		}
	})
	s := p.connect(t, nil, nil)
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool // cancel the context after 200ms
		want    error
	}{
		{"timeout", 200 * time.Millisecond, false, ErrTimeout},
		{"ctx cancelled", 30 * time.Second, true, context.Canceled},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			if tt.cancel {
				time.AfterFunc(200*time.Millisecond, cancel)
			}
			start := time.Now()
			_, err := s.CallTool(ctx, "slow", nil, &CallOptions{Timeout: tt.timeout})
			if !errors.Is(err, tt.want) {
				t.Errorf("CallTool error = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("CallTool took %v to notice its end", d)
			}
			select {
			case <-streamEnded:
			case <-time.After(5 * time.Second):
				t.Error("the server's stream was not closed after the call ended")
			}
			// The notification was written before the stream closed, but
			// the server may handle it a moment later.
			deadline := time.Now().Add(5 * time.Second)
			for p.count("notifications/cancelled") < i+1 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := p.count("notifications/cancelled"); n != i+1 {
				t.Errorf("notifications/cancelled POSTs = %d, want %d", n, i+1)
			}
		})
	}
}
