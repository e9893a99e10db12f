package fakemodel

import "encoding/json"

// Message is an assistant message returned by the fake model. The zero value is
// an empty message; the server sends Role "" as "assistant".
type Message struct {
	Role             string     `json:"role"`
	Content          string     `json:"content"`
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
}

// MarshalJSON encodes m in the Chat Completions shape: content is null when it
// is empty and tool calls are present; reasoning_content and tool_calls are
// left out when empty.
func (m Message) MarshalJSON() ([]byte, error) {
	type wire struct {
		Role             string     `json:"role"`
		Content          *string    `json:"content"`
		ReasoningContent string     `json:"reasoning_content,omitempty"`
		ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
	}
	v := wire{Role: m.Role, ReasoningContent: m.ReasoningContent, ToolCalls: m.ToolCalls}
	if m.Content != "" || len(m.ToolCalls) == 0 {
		v.Content = &m.Content
	}
	return json.Marshal(v)
}

// ToolCall is one function call in an assistant message. In a reply the server
// sends Type "" as "function" and ID "" as a generated "call_..." id.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the called function; Arguments is its JSON-encoded
// argument object, as text.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Usage is the token accounting of one reply.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}
