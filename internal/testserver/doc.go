// Package testserver is a small, fast and scriptable MCP server (Model
// Context Protocol over JSON-RPC 2.0, one JSON message per line).
//
// It is the demo server of the CLI, the peer of the client's tests (in memory
// through pipes, or as a subprocess over stdio through [Main]) and the server
// of the benchmarks. It deliberately shares no code or types with the client
// so that both sides are independent implementations of the protocol.
//
// A [Server] holds the tools and the fault settings; each call to
// [Server.Serve] is one connection. Faults (see [Faults]) make the server
// misbehave in the ways real servers do: banner noise on stdout, string ids,
// cursors that never end, huge results, dropped connections and requests
// that are never answered.
package testserver
