package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/bench"
)

// readReport reads a --json report.
func readReport(t *testing.T, path string) bench.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("the --json report is not valid JSON: %v", err)
	}
	return rep
}

func within(got, want, frac float64) bool { return math.Abs(got-want) <= frac*want }

// TestArithmetic measures a server with a known, fixed latency of 200ms:
// the median must come out within 10% of it and the throughput within 10%
// of concurrency / latency, as the issue asks. Between two requests the
// client needs about 2ms under the race detector, and up to 15ms on a
// shared 2-core machine busy with other tests; against 200ms that stays
// well inside the tolerance, where 50ms did not.
func TestArithmetic(t *testing.T) {
	const latency = 200 * time.Millisecond
	srv := &refServer{Latency: latency, Tool: "get_weather", Args: `{"city":"Oslo"}`}
	url := srv.start(t)
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCmd(t, nil,
		"--provider", "ref="+url+",model=ref-model,price-in=2,price-out=10",
		"--requests", "40", "--concurrency", "2,4", "--warmup", "4", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if len(rep.Runs) != 2 {
		t.Fatalf("the report has %d runs, want 2", len(rep.Runs))
	}
	for _, r := range rep.Runs {
		t.Logf("c=%d: p50 %.2fms, mean %.2fms, max %.2fms, throughput %.2f/s", r.Concurrency, r.LatencyMS.P50, r.LatencyMS.Mean, r.LatencyMS.Max, r.ThroughputRPS)
		if r.Provider != "ref" || r.Model != "ref-model" || r.Workload != "chat" {
			t.Errorf("run labels = %s/%s/%s, want ref/ref-model/chat", r.Provider, r.Model, r.Workload)
		}
		if r.Requests != 40 || r.Succeeded != 40 || r.SuccessRate != 1 || r.Retries != 0 {
			t.Errorf("c=%d: %d requests, %d ok, rate %v, %d retries; want 40, 40, 1, 0", r.Concurrency, r.Requests, r.Succeeded, r.SuccessRate, r.Retries)
		}
		if !within(r.LatencyMS.P50, 200, 0.10) {
			t.Errorf("c=%d: p50 = %.2fms, want within 10%% of 200ms", r.Concurrency, r.LatencyMS.P50)
		}
		if want := float64(r.Concurrency) / latency.Seconds(); !within(r.ThroughputRPS, want, 0.10) {
			t.Errorf("c=%d: throughput = %.2f/s, want within 10%% of %.0f/s", r.Concurrency, r.ThroughputRPS, want)
		}
		if r.LatencyMS.P50 > r.LatencyMS.P90 || r.LatencyMS.P90 > r.LatencyMS.P99 || r.LatencyMS.P99 > r.LatencyMS.Max || r.LatencyMS.Mean < 200 {
			t.Errorf("c=%d: latency summary out of order: %+v", r.Concurrency, r.LatencyMS)
		}
		if r.Tokens.Prompt != 40*refPromptTokens || r.Tokens.Completion != 40*refCompletionTokens {
			t.Errorf("c=%d: tokens = %+v, want %d/%d", r.Concurrency, r.Tokens, 40*refPromptTokens, 40*refCompletionTokens)
		}
		wantCost := (40*refPromptTokens*2.0 + 40*refCompletionTokens*10.0) / 1e6
		if r.CostUSD == nil || math.Abs(*r.CostUSD-wantCost) > 1e-9 {
			t.Errorf("c=%d: cost = %v, want %v", r.Concurrency, r.CostUSD, wantCost)
		}
		if r.TTFTMS != nil {
			t.Errorf("c=%d: ttft_ms = %v for a workload that does not stream, want null", r.Concurrency, *r.TTFTMS)
		}
	}
	if !strings.Contains(stdout, "ref-model") || !strings.Contains(stdout, "p99") {
		t.Errorf("the table lacks the run:\n%s", stdout)
	}
}

// TestStreamTTFT checks time to first token against a stream whose first
// token comes 50ms after the request and whose end comes 50ms later.
func TestStreamTTFT(t *testing.T) {
	srv := &refServer{FirstToken: 50 * time.Millisecond, StreamTail: 50 * time.Millisecond, Tool: "get_weather", Args: `{"city":"Oslo"}`}
	url := srv.start(t)
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := runCmd(t, nil, "--provider", "ref="+url+",model=m", "--workload", "stream",
		"--requests", "40", "--concurrency", "4", "--json", out)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r := readReport(t, out).Runs[0]
	t.Logf("ttft %vms, p50 %.2fms", *r.TTFTMS, r.LatencyMS.P50)
	if r.Succeeded != 40 {
		t.Fatalf("%d of 40 streamed requests succeeded", r.Succeeded)
	}
	if r.TTFTMS == nil || !within(*r.TTFTMS, 50, 0.10) {
		t.Errorf("ttft_ms = %v, want within 10%% of 50", r.TTFTMS)
	}
	if !within(r.LatencyMS.P50, 100, 0.10) {
		t.Errorf("p50 = %.2fms, want within 10%% of 100ms", r.LatencyMS.P50)
	}
	if r.Tokens.Prompt != 40*refPromptTokens {
		t.Errorf("prompt tokens = %d, want %d from the streamed usage", r.Tokens.Prompt, 40*refPromptTokens)
	}
}

// TestOpenLoopStall runs a server that stalls once for 500ms. In the open
// loop the requests due during the stall wait behind it and their latency,
// counted from the intended start, shows it; the closed loop hides it.
func TestOpenLoopStall(t *testing.T) {
	stall := func(n int64) time.Duration {
		if n == 20 {
			return 500 * time.Millisecond
		}
		return 0
	}
	p90 := func(args ...string) float64 {
		t.Helper()
		srv := &refServer{Latency: 10 * time.Millisecond, Tool: "get_weather", Args: `{"city":"Oslo"}`, Stall: stall}
		out := filepath.Join(t.TempDir(), "out.json")
		args = append([]string{"--provider", "s=" + srv.start(t) + ",model=m", "--requests", "60", "--concurrency", "1", "--warmup", "0", "--json", out}, args...)
		if code, stdout, stderr := runCmd(t, nil, args...); code != 0 {
			t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		return readReport(t, out).Runs[0].LatencyMS.P90
	}
	// At 50 requests per second about 25 fall due during the stall, and
	// most of them wait far longer than the 10ms they take.
	open, closed := p90("--rate", "50"), p90()
	t.Logf("p90: open loop %.1fms, closed loop %.1fms", open, closed)
	if open < 150 {
		t.Errorf("open loop p90 = %.1fms, want over 150ms: the queue behind the stall must show", open)
	}
	if closed > 100 {
		t.Errorf("closed loop p90 = %.1fms, want under 100ms: only one request stalled", closed)
	}
}
