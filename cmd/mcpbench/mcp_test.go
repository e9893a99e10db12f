package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpclient/mcpclient/internal/npmtest"
)

func TestMCPDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCmd(t, nil, "mcp", "--demo", "inprocess,stdio", "--requests", "50", "--concurrency", "1,4", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if len(rep.Runs) != 4 {
		t.Fatalf("the report has %d runs, want 4 (2 transports, 2 concurrencies)", len(rep.Runs))
	}
	for i, want := range []string{"demo-inprocess", "demo-inprocess", "demo-stdio", "demo-stdio"} {
		r := rep.Runs[i]
		if r.Provider != want || r.Model != "get_weather" || r.Workload != "mcp" || r.Succeeded != 50 {
			t.Errorf("run %d = %s/%s/%s with %d ok, want %s/get_weather/mcp with 50", i, r.Provider, r.Model, r.Workload, r.Succeeded, want)
		}
		if r.LatencyMS.P50 <= 0 || r.ThroughputRPS <= 0 {
			t.Errorf("run %d: p50 %v, throughput %v; want both positive", i, r.LatencyMS.P50, r.ThroughputRPS)
		}
	}
	for _, want := range []string{"server", "tool", "demo-stdio", "ranking: mcp, concurrency 4"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestMCPErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unreachable URL", []string{"--server", "remote=http://127.0.0.1:1/mcp", "--tool", "echo"}, 1, `server "remote"`},
		{"no tool named", []string{"--server", "x=/bin/true"}, 2, "--tool"},
		{"unknown tool", []string{"--tool", "nosuch"}, 2, `has no tool "nosuch"`},
		{"arguments refused", []string{"--args", `{"city":5}`}, 2, "/city: want string"},
		{"arguments not an object", []string{"--args", `[1]`}, 2, "want a JSON object"},
		{"unknown demo transport", []string{"--demo", "carrier-pigeon"}, 2, "unknown transport"},
		{"server fails to start", []string{"--server", "bad=/nonexistent/mcp-server", "--tool", "x"}, 1, `server "bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, nil, append([]string{"mcp", "--requests", "2"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("mcpbench mcp %s: exit code %d, stderr:\n%s\nwant %d and %q", strings.Join(tt.args, " "), code, stderr, tt.code, tt.want)
			}
		})
	}
}

// TestMCPToolErrors counts results marked isError as tool errors: the demo
// server's get_weather refuses an empty city that its schema allows.
func TestMCPToolErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	code, _, stderr := runCmd(t, nil, "mcp", "--args", `{"city":" "}`, "--requests", "5", "--concurrency", "1", "--json", out)
	r := readReport(t, out).Runs[0]
	if code != 1 || r.Errors["tool_error"] != 5 {
		t.Errorf("exit code %d, errors %v; want 1 and 5 tool errors\nstderr:\n%s", code, r.Errors, stderr)
	}
}

// TestMCPEverything measures the reference server from npm over stdio.
func TestMCPEverything(t *testing.T) {
	bin := npmtest.Bin(t, npmtest.Everything, "mcp-server-everything")
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCmd(t, nil, "mcp", "--server", "everything="+bin+" stdio", "--tool", "echo",
		"--requests", "100", "--concurrency", "1,4", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, r := range readReport(t, out).Runs {
		if r.Provider != "everything" || r.Succeeded != 100 {
			t.Errorf("everything c=%d: %d of 100 calls succeeded; errors %v", r.Concurrency, r.Succeeded, r.Errors)
		}
	}
	if !strings.Contains(stderr, `tools/call echo {"message":"test"}`) {
		t.Errorf("stderr does not show the arguments built from the schema:\n%s", stderr)
	}
}

// TestLoopWithStdioServer runs the tool loop against an MCP server given
// with --server: the demo server as a subprocess.
func TestLoopWithStdioServer(t *testing.T) {
	exe, _, err := reExecTest()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCmd(t, nil, "--provider", "f=fake:?median=1ms&throttle=0", "--workload", "loop",
		"--server", "weather="+exe+" serve-demo", "--requests", "10", "--concurrency", "2", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r := readReport(t, out).Runs[0]
	if r.Workload != "loop" || r.Succeeded != 10 {
		t.Errorf("loop run = %s with %d of 10 ok; errors %v", r.Workload, r.Succeeded, r.Errors)
	}
	// Two model requests per run: the tool call, then the answer.
	if r.Tokens.Prompt == 0 || strings.Contains(stderr, "built-in demo server") {
		t.Errorf("tokens %+v; stderr:\n%s\nwant usage from two requests and no demo server", r.Tokens, stderr)
	}
}

// TestMCPOverHTTP measures tools/call against server-everything over
// Streamable HTTP, given by URL.
func TestMCPOverHTTP(t *testing.T) {
	base := npmtest.EverythingHTTP(t, "streamableHttp")
	code, stdout, stderr := runCmd(t, nil, "mcp", "--server", "everything="+base+"/mcp", "--tool", "echo", "--args", `{"message":"hi"}`, "--requests", "20", "--concurrency", "1,4")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "everything") || !strings.Contains(stdout, "100%") {
		t.Errorf("stdout:\n%s", stdout)
	}
}
