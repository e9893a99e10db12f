package mcpclient

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
	"go.uber.org/goleak"
)

// serverEnv, when set, makes the test binary run the demo MCP server over
// stdio instead of the tests, so stdio tests get a real subprocess without
// building anything.
const serverEnv = "MCPCLIENT_TEST_AS_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		os.Exit(testserver.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

// stdioServer returns a transport that runs the demo server as a
// subprocess with the given testserver flags.
func stdioServer(t testing.TB, flags ...string) *StdioTransport {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &StdioTransport{Command: exe, Args: flags, Env: []string{serverEnv + "=1"}}
}

// inProcess connects to a test server running in this process.
func inProcess(t testing.TB, opts testserver.Options, sopts *SessionOptions) (*Session, *testserver.Server) {
	t.Helper()
	srv := testserver.New(opts)
	s, err := Connect(context.Background(), &InProcessTransport{Serve: srv.Serve}, sopts)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, srv
}

// testContext is a context that ends with the test, bounded so a hang fails
// the test instead of stalling the suite.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// logRecorder is a slog handler that keeps records for assertions.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r.Clone())
	h.mu.Unlock()
	return nil
}

// attrs returns the string value of attribute key for every record with
// message msg.
func (h *logRecorder) attrs(msg, key string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.records {
		if r.Message != msg {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				out = append(out, a.Value.String())
			}
			return true
		})
	}
	return out
}
