package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

func echoTool() testserver.Tool {
	return testserver.Tool{
		Name:        "echo",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}}}`),
		Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			var in struct{ Text string }
			json.Unmarshal(c.Arguments, &in)
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(in.Text)}}, nil
		},
	}
}

// blockTool reports progress every tick until cancelled or n ticks passed.
func blockTool(name string, n int, tick time.Duration) testserver.Tool {
	return testserver.Tool{
		Name: name,
		Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			for i := 1; i <= n; i++ {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(tick):
				}
				c.Progress(float64(i), float64(n), "")
			}
			return &testserver.Result{Content: []json.RawMessage{testserver.Text("done")}}, nil
		},
	}
}

func TestNegotiation(t *testing.T) {
	tests := []struct {
		server []string
		pin    string
		want   string
		err    error
	}{
		{server: nil, want: Version20251125},
		{server: []string{Version20250618}, want: Version20250618},
		{server: []string{Version20250326}, want: Version20250326},
		{server: []string{Version20241105}, want: Version20241105},
		{server: []string{"2099-01-01"}, err: ErrUnsupportedVersion},
		{server: []string{Version20251125, Version20241105}, pin: Version20241105, want: Version20241105},
		{server: []string{Version20251125}, pin: Version20241105, err: ErrUnsupportedVersion},
		{server: nil, pin: "1999-01-01", err: ErrUnsupportedVersion},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/pin=%s", tt.server, tt.pin), func(t *testing.T) {
			srv := testserver.New(testserver.Options{ProtocolVersions: tt.server})
			s, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, &SessionOptions{ProtocolVersion: tt.pin})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Connect error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.ProtocolVersion(); got != tt.want {
				t.Errorf("ProtocolVersion() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestListToolsPagesAndCache(t *testing.T) {
	var tools []testserver.Tool
	for i := range 25 {
		tl := echoTool()
		tl.Name = fmt.Sprintf("tool%02d", i)
		tools = append(tools, tl)
	}
	changed := make(chan struct{}, 1)
	s, srv := inProcess(t, testserver.Options{Tools: tools, PageSize: 4}, &SessionOptions{
		OnToolsChanged: func() { changed <- struct{}{} },
	})
	ctx := testContext(t)
	got, err := s.ListTools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 || got[0].Name != "tool00" || got[24].Name != "tool24" {
		t.Fatalf("ListTools() = %d tools, want 25 in order", len(got))
	}
	again, _ := s.ListTools(ctx)
	if &again[0] != &got[0] {
		t.Error("second ListTools() fetched again; want the cached list")
	}

	srv.SetTools(tools[:3])
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("OnToolsChanged not called after list_changed")
	}
	got, err = s.ListTools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("ListTools() after list_changed = %d tools, want 3", len(got))
	}
}

func TestRepeatedCursorIsAnError(t *testing.T) {
	tools := []testserver.Tool{echoTool(), blockTool("b", 1, 0), blockTool("c", 1, 0)}
	s, _ := inProcess(t, testserver.Options{Tools: tools, PageSize: 1, Faults: testserver.Faults{RepeatCursor: true}}, nil)
	_, err := s.ListTools(testContext(t))
	if !errors.Is(err, ErrRepeatedCursor) {
		t.Fatalf("ListTools() error = %v, want ErrRepeatedCursor", err)
	}
}

func TestCallToolConcurrent(t *testing.T) {
	s, _ := inProcess(t, testserver.Options{Tools: []testserver.Tool{echoTool()}}, nil)
	ctx := testContext(t)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("message %d", i)
			res, err := s.CallTool(ctx, "echo", map[string]string{"text": want}, nil)
			if err != nil {
				errs <- err
				return
			}
			if got := res.Text(); got != want {
				errs <- fmt.Errorf("CallTool(%q) = %q", want, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestProgressReachesCallback(t *testing.T) {
	s, _ := inProcess(t, testserver.Options{Tools: []testserver.Tool{blockTool("work", 5, time.Millisecond)}}, nil)
	var mu sync.Mutex
	var seen []float64
	res, err := s.CallTool(testContext(t), "work", nil, &CallOptions{OnProgress: func(p Progress) {
		mu.Lock()
		seen = append(seen, p.Progress)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text() != "done" {
		t.Errorf("result = %q, want done", res.Text())
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seen) != "[1 2 3 4 5]" {
		t.Errorf("progress seen = %v, want [1 2 3 4 5]", seen)
	}
}

func TestCancelSendsNotificationAndReturnsAtOnce(t *testing.T) {
	cancelled := make(chan struct{})
	tool := testserver.Tool{Name: "wait", Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	}}
	s, _ := inProcess(t, testserver.Options{Tools: []testserver.Tool{tool}}, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := s.CallTool(ctx, "wait", nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CallTool error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("CallTool returned %v after cancel, want at once", d)
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the server's handler was never cancelled: notifications/cancelled not sent")
	}
	// The session is still usable.
	if err := s.Ping(testContext(t)); err != nil {
		t.Errorf("Ping after cancel: %v", err)
	}
}

func TestTimeouts(t *testing.T) {
	// Margins are wide because the test machine may be loaded: a step
	// takes 20ms against a 500ms timeout.
	tools := []testserver.Tool{blockTool("slow", 50, 20*time.Millisecond), blockTool("silent", 1, time.Hour)}
	s, _ := inProcess(t, testserver.Options{Tools: tools}, &SessionOptions{RequestTimeout: 500 * time.Millisecond})
	ctx := testContext(t)

	// Progress comes every 20ms, so a timeout reset by progress lets the
	// call of a second or more finish.
	res, err := s.CallTool(ctx, "slow", nil, &CallOptions{ResetTimeoutOnProgress: true})
	if err != nil || res.Text() != "done" {
		t.Fatalf("with reset on progress: %v, %v; want done", res, err)
	}
	// Without reset, the default timeout ends it.
	_, err = s.CallTool(ctx, "slow", nil, nil)
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("without reset: error = %v, want a TimeoutError", err)
	}
	// The hard cap wins over progress.
	_, err = s.CallTool(ctx, "slow", nil, &CallOptions{ResetTimeoutOnProgress: true, MaxTimeout: 700 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("with a 700ms cap: error = %v, want ErrTimeout", err)
	}
	// A per-call timeout overrides the default.
	start := time.Now()
	_, err = s.CallTool(ctx, "silent", nil, &CallOptions{Timeout: 20 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("with a 20ms timeout: error = %v after %v", err, time.Since(start))
	}
}

func TestServerRequestsAreAnswered(t *testing.T) {
	s, srv := inProcess(t, testserver.Options{}, nil)
	_ = s
	ctx := testContext(t)
	res, err := srv.Request(ctx, "ping", nil)
	if err != nil || string(res) != "{}" {
		t.Fatalf("server ping = %s, %v; want {}", res, err)
	}
	_, err = srv.Request(ctx, "sampling/createMessage", map[string]any{"messages": []any{}})
	var rpcErr *testserver.RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Code != CodeMethodNotFound {
		t.Fatalf("unsupported server request error = %v, want method not found", err)
	}
}

func TestStringIDsFromServer(t *testing.T) {
	// Case: a server echoes numeric id 0 as "0"; the request still resolves.
	s, _ := inProcess(t, testserver.Options{Tools: []testserver.Tool{echoTool()}, Faults: testserver.Faults{StringIDs: true}}, nil)
	res, err := s.CallTool(testContext(t), "echo", map[string]string{"text": "hi"}, nil)
	if err != nil || res.Text() != "hi" {
		t.Fatalf("CallTool = %v, %v; want hi", res, err)
	}
}

func TestRequestIDMatching(t *testing.T) {
	tests := []struct {
		raw  string
		want int64
		ok   bool
	}{
		{`0`, 0, true},
		{`"0"`, 0, true},
		{`17`, 17, true},
		{`"17"`, 17, true},
		{`"00"`, 0, false},
		{`"zero"`, 0, false},
		{`"+1"`, 0, false},
		{`1.0`, 0, false},
		{`null`, 0, false},
		{`"-0"`, 0, false},
	}
	for _, tt := range tests {
		got, ok := requestID(json.RawMessage(tt.raw))
		if got != tt.want || ok != tt.ok {
			t.Errorf("requestID(%s) = %d, %v; want %d, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCrashFailsPendingCalls(t *testing.T) {
	tools := []testserver.Tool{blockTool("wait", 1, time.Hour)}
	s, _ := inProcess(t, testserver.Options{Tools: tools, Faults: testserver.Faults{CrashAfterCalls: 3}}, nil)
	ctx := testContext(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CallTool(ctx, "wait", nil, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var ce *ConnectionError
		if !errors.As(err, &ce) || !errors.Is(err, ErrClosed) {
			t.Errorf("call %d error = %v, want a ConnectionError", i, err)
		}
	}
	if _, err := s.CallTool(ctx, "wait", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("call after crash error = %v, want ErrClosed", err)
	}
	<-s.Done()
}

func TestCloseFailsPendingAndIsIdempotent(t *testing.T) {
	s, _ := inProcess(t, testserver.Options{Tools: []testserver.Tool{blockTool("wait", 1, time.Hour)}}, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := s.CallTool(context.Background(), "wait", nil, nil)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("pending call error = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
}

func TestToolResultContentTypes(t *testing.T) {
	raw := `{"content":[
		{"type":"text","text":"hello"},
		{"type":"image","data":"iVBORw0KGgo=","mimeType":"image/png"},
		{"type":"audio","data":"AAAA","mimeType":"audio/wav"},
		{"type":"resource_link","uri":"file:///a.txt","name":"a.txt","description":"A file"},
		{"type":"resource","resource":{"uri":"file:///b.txt","mimeType":"text/plain","text":"bee"}},
		{"type":"resource","resource":{"uri":"file:///c.bin","mimeType":"application/octet-stream","blob":"AAEC"}},
		{"type":"hologram","depth":3}],
		"structuredContent":{"n":1},"isError":false}`
	var res CallToolResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatal(err)
	}
	keepUnknownContent(json.RawMessage(raw), res.Content) // as CallTool does
	if len(res.Content) != 7 {
		t.Fatalf("decoded %d contents, want 7", len(res.Content))
	}
	if got := string(res.Content[6].Raw); !strings.Contains(got, `"depth":3`) {
		t.Errorf("unknown content Raw = %s, want the original item", got)
	}
	msg, extra := resultToMessages("c1", "f", &res, false)
	for _, want := range []string{"hello", "[image (image/png", "[audio (audio/wav", "file:///a.txt", "A file", "bee", "[binary resource file:///c.bin", "hologram"} {
		if !strings.Contains(msg.Content, want) {
			t.Errorf("tool message lacks %q:\n%s", want, msg.Content)
		}
	}
	if extra != nil {
		t.Errorf("images off: extra message = %+v, want none", extra)
	}
}
