package driver

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/measure"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
		want Config
	}{
		{nil, true, Config{Duration: 800 * time.Millisecond, Rounds: 5, InFlight: []int{1, 8, 64}, Server: ServerGoSDK, Out: "RESULTS.md"}},
		{[]string{"-long"}, true, Config{Duration: 3 * time.Second, Rounds: 7, InFlight: []int{1, 8, 64}, Server: ServerGoSDK, Out: "RESULTS.md"}},
		{[]string{"-c", "2, 4", "-rounds", "1", "-d", "1s"}, true, Config{Duration: time.Second, Rounds: 1, InFlight: []int{2, 4}, Server: ServerGoSDK, Out: "RESULTS.md"}},
		{[]string{"-server", "lean", "-d", "400ms", "-rounds", "3"}, true, Config{Duration: 400 * time.Millisecond, Rounds: 3, InFlight: []int{1, 8, 64}, Server: ServerLean, Out: "RESULTS-lean.md"}},
		{[]string{"-server", "lean", "-o", ""}, true, Config{Duration: 800 * time.Millisecond, Rounds: 5, InFlight: []int{1, 8, 64}, Server: ServerLean, Out: ""}},
		{[]string{"-server", "gosdk"}, true, Config{Duration: 800 * time.Millisecond, Rounds: 5, InFlight: []int{1, 8, 64}, Server: ServerGoSDK, Out: "RESULTS.md"}},
		{[]string{"-server", "nginx"}, false, Config{}},
		{[]string{"-c", "0"}, false, Config{}},
		{[]string{"-transports", "carrier-pigeon"}, false, Config{}},
		{[]string{"-rounds", "0"}, false, Config{}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseFlags(tt.args)
			if (err == nil) != tt.ok {
				t.Fatalf("parseFlags(%q) error = %v, want ok %v", tt.args, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if got.Duration != tt.want.Duration || got.Rounds != tt.want.Rounds || !slices.Equal(got.InFlight, tt.want.InFlight) || got.Server != tt.want.Server || got.Out != tt.want.Out {
				t.Errorf("parseFlags(%q) = %v, %v, %v, %q, %q, want %v, %v, %v, %q, %q", tt.args,
					got.Duration, got.Rounds, got.InFlight, got.Server, got.Out, tt.want.Duration, tt.want.Rounds, tt.want.InFlight, tt.want.Server, tt.want.Out)
			}
		})
	}
}

func TestWarmupFor(t *testing.T) {
	for _, tt := range []struct{ c, want int }{{1, 640}, {8, 80}, {64, 10}, {1000, 10}} {
		if got := warmupFor(tt.c); got != tt.want {
			t.Errorf("warmupFor(%d) = %d, want %d", tt.c, got, tt.want)
		}
	}
}

func run(callsPerSec float64, cpuPerCall time.Duration, allocs uint64) ClientRun {
	const calls = 1000
	return ClientRun{Result: measure.Result{
		Calls: calls, CallsPerSec: callsPerSec, CPU: cpuPerCall * calls,
		Mallocs: allocs * calls, Bytes: 100 * calls, P50: time.Millisecond, P99: 2 * time.Millisecond,
	}}
}

func TestSummarizeTakesMedians(t *testing.T) {
	s := summarize([]ClientRun{run(100, 30*time.Microsecond, 20), run(300, 10*time.Microsecond, 20), run(200, 20*time.Microsecond, 20), {Skip: "no"}})
	if !s.OK || s.CallsPerSec != 200 || s.CPUPerCall != 20*time.Microsecond || s.AllocsPerCall != 20 {
		t.Errorf("summarize() = %+v, want medians 200 calls/s, 20µs, 20 allocs", s)
	}
	if s := summarize([]ClientRun{{Skip: "no"}}); s.OK {
		t.Errorf("summarize(only skipped) = %+v, want not OK", s)
	}
}

func TestMarkdownMarksTargets(t *testing.T) {
	legacy := Cell{Transport: "stdio", Version: "2025-11-25", InFlight: 64}
	modern := Cell{Transport: "stdio", Version: "2026-07-28", InFlight: 64}
	rep := &Report{
		Config: Config{Command: "go run ./cmd/mcpperf", Rounds: 1, Duration: time.Second, Clients: []string{"floor", "ours", "go-sdk", "mcp-go"}},
		Cells: []CellResult{
			{Cell: legacy, Runs: map[string][]ClientRun{
				"floor": {run(1000, 20*time.Microsecond, 15)}, "ours": {run(1000, 22*time.Microsecond, 19)},
				"go-sdk": {run(400, 100*time.Microsecond, 42)}, "mcp-go": {run(900, 30*time.Microsecond, 88)},
			}},
			{Cell: modern, Runs: map[string][]ClientRun{
				"floor": {run(1000, 20*time.Microsecond, 15)}, "ours": {run(800, 30*time.Microsecond, 35)},
				"go-sdk": {run(600, 100*time.Microsecond, 69)}, "mcp-go": {run(900, 30*time.Microsecond, 176)},
			}},
		},
		Idle:    []IdleResult{{Version: "2025-11-25", Run: IdleRun{Client: "ours", Sessions: 10, Bytes: 2048, Goroutines: 1}}},
		Machine: "test machine",
	}
	md := rep.Markdown()
	for _, want := range []string{
		"| stdio | 2025-11-25 | 64 | ours | 1000 | 1.00x |",
		"| stdio | 2025-11-25 | 64 | 1.10 met | 19.0 met | 1.11 met | 2.50 met (floor 2.50) |",
		"| stdio | 2026-07-28 | 64 | 1.50 **missed** | 35.0 **missed** | 0.89 **missed** | 1.33 **missed** (floor 1.67) | 1.36 **missed** (floor 1.00; ours ÷ floor's 1.36) |",
		"| 2025-11-25 | ours | 10 | 2.0 | 1.0 |",
		"Machine: test machine.",
		"Server: go-sdk v1.8.0's server",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown() lacks %q; got:\n%s", want, md)
		}
	}
}

func TestRunServerRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-http", "192.0.2.1:0"},
		{"-http", "127.0.0.1:0", "-server", "nginx"},
		{"-stdio", "-server", "nginx"},
	} {
		err := RunServer(context.Background(), args, strings.NewReader(""), io.Discard)
		if err == nil {
			t.Errorf("RunServer(%q) error = nil, want a refusal", args)
		}
	}
}

func TestRunServerEndsWithItsInput(t *testing.T) {
	for _, server := range []string{ServerGoSDK, ServerLean} {
		t.Run(server, func(t *testing.T) {
			pr, pw := io.Pipe()
			out := &strings.Builder{}
			done := make(chan error, 1)
			go func() {
				done <- RunServer(context.Background(), []string{"-http", "127.0.0.1:0", "-until-eof", "-server", server}, pr, out)
			}()
			time.Sleep(50 * time.Millisecond)
			pw.Close()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("RunServer() = %v, want nil once its input ends", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("RunServer() did not end when its input did")
			}
			if got := out.String(); !strings.HasPrefix(got, "http://127.0.0.1:") {
				t.Errorf("RunServer() printed %q, want the base URL first", got)
			}
		})
	}
}

// TestRunServerLeanStdio checks that -stdio -server lean serves the role's
// input and output (the gosdk server needs the process's own stdin).
func TestRunServerLeanStdio(t *testing.T) {
	in := strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n")
	out := &strings.Builder{}
	if err := RunServer(context.Background(), []string{"-stdio", "-server", "lean"}, in, out); err != nil {
		t.Fatalf("RunServer(-stdio -server lean) = %v, want nil", err)
	}
	if want := `{"jsonrpc":"2.0","id":1,"result":{}}` + "\n"; out.String() != want {
		t.Errorf("RunServer(-stdio -server lean) wrote %q, want %q", out.String(), want)
	}
}

func TestPairedRatio(t *testing.T) {
	a := []ClientRun{run(100, 0, 0), run(300, 0, 0), {Skip: "no"}, run(50, 0, 0)}
	b := []ClientRun{run(100, 0, 0), run(100, 0, 0), run(100, 0, 0), run(100, 0, 0)}
	// Rounds 1, 2 and 4 pair up: 1, 3 and 0.5, whose median is 1.
	if x, ok := pairedRatio(a, b, rateOf); !ok || x != 1 {
		t.Errorf("pairedRatio() = %v, %v, want 1, true", x, ok)
	}
	if _, ok := pairedRatio(a[2:3], b, rateOf); ok {
		t.Error("pairedRatio(only skipped rounds) ok = true, want false")
	}
}

func TestMarkdownNamesServer(t *testing.T) {
	for _, tt := range []struct{ server, want string }{
		{"", "Server: go-sdk v1.8.0's server"},
		{ServerGoSDK, "Server: go-sdk v1.8.0's server"},
		{ServerLean, "Server: the hand-written lean server"},
	} {
		rep := &Report{Config: Config{Server: tt.server, Rounds: 1, Duration: time.Second}}
		if md := rep.Markdown(); !strings.Contains(md, tt.want) {
			t.Errorf("Markdown() with Server %q lacks %q; got:\n%s", tt.server, tt.want, md)
		}
	}
}
