package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/streamable"
	"github.com/mcpclient/mcpclient/internal/testserver"
	"go.uber.org/goleak"
)

// The tests in this file attack the HTTP transport: requests carried on
// their callers' goroutines, watchers that cancel them, the reader that runs
// only when the connection signals, the GET stream opened on demand, and
// the hand-written decoding of results. Peers that misbehave in ways the
// test server cannot are written here as mockPeer hooks.

// mockMsg is what a mock peer needs of one POSTed message.
type mockMsg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// toolName returns params.name, the tool a tools/call names.
func (m mockMsg) toolName() string {
	var p struct {
		Name string `json:"name"`
	}
	json.Unmarshal(m.Params, &p)
	return p.Name
}

// mockPeer is a hand-written Streamable HTTP server of the 2025-11-25 era.
// Unless a hook took the request first, it answers initialize with a
// session id and tools.listChanged, notifications with 202, GET with 405,
// tools/list with one tool and any other request with the text "ok". Hooks
// are set before the server starts and must be safe for concurrent use.
type mockPeer struct {
	hs   *httptest.Server
	quit chan struct{} // closed at cleanup, so that hanging handlers return

	// raw sees each request before its body is read.
	raw func(w http.ResponseWriter, r *http.Request) bool
	// post sees each POSTed message.
	post func(w http.ResponseWriter, r *http.Request, m mockMsg) bool
	// get answers GET; nil answers 405.
	get func(w http.ResponseWriter, r *http.Request)

	mu      sync.Mutex
	methods []string // JSON-RPC methods POSTed, oldest first
	inits   int      // initialize POSTs so far
}

// newMockPeer starts a mock peer on loopback after setup has set its hooks.
func newMockPeer(t *testing.T, setup func(p *mockPeer)) *mockPeer {
	t.Helper()
	p := &mockPeer{quit: make(chan struct{})}
	if setup != nil {
		setup(p)
	}
	p.hs = httptest.NewServer(http.HandlerFunc(p.serve))
	// Cleanups run last first: hanging handlers are released before the
	// server waits for them.
	t.Cleanup(p.hs.Close)
	t.Cleanup(func() { close(p.quit) })
	return p
}

// serve answers one request: the hooks first, then the defaults.
func (p *mockPeer) serve(w http.ResponseWriter, r *http.Request) {
	if p.raw != nil && p.raw(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		if p.get != nil {
			p.get(w, r)
			return
		}
		http.Error(w, "no GET stream", http.StatusMethodNotAllowed)
		return
	case http.MethodDelete:
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var m mockMsg
	if json.Unmarshal(body, &m) != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.methods = append(p.methods, m.Method)
	if m.Method == "initialize" {
		p.inits++
	}
	p.mu.Unlock()
	if p.post != nil && p.post(w, r, m) {
		return
	}
	switch {
	case m.Method == "initialize":
		w.Header().Set("Mcp-Session-Id", "mock-1")
		mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"protocolVersion":"2025-11-25",`+
			`"capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"mock","version":"1"}}}`)
	case m.ID == nil:
		w.WriteHeader(http.StatusAccepted)
	case m.Method == "tools/list":
		mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"tools":[{"name":"one","inputSchema":{"type":"object"}}]}}`)
	default:
		mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"content":[{"type":"text","text":"ok"}]}}`)
	}
}

// count returns how many POSTs carried the JSON-RPC method.
func (p *mockPeer) count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.methods {
		if m == method {
			n++
		}
	}
	return n
}

// hang waits until the client gives up on r or the test ends.
func (p *mockPeer) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-p.quit:
	}
}

// connect opens a 2025-11-25 session to the peer, closed with the test.
func (p *mockPeer) connect(t *testing.T, tr *HTTPTransport, opts *SessionOptions) *Session {
	t.Helper()
	if tr == nil {
		tr = &HTTPTransport{}
	}
	tr.URL = p.hs.URL + "/mcp"
	var o SessionOptions
	if opts != nil {
		o = *opts
	}
	o.ProtocolVersion = Version20251125
	s, err := Connect(testContext(t), tr, &o)
	if err != nil {
		t.Fatalf("Connect(mock peer) error = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mockJSON writes body as an application/json answer.
func mockJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// mockSSE starts an event stream and writes each event, flushing after
// each one.
func mockSSE(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for _, ev := range events {
		io.WriteString(w, ev)
		w.(http.Flusher).Flush()
	}
}

// sseData is one event carrying data.
func sseData(data string) string { return "data: " + data + "\n\n" }

// progressNote is a progress notification for the request with raw id,
// which the session sends as its progress token.
func progressNote(id json.RawMessage) string {
	return `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":` + string(id) + `,"progress":1,"total":2}}`
}

// pendingCount returns how many requests the session still waits for.
func pendingCount(s *Session) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// concurrently runs f(0) to f(n-1) at once and waits for all of them.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

// awaitCall runs f and returns its error. When f has not returned within
// limit, it reports hung and closes s, which must release f, so that
// nothing outlives the test. It may run on any goroutine.
func awaitCall(s *Session, limit time.Duration, f func() error) (err error, hung bool) {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err = <-done:
		return err, false
	case <-time.After(limit):
	}
	s.Close()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		err = errors.New("mcpclient: attack: the call did not return even after Close")
	}
	return err, true
}

// gateTool reports every call on started and then waits for its context.
func gateTool(name string, started chan<- struct{}) testserver.Tool {
	return testserver.Tool{
		Name: name,
		Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			started <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		},
	}
}

// napTool sleeps for the "ms" argument, or until cancelled, then answers
// with its "text" argument.
func napTool() testserver.Tool {
	return testserver.Tool{
		Name: "nap",
		Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			var in struct {
				Text string
				MS   int
			}
			json.Unmarshal(c.Arguments, &in)
			t := time.NewTimer(time.Duration(in.MS) * time.Millisecond)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-t.C:
			}
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(in.Text)}}, nil
		},
	}
}

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

// TestAttackExpiryDuringCalls expires the server's session while calls wait
// on it, with the GET stream deferred, opened at the handshake or opened on
// demand by ListTools: the calls in flight must end
// (with an answer or an error) instead of hanging, later calls must work on
// a new session, and a deferred stream must stay unopened.
func TestAttackExpiryDuringCalls(t *testing.T) {
	for _, sse := range []bool{false, true} {
		for _, get := range []string{"deferred", "at handshake", "on demand"} {
			t.Run(fmt.Sprintf("sse=%v/get %s", sse, get), func(t *testing.T) {
				const n = 8
				started := make(chan struct{}, n)
				f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{gateTool("gate", started), echoTool()}},
					testserver.HTTPOptions{SSEResponses: sse, Retry: 10 * time.Millisecond})
				var opts *SessionOptions
				if get == "at handshake" {
					opts = &SessionOptions{OnToolsChanged: func() {}}
				}
				s := f.connect(t, nil, opts)
				ctx := testContext(t)
				if get == "on demand" {
					// The server announces tools.listChanged: a kept list
					// opens the stream.
					if _, err := s.ListTools(ctx); err != nil {
						t.Fatal(err)
					}
				}
				openGET := get != "deferred"
				errs := make(chan error, n)
				for range n {
					go func() {
						_, err := s.CallTool(ctx, "gate", nil, &CallOptions{Timeout: 30 * time.Second})
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
				if got := f.h.ExpireSessions(); got != 1 {
					t.Fatalf("ExpireSessions() = %d, want 1", got)
				}
				for i := range n {
					select {
					case err := <-errs:
						var te *TimeoutError
						if errors.As(err, &te) {
							t.Errorf("call %d in flight at expiry waited for its timeout: %v", i, err)
						}
					case <-time.After(10 * time.Second):
						t.Fatalf("%d of %d calls in flight at expiry still wait after 10s", n-i, n)
					}
				}
				for i := range 4 {
					res, err := s.CallTool(ctx, "echo", map[string]string{"text": strconv.Itoa(i)}, nil)
					if err != nil || res.Text() != strconv.Itoa(i) {
						t.Fatalf("CallTool(echo %d) after expiry = %v, %v", i, res, err)
					}
				}
				if got := f.count(http.MethodPost, "initialize"); got != 2 {
					t.Errorf("initialize POSTs = %d, want 2", got)
				}
				// GETs that resume a request's broken event stream carry
				// Last-Event-ID; the others open the standalone stream.
				gets := 0
				for _, r := range f.h.Requests() {
					if r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") == "" {
						gets++
					}
				}
				if !openGET && gets != 0 {
					t.Errorf("GET requests with the stream deferred = %d, want 0", gets)
				}
				if openGET && gets < 2 {
					t.Errorf("GET requests with the stream open = %d, want at least 2 (reopened for the new session)", gets)
				}
				if n := pendingCount(s); n != 0 {
					t.Errorf("requests still pending = %d, want 0", n)
				}
			})
		}
	}
}

// listChangedAfter wraps a fixture's handler so that the server changes its
// tools right after it answered a tools/list POST.
type listChangedAfter struct {
	h     http.Handler
	srv   *testserver.Server
	tools []testserver.Tool
	once  sync.Once
}

// ServeHTTP serves r with the wrapped handler, then changes the tools once
// after the first tools/list.
func (l *listChangedAfter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.h.ServeHTTP(w, r)
	if r.Method == http.MethodPost && strings.Contains(string(body), `"tools/list"`) {
		l.once.Do(func() { l.srv.SetTools(l.tools) })
	}
}

// TestAttackListChangedRightAfterListTools has the server change its tools
// the moment it answered the first tools/list, on a session whose GET
// stream ListTools opens on demand: the cached list must not stay stale.
func TestAttackListChangedRightAfterListTools(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			srv := testserver.New(testserver.Options{Tools: testserver.DemoTools()})
			h := testserver.NewHTTPHandler(srv, testserver.HTTPOptions{SSEResponses: sse})
			wrap := &listChangedAfter{h: h, srv: srv, tools: append(testserver.DemoTools(), echoTool())}
			hs := httptest.NewServer(wrap)
			t.Cleanup(hs.Close)
			t.Cleanup(h.Close)
			s, err := Connect(testContext(t), &HTTPTransport{URL: hs.URL + "/mcp"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			ctx := testContext(t)
			tools, err := s.ListTools(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tools) != 5 && len(tools) != 6 {
				t.Fatalf("first ListTools = %d tools, want 5 or 6", len(tools))
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(tools) != 6 {
				if time.Now().After(deadline) {
					t.Fatalf("ListTools still returns %d tools 10s after the server changed to 6: list_changed was lost", len(tools))
				}
				time.Sleep(10 * time.Millisecond)
				if tools, err = s.ListTools(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestAttackConcurrentFirstListTools starts two ListTools at once on a
// session whose GET stream is deferred. The server answers the GET slowly
// and, like real servers, drops notifications that have no stream to go
// to. OpenServerStream promises that the stream is answered before the
// session depends on it; here one of the two callers fetches the list
// before the stream exists, so a change the server makes in between would
// never reach the kept list.
func TestAttackConcurrentFirstListTools(t *testing.T) {
	var getAnswered atomic.Bool
	var listsBeforeGET atomic.Int32
	listArrived := make(chan struct{}, 4)
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method == "tools/list" && !getAnswered.Load() {
				listsBeforeGET.Add(1)
				select {
				case listArrived <- struct{}{}:
				default:
				}
			}
			return false
		}
		p.get = func(w http.ResponseWriter, r *http.Request) {
			// Answer once a tools/list came first, or after a while.
			select {
			case <-listArrived:
			case <-time.After(1500 * time.Millisecond):
			case <-p.quit:
				return
			}
			getAnswered.Store(true)
			mockSSE(w)
			p.hang(r)
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.ListTools(ctx); err != nil {
				t.Errorf("ListTools: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := listsBeforeGET.Load(); n != 0 {
		t.Errorf("tools/list POSTs before the GET stream was answered = %d, want 0: a concurrent first ListTools did not wait for the stream", n)
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
	type outcome struct {
		err  error
		hung bool
	}
	outcomes := make([]outcome, len(tests))
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
		err, hung := awaitCall(sessions[i], limit, func() error {
			_, err := sessions[i].CallTool(ctx, "slow", nil, tests[i].opts)
			return err
		})
		outcomes[i] = outcome{err, hung}
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outcomes[i]
			switch {
			case o.hung:
				t.Errorf("CallTool to a server that ignores cancellation had not returned after %v (then Close ended it: %v)", limit, o.err)
			case !errors.Is(o.err, tt.want):
				t.Errorf("CallTool error = %v, want %v", o.err, tt.want)
			}
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
	type outcome struct {
		err  error
		hung bool
	}
	outcomes := make([]outcome, len(tests))
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
		err, hung := awaitCall(sessions[i], limit, func() error {
			_, err := sessions[i].CallTool(ctx, "wait", nil, tests[i].opts)
			return err
		})
		outcomes[i] = outcome{err, hung}
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outcomes[i]
			switch {
			case o.hung:
				t.Errorf("CallTool whose watcher fired before its POST had not returned after %v (then Close ended it: %v)", limit, o.err)
			case !errors.Is(o.err, tt.want):
				t.Errorf("CallTool error = %v, want %v", o.err, tt.want)
			}
		})
	}
}

// malformedCase is one way of answering a tools/call badly (or oddly but
// validly). want is the text of a call that must succeed; empty means the
// call must fail, and fail before its timeout.
type malformedCase struct {
	name   string
	answer func(w http.ResponseWriter, id string)
	want   string
}

// jsonAnswer answers with one body, ID replaced by the request's raw id.
func jsonAnswer(status int, body string) func(w http.ResponseWriter, id string) {
	return func(w http.ResponseWriter, id string) {
		mockJSON(w, status, strings.ReplaceAll(body, "ID", id))
	}
}

// sseAnswer answers with an event stream of the given events, ID replaced
// by the request's raw id; the stream ends after them.
func sseAnswer(events ...string) func(w http.ResponseWriter, id string) {
	return func(w http.ResponseWriter, id string) {
		evs := make([]string, len(events))
		for i, ev := range events {
			evs[i] = strings.ReplaceAll(ev, "ID", id)
		}
		mockSSE(w, evs...)
	}
}

var malformedCases = []malformedCase{
	{"json not JSON", jsonAnswer(200, `{not json`), ""},
	{"json truncated", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{"content":[`), ""},
	{"json without jsonrpc", jsonAnswer(200, `{"id":ID,"result":{"content":[]}}`), ""},
	{"json jsonrpc 1.0", jsonAnswer(200, `{"jsonrpc":"1.0","id":ID,"result":{"content":[]}}`), ""},
	{"json wrong id", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID000,"result":{"content":[]}}`), ""},
	{"json null id error", jsonAnswer(200, `{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"x"}}`), ""},
	{"json result and error", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{},"error":{"code":1,"message":"x"}}`), ""},
	{"json error code a string", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"error":{"code":"x","message":"y"}}`), ""},
	{"json error a string", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"error":"boom"}`), ""},
	{"json result a number", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":5}`), ""},
	{"json result malformed inside", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":1}]}}`), ""},
	{"json result invalid JSON", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{"content":tru}}`), ""},
	{"json empty body", jsonAnswer(200, ``), ""},
	{"json 202", jsonAnswer(202, ``), ""},
	{"json 500 page", func(w http.ResponseWriter, id string) { http.Error(w, "<html>oops</html>", 500) }, ""},
	{"json 400 with rpc error", jsonAnswer(400, `{"jsonrpc":"2.0","id":ID,"error":{"code":-32602,"message":"bad"}}`), ""},
	{"text/plain", func(w http.ResponseWriter, id string) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[]}}`)
	}, ""},
	{"json batch empty", jsonAnswer(200, `[]`), ""},
	{"json batch malformed", jsonAnswer(200, `[{"jsonrpc":"2.0","id":ID,"result":{}},]`), ""},
	{"json batch without jsonrpc", jsonAnswer(200, `[{"id":ID,"result":{"content":[]}}]`), ""},
	{"json batch error key cased", jsonAnswer(200, `[{"jsonrpc":"2.0","id":ID,"result":{},"Error":{"code":1,"message":"x"}}]`), ""},
	{"json escaped result key", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"resul\u0074":{"content":[{"type":"text","text":"esc"}]}}`), "esc"},
	{"json id as string", jsonAnswer(200, `{"jsonrpc":"2.0","id":"ID","result":{"content":[{"type":"text","text":"str"}]}}`), "str"},
	{"json batch with progress", jsonAnswer(200, `[`+progressNote(json.RawMessage("ID"))+`,{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"batch"}]}}]`), "batch"},
	{"json duplicate answer", jsonAnswer(200, `[{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"dup"}]}},{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"second"}]}}]`), "dup"},
	{"sse no events", sseAnswer(), ""},
	{"sse malformed then end", sseAnswer(sseData(`{not json`)), ""},
	{"sse unknown event type", sseAnswer("event: other\n" + sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[]}}`)), ""},
	{"sse first without jsonrpc", sseAnswer(sseData(`{"id":ID,"result":{"content":[]}}`)), ""},
	{"sse progress then without jsonrpc", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"id":ID,"result":{"content":[]}}`)), ""},
	{"sse progress then error code a string", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"jsonrpc":"2.0","id":ID,"error":{"code":"x","message":"y"}}`)), ""},
	{"sse progress then error key cased", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"jsonrpc":"2.0","id":ID,"result":{},"Error":{"code":1,"message":"x"}}`)), ""},
	{"sse progress then answer", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"late"}]}}`)), "late"},
	{"sse answer twice", sseAnswer(sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"once"}]}}`), sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"twice"}]}}`)), "once"},
	{"sse split lines and CR", sseAnswer("data: {\"jsonrpc\":\"2.0\",\r\ndata: \"id\":ID,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"split\"}]}}\r\r"), "split"},
	{"sse broken then resume refused", sseAnswer("retry: 10\n\n", "id: e1\n"+sseData(progressNote(json.RawMessage("ID")))), ""},
}

// TestAttackMalformedAnswers answers tools/call in every broken way listed
// above, concurrently on one session: each call must fail promptly (not
// wait for its timeout) or, for the odd but valid answers, succeed; and the
// session must work afterwards with nothing left pending.
func TestAttackMalformedAnswers(t *testing.T) {
	t.Parallel()
	byName := make(map[string]malformedCase)
	for _, c := range malformedCases {
		byName[c.name] = c
	}
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method != "tools/call" {
				return false
			}
			c, ok := byName[m.toolName()]
			if !ok {
				return false
			}
			c.answer(w, string(m.ID))
			return true
		}
		p.get = func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Last-Event-ID") != "" {
				http.Error(w, "session not found", http.StatusNotFound)
				return
			}
			http.Error(w, "no GET stream", http.StatusMethodNotAllowed)
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	// The calls run at once, so that the hanging ones cost one timeout.
	const timeout = 3 * time.Second
	type outcome struct {
		res  *CallToolResult
		err  error
		took time.Duration
	}
	outcomes := make([]outcome, len(malformedCases))
	concurrently(len(malformedCases), func(i int) {
		start := time.Now()
		res, err := s.CallTool(ctx, malformedCases[i].name, nil, &CallOptions{Timeout: timeout})
		outcomes[i] = outcome{res, err, time.Since(start)}
	})
	for i, c := range malformedCases {
		t.Run(c.name, func(t *testing.T) {
			res, err, took := outcomes[i].res, outcomes[i].err, outcomes[i].took
			switch {
			case c.want != "" && (err != nil || res.Text() != c.want):
				t.Errorf("CallTool = %v, %v; want %q", res, err, c.want)
			case c.want != "":
			case err == nil:
				t.Errorf("CallTool = %+v, want an error", res)
			case errors.Is(err, ErrTimeout) || took >= timeout:
				t.Errorf("CallTool waited for its timeout (%v): %v; a malformed answer must fail its call at once", took.Round(time.Millisecond), err)
			}
		})
	}
	if res, err := s.CallTool(ctx, "fine", nil, nil); err != nil || res.Text() != "ok" {
		t.Errorf("CallTool after the malformed answers = %v, %v; want ok", res, err)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("requests still pending = %d, want 0", n)
	}
	if err := s.Err(); err != nil {
		t.Errorf("session ended: %v", err)
	}
}

// resultCases are tools/call results, as sent, that CallTool must decode
// exactly as encoding/json does: escapes, Unicode, unknown content types,
// odd keys and members.
var resultCases = []string{
	`{"content":[{"type":"text","text":"plain"}]}`,
	`{"content":[{"type":"text","text":"caf\u00e9 \ud83d\ude00 \/ \" \\ \t \b \f \r \n"}]}`,
	`{"content":[{"type":"text","text":"lone \ud800 surrogate"}]}`,
	"{\"content\":[{\"type\":\"text\",\"text\":\"raw \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}]}",
	"{\"content\":[{\"type\":\"text\",\"text\":\"invalid \xff\xfe utf-8\"}]}",
	"{\"content\":[{\"type\":\"text\",\"text\":\"line sep \xe2\x80\xa8 and nul \\u0000\"}]}",
	`{"content":[{"type":"widget","text":"w","extra":{"a":[1,2,{"b":null}]}}]}`,
	`{"content":[{"type":"text","text":"a"},{"type":"widget","payload":"x"},{"type":"image","data":"AAAA","mimeType":"image/png"}]}`,
	`{"content":[{"type":"te\u0078t","text":"escaped type"}]}`,
	`{"content":[{"type":"","text":"no type"}]}`,
	`{"content":[{"text":"type missing"}]}`,
	`{"content":[{"type":"text","TEXT":"cased key"}]}`,
	`{"content":[{"type":"text","text":"a","_meta":{"k":"v"},"annotations":{"priority":1}}]}`,
	`{"conten\u0074":[{"type":"text","text":"escaped key"}]}`,
	`{"Content":[{"type":"text","text":"cased"}],"ISERROR":true}`,
	`{"content":[{"type":"text","text":"x"}],"isError":true,"structuredContent":{"n":1e400}}`,
	`{"content":[{"type":"text","text":"x"}],"structuredContent":{"big":12345678901234567890123}}`,
	`{"content":[{"type":"text","text":"x"}],"_meta":{"a":"\u00e9"},"structuredContent":[1,"two",null]}`,
	`{"isError":false,"content":[]}`,
	"{\n\t\"content\" :\r\n[ {\"type\" : \"text\" ,\n\"text\":\"spaced\" } ] \n}",
	`{"content":[{"type":"text","text":"dup"}],"content":[{"type":"text","text":"second"}]}`,
	`{"content":[{"type":"text","text":"x"}],"isError":1}`,
	`{"content":[{"type":"resource","resource":{"uri":"file:///a","text":"body \u00e9"}}]}`,
	`{"content":[{"type":"resource_link","uri":"file:///b","name":"b","size":42}]}`,
}

// randomResult builds a tools/call result from pieces that stress the
// hand-read path: escapes, raw and invalid UTF-8, cased and repeated keys,
// unknown members and types, and whitespace anywhere.
func randomResult(rng *rand.Rand) string {
	strs := []string{`""`, `"plain"`, `"q\"uote"`, `"back\\slash"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\udc00"`,
		`"tab\tnl\n"`, "\"raw \xc3\xa9\"", "\"bad \xc3\"", `"\/"`, `"a b c"`, "\"\xe2\x80\xa8\""}
	types := []string{`"text"`, `"text"`, `"text"`, `"image"`, `"widget"`, `""`, `"te\u0078t"`, `"Text"`}
	itemKeys := []string{`"type"`, `"text"`, `"text"`, `"type"`, `"annotations"`, `"TEXT"`, `"te\u0078t"`, `"_meta"`, `"data"`}
	values := []string{`null`, `true`, `1`, `{"a":[1,{"b":"c"}]}`, `[]`, `"s"`}
	ws := func() string {
		if rng.IntN(4) == 0 {
			return []string{" ", "\n", "\t", "\r\n "}[rng.IntN(4)]
		}
		return ""
	}
	item := func() string {
		var b strings.Builder
		b.WriteString("{" + ws())
		n := 1 + rng.IntN(3)
		for k := range n {
			if k > 0 {
				b.WriteString("," + ws())
			}
			key := itemKeys[rng.IntN(len(itemKeys))]
			b.WriteString(key + ws() + ":" + ws())
			switch key {
			case `"type"`:
				b.WriteString(types[rng.IntN(len(types))])
			case `"annotations"`, `"_meta"`:
				b.WriteString(values[3])
			default:
				if rng.IntN(10) == 0 {
					b.WriteString(values[rng.IntN(len(values))])
				} else {
					b.WriteString(strs[rng.IntN(len(strs))])
				}
			}
			b.WriteString(ws())
		}
		b.WriteString("}")
		return b.String()
	}
	topKeys := []string{`"content"`, `"content"`, `"isError"`, `"_meta"`, `"structuredContent"`, `"other"`, `"Content"`, `"isERROR"`}
	var b strings.Builder
	b.WriteString(ws() + "{" + ws())
	n := rng.IntN(4)
	for k := range n {
		if k > 0 {
			b.WriteString("," + ws())
		}
		key := topKeys[rng.IntN(len(topKeys))]
		b.WriteString(key + ws() + ":" + ws())
		switch key {
		case `"content"`, `"Content"`:
			b.WriteString("[" + ws())
			for j := range rng.IntN(4) {
				if j > 0 {
					b.WriteString("," + ws())
				}
				b.WriteString(item())
			}
			b.WriteString(ws() + "]")
		case `"isError"`, `"isERROR"`:
			b.WriteString([]string{"true", "false", "null", `"yes"`}[rng.IntN(4)])
		default:
			b.WriteString(values[rng.IntN(len(values))])
		}
		b.WriteString(ws())
	}
	b.WriteString("}" + ws())
	return b.String()
}

// decodeLikeJSON is what CallTool must return for a result: encoding/json's
// decoding, with Raw holding the items of types this client does not know.
func decodeLikeJSON(raw string) (CallToolResult, error) {
	var res CallToolResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		return CallToolResult{}, err
	}
	var env struct {
		Content []json.RawMessage `json:"content"`
	}
	json.Unmarshal([]byte(raw), &env)
	for i := range res.Content {
		switch res.Content[i].Type {
		case "text", "image", "audio", "resource", "resource_link":
		default:
			res.Content[i].Raw = env.Content[i]
		}
	}
	return res, nil
}

// TestAttackResultDecoding sends listed and random tools/call results as
// JSON bodies and as events: what CallTool returns must be what
// encoding/json gives, and a result it cannot decode must fail the call.
func TestAttackResultDecoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	results := append([]string(nil), resultCases...)
	for range 300 {
		results = append(results, randomResult(rng))
	}
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			name := m.toolName()
			if m.Method != "tools/call" || len(name) < 2 {
				return false
			}
			i, err := strconv.Atoi(name[1:])
			if err != nil || i >= len(results) {
				return false
			}
			msg := `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":` + results[i] + `}`
			if name[0] == 's' {
				mockSSE(w, "data: "+strings.NewReplacer("\r\n", "\ndata: ", "\n", "\ndata: ", "\r", "\ndata: ").Replace(msg)+"\n\n")
			} else {
				mockJSON(w, http.StatusOK, msg)
			}
			return true
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	fast := 0
	// An event stream joins its data lines with LF, so the result arrives
	// with its line ends changed; Raw keeps them as they arrive.
	lineEnds := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	for i, raw := range results {
		var probe CallToolResult
		if fastCallToolResult([]byte(raw), &probe) {
			fast++
		}
		for _, prefix := range []string{"j", "s"} {
			sent := raw
			if prefix == "s" {
				sent = lineEnds.Replace(raw)
			}
			want, wantErr := decodeLikeJSON(sent)
			got, err := s.CallTool(ctx, prefix+strconv.Itoa(i), nil, &CallOptions{Timeout: 10 * time.Second})
			switch {
			case wantErr != nil && err == nil:
				t.Errorf("CallTool(%s) with result %q = %+v, want an error as encoding/json gives (%v)", prefix, raw, got, wantErr)
			case wantErr == nil && err != nil:
				t.Errorf("CallTool(%s) with result %q error = %v, want %+v", prefix, raw, err, want)
			case wantErr == nil:
				if diff := cmp.Diff(want, *got); diff != "" {
					t.Errorf("CallTool(%s) with result %q mismatch (-encoding/json +CallTool):\n%s", prefix, raw, diff)
				}
			}
		}
	}
	// The cases must reach the hand-read path, not only the fallback.
	if fast < 20 {
		t.Errorf("results taken by the hand-read path = %d, want at least 20", fast)
	}
}

// TestAttackAnswerOnGETStream has a server send the response to tools/call
// on its GET stream instead of the request's POST, which answers 202 or an
// empty event stream. Each call must end promptly, with that result or an
// error saying no response came, and exactly once.
func TestAttackAnswerOnGETStream(t *testing.T) {
	events := make(chan string, 64)
	p := newMockPeer(t, func(p *mockPeer) {
		p.get = func(w http.ResponseWriter, r *http.Request) {
			mockSSE(w)
			for {
				select {
				case ev := <-events:
					io.WriteString(w, ev)
					w.(http.Flusher).Flush()
				case <-r.Context().Done():
					return
				case <-p.quit:
					return
				}
			}
		}
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method != "tools/call" {
				return false
			}
			answer := sseData(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":{"content":[{"type":"text","text":"via get"}]}}`)
			switch m.toolName() {
			case "202 then get":
				w.WriteHeader(http.StatusAccepted)
				w.(http.Flusher).Flush()
				events <- answer
			case "empty stream then get":
				mockSSE(w)
				events <- answer
			case "get then 202":
				events <- answer
				time.Sleep(50 * time.Millisecond)
				w.WriteHeader(http.StatusAccepted)
			default:
				return false
			}
			return true
		}
	})
	// A notification hook opens the GET stream with the handshake.
	s := p.connect(t, nil, &SessionOptions{OnNotification: func(string, json.RawMessage) {}})
	ctx := testContext(t)
	for _, name := range []string{"202 then get", "empty stream then get", "get then 202"} {
		t.Run(name, func(t *testing.T) {
			for range 5 {
				res, err := s.CallTool(ctx, name, nil, &CallOptions{Timeout: 5 * time.Second})
				switch {
				case err == nil && res.Text() != "via get":
					t.Errorf("CallTool = %q, want via get", res.Text())
				case errors.Is(err, ErrTimeout):
					t.Errorf("CallTool waited for its timeout: %v", err)
				case err != nil && !errors.Is(err, streamable.ErrNoResponse) && !errors.Is(err, streamable.ErrStreamEnded):
					t.Errorf("CallTool error = %v, want the result or ErrNoResponse/ErrStreamEnded", err)
				}
			}
		})
	}
	if res, err := s.CallTool(ctx, "fine", nil, nil); err != nil || res.Text() != "ok" {
		t.Errorf("CallTool after answers on the GET stream = %v, %v; want ok", res, err)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("requests still pending = %d, want 0", n)
	}
}

// TestAttackProgressOnGETStream runs many calls with progress on a server
// that answers with JSON bodies, so that progress travels on the GET stream
// that the first such call opens: each callback must see only its own
// call's progress, and the stream must be opened once.
func TestAttackProgressOnGETStream(t *testing.T) {
	f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{})
	s := f.connect(t, nil, nil)
	ctx := testContext(t)
	const calls = 24
	concurrently(calls, func(i int) {
		steps := 1 + i%4
		var mu sync.Mutex
		var seen []Progress
		opts := &CallOptions{OnProgress: func(p Progress) {
			mu.Lock()
			seen = append(seen, p)
			mu.Unlock()
		}}
		if i%2 == 1 {
			// The path whose timeout restarts on progress.
			opts.ResetTimeoutOnProgress, opts.Timeout = true, 10*time.Second
		}
		res, err := s.CallTool(ctx, "slow_count", map[string]int{"steps": steps, "delay_ms": 2}, opts)
		if err != nil || res.Text() != "counted to "+strconv.Itoa(steps) {
			t.Errorf("CallTool(slow_count %d) = %v, %v", steps, res, err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) > steps {
			t.Errorf("call %d of %d steps saw %d progress notifications", i, steps, len(seen))
		}
		for _, p := range seen {
			if p.Total != float64(steps) {
				t.Errorf("call %d of %d steps saw progress %+v of another call", i, steps, p)
			}
		}
	})
	gets := 0
	for _, r := range f.h.Requests() {
		if r.Method == http.MethodGet {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("GET streams = %d, want 1", gets)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("requests still pending = %d, want 0", n)
	}
}

// TestAttackAnswerBeforeBody has the server answer a large tools/call
// after reading only the start of its body, once with a result and once
// with a 413 error: the call must end promptly and the session go on.
func TestAttackAnswerBeforeBody(t *testing.T) {
	p := newMockPeer(t, func(p *mockPeer) {
		p.raw = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPost || r.ContentLength < 1<<20 {
				return false
			}
			head := make([]byte, 128)
			n, _ := io.ReadFull(r.Body, head)
			// The session writes the id, the method and the tool's name
			// first: {"jsonrpc":"2.0","id":N,"method":"tools/call",...
			_, rest, _ := strings.Cut(string(head[:n]), `"id":`)
			id, _, _ := strings.Cut(rest, ",")
			if strings.Contains(string(head[:n]), `"refuse"`) {
				mockJSON(w, http.StatusRequestEntityTooLarge, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request too large"}}`)
				return true
			}
			mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[{"type":"text","text":"early"}]}}`)
			return true
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	big := strings.Repeat("x", 4<<20)
	args := json.RawMessage(`{"pad":"` + big + `"}`)
	tests := []struct {
		name    string // the tool, which tells the server how to answer
		want    string // the result's text; empty when the call must fail
		wantErr int64  // the RPC error code a failure should carry
	}{
		{"answer", "early", 0},
		{"refuse", "", -32600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, err := s.CallTool(ctx, tt.name, args, &CallOptions{Timeout: 10 * time.Second})
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("CallTool took %v", d)
			}
			var rpcErr *RPCError
			switch {
			case tt.want != "" && (err != nil || res.Text() != tt.want):
				t.Errorf("CallTool = %v, %v; want %q", res, err, tt.want)
			case tt.want == "" && (!errors.As(err, &rpcErr) || rpcErr.Code != tt.wantErr):
				t.Errorf("CallTool error = %v, want the server's RPC error %d", err, tt.wantErr)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping afterwards: %v", err)
			}
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

// TestAttackStringIDs runs concurrent calls against a server that echoes
// request ids as strings, with JSON and event-stream answers.
func TestAttackStringIDs(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{echoTool()}, Faults: testserver.Faults{StringIDs: true}},
				testserver.HTTPOptions{SSEResponses: sse})
			s := f.connect(t, nil, nil)
			ctx := testContext(t)
			concurrently(32, func(i int) {
				want := strconv.Itoa(i)
				res, err := s.CallTool(ctx, "echo", map[string]string{"text": want}, &CallOptions{Timeout: 10 * time.Second})
				if err != nil || res.Text() != want {
					t.Errorf("CallTool(echo %s) = %v, %v", want, res, err)
				}
			})
		})
	}
}

// TestAttackGETStreamGone breaks the GET stream and answers its
// reconnection with 404, as a server that lost the stream's session
// would, while calls go on: the session must neither end nor stall.
func TestAttackGETStreamGone(t *testing.T) {
	var gets atomic.Int32
	p := newMockPeer(t, func(p *mockPeer) {
		p.get = func(w http.ResponseWriter, r *http.Request) {
			if gets.Add(1) > 1 {
				http.Error(w, "session not found", http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "retry: 10\n\nid: g1\n"+sseData(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}`))
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
			panic(http.ErrAbortHandler)
		}
	})
	logs := make(chan LogMessage, 4)
	s := p.connect(t, nil, &SessionOptions{OnLog: func(m LogMessage) { logs <- m }})
	ctx := testContext(t)
	select {
	case <-logs:
	case <-time.After(5 * time.Second):
		t.Fatal("the log message on the GET stream never arrived")
	}
	deadline := time.Now().Add(5 * time.Second)
	for gets.Load() < 2 && time.Now().Before(deadline) {
		if res, err := s.CallTool(ctx, "any", nil, nil); err != nil || res.Text() != "ok" {
			t.Fatalf("CallTool while the GET stream is gone = %v, %v", res, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if gets.Load() < 2 {
		t.Fatal("the client never tried to reopen the GET stream")
	}
	if res, err := s.CallTool(ctx, "any", nil, nil); err != nil || res.Text() != "ok" {
		t.Errorf("CallTool after the GET stream's 404 = %v, %v", res, err)
	}
	if err := s.Err(); err != nil {
		t.Errorf("session ended: %v", err)
	}
}
