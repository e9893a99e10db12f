package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixedRun makes a run whose successful latencies are base, 2·base, ...,
// n·base, with one 429 on top.
func fixedRun(provider string, concurrency, n int, base time.Duration) *Run {
	r := &Run{Provider: provider, Model: "m-" + provider, Workload: "chat", Concurrency: concurrency, Price: &Price{In: 1, Out: 2}}
	for i := 1; i <= n; i++ {
		d := time.Duration(i) * base
		r.Samples = append(r.Samples, Sample{End: d, PromptTokens: 100, CompletionTokens: 10, TTFT: d / 2})
	}
	r.Samples = append(r.Samples, Sample{End: base, Kind: Throttled, Retries: 3})
	r.Elapsed = time.Duration(n) * base
	return r
}

func sampleRuns() []*Run {
	return []*Run{
		fixedRun("fast", 1, 100, time.Millisecond),
		fixedRun("slow", 1, 100, 3*time.Millisecond),
		fixedRun("fast", 4, 100, time.Millisecond),
		fixedRun("slow", 4, 100, 3*time.Millisecond),
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestJSONSchema pins the JSON report's layout, which scripts depend on.
func TestJSONSchema(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleRuns()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v", err)
	}
	if got := keys(doc); !slices.Equal(got, []string{"runs"}) {
		t.Fatalf("top-level keys = %v, want [runs]", got)
	}
	runs := doc["runs"].([]any)
	if len(runs) != 4 {
		t.Fatalf("len(runs) = %d, want 4", len(runs))
	}
	wantRun := []string{"concurrency", "cost_usd", "errors", "failed", "latency_ms", "model", "provider", "requests", "retries",
		"succeeded", "success_rate", "throughput_rps", "tokens", "ttft_ms", "workload"}
	wantLatency := []string{"max", "mean", "p50", "p90", "p95", "p99"}
	wantTokens := []string{"completion", "prompt"}
	wantErrors := []string{"429", "4xx", "5xx", "connection", "invalid_tool_call", "other", "rpc_error", "timeout", "tool_error"}
	for i, r := range runs {
		run := r.(map[string]any)
		for _, c := range []struct {
			name      string
			got, want []string
		}{
			{"run", keys(run), wantRun},
			{"latency_ms", keys(run["latency_ms"].(map[string]any)), wantLatency},
			{"tokens", keys(run["tokens"].(map[string]any)), wantTokens},
			{"errors", keys(run["errors"].(map[string]any)), wantErrors},
		} {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("runs[%d] %s keys (-want +got):\n%s", i, c.name, diff)
			}
		}
	}

	first := runs[0].(map[string]any)
	want := map[string]any{
		"provider": "fast", "model": "m-fast", "workload": "chat", "concurrency": 1.0,
		"requests": 101.0, "succeeded": 100.0, "failed": 1.0, "success_rate": 0.990099,
		"latency_ms":     map[string]any{"mean": 50.5, "p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "max": 100.0},
		"ttft_ms":        25.0,
		"throughput_rps": 1000.0,
		"retries":        3.0,
		"tokens":         map[string]any{"prompt": 10000.0, "completion": 1000.0},
		"cost_usd":       0.012,
		"errors":         map[string]any{"429": 1.0, "4xx": 0.0, "5xx": 0.0, "connection": 0.0, "invalid_tool_call": 0.0, "other": 0.0, "rpc_error": 0.0, "timeout": 0.0, "tool_error": 0.0},
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("runs[0] (-want +got):\n%s", diff)
	}
}

func TestJSONNulls(t *testing.T) {
	r := &Run{Provider: "p", Workload: "mcp", Concurrency: 1, Samples: []Sample{{End: time.Millisecond}}, Elapsed: time.Millisecond}
	rep := NewReport([]*Run{r})
	if rep.Runs[0].TTFTMS != nil || rep.Runs[0].CostUSD != nil {
		t.Errorf("ttft_ms, cost_usd = %v, %v; want null without streaming or a price", rep.Runs[0].TTFTMS, rep.Runs[0].CostUSD)
	}
	var b bytes.Buffer
	WriteJSON(&b, []*Run{r})
	if !strings.Contains(b.String(), `"ttft_ms": null`) || !strings.Contains(b.String(), `"cost_usd": null`) {
		t.Errorf("WriteJSON = %s, want ttft_ms and cost_usd null", b.String())
	}
}

func TestCSV(t *testing.T) {
	runs := sampleRuns()
	runs[0].CPU, runs[0].CPUMeasured = 101*time.Millisecond, true
	var b bytes.Buffer
	if err := WriteCSV(&b, runs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("WriteCSV wrote invalid CSV: %v", err)
	}
	if len(rows) != 5 {
		t.Fatalf("WriteCSV wrote %d rows, want a header and 4 runs", len(rows))
	}
	cell := func(row int, name string) string {
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("CSV header %v lacks %q", rows[0], name)
		}
		return rows[row][i]
	}
	for name, want := range map[string]string{
		"provider": "fast", "latency_p99_ms": "99", "errors_429": "1", "ttft_ms": "25",
		"throughput_rps": "1000", "cost_usd": "0.012", "cpu_us_per_request": "1000",
	} {
		if got := cell(1, name); got != want {
			t.Errorf("CSV %s = %q, want %q", name, got, want)
		}
	}
	if got := cell(2, "cpu_us_per_request"); got != "" {
		t.Errorf("CSV cpu_us_per_request without a measurement = %q, want empty", got)
	}
}

// squeeze collapses runs of white space, so that tests need not count the
// padding of aligned columns.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleRuns()[:2], TableOptions{CPU: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("WriteTable wrote %d lines, want 3:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"workload", "provider", "p99", "ttft", "cpu/req", "errors"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %q", lines[0], want)
		}
	}
	for _, want := range []string{"fast", "m-fast", "99.0%", "50.0ms", "99.0ms", "100ms", "25.0ms", "10k/1000", "429:1"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	// The columns line up: every line has the header's width up to the
	// last (left-aligned) column.
	if i, j := strings.Index(lines[0], "errors"), strings.Index(lines[1], "429:1"); i != j {
		t.Errorf("errors column starts at %d in the header and %d in the row", i, j)
	}
}

func TestWriteTableMCP(t *testing.T) {
	r := &Run{Provider: "demo", Model: "get_weather", Workload: "mcp", Concurrency: 2, Samples: []Sample{{End: 40 * time.Microsecond}}, Elapsed: time.Millisecond}
	var b bytes.Buffer
	WriteTable(&b, []*Run{r}, TableOptions{})
	head := strings.Fields(strings.SplitN(b.String(), "\n", 2)[0])
	want := []string{"workload", "server", "tool", "conc", "reqs", "ok", "mean", "p50", "p90", "p95", "p99", "max", "req/s", "errors"}
	if diff := cmp.Diff(want, head); diff != "" {
		t.Errorf("tools/call table header (-want +got):\n%s", diff)
	}
	if !strings.Contains(b.String(), "40µs") {
		t.Errorf("table %q does not show 40µs", b.String())
	}
}

func TestWriteRanking(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRanking(&b, sampleRuns()); err != nil {
		t.Fatal(err)
	}
	got := squeeze(b.String())
	for _, want := range []string{
		"ranking: chat, concurrency 1 ",
		"ranking: chat, concurrency 4 ",
		"p50 latency 1. fast 50.0ms 2. slow 150ms",
		"throughput 1. fast 1000 req/s 2. slow 333 req/s",
		"p50 ttft 1. fast 25.0ms 2. slow 75.0ms",
		"cost per 1k requests 1. fast $0.119 2. slow $0.119",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ranking lacks %q:\n%s", want, got)
		}
	}

	// A lone run has nothing to be ranked against.
	b.Reset()
	WriteRanking(&b, sampleRuns()[:1])
	if b.Len() != 0 {
		t.Errorf("ranking of one run = %q, want nothing", b.String())
	}
}

func TestRankingMissingValues(t *testing.T) {
	failed := &Run{Provider: "down", Workload: "chat", Concurrency: 1, Samples: []Sample{{Kind: Connection}}}
	var b bytes.Buffer
	WriteRanking(&b, []*Run{failed, fixedRun("up", 1, 10, time.Millisecond)})
	if got := squeeze(b.String()); !strings.Contains(got, "p50 latency 1. up 5.00ms 2. down n/a") {
		t.Errorf("ranking with a run that never succeeded:\n%s\nwant it last as n/a", got)
	}
}

func TestWriteHTML(t *testing.T) {
	runs := sampleRuns()
	runs[1].Provider = `<script>alert("x")</script>`
	runs[3].Provider = runs[1].Provider
	var b bytes.Buffer
	err := WriteHTML(&b, runs, HTMLOptions{Title: "bench & co", Notes: []string{"a <note>"}, Generated: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// Two percentile charts (one per concurrency), throughput and p99.
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("the page has %d SVG charts, want 4", n)
	}
	if n := strings.Count(page, "<polyline"); n < 6 {
		t.Errorf("the page has %d chart lines, want at least 6", n)
	}
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: it must not run or load anything", bad)
		}
	}
	for _, want := range []string{"<title>bench &amp; co</title>", "a &lt;note&gt;", "2026-01-02 03:04 UTC", "&lt;script&gt;", "How to read this report", "latency by percentile, concurrency 4", "throughput by concurrency", "p99 latency by concurrency"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		top  float64
		want []float64
	}{
		{0, []float64{0, 1}},
		{1, []float64{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}},
		{97, []float64{0, 20, 40, 60, 80, 100}},
		{100, []float64{0, 20, 40, 60, 80, 100}},
		{2340, []float64{0, 500, 1000, 1500, 2000, 2500}},
		{7, []float64{0, 2, 4, 6, 8}},
	}
	for _, tt := range tests {
		if got := niceTicks(tt.top, 5); !slices.Equal(got, tt.want) {
			t.Errorf("niceTicks(%v, 5) = %v, want %v", tt.top, got, tt.want)
		}
	}
}

func TestPercentilePoints(t *testing.T) {
	for _, n := range []int{1, 10, maxCurvePoints, 5000} {
		lat := make([]time.Duration, n)
		for i := range lat {
			lat[i] = time.Duration(i+1) * time.Millisecond
		}
		pts := percentilePoints(lat)
		if len(pts) == 0 || len(pts) > maxCurvePoints+2 {
			t.Errorf("percentilePoints(%d values) = %d points, want 1 to %d", n, len(pts), maxCurvePoints+2)
			continue
		}
		if pts[0].x != 0 || pts[0].y != 1 {
			t.Errorf("percentilePoints(%d values) starts at %+v, want {0 1}", n, pts[0])
		}
		if last := pts[len(pts)-1]; last.y != float64(n) {
			t.Errorf("percentilePoints(%d values) ends at %+v, want the maximum %d", n, last, n)
		}
		for i := 1; i < len(pts); i++ {
			if pts[i].x <= pts[i-1].x || pts[i].y < pts[i-1].y {
				t.Errorf("percentilePoints(%d values) not increasing at %d: %+v then %+v", n, i, pts[i-1], pts[i])
				break
			}
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{500 * time.Nanosecond, "<1µs"},
		{40 * time.Microsecond, "40µs"},
		{999 * time.Microsecond, "999µs"},
		{1500 * time.Microsecond, "1.50ms"},
		{41234 * time.Microsecond, "41.2ms"},
		{412 * time.Millisecond, "412ms"},
		{2345 * time.Millisecond, "2.35s"},
	}
	for _, tt := range tests {
		if got := fmtDur(tt.d); got != tt.want {
			t.Errorf("fmtDur(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestPercentileChartTicks(t *testing.T) {
	tests := []struct {
		n    int
		want []string
	}{
		{40, []string{"0%", "50%", "90%", "max"}},
		{100, []string{"0%", "50%", "90%", "99%"}},
		{5000, []string{"0%", "50%", "90%", "99%", "99.9%", "max"}},
	}
	for _, tt := range tests {
		c := percentileChart("chat", 1, []*Run{fixedRun("p", 1, tt.n, time.Millisecond)})
		var got []string
		for _, tk := range c.xTicks {
			got = append(got, tk.label)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("percentileChart(%d requests) ticks = %v, want %v", tt.n, got, tt.want)
		}
	}
}
