package driver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// RunServer is the "server" role: an echo server, go-sdk's or the lean
// one (-server gosdk|lean, gosdk by default), on in and out (-stdio), or
// on a loopback HTTP port (-http ADDR, -sse for event-stream responses), in
// which case the first line on out is the server's base URL (endpoints are
// at the paths echo.PathFor gives) and the server runs until ctx ends or,
// with -until-eof, until in reaches its end, so that it never outlives the
// driver that started it. Over stdio, in and out must be the process's
// stdin and stdout for the gosdk server.
func RunServer(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	stdio := fs.Bool("stdio", false, "serve on stdin and stdout")
	addr := fs.String("http", "127.0.0.1:0", "loopback address to listen on")
	sse := fs.Bool("sse", false, "answer POSTs with text/event-stream")
	untilEOF := fs.Bool("until-eof", false, "end when stdin ends, as the driver asks; otherwise run until interrupted")
	server := fs.String("server", ServerGoSDK, "server to run: gosdk (go-sdk's) or lean (hand-written)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkServer(*server); err != nil {
		return err
	}
	if *stdio {
		return serveStdio(ctx, *server, in, out)
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("mcpclient: bench: server: %q is not a loopback address", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: httpHandler(*server, *sse), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *untilEOF {
		go func() {
			_, _ = io.Copy(io.Discard, in)
			cancel()
		}()
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
