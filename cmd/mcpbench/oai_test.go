package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// refServer is a small OpenAI-compatible endpoint written for these tests,
// independent of the project's fake model, so that the benchmark's
// arithmetic is checked against a server whose behaviour is known exactly:
// it answers every request after a fixed delay with one tool call and a
// fixed usage.
type refServer struct {
	// Latency is the wait before a non-streamed reply. For a streamed one
	// the role chunk goes out at once, the first token after FirstToken,
	// the rest StreamTail later.
	Latency, FirstToken, StreamTail time.Duration
	// Tool and Args are the call in every reply.
	Tool, Args string
	// Stall, when set, is the extra wait of request n (1-based).
	Stall func(n int64) time.Duration
	// Fail, when set, may answer request n with an error status.
	Fail func(n int64) (status int, header http.Header)
	// Key, when set, is the bearer token every request must carry.
	Key string
	// EchoAuth makes errors quote the Authorization header, as careless
	// gateways do, to prove the benchmark redacts keys.
	EchoAuth bool

	n atomic.Int64
}

const (
	refPromptTokens     = 50
	refCompletionTokens = 7
)

// start serves s on a loopback port until the test ends.
func (s *refServer) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func (s *refServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stream bool `json:"stream"`
	}
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &req)
	n := s.n.Add(1)
	if s.Key != "" && r.Header.Get("Authorization") != "Bearer "+s.Key {
		msg := "invalid api key"
		if s.EchoAuth {
			msg += ": " + r.Header.Get("Authorization")
		}
		writeErr(w, http.StatusUnauthorized, nil, msg)
		return
	}
	if s.Fail != nil {
		if status, h := s.Fail(n); status != 0 {
			msg := "failed"
			if s.EchoAuth {
				msg += " for " + r.Header.Get("Authorization")
			}
			writeErr(w, status, h, msg)
			return
		}
	}
	if s.Stall != nil && !wait(r, s.Stall(n)) {
		return
	}
	if req.Stream {
		s.stream(w, r)
		return
	}
	if !wait(r, s.Latency) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"ref-%d","object":"chat.completion","created":0,"model":"ref",`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[%s]},"finish_reason":"tool_calls"}],`+
		`"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`,
		n, s.call(), refPromptTokens, refCompletionTokens, refPromptTokens+refCompletionTokens)
}

func (s *refServer) call() string {
	return fmt.Sprintf(`{"id":"call_1","type":"function","function":{"name":%q,"arguments":%q}}`, s.Tool, s.Args)
}

func (s *refServer) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	send := func(data string) {
		fmt.Fprintf(w, "data: %s\n\n", data)
		w.(http.Flusher).Flush()
	}
	chunk := func(choice string) string {
		return `{"id":"ref","object":"chat.completion.chunk","created":0,"model":"ref","choices":[` + choice + `]}`
	}
	send(chunk(`{"index":0,"delta":{"role":"assistant","content":""}}`))
	if !wait(r, s.FirstToken) {
		return
	}
	call := strings.Replace(s.call(), `{"id"`, `{"index":0,"id"`, 1)
	send(chunk(`{"index":0,"delta":{"tool_calls":[` + call + `]}}`))
	if !wait(r, s.StreamTail) {
		return
	}
	send(chunk(`{"index":0,"delta":{},"finish_reason":"tool_calls"}`))
	send(fmt.Sprintf(`{"id":"ref","object":"chat.completion.chunk","created":0,"model":"ref","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`,
		refPromptTokens, refCompletionTokens, refPromptTokens+refCompletionTokens))
	send("[DONE]")
}

func writeErr(w http.ResponseWriter, status int, h http.Header, msg string) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "test_error"}})
	w.Write(b)
}

// wait sleeps d unless the request ends first.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
