package clients

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"github.com/mcpclient/mcpclient/benchmarks/internal/lean"
)

var versions = []string{"2025-11-25", "2026-07-28"}

func TestNames(t *testing.T) {
	want := []string{"floor", "ours", "go-sdk", "mcp-go"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestOpenUnknown(t *testing.T) {
	if _, err := Open(context.Background(), "nobody", Spec{}); err == nil {
		t.Error(`Open("nobody") error = nil, want an error`)
	}
}

// TestEveryClientEveryCell makes a few concurrent calls with every client
// over every transport and revision, against each of the two servers: what
// the driver measures must work first.
func TestEveryClientEveryCell(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	servers := []struct {
		name    string // value of serverEnv for the stdio child
		handler func(sse bool) http.Handler
	}{
		{"gosdk", echo.Handler},
		{"lean", lean.Handler},
	}
	hc := NewHTTPClient()
	t.Cleanup(hc.CloseIdleConnections)
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Setenv(serverEnv, srv.name)
			urls := map[string]string{}
			for transport, sse := range map[string]bool{HTTPJSON: false, HTTPSSE: true} {
				s := httptest.NewServer(srv.handler(sse))
				t.Cleanup(s.Close)
				urls[transport] = s.URL
			}
			for _, transport := range []string{Stdio, HTTPJSON, HTTPSSE} {
				for _, v := range versions {
					for _, name := range Names() {
						t.Run(transport+"/"+v+"/"+name, func(t *testing.T) {
							spec := Spec{Transport: transport, Version: v, ServerCommand: []string{exe}, HTTPClient: hc}
							if u, ok := urls[transport]; ok {
								spec.URL = u + echo.PathFor(v)
							}
							callConcurrently(t, name, spec)
						})
					}
				}
			}
		})
	}
}

// callConcurrently opens the client, makes 8 calls at once and closes it.
func callConcurrently(t *testing.T, name string, spec Spec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Open(ctx, name, spec)
	if err != nil {
		t.Fatalf("Open(%s) error = %v, want nil", name, err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close() error = %v, want nil", err)
		}
	}()
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() { errs <- c.Call(ctx) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("Call() error = %v, want nil", err)
		}
	}
}

func TestCheckReply(t *testing.T) {
	tests := []struct {
		text    string
		isError bool
		ok      bool
	}{
		{echo.Reply, false, true},
		{"other", false, false},
		{echo.Reply, true, false},
	}
	for _, tt := range tests {
		if err := checkReply("x", tt.text, tt.isError, echo.Reply); (err == nil) != tt.ok {
			t.Errorf("checkReply(%q, %v) = %v, want ok %v", tt.text, tt.isError, err, tt.ok)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	if err := checkVersion("x", "2025-11-25", "2026-07-28"); err == nil {
		t.Error("checkVersion(fallback) = nil, want an error")
	}
	if err := checkVersion("x", "2026-07-28", "2026-07-28"); err != nil {
		t.Errorf("checkVersion(same) = %v, want nil", err)
	}
}

// TestLeanMatchesEcho checks that the two servers offer the same tool at
// the same paths, so that a client does the same work against either.
func TestLeanMatchesEcho(t *testing.T) {
	if lean.ToolName != echo.ToolName || lean.LegacyPath != echo.LegacyPath || lean.ModernPath != echo.ModernPath {
		t.Fatalf("lean tool and paths = %q %q %q, want echo's %q %q %q",
			lean.ToolName, lean.LegacyPath, lean.ModernPath, echo.ToolName, echo.LegacyPath, echo.ModernPath)
	}
	list := func(h http.Handler) any {
		t.Helper()
		srv := httptest.NewServer(h)
		defer srv.Close()
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
		req, err := http.NewRequest(http.MethodPost, srv.URL+echo.ModernPath, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = http.Header{
			"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"},
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/list"},
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m struct {
			Result struct {
				Tools any `json:"tools"`
			} `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m.Result.Tools == nil {
			t.Fatalf("tools/list = %d, %v, want a tool list", resp.StatusCode, err)
		}
		return m.Result.Tools
	}
	sdk, ours := list(echo.Handler(false)), list(lean.Handler(false))
	if !reflect.DeepEqual(sdk, ours) {
		t.Errorf("lean tools/list = %v, want echo's %v", ours, sdk)
	}
}
