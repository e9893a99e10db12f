// Package stdio runs an MCP server as a subprocess and carries JSON-RPC
// messages over its stdin and stdout, one per line.
//
// The child runs in its own process group, so that servers started through
// launchers such as npx or uvx end with their children. Stderr is drained
// line by line to a logger and its last lines are kept for error messages, so
// a chatty server never blocks on a full pipe.
package stdio
