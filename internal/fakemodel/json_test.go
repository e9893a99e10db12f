package fakemodel

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMessageMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"text", Message{Role: "assistant", Content: "hi"}, `{"role":"assistant","content":"hi"}`},
		{"empty text", Message{Role: "assistant"}, `{"role":"assistant","content":""}`},
		{"tool calls, no text", Message{Role: "assistant", ToolCalls: []ToolCall{demoCall("c", "f", "{}")}},
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}`},
		{"reasoning", Message{Role: "assistant", Content: "a", ReasoningContent: "r"}, `{"role":"assistant","content":"a","reasoning_content":"r"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.msg)
			if err != nil || string(b) != tt.want {
				t.Errorf("json.Marshal(%+v) = %s, %v, want %s", tt.msg, b, err, tt.want)
			}
			var back Message
			if err := json.Unmarshal(b, &back); err != nil || !cmp.Equal(back, tt.msg) {
				t.Errorf("json.Unmarshal(%s) = %+v, %v, want %+v", b, back, err, tt.msg)
			}
		})
	}
}

func TestRequestMessageJSON(t *testing.T) {
	parts := []json.RawMessage{json.RawMessage(`{"type":"text","text":"a"}`), json.RawMessage(`{"type":"image_url","image_url":{"url":"x"}}`), json.RawMessage(`{"type":"text","text":"b"}`)}
	tests := []struct {
		name    string
		in      string
		want    RequestMessage
		wantErr bool
		out     string // re-encoding; "" means same as in
	}{
		{name: "string", in: `{"role":"user","content":"hi"}`, want: RequestMessage{Role: "user", Content: "hi"}},
		{name: "parts", in: `{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]}`,
			want: RequestMessage{Role: "user", Content: "a\nb", Parts: parts}},
		{name: "null with tool calls", in: `{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}],"reasoning_content":"r"}`,
			want: RequestMessage{Role: "assistant", ToolCalls: []ToolCall{demoCall("c", "f", "{}")}, ReasoningContent: "r"}},
		{name: "absent content", in: `{"role":"assistant"}`, want: RequestMessage{Role: "assistant"}, out: `{"role":"assistant","content":""}`},
		{name: "tool reply", in: `{"role":"tool","content":"ok","tool_call_id":"c","name":"f"}`, want: RequestMessage{Role: "tool", Content: "ok", ToolCallID: "c", Name: "f"}},
		{name: "number content", in: `{"role":"user","content":1}`, wantErr: true},
		{name: "object content", in: `{"role":"user","content":{"text":"x"}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got RequestMessage
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("json.Unmarshal(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("json.Unmarshal(%s) mismatch (-want +got):\n%s", tt.in, diff)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if b, err := json.Marshal(got); err != nil || string(b) != want {
				t.Errorf("json.Marshal(%+v) = %s, %v, want %s", got, b, err, want)
			}
		})
	}
}
