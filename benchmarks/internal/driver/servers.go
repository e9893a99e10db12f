package driver

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"github.com/mcpclient/mcpclient/benchmarks/internal/lean"
)

// Servers the benchmark runs against, named by the -server flag.
const (
	// ServerGoSDK is package echo: the official Go SDK's server, the
	// reference every client must work with.
	ServerGoSDK = "gosdk"
	// ServerLean is package lean: a hand-written server cheap enough that
	// the clients' own costs show in their calls per second.
	ServerLean = "lean"
)

// checkServer returns an error unless name is one of the servers.
func checkServer(name string) error {
	if name != ServerGoSDK && name != ServerLean {
		return fmt.Errorf("mcpclient: bench: unknown server %q (want %s or %s)", name, ServerGoSDK, ServerLean)
	}
	return nil
}

// serveStdio runs the named server on in and out until in ends or ctx does.
func serveStdio(ctx context.Context, name string, in io.Reader, out io.Writer) error {
	if name == ServerLean {
		return lean.ServeStdio(ctx, in, out)
	}
	// The SDK's stdio transport reads and writes the process's own stdin
	// and stdout, which in and out are when the driver starts this role.
	return echo.ServeStdio(ctx)
}

// httpHandler returns the named server's Streamable HTTP handler.
func httpHandler(name string, sse bool) http.Handler {
	if name == ServerLean {
		return lean.Handler(sse)
	}
	return echo.Handler(sse)
}

// describeServer names the server for the report.
func describeServer(name string) string {
	if name == ServerLean {
		return "the hand-written lean server (internal/lean: one pass over each message's envelope, answers appended into reused buffers)"
	}
	return "go-sdk v1.8.0's server (internal/echo)"
}
