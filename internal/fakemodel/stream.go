package fakemodel

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"
)

// contentPieceRunes is the size of the streamed content pieces; small, so that
// multi-byte characters and words are split across chunks.
const contentPieceRunes = 4

type chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *Usage        `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int     `json:"index"`
	Delta        delta   `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type delta struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent *string         `json:"reasoning_content,omitempty"`
	ToolCalls        []toolCallDelta `json:"tool_calls,omitempty"`
}

type toolCallDelta struct {
	Index    *int          `json:"index,omitempty"`
	ID       string        `json:"id,omitempty"`
	Type     string        `json:"type,omitempty"`
	Function functionDelta `json:"function"`
}

type functionDelta struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// stream sends msg as server-sent events, flushing after every write and
// stopping as soon as a write fails or the request is cancelled.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *Request, step Step, msg *Message, meta replyMeta) {
	copyHeader(w.Header(), step.Header)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(meta.status)
	sw := &sseWriter{w: w, rc: http.NewResponseController(w), ctx: r.Context(), delay: step.StreamChunkDelay}
	for _, line := range step.StreamPrefix {
		if !sw.write(line + "\n") {
			return
		}
	}
	newChunk := func() chunk {
		return chunk{ID: meta.id, Object: "chat.completion.chunk", Created: meta.created, Model: meta.model}
	}
	for _, d := range streamDeltas(msg, step.OmitToolCallIndex) {
		c := newChunk()
		c.Choices = []chunkChoice{{Delta: d}}
		if !sw.event(c) {
			return
		}
	}
	final := newChunk()
	final.Choices = []chunkChoice{{Delta: delta{}, FinishReason: &meta.finish}}
	if !sw.event(final) {
		return
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		u := newChunk()
		u.Choices = []chunkChoice{}
		u.Usage = &meta.usage
		if !sw.event(u) {
			return
		}
	}
	sw.write("data: [DONE]\n\n")
}

// sseWriter writes and flushes events, pausing between chunks.
type sseWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	ctx    context.Context
	delay  time.Duration
	chunks int
}

// event writes one chunk as a data event, after the configured pause unless it
// is the first chunk.
func (sw *sseWriter) event(c chunk) bool {
	if sw.chunks > 0 && !sleepContext(sw.ctx, sw.delay) {
		return false
	}
	sw.chunks++
	b, err := json.Marshal(c)
	if err != nil {
		return false
	}
	return sw.write("data: " + string(b) + "\n\n")
}

func (sw *sseWriter) write(s string) bool {
	if sw.ctx.Err() != nil {
		return false
	}
	if _, err := sw.w.Write([]byte(s)); err != nil {
		return false
	}
	if err := sw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return false
	}
	return true
}

// streamDeltas splits msg into the deltas a provider would stream: the role,
// reasoning in two halves, content in small pieces, then the tool calls with
// their arguments in three or more pieces. Unless omitIndex is set, the tool
// calls' pieces are interleaved round-robin, so that only their index tells
// them apart.
func streamDeltas(msg *Message, omitIndex bool) []delta {
	empty := ""
	out := []delta{{Role: msg.Role, Content: &empty}}
	if rc := msg.ReasoningContent; rc != "" {
		half := runePrefixLen(rc, utf8.RuneCountInString(rc)/2)
		for _, part := range []string{rc[:half], rc[half:]} {
			if part != "" {
				out = append(out, delta{ReasoningContent: &part})
			}
		}
	}
	for _, piece := range splitRunes(msg.Content, contentPieceRunes) {
		out = append(out, delta{Content: &piece})
	}
	pieces := make([][]string, len(msg.ToolCalls))
	for i, tc := range msg.ToolCalls {
		pieces[i] = splitArguments(tc.Function.Arguments)
	}
	callDelta := func(i, k int) delta {
		tc := msg.ToolCalls[i]
		d := toolCallDelta{Function: functionDelta{Arguments: pieces[i][k]}}
		if !omitIndex {
			d.Index = &i
		}
		if k == 0 {
			d.ID, d.Type, d.Function.Name = tc.ID, tc.Type, tc.Function.Name
		}
		return delta{ToolCalls: []toolCallDelta{d}}
	}
	if omitIndex {
		for i := range msg.ToolCalls {
			for k := range pieces[i] {
				out = append(out, callDelta(i, k))
			}
		}
		return out
	}
	for k := 0; ; k++ {
		more := false
		for i := range msg.ToolCalls {
			if k < len(pieces[i]) {
				out = append(out, callDelta(i, k))
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

// splitArguments cuts arguments into at least three pieces of at most eight
// runes, padding with leading empty pieces when there are fewer than three
// runes.
func splitArguments(args string) []string {
	n := utf8.RuneCountInString(args)
	size := max(1, min(8, n/3))
	pieces := splitRunes(args, size)
	for len(pieces) < 3 {
		pieces = append([]string{""}, pieces...)
	}
	return pieces
}

// splitRunes cuts s into pieces of size runes (the last may be shorter),
// never inside a UTF-8 sequence.
func splitRunes(s string, size int) []string {
	var out []string
	for s != "" {
		n := runePrefixLen(s, size)
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// runePrefixLen returns the byte length of the first n runes of s.
func runePrefixLen(s string, n int) int {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}
