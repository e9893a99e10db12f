package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/npmtest"
	"github.com/mcpclient/mcpclient/internal/streamable"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// httpFixture is the test server behind its HTTP front end on loopback.
type httpFixture struct {
	srv *testserver.Server
	h   *testserver.HTTPHandler
	hs  *httptest.Server
	url string
}

func newHTTPFixture(t testing.TB, opts testserver.Options, hopts testserver.HTTPOptions) *httpFixture {
	t.Helper()
	srv := testserver.New(opts)
	h := testserver.NewHTTPHandler(srv, hopts)
	hs := httptest.NewServer(h)
	// Cleanups run last first: the handler ends its streams, then the
	// HTTP server can wait for its handlers.
	t.Cleanup(hs.Close)
	t.Cleanup(h.Close)
	return &httpFixture{srv: srv, h: h, hs: hs, url: hs.URL + "/mcp"}
}

// connect opens a session to the fixture; tr may preset transport fields.
func (f *httpFixture) connect(t testing.TB, tr *HTTPTransport, opts *SessionOptions) *Session {
	t.Helper()
	s, err := f.dial(t, tr, opts)
	if err != nil {
		t.Fatalf("Connect(%s) error = %v", f.url, err)
	}
	return s
}

func (f *httpFixture) dial(t testing.TB, tr *HTTPTransport, opts *SessionOptions) (*Session, error) {
	if tr == nil {
		tr = &HTTPTransport{}
	}
	if tr.URL == "" {
		tr.URL = f.url
	}
	s, err := Connect(testContext(t), tr, opts)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

// count returns how many requests the server got with the HTTP method and,
// when rpc is not empty, the JSON-RPC method.
func (f *httpFixture) count(method, rpc string) int {
	n := 0
	for _, r := range f.h.Requests() {
		if r.Method == method && (rpc == "" || r.RPCMethod == rpc) {
			n++
		}
	}
	return n
}

// httpModes are the transports and answer styles every session test runs on.
var httpModes = []struct {
	name     string
	opts     testserver.HTTPOptions
	version  string
	progress bool // progress notifications reach the client
}{
	// With JSON answers, progress travels on the GET stream and may lose
	// the race with the response, so it is not counted.
	{"streamable-json", testserver.HTTPOptions{}, Version20251125, false},
	{"streamable-sse", testserver.HTTPOptions{SSEResponses: true}, Version20251125, true},
	{"modern-json", testserver.HTTPOptions{Mode: testserver.HTTPModern}, "2026-07-28", false},
	{"modern-sse", testserver.HTTPOptions{Mode: testserver.HTTPModern, SSEResponses: true}, "2026-07-28", true},
	{"http+sse", testserver.HTTPOptions{Mode: testserver.HTTPLegacySSE}, Version20251125, true},
}

func httpConn(s *Session) *streamable.Conn { return s.conn.(*streamable.Conn) }

func TestHTTPSession(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools(), PageSize: 2}, mode.opts)
			s := f.connect(t, nil, nil)
			ctx := testContext(t)

			if got := s.ProtocolVersion(); got != mode.version {
				t.Errorf("ProtocolVersion() = %s, want %s", got, mode.version)
			}
			if got := s.ServerInfo().Name; got != "testserver" {
				t.Errorf("ServerInfo().Name = %q, want testserver", got)
			}
			if got, want := httpConn(s).Legacy(), mode.opts.Mode == testserver.HTTPLegacySSE; got != want {
				t.Errorf("Legacy() = %v, want %v", got, want)
			}

			tools, err := s.ListTools(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tools) != 5 {
				t.Errorf("ListTools() = %d tools, want 5", len(tools))
			}
			if n := f.count(http.MethodPost, "tools/list"); n != 3 {
				t.Errorf("tools/list POSTs = %d, want 3 pages", n)
			}

			res, err := s.CallTool(ctx, "add", map[string]int{"a": 2, "b": 3}, nil)
			if err != nil || res.Text() != "5" {
				t.Fatalf("CallTool(add 2 3) = %v, %v; want 5", res, err)
			}

			var mu sync.Mutex
			var seen []Progress
			res, err = s.CallTool(ctx, "slow_count", map[string]int{"steps": 3, "delay_ms": 5}, &CallOptions{OnProgress: func(p Progress) {
				mu.Lock()
				seen = append(seen, p)
				mu.Unlock()
			}})
			if err != nil || res.Text() != "counted to 3" {
				t.Fatalf("CallTool(slow_count) = %v, %v", res, err)
			}
			mu.Lock()
			if mode.progress && (len(seen) != 3 || seen[2].Progress != 3 || seen[2].Total != 3) {
				t.Errorf("progress = %+v, want 3 steps ending at 3/3", seen)
			}
			mu.Unlock()

			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := s.CallTool(ctx, "add", map[string]int{"a": i, "b": 1000}, nil)
					if err == nil && res.Text() != strconv.Itoa(i+1000) {
						err = fmt.Errorf("add(%d, 1000) = %s", i, res.Text())
					}
					if err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// waitTool signals each call on started and waits for cancellation, which
// it reports on cancelled.
func waitTool(started, cancelled chan<- struct{}) testserver.Tool {
	return testserver.Tool{
		Name: "wait",
		Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			started <- struct{}{}
			select {
			case <-ctx.Done():
				cancelled <- struct{}{}
				return nil, ctx.Err()
			case <-time.After(30 * time.Second):
				return nil, errors.New("mcpclient: wait: never cancelled")
			}
		},
	}
}

func TestHTTPCancel(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			started, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{waitTool(started, cancelled)}}, mode.opts)
			s := f.connect(t, nil, nil)
			ctx, cancel := context.WithCancel(testContext(t))
			go func() {
				<-started
				cancel()
			}()
			if _, err := s.CallTool(ctx, "wait", nil, nil); !errors.Is(err, context.Canceled) {
				t.Fatalf("CallTool(wait) error = %v, want context.Canceled", err)
			}
			select {
			case <-cancelled:
			case <-time.After(5 * time.Second):
				t.Fatal("the server's handler was not cancelled")
			}
			wantNotes := 1
			if mode.opts.Mode == testserver.HTTPModern {
				wantNotes = 0 // closing the stream is the cancellation
			}
			if n := f.count(http.MethodPost, "notifications/cancelled"); n != wantNotes {
				t.Errorf("notifications/cancelled POSTs = %d, want %d", n, wantNotes)
			}
			if err := s.Ping(testContext(t)); err != nil {
				t.Errorf("Ping after a cancelled call: %v", err)
			}
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	started, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
	f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{waitTool(started, cancelled), echoTool()}}, testserver.HTTPOptions{SSEResponses: true})
	s := f.connect(t, nil, nil)
	start := time.Now()
	_, err := s.CallTool(testContext(t), "wait", nil, &CallOptions{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("CallTool(wait) error = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout of 100ms returned after %v", d)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the server's handler was not cancelled after the timeout")
	}
	res, err := s.CallTool(testContext(t), "echo", map[string]string{"text": "after"}, nil)
	if err != nil || res.Text() != "after" {
		t.Errorf("CallTool(echo) after a timeout = %v, %v", res, err)
	}
}

// TestHTTPServerCrash checks that a call in flight when the server dies
// fails at once, and that the next call starts a new session.
func TestHTTPServerCrash(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools(), Faults: testserver.Faults{CrashAfterCalls: 2}},
				testserver.HTTPOptions{SSEResponses: sse, Retry: 10 * time.Millisecond})
			s := f.connect(t, nil, nil)
			ctx := testContext(t)
			if _, err := s.CallTool(ctx, "add", map[string]int{"a": 1, "b": 1}, nil); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := s.CallTool(ctx, "add", map[string]int{"a": 1, "b": 1}, nil)
			var re *streamable.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("CallTool during the crash error = %v, want a RequestError", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the failed call took %v", d)
			}
			res, err := s.CallTool(ctx, "add", map[string]int{"a": 40, "b": 2}, nil)
			if err != nil || res.Text() != "42" {
				t.Fatalf("CallTool after the crash = %v, %v; want 42 from a new session", res, err)
			}
			if n := f.count(http.MethodPost, "initialize"); n != 2 {
				t.Errorf("initialize POSTs = %d, want 2", n)
			}
		})
	}
}

func TestHTTPServerGone(t *testing.T) {
	f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{})
	s := f.connect(t, nil, nil)
	f.h.Close()
	f.hs.Close()
	start := time.Now()
	_, err := s.CallTool(testContext(t), "add", map[string]int{"a": 1, "b": 1}, nil)
	var re *streamable.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("CallTool to a stopped server error = %v, want a RequestError", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the failed call took %v", d)
	}
}

func TestHTTPListChanged(t *testing.T) {
	for _, mode := range httpModes {
		if mode.opts.Mode == testserver.HTTPModern && !mode.opts.SSEResponses {
			continue // the same listen stream as modern-sse
		}
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, mode.opts)
			changed := make(chan struct{}, 16)
			s := f.connect(t, nil, &SessionOptions{OnToolsChanged: func() { changed <- struct{}{} }})
			ctx := testContext(t)
			if _, err := s.ListTools(ctx); err != nil {
				t.Fatal(err)
			}
			more := append(testserver.DemoTools(), echoTool())
			waitChanged(t, f.srv, more, changed)
			tools, err := s.ListTools(ctx)
			if err != nil || len(tools) != 6 {
				t.Fatalf("ListTools after list_changed = %d tools, %v; want 6", len(tools), err)
			}
		})
	}
}

// waitChanged sets the server's tools until the client hears of it: the
// server-to-client stream may open a little after the handshake.
func waitChanged(t *testing.T, srv *testserver.Server, tools []testserver.Tool, changed <-chan struct{}) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		srv.SetTools(tools)
		select {
		case <-changed:
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("no notifications/tools/list_changed reached the client")
		}
	}
}

func TestHTTPSessionExpiry(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{SSEResponses: sse})
			changed := make(chan struct{}, 16)
			s := f.connect(t, nil, &SessionOptions{OnToolsChanged: func() { changed <- struct{}{} }})
			ctx := testContext(t)
			first := httpConn(s).SessionID()
			if first == "" {
				t.Fatal("no session id after the handshake")
			}
			if n := f.h.ExpireSessions(); n != 1 {
				t.Fatalf("ExpireSessions() = %d, want 1", n)
			}
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := s.CallTool(ctx, "add", map[string]int{"a": i, "b": 1}, nil)
					if err != nil || res.Text() != strconv.Itoa(i+1) {
						t.Errorf("CallTool(add %d 1) after expiry = %v, %v", i, res, err)
					}
				}()
			}
			wg.Wait()
			if n := f.count(http.MethodPost, "initialize"); n != 2 {
				t.Errorf("initialize POSTs = %d, want 2: one re-initialisation for all 20 calls", n)
			}
			second := httpConn(s).SessionID()
			if second == "" || second == first {
				t.Errorf("SessionID() after expiry = %q, want a new one (was %q)", second, first)
			}
			// The GET stream of the new session carries notifications.
			waitChanged(t, f.srv, append(testserver.DemoTools(), echoTool()), changed)
			s.Close()
			var deleted []string
			for _, r := range f.h.Requests() {
				if r.Method == http.MethodDelete {
					deleted = append(deleted, r.Header.Get("Mcp-Session-Id"))
				}
			}
			if !slices.Equal(deleted, []string{second}) {
				t.Errorf("DELETEs for sessions %q, want [%s]", deleted, second)
			}
		})
	}
}

// TestHTTPExpiryNoLoop checks that a message whose session keeps expiring
// is re-sent once, not forever.
func TestHTTPExpiryNoLoop(t *testing.T) {
	f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{
		Intercept: func(w http.ResponseWriter, r *http.Request, body []byte) bool {
			if r.Header.Get("Mcp-Session-Id") != "" && strings.Contains(string(body), `"tools/call"`) {
				http.Error(w, "session not found", http.StatusNotFound)
				return true
			}
			return false
		},
	})
	s := f.connect(t, nil, nil)
	_, err := s.CallTool(testContext(t), "add", map[string]int{"a": 1, "b": 1}, nil)
	var se *streamable.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
		t.Fatalf("CallTool error = %v, want a 404 StatusError", err)
	}
	if n := f.count(http.MethodPost, "tools/call"); n != 2 {
		t.Errorf("tools/call POSTs = %d, want 2 (the call and one re-send)", n)
	}
	if n := f.count(http.MethodPost, "initialize"); n != 2 {
		t.Errorf("initialize POSTs = %d, want 2", n)
	}
	if err := s.Ping(testContext(t)); err != nil {
		t.Errorf("Ping after the failed call: %v", err)
	}
}

func TestHTTPTransientStatus(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		want       time.Duration
	}{
		{http.StatusTooManyRequests, "2", 2 * time.Second},
		{http.StatusServiceUnavailable, "", 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()},
				testserver.HTTPOptions{FailPOSTs: 1, FailStatus: tt.status, RetryAfter: tt.retryAfter})
			s := f.connect(t, nil, nil)
			ctx := testContext(t)
			_, err := s.CallTool(ctx, "add", map[string]int{"a": 1, "b": 1}, nil)
			var se *streamable.StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.status || se.RetryAfter != tt.want || !se.Temporary() {
				t.Fatalf("first CallTool error = %v, want a temporary %d StatusError with RetryAfter %v", err, tt.status, tt.want)
			}
			res, err := s.CallTool(ctx, "add", map[string]int{"a": 1, "b": 1}, nil)
			if err != nil || res.Text() != "2" {
				t.Fatalf("second CallTool = %v, %v; want 2", res, err)
			}
			if s.Err() != nil {
				t.Errorf("session ended: %v", s.Err())
			}
		})
	}
}

func TestHTTPLegacyFallback(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{
				Mode: testserver.HTTPLegacySSE,
				Intercept: func(w http.ResponseWriter, r *http.Request, body []byte) bool {
					if r.Method == http.MethodPost && r.URL.Query().Get("sessionId") == "" {
						http.Error(w, "not here", status)
						return true
					}
					return false
				},
			})
			s := f.connect(t, nil, nil)
			if !httpConn(s).Legacy() {
				t.Fatal("Legacy() = false, want the HTTP+SSE transport")
			}
			res, err := s.CallTool(testContext(t), "get_weather", map[string]string{"city": "Oslo"}, nil)
			if err != nil || !strings.HasPrefix(res.Text(), "Oslo: ") {
				t.Fatalf("CallTool(get_weather) = %v, %v", res, err)
			}
		})
	}
	t.Run("disabled", func(t *testing.T) {
		f := newHTTPFixture(t, testserver.Options{}, testserver.HTTPOptions{Mode: testserver.HTTPLegacySSE})
		_, err := f.dial(t, &HTTPTransport{DisableLegacyFallback: true}, &SessionOptions{ProtocolVersion: Version20251125})
		var se *streamable.StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("Connect error = %v, want a 405 StatusError", err)
		}
		if n := f.count(http.MethodGet, ""); n != 0 {
			t.Errorf("GET requests = %d, want none", n)
		}
	})
}

func TestHTTPSameOrigin(t *testing.T) {
	// Each endpoint differs from the server's origin in one part. They are
	// refused before any request goes to them: none is ever contacted.
	tests := []struct {
		name     string
		endpoint func(host, port string) string
	}{
		{"other host", func(host, port string) string { return "http://127.0.0.2:" + port + "/message" }},
		{"other port", func(host, port string) string { return "http://" + host + ":1/message" }},
		{"other scheme", func(host, port string) string { return "https://" + host + ":" + port + "/message" }},
		{"scheme-relative", func(host, port string) string { return "//other.invalid/message" }},
		{"userinfo trick", func(host, port string) string { return "http://" + host + ":" + port + "@other.invalid/message" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int32
			var self atomic.Value
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					posts.Add(1)
					http.Error(w, "GET the stream", http.StatusMethodNotAllowed)
					return
				}
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "event: endpoint\ndata: %s\n\n", self.Load())
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}))
			defer hs.Close()
			host, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
			self.Store(tt.endpoint(host, port))
			_, err := Connect(testContext(t), &HTTPTransport{URL: hs.URL + "/sse"}, &SessionOptions{ProtocolVersion: Version20251125})
			if !errors.Is(err, streamable.ErrNotSameOrigin) {
				t.Fatalf("Connect with endpoint %s error = %v, want ErrNotSameOrigin", self.Load(), err)
			}
			if n := posts.Load(); n != 1 {
				t.Errorf("POSTs = %d, want only the refused Streamable one", n)
			}
		})
	}
}

func TestHTTPHeaders(t *testing.T) {
	f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{SSEResponses: true})
	var calls atomic.Int32
	type failKey struct{}
	rec := &logRecorder{}
	s := f.connect(t, &HTTPTransport{
		Headers:     http.Header{"X-Static": {"static"}, "X-Both": {"static"}},
		BearerToken: "s3cret-token",
		HeaderFunc: func(ctx context.Context, h http.Header) error {
			if ctx.Value(failKey{}) != nil {
				return errors.New("no credentials")
			}
			h.Set("X-Both", "func")
			h.Set("X-Call", strconv.Itoa(int(calls.Add(1))))
			h.Set("Mcp-Session-Id", "forged")
			return nil
		},
		Logger: slog.New(rec),
	}, &SessionOptions{Logger: slog.New(rec), OnNotification: func(string, json.RawMessage) {}}) // the hook opens the GET stream
	ctx := testContext(t)

	traced := streamable.WithHeaders(ctx, http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}})
	if _, err := s.CallTool(traced, "add", map[string]int{"a": 1, "b": 1}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.CallTool(context.WithValue(ctx, failKey{}, true), "add", map[string]int{"a": 1, "b": 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("CallTool with a failing HeaderFunc error = %v, want it to name the cause", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	sid := httpConn(s).SessionID()
	s.Close()

	reqs := f.h.Requests()
	var methods []string
	for _, r := range reqs {
		methods = append(methods, r.Method)
		checks := []struct{ name, want string }{
			{"Authorization", "Bearer s3cret-token"},
			{"X-Static", "static"},
			{"X-Both", "func"},
		}
		for _, c := range checks {
			if got := r.Header.Get(c.name); got != c.want {
				t.Errorf("%s %s (%s) header %s = %q, want %q", r.Method, r.URL, r.RPCMethod, c.name, got, c.want)
			}
		}
		if r.Header.Get("X-Call") == "" {
			t.Errorf("%s %s (%s) lacks the HeaderFunc header", r.Method, r.URL, r.RPCMethod)
		}
		if got := r.Header.Get("Mcp-Session-Id"); got == "forged" || (r.RPCMethod != "initialize" && r.RPCMethod != "server/discover" && got != sid) {
			t.Errorf("%s %s (%s) Mcp-Session-Id = %q, want the transport's %q", r.Method, r.URL, r.RPCMethod, got, sid)
		}
		wantTrace := r.RPCMethod == "tools/call"
		if got := r.Header.Get("Traceparent") != ""; got != wantTrace {
			t.Errorf("%s (%s) has Traceparent = %v, want %v", r.Method, r.RPCMethod, got, wantTrace)
		}
	}
	for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
		if !slices.Contains(methods, m) {
			t.Errorf("the server saw no %s; the header checks missed it", m)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, r := range rec.records {
		text := r.Message
		r.Attrs(func(a slog.Attr) bool {
			text += " " + a.String()
			return true
		})
		if strings.Contains(text, "s3cret") {
			t.Errorf("a log record shows the token: %s", text)
		}
	}
}

func TestHTTPDeleteOnClose(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{}, mode.opts)
			s := f.connect(t, nil, nil)
			sid := httpConn(s).SessionID()
			s.Close()
			want := 0
			if mode.opts.Mode == testserver.HTTPStreamable {
				want = 1
			}
			if n := f.count(http.MethodDelete, ""); n != want {
				t.Errorf("DELETEs = %d, want %d", n, want)
			}
			if want == 1 && f.h.Sessions() != 0 {
				t.Errorf("server still has %d sessions after DELETE of %s", f.h.Sessions(), sid)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		f := newHTTPFixture(t, testserver.Options{}, testserver.HTTPOptions{
			Intercept: func(w http.ResponseWriter, r *http.Request, body []byte) bool {
				if r.Method != http.MethodDelete {
					return false
				}
				<-r.Context().Done()
				return true
			},
		})
		s := f.connect(t, &HTTPTransport{CloseTimeout: 100 * time.Millisecond}, nil)
		start := time.Now()
		s.Close()
		if d := time.Since(start); d > time.Second {
			t.Errorf("Close with a hanging DELETE took %v, want about 100ms", d)
		}
	})
}

// bigTool answers with as many bytes of text as asked.
func bigTool() testserver.Tool {
	return testserver.Tool{
		Name: "big",
		Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			var in struct{ N int }
			json.Unmarshal(c.Arguments, &in)
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(strings.Repeat("x", in.N))}}, nil
		},
	}
}

func TestHTTPMaxMessageBytes(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{bigTool()}}, mode.opts)
			s := f.connect(t, &HTTPTransport{MaxMessageBytes: 8 << 10}, nil)
			ctx := testContext(t)
			res, err := s.CallTool(ctx, "big", map[string]int{"n": 6 << 10}, nil)
			if err != nil || len(res.Text()) != 6<<10 {
				t.Fatalf("CallTool(big 6 KiB) = %d bytes, %v", len(res.Text()), err)
			}
			for _, n := range []int{10 << 10, 64 << 10} {
				_, err = s.CallTool(ctx, "big", map[string]int{"n": n}, nil)
				if !errors.Is(err, ErrMessageTooLarge) {
					t.Fatalf("CallTool(big %d) error = %v, want ErrMessageTooLarge", n, err)
				}
				if mode.opts.Mode == testserver.HTTPLegacySSE && n == 64<<10 {
					// One stream carries everything: an event too
					// large to parse cannot be skipped.
					if !errors.Is(err, ErrClosed) {
						t.Errorf("over HTTP+SSE error = %v, want the end of the connection", err)
					}
					return
				}
				res, err = s.CallTool(ctx, "big", map[string]int{"n": 100}, nil)
				if err != nil || len(res.Text()) != 100 {
					t.Errorf("CallTool(big 100) after an answer of %d = %v, %v", n, res, err)
				}
			}
		})
	}
}

// TestHTTPResumption breaks every request's event stream early: the client
// must resume it with GET and Last-Event-ID.
func TestHTTPResumption(t *testing.T) {
	f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()},
		testserver.HTTPOptions{SSEResponses: true, DropAfter: 2, Retry: 10 * time.Millisecond, NoGETStream: false})
	s := f.connect(t, nil, nil)
	var n atomic.Int32
	res, err := s.CallTool(testContext(t), "slow_count", map[string]int{"steps": 4, "delay_ms": 20},
		&CallOptions{OnProgress: func(Progress) { n.Add(1) }})
	if err != nil || res.Text() != "counted to 4" {
		t.Fatalf("CallTool(slow_count) = %v, %v", res, err)
	}
	if n.Load() != 4 {
		t.Errorf("progress notifications = %d, want 4", n.Load())
	}
	resumed := 0
	for _, r := range f.h.Requests() {
		if r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") != "" {
			resumed++
		}
	}
	if resumed == 0 {
		t.Error("no GET with Last-Event-ID resumed a stream")
	}
}

func TestHTTPGetStreamRefused(t *testing.T) {
	f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{NoGETStream: true})
	s := f.connect(t, nil, &SessionOptions{OnToolsChanged: func() {}})
	res, err := s.CallTool(testContext(t), "add", map[string]int{"a": 1, "b": 2}, nil)
	if err != nil || res.Text() != "3" {
		t.Fatalf("CallTool = %v, %v", res, err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := f.count(http.MethodGet, ""); n != 1 {
		t.Errorf("GET attempts = %d, want 1: 405 means there is no stream", n)
	}
	if s.Err() != nil {
		t.Errorf("session ended: %v", s.Err())
	}
}

// everythingHTTP starts server-everything over HTTP; see npmtest.EverythingHTTP.
func everythingHTTP(t *testing.T, mode string) string { return npmtest.EverythingHTTP(t, mode) }

func TestHTTPEverythingServer(t *testing.T) {
	base := everythingHTTP(t, "streamableHttp")
	logs := make(chan LogMessage, 16)
	s, err := Connect(testContext(t), &HTTPTransport{URL: base + "/mcp"}, &SessionOptions{Name: "everything-http", OnLog: func(m LogMessage) {
		select {
		case logs <- m:
		default:
		}
	}})
	if err != nil {
		t.Fatalf("connect over Streamable HTTP: %v", err)
	}
	defer s.Close()
	ctx := testContext(t)
	if s.ServerInfo().Name == "" || s.ProtocolVersion() != Version20251125 || httpConn(s).SessionID() == "" {
		t.Errorf("handshake: server %+v, version %s, session %q", s.ServerInfo(), s.ProtocolVersion(), httpConn(s).SessionID())
	}

	t.Run("tools", func(t *testing.T) {
		tools, err := s.ListTools(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, tl := range tools {
			names[tl.Name] = true
		}
		for _, want := range []string{"echo", "get-sum", "trigger-long-running-operation", "toggle-simulated-logging"} {
			if !names[want] {
				t.Errorf("tools lack %q", want)
			}
		}
	})

	t.Run("log on the GET stream", func(t *testing.T) {
		// The server sends these log messages on its own, unrelated to
		// any request: they can only come on the GET stream.
		if _, err := s.CallTool(ctx, "toggle-simulated-logging", nil, nil); err != nil {
			t.Fatal(err)
		}
		defer s.CallTool(ctx, "toggle-simulated-logging", nil, nil)
		select {
		case m := <-logs:
			if !strings.Contains(string(m.Data), "message") {
				t.Errorf("log message = %+v", m)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no notifications/message within 15s")
		}
	})

	t.Run("echo", func(t *testing.T) {
		res, err := s.CallTool(ctx, "echo", map[string]string{"message": "hello over http"}, nil)
		if err != nil || !strings.Contains(res.Text(), "hello over http") {
			t.Fatalf("echo = %v, %v", res, err)
		}
	})

	t.Run("get-sum", func(t *testing.T) {
		res, err := s.CallTool(ctx, "get-sum", map[string]float64{"a": 19, "b": 23}, nil)
		if err != nil || !strings.Contains(res.Text(), "42") {
			t.Fatalf("get-sum(19, 23) = %v, %v; want 42", res, err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := s.CallTool(ctx, "get-sum", map[string]int{"a": i, "b": 1}, nil)
				if err != nil || !strings.Contains(res.Text(), strconv.Itoa(i+1)) {
					t.Errorf("get-sum(%d, 1) = %v, %v", i, res, err)
				}
			}()
		}
		wg.Wait()
	})
}

func TestHTTPEverythingServerSSE(t *testing.T) {
	base := everythingHTTP(t, "sse")
	s, err := Connect(testContext(t), &HTTPTransport{URL: base + "/sse"}, &SessionOptions{Name: "everything-sse"})
	if err != nil {
		t.Fatalf("connect over HTTP+SSE: %v", err)
	}
	defer s.Close()
	if !httpConn(s).Legacy() {
		t.Error("Legacy() = false, want the HTTP+SSE fallback")
	}
	ctx := testContext(t)
	res, err := s.CallTool(ctx, "echo", map[string]string{"message": "hello over sse"}, nil)
	if err != nil || !strings.Contains(res.Text(), "hello over sse") {
		t.Fatalf("echo = %v, %v", res, err)
	}
	res, err = s.CallTool(ctx, "get-sum", map[string]float64{"a": 40, "b": 2}, nil)
	if err != nil || !strings.Contains(res.Text(), "42") {
		t.Fatalf("get-sum(40, 2) = %v, %v; want 42", res, err)
	}
}

// BenchmarkCallToolHTTP measures tools/call over Streamable HTTP on
// loopback, JSON and SSE answers, with 1, 8 and 64 calls in flight. The
// server runs in the process, so allocations are both sides'.
//
//	go test -run '^$' -bench CallToolHTTP -benchmem
func BenchmarkCallToolHTTP(b *testing.B) {
	for _, sse := range []bool{false, true} {
		answer := "json"
		if sse {
			answer = "sse"
		}
		for _, inflight := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/inflight=%d", answer, inflight), func(b *testing.B) {
				f := newHTTPFixture(b, testserverDemo(), testserver.HTTPOptions{SSEResponses: sse})
				s := f.connect(b, nil, nil)
				benchCalls(b, s, inflight)
			})
		}
	}
}
