package mcpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	openai "github.com/sashabaranov/go-openai"
)

// Case 17: keepalive comments before the first chunk, however many.
func TestCaseStreamKeepalives(t *testing.T) {
	var prefix []string
	for range 400 {
		prefix = append(prefix, ": PROCESSING", "")
	}
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		{Message: &fakemodel.Message{Content: "Hi"}, StreamPrefix: prefix},
	}})
	c := newClient(t, base, Options{})
	var pieces []string
	res, err := c.RunStream(testContext(t), []Message{UserMessage("hello")}, func(s string) { pieces = append(pieces, s) })
	if err != nil {
		t.Fatalf("RunStream: %v", err)
	}
	if res.Answer != "Hi" || strings.Join(pieces, "") != "Hi" {
		t.Errorf("RunStream answer, streamed text = %q, %q; want Hi, Hi", res.Answer, strings.Join(pieces, ""))
	}
	if !requests(t, fm, 1)[0].Stream {
		t.Error("request did not ask for a stream")
	}
}

// A stream that goes silent after its headers ends with an error once the
// idle timeout passes, instead of hanging.
func TestStreamIdleTimeout(t *testing.T) {
	testDone := make(chan struct{})
	defer close(testDone)
	silent := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, ": thinking\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-testDone:
		}
	})
	const idle = 300 * time.Millisecond
	c := newClient(t, serveModel(t, silent), Options{StreamIdleTimeout: idle})
	ctx := testContext(t)
	start := time.Now()
	_, err := c.RunStream(ctx, []Message{UserMessage("hello")}, nil)
	if !errors.Is(err, errStreamIdle) {
		t.Fatalf("RunStream error = %v, want the idle timeout", err)
	}
	if d := time.Since(start); d < idle {
		t.Errorf("RunStream failed after %v, before the idle timeout of %v", d, idle)
	}
	if ctx.Err() != nil {
		t.Error("RunStream returned only when the test's context ended")
	}
}

// A slow stream whose chunks keep coming is not cut by the idle timeout,
// though it lasts longer than the timeout in total.
func TestStreamSlowButAlive(t *testing.T) {
	_, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		{Message: &fakemodel.Message{Content: "one two three four five six"}, StreamChunkDelay: 60 * time.Millisecond},
	}})
	c := newClient(t, base, Options{StreamIdleTimeout: 300 * time.Millisecond})
	res, err := c.RunStream(testContext(t), []Message{UserMessage("count")}, nil)
	if err != nil {
		t.Fatalf("RunStream: %v", err)
	}
	if res.Answer != "one two three four five six" {
		t.Errorf("Answer = %q, want the whole text", res.Answer)
	}
}

func TestStreamToolCalls(t *testing.T) {
	calls := []fakemodel.ToolCall{
		call("call_a", "srv__echo", `{"n":1,"text":"Grüße aus Oslo, ünïcödé"}`),
		call("call_b", "srv__echo", `{"n":2}`),
		call("call_c", "srv__echo", ``),
	}
	for _, omitIndex := range []bool{false, true} {
		t.Run(fmt.Sprintf("omitIndex=%v", omitIndex), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
				{Message: &fakemodel.Message{Content: "Let me check. ", ToolCalls: calls}, OmitToolCallIndex: omitIndex},
				{Message: &fakemodel.Message{Content: "All three said hello, in order."}},
			}})
			c := newClient(t, base, Options{})
			_, log := addServer(t, c, "srv", argsTool("echo"))
			var pieces []string
			res, err := c.RunStream(testContext(t), []Message{UserMessage("echo")}, func(s string) { pieces = append(pieces, s) })
			if err != nil {
				t.Fatalf("RunStream: %v", err)
			}
			want := []mcpCall{
				{Name: "echo", Arguments: `{"n":1,"text":"Grüße aus Oslo, ünïcödé"}`},
				{Name: "echo", Arguments: `{"n":2}`},
				{Name: "echo", Arguments: `{}`},
			}
			got := log.toolCalls(t)
			// The calls run in parallel; their order on the wire is free.
			sortCalls := func(cs []mcpCall) {
				for i := range cs {
					for j := i + 1; j < len(cs); j++ {
						if cs[j].Arguments < cs[i].Arguments {
							cs[i], cs[j] = cs[j], cs[i]
						}
					}
				}
			}
			sortCalls(got)
			sortCalls(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("server received calls mismatch (-want +got):\n%s", diff)
			}
			assistant := requests(t, fm, 2)[1].Messages[1]
			replayed := []fakemodel.ToolCall{calls[0], calls[1], call("call_c", "srv__echo", "{}")}
			if diff := cmp.Diff(replayed, assistant.ToolCalls); diff != "" {
				t.Errorf("replayed calls mismatch (-want +got):\n%s", diff)
			}
			if assistant.Content != "Let me check. " {
				t.Errorf("replayed content = %q, want the streamed text", assistant.Content)
			}
			if got, want := strings.Join(pieces, ""), "Let me check. All three said hello, in order."; got != want {
				t.Errorf("streamed text = %q, want %q", got, want)
			}
			if res.Answer != "All three said hello, in order." {
				t.Errorf("Answer = %q, want the final turn's text", res.Answer)
			}
		})
	}
}

func TestStreamTextDeltas(t *testing.T) {
	const text = "Über 9000 tokens: ½ of ☕ — and 🚀 with a long tail to split in pieces."
	_, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{{Message: &fakemodel.Message{Content: text}}}})
	c := newClient(t, base, Options{})
	var pieces []string
	res, err := c.RunStream(testContext(t), []Message{UserMessage("talk")}, func(s string) { pieces = append(pieces, s) })
	if err != nil {
		t.Fatalf("RunStream: %v", err)
	}
	if len(pieces) < 10 {
		t.Errorf("onText called %d times, want one call per delta (many)", len(pieces))
	}
	if got := strings.Join(pieces, ""); got != text || res.Answer != text {
		t.Errorf("streamed %q, answer %q; want both %q", got, res.Answer, text)
	}
}

func TestStreamBadInput(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", "", "ended before any reply"},
		{"only done", "data: [DONE]\n\n", "ended before any reply"},
		{"malformed chunk", "data: {nope\n\n", "malformed chunk"},
		{"provider error", `data: {"error":{"message":"overloaded","code":"busy"}}` + "\n\n", "provider error: overloaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, tt.body)
			})
			c := newClient(t, serveModel(t, h), Options{})
			_, err := c.RunStream(testContext(t), []Message{UserMessage("hi")}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mcpclient: ") {
				t.Errorf("RunStream(%q) error = %v, want an mcpclient error containing %q", tt.body, err, tt.want)
			}
		})
	}
}

func TestCallAssembler(t *testing.T) {
	idx := func(i int) *int { return &i }
	delta := func(index *int, id, name, args string) openai.ToolCall {
		return openai.ToolCall{Index: index, ID: id, Function: openai.FunctionCall{Name: name, Arguments: args}}
	}
	tests := []struct {
		name   string
		deltas []openai.ToolCall
		want   []ToolCall
	}{
		{
			name: "interleaved by index",
			deltas: []openai.ToolCall{
				delta(idx(0), "a", "f", ""), delta(idx(1), "b", "g", ""),
				delta(idx(0), "", "", `{"x":`), delta(idx(1), "", "", `{"y":`),
				delta(idx(1), "", "", `2}`), delta(idx(0), "", "", `1}`),
			},
			want: []ToolCall{{ID: "a", Name: "f", Arguments: `{"x":1}`}, {ID: "b", Name: "g", Arguments: `{"y":2}`}},
		},
		{
			name:   "indexes out of order and skipping",
			deltas: []openai.ToolCall{delta(idx(5), "late", "g", "{}"), delta(idx(2), "early", "f", "{}")},
			want:   []ToolCall{{ID: "early", Name: "f", Arguments: "{}"}, {ID: "late", Name: "g", Arguments: "{}"}},
		},
		{
			name: "no index, new id starts a call",
			deltas: []openai.ToolCall{
				delta(nil, "a", "f", `{"x"`), delta(nil, "", "", `:1}`),
				delta(nil, "b", "g", `{}`),
			},
			want: []ToolCall{{ID: "a", Name: "f", Arguments: `{"x":1}`}, {ID: "b", Name: "g", Arguments: `{}`}},
		},
		{
			name:   "no index, id repeated in every delta",
			deltas: []openai.ToolCall{delta(nil, "a", "f", `{"x"`), delta(nil, "a", "", `:1}`)},
			want:   []ToolCall{{ID: "a", Name: "f", Arguments: `{"x":1}`}},
		},
		{
			name:   "name repeated in every delta",
			deltas: []openai.ToolCall{delta(idx(0), "a", "get_weather", `{"c`), delta(idx(0), "", "get_weather", `":1}`)},
			want:   []ToolCall{{ID: "a", Name: "get_weather", Arguments: `{"c":1}`}},
		},
		{
			name:   "name in pieces",
			deltas: []openai.ToolCall{delta(idx(0), "a", "get_", ""), delta(idx(0), "", "weather", "{}")},
			want:   []ToolCall{{ID: "a", Name: "get_weather", Arguments: "{}"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a callAssembler
			for _, d := range tt.deltas {
				a.add(d)
			}
			if diff := cmp.Diff(tt.want, a.result()); diff != "" {
				t.Errorf("assembled calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// An idle reader that keeps receiving bytes is never cut, though it lives
// longer than its timeout.
func TestIdleReaderResets(t *testing.T) {
	pr, pw := io.Pipe()
	r := newIdleReader(pr, 200*time.Millisecond)
	go func() {
		for range 8 {
			time.Sleep(50 * time.Millisecond)
			pw.Write([]byte("x"))
		}
		pw.Close()
	}()
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "xxxxxxxx" {
		t.Errorf("ReadAll(idle reader) = %q, %v; want 8 bytes and no error", b, err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}
