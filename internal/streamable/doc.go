// Package streamable carries MCP messages over HTTP: the Streamable HTTP
// transport of revisions 2025-03-26 to 2025-11-25 and of 2026-07-28, and the
// deprecated HTTP+SSE transport of 2024-11-05 as a fallback.
//
// # Connections
//
// [Open] returns a [Conn], which implements the session's Connection
// interface: Write sends one JSON-RPC message, Read returns the server's
// messages one at a time, Close ends everything. A request's POST runs in a
// goroutine of the connection, so Write returns as soon as it has started;
// the response, and any notification or server request sent on the POST's
// event stream, reach Read. A failure that concerns one request only (an HTTP
// error status, a broken connection, a stream that ended early) reaches Read
// as a [*RequestError] naming that request, and the connection goes on.
//
// A session that wants less per request uses three more methods. With
// [Conn.Exchange] a request's POST runs on the caller's goroutine instead;
// with [Conn.SetResponseHandler] a response that is alone or first on its
// stream goes straight to the session rather than through Read; with
// [Conn.SetReadNotify] the connection signals when Read has something, so
// that nobody needs to wait in Read while the connection is idle.
//
// # Eras
//
// The connection follows the revision of each message. Before 2026-07-28 it
// keeps the Mcp-Session-Id of the initialize response, opens the optional GET
// stream before notifications/initialized is sent (or later, on
// [Conn.OpenServerStream], when the session deferred it), resumes a broken event
// stream with Last-Event-ID, re-initialises by itself when the server forgets
// the session (HTTP 404), and sends DELETE on Close. From 2026-07-28 on it is
// stateless: no session, no GET stream, no resumption, and a request is
// cancelled by closing its stream. In every era a POST mirrors the method,
// and the tool or prompt name or resource URI, into the Mcp-Method and
// Mcp-Name headers that 2026-07-28 requires and older servers ignore.
//
// # Fallback
//
// When the POST of initialize is refused with 400, 404 or 405, and the body
// is not an error only a 2026-07-28 server sends, the connection tries the
// HTTP+SSE transport: it GETs the same URL, takes the POST endpoint from the
// first "endpoint" event (which must be same-origin), and from then on reads
// every message from that one stream.
//
// # Headers
//
// [WithHeaders] attaches headers to one message through its context, for
// values the session computes per request such as Mcp-Param-* or trace
// context. [EncodeHeaderValue] applies the spec's Base64 rule to values that
// are not plain ASCII.
package streamable
