package mcpclient

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

// A handshake-era HTTP session that only calls tools opens no GET stream;
// ListTools opens it before fetching the list, so a change made after the
// list was fetched still reaches the cache.
func TestHTTPServerStreamOnDemand(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(map[bool]string{false: "json", true: "sse"}[sse], func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{SSEResponses: sse})
			s := f.connect(t, nil, nil)
			ctx := testContext(t)
			if res, err := s.CallTool(ctx, "add", map[string]int{"a": 1, "b": 2}, nil); err != nil || res.Text() != "3" {
				t.Fatalf("CallTool(add) = %v, %v; want 3", res, err)
			}
			if n := f.count(http.MethodGet, ""); n != 0 {
				t.Fatalf("GET streams after a tool call = %d, want 0: nothing needs one yet", n)
			}
			tools, err := s.ListTools(ctx)
			if err != nil || len(tools) != 5 {
				t.Fatalf("ListTools = %d tools, %v; want 5", len(tools), err)
			}
			if n := f.count(http.MethodGet, ""); n != 1 {
				t.Fatalf("GET streams after ListTools = %d, want 1: a kept list must hear of changes", n)
			}
			f.srv.SetTools(append(testserver.DemoTools(), echoTool()))
			deadline := time.Now().Add(10 * time.Second)
			for {
				tools, err := s.ListTools(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(tools) == 6 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("ListTools after the server changed its tools = %d tools, want 6: the change was missed", len(tools))
				}
				time.Sleep(20 * time.Millisecond)
			}
			if n := f.count(http.MethodGet, ""); n != 1 {
				t.Errorf("GET streams at the end = %d, want still 1", n)
			}
		})
	}
}

// Hooks and handlers that wait for the server's own messages open the GET
// stream with the handshake.
func TestHTTPServerStreamAtHandshake(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts SessionOptions
	}{
		{"OnLog", SessionOptions{OnLog: func(LogMessage) {}}},
		{"OnToolsChanged", SessionOptions{OnToolsChanged: func() {}}},
		{"Roots", SessionOptions{Roots: func(context.Context) ([]Root, error) { return nil, nil }}},
		{"LogLevel", SessionOptions{LogLevel: "info"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, testserver.HTTPOptions{})
			opts := tt.opts
			f.connect(t, nil, &opts)
			if n := f.count(http.MethodGet, ""); n != 1 {
				t.Errorf("GET streams after the handshake = %d, want 1", n)
			}
		})
	}
}

// An idle HTTP session keeps no goroutine of its own: the session reads
// only when the connection signals something to read.
func TestHTTPIdleSessionHoldsNoGoroutine(t *testing.T) {
	for _, mode := range httpModes {
		if mode.opts.Mode == testserver.HTTPLegacySSE {
			continue // its event stream carries every answer, so it stays open
		}
		t.Run(mode.name, func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: testserver.DemoTools()}, mode.opts)
			s := f.connect(t, nil, nil)
			if res, err := s.CallTool(testContext(t), "add", map[string]int{"a": 1, "b": 2}, nil); err != nil || res.Text() != "3" {
				t.Fatalf("CallTool(add) = %v, %v; want 3", res, err)
			}
			var stacks string
			deadline := time.Now().Add(5 * time.Second)
			for {
				buf := make([]byte, 1<<20)
				stacks = string(buf[:runtime.Stack(buf, true)])
				if !strings.Contains(stacks, "mcpclient.(*Session)") && !strings.Contains(stacks, "streamable.(*Conn)") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("an idle session still runs goroutines of its own:\n%s", stacks)
				}
				time.Sleep(10 * time.Millisecond)
			}
			// And it still works, and ends cleanly, after being idle.
			if res, err := s.CallTool(testContext(t), "add", map[string]int{"a": 2, "b": 2}, nil); err != nil || res.Text() != "4" {
				t.Fatalf("CallTool(add) after idling = %v, %v; want 4", res, err)
			}
			s.Close()
			select {
			case <-s.Done():
			default:
				t.Error("Done is not closed after Close")
			}
		})
	}
}
