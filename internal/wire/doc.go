// Package wire frames JSON-RPC messages as newline-delimited lines, the
// framing of the MCP stdio transport, with a bound on the size of one message.
//
// It knows bytes, not MCP: a session above it decodes what [LineReader.Read]
// returns.
package wire
