// Package echo is the one MCP server every client of the benchmark talks to:
// the official Go SDK's server with a single tool, "echo", that returns its
// "message" argument as text. The SDK speaks both eras (2025-11-25 with the
// initialize handshake, 2026-07-28 stateless), so one server serves every
// cell, and no client is measured against a server of its own making.
package echo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ToolName is the name of the server's only tool.
const ToolName = "echo"

// Arguments are the arguments every client sends on every call. They are
// fixed bytes so that no client pays for encoding a Go value the others
// would not.
const Arguments = `{"message":"hello"}`

// Reply is the text the tool returns for [Arguments].
const Reply = "hello"

var inputSchema = json.RawMessage(`{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`)

// NewServer returns a server with the echo tool. It is safe for concurrent
// use, as the SDK's servers are.
func NewServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "echo", Version: "1.0.0"}, nil)
	s.AddTool(&mcp.Tool{Name: ToolName, Description: "Returns its message.", InputSchema: inputSchema}, handle)
	return s
}

func handle(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var in struct {
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(req.Params.Arguments, &in); err != nil || in.Message == nil {
		return nil, errors.New("mcpclient: echo: arguments must be {\"message\": string}")
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: *in.Message}}}, nil
}

// ServeStdio serves one client on the process's stdin and stdout until the
// client closes stdin or ctx ends.
func ServeStdio(ctx context.Context) error {
	err := NewServer().Run(ctx, &mcp.StdioTransport{})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Endpoint paths of [Handler]: the SDK serves 2026-07-28 over HTTP only in
// stateless mode, and keeps 2025-11-25 sessions only in stateful mode, so
// each era has its own endpoint.
const (
	LegacyPath = "/legacy"
	ModernPath = "/modern"
)

// PathFor returns the endpoint path for a protocol revision.
func PathFor(version string) string {
	if version >= "2026-07-28" {
		return ModernPath
	}
	return LegacyPath
}

// Handler returns the Streamable HTTP handler of one server, at
// [LegacyPath] and [ModernPath]. With sse false every POST is answered with
// application/json; with sse true with a text/event-stream that carries
// the response as one event. Sessions of the 2025-11-25 era are kept until
// the client deletes them.
func Handler(sse bool) http.Handler {
	s := NewServer()
	get := func(*http.Request) *mcp.Server { return s }
	mux := http.NewServeMux()
	mux.Handle(LegacyPath, mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{JSONResponse: !sse}))
	mux.Handle(ModernPath, mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{JSONResponse: !sse, Stateless: true}))
	return mux
}
