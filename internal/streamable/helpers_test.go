package streamable

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const (
	initMsg        = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	initResult     = `{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}`
	initializedMsg = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	pingMsg        = `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	pingResult     = `{"jsonrpc":"2.0","id":1,"result":{}}`
)

// seen is one request a test server received.
type seen struct {
	method string
	header http.Header
	body   string
}

// recorder serves a test's handler and keeps every request it got.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rec *recorder) all() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

// serve starts an HTTP server on loopback that records each request and
// passes it, with its body, to h.
func serve(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body string)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seen{r.Method, r.Header.Clone(), string(b)})
		rec.mu.Unlock()
		h(w, r, string(b))
	}))
	t.Cleanup(hs.Close)
	return hs, rec
}

// open connects to url; mod may adjust the configuration.
func open(t *testing.T, url string, mod func(*Config)) *Conn {
	t.Helper()
	cfg := Config{URL: url}
	if mod != nil {
		mod(&cfg)
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open(%q) error = %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c *Conn, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), []byte(msg)); err != nil {
		t.Fatalf("Write(%s) error = %v", msg, err)
	}
}

// read returns the next item, failing the test after a few seconds.
func read(t *testing.T, c *Conn) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := c.Read(ctx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		t.Fatal("Read() got nothing in 5s")
	}
	return b, err
}

// quiet asserts that Read yields nothing for a moment.
func quiet(t *testing.T, c *Conn, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if b, err := c.Read(ctx); ctx.Err() == nil {
		t.Fatalf("Read() = %s, %v; want nothing", b, err)
	}
}

func sseHeader(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

func jsonBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
