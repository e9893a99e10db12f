package testserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
)

// Tool is one tool offered by a [Server].
type Tool struct {
	// Name identifies the tool in tools/call; Title and Description are
	// informative and omitted from tools/list when empty.
	Name, Title, Description string
	// InputSchema is the JSON Schema of the arguments; nil means
	// {"type":"object"}. OutputSchema, when set, describes
	// StructuredContent.
	InputSchema, OutputSchema json.RawMessage
	// Annotations is sent verbatim, e.g. {"readOnlyHint":true}.
	Annotations json.RawMessage
	// Handler runs one call. It may run concurrently with other calls and
	// must return when ctx ends (client cancellation, connection end). A
	// returned error becomes a result with isError set and the error text;
	// a nil Result with a nil error is an empty content list. A nil Handler
	// answers every call with an isError result.
	Handler func(ctx context.Context, c *Call) (*Result, error)
}

// Call describes one tools/call request to a [Tool.Handler].
type Call struct {
	// Name is the tool name as requested.
	Name string
	// Arguments is the raw arguments value; {} when the client sent none.
	Arguments json.RawMessage
	// Progress sends notifications/progress for this call. A total of 0
	// is omitted (unknown), as is an empty message. It is never nil: it does
	// nothing when the client sent no progressToken, after the handler has
	// returned, or after the call was cancelled. It is safe for concurrent
	// use.
	Progress func(progress, total float64, message string)
	// Server is the server running the call, so that handlers can change
	// tools, notify or send requests to the client.
	Server *Server

	// Modern-era fields: the client's capabilities from this request's
	// _meta, and on a retry of a multi round-trip request, its
	// inputResponses and echoed requestState.
	Modern             bool
	ClientCapabilities json.RawMessage
	InputResponses     json.RawMessage
	RequestState       *string
}

// Result is what a [Tool.Handler] returns: a CallToolResult.
type Result struct {
	// Content holds content blocks, each a JSON value such as [Text] or
	// [Image] make. Invalid JSON makes the call fail with -32603.
	Content []json.RawMessage
	// StructuredContent, when set, is sent as structuredContent.
	StructuredContent json.RawMessage
	// IsError marks a tool execution error.
	IsError bool

	// InputRequests or RequestState, when set on a modern call, make the
	// reply an InputRequiredResult instead of a tool result: the client is
	// asked to retry with inputResponses (and the state echoed).
	InputRequests json.RawMessage
	RequestState  string
}

type textContent struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type imageContent struct {
	Type     string `json:"type"`
	Data     string `json:"data"`
	MimeType string `json:"mimeType"`
}

// Text returns a text content block {"type":"text","text":s}.
func Text(s string) json.RawMessage {
	// Marshalling a struct of two strings cannot fail.
	b, _ := json.Marshal(textContent{Type: "text", Text: s})
	return b
}

// Image returns an image content block with data base64-encoded and the
// given MIME type, e.g. "image/png".
func Image(data []byte, mime string) json.RawMessage {
	b, _ := json.Marshal(imageContent{Type: "image", Data: base64.StdEncoding.EncodeToString(data), MimeType: mime})
	return b
}
