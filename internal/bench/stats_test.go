package bench

import (
	"math"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	run := &Run{
		Samples: []Sample{
			{Intended: 0, Start: 0, End: msec(10), Kind: OK, PromptTokens: 100, CompletionTokens: 10},
			{Intended: msec(5), Start: msec(5), End: msec(35), Kind: OK, TTFT: msec(12), Retries: 2},
			{Intended: msec(10), Start: msec(20), End: msec(40), Kind: OK, TTFT: msec(20)},
			{Intended: msec(15), Start: msec(15), End: msec(16), Kind: ServerError, PromptTokens: 50},
			{Intended: msec(20), Start: msec(20), End: msec(30), Kind: InvalidToolCall, Retries: 1},
		},
		Elapsed: msec(40),
	}
	st := run.Stats()
	if st.Requests != 5 || st.Succeeded != 3 || st.Failed != 2 {
		t.Errorf("Stats counts = %d/%d/%d, want 5/3/2", st.Requests, st.Succeeded, st.Failed)
	}
	if st.SuccessRate != 0.6 {
		t.Errorf("SuccessRate = %v, want 0.6", st.SuccessRate)
	}
	// Latencies of the successes, from the intended start: 10, 30, 30ms.
	if st.Latency.Min != msec(10) || st.Latency.Max != msec(30) || st.Latency.P50 != msec(30) || st.Latency.Count != 3 {
		t.Errorf("Latency = %+v, want 3 values, min 10ms, p50 30ms, max 30ms", st.Latency)
	}
	if want := float64(3) / 0.040; math.Abs(st.Throughput-want) > 1e-9 {
		t.Errorf("Throughput = %v, want %v", st.Throughput, want)
	}
	if st.TTFT.Count != 2 || st.TTFT.P50 != msec(12) {
		t.Errorf("TTFT = %+v, want 2 values, p50 12ms", st.TTFT)
	}
	if st.Retries != 3 || st.PromptTokens != 150 || st.CompletionTokens != 10 {
		t.Errorf("Retries, tokens = %d, %d/%d; want 3, 150/10", st.Retries, st.PromptTokens, st.CompletionTokens)
	}
	if st.Errors[ServerError] != 1 || st.Errors[InvalidToolCall] != 1 || len(st.Errors) != 2 {
		t.Errorf("Errors = %v, want one 5xx and one invalid_tool_call", st.Errors)
	}
	if got, want := st.Cost(Price{In: 2, Out: 10}), (150*2.0+10*10.0)/1e6; math.Abs(got-want) > 1e-15 {
		t.Errorf("Cost = %v, want %v", got, want)
	}
	if got := run.Latencies(); len(got) != 3 || got[0] != msec(10) {
		t.Errorf("Latencies() = %v, want 3 sorted values from 10ms", got)
	}
}

func TestStatsEmpty(t *testing.T) {
	st := (&Run{}).Stats()
	if st.Requests != 0 || st.SuccessRate != 0 || st.Throughput != 0 || st.Latency.Count != 0 {
		t.Errorf("Stats of an empty run = %+v, want zeros", st)
	}
}

func TestCPUPerRequest(t *testing.T) {
	tests := []struct {
		name string
		run  *Run
		want time.Duration
		ok   bool
	}{
		{"not measured", &Run{Samples: make([]Sample, 4), CPU: time.Second}, 0, false},
		{"no requests", &Run{CPU: time.Second, CPUMeasured: true}, 0, false},
		{"measured", &Run{Samples: make([]Sample, 4), CPU: time.Millisecond, CPUMeasured: true}, 250 * time.Microsecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.run.CPUPerRequest()
			if got != tt.want || ok != tt.ok {
				t.Errorf("CPUPerRequest() = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	want := []string{"429", "5xx", "4xx", "timeout", "connection", "invalid_tool_call", "tool_error", "rpc_error", "other"}
	got := FailureKinds()
	if len(got) != len(want) {
		t.Fatalf("FailureKinds() has %d kinds, want %d", len(got), len(want))
	}
	for i, k := range got {
		if k.String() != want[i] {
			t.Errorf("FailureKinds()[%d] = %q, want %q", i, k, want[i])
		}
	}
	if OK.String() != "ok" || Kind(200).String() != "other" {
		t.Errorf("OK, Kind(200) = %q, %q; want ok, other", OK, Kind(200))
	}
}
