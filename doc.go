// Package mcpclient gives an OpenAI-compatible chat model the tools of MCP
// (Model Context Protocol) servers and of local Go functions, and runs the
// model's tool calls quickly and safely. It is also a complete MCP client on
// its own.
//
// # Chat with tools
//
// A [Client] talks to any OpenAI-compatible endpoint (OpenAI, DeepSeek,
// OpenRouter, vLLM, Ollama, llama.cpp and others). Connect MCP servers to
// it, add local tools, and ask:
//
//	c, err := mcpclient.NewClient(&mcpclient.Options{
//		BaseURL: "http://127.0.0.1:8080/v1",
//		Model:   "my-model",
//	})
//	if err != nil { ... }
//	defer c.Close()
//	_, err = c.Connect(ctx, "files", &mcpclient.StdioTransport{
//		Command: "npx",
//		Args:    []string{"-y", "@modelcontextprotocol/server-filesystem", "/tmp"},
//	}, nil)
//	res, err := c.Ask(ctx, "What is in /tmp/notes.txt?")
//	fmt.Println(res.Answer)
//
// The tools of every server are offered to the model under names it accepts
// ("server__tool", shortened with a hash when needed), with schemas repaired
// so that strict providers accept them. The calls of one turn run in
// parallel, bounded globally and per server, and their results go back in the
// model's order. Bad model output (an unknown tool, arguments that are not
// JSON) goes back to the model as an error it can act on.
//
// # MCP without a model
//
// A [Session] is one connection to one server:
//
//	s, err := mcpclient.Connect(ctx, &mcpclient.StdioTransport{Command: "my-server"}, nil)
//	if err != nil { ... }
//	defer s.Close()
//	tools, err := s.ListTools(ctx)
//	res, err := s.CallTool(ctx, "echo", map[string]any{"message": "hi"}, nil)
//
// Every request has a timeout (see [SessionOptions] and [CallOptions]);
// cancelling a context tells the server with notifications/cancelled and
// returns at once. A server that dies fails every pending request with a
// [*ConnectionError] that quotes its last stderr lines.
//
// # Errors
//
// Errors match sentinels with errors.Is ([ErrClosed], [ErrTimeout],
// [ErrUnsupportedVersion], [ErrMessageTooLarge], ...) and carry details in
// types reachable with errors.As ([*RPCError], [*HTTPError],
// [*ConnectionError], [*TimeoutError], [*VersionError], [*ToolError]).
//
// # Resilience
//
// Model requests are retried on connection errors, 408, 409, 429 and 5xx
// with capped exponential backoff and full jitter, honouring Retry-After and
// retry-after-ms ([RetryPolicy]), and admitted by a [Limiter] such as
// [TokenBucket]. A stream that has reached the caller is never retried.
//
// # Logging
//
// The package never prints. Pass a *slog.Logger in [Options] or
// [SessionOptions] to see what it does; nil discards.
package mcpclient
