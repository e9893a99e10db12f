package mcpclient

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
)

// HTTPTransport connects to an MCP server over HTTP: Streamable HTTP for
// every revision since 2025-03-26, including the stateless 2026-07-28, and
// the deprecated HTTP+SSE transport of 2024-11-05, which it falls back to
// when the server refuses the Streamable POST of initialize with 400, 404 or
// 405. The zero value is not usable: URL is required. An HTTPTransport may be
// used for any number of connections, from any goroutine, as long as its
// fields are not changed meanwhile.
//
// A request's POST runs on the calling goroutine, which returns when the
// answer has come, the request's timeout has passed or its context has
// ended (then the server is told with notifications/cancelled and the POST
// aborted). An HTTP error status, a dropped connection or a stream that
// ends early fails that request only; the session goes on. An error status is
// reported with its code, the start of the body and the Retry-After the
// server asked for, unless its body is a JSON-RPC error for the request, which
// is then the request's answer (2026-07-28 servers answer an unknown method
// with 404 and such a body). Before 2026-07-28 the connection also
// keeps the Mcp-Session-Id, opens the server's optional GET stream when the
// session needs what comes on it (handlers for server requests, notification
// hooks, a log level, a kept tool list, a subscription, progress; its
// failures are only logged), resumes broken event streams with
// Last-Event-ID, starts a new session by itself when the server answers 404
// for the old one (re-sending the failed message once), and sends DELETE on
// Close.
type HTTPTransport struct {
	// URL is the server's MCP endpoint, http or https. For an HTTP+SSE
	// server it is the URL of the event stream; the POST endpoint the
	// server names there must have the same scheme, host and port.
	URL string

	// HTTPClient sends every request. nil means a client on
	// NewHTTPTransport(), one per connection, whose idle connections
	// close with the connection. A caller's client is used as it is: its
	// Timeout, if any, bounds every request including long event streams,
	// so leave it zero and rely on the session's timeouts. Wrapping its
	// Transport (for OAuth, tracing, retries) is supported: every request
	// carries the context of the message it sends.
	HTTPClient *http.Client

	// Headers are added to every request (POST, GET and DELETE). They are
	// not modified.
	Headers http.Header

	// HeaderFunc, when set, runs for every request after Headers,
	// BearerToken and the per-request headers of the session were applied,
	// and may set, change or delete any of them. For a message it runs
	// when the message is written, with its context; an error fails that
	// message. It may be called from several goroutines at once. The
	// transport's own headers (Accept, Content-Type, Mcp-Session-Id,
	// MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID) are set
	// after it and cannot be overridden.
	HeaderFunc func(ctx context.Context, h http.Header) error

	// BearerToken, when set, is sent as "Authorization: Bearer <token>"
	// on every request. It is never logged.
	BearerToken string

	// MaxMessageBytes bounds one message: a JSON response body or one
	// event. 0 means 64 MiB. A larger response fails its request with an
	// error matching ErrMessageTooLarge, and the session goes on. Over
	// HTTP+SSE, where one stream carries every message, an event too large
	// to parse (a few KiB over the limit) cannot be skipped and ends the
	// connection.
	MaxMessageBytes int

	// Logger receives stream events (GET stream refused or reconnecting,
	// session re-initialised, fallback to HTTP+SSE) and skipped malformed
	// messages. nil discards them.
	Logger *slog.Logger

	// DisableLegacyFallback turns off the HTTP+SSE fallback, so that a
	// refused initialize fails at once.
	DisableLegacyFallback bool

	// CloseTimeout bounds the DELETE that ends the server's session on
	// Close. 0 means 2s.
	CloseTimeout time.Duration
}

// Connect returns a connection to t.URL. It sends nothing: the session's
// first message opens the exchange, so an unreachable server fails the
// handshake. It returns an error only for an invalid URL or a ctx already
// ended. The connection implements SetProtocolVersion.
func (t *HTTPTransport) Connect(ctx context.Context) (Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := streamable.Config{
		URL:                   t.URL,
		Client:                t.HTTPClient,
		Header:                t.Headers,
		HeaderFunc:            t.HeaderFunc,
		BearerToken:           t.BearerToken,
		MaxMessageBytes:       t.MaxMessageBytes,
		Logger:                t.Logger,
		DisableLegacyFallback: t.DisableLegacyFallback,
		CloseTimeout:          t.CloseTimeout,
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Transport: NewHTTPTransport()}
		cfg.CloseIdle = true
	}
	c, err := streamable.Open(cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}
