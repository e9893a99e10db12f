package mcpclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// Attack tests on the streams of an HTTP session: session expiry, the GET
// stream opened on demand, answers and progress on the wrong stream.

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
