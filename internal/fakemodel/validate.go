package fakemodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// toolNamePattern is the function-name rule strict providers enforce.
var toolNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// checkRequest returns a provider-style description of the first rule req
// breaks, or "" when it breaks none. The reasoning_content rule needs the
// server's memory of earlier replies and is checked by the Server.
func checkRequest(req *Request) string {
	if req.Model == "" {
		return "model is required"
	}
	if len(req.Messages) == 0 {
		return "messages must contain at least one message"
	}
	if req.StreamOptions != nil && !req.Stream {
		return "stream_options is only allowed when stream is true"
	}
	if msg := checkTools(req.Tools); msg != "" {
		return msg
	}
	if msg := checkToolChoice(req.ToolChoice, req.Tools); msg != "" {
		return msg
	}
	return checkMessages(req.Messages)
}

func checkTools(tools []Tool) string {
	seen := make(map[string]int, len(tools))
	for i, t := range tools {
		if t.Type != "function" {
			return fmt.Sprintf("tools[%d].type must be \"function\", got %q", i, t.Type)
		}
		name := t.Function.Name
		if !toolNamePattern.MatchString(name) {
			return fmt.Sprintf("tools[%d].function.name %q must match ^[a-zA-Z0-9_-]{1,64}$", i, name)
		}
		if j, dup := seen[name]; dup {
			return fmt.Sprintf("tools[%d].function.name %q duplicates tools[%d]", i, name, j)
		}
		seen[name] = i
		if msg := checkParameters(fmt.Sprintf("tools[%d].function.parameters", i), t.Function.Parameters); msg != "" {
			return msg
		}
	}
	return ""
}

func checkToolChoice(raw json.RawMessage, tools []Tool) string {
	c := bytes.TrimSpace(raw)
	if len(c) == 0 || string(c) == "null" {
		return ""
	}
	if len(tools) == 0 {
		return "tool_choice is only allowed when tools are specified"
	}
	var mode string
	if json.Unmarshal(c, &mode) == nil {
		switch mode {
		case "none", "auto", "required":
			return ""
		}
		return fmt.Sprintf("tool_choice %q must be \"none\", \"auto\" or \"required\"", mode)
	}
	var named struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(c, &named); err != nil || named.Type != "function" {
		return `tool_choice must be a string or {"type":"function","function":{"name":...}}`
	}
	for _, t := range tools {
		if t.Function.Name == named.Function.Name {
			return ""
		}
	}
	return fmt.Sprintf("tool_choice names function %q, which is not among the tools", named.Function.Name)
}

// checkMessages enforces roles, content parts and the pairing of tool calls
// with tool messages: each assistant message with tool_calls must be followed,
// before any other kind of message, by exactly one tool message per call.
func checkMessages(msgs []RequestMessage) string {
	var pending []string          // call ids of the open block still unanswered
	answered := map[string]bool{} // call ids of the open block already answered
	for i, m := range msgs {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool":
		default:
			return fmt.Sprintf("messages[%d].role %q must be one of system, developer, user, assistant, tool", i, m.Role)
		}
		if msg := checkParts(i, m); msg != "" {
			return msg
		}
		if m.Role != "tool" {
			if len(pending) > 0 {
				return missingReplies(pending, i)
			}
			clear(answered) // the block is closed; later replies answer nothing
		}
		if len(m.ToolCalls) > 0 && m.Role != "assistant" {
			return fmt.Sprintf("messages[%d]: only assistant messages may carry tool_calls", i)
		}
		switch m.Role {
		case "assistant":
			if len(m.ToolCalls) == 0 {
				continue
			}
			for j, tc := range m.ToolCalls {
				if msg := checkToolCall(i, j, tc); msg != "" {
					return msg
				}
				for _, id := range pending {
					if id == tc.ID {
						return fmt.Sprintf("messages[%d].tool_calls[%d].id %q is used twice in the message", i, j, tc.ID)
					}
				}
				pending = append(pending, tc.ID)
			}
		case "tool":
			if m.ToolCallID == "" {
				return fmt.Sprintf("messages[%d]: tool message lacks tool_call_id", i)
			}
			k := indexOf(pending, m.ToolCallID)
			switch {
			case k >= 0:
				pending = append(pending[:k], pending[k+1:]...)
				answered[m.ToolCallID] = true
			case answered[m.ToolCallID]:
				return fmt.Sprintf("messages[%d]: tool_call_id %q is answered by more than one tool message", i, m.ToolCallID)
			default:
				return fmt.Sprintf("messages[%d]: tool message with tool_call_id %q does not answer any tool call of the preceding assistant message", i, m.ToolCallID)
			}
		}
	}
	if len(pending) > 0 {
		return missingReplies(pending, len(msgs))
	}
	return ""
}

func missingReplies(pending []string, at int) string {
	return fmt.Sprintf("an assistant message with tool_calls must be followed by one tool message per tool_call_id; before messages[%d] no tool message answers: %s",
		at, strings.Join(pending, ", "))
}

func checkToolCall(i, j int, tc ToolCall) string {
	switch {
	case tc.ID == "":
		return fmt.Sprintf("messages[%d].tool_calls[%d].id is required", i, j)
	case tc.Type != "function":
		return fmt.Sprintf("messages[%d].tool_calls[%d].type must be \"function\", got %q", i, j, tc.Type)
	case tc.Function.Name == "":
		return fmt.Sprintf("messages[%d].tool_calls[%d].function.name is required", i, j)
	}
	return ""
}

// checkParts rejects malformed content parts and images outside user messages.
func checkParts(i int, m RequestMessage) string {
	for j, p := range m.Parts {
		var part struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(p, &part); err != nil || part.Type == "" {
			return fmt.Sprintf("messages[%d].content[%d] must be an object with a type", i, j)
		}
		if part.Type == "image_url" && m.Role != "user" {
			return MsgImageNotUser
		}
	}
	return ""
}

func indexOf(ids []string, id string) int {
	for k, v := range ids {
		if v == id {
			return k
		}
	}
	return -1
}
