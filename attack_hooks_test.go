package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
	"go.uber.org/goleak"
)

// Attack tests on what surrounds a call over HTTP: the pooled watch of a
// call carried by Exchange, cancellation while the header hook is slow or
// failing, the shared header values, re-initialisation storms, the GET
// stream opened while the session closes, and event streams whose first
// event is malformed.

// echoArg returns arguments.text of a tools/call.
func echoArg(m mockMsg) string {
	var p struct {
		Arguments struct {
			Text string `json:"text"`
			MS   int    `json:"ms"`
		} `json:"arguments"`
	}
	json.Unmarshal(m.Params, &p)
	return p.Arguments.Text
}

// textResult is a tools/call result with one text item, answering id.
func textResult(id json.RawMessage, text string) string {
	b, _ := json.Marshal(text)
	return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"content":[{"type":"text","text":` + string(b) + `}]}}`
}

// TestAttack2CancelWhileHeaderFuncStalls cancels, or times out, a call
// waiting on a server that never answers it, at a moment when HeaderFunc
// has become slow (a token refresh) or fails (the token endpoint is down).
// The server answers notifications/cancelled at once. Session.call
// promises the caller returns within 100 ms of giving up when the server
// is slow; a HeaderFunc that stalls or fails for the notification must not
// hold the caller, let alone forever.
func TestAttack2CancelWhileHeaderFuncStalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fail    bool // HeaderFunc fails instead of stalling
		timeout bool // a 200ms timeout instead of a cancelled context
		want    error
	}{
		{"stall, ctx cancelled", false, false, context.Canceled},
		{"stall, timeout", false, true, ErrTimeout},
		{"fail, ctx cancelled", true, false, context.Canceled},
		{"fail, timeout", true, true, ErrTimeout},
	}
	const stall = 2 * time.Second
	// 200 ms of timeout or grace plus generous scheduling slack, well
	// below the stall.
	const bound = 1200 * time.Millisecond
	outcomes := make([]callOutcome, len(tests))
	sessions := make([]*Session, len(tests))
	slow := make([]*atomic.Bool, len(tests))
	started := make([]chan struct{}, len(tests))
	for i, tt := range tests {
		slow[i] = new(atomic.Bool)
		started[i] = make(chan struct{}, 1)
		st := started[i]
		p := newMockPeer(t, func(p *mockPeer) {
			p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
				if m.Method == "tools/call" {
					st <- struct{}{}
					p.hang(r)
					return true
				}
				return false
			}
		})
		flag := slow[i]
		sessions[i] = p.connect(t, &HTTPTransport{HeaderFunc: func(ctx context.Context, h http.Header) error {
			if !flag.Load() {
				return nil
			}
			if tt.fail {
				return errors.New("mcpclient: attack2: token endpoint down")
			}
			select {
			case <-time.After(stall):
			case <-ctx.Done():
			}
			return nil
		}}, nil)
	}
	base := testContext(t)
	concurrently(len(tests), func(i int) {
		ctx, cancel := context.WithCancel(base)
		defer cancel()
		opts := &CallOptions{Timeout: 30 * time.Second}
		if tests[i].timeout {
			opts.Timeout = 200 * time.Millisecond
		}
		go func() {
			select {
			case <-started[i]:
			case <-ctx.Done():
				return
			}
			// The request's own headers are out; later ones stall.
			slow[i].Store(true)
			if !tests[i].timeout {
				cancel()
			}
		}()
		outcomes[i] = awaitOutcome(sessions[i], 3*time.Second, func() error {
			_, err := sessions[i].CallTool(ctx, "slow", nil, opts)
			return err
		})
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outcomes[i]
			switch {
			case !o.check(t, "CallTool", 3*time.Second, tt.want):
			case o.elapsed > bound:
				t.Errorf("CallTool returned after %v, want within %v: the caller waited for HeaderFunc of notifications/cancelled", o.elapsed.Round(time.Millisecond), bound)
			}
		})
	}
}

// TestAttack2CancelStormSlowNotifications cancels many calls at once
// against a server that takes seconds to answer each notifications/
// cancelled: every caller must return within the cancellation grace plus
// scheduling, not after the server's answer, and the session must go on.
func TestAttack2CancelStormSlowNotifications(t *testing.T) {
	t.Parallel()
	const n = 24
	started := make(chan struct{}, n)
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			switch {
			case m.Method == "tools/call" && m.toolName() == "hang":
				started <- struct{}{}
				p.hang(r)
				return true
			case m.Method == "notifications/cancelled":
				select {
				case <-time.After(3 * time.Second):
				case <-r.Context().Done():
				case <-p.quit:
				}
				w.WriteHeader(http.StatusAccepted)
				return true
			}
			return false
		}
	})
	s := p.connect(t, nil, nil)
	base := testContext(t)
	ctx, cancel := context.WithCancel(base)
	elapsed := make([]time.Duration, n)
	errs := make([]error, n)
	var cancelledAt atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CallTool(ctx, "hang", nil, nil)
			elapsed[i] = time.Since(time.Unix(0, cancelledAt.Load()))
		}()
	}
	for i := range n {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d calls reached the server", i, n)
		}
	}
	cancelledAt.Store(time.Now().UnixNano())
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.Close()
		<-done
		t.Fatal("cancelled calls had not returned after 10s")
	}
	const bound = 1500 * time.Millisecond
	for i := range n {
		if !errors.Is(errs[i], context.Canceled) {
			t.Errorf("CallTool(%d) error = %v, want context.Canceled", i, errs[i])
		}
		if elapsed[i] > bound {
			t.Errorf("CallTool(%d) returned %v after cancel, want within %v", i, elapsed[i].Round(time.Millisecond), bound)
		}
	}
	res, err := s.CallTool(base, "after", nil, nil)
	if err != nil || res.Text() != "ok" {
		t.Errorf("CallTool(after a cancel storm) = %v, %v; want ok", res, err)
	}
}

// TestAttack2CancelledBeforeCall passes a context that already ended: the
// call must fail with its error and send nothing.
func TestAttack2CancelledBeforeCall(t *testing.T) {
	t.Parallel()
	p := newMockPeer(t, nil)
	s := p.connect(t, nil, nil)
	tests := []struct {
		name string
		ctx  func() context.Context
		want error
	}{
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
		{"deadline passed", func() context.Context {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			t.Cleanup(cancel)
			return ctx
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, opts := range []*CallOptions{nil, {ResetTimeoutOnProgress: true}} {
				if _, err := s.CallTool(tt.ctx(), "x", nil, opts); !errors.Is(err, tt.want) {
					t.Errorf("CallTool(opts %+v) error = %v, want %v", opts, err, tt.want)
				}
			}
		})
	}
	if n := p.count("tools/call"); n != 0 {
		t.Errorf("tools/call POSTs = %d, want 0", n)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("pending requests = %d, want 0", n)
	}
}

// TestAttack2ManyHeaderValues sends more distinct methods than the shared
// header values keep, at once, and a re-initialisation for every call, so
// that more than 64 session ids go by: each POST must carry the Mcp-Method
// of its own body and the current session id.
func TestAttack2ManyHeaderValues(t *testing.T) {
	t.Parallel()
	t.Run("methods", func(t *testing.T) {
		var bad atomic.Int64
		p := newMockPeer(t, func(p *mockPeer) {
			p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
				if got := r.Header.Get("Mcp-Method"); got != m.Method {
					bad.Add(1)
				}
				if m.ID != nil && m.Method != "initialize" {
					mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"method":"`+m.Method+`"}}`)
					return true
				}
				return false
			}
		})
		s := p.connect(t, nil, nil)
		ctx := testContext(t)
		const n = 150
		errs := make([]error, n)
		concurrently(n, func(i int) {
			method := "x/method-" + strconv.Itoa(i%100)
			var res struct{ Method string }
			if err := s.Request(ctx, method, nil, &res, nil); err != nil {
				errs[i] = err
			} else if res.Method != method {
				errs[i] = fmt.Errorf("result names %q", res.Method)
			}
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("Request(x/method-%d) error = %v, want nil", i%100, err)
			}
		}
		if b := bad.Load(); b != 0 {
			t.Errorf("POSTs whose Mcp-Method differs from their body = %d, want 0", b)
		}
	})
	t.Run("session ids", func(t *testing.T) {
		var mu sync.Mutex
		cur, issued := "", 0
		var wrong []string
		p := newMockPeer(t, func(p *mockPeer) {
			p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
				mu.Lock()
				defer mu.Unlock()
				sid := r.Header.Get("Mcp-Session-Id")
				switch {
				case m.Method == "initialize":
					issued++
					cur = "sess-" + strconv.Itoa(issued)
					w.Header().Set("Mcp-Session-Id", cur)
					return false // the default answer, but with this id
				case sid != cur || cur == "":
					if m.Method != "tools/call" {
						wrong = append(wrong, m.Method+" with "+sid)
					}
					http.Error(w, "no such session", http.StatusNotFound)
					return true
				case m.Method == "tools/call":
					// Answered once: the next call finds it expired.
					cur = ""
					mockJSON(w, http.StatusOK, textResult(m.ID, sid))
					return true
				}
				return false
			}
		})
		// The default answer sets its own id; override it after.
		p.post = wrapInitSid(p.post)
		s := p.connect(t, nil, nil)
		ctx := testContext(t)
		const calls = 80
		for i := range calls {
			res, err := s.CallTool(ctx, "who", nil, nil)
			if err != nil {
				t.Fatalf("CallTool #%d error = %v, want nil", i, err)
			}
			if want := "sess-" + strconv.Itoa(i+1); res.Text() != want {
				t.Errorf("CallTool #%d went with session %q, want %q", i, res.Text(), want)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if issued != calls {
			t.Errorf("initialize POSTs = %d, want %d", issued, calls)
		}
		if len(wrong) > 0 {
			t.Errorf("messages sent with a stale session id: %q", wrong)
		}
	})
}

// wrapInitSid answers initialize itself with the session id the inner hook
// set, since mockPeer's default answer sets its own.
func wrapInitSid(inner func(w http.ResponseWriter, r *http.Request, m mockMsg) bool) func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
	return func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
		if inner(w, r, m) {
			return true
		}
		if m.Method != "initialize" {
			return false
		}
		mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"protocolVersion":"2025-11-25",`+
			`"capabilities":{"tools":{}},"serverInfo":{"name":"mock","version":"1"}}}`)
		return true
	}
}

// TestAttack2ReinitStorm expires the session every few calls while many
// callers run. A request retries once after a 404, so one that finds two
// sessions in a row expired may fail; but its retry must carry the session
// that replaced the one refused, never that one again nor none, and one
// re-initialisation must serve all the callers that found the same session
// gone.
func TestAttack2ReinitStorm(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	cur, issued, answered, expiries := "", 0, 0, 0
	refused := make(map[string][]string) // request id -> session ids refused
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			mu.Lock()
			defer mu.Unlock()
			sid := r.Header.Get("Mcp-Session-Id")
			switch {
			case m.Method == "initialize":
				issued++
				cur = "storm-" + strconv.Itoa(issued)
				w.Header().Set("Mcp-Session-Id", cur)
				return false
			case sid != cur:
				if m.ID != nil {
					refused[string(m.ID)] = append(refused[string(m.ID)], sid)
				}
				http.Error(w, "no such session", http.StatusNotFound)
				return true
			case m.Method == "tools/call":
				answered++
				if answered%7 == 0 {
					cur = "expired"
					expiries++
				}
				mockJSON(w, http.StatusOK, textResult(m.ID, echoArg(m)))
				return true
			}
			return false
		}
	})
	p.post = wrapInitSid(p.post)
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	const callers, each = 16, 10
	errs := make(chan error, callers*each)
	concurrently(callers, func(i int) {
		for j := range each {
			text := fmt.Sprintf("%d-%d", i, j)
			res, err := s.CallTool(ctx, "echo", map[string]string{"text": text}, &CallOptions{Timeout: 20 * time.Second})
			if err == nil && res.Text() != text {
				err = fmt.Errorf("answer %q", res.Text())
			}
			if err != nil {
				errs <- fmt.Errorf("CallTool(echo %s) error = %w", text, err)
			}
		}
	})
	close(errs)
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for id, sids := range refused {
		if len(sids) > 2 {
			t.Errorf("request %s refused %d times (%q), want at most 2", id, len(sids), sids)
		}
		if len(sids) == 2 {
			twice++
			if sids[1] == sids[0] || sids[1] == "" {
				t.Errorf("request %s retried with session %q after %q was refused, want the new session", id, sids[1], sids[0])
			}
		}
	}
	failed := 0
	for err := range errs {
		failed++
		if failed > twice {
			t.Error(err, "; want nil: its request was not refused twice")
		}
	}
	if issued > expiries+1 {
		t.Errorf("initialize POSTs = %d after %d expiries, want at most %d", issued, expiries, expiries+1)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("pending requests = %d, want 0", n)
	}
	t.Logf("%d expiries, %d requests refused twice, %d calls failed", expiries, twice, failed)
}

// TestAttack2SSEAnswerAfterMalformedEvent answers a call with an event
// stream whose first event is not a usable message and whose second is
// the response: the call must get that response.
func TestAttack2SSEAnswerAfterMalformedEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		first func(id json.RawMessage) string
	}{
		{"not JSON", func(json.RawMessage) string { return "{not json" }},
		{"truncated response", func(id json.RawMessage) string { return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":{` }},
		{"response without result", func(id json.RawMessage) string { return `{"jsonrpc":"2.0","id":` + string(id) + `}` }},
		{"response of another version", func(id json.RawMessage) string { return `{"jsonrpc":"1.0","id":` + string(id) + `,"result":{}}` }},
		{"response with both members", func(id json.RawMessage) string {
			return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":{},"error":{"code":1,"message":"x"}}`
		}},
		{"empty batch", func(json.RawMessage) string { return `[]` }},
		{"batch of garbage", func(json.RawMessage) string { return `[1,"a",null]` }},
		{"a notification", func(json.RawMessage) string { return `{"jsonrpc":"2.0","method":"notifications/other"}` }},
		{"response to another id", func(json.RawMessage) string { return textResult(json.RawMessage("999999"), "wrong") }},
	}
	byName := make(map[string]func(json.RawMessage) string)
	for _, tt := range tests {
		byName[tt.name] = tt.first
	}
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method != "tools/call" {
				return false
			}
			mockSSE(w, sseData(byName[m.toolName()](m.ID)), sseData(textResult(m.ID, "right")))
			return true
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, opts := range []*CallOptions{nil, {ResetTimeoutOnProgress: true}} {
				res, err := s.CallTool(ctx, tt.name, nil, opts)
				if err != nil || res.Text() != "right" {
					t.Errorf("CallTool(opts %+v) = %v, %v; want right", opts, res, err)
				}
			}
		})
	}
}

// TestAttack2CloseRacesStreamOpeners closes sessions while Subscribe,
// SetLogLevel, ListTools and calls with progress open the deferred GET
// stream, which the server answers late or never: everything must return
// promptly and nothing may outlive the sessions.
func TestAttack2CloseRacesStreamOpeners(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tests := []struct {
		name string
		get  func(p *mockPeer, w http.ResponseWriter, r *http.Request)
	}{
		{"stream opens and idles", func(p *mockPeer, w http.ResponseWriter, r *http.Request) {
			mockSSE(w)
			p.hang(r)
		}},
		{"no answer", func(p *mockPeer, w http.ResponseWriter, r *http.Request) { p.hang(r) }},
		{"refused", func(p *mockPeer, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusMethodNotAllowed)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *mockPeer
			p = newMockPeer(t, func(mp *mockPeer) {
				mp.get = func(w http.ResponseWriter, r *http.Request) { tt.get(p, w, r) }
			})
			ctx := testContext(t)
			for round := range 12 {
				tr := &HTTPTransport{URL: p.hs.URL + "/mcp"}
				s, err := Connect(ctx, tr, &SessionOptions{ProtocolVersion: Version20251125})
				if err != nil {
					t.Fatalf("round %d: Connect error = %v", round, err)
				}
				ops := []func() error{
					func() error { return s.Subscribe(ctx, "file:///a") },
					func() error { return s.SetLogLevel(ctx, "debug") },
					func() error { _, err := s.ListTools(ctx); return err },
					func() error {
						_, err := s.CallTool(ctx, "p", nil, &CallOptions{OnProgress: func(Progress) {}})
						return err
					},
				}
				var wg sync.WaitGroup
				hung := make(chan int, len(ops))
				for i, op := range ops {
					wg.Add(1)
					go func() {
						defer wg.Done()
						done := make(chan struct{})
						go func() { op(); close(done) }()
						select {
						case <-done:
						case <-time.After(5 * time.Second):
							hung <- i
							<-done
						}
					}()
				}
				time.Sleep(time.Duration(round%4) * 2 * time.Millisecond)
				closed := make(chan struct{})
				go func() { s.Close(); close(closed) }()
				select {
				case <-closed:
				case <-time.After(5 * time.Second):
					t.Fatalf("round %d: Close while the GET stream opens had not returned after 5s", round)
				}
				wg.Wait()
				close(hung)
				for i := range hung {
					t.Errorf("round %d: operation %d had not returned 5s after Close began", round, i)
				}
			}
		})
	}
}

// TestAttack2WatchPoolChurn runs many calls whose timeouts expire around
// the moment their answers come, so that pooled watches are returned while
// their timers fire and reused at once: every call must get its own answer
// or a timeout, and the session must be left clean.
func TestAttack2WatchPoolChurn(t *testing.T) {
	t.Parallel()
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method != "tools/call" {
				return false
			}
			text := echoArg(m)
			n, _ := strconv.Atoi(text)
			time.Sleep(time.Duration(n%4) * time.Millisecond)
			mockJSON(w, http.StatusOK, textResult(m.ID, text))
			return true
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	const workers, each = 8, 40
	errs := make(chan error, workers*each)
	var answered, timedOut atomic.Int64
	concurrently(workers, func(i int) {
		for j := range each {
			text := strconv.Itoa(i*each + j)
			cctx, cancel := context.WithCancel(ctx)
			if j%3 == 0 {
				time.AfterFunc(time.Duration(j%4)*time.Millisecond, cancel)
			}
			res, err := s.CallTool(cctx, "echo", map[string]string{"text": text}, &CallOptions{Timeout: time.Duration(1+j%3) * time.Millisecond})
			cancel()
			switch {
			case err == nil && res.Text() == text:
				answered.Add(1)
			case err == nil:
				errs <- fmt.Errorf("CallTool(echo %s) = %q, want its own text", text, res.Text())
			case errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled):
				timedOut.Add(1)
			default:
				errs <- fmt.Errorf("CallTool(echo %s) error = %v, want nil, ErrTimeout or context.Canceled", text, err)
			}
		}
	})
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res, err := s.CallTool(ctx, "echo", map[string]string{"text": "last"}, nil)
	if err != nil || res.Text() != "last" {
		t.Errorf("CallTool(echo last) after the churn = %v, %v; want last", res, err)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("pending requests = %d, want 0", n)
	}
	t.Logf("answered %d, timed out or cancelled %d", answered.Load(), timedOut.Load())
}

// TestAttack2ModernCancelWhileHeaderFuncFails is the failing HeaderFunc of
// TestAttack2CancelWhileHeaderFuncStalls in 2026-07-28, where closing the
// stream is the whole cancellation and no notification is even posted:
// the call must still end with its context.
func TestAttack2ModernCancelWhileHeaderFuncFails(t *testing.T) {
	t.Parallel()
	started, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
	f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{waitTool(started, cancelled)}}, testserver.HTTPOptions{Mode: testserver.HTTPModern})
	var failing atomic.Bool
	s := f.connect(t, &HTTPTransport{HeaderFunc: func(ctx context.Context, h http.Header) error {
		if failing.Load() {
			return errors.New("mcpclient: attack2: token endpoint down")
		}
		return nil
	}}, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	go func() {
		select {
		case <-started:
		case <-ctx.Done():
			return
		}
		failing.Store(true)
		cancel()
	}()
	const bound = 2 * time.Second
	err, hung := awaitCall(s, bound, func() error {
		_, err := s.CallTool(ctx, "wait", nil, nil)
		return err
	})
	switch {
	case hung:
		t.Errorf("CallTool had not returned %v after its context ended (then Close ended it: %v), want context.Canceled at once", bound, err)
	case !errors.Is(err, context.Canceled):
		t.Errorf("CallTool error = %v, want context.Canceled", err)
	}
}
