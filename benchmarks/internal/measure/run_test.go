package measure

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsEveryCall(t *testing.T) {
	for _, inflight := range []int{1, 4} {
		var n atomic.Uint64
		call := func(context.Context) error {
			n.Add(1)
			time.Sleep(100 * time.Microsecond)
			return nil
		}
		r, err := Run(context.Background(), Load{InFlight: inflight, Warmup: 3, Duration: 50 * time.Millisecond}, call)
		if err != nil {
			t.Fatalf("Run(inflight=%d) error = %v", inflight, err)
		}
		if want := n.Load() - uint64(3*inflight); r.Calls != want {
			t.Errorf("Run(inflight=%d).Calls = %d, want %d (all calls less warm-up)", inflight, r.Calls, want)
		}
		if r.Calls == 0 || r.CallsPerSec <= 0 || r.Elapsed < 50*time.Millisecond {
			t.Errorf("Run(inflight=%d) = %+v, want calls over at least 50ms", inflight, r)
		}
		if r.P50 < 100*time.Microsecond || r.P99 < r.P50 {
			t.Errorf("Run(inflight=%d) p50, p99 = %v, %v, want p50 >= 100µs and p99 >= p50", inflight, r.P50, r.P99)
		}
	}
}

func TestRunStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name   string
		failAt uint64
	}{
		{"during warm-up", 2},
		{"while measuring", 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Uint64
			call := func(context.Context) error {
				if n.Add(1) == tt.failAt {
					return boom
				}
				return nil
			}
			_, err := Run(context.Background(), Load{InFlight: 2, Warmup: 5, Duration: 10 * time.Second}, call)
			if !errors.Is(err, boom) {
				t.Errorf("Run() error = %v, want %v", err, boom)
			}
		})
	}
}

func TestRunRejectsNoWorkers(t *testing.T) {
	if _, err := Run(context.Background(), Load{InFlight: 0, Duration: time.Millisecond}, func(context.Context) error { return nil }); err == nil {
		t.Error("Run(InFlight: 0) error = nil, want an error")
	}
}

func TestResultPerCall(t *testing.T) {
	r := Result{Calls: 4, CPU: 400 * time.Microsecond, Mallocs: 10, Bytes: 1000}
	if got := r.CPUPerCall(); got != 100*time.Microsecond {
		t.Errorf("CPUPerCall() = %v, want 100µs", got)
	}
	if got := r.AllocsPerCall(); got != 2.5 {
		t.Errorf("AllocsPerCall() = %v, want 2.5", got)
	}
	if got := r.BytesPerCall(); got != 250 {
		t.Errorf("BytesPerCall() = %v, want 250", got)
	}
	if got := (Result{}).CPUPerCall(); got != 0 {
		t.Errorf("Result{}.CPUPerCall() = %v, want 0", got)
	}
}
