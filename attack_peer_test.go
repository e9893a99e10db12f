package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

// The attack tests (attack_*_test.go) try to break the HTTP transport:
// requests carried on their callers' goroutines, watchers that cancel them,
// the reader that runs only when the connection signals, the GET stream
// opened on demand, and the hand-written decoding of results. This file
// holds their shared helpers, among them mockPeer, for peers that misbehave
// in ways the test server cannot.

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

// callOutcome is how a call watched by awaitCall ended.
type callOutcome struct {
	err     error
	hung    bool // not returned within the limit: Close ended it
	elapsed time.Duration
}

// awaitOutcome runs f under awaitCall and times it.
func awaitOutcome(s *Session, limit time.Duration, f func() error) callOutcome {
	start := time.Now()
	err, hung := awaitCall(s, limit, f)
	return callOutcome{err, hung, time.Since(start)}
}

// check fails t when the call hung or ended with an error other than want,
// and reports whether it did neither. what describes the call.
func (o callOutcome) check(t *testing.T, what string, limit time.Duration, want error) bool {
	t.Helper()
	switch {
	case o.hung:
		t.Errorf("%s had not returned after %v (then Close ended it: %v)", what, limit, o.err)
	case !errors.Is(o.err, want):
		t.Errorf("%s: error = %v, want %v", what, o.err, want)
	default:
		return true
	}
	return false
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
