package fakemodel

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScriptSteps(t *testing.T) {
	tests := []struct {
		name       string
		step       Step
		stream     bool
		wantStatus int
		wantHeader http.Header
		check      func(t *testing.T, body string)
	}{
		{
			name:       "message",
			step:       Step{Message: &Message{Content: "scripted answer"}},
			wantStatus: 200,
			check: func(t *testing.T, body string) {
				c, m := decodeCompletion(t, body)
				if c.Object != "chat.completion" || c.Model != "fake-model" || !strings.HasPrefix(c.ID, "chatcmpl-") || c.Created == 0 {
					t.Errorf("envelope = %+v, want chat.completion from fake-model with id and created", c)
				}
				if c.Choices[0].FinishReason != "stop" {
					t.Errorf("finish_reason = %q, want stop", c.Choices[0].FinishReason)
				}
				if want := (Message{Role: "assistant", Content: "scripted answer"}); !cmp.Equal(m, want) {
					t.Errorf("message = %+v, want %+v", m, want)
				}
				if u := c.Usage; u == nil || u.PromptTokens == 0 || u.CompletionTokens != 4 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
					t.Errorf("usage = %+v, want estimated counts (completion 4) that add up", u)
				}
			},
		},
		{
			name:       "429 with retry headers",
			step:       Step{Status: 429, Header: http.Header{"Retry-After": {"7"}, "Retry-After-Ms": {"7000"}}},
			wantStatus: 429,
			wantHeader: http.Header{"Retry-After": {"7"}, "Retry-After-Ms": {"7000"}},
			check: func(t *testing.T, body string) {
				if e := decodeError(t, body); e.Error.Type != "rate_limit_error" || e.Error.Code != "rate_limit_exceeded" {
					t.Errorf("error = %+v, want rate_limit_error/rate_limit_exceeded", e.Error)
				}
			},
		},
		{
			name:       "500 is not streamed",
			step:       Step{Status: 500},
			stream:     true,
			wantStatus: 500,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
			check: func(t *testing.T, body string) {
				if e := decodeError(t, body); e.Error.Type != "server_error" {
					t.Errorf("error type = %q, want server_error", e.Error.Type)
				}
			},
		},
		{
			name:       "raw body as is",
			step:       Step{Status: 502, Body: "<html>bad gateway</html>", Header: http.Header{"Content-Type": {"text/html"}}},
			stream:     true,
			wantStatus: 502,
			wantHeader: http.Header{"Content-Type": {"text/html"}},
			check: func(t *testing.T, body string) {
				if body != "<html>bad gateway</html>" {
					t.Errorf("body = %q, want the raw body", body)
				}
			},
		},
		{
			name:       "raw 200 body with odd JSON",
			step:       Step{Body: `{"choices":[]}`},
			wantStatus: 200,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
			check: func(t *testing.T, body string) {
				if body != `{"choices":[]}` {
					t.Errorf("body = %q, want the raw body", body)
				}
			},
		},
		{
			name:       "headers only, brain answers",
			step:       Step{Header: http.Header{"X-Ratelimit-Remaining-Requests": {"3"}}},
			wantStatus: 200,
			wantHeader: http.Header{"X-Ratelimit-Remaining-Requests": {"3"}},
			check: func(t *testing.T, body string) {
				if _, m := decodeCompletion(t, body); m.Content != "(demo model) You said: hello" {
					t.Errorf("content = %q, want the demo brain's echo", m.Content)
				}
			},
		},
		{
			name: "tool calls get defaults",
			step: Step{Message: &Message{ToolCalls: []ToolCall{{Function: FunctionCall{Name: "now", Arguments: "{}"}}}}},
			check: func(t *testing.T, body string) {
				c, m := decodeCompletion(t, body)
				if c.Choices[0].FinishReason != "tool_calls" {
					t.Errorf("finish_reason = %q, want tool_calls", c.Choices[0].FinishReason)
				}
				tc := m.ToolCalls[0]
				if !strings.HasPrefix(tc.ID, "call_") || tc.Type != "function" {
					t.Errorf("tool call = %+v, want generated call_ id and type function", tc)
				}
				if !strings.Contains(body, `"content":null`) {
					t.Errorf("body = %s, want content null beside tool calls", body)
				}
			},
			wantStatus: 200,
		},
		{
			name:       "finish reason and usage override",
			step:       Step{Message: &Message{Content: "cut"}, FinishReason: "length", Usage: &Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 99}},
			wantStatus: 200,
			check: func(t *testing.T, body string) {
				c, _ := decodeCompletion(t, body)
				if c.Choices[0].FinishReason != "length" {
					t.Errorf("finish_reason = %q, want length", c.Choices[0].FinishReason)
				}
				if want := (&Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 99}); !cmp.Equal(c.Usage, want) {
					t.Errorf("usage = %+v, want %+v", c.Usage, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, New(Options{Script: []Step{tt.step}}))
			req := userRequest("hello")
			req.Stream = tt.stream
			r := postChat(t, ts, encode(t, req))
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", r.status, tt.wantStatus, r.body)
			}
			for k, vs := range tt.wantHeader {
				if got := r.header.Values(k); !cmp.Equal(got, vs) {
					t.Errorf("header %s = %q, want %q", k, got, vs)
				}
			}
			tt.check(t, r.body)
		})
	}
}

func TestScriptThenBrain(t *testing.T) {
	ts := startServer(t, New(Options{
		Script: []Step{{Message: &Message{Content: "one"}}, {Message: &Message{Content: "two"}}},
		Brain:  func(*Request) *Message { return &Message{Content: "brain"} },
	}))
	var got []string
	for range 4 {
		_, m := decodeCompletion(t, postChat(t, ts, encode(t, userRequest("x"))).body)
		got = append(got, m.Content)
	}
	if want := []string{"one", "two", "brain", "brain"}; !cmp.Equal(got, want) {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

func TestNilBrainReplyIsEmptyMessage(t *testing.T) {
	ts := startServer(t, New(Options{Brain: func(*Request) *Message { return nil }}))
	r := postChat(t, ts, encode(t, userRequest("x")))
	if _, m := decodeCompletion(t, r.body); !cmp.Equal(m, Message{Role: "assistant"}) {
		t.Errorf("message = %+v, want an empty assistant message", m)
	}
}

func TestNewCopiesScript(t *testing.T) {
	script := []Step{{Message: &Message{Content: "original"}, Header: http.Header{"X-A": {"1"}}}}
	s := New(Options{Script: script})
	script[0] = Step{Message: &Message{Content: "changed"}}
	ts := startServer(t, s)
	r := postChat(t, ts, encode(t, userRequest("x")))
	if _, m := decodeCompletion(t, r.body); m.Content != "original" {
		t.Errorf("content = %q, want original", m.Content)
	}
	if got := r.header.Get("X-A"); got != "1" {
		t.Errorf("X-A = %q, want 1", got)
	}
}

func TestSeededIDsAreReproducible(t *testing.T) {
	ids := func() string {
		s := New(Options{
			Rand:   rand.New(rand.NewPCG(1, 2)),
			Script: []Step{{Message: &Message{ToolCalls: []ToolCall{{Function: FunctionCall{Name: "f", Arguments: "{}"}}}}}},
		})
		ts := startServer(t, s)
		c, m := decodeCompletion(t, postChat(t, ts, encode(t, userRequest("x"))).body)
		return c.ID + " " + m.ToolCalls[0].ID
	}
	if a, b := ids(), ids(); a != b {
		t.Errorf("ids with the same seed = %q and %q, want equal", a, b)
	}
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/v1/chat/completions", 200},
		{http.MethodPost, "/chat/completions", 200},
		{http.MethodGet, "/v1/models", 200},
		{http.MethodGet, "/models", 200},
		{http.MethodGet, "/v1/chat/completions", 405},
		{http.MethodPost, "/v1/models", 405},
		{http.MethodPost, "/v1/completions", 404},
	}
	ts := startServer(t, New(Options{}))
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := do(t, ts, tt.method, tt.path, encode(t, userRequest("x")), nil)
			if r.status != tt.want {
				t.Errorf("%s %s status = %d, want %d (body %s)", tt.method, tt.path, r.status, tt.want, r.body)
			}
			if r.status != 200 {
				decodeError(t, r.body)
			}
		})
	}
}

func TestModels(t *testing.T) {
	ts := startServer(t, New(Options{Model: "demo-1"}))
	r := do(t, ts, http.MethodGet, "/v1/models", "", nil)
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatalf("json.Unmarshal(%q) error = %v", r.body, err)
	}
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != "demo-1" || list.Data[0].Object != "model" {
		t.Errorf("GET /v1/models = %s, want a list holding model demo-1", r.body)
	}
	if c, _ := decodeCompletion(t, postChat(t, ts, encode(t, userRequest("x"))).body); c.Model != "demo-1" {
		t.Errorf("completion model = %q, want demo-1", c.Model)
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		path   string
		want   int
	}{
		{"no header", nil, "/v1/chat/completions", 401},
		{"wrong key", http.Header{"Authorization": {"Bearer nope"}}, "/v1/chat/completions", 401},
		{"no bearer", http.Header{"Authorization": {"sk-test"}}, "/v1/chat/completions", 401},
		{"right key", http.Header{"Authorization": {"Bearer sk-test"}}, "/v1/chat/completions", 200},
		{"models without key", nil, "/v1/models", 401},
		{"models with key", http.Header{"Authorization": {"Bearer sk-test"}}, "/v1/models", 200},
	}
	ts := startServer(t, New(Options{RequireAuth: "sk-test"}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodPost
			if strings.HasSuffix(tt.path, "models") {
				method = http.MethodGet
			}
			r := do(t, ts, method, tt.path, encode(t, userRequest("x")), tt.header)
			if r.status != tt.want {
				t.Fatalf("status = %d, want %d (body %s)", r.status, tt.want, r.body)
			}
			if tt.want == 401 {
				if e := decodeError(t, r.body); e.Error.Code != "invalid_api_key" {
					t.Errorf("error code = %q, want invalid_api_key", e.Error.Code)
				}
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	s := New(Options{
		RateLimit: &RateLimit{Every: 2, RetryAfter: 1500 * time.Millisecond},
		Script:    []Step{{Message: &Message{Content: "A"}}, {Message: &Message{Content: "B"}}, {Message: &Message{Content: "C"}}},
	})
	ts := startServer(t, s)
	want := []string{"A", "429", "B", "429", "C"}
	for i, w := range want {
		r := postChat(t, ts, encode(t, userRequest("x")))
		if w == "429" {
			if r.status != 429 {
				t.Fatalf("request %d status = %d, want 429", i+1, r.status)
			}
			if got := r.header.Get("Retry-After"); got != "2" {
				t.Errorf("request %d Retry-After = %q, want 2", i+1, got)
			}
			if got := r.header.Get("Retry-After-Ms"); got != "1500" {
				t.Errorf("request %d retry-after-ms = %q, want 1500", i+1, got)
			}
			decodeError(t, r.body)
			continue
		}
		if _, m := decodeCompletion(t, r.body); m.Content != w {
			t.Errorf("request %d content = %q, want %q", i+1, m.Content, w)
		}
	}
}

func TestMalformedBody(t *testing.T) {
	tests := []struct{ name, body string }{
		{"truncated", `{"model":"m","messages":[`},
		{"not an object", `[1,2]`},
		{"content a number", `{"model":"m","messages":[{"role":"user","content":42}]}`},
		{"messages a string", `{"model":"m","messages":"hi"}`},
	}
	ts := startServer(t, New(Options{}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postChat(t, ts, tt.body)
			if r.status != 400 {
				t.Fatalf("status = %d, want 400 (body %s)", r.status, r.body)
			}
			if e := decodeError(t, r.body); e.Error.Type != "invalid_request_error" || e.Error.Code != "invalid_json" {
				t.Errorf("error = %+v, want invalid_request_error/invalid_json", e.Error)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	body := encode(t, userRequest("x"))
	tests := []struct {
		limit int64
		want  int
	}{
		{int64(len(body)), 200},
		{int64(len(body)) - 1, 413},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.limit, 10), func(t *testing.T) {
			ts := startServer(t, New(Options{MaxBodyBytes: tt.limit}))
			if r := postChat(t, ts, body); r.status != tt.want {
				t.Errorf("status with limit %d for %d bytes = %d, want %d", tt.limit, len(body), r.status, tt.want)
			}
		})
	}
}

func TestRequestsRecorded(t *testing.T) {
	s := New(Options{})
	ts := startServer(t, s)
	postChat(t, ts, encode(t, userRequest("first")))
	do(t, ts, http.MethodPost, "/v1/chat/completions", "{broken", http.Header{"X-Trace": {"t2"}})
	stream := userRequest("third")
	stream.Stream = true
	postChat(t, ts, encode(t, stream))
	do(t, ts, http.MethodGet, "/v1/models", "", nil)

	got := s.Requests()
	if len(got) != 3 {
		t.Fatalf("len(Requests()) = %d, want 3", len(got))
	}
	if got[0].Messages[0].Content != "first" || got[0].Model != "m" || got[0].Stream {
		t.Errorf("Requests()[0] = %+v, want the first request", got[0])
	}
	if string(got[1].Raw) != "{broken" || got[1].Header.Get("X-Trace") != "t2" || got[1].Messages != nil {
		t.Errorf("Requests()[1] = %+v, want the malformed body and its headers only", got[1])
	}
	if got[2].Messages[0].Content != "third" || !got[2].Stream {
		t.Errorf("Requests()[2] = %+v, want the streamed request", got[2])
	}

	got[0].Messages[0].Content = "mutated"
	got[0].Raw[0] = 'X'
	got[0].Header.Set("X-New", "1")
	again := s.Requests()
	if again[0].Messages[0].Content != "first" || again[0].Raw[0] != '{' || again[0].Header.Get("X-New") != "" {
		t.Errorf("Requests()[0] after mutating a copy = %+v, want unchanged", again[0])
	}
}

func TestDisableRecording(t *testing.T) {
	s := New(Options{DisableRecording: true})
	ts := startServer(t, s)
	postChat(t, ts, encode(t, userRequest("x")))
	if got := s.Requests(); got != nil {
		t.Errorf("Requests() = %v, want nil", got)
	}
}

func TestZeroServer(t *testing.T) {
	ts := startServer(t, new(Server))
	c, m := decodeCompletion(t, postChat(t, ts, encode(t, userRequest("zero"))).body)
	if c.Model != DefaultModel || m.Content != "(demo model) You said: zero" {
		t.Errorf("zero Server reply = %s %q, want %s and the demo echo", c.Model, m.Content, DefaultModel)
	}
}
