// Package lean is a second MCP echo server for the benchmark, written by
// hand to cost as little CPU per call as a correct server can.
//
// It serves the same single tool as package echo (the official Go SDK's
// server), with the same name and input schema, over the same transports
// and endpoint paths: stdio, and Streamable HTTP with application/json or
// text/event-stream responses, 2025-11-25 sessions at [LegacyPath] and
// stateless 2026-07-28 at [ModernPath]. Its answers on the paths the
// measured clients use are shaped like the SDK server's; what it leaves out
// is the work: each message is checked with [encoding/json.Valid] and its
// envelope (id, method, tool name, arguments, protocol version) is then
// read by one hand-written pass with no reflection, and each response is
// appended into a reused buffer from constant pieces and the raw JSON
// tokens of the request.
//
// Client and server share the machine's cores in the benchmark, so the
// SDK server's cost caps every client's calls per second; against this
// server the clients' own costs show in their throughput.
//
// It imports neither the library nor any MCP SDK, so no client is measured
// against a server of its own making.
package lean
