package fakemodel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func streamRequest(includeUsage bool) Request {
	req := userRequest("stream please")
	req.Stream = true
	if includeUsage {
		req.StreamOptions = &StreamOptions{IncludeUsage: true}
	}
	return req
}

func TestStreamReassembles(t *testing.T) {
	twoCalls := []ToolCall{
		{ID: "call_a", Type: "function", Function: FunctionCall{Name: "read_file", Arguments: `{"path":"docs/ünïcode.md","limit":20}`}},
		{ID: "call_b", Type: "function", Function: FunctionCall{Name: "list_dir", Arguments: `{"dir":"."}`}},
	}
	tests := []struct {
		name       string
		step       Step
		usage      bool
		wantFinish string
		check      func(t *testing.T, a assembled)
	}{
		{
			name:       "content in pieces",
			step:       Step{Message: &Message{Content: "Hello, wörld! 🌍 this is streamed"}},
			wantFinish: "stop",
			check: func(t *testing.T, a assembled) {
				if a.contentDeltas < 5 {
					t.Errorf("content deltas = %d, want >= 5", a.contentDeltas)
				}
			},
		},
		{
			name:       "reasoning in two deltas",
			step:       Step{Message: &Message{ReasoningContent: "let me think", Content: "done"}},
			wantFinish: "stop",
			check: func(t *testing.T, a assembled) {
				if a.reasoningDeltas != 2 {
					t.Errorf("reasoning deltas = %d, want 2", a.reasoningDeltas)
				}
			},
		},
		{
			name:       "two tool calls interleaved by index",
			step:       Step{Message: &Message{ToolCalls: twoCalls}},
			wantFinish: "tool_calls",
			check: func(t *testing.T, a assembled) {
				if !a.sawIndex {
					t.Errorf("tool-call deltas carry no index, want index")
				}
				if slices.IsSorted(a.callOrder) {
					t.Errorf("tool-call delta order = %v, want interleaved", a.callOrder)
				}
				for slot, n := range a.pieces {
					if n < 3 {
						t.Errorf("tool call %d arrived in %d deltas, want >= 3", slot, n)
					}
				}
			},
		},
		{
			name:       "tool calls without index",
			step:       Step{Message: &Message{ToolCalls: twoCalls}, OmitToolCallIndex: true},
			wantFinish: "tool_calls",
			check: func(t *testing.T, a assembled) {
				if a.sawIndex {
					t.Errorf("tool-call deltas carry an index, want none")
				}
				if !slices.IsSorted(a.callOrder) {
					t.Errorf("tool-call delta order = %v, want one call after another", a.callOrder)
				}
			},
		},
		{
			name:       "content then tool call with short arguments",
			step:       Step{Message: &Message{Content: "calling", ToolCalls: []ToolCall{{ID: "c1", Type: "function", Function: FunctionCall{Name: "now", Arguments: "{}"}}}}},
			wantFinish: "tool_calls",
			check: func(t *testing.T, a assembled) {
				if a.pieces[0] < 3 {
					t.Errorf("tool call 0 arrived in %d deltas, want >= 3", a.pieces[0])
				}
			},
		},
		{
			name:       "usage chunk when asked",
			step:       Step{Message: &Message{Content: "counted"}, Usage: &Usage{PromptTokens: 7, CompletionTokens: 2, TotalTokens: 9}, FinishReason: "length"},
			usage:      true,
			wantFinish: "length",
			check: func(t *testing.T, a assembled) {
				want := &Usage{PromptTokens: 7, CompletionTokens: 2, TotalTokens: 9}
				if diff := cmp.Diff(want, a.usage); diff != "" {
					t.Errorf("usage mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:       "no usage chunk unless asked",
			step:       Step{Message: &Message{Content: "x"}},
			wantFinish: "stop",
			check: func(t *testing.T, a assembled) {
				if a.usage != nil {
					t.Errorf("usage = %+v, want no usage chunk", a.usage)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, New(Options{Script: []Step{tt.step}}))
			r := postChat(t, ts, encode(t, streamRequest(tt.usage)))
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200 (body %s)", r.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != "text/event-stream" {
				t.Errorf("Content-Type = %q, want text/event-stream", got)
			}
			data, _ := sseEvents(t, r.body)
			a := assemble(t, data)
			want := *tt.step.Message
			want.Role = "assistant"
			if diff := cmp.Diff(want, a.msg); diff != "" {
				t.Errorf("reassembled message mismatch (-want +got):\n%s", diff)
			}
			if a.finish != tt.wantFinish {
				t.Errorf("finish_reason = %q, want %q", a.finish, tt.wantFinish)
			}
			tt.check(t, a)
		})
	}
}

func TestStreamFinishReasonNullUntilLast(t *testing.T) {
	ts := startServer(t, New(Options{Script: []Step{{Message: &Message{Content: "abcdefghij"}}}}))
	r := postChat(t, ts, encode(t, streamRequest(false)))
	data, _ := sseEvents(t, r.body)
	chunks := data[:len(data)-1]
	for i, d := range chunks[:len(chunks)-1] {
		if !strings.Contains(d, `"finish_reason":null`) {
			t.Errorf("chunk %d = %s, want finish_reason null", i, d)
		}
	}
	if last := chunks[len(chunks)-1]; !strings.Contains(last, `"finish_reason":"stop"`) {
		t.Errorf("last chunk = %s, want finish_reason stop", last)
	}
	if first := chunks[0]; !strings.Contains(first, `"role":"assistant"`) {
		t.Errorf("first chunk = %s, want the assistant role", first)
	}
}

func TestStreamPrefixAndHeaders(t *testing.T) {
	step := Step{
		Message:      &Message{Content: "hi"},
		StreamPrefix: []string{": OPENROUTER PROCESSING", "", ": ping", ""},
		Header:       http.Header{"X-Request-Id": {"abc"}},
	}
	ts := startServer(t, New(Options{Script: []Step{step}}))
	r := postChat(t, ts, encode(t, streamRequest(false)))
	if !strings.HasPrefix(r.body, ": OPENROUTER PROCESSING\n\n: ping\n\ndata: ") {
		t.Errorf("stream starts %q, want the prefix lines then data", r.body[:min(len(r.body), 60)])
	}
	if got := r.header.Get("X-Request-Id"); got != "abc" {
		t.Errorf("X-Request-Id = %q, want abc", got)
	}
	data, comments := sseEvents(t, r.body)
	if len(comments) != 2 {
		t.Errorf("comments = %q, want 2", comments)
	}
	if got := assemble(t, data).msg.Content; got != "hi" {
		t.Errorf("content = %q, want hi", got)
	}
}

func TestStreamChunkDelay(t *testing.T) {
	const delay = 20 * time.Millisecond
	ts := startServer(t, New(Options{Script: []Step{{Message: &Message{Content: "12345678"}, StreamChunkDelay: delay}}}))
	start := time.Now()
	r := postChat(t, ts, encode(t, streamRequest(false)))
	elapsed := time.Since(start)
	data, _ := sseEvents(t, r.body)
	// role, two content pieces and the finish chunk: three pauses.
	if len(data) != 5 {
		t.Fatalf("events = %d, want 5: %q", len(data), data)
	}
	if elapsed < 3*delay {
		t.Errorf("stream took %v, want >= %v", elapsed, 3*delay)
	}
}

func TestStreamStopsWhenCancelled(t *testing.T) {
	s := New(Options{Script: []Step{{Message: &Message{Content: strings.Repeat("x", 400)}, StreamChunkDelay: time.Hour}}})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions", strings.NewReader(encode(t, streamRequest(false))))
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeHTTP(rec, req)
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeHTTP still streaming 5s after cancellation")
	}
	if strings.Contains(rec.Body.String(), "[DONE]") {
		t.Errorf("cancelled stream = %q, want no [DONE]", rec.Body.String())
	}
}

func TestSplitArguments(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"", "", ""}},
		{"{}", []string{"", "{", "}"}},
		{"abcd", []string{"a", "b", "c", "d"}},
		{"abcdef", []string{"ab", "cd", "ef"}},
		{"äöüß", []string{"ä", "ö", "ü", "ß"}},
		{strings.Repeat("x", 30), []string{"xxxxxxxx", "xxxxxxxx", "xxxxxxxx", "xxxxxx"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := splitArguments(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("splitArguments(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
