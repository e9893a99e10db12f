package clients

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
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
// over every transport and revision, against the echo server: what the
// driver measures must work first.
func TestEveryClientEveryCell(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(serverEnv, "1")
	servers := map[string]*httptest.Server{
		HTTPJSON: httptest.NewServer(echo.Handler(false)),
		HTTPSSE:  httptest.NewServer(echo.Handler(true)),
	}
	hc := NewHTTPClient()
	t.Cleanup(func() {
		for _, s := range servers {
			s.Close()
		}
		hc.CloseIdleConnections()
	})
	for _, transport := range []string{Stdio, HTTPJSON, HTTPSSE} {
		for _, v := range versions {
			for _, name := range Names() {
				t.Run(transport+"/"+v+"/"+name, func(t *testing.T) {
					spec := Spec{Transport: transport, Version: v, ServerCommand: []string{exe}, HTTPClient: hc}
					if s := servers[transport]; s != nil {
						spec.URL = s.URL + echo.PathFor(v)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					c, err := Open(ctx, name, spec)
					if err != nil {
						t.Fatalf("Open(%s) error = %v", name, err)
					}
					defer c.Close()
					errs := make(chan error, 8)
					for range cap(errs) {
						go func() { errs <- c.Call(ctx) }()
					}
					for range cap(errs) {
						if err := <-errs; err != nil {
							t.Errorf("Call() error = %v, want nil", err)
						}
					}
				})
			}
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
