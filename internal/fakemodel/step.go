package fakemodel

import (
	"net/http"
	"time"
)

// Step is one scripted reply. The zero value is a 200 reply whose message comes
// from the Brain, which lets a step add headers or streaming quirks to a reply
// it does not spell out.
type Step struct {
	// Status is the HTTP status; 0 means 200. A status outside 2xx is sent as an
	// error in OpenAI's shape (unless Body is set) and is never streamed.
	Status int

	// Header holds extra response headers, e.g. Retry-After or retry-after-ms.
	Header http.Header

	// Body, when non-empty, is sent verbatim with Status, whether or not the
	// request asked for streaming. Content-Type is application/json unless
	// Header sets it.
	Body string

	// Message is the assistant message to return; nil means ask the Brain.
	Message *Message

	// FinishReason overrides the finish reason; empty means "tool_calls" when
	// the message has tool calls and "stop" otherwise.
	FinishReason string

	// Usage is reported verbatim when non-nil; nil means an estimate of one
	// token per four bytes of request body and of reply text.
	Usage *Usage

	// StreamPrefix holds raw lines written before the first chunk of a streamed
	// reply, each followed by "\n" and flushed, e.g. SSE comments such as
	// ": keep-alive". An empty string yields a blank line.
	StreamPrefix []string

	// StreamChunkDelay is the pause before each streamed chunk after the first,
	// cut short if the request is cancelled.
	StreamChunkDelay time.Duration

	// OmitToolCallIndex drops "index" from streamed tool-call deltas, a quirk of
	// some providers. Tool calls are then streamed one after another, each
	// starting with a delta that carries its id, since interleaved pieces
	// without an index could not be told apart.
	OmitToolCallIndex bool
}
