package fakemodel

import (
	"encoding/json"
	"strings"
	"testing"
)

// sseEvents splits an event stream into the data payloads of its events and
// the comment lines, as a client would see them.
func sseEvents(t *testing.T, raw string) (data, comments []string) {
	t.Helper()
	var cur []string
	for line := range strings.SplitSeq(raw, "\n") {
		switch {
		case line == "":
			if cur != nil {
				data = append(data, strings.Join(cur, "\n"))
				cur = nil
			}
		case strings.HasPrefix(line, ":"):
			comments = append(comments, line)
		case strings.HasPrefix(line, "data: "):
			cur = append(cur, strings.TrimPrefix(line, "data: "))
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if cur != nil {
		t.Fatalf("stream ends inside an event: %q", cur)
	}
	return data, comments
}

// wireChunk decodes a streamed chunk independently of the server's structs;
// pointers reveal which fields were present.
type wireChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role             string  `json:"role"`
			Content          *string `json:"content"`
			ReasoningContent *string `json:"reasoning_content"`
			ToolCalls        []struct {
				Index    *int   `json:"index"`
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
}

// assembled is what a client rebuilds from a stream, plus facts about how
// the stream was cut.
type assembled struct {
	msg             Message
	finish          string
	usage           *Usage
	reasoningDeltas int
	contentDeltas   int
	callOrder       []int       // tool-call slot of each tool-call delta, in order
	pieces          map[int]int // tool-call deltas per slot
	sawIndex        bool
}

// assemble rebuilds the message the way a client must: tool-call deltas by
// index, or, without index, a delta with an id starts a new call.
func assemble(t *testing.T, data []string) assembled {
	t.Helper()
	if len(data) == 0 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]: %q", data)
	}
	a := assembled{pieces: map[int]int{}}
	var id string
	for i, d := range data[:len(data)-1] {
		var c wireChunk
		if err := json.Unmarshal([]byte(d), &c); err != nil {
			t.Fatalf("chunk %d %q: %v", i, d, err)
		}
		if c.Object != "chat.completion.chunk" {
			t.Fatalf("chunk %d object = %q, want chat.completion.chunk", i, c.Object)
		}
		if id == "" {
			id = c.ID
		}
		if c.ID != id {
			t.Fatalf("chunk %d id = %q, want %q", i, c.ID, id)
		}
		if c.Usage != nil {
			if len(c.Choices) != 0 || i != len(data)-2 {
				t.Fatalf("usage chunk %d has %d choices or is not last: %s", i, len(c.Choices), d)
			}
			a.usage = c.Usage
			continue
		}
		if len(c.Choices) != 1 {
			t.Fatalf("chunk %d has %d choices, want 1", i, len(c.Choices))
		}
		ch := c.Choices[0]
		if a.finish != "" {
			t.Fatalf("chunk %d follows the finish chunk: %s", i, d)
		}
		if ch.FinishReason != nil {
			a.finish = *ch.FinishReason
		}
		if ch.Delta.Role != "" {
			a.msg.Role = ch.Delta.Role
		}
		if ch.Delta.ReasoningContent != nil {
			a.msg.ReasoningContent += *ch.Delta.ReasoningContent
			a.reasoningDeltas++
		}
		if ch.Delta.Content != nil && *ch.Delta.Content != "" {
			a.msg.Content += *ch.Delta.Content
			a.contentDeltas++
		}
		for _, tc := range ch.Delta.ToolCalls {
			slot := len(a.msg.ToolCalls) - 1
			switch {
			case tc.Index != nil:
				a.sawIndex = true
				slot = *tc.Index
			case tc.ID != "":
				slot = len(a.msg.ToolCalls)
			}
			if slot < 0 {
				t.Fatalf("chunk %d: tool-call delta without index before any call", i)
			}
			for len(a.msg.ToolCalls) <= slot {
				a.msg.ToolCalls = append(a.msg.ToolCalls, ToolCall{})
			}
			call := &a.msg.ToolCalls[slot]
			if tc.ID != "" {
				call.ID, call.Type, call.Function.Name = tc.ID, tc.Type, tc.Function.Name
			}
			call.Function.Arguments += tc.Function.Arguments
			a.callOrder = append(a.callOrder, slot)
			a.pieces[slot]++
		}
	}
	return a
}

func TestSSEEvents(t *testing.T) {
	data, comments := sseEvents(t, ": ping\n\ndata: {\"a\":1}\n\n: x\ndata: [DONE]\n\n")
	if got, want := strings.Join(data, "|"), `{"a":1}|[DONE]`; got != want {
		t.Errorf("sseEvents data = %q, want %q", got, want)
	}
	if got, want := strings.Join(comments, "|"), ": ping|: x"; got != want {
		t.Errorf("sseEvents comments = %q, want %q", got, want)
	}
}
