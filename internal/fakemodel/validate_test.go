package fakemodel

import (
	"encoding/json"
	"strings"
	"testing"
)

func tool(name, params string) Tool {
	t := Tool{Type: "function", Function: ToolFunction{Name: name}}
	if params != "" {
		t.Function.Parameters = json.RawMessage(params)
	}
	return t
}

const objectParams = `{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`

func call(id, name string) ToolCall {
	return ToolCall{ID: id, Type: "function", Function: FunctionCall{Name: name, Arguments: `{"q":"x"}`}}
}

func withTools(params ...string) Request {
	req := userRequest("hello")
	for i, p := range params {
		req.Tools = append(req.Tools, tool("tool_"+string(rune('a'+i)), p))
	}
	return req
}

func withMessages(msgs ...RequestMessage) Request {
	return Request{Model: "m", Messages: msgs}
}

var (
	user     = RequestMessage{Role: "user", Content: "hi"}
	twoCalls = RequestMessage{Role: "assistant", ToolCalls: []ToolCall{call("c1", "search"), call("c2", "search")}}
)

func reply(id string) RequestMessage {
	return RequestMessage{Role: "tool", ToolCallID: id, Content: "result " + id}
}

func imagePart() json.RawMessage {
	return json.RawMessage(`{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}`)
}

func TestValidation(t *testing.T) {
	longName := strings.Repeat("a", 64)
	tests := []struct {
		name    string
		req     Request
		raw     string // used instead of req when set
		wantMsg string // "" means the request is valid
	}{
		{name: "valid plain", req: userRequest("hi")},
		{name: "missing model", req: Request{Messages: []RequestMessage{user}}, wantMsg: "model is required"},
		{name: "no messages", req: Request{Model: "m"}, wantMsg: "at least one message"},
		{name: "stream_options without stream", req: Request{Model: "m", Messages: []RequestMessage{user}, StreamOptions: &StreamOptions{IncludeUsage: true}}, wantMsg: "stream_options is only allowed"},
		{name: "unknown role", req: withMessages(RequestMessage{Role: "robot", Content: "x"}), wantMsg: `role "robot"`},

		{name: "valid tools", req: withTools(objectParams, `{"type":"object","properties":{}}`)},
		{name: "tool type", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{{Type: "code", Function: ToolFunction{Name: "x", Parameters: json.RawMessage(objectParams)}}}}, wantMsg: `tools[0].type must be "function"`},
		{name: "tool name with space", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{tool("read file", objectParams)}}, wantMsg: "must match ^[a-zA-Z0-9_-]{1,64}$"},
		{name: "tool name with dot", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{tool("fs.read", objectParams)}}, wantMsg: "must match"},
		{name: "tool name 64 chars", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{tool(longName, objectParams)}}},
		{name: "tool name 65 chars", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{tool(longName+"a", objectParams)}}, wantMsg: "must match"},
		{name: "tool name empty", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{tool("", objectParams)}}, wantMsg: "must match"},
		{name: "duplicate tool names", req: Request{Model: "m", Messages: []RequestMessage{user}, Tools: []Tool{tool("dup", objectParams), tool("dup", objectParams)}}, wantMsg: `tools[1].function.name "dup" duplicates tools[0]`},

		{name: "parameters absent", req: withTools(""), wantMsg: "tools[0].function.parameters is required"},
		{name: "parameters null", raw: `{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":null}}]}`, wantMsg: "got null"},
		{name: "parameters an array", req: withTools(`[]`), wantMsg: "must be a JSON schema object"},
		{name: "parameters type string", req: withTools(`{"type":"string"}`), wantMsg: `must have "type":"object"`},
		{name: "parameters without type", req: withTools(`{"properties":{}}`), wantMsg: `must have "type":"object"`},
		{name: "required null", req: withTools(`{"type":"object","properties":{},"required":null}`), wantMsg: "tools[0].function.parameters.required must be an array"},
		{name: "nested required null", req: withTools(`{"type":"object","properties":{"o":{"type":"object","required":null}}}`), wantMsg: "parameters.properties.o.required must be an array"},
		{name: "property named required", req: withTools(`{"type":"object","properties":{"required":{"type":"boolean"},"items":{"type":"string"}},"required":["required"]}`)},
		{name: "array without items", req: withTools(`{"type":"object","properties":{"tags":{"type":"array"}}}`), wantMsg: "parameters.properties.tags: array schema must define items"},
		{name: "nullable array without items", req: withTools(`{"type":"object","properties":{"tags":{"type":["array","null"]}}}`), wantMsg: "array schema must define items"},
		{name: "array without items deep in anyOf", req: withTools(`{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"object","properties":{"l":{"type":"array","items":{"type":"array"}}}}]}}}`), wantMsg: "parameters.properties.v.anyOf[1].properties.l.items: array schema must define items"},
		{name: "array without items in $defs", req: withTools(`{"type":"object","$defs":{"x":{"type":"array"}}}`), wantMsg: "parameters.$defs.x: array schema"},
		{name: "tuple items without items", req: withTools(`{"type":"object","properties":{"p":{"type":"array","items":[{"type":"array"}]}}}`), wantMsg: "parameters.properties.p.items[0]: array schema must define items"},
		{name: "additionalProperties array without items", req: withTools(`{"type":"object","additionalProperties":{"type":"array"}}`), wantMsg: "parameters.additionalProperties: array schema"},
		{name: "properties not an object", req: withTools(`{"type":"object","properties":[]}`), wantMsg: "parameters.properties must be an object"},
		{name: "anyOf not an array", req: withTools(`{"type":"object","properties":{"v":{"anyOf":{}}}}`), wantMsg: "properties.v.anyOf must be an array of schemas"},
		{name: "property schema a string", req: withTools(`{"type":"object","properties":{"v":"string"}}`), wantMsg: "properties.v must be a schema object"},
		{name: "array with items", req: withTools(`{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}},"any":{"type":"array","items":true}}}`)},

		{name: "tool_choice without tools", req: Request{Model: "m", Messages: []RequestMessage{user}, ToolChoice: json.RawMessage(`"auto"`)}, wantMsg: "tool_choice is only allowed when tools are specified"},
		{name: "tool_choice unknown mode", req: func() Request { r := withTools(objectParams); r.ToolChoice = json.RawMessage(`"always"`); return r }(), wantMsg: `tool_choice "always"`},
		{name: "tool_choice unknown function", req: func() Request {
			r := withTools(objectParams)
			r.ToolChoice = json.RawMessage(`{"type":"function","function":{"name":"nope"}}`)
			return r
		}(), wantMsg: `names function "nope"`},
		{name: "tool_choice known function", req: func() Request {
			r := withTools(objectParams)
			r.ToolChoice = json.RawMessage(`{"type":"function","function":{"name":"tool_a"}}`)
			return r
		}()},

		{name: "tool replies in any order", req: withMessages(user, twoCalls, reply("c2"), reply("c1"), user)},
		{name: "tool replies at the end", req: withMessages(user, twoCalls, reply("c1"), reply("c2"))},
		{name: "missing tool reply before user", req: withMessages(user, twoCalls, reply("c1"), user), wantMsg: "must be followed by one tool message per tool_call_id; before messages[3] no tool message answers: c2"},
		{name: "missing tool reply at end", req: withMessages(user, twoCalls, reply("c2")), wantMsg: "no tool message answers: c1"},
		{name: "no tool replies before assistant", req: withMessages(user, twoCalls, RequestMessage{Role: "assistant", Content: "x"}), wantMsg: "no tool message answers: c1, c2"},
		{name: "tool reply with unknown id", req: withMessages(user, twoCalls, reply("c1"), reply("c2"), reply("c9")), wantMsg: `tool_call_id "c9" does not answer any tool call`},
		{name: "tool reply without assistant", req: withMessages(user, reply("c1")), wantMsg: `tool_call_id "c1" does not answer`},
		{name: "tool reply after the block closed", req: withMessages(user, twoCalls, reply("c1"), reply("c2"), user, reply("c1")), wantMsg: `tool_call_id "c1" does not answer`},
		{name: "duplicate tool reply", req: withMessages(user, twoCalls, reply("c1"), reply("c1"), reply("c2")), wantMsg: `"c1" is answered by more than one tool message`},
		{name: "tool reply without id", req: withMessages(user, twoCalls, reply("c1"), reply("c2"), RequestMessage{Role: "tool", Content: "x"}), wantMsg: "lacks tool_call_id"},
		{name: "duplicate call ids", req: withMessages(user, RequestMessage{Role: "assistant", ToolCalls: []ToolCall{call("c1", "a"), call("c1", "b")}}, reply("c1")), wantMsg: `id "c1" is used twice`},
		{name: "call ids reused across turns", req: withMessages(user, twoCalls, reply("c1"), reply("c2"), user, twoCalls, reply("c2"), reply("c1"))},
		{name: "tool call without id", req: withMessages(user, RequestMessage{Role: "assistant", ToolCalls: []ToolCall{call("", "a")}}), wantMsg: "tool_calls[0].id is required"},
		{name: "tool call without name", req: withMessages(user, RequestMessage{Role: "assistant", ToolCalls: []ToolCall{call("c1", "")}}, reply("c1")), wantMsg: "function.name is required"},
		{name: "tool call with wrong type", req: withMessages(user, RequestMessage{Role: "assistant", ToolCalls: []ToolCall{{ID: "c1", Type: "fn", Function: FunctionCall{Name: "a"}}}}, reply("c1")), wantMsg: `type must be "function"`},
		{name: "tool calls on a user message", req: withMessages(RequestMessage{Role: "user", Content: "x", ToolCalls: []ToolCall{call("c1", "a")}}), wantMsg: "only assistant messages may carry tool_calls"},

		{name: "image in user message", req: withMessages(RequestMessage{Role: "user", Parts: []json.RawMessage{json.RawMessage(`{"type":"text","text":"look"}`), imagePart()}})},
		{name: "image in tool message", req: withMessages(user, twoCalls, reply("c1"), RequestMessage{Role: "tool", ToolCallID: "c2", Parts: []json.RawMessage{imagePart()}}), wantMsg: MsgImageNotUser},
		{name: "image in assistant message", req: withMessages(user, RequestMessage{Role: "assistant", Parts: []json.RawMessage{imagePart()}}), wantMsg: MsgImageNotUser},
		{name: "image in system message", req: withMessages(RequestMessage{Role: "system", Parts: []json.RawMessage{imagePart()}}, user), wantMsg: MsgImageNotUser},
		{name: "text parts in tool message", req: withMessages(user, twoCalls, reply("c1"), RequestMessage{Role: "tool", ToolCallID: "c2", Parts: []json.RawMessage{json.RawMessage(`{"type":"text","text":"ok"}`)}})},
		{name: "part without type", req: withMessages(RequestMessage{Role: "user", Parts: []json.RawMessage{json.RawMessage(`{"text":"x"}`)}}), wantMsg: "messages[0].content[0] must be an object with a type"},
	}
	ts := startServer(t, New(Options{}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.raw
			if body == "" {
				body = encode(t, tt.req)
			}
			r := postChat(t, ts, body)
			if tt.wantMsg == "" {
				if r.status != 200 {
					t.Fatalf("POST %s: status = %d, want 200 (body %s)", body, r.status, r.body)
				}
				return
			}
			if r.status != 400 {
				t.Fatalf("POST %s: status = %d, want 400 (body %s)", body, r.status, r.body)
			}
			e := decodeError(t, r.body)
			if !strings.Contains(e.Error.Message, tt.wantMsg) {
				t.Errorf("POST %s: error message = %q, want it to contain %q", body, e.Error.Message, tt.wantMsg)
			}
			if e.Error.Type != "invalid_request_error" {
				t.Errorf("error type = %q, want invalid_request_error", e.Error.Type)
			}
		})
	}
}

func TestRejectedRequestKeepsStep(t *testing.T) {
	ts := startServer(t, New(Options{Script: []Step{{Message: &Message{Content: "scripted"}}}}))
	if r := postChat(t, ts, encode(t, withMessages(user, twoCalls))); r.status != 400 {
		t.Fatalf("invalid request status = %d, want 400", r.status)
	}
	if _, m := decodeCompletion(t, postChat(t, ts, encode(t, userRequest("x"))).body); m.Content != "scripted" {
		t.Errorf("content after a rejected request = %q, want scripted", m.Content)
	}
}

func TestReasoningMustBePassedBack(t *testing.T) {
	thinking := Message{ReasoningContent: "I should check the time", ToolCalls: []ToolCall{call("call_r1", "get_time")}}
	plain := Message{ToolCalls: []ToolCall{call("call_p1", "get_time")}}
	replayed := func(m Message, keepReasoning bool) RequestMessage {
		rm := RequestMessage{Role: "assistant", ToolCalls: m.ToolCalls}
		if keepReasoning {
			rm.ReasoningContent = m.ReasoningContent
		}
		return rm
	}
	tests := []struct {
		name    string
		script  Message
		history []RequestMessage
		want    int
	}{
		{"reasoning dropped", thinking, []RequestMessage{user, replayed(thinking, false), reply("call_r1")}, 400},
		{"reasoning kept", thinking, []RequestMessage{user, replayed(thinking, true), reply("call_r1")}, 200},
		{"dropped before the last user message", thinking, []RequestMessage{user, replayed(thinking, false), reply("call_r1"), {Role: "assistant", Content: "ok"}, user}, 200},
		{"no reasoning was sent", plain, []RequestMessage{user, replayed(plain, false), reply("call_p1")}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := tt.script
			ts := startServer(t, New(Options{Script: []Step{{Message: &script}}}))
			first := userRequest("hi")
			first.Tools = []Tool{tool("get_time", objectParams)}
			if r := postChat(t, ts, encode(t, first)); r.status != 200 {
				t.Fatalf("first request status = %d, want 200 (body %s)", r.status, r.body)
			}
			r := postChat(t, ts, encode(t, withMessages(tt.history...)))
			if r.status != tt.want {
				t.Fatalf("replay status = %d, want %d (body %s)", r.status, tt.want, r.body)
			}
			if tt.want == 400 {
				if e := decodeError(t, r.body); e.Error.Message != MsgReasoningRequired {
					t.Errorf("error message = %q, want %q", e.Error.Message, MsgReasoningRequired)
				}
			}
		})
	}
}
