package mcpclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

// metaTool reports what the server saw of the request's era.
func metaTool() testserver.Tool {
	return testserver.Tool{Name: "meta", Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
		text := "legacy"
		if c.Modern {
			text = "modern caps=" + string(c.ClientCapabilities)
		}
		return &testserver.Result{Content: []json.RawMessage{testserver.Text(text)}}, nil
	}}
}

func TestDualEra(t *testing.T) {
	tests := []struct {
		name    string
		modern  []string
		legacy  []string
		pin     string
		want    string
		wantMod bool
		err     error
	}{
		{name: "modern server", modern: []string{Version20260728}, want: Version20260728, wantMod: true},
		{name: "legacy server", want: Version20251125},
		{name: "old legacy server", legacy: []string{Version20241105}, want: Version20241105},
		{name: "modern only in future", modern: []string{"2099-01-01"}, want: Version20251125},
		{name: "pinned modern", modern: []string{Version20260728}, pin: Version20260728, want: Version20260728, wantMod: true},
		{name: "pinned legacy on dual server", modern: []string{Version20260728}, pin: Version20250618, want: Version20250618},
		{name: "pinned modern on legacy server", pin: Version20260728, err: ErrUnsupportedVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testserver.New(testserver.Options{ModernVersions: tt.modern, ProtocolVersions: tt.legacy, Tools: []testserver.Tool{metaTool()}})
			s, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, &SessionOptions{ProtocolVersion: tt.pin})
			if tt.err != nil || err != nil {
				if tt.err == nil || err == nil {
					t.Fatalf("Connect error = %v, want %v", err, tt.err)
				}
				return
			}
			defer s.Close()
			if s.ProtocolVersion() != tt.want || s.Modern() != tt.wantMod {
				t.Fatalf("version %s modern %v, want %s %v", s.ProtocolVersion(), s.Modern(), tt.want, tt.wantMod)
			}
			res, err := s.CallTool(testContext(t), "meta", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.HasPrefix(res.Text(), "modern"); got != tt.wantMod {
				t.Errorf("server saw %q, want modern=%v", res.Text(), tt.wantMod)
			}
			tools, err := s.ListTools(testContext(t))
			if err != nil || len(tools) != 1 {
				t.Errorf("ListTools = %d tools, %v", len(tools), err)
			}
		})
	}
}

func TestModernPinnedAgainstLegacyFails(t *testing.T) {
	srv := testserver.New(testserver.Options{})
	_, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, &SessionOptions{ProtocolVersion: Version20260728})
	if err == nil {
		t.Fatal("Connect pinned to 2026-07-28 against a legacy server succeeded")
	}
}

func TestEncodeParamsMergesMeta(t *testing.T) {
	s := &Session{opts: SessionOptions{}}
	s.conn = newDiscardConn()
	s.setEra(Version20260728, true)
	tests := []struct {
		params   string
		progress bool
		want     []string
	}{
		{"", false, []string{`"io.modelcontextprotocol/protocolVersion":"2026-07-28"`}},
		{`{}`, true, []string{`"progressToken":7`, `"io.modelcontextprotocol/clientInfo"`}},
		{`{"name":"x","arguments":{}}`, false, []string{`"name":"x"`, `"io.modelcontextprotocol/clientCapabilities":{}`}},
		{`{"_meta":{"traceparent":"00-abc"},"name":"x"}`, true, []string{`"traceparent":"00-abc"`, `"progressToken":7`, `"name":"x"`}},
	}
	for _, tt := range tests {
		out := s.encodeParams(json.RawMessage(tt.params), 7, tt.progress, nil)
		if !json.Valid(out) {
			t.Fatalf("encodeParams(%s) = %s, not JSON", tt.params, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("encodeParams(%s) = %s, want %s in it", tt.params, out, w)
			}
		}
	}
}

// askTool asks for an elicitation, then answers with what it got back.
func askTool(state string) testserver.Tool {
	return testserver.Tool{Name: "ask", Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
		if c.RequestState == nil {
			return &testserver.Result{
				InputRequests: json.RawMessage(`{"who":{"method":"elicitation/create","params":{"mode":"form","message":"Your name?",
					"requestedSchema":{"type":"object","properties":{"name":{"type":"string"},"lang":{"type":"string","default":"en"}},"required":["name"]}}}}`),
				RequestState: state,
			}, nil
		}
		if *c.RequestState != state {
			return nil, errors.New("requestState changed: " + *c.RequestState)
		}
		var in map[string]struct {
			Action  string            `json:"action"`
			Content map[string]string `json:"content"`
		}
		if err := json.Unmarshal(c.InputResponses, &in); err != nil {
			return nil, err
		}
		r := in["who"]
		return &testserver.Result{Content: []json.RawMessage{testserver.Text(r.Action + ":" + r.Content["name"] + "/" + r.Content["lang"])}}, nil
	}}
}

func TestMultiRoundTrip(t *testing.T) {
	const state = `opaque "state" \ with unicode ☃`
	var asked *ElicitRequest
	srv := testserver.New(testserver.Options{ModernVersions: []string{Version20260728}, Tools: []testserver.Tool{askTool(state)}})
	s, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, &SessionOptions{
		Elicit: func(ctx context.Context, req *ElicitRequest) (*ElicitResult, error) {
			asked = req
			return &ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.CallTool(testContext(t), "ask", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Text(); got != "accept:Ada/en" {
		t.Errorf("result = %q, want accept:Ada/en (schema default filled in, state echoed)", got)
	}
	if asked == nil || asked.Message != "Your name?" || asked.Default["lang"] != "en" {
		t.Errorf("elicitation seen = %+v", asked)
	}
}

func TestMultiRoundTripWithoutHandler(t *testing.T) {
	srv := testserver.New(testserver.Options{ModernVersions: []string{Version20260728}, Tools: []testserver.Tool{askTool("s")}})
	s, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.CallTool(testContext(t), "ask", nil, nil)
	if !errors.Is(err, CodeError(CodeMethodNotFound)) || !strings.Contains(err.Error(), "elicitation/create") {
		t.Errorf("CallTool error = %v, want one naming the unsupported elicitation", err)
	}
}

func TestModernListChangedViaSubscription(t *testing.T) {
	changed := make(chan struct{}, 4)
	srv := testserver.New(testserver.Options{ModernVersions: []string{Version20260728}, Tools: []testserver.Tool{metaTool()}})
	s, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, &SessionOptions{OnToolsChanged: func() { changed <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ListTools(testContext(t)); err != nil {
		t.Fatal(err)
	}
	// The listen request is opened in the background; wait until the
	// server has it by retrying the change until it is seen.
	deadline := time.After(20 * time.Second)
	for {
		srv.SetTools([]testserver.Tool{metaTool(), echoTool()})
		select {
		case <-changed:
			tools, err := s.ListTools(testContext(t))
			if err != nil || len(tools) != 2 {
				t.Fatalf("ListTools after change = %d tools, %v; want 2", len(tools), err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no tools/list_changed on the subscription")
		}
	}
}

func TestLegacyServerRequests(t *testing.T) {
	var mu sync.Mutex
	var urlAsked bool
	s, srv := inProcess(t, testserver.Options{}, &SessionOptions{
		Roots: func(ctx context.Context) ([]Root, error) {
			return []Root{{URI: "file:///work", Name: "work"}}, nil
		},
		CreateMessage: func(ctx context.Context, req *CreateMessageRequest) (*CreateMessageResult, error) {
			return &CreateMessageResult{Role: "assistant", Model: "m", Content: Content{Type: "text", Text: "hi " + string(req.Messages[0].Content)}}, nil
		},
		Elicit: func(ctx context.Context, req *ElicitRequest) (*ElicitResult, error) {
			mu.Lock()
			urlAsked = urlAsked || req.Mode == "url"
			mu.Unlock()
			return &ElicitResult{Action: "accept"}, nil
		},
	})
	_ = s
	ctx := testContext(t)
	tests := []struct {
		method string
		params any
		want   string
	}{
		{"roots/list", nil, `{"roots":[{"uri":"file:///work","name":"work"}]}`},
		{"sampling/createMessage", map[string]any{"messages": []any{map[string]any{"role": "user", "content": map[string]any{"type": "text", "text": "x"}}}, "maxTokens": 5}, `"model":"m"`},
		{"elicitation/create", map[string]any{"mode": "url", "message": "go", "url": "https://example.invalid/x", "elicitationId": "e1"}, `{"action":"decline"}`},
		{"elicitation/create", map[string]any{"message": "form", "requestedSchema": map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number", "default": 3}}}}, `{"action":"accept","content":{"n":3}}`},
	}
	for _, tt := range tests {
		res, err := srv.Request(ctx, tt.method, tt.params)
		if err != nil || !strings.Contains(string(res), tt.want) {
			t.Errorf("server %s = %s, %v; want %s in it", tt.method, res, err, tt.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if urlAsked {
		t.Error("a URL elicitation reached the handler without consent")
	}
}

// slowModernServer ignores the first server/discover (as if still
// starting), refuses initialize naming its modern version, and answers
// later requests.
func slowModernServer(ctx context.Context, r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	discovers := 0
	for sc.Scan() {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.ID == nil {
			continue
		}
		var out string
		switch m.Method {
		case "server/discover":
			discovers++
			if discovers == 1 {
				continue
			}
			out = `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"slow","version":"1"}}}}`
		case "initialize":
			out = `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28"],"requested":"2025-11-25"}}}`
		default:
			out = `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"error":{"code":-32601,"message":"no"}}`
		}
		if _, err := io.WriteString(w, out+"\n"); err != nil {
			return err
		}
	}
	return sc.Err()
}

func TestSlowModernServerFoundAfterProbeTimeout(t *testing.T) {
	s, err := Connect(testContext(t), &InProcessTransport{Serve: slowModernServer}, &SessionOptions{DiscoverTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Modern() || s.ServerInfo().Name != "slow" {
		t.Errorf("session modern=%v server=%+v, want the modern server found", s.Modern(), s.ServerInfo())
	}
}

func TestToolCacheHonoursTTL(t *testing.T) {
	var c toolCache
	_, gen, _ := c.get()
	c.put([]*Tool{{Name: "a"}}, toolIndex{ttl: 30 * time.Millisecond}, gen)
	if _, _, ok := c.get(); !ok {
		t.Fatal("fresh list not cached")
	}
	time.Sleep(60 * time.Millisecond)
	if _, _, ok := c.get(); ok {
		t.Error("list still cached after its ttlMs")
	}
	_, gen, _ = c.get()
	c.put([]*Tool{{Name: "a"}}, toolIndex{}, gen)
	time.Sleep(40 * time.Millisecond)
	if _, _, ok := c.get(); !ok {
		t.Error("list without ttlMs expired")
	}
}

func TestCallToolOpensNoStandingRequest(t *testing.T) {
	srv := testserver.New(testserver.Options{ModernVersions: []string{Version20260728}, Tools: []testserver.Tool{metaTool()}})
	s, err := Connect(testContext(t), &InProcessTransport{Serve: srv.Serve}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CallTool(testContext(t), "meta", nil, nil); err != nil {
		t.Fatal(err)
	}
	s.subMu.Lock()
	listening := s.listening
	s.subMu.Unlock()
	if listening {
		t.Error("a session that only calls tools opened subscriptions/listen")
	}
	if _, err := s.ListTools(testContext(t)); err != nil {
		t.Fatal(err)
	}
	s.subMu.Lock()
	listening = s.listening
	s.subMu.Unlock()
	if !listening {
		t.Error("ListTools did not open subscriptions/listen, so a cached list would never hear of changes")
	}
}

func TestTraceContextInMeta(t *testing.T) {
	var seen []json.RawMessage
	var mu sync.Mutex
	tool := testserver.Tool{Name: "trace", Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
		return &testserver.Result{Content: []json.RawMessage{testserver.Text("ok")}}, nil
	}}
	for _, modern := range []bool{false, true} {
		var mv []string
		if modern {
			mv = []string{Version20260728}
		}
		srv := testserver.New(testserver.Options{ModernVersions: mv, Tools: []testserver.Tool{tool}})
		// Record what the server reads, line by line.
		serve := func(ctx context.Context, r io.Reader, w io.Writer) error {
			pr, pw := io.Pipe()
			go func() {
				sc := bufio.NewScanner(r)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					mu.Lock()
					seen = append(seen, append(json.RawMessage(nil), sc.Bytes()...))
					mu.Unlock()
					pw.Write(append(sc.Bytes(), '\n'))
				}
				pw.Close()
			}()
			return srv.Serve(ctx, pr, w)
		}
		s, err := Connect(testContext(t), &InProcessTransport{Serve: serve}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithTraceContext(testContext(t), TraceContext{Traceparent: "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01", Tracestate: "vendor=x"})
		if _, err := s.CallTool(ctx, "trace", map[string]int{"n": 1}, &CallOptions{OnProgress: func(Progress) {}}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		mu.Lock()
		var call map[string]any
		for _, line := range seen {
			if strings.Contains(string(line), `"tools/call"`) {
				json.Unmarshal(line, &call)
			}
		}
		seen = nil
		mu.Unlock()
		meta, _ := call["params"].(map[string]any)["_meta"].(map[string]any)
		if meta["traceparent"] != "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01" || meta["tracestate"] != "vendor=x" || meta["progressToken"] == nil {
			t.Errorf("modern=%v: tools/call _meta = %v, want the trace context and the progress token", modern, meta)
		}
		if modern && meta["io.modelcontextprotocol/protocolVersion"] != Version20260728 {
			t.Errorf("modern _meta lacks the protocol version: %v", meta)
		}
	}
}
