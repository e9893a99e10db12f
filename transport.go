package mcpclient

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/mcpclient/mcpclient/internal/stdio"
)

// Transport opens connections to one MCP server. [StdioTransport] starts a
// subprocess; [InProcessTransport] runs a server inside this process.
type Transport interface {
	Connect(ctx context.Context) (Connection, error)
}

// Connection carries whole JSON-RPC messages. A session reads from one
// goroutine and writes from many, so Write and Close must be safe for
// concurrent use; Close must be idempotent and unblock a pending Read.
type Connection interface {
	// Read returns the next message. The slice may be reused by the next
	// Read. An error matching ErrMessageTooLarge skips one message and
	// leaves the connection usable; any other error ends it.
	Read(ctx context.Context) ([]byte, error)
	// Write sends one message, which must not be retained.
	Write(ctx context.Context, msg []byte) error
	Close() error
}

// StdioTransport starts an MCP server as a subprocess and speaks to it over
// its stdin and stdout. The zero value is not usable: Command is required.
//
// The server runs in its own process group. Closing the session closes its
// stdin, then after CloseTimeout sends SIGTERM to the group, then SIGKILL,
// so servers started through npx or uvx end together with their children.
// Stderr is drained to Logger at debug level, and its last lines appear in
// the [ConnectionError] of a server that dies.
type StdioTransport struct {
	Command string
	Args    []string
	// Env entries ("KEY=value") are added to this process's environment.
	Env []string
	Dir string

	// MaxMessageBytes bounds one message; 0 means 64 MiB.
	MaxMessageBytes int
	// CloseTimeout bounds each step of the shutdown; 0 means 1s.
	CloseTimeout time.Duration
	// Logger receives the server's stderr lines; nil discards them.
	Logger *slog.Logger
}

// Connect starts the process.
func (t *StdioTransport) Connect(ctx context.Context) (Connection, error) {
	p, err := stdio.Start(ctx, stdio.Config{
		Command:         t.Command,
		Args:            t.Args,
		Env:             t.Env,
		Dir:             t.Dir,
		MaxMessageBytes: t.MaxMessageBytes,
		CloseTimeout:    t.CloseTimeout,
		Logger:          t.Logger,
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// stderrTailer is implemented by connections that know the server's stderr.
type stderrTailer interface{ StderrTail() string }

// InProcessTransport connects to a server that runs in this process and
// speaks newline-delimited JSON-RPC over a reader and a writer, as a stdio
// server does. It exercises the same framing as [StdioTransport] without a
// subprocess, which suits tests and embedded servers.
type InProcessTransport struct {
	// Serve runs the server until r ends or ctx is cancelled. It is started
	// once per Connect and awaited by Close.
	Serve func(ctx context.Context, r io.Reader, w io.Writer) error
	// MaxMessageBytes bounds one message; 0 means 64 MiB.
	MaxMessageBytes int
}

// Connect starts Serve in a goroutine owned by the returned connection.
func (t *InProcessTransport) Connect(ctx context.Context) (Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	clientR, serverW := io.Pipe()
	serverR, clientW := io.Pipe()
	sctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := t.Serve(sctx, serverR, serverW)
		if err == nil {
			err = io.EOF
		}
		// The client sees the server's end as the end of its input.
		serverW.CloseWithError(err)
		serverR.CloseWithError(err)
	}()
	return stdio.NewConn(clientR, clientW, t.MaxMessageBytes, func() error {
		cancel()
		serverR.Close()
		serverW.Close()
		wg.Wait()
		return nil
	}), nil
}
