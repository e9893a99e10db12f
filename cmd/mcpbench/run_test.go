package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOfflineDemo runs the command with no provider, as a fresh clone
// would (with fewer requests): it must measure the built-in fake provider
// and demo server, say so, print the table and write no file.
func TestOfflineDemo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, stderr := runCmd(t, nil, "--requests", "8", "--concurrency", "1,2")
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"offline demo", "built-in fake provider on 127.0.0.1:", "built-in demo server", "8 requests at concurrency 1,2"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("the table has %d lines, want a header and 4 runs (chat and loop at 2 concurrencies):\n%s", len(lines), stdout)
	}
	for i, wl := range []string{"chat", "chat", "loop", "loop"} {
		if f := strings.Fields(lines[i+1]); f[0] != wl || f[1] != "fake" || f[5] != "100%" {
			t.Errorf("table line %d = %q, want a successful %s run of fake", i+1, lines[i+1], wl)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the demo wrote %d files into the working directory, want none", len(entries))
	}
}

func TestToolCallChecks(t *testing.T) {
	tests := []struct {
		name, tool, args string
		wantOK           bool
	}{
		{"valid call", "get_weather", `{"city":"Oslo","unit":"celsius"}`, true},
		{"tool not offered", "get_wether", `{"city":"Oslo"}`, false},
		{"argument of the wrong type", "search_database", `{"table":"orders","query":5}`, false},
		{"value outside the enum", "search_database", `{"table":"users","query":"x"}`, false},
		{"required argument missing", "get_weather", `{}`, false},
		{"arguments not JSON", "get_weather", `{"city":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &refServer{Tool: tt.tool, Args: tt.args}
			out := filepath.Join(t.TempDir(), "out.json")
			code, stdout, stderr := runCmd(t, nil, "--provider", "p="+srv.start(t)+",model=m", "--requests", "4", "--concurrency", "2", "--json", out)
			r := readReport(t, out).Runs[0]
			if tt.wantOK {
				if code != 0 || r.Succeeded != 4 {
					t.Errorf("exit code %d, %d of 4 ok; want 0 and all\nstdout:\n%s\nstderr:\n%s", code, r.Succeeded, stdout, stderr)
				}
				return
			}
			if r.Errors["invalid_tool_call"] != 4 || r.SuccessRate != 0 {
				t.Errorf("errors = %v, success rate %v; want 4 invalid_tool_call and 0", r.Errors, r.SuccessRate)
			}
			if code != 1 || !strings.Contains(stderr, "first invalid_tool_call error") {
				t.Errorf("exit code %d, stderr:\n%s\nwant 1 and the first error quoted", code, stderr)
			}
		})
	}
}

func TestFailureKinds(t *testing.T) {
	every3 := func(status int) func(int64) (int, http.Header) {
		return func(n int64) (int, http.Header) {
			if n%3 == 0 {
				return status, http.Header{"Retry-After-Ms": {"1"}}
			}
			return 0, nil
		}
	}
	tests := []struct {
		name        string
		srv         *refServer
		args        []string
		kind        string
		wantFailed  bool
		wantRetries bool
	}{
		{"429 retried", &refServer{Fail: every3(429)}, nil, "429", false, true},
		{"429 not retried", &refServer{Fail: every3(429)}, []string{"--retries", "0"}, "429", true, false},
		{"503 not retried", &refServer{Fail: every3(503)}, []string{"--retries", "0"}, "5xx", true, false},
		{"400", &refServer{Fail: every3(400)}, nil, "4xx", true, false},
		{"timeout", &refServer{Latency: 2 * time.Second}, []string{"--timeout", "50ms", "--retries", "0"}, "timeout", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.srv.Tool, tt.srv.Args = "get_weather", `{"city":"Oslo"}`
			out := filepath.Join(t.TempDir(), "out.json")
			args := append([]string{"--provider", "p=" + tt.srv.start(t) + ",model=m", "--requests", "9", "--concurrency", "1", "--warmup", "0", "--json", out}, tt.args...)
			runCmd(t, nil, args...)
			r := readReport(t, out).Runs[0]
			if failed := r.Errors[tt.kind] > 0; failed != tt.wantFailed {
				t.Errorf("errors = %v; want %s failures: %v", r.Errors, tt.kind, tt.wantFailed)
			}
			if r.Failed != r.Errors[tt.kind] {
				t.Errorf("errors = %v with %d failed; want every failure of kind %s", r.Errors, r.Failed, tt.kind)
			}
			if retried := r.Retries > 0; retried != tt.wantRetries {
				t.Errorf("retries = %d; want some: %v", r.Retries, tt.wantRetries)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	// A server that has gone away: its loopback port refuses connections.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	out := filepath.Join(t.TempDir(), "out.json")
	code, _, stderr := runCmd(t, nil, "--provider", "gone="+gone.URL+"/v1,model=m", "--requests", "3", "--concurrency", "1", "--retries", "0", "--json", out)
	r := readReport(t, out).Runs[0]
	if code != 1 || r.Errors["connection"] != 3 {
		t.Errorf("exit code %d, errors %v; want 1 and 3 connection failures\nstderr:\n%s", code, r.Errors, stderr)
	}
	if !strings.Contains(stderr, "every request failed") {
		t.Errorf("stderr does not say that every request failed:\n%s", stderr)
	}
}

func TestLimiter(t *testing.T) {
	srv := &refServer{Tool: "get_weather", Args: `{"city":"Oslo"}`}
	out := filepath.Join(t.TempDir(), "out.json")
	code, _, stderr := runCmd(t, nil, "--provider", "p="+srv.start(t)+",model=m", "--limiter", "token:20:1",
		"--requests", "20", "--concurrency", "4", "--warmup", "0", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, stderr)
	}
	// 20 requests at 20/s with a burst of 1 take 0.95s at least.
	if r := readReport(t, out).Runs[0]; r.ThroughputRPS > 22 {
		t.Errorf("throughput under token:20:1 = %.1f/s, want at most about 20/s", r.ThroughputRPS)
	}
	code, _, stderr = runCmd(t, nil, "--limiter", "bogus:1")
	if code != 2 || !strings.Contains(stderr, "limiter") {
		t.Errorf("--limiter bogus:1: exit code %d, stderr %q; want 2 and an error about the limiter", code, stderr)
	}
}

func TestDurationAndRate(t *testing.T) {
	srv := &refServer{Tool: "get_weather", Args: `{"city":"Oslo"}`}
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCmd(t, nil, "--provider", "p="+srv.start(t)+",model=m", "--duration", "500ms", "--rate", "40",
		"--concurrency", "2", "--warmup", "0", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, stderr)
	}
	// 40 per second for half a second: requests 0..19 are due.
	if r := readReport(t, out).Runs[0]; r.Requests != 20 {
		t.Errorf("--duration 500ms --rate 40 ran %d requests, want 20", r.Requests)
	}
	if !strings.Contains(stdout, "2@40.0/s") {
		t.Errorf("the table does not show the open loop's rate:\n%s", stdout)
	}
}

func TestHTMLReport(t *testing.T) {
	srv := &refServer{Latency: time.Millisecond, Tool: "get_weather", Args: `{"city":"Oslo"}`}
	url := srv.start(t)
	html := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCmd(t, nil, "--provider", "a="+url+",model=m", "--provider", "b="+url+",model=m",
		"--requests", "10", "--concurrency", "1,2", "--html", html)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, stderr)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("the report has %d charts, want 4 (latency at 2 concurrencies, throughput, p99)", n)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "src=") {
		t.Error("the report loads or runs something; it must be self-contained")
	}
	if !strings.Contains(page, "Ranking") {
		t.Error("the report has no ranking of the two providers")
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown workload", []string{"--workload", "chat,dance"}, `unknown workload "dance"`},
		{"no model", []string{"--provider", "p=http://127.0.0.1:1/v1"}, "no model"},
		{"duplicate provider", []string{"--provider", "p=fake:", "--provider", "p=fake:"}, "used twice"},
		{"bad base URL", []string{"--provider", "p=ftp://x"}, "base URL"},
		{"no load", []string{"--requests", "0"}, "--requests, --duration"},
		{"bad concurrency", []string{"--concurrency", "1,0"}, "positive whole numbers"},
		{"bad tools file", []string{"--tools", write("tools.json", `{"tools":[]}`)}, "no tools"},
		{"bad providers file", []string{"--providers", write("p.yaml", "providers:\n  - name: a\n    base_url: [x]\n")}, "line 3"},
		{"unreachable server URL for the loop", []string{"--provider", "p=fake:", "--workload", "loop", "--server", "r=http://127.0.0.1:1/mcp"}, `connect to server "r"`},
		{"extra argument", []string{"now"}, `unexpected argument "now"`},
		{"bad fake option", []string{"--provider", "p=fake:?speed=1"}, `unknown option "speed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, nil, tt.args...)
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("mcpbench %s: exit code %d, stderr:\n%s\nwant a failure mentioning %q", strings.Join(tt.args, " "), code, stderr, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"mcp", "-h"}, {"serve-fake", "-h"}} {
		code, _, stderr := runCmd(t, nil, args...)
		if code != 0 || !strings.Contains(stderr, "usage: mcpbench") {
			t.Errorf("mcpbench %s: exit code %d, stderr %q; want 0 and the usage", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestInterrupted stops a long run the way Ctrl-C does: the command
// reports what it measured so far and succeeds.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	code, stdout, stderr := runCmdContext(ctx, nil, "--provider", "f=fake:?median=20ms&throttle=0", "--requests", "1000", "--concurrency", "1,2")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("the interrupted run took %v to end", elapsed)
	}
	if code != 0 || !strings.Contains(stderr, "interrupted; reporting what was measured") {
		t.Fatalf("exit code %d, stderr:\n%s\nwant 0 and a note about the interruption", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("table:\n%s\nwant the header and the one run that was cut short", stdout)
	}
	if n, _ := strconv.Atoi(strings.Fields(lines[1])[4]); n == 0 || n >= 1000 {
		t.Errorf("the interrupted run reports %d requests, want some but not all 1000", n)
	}
}

func TestServeFake(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	done := make(chan int)
	go func() {
		e := &env{stdout: w, stderr: io.Discard, getenv: func(string) string { return "" }}
		done <- run(ctx, []string{"serve-fake", "--throttle", "2"}, e)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") {
		t.Fatalf("serve-fake printed %q, want a loopback base URL", url)
	}
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	var statuses []int
	for range 2 {
		resp, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 200 || statuses[1] != 429 {
		t.Errorf("statuses with --throttle 2 = %v, want [200 429]", statuses)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve-fake exit code %d after the interrupt, want 0", code)
	}
	if code := run(context.Background(), []string{"serve-fake", "--addr", "0.0.0.0:0"}, &env{stdout: io.Discard, stderr: io.Discard}); code != 1 {
		t.Errorf("serve-fake --addr 0.0.0.0:0: exit code %d, want 1 (loopback only)", code)
	}
}
