// Package clients puts every measured MCP client behind one interface, so
// the driver runs them all the same way.
package clients

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Transports a cell can use.
const (
	Stdio    = "stdio"
	HTTPJSON = "http-json" // Streamable HTTP, responses as application/json
	HTTPSSE  = "http-sse"  // Streamable HTTP, responses as one SSE event
)

// Spec says where the server is and which revision to speak.
type Spec struct {
	Transport string
	Version   string
	// ServerCommand starts a stdio server: the command and its arguments.
	ServerCommand []string
	// URL is the Streamable HTTP endpoint.
	URL string
	// HTTPClient is given to clients that accept one, so every client gets
	// the same connection pool; nil means each client's own default.
	HTTPClient *http.Client
}

// Client is one connected session. Call makes one tools/call of the echo
// tool and checks the reply; it is safe for concurrent use. Close ends the
// session and everything it started.
type Client interface {
	Call(ctx context.Context) error
	Close() error
}

// Opener connects a client described by a Spec.
type Opener func(ctx context.Context, s Spec) (Client, error)

var openers = map[string]Opener{}

// register is called from the init of each client's file.
func register(name string, o Opener) { openers[name] = o }

// Names lists the registered clients in a stable order: the floor first,
// then ours, then the others.
func Names() []string {
	order := map[string]int{"floor": 0, "ours": 1, "go-sdk": 2, "mcp-go": 3}
	var names []string
	for n := range openers {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	return names
}

// Open connects the client called name.
func Open(ctx context.Context, name string, s Spec) (Client, error) {
	o, ok := openers[name]
	if !ok {
		return nil, fmt.Errorf("mcpclient: bench: unknown client %q", name)
	}
	return o(ctx, s)
}

// errNoTransport is returned by a client that cannot speak s.Transport.
var errNoTransport = errors.New("mcpclient: bench: transport not supported by this client")

// IsUnsupported reports whether err says the client lacks the transport.
func IsUnsupported(err error) bool { return errors.Is(err, errNoTransport) }

// checkReply is the same check for every client: the first content item's
// text must be the echoed message.
func checkReply(client, text string, isError bool, want string) error {
	if isError || text != want {
		return fmt.Errorf("mcpclient: bench: %s: reply %q (isError %v), want %q", client, text, isError, want)
	}
	return nil
}

// checkVersion makes sure a client speaks the revision of its cell rather
// than one it fell back to.
func checkVersion(client, got, want string) error {
	if got != want {
		return fmt.Errorf("mcpclient: bench: %s: negotiated %q, want %q", client, got, want)
	}
	return nil
}

// NewHTTPClient returns the HTTP client handed to every client that takes
// one: a pool large enough for 64 calls in flight, so that no client pays
// for reconnecting because of the standard library's default of 2 idle
// connections per host.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}
