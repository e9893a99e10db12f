package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
	"github.com/mcpclient/mcpclient/internal/wire"
)

// HTTPStatusError is a non-success HTTP status for one message sent to an
// MCP server over HTTP: the status, an excerpt of the body, and the
// Retry-After the server asked for. Only the request it answered fails.
type HTTPStatusError = streamable.StatusError

// ErrNotSameOrigin reports a legacy HTTP+SSE server whose message endpoint
// is on another origin than its SSE stream, which the client refuses.
var ErrNotSameOrigin = streamable.ErrNotSameOrigin

// Sentinel errors. Match them with errors.Is; the typed errors below carry the
// details and match the sentinels that describe them.
var (
	// ErrClosed reports a session that was closed by the caller or lost its
	// connection. A [*ConnectionError] matches it.
	ErrClosed = errors.New("mcpclient: session closed")

	// ErrTimeout reports a request that got no answer in time. A
	// [*TimeoutError] matches it and also context.DeadlineExceeded.
	ErrTimeout = errors.New("mcpclient: request timed out")

	// ErrUnsupportedVersion reports a server that speaks no protocol revision
	// this client speaks. A [*VersionError] matches it.
	ErrUnsupportedVersion = errors.New("mcpclient: unsupported protocol version")

	// ErrMessageTooLarge reports a message over the transport's size limit.
	// Only the request it answered fails; the session goes on.
	ErrMessageTooLarge = wire.ErrMessageTooLarge

	// ErrUnknownTool reports a tool name that no server or local function
	// provides.
	ErrUnknownTool = errors.New("mcpclient: unknown tool")

	// ErrRepeatedCursor reports a server whose pagination cursor came back
	// unchanged, which would otherwise loop forever.
	ErrRepeatedCursor = errors.New("mcpclient: server repeated a pagination cursor")

	// ErrToolFailed is matched by every [*ToolError].
	ErrToolFailed = errors.New("mcpclient: tool reported an error")

	// ErrNotApproved reports a tool call that the approval hook refused.
	ErrNotApproved = errors.New("mcpclient: tool call not approved")
)

// JSON-RPC 2.0 and MCP error codes, for [RPCError.Code] and the [CodeError]
// values that match them.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
	// CodeResourceNotFound is MCP's code for resources/read of an unknown URI
	// (revisions up to 2025-11-25).
	CodeResourceNotFound = -32002
	// CodeURLElicitationRequired is MCP's code (2025-11-25) for a request that
	// needs the user to visit a URL first.
	CodeURLElicitationRequired = -32042
)

// RPCError is a JSON-RPC error object returned by the peer. errors.Is matches
// two RPCErrors by Code alone, so
//
//	errors.Is(err, mcpclient.CodeError(mcpclient.CodeMethodNotFound))
//
// tells whether a server lacks a method.
type RPCError struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`

	// Method is the method of the failed request; it is not on the wire.
	Method string `json:"-"`
}

// CodeError returns an RPCError that matches, with errors.Is, any RPCError of
// the same code.
func CodeError(code int64) *RPCError { return &RPCError{Code: code} }

func (e *RPCError) Error() string {
	if e.Method != "" {
		return fmt.Sprintf("mcpclient: %s: server error %d: %s", e.Method, e.Code, e.Message)
	}
	return fmt.Sprintf("mcpclient: server error %d: %s", e.Code, e.Message)
}

// Is matches any *RPCError with the same code.
func (e *RPCError) Is(target error) bool {
	t, ok := target.(*RPCError)
	return ok && t.Code == e.Code
}

// ConnectionError reports a connection that ended: the server exited, closed
// its output, or was closed by the caller. Every request pending at that
// moment fails with it. It matches [ErrClosed].
type ConnectionError struct {
	Server string // the session's name
	Err    error  // the cause, such as io.EOF or the process's exit status
	Stderr string // the last lines the server wrote to stderr, if known
}

func (e *ConnectionError) Error() string {
	var b strings.Builder
	b.WriteString("mcpclient: connection to server")
	if e.Server != "" {
		fmt.Fprintf(&b, " %q", e.Server)
	}
	b.WriteString(" closed")
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Stderr != "" {
		fmt.Fprintf(&b, "; last stderr lines:\n%s", e.Stderr)
	}
	return b.String()
}

func (e *ConnectionError) Unwrap() []error { return []error{ErrClosed, e.Err} }

// TimeoutError reports a request that got no answer within its timeout. It
// matches [ErrTimeout] and context.DeadlineExceeded.
type TimeoutError struct {
	Method string
	After  time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("mcpclient: %s: no response after %v (raise the request timeout if the server is slow)", e.Method, e.After)
}

// Is matches ErrTimeout and context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// VersionError reports a failed protocol version negotiation. It matches
// [ErrUnsupportedVersion].
type VersionError struct {
	Server    string   // the version the server answered with
	Supported []string // the versions this client speaks
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("mcpclient: server speaks protocol version %q, this client speaks %s", e.Server, strings.Join(e.Supported, ", "))
}

func (e *VersionError) Is(target error) bool { return target == ErrUnsupportedVersion }

// ToolError is a tool result marked isError, turned into a Go error by
// [CallToolResult.Err]. It matches [ErrToolFailed].
type ToolError struct {
	Server  string
	Tool    string
	Message string // the result's text
}

func (e *ToolError) Error() string {
	if e.Server != "" {
		return fmt.Sprintf("mcpclient: tool %s on server %q failed: %s", e.Tool, e.Server, e.Message)
	}
	return fmt.Sprintf("mcpclient: tool %s failed: %s", e.Tool, e.Message)
}

func (e *ToolError) Is(target error) bool { return target == ErrToolFailed }

// HTTPError is a non-success HTTP response from a model endpoint or an HTTP
// server. It keeps what the provider said and the headers that matter for
// retrying, which go-openai's own errors drop.
type HTTPError struct {
	StatusCode int
	Message    string // the provider's error message, or the status text
	Type       string // the provider's error type, if any
	Code       string // the provider's error code, if any
	Header     http.Header
	// RetryAfter is the wait the server asked for through retry-after-ms or
	// Retry-After (seconds or an HTTP date); zero when it asked none.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mcpclient: model request failed: HTTP %d", e.StatusCode)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}
