// Package sse parses Server-Sent Events streams, following the parsing rules of the WHATWG
// HTML standard's "server-sent events" section.
//
// It is the one parser used for every MCP stream and for the chat model's streams. The
// parser works on bytes: field values are passed through unchanged, without UTF-8
// validation or replacement, which leaves decoding to the consumer of Event.Data.
package sse
