package fakemodel

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	readFileParams = `{"type":"object","properties":{"path":{"type":"string"},"max_lines":{"type":"integer"}},"required":["path"]}`
	weatherParams  = `{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"units":{"type":"string","enum":["metric","imperial"]}},"required":["city","days","units"]}`
	addParams      = `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":["integer","null"]}},"required":["a","b"]}`
	mixedParams    = `{"type":"object","properties":{"dry_run":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string"}},"opts":{"type":"object"},"target_dir":{"type":"string"}},"required":["dry_run","tags","opts","target_dir"]}`
	untypedParams  = `{"type":"object","properties":{"x":{"description":"anything"}},"required":["x"]}`
)

func demoCall(id, name, args string) ToolCall {
	return ToolCall{ID: id, Type: "function", Function: FunctionCall{Name: name, Arguments: args}}
}

func TestDemoBrain(t *testing.T) {
	tools := func(specs ...string) []Tool {
		var out []Tool
		for i := 0; i < len(specs); i += 2 {
			out = append(out, tool(specs[i], specs[i+1]))
		}
		return out
	}
	ask := func(text string, ts []Tool, choice string) *Request {
		r := userRequest(text)
		r.Tools = ts
		if choice != "" {
			r.ToolChoice = json.RawMessage(choice)
		}
		return &r
	}
	tests := []struct {
		name string
		req  *Request
		want *Message
	}{
		{
			name: "name matches a word",
			req:  ask("Please READ the file docs/readme.md, thanks.", tools("get_weather", weatherParams, "read_file", readFileParams), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "read_file", `{"path":"docs/readme.md"}`)}},
		},
		{
			name: "both tools match",
			req:  ask("weather in Paris, then read notes.txt", tools("get_weather", weatherParams, "read_file", readFileParams), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{
				demoCall("call_1", "get_weather", `{"city":"Paris","days":2,"units":"metric"}`),
				demoCall("call_2", "read_file", `{"path":"notes.txt"}`),
			}},
		},
		{
			name: "at most three matches",
			req:  ask("list everything", tools("list_a", `{"type":"object"}`, "list_b", `{"type":"object"}`, "list-c", `{"type":"object"}`, "list4d", `{"type":"object"}`), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{
				demoCall("call_1", "list_a", `{}`), demoCall("call_2", "list_b", `{}`), demoCall("call_3", "list-c", `{}`),
			}},
		},
		{
			name: "short words and digits do not match",
			req:  ask("go to v2", tools("go_v2_to", untypedParams), ""),
			want: &Message{Role: "assistant", Content: "(demo model) You said: go to v2"},
		},
		{
			name: "no match: first two fillable tools",
			req:  ask("hello there", tools("mystery", untypedParams, "add", addParams, "deploy", mixedParams, "read_file", readFileParams), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{
				demoCall("call_1", "add", `{"a":2,"b":3}`),
				demoCall("call_2", "deploy", `{"dry_run":false,"tags":[],"opts":{},"target_dir":"hello there"}`),
			}},
		},
		{
			name: "path token trimmed of quotes",
			req:  ask(`open "./src/main.go" now`, tools("open_file", readFileParams), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "open_file", `{"path":"./src/main.go"}`)}},
		},
		{
			name: "a lone dot is a path",
			req:  ask("list the files in .", tools("list_dir", `{"type":"object","properties":{"dir":{"type":"string"}},"required":["dir"]}`), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "list_dir", `{"dir":"."}`)}},
		},
		{
			name: "a sentence end is not a path",
			req:  ask("read it.", tools("read_file", readFileParams), ""),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "read_file", `{"path":"read it."}`)}},
		},
		{
			name: "nothing fillable",
			req:  ask("hello", tools("mystery", untypedParams), ""),
			want: &Message{Role: "assistant", Content: "(demo model) You said: hello"},
		},
		{
			name: "tool_choice none",
			req:  ask("read it", tools("read_file", readFileParams), `"none"`),
			want: &Message{Role: "assistant", Content: "(demo model) You said: read it"},
		},
		{
			name: "tool_choice required",
			req:  ask("hello", tools("mystery", untypedParams), `"required"`),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "mystery", `{"x":"hello"}`)}},
		},
		{
			name: "tool_choice names a function",
			req:  ask("read it", tools("read_file", readFileParams, "add", addParams), `{"type":"function","function":{"name":"add"}}`),
			want: &Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "add", `{"a":2,"b":3}`)}},
		},
		{
			name: "no tools",
			req:  &Request{Messages: []RequestMessage{{Role: "system", Content: "be nice"}, {Role: "user", Content: "hi there"}}},
			want: &Message{Role: "assistant", Content: "(demo model) You said: hi there"},
		},
		{
			name: "user text from parts",
			req: &Request{Messages: []RequestMessage{{Role: "user", Parts: []json.RawMessage{
				json.RawMessage(`{"type":"text","text":"first"}`), imagePart(), json.RawMessage(`{"type":"text","text":"second"}`),
			}, Content: "first\nsecond"}}},
			want: &Message{Role: "assistant", Content: "(demo model) You said: first\nsecond"},
		},
		{
			name: "last message from the assistant",
			req:  &Request{Messages: []RequestMessage{{Role: "user", Content: "q"}, {Role: "assistant", Content: "a"}}},
			want: &Message{Role: "assistant", Content: "(demo model) You said: q"},
		},
		{
			name: "tool results",
			req: &Request{Messages: []RequestMessage{
				{Role: "user", Content: "go"},
				{Role: "assistant", ToolCalls: []ToolCall{demoCall("call_1", "read_file", "{}"), demoCall("call_2", "list_dir", "{}")}},
				{Role: "tool", ToolCallID: "call_2", Content: "a.go\nb.go\n\n  c.go"},
				{Role: "tool", ToolCallID: "call_1", Content: strings.Repeat("é", 250)},
			}},
			want: &Message{Role: "assistant", Content: "(demo model) list_dir returned: a.go b.go c.go\nread_file returned: " + strings.Repeat("é", 200) + "…"},
		},
		{
			name: "tool result without a matching call",
			req:  &Request{Messages: []RequestMessage{{Role: "tool", ToolCallID: "x1", Content: ""}}},
			want: &Message{Role: "assistant", Content: "(demo model) unknown tool x1 returned: "},
		},
		{
			name: "nil request",
			req:  nil,
			want: &Message{Role: "assistant", Content: "(demo model) You said: "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DemoBrain(tt.req)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DemoBrain() mismatch (-want +got):\n%s", diff)
			}
			for _, tc := range got.ToolCalls {
				if !json.Valid([]byte(tc.Function.Arguments)) {
					t.Errorf("DemoBrain() arguments %q are not valid JSON", tc.Function.Arguments)
				}
			}
		})
	}
}

// TestDemoBrainConversation drives the demo through the server: two tools
// offered, then the tool results.
func TestDemoBrainConversation(t *testing.T) {
	ts := startServer(t, New(Options{}))
	req := userRequest("what is the weather in Oslo? also read go.mod")
	req.Tools = []Tool{tool("get_weather", weatherParams), tool("read_file", readFileParams)}
	r := postChat(t, ts, encode(t, req))
	if r.status != http.StatusOK {
		t.Fatalf("first turn status = %d, want 200 (body %s)", r.status, r.body)
	}
	c, m := decodeCompletion(t, r.body)
	if c.Choices[0].FinishReason != "tool_calls" || len(m.ToolCalls) != 2 {
		t.Fatalf("first turn = %s, want two tool calls", r.body)
	}
	if got := m.ToolCalls[1].Function.Arguments; got != `{"path":"go.mod"}` {
		t.Errorf("read_file arguments = %s, want {\"path\":\"go.mod\"}", got)
	}

	req.Messages = append(req.Messages,
		RequestMessage{Role: "assistant", ToolCalls: m.ToolCalls},
		RequestMessage{Role: "tool", ToolCallID: m.ToolCalls[0].ID, Content: "sunny, 21°C"},
		RequestMessage{Role: "tool", ToolCallID: m.ToolCalls[1].ID, Content: "module example\n\ngo 1.26"},
	)
	req.Stream = true
	r = postChat(t, ts, encode(t, req))
	if r.status != http.StatusOK {
		t.Fatalf("second turn status = %d, want 200 (body %s)", r.status, r.body)
	}
	data, _ := sseEvents(t, r.body)
	a := assemble(t, data)
	want := "(demo model) get_weather returned: sunny, 21°C\nread_file returned: module example go 1.26"
	if a.msg.Content != want || a.finish != "stop" {
		t.Errorf("second turn = %q (%s), want %q (stop)", a.msg.Content, a.finish, want)
	}
}
