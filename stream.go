package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mcpclient/mcpclient/internal/sse"
	openai "github.com/sashabaranov/go-openai"
)

// maxStreamEvent bounds one event of a model stream.
const maxStreamEvent = 16 << 20

// streamChunk holds only what readStream uses of a chunk: decoding into
// go-openai's full chunk type costs several times more, once per chunk.
type streamChunk struct {
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content          string            `json:"content"`
			ReasoningContent string            `json:"reasoning_content"`
			ToolCalls        []openai.ToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *openai.Usage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// readStream assembles a streamed reply. It reads the stream with the
// project's SSE parser rather than go-openai's, which counts keepalive lines
// against a limit, holds them in memory and knows only LF line ends.
func readStream(ctx context.Context, body io.Reader, onText func(string)) (*reply, error) {
	r := sse.NewReader(body, maxStreamEvent)
	defer r.Release()
	var (
		content, reasoning strings.Builder
		calls              callAssembler
		out                reply
		done, finished     bool
	)
	for !done {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("mcpclient: model stream: %w", err)
		}
		data := bytes.TrimSpace(ev.Data)
		if string(data) == "[DONE]" {
			break
		}
		if len(data) == 0 {
			continue
		}
		var chunk streamChunk
		if err := json.Unmarshal(data, &chunk); err != nil {
			return nil, fmt.Errorf("mcpclient: model stream: malformed chunk: %w", err)
		}
		if chunk.Error != nil {
			return nil, fmt.Errorf("mcpclient: model stream: provider error: %s", chunk.Error.Message)
		}
		if chunk.Usage != nil {
			out.usage = *chunk.Usage
		}
		for i := range chunk.Choices {
			ch := &chunk.Choices[i]
			if ch.Index != 0 {
				continue
			}
			d := &ch.Delta
			if d.Content != "" {
				content.WriteString(d.Content)
				onText(d.Content)
			}
			reasoning.WriteString(d.ReasoningContent)
			for _, tc := range d.ToolCalls {
				calls.add(tc)
			}
			if ch.FinishReason != "" {
				out.finish = ch.FinishReason
				finished = true
			}
		}
	}
	if !finished && content.Len() == 0 && len(calls.calls) == 0 {
		return nil, errors.New("mcpclient: model stream ended before any reply")
	}
	out.message = Message{Role: RoleAssistant, Content: content.String(), ReasoningContent: reasoning.String(), ToolCalls: calls.result()}
	return &out, nil
}

// callAssembler rebuilds tool calls from stream deltas. Deltas normally name
// their call by index; some providers leave the index out, so a delta with a
// new id starts a new call and one with neither continues the last call.
// Indexes may skip numbers; calls come out in index order.
type callAssembler struct {
	calls []*partialCall
	last  *partialCall
}

type partialCall struct {
	index int
	id    string
	name  string
	args  strings.Builder
}

func (a *callAssembler) add(d openai.ToolCall) {
	var c *partialCall
	switch {
	case d.Index != nil:
		for _, p := range a.calls {
			if p.index == *d.Index {
				c = p
				break
			}
		}
		if c == nil {
			c = a.start(*d.Index)
		}
	case a.last == nil || (d.ID != "" && a.last.id != "" && d.ID != a.last.id):
		next := 0
		for _, p := range a.calls {
			next = max(next, p.index+1)
		}
		c = a.start(next)
	default:
		c = a.last
	}
	a.last = c
	if c.id == "" {
		c.id = d.ID
	}
	// A name arrives whole in one delta, though some providers repeat it
	// in every delta; only a different piece is appended.
	if n := d.Function.Name; n != "" && n != c.name {
		c.name += n
	}
	c.args.WriteString(d.Function.Arguments)
}

func (a *callAssembler) start(index int) *partialCall {
	c := &partialCall{index: index}
	a.calls = append(a.calls, c)
	return c
}

func (a *callAssembler) result() []ToolCall {
	if len(a.calls) == 0 {
		return nil
	}
	sort.SliceStable(a.calls, func(i, j int) bool { return a.calls[i].index < a.calls[j].index })
	out := make([]ToolCall, len(a.calls))
	for i, c := range a.calls {
		out[i] = ToolCall{ID: c.id, Name: c.name, Arguments: c.args.String()}
	}
	return out
}
