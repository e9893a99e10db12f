package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"time"
)

// maxScanLine bounds the line kept while looking for the first token; a
// longer line ends the search (the stream is read on, untouched).
const maxScanLine = 1 << 20

// firstTokenBody passes a chat completion event stream through unchanged
// and notes when the first chunk with generated content arrives. Servers
// send a first chunk with only the role as soon as they accept a request,
// so the first byte would flatter them: the first token is what a user
// waits for. Once found, it stops looking, so the rest costs nothing.
type firstTokenBody struct {
	io.ReadCloser
	trace *Trace
	line  []byte
	done  bool
}

func (b *firstTokenBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && !b.done {
		b.scan(p[:n], time.Now())
	}
	return n, err
}

func (b *firstTokenBody) scan(chunk []byte, now time.Time) {
	for len(chunk) > 0 && !b.done {
		i := bytes.IndexAny(chunk, "\r\n")
		if i < 0 {
			b.keep(chunk)
			return
		}
		b.keep(chunk[:i])
		if b.done {
			break
		}
		if hasToken(b.line) {
			b.trace.tokenAt(now)
			b.done = true
		}
		b.line = b.line[:0]
		chunk = chunk[i+1:]
	}
	if b.done {
		b.line = nil
	}
}

func (b *firstTokenBody) keep(part []byte) {
	if len(b.line)+len(part) > maxScanLine {
		b.done = true
		return
	}
	b.line = append(b.line, part...)
}

// streamChunk is the part of a chat.completion.chunk that shows content.
type streamChunk struct {
	Choices []struct {
		Delta struct {
			Content          string            `json:"content"`
			ReasoningContent string            `json:"reasoning_content"`
			Reasoning        string            `json:"reasoning"`
			ToolCalls        []json.RawMessage `json:"tool_calls"`
		} `json:"delta"`
	} `json:"choices"`
}

// hasToken reports whether an SSE line is a data line whose chunk carries
// generated content.
func hasToken(line []byte) bool {
	data, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		return false
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	var c streamChunk
	if json.Unmarshal(data, &c) != nil {
		return false
	}
	for _, ch := range c.Choices {
		d := ch.Delta
		if d.Content != "" || d.ReasoningContent != "" || d.Reasoning != "" || len(d.ToolCalls) > 0 {
			return true
		}
	}
	return false
}
