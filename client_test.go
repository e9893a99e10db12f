package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// startModel serves a fake model on loopback and returns it with the base
// URL a Client needs.
func startModel(t testing.TB, opts fakemodel.Options) (*fakemodel.Server, string) {
	t.Helper()
	fm := fakemodel.New(opts)
	return fm, serveModel(t, fm)
}

// serveModel serves h on loopback and returns its base URL, /v1 included.
func serveModel(t testing.TB, h http.Handler) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL + "/v1"
}

// newClient returns a client of the model at base, closed with the test.
// An empty Model in opts means "test-model".
func newClient(t testing.TB, base string, opts Options) *Client {
	t.Helper()
	opts.BaseURL = base
	if opts.Model == "" {
		opts.Model = "test-model"
	}
	c, err := NewClient(&opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wireLog keeps the bytes an MCP server received, so tests can check what
// the client really sent.
type wireLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *wireLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// mcpCall is one tools/call request as the server received it.
type mcpCall struct {
	Name      string
	Arguments string // raw JSON, exactly as sent; empty when absent
}

// toolCalls returns the tools/call requests received so far, in order.
func (l *wireLog) toolCalls(t testing.TB) []mcpCall {
	t.Helper()
	l.mu.Lock()
	data := bytes.Clone(l.buf.Bytes())
	l.mu.Unlock()
	var out []mcpCall
	for line := range bytes.Lines(data) {
		var m struct {
			Method string `json:"method"`
			Params struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"params"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("server received a line that is not JSON: %q", line)
		}
		if m.Method == "tools/call" {
			out = append(out, mcpCall{Name: m.Params.Name, Arguments: string(m.Params.Arguments)})
		}
	}
	return out
}

// addServer runs a test MCP server in process and connects c to it under
// name. The log records what the server received.
func addServer(t testing.TB, c *Client, name string, tools ...testserver.Tool) (*testserver.Server, *wireLog) {
	t.Helper()
	srv := testserver.New(testserver.Options{Name: name, Tools: tools})
	log := &wireLog{}
	tr := &InProcessTransport{Serve: func(ctx context.Context, r io.Reader, w io.Writer) error {
		return srv.Serve(ctx, io.TeeReader(r, log), w)
	}}
	if _, err := c.Connect(testContext(t), name, tr, nil); err != nil {
		t.Fatalf("Connect(%q): %v", name, err)
	}
	return srv, log
}

// textTool answers every call with text.
func textTool(name, text string) testserver.Tool {
	return testserver.Tool{
		Name:        name,
		InputSchema: json.RawMessage(`{"type":"object","properties":{}}`),
		Handler: func(context.Context, *testserver.Call) (*testserver.Result, error) {
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(text)}}, nil
		},
	}
}

// argsTool answers every call with its own arguments as text.
func argsTool(name string) testserver.Tool {
	return testserver.Tool{
		Name:        name,
		InputSchema: json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`),
		Handler: func(_ context.Context, c *testserver.Call) (*testserver.Result, error) {
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(string(c.Arguments))}}, nil
		},
	}
}

// call is a scripted tool call of the fake model.
func call(id, name, args string) fakemodel.ToolCall {
	return fakemodel.ToolCall{ID: id, Type: "function", Function: fakemodel.FunctionCall{Name: name, Arguments: args}}
}

// callStep is a scripted model reply asking for calls.
func callStep(calls ...fakemodel.ToolCall) fakemodel.Step {
	return fakemodel.Step{Message: &fakemodel.Message{ToolCalls: calls}}
}

// answerStep is a scripted model reply with text only.
func answerStep(text string) fakemodel.Step {
	return fakemodel.Step{Message: &fakemodel.Message{Content: text}}
}

// toolMessages returns the tool messages of a request after its last
// assistant message.
func toolMessages(req *fakemodel.Request) []fakemodel.RequestMessage {
	var out []fakemodel.RequestMessage
	for _, m := range req.Messages {
		switch m.Role {
		case "assistant":
			out = nil
		case "tool":
			out = append(out, m)
		}
	}
	return out
}

// requests returns what the fake model received, failing unless there are
// exactly n requests.
func requests(t testing.TB, fm *fakemodel.Server, n int) []*fakemodel.Request {
	t.Helper()
	reqs := fm.Requests()
	if len(reqs) != n {
		t.Fatalf("model received %d requests, want %d", len(reqs), n)
	}
	return reqs
}

// maxGauge counts goroutines inside a section and remembers the peak.
type maxGauge struct {
	cur, peak atomic.Int64
}

func (g *maxGauge) enter() int64 {
	n := g.cur.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return n
		}
	}
}

func (g *maxGauge) leave() { g.cur.Add(-1) }

func TestRunApprovalAndObserver(t *testing.T) {
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		callStep(call("c1", "srv__delete_all", `{}`), call("c2", "srv__read", `{}`), call("c3", "srv__nope", `{}`)),
		answerStep("ok"),
	}})
	var (
		mu       sync.Mutex
		asked    = map[string]bool{}
		observed = map[string]error{}
	)
	c := newClient(t, base, Options{
		ApproveToolCall: func(_ context.Context, ev *ToolCallEvent) error {
			destructive := ev.Annotations != nil && ev.Annotations.DestructiveHint != nil && *ev.Annotations.DestructiveHint
			mu.Lock()
			asked[ev.Tool] = destructive
			mu.Unlock()
			if ev.Result != nil || ev.Err != nil || ev.Duration != 0 {
				t.Errorf("ApproveToolCall(%s) saw Result/Err/Duration set: %+v", ev.Name, ev)
			}
			if destructive {
				return errors.New("destructive tools need a human")
			}
			return nil
		},
		OnToolCall: func(ev *ToolCallEvent) {
			mu.Lock()
			observed[ev.ID] = ev.Err
			mu.Unlock()
		},
	})
	destructive := textTool("delete_all", "deleted")
	destructive.Annotations = json.RawMessage(`{"destructiveHint":true}`)
	readOnly := textTool("read", "contents")
	readOnly.Annotations = json.RawMessage(`{"readOnlyHint":true,"destructiveHint":false}`)
	_, log := addServer(t, c, "srv", destructive, readOnly)

	res, err := c.Ask(testContext(t), "clean up")
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	if want := map[string]bool{"delete_all": true, "read": false}; !cmp.Equal(asked, want) {
		t.Errorf("ApproveToolCall saw destructiveHint %v, want %v", asked, want)
	}
	if got := log.toolCalls(t); !cmp.Equal(got, []mcpCall{{Name: "read", Arguments: "{}"}}) {
		t.Errorf("server received tools/call %+v, want only read", got)
	}
	if len(observed) != 3 {
		t.Errorf("OnToolCall saw %d calls, want 3: %v", len(observed), observed)
	}
	if !errors.Is(observed["c1"], ErrNotApproved) || observed["c2"] != nil || !errors.Is(observed["c3"], ErrUnknownTool) {
		t.Errorf("OnToolCall errors = %v, want c1 ErrNotApproved, c2 nil, c3 ErrUnknownTool", observed)
	}
	tools := toolMessages(requests(t, fm, 2)[1])
	if len(tools) != 3 || !strings.Contains(tools[0].Content, "not approved: destructive tools need a human") {
		t.Fatalf("tool messages = %+v, want c1 refused with the hook's reason", tools)
	}
	if tools[1].Content != "contents" {
		t.Errorf("tool message c2 = %q, want contents", tools[1].Content)
	}
	if got := res.ToolCalls; len(got) != 3 || got[0].ID != "c1" || got[1].Result == nil || got[1].Server != "srv" {
		t.Errorf("Result.ToolCalls = %+v, want c1..c3 with c2's result from srv", got)
	}
}

func TestRunLocalAndServerTools(t *testing.T) {
	type addIn struct {
		A int `json:"a"`
		B int `json:"b"`
	}
	add, err := NewTool("add", "Add two integers.", func(_ context.Context, in addIn) (struct {
		Sum int `json:"sum"`
	}, error) {
		return struct {
			Sum int `json:"sum"`
		}{in.A + in.B}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fail, err := NewTool("fail", "Always fails.", func(context.Context, struct{}) (string, error) {
		return "", errors.New("disk on fire")
	})
	if err != nil {
		t.Fatal(err)
	}
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		callStep(
			call("c1", "add", `{"a":2,"b":3}`),
			call("c2", "add", `{"a":2,"b":3,"c":4}`),
			call("c3", "fail", `{}`),
			call("c4", "srv__weather", `{}`),
		),
		answerStep("5"),
	}})
	c := newClient(t, base, Options{})
	for _, tool := range []*LocalTool{add, fail} {
		if err := c.AddTool(tool); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AddTool(add); err == nil {
		t.Error("AddTool(add) twice succeeded, want an error")
	}
	addServer(t, c, "srv", textTool("weather", "rain"))

	res, err := c.Ask(testContext(t), "add 2 and 3")
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	reqs := requests(t, fm, 2)
	var offered []string
	for _, tool := range reqs[0].Tools {
		offered = append(offered, tool.Function.Name)
	}
	if want := []string{"srv__weather", "add", "fail"}; !cmp.Equal(offered, want) {
		t.Errorf("offered tools = %v, want %v", offered, want)
	}
	tools := toolMessages(reqs[1])
	want := []struct {
		content string
		isError bool
	}{
		{`{"sum":5}`, false},
		{`unknown field "c"`, true},
		{"disk on fire", true},
		{"rain", false},
	}
	if len(tools) != len(want) {
		t.Fatalf("got %d tool messages, want %d", len(tools), len(want))
	}
	for i, w := range want {
		if !strings.Contains(tools[i].Content, w.content) {
			t.Errorf("tool message %d = %q, want it to contain %q", i, tools[i].Content, w.content)
		}
		if got := res.Messages[len(res.Messages)-1-len(want)+i].IsError; got != w.isError {
			t.Errorf("tool message %d IsError = %v, want %v", i, got, w.isError)
		}
	}
	if ev := res.ToolCalls[0]; ev.Server != "" || ev.Tool != "add" || string(ev.Result.StructuredContent) != `{"sum":5}` {
		t.Errorf("local call event = %+v, want tool add, no server, structured sum", ev)
	}
}

func TestRunMaxTurns(t *testing.T) {
	// Without a script DemoBrain calls the tool whenever the last message
	// is the user's; a model that always calls tools needs a brain that does.
	brain := func(req *fakemodel.Request) *fakemodel.Message {
		n := len(req.Messages)
		return &fakemodel.Message{ToolCalls: []fakemodel.ToolCall{call(fmt.Sprintf("c%d", n), "srv__again", `{}`)}}
	}
	fm, base := startModel(t, fakemodel.Options{Brain: brain})
	c := newClient(t, base, Options{MaxTurns: 3})
	addServer(t, c, "srv", textTool("again", "more"))

	res, err := c.Ask(testContext(t), "loop")
	if !errors.Is(err, ErrMaxTurns) {
		t.Fatalf("Ask error = %v, want ErrMaxTurns", err)
	}
	if res == nil {
		t.Fatal("Ask returned no Result with ErrMaxTurns; want the transcript")
	}
	requests(t, fm, 3)
	if res.Turns != 3 || len(res.ToolCalls) != 3 {
		t.Errorf("Result Turns, ToolCalls = %d, %d; want 3, 3", res.Turns, len(res.ToolCalls))
	}
	// user, then (assistant, tool) per turn.
	if got := len(res.Messages); got != 7 {
		t.Errorf("len(Result.Messages) = %d, want 7", got)
	}
	if last := res.Messages[len(res.Messages)-1]; last.Role != RoleTool || last.Content != "more" {
		t.Errorf("last message = %+v, want the third tool answer", last)
	}
}

func TestRunUsageSummed(t *testing.T) {
	turn := func(id string, prompt, completion int) fakemodel.Step {
		st := callStep(call(id, "srv__t", "{}"))
		if id == "" {
			st = answerStep("done")
		}
		st.Usage = &fakemodel.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
		return st
	}
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{turn("c1", 10, 2), turn("c2", 20, 3), turn("", 30, 4)}})
			c := newClient(t, base, Options{})
			addServer(t, c, "srv", textTool("t", "x"))
			var res *Result
			var err error
			if stream {
				res, err = c.RunStream(testContext(t), []Message{UserMessage("go")}, nil)
			} else {
				res, err = c.Ask(testContext(t), "go")
			}
			if err != nil {
				t.Fatal(err)
			}
			requests(t, fm, 3)
			want := Usage{Requests: 3, PromptTokens: 60, CompletionTokens: 9, TotalTokens: 69}
			if diff := cmp.Diff(want, res.Usage); diff != "" {
				t.Errorf("Result.Usage mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunModelUnauthorized(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{RequireAuth: "right-key"})
			c := newClient(t, base, Options{APIKey: "wrong-key"})
			var err error
			if stream {
				_, err = c.RunStream(testContext(t), []Message{UserMessage("hi")}, nil)
			} else {
				_, err = c.Ask(testContext(t), "hi")
			}
			var he *HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("Ask error = %v, want an *HTTPError", err)
			}
			if he.StatusCode != http.StatusUnauthorized || he.Code != "invalid_api_key" || he.Message == "" || he.Attempts != 1 {
				t.Errorf("HTTPError = %+v, want 401, code invalid_api_key, a message, 1 attempt", he)
			}
			requests(t, fm, 1)
		})
	}
}

func TestRunNeedsModel(t *testing.T) {
	c, err := NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Ask(testContext(t), "hi"); err == nil || !strings.HasPrefix(err.Error(), "mcpclient: ") {
		t.Errorf("Ask without a model error = %v, want an mcpclient error", err)
	}
}

func TestRunCancelDuringToolCall(t *testing.T) {
	started := make(chan struct{})
	ended := make(chan struct{})
	block := testserver.Tool{Name: "block", Handler: func(ctx context.Context, _ *testserver.Call) (*testserver.Result, error) {
		close(started)
		defer close(ended)
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	_, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{callStep(call("c1", "srv__block", "{}"))}})
	c := newClient(t, base, Options{})
	addServer(t, c, "srv", block)

	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	go func() {
		select {
		case <-started:
		case <-ctx.Done():
		}
		cancel()
	}()
	res, err := c.Ask(ctx, "wait")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Ask error = %v, want context.Canceled", err)
	}
	if res == nil || len(res.ToolCalls) != 1 || !errors.Is(res.ToolCalls[0].Err, context.Canceled) {
		t.Errorf("Result = %+v, want the cancelled call recorded", res)
	}
	select {
	case <-ended:
	case <-testContext(t).Done():
		t.Fatal("the server's handler was never cancelled")
	}
}

// headerRecorder is a caller-supplied round tripper: it proves the client
// uses it and counts the requests it carried.
type headerRecorder struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.n.Add(1)
	return h.base.RoundTrip(r)
}

func TestRequestHeaders(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{RequireAuth: "sk-test"})
			rt := &headerRecorder{base: &http.Transport{}}
			defer rt.base.(*http.Transport).CloseIdleConnections()
			h := http.Header{}
			h.Set("X-Gateway-Tenant", "blue")
			h.Add("X-Trace", "a")
			h.Add("X-Trace", "b")
			c := newClient(t, base, Options{
				APIKey:       "sk-test",
				Organization: "org-7",
				Headers:      h,
				HTTPClient:   &http.Client{Transport: rt},
			})
			h.Set("X-Gateway-Tenant", "changed after NewClient")
			var err error
			if stream {
				_, err = c.RunStream(testContext(t), []Message{UserMessage("hi")}, nil)
			} else {
				_, err = c.Ask(testContext(t), "hi")
			}
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			got := requests(t, fm, 1)[0].Header
			for _, w := range []struct{ key, want string }{
				{"Authorization", "Bearer sk-test"},
				{"OpenAI-Organization", "org-7"},
				{"X-Gateway-Tenant", "blue"},
				{"X-Trace", "a,b"},
			} {
				if v := strings.Join(got.Values(w.key), ","); v != w.want {
					t.Errorf("header %s = %q, want %q", w.key, v, w.want)
				}
			}
			if n := rt.n.Load(); n != 1 {
				t.Errorf("caller's HTTPClient carried %d requests, want 1", n)
			}
		})
	}
}

func TestParallelToolLimit(t *testing.T) {
	var g maxGauge
	pair := make(chan struct{})
	var pairOnce sync.Once
	work := testserver.Tool{Name: "work", Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
		if g.enter() >= 2 {
			pairOnce.Do(func() { close(pair) })
		}
		defer g.leave()
		// Hold the slot until two calls overlap, so that a limit that let
		// more through would show.
		select {
		case <-pair:
		case <-time.After(5 * time.Second):
		}
		time.Sleep(20 * time.Millisecond)
		return &testserver.Result{Content: []json.RawMessage{testserver.Text(string(c.Arguments))}}, nil
	}}
	var calls []fakemodel.ToolCall
	for i := range 6 {
		calls = append(calls, call(fmt.Sprintf("c%d", i), "srv__work", fmt.Sprintf(`{"n":%d}`, i)))
	}
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{callStep(calls...), answerStep("done")}})
	c := newClient(t, base, Options{MaxParallelTools: 2, MaxParallelPerServer: 10})
	addServer(t, c, "srv", work)
	if _, err := c.Ask(testContext(t), "work"); err != nil {
		t.Fatal(err)
	}
	if p := g.peak.Load(); p != 2 {
		t.Errorf("peak concurrent calls = %d, want 2", p)
	}
	tools := toolMessages(requests(t, fm, 2)[1])
	if len(tools) != 6 {
		t.Fatalf("got %d tool messages, want 6", len(tools))
	}
	for i, m := range tools {
		if id, want := m.ToolCallID, fmt.Sprintf("c%d", i); id != want || m.Content != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("tool message %d = %s %q, want %s {\"n\":%d}", i, id, m.Content, want, i)
		}
	}
}

func TestParallelPerServerLimit(t *testing.T) {
	var all maxGauge
	per := map[string]*maxGauge{"a": {}, "b": {}}
	pair := make(chan struct{})
	var pairOnce sync.Once
	tool := func(server string) testserver.Tool {
		return testserver.Tool{Name: "work", Handler: func(ctx context.Context, _ *testserver.Call) (*testserver.Result, error) {
			per[server].enter()
			defer per[server].leave()
			if all.enter() >= 2 {
				pairOnce.Do(func() { close(pair) })
			}
			defer all.leave()
			select {
			case <-pair:
			case <-time.After(5 * time.Second):
			}
			time.Sleep(20 * time.Millisecond)
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(server)}}, nil
		}}
	}
	var calls []fakemodel.ToolCall
	for i := range 3 {
		calls = append(calls, call(fmt.Sprintf("a%d", i), "a__work", "{}"), call(fmt.Sprintf("b%d", i), "b__work", "{}"))
	}
	_, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{callStep(calls...), answerStep("done")}})
	c := newClient(t, base, Options{MaxParallelTools: 8, MaxParallelPerServer: 1})
	addServer(t, c, "a", tool("a"))
	addServer(t, c, "b", tool("b"))
	res, err := c.Ask(testContext(t), "work")
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range per {
		if p := g.peak.Load(); p != 1 {
			t.Errorf("peak concurrent calls on server %s = %d, want 1", name, p)
		}
	}
	if p := all.peak.Load(); p != 2 {
		t.Errorf("peak concurrent calls overall = %d, want 2 (one per server)", p)
	}
	for i, ev := range res.ToolCalls {
		if ev.Result == nil || ev.Result.Text() != ev.Server {
			t.Errorf("call %d (%s) result = %+v, want %q", i, ev.ID, ev.Result, ev.Server)
		}
	}
}

// A server at its own limit must not hold global slots while it waits, or
// one slow server stalls the tools of every other server.
func TestSaturatedServerDoesNotBlockOthers(t *testing.T) {
	release := make(chan struct{})
	slowStarted := make(chan struct{}, 3)
	fastDone := make(chan struct{}, 1)
	slow := testserver.Tool{Name: "slow", Handler: func(ctx context.Context, _ *testserver.Call) (*testserver.Result, error) {
		slowStarted <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, nil
	}}
	fast := testserver.Tool{Name: "fast", Handler: func(context.Context, *testserver.Call) (*testserver.Result, error) {
		fastDone <- struct{}{}
		return nil, nil
	}}
	brain := func(req *fakemodel.Request) *fakemodel.Message {
		last := req.Messages[len(req.Messages)-1]
		switch {
		case last.Role == "tool":
			return &fakemodel.Message{Content: "done"}
		case last.Content == "slow":
			return &fakemodel.Message{ToolCalls: []fakemodel.ToolCall{call("s1", "a__slow", "{}"), call("s2", "a__slow", "{}"), call("s3", "a__slow", "{}")}}
		default:
			return &fakemodel.Message{ToolCalls: []fakemodel.ToolCall{call("f1", "b__fast", "{}")}}
		}
	}
	_, base := startModel(t, fakemodel.Options{Brain: brain})
	c := newClient(t, base, Options{MaxParallelTools: 2, MaxParallelPerServer: 1})
	addServer(t, c, "a", slow)
	addServer(t, c, "b", fast)
	ctx := testContext(t)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errs[0] = c.Ask(ctx, "slow")
	}()
	select {
	case <-slowStarted:
	case <-ctx.Done():
		t.Fatal("the slow tool never started")
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errs[1] = c.Ask(ctx, "fast")
	}()
	select {
	case <-fastDone:
	case <-time.After(10 * time.Second):
		t.Error("a call to server b waited for server a's calls; want it to run at once")
	}
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
}

func TestNormalizeCalls(t *testing.T) {
	tests := []struct {
		name string
		in   []ToolCall
		want []ToolCall
	}{
		{
			name: "empty arguments",
			in:   []ToolCall{{ID: "a", Name: "f", Arguments: ""}, {ID: "b", Name: "f", Arguments: "  "}},
			want: []ToolCall{{ID: "a", Name: "f", Arguments: "{}"}, {ID: "b", Name: "f", Arguments: "{}"}},
		},
		{
			name: "missing and repeated ids",
			in:   []ToolCall{{Name: "f", Arguments: "{}"}, {ID: "x", Name: "f", Arguments: "{}"}, {ID: "x", Name: "f", Arguments: "{}"}},
			want: []ToolCall{{ID: "call_2_1", Name: "f", Arguments: "{}"}, {ID: "x", Name: "f", Arguments: "{}"}, {ID: "call_2_3", Name: "f", Arguments: "{}"}},
		},
		{
			name: "generated id taken by the model",
			in:   []ToolCall{{ID: "call_2_2", Name: "f", Arguments: "{}"}, {Name: "f", Arguments: "{}"}},
			want: []ToolCall{{ID: "call_2_2", Name: "f", Arguments: "{}"}, {ID: "call_2_2_", Name: "f", Arguments: "{}"}},
		},
		{
			name: "arguments kept",
			in:   []ToolCall{{ID: "a", Name: "f", Arguments: `{"x": 1}`}, {ID: "b", Name: "f", Arguments: `{"x"`}},
			want: []ToolCall{{ID: "a", Name: "f", Arguments: `{"x": 1}`}, {ID: "b", Name: "f", Arguments: `{"x"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{Role: RoleAssistant, ToolCalls: append([]ToolCall(nil), tt.in...)}
			normalizeCalls(&m, 2)
			if diff := cmp.Diff(tt.want, m.ToolCalls); diff != "" {
				t.Errorf("normalizeCalls(%+v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
