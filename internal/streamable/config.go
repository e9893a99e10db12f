package streamable

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Defaults for the zero values of [Config].
const (
	DefaultMaxMessageBytes = 64 << 20
	DefaultCloseTimeout    = 2 * time.Second
)

// Config configures a connection. URL is required; every other field has a
// useful zero value.
type Config struct {
	// URL is the MCP endpoint, http or https.
	URL string
	// Client sends every request. nil means a client on a clone of
	// http.DefaultTransport, owned by the connection.
	Client *http.Client
	// CloseIdle makes Close call Client.CloseIdleConnections, for a client
	// that belongs to this connection alone.
	CloseIdle bool
	// Header is added to every request. It is not modified.
	Header http.Header
	// HeaderFunc, when set, may add, change or delete headers of every
	// request after Header, BearerToken and the message's context headers
	// were applied. For a message it runs in Write with Write's context;
	// an error fails that Write.
	HeaderFunc func(ctx context.Context, h http.Header) error
	// BearerToken, when set, is sent as "Authorization: Bearer <token>".
	BearerToken string
	// MaxMessageBytes bounds one JSON body or one event; 0 means
	// DefaultMaxMessageBytes.
	MaxMessageBytes int
	// Logger receives stream events and skipped messages; nil discards.
	Logger *slog.Logger
	// DisableLegacyFallback turns off the HTTP+SSE fallback.
	DisableLegacyFallback bool
	// CloseTimeout bounds the DELETE that Close sends; 0 means
	// DefaultCloseTimeout.
	CloseTimeout time.Duration
}
