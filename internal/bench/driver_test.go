package bench

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// sleepOp is an Op that takes d, tracking the most calls in flight.
func sleepOp(d time.Duration, inFlight, peak *atomic.Int64) Op {
	return func(ctx context.Context) Outcome {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return Outcome{}
	}
}

func TestDriveClosedLoop(t *testing.T) {
	tests := []struct {
		concurrency, requests int
	}{
		{1, 5},
		{4, 20},
		{8, 3}, // fewer requests than workers
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("c=%d n=%d", tt.concurrency, tt.requests), func(t *testing.T) {
			var inFlight, peak atomic.Int64
			var done atomic.Int64
			run := Drive(context.Background(), Load{Concurrency: tt.concurrency, Requests: tt.requests, OnDone: func() { done.Add(1) }},
				sleepOp(5*time.Millisecond, &inFlight, &peak))
			if len(run.Samples) != tt.requests {
				t.Fatalf("Drive(c=%d, n=%d) made %d samples, want %d", tt.concurrency, tt.requests, len(run.Samples), tt.requests)
			}
			if int(peak.Load()) > tt.concurrency {
				t.Errorf("Drive(c=%d) had %d requests in flight, want at most %d", tt.concurrency, peak.Load(), tt.concurrency)
			}
			if int(done.Load()) != tt.requests {
				t.Errorf("OnDone called %d times, want %d", done.Load(), tt.requests)
			}
			for i, s := range run.Samples {
				if s.Intended != s.Start {
					t.Errorf("sample %d: closed loop Intended = %v, want Start %v", i, s.Intended, s.Start)
				}
				if s.End-s.Start < 5*time.Millisecond {
					t.Errorf("sample %d: service time %v, want at least 5ms", i, s.ServiceTime())
				}
				if i > 0 && s.Intended < run.Samples[i-1].Intended {
					t.Errorf("samples not in order of intended start at %d", i)
				}
			}
		})
	}
}

func TestDriveDuration(t *testing.T) {
	var inFlight, peak atomic.Int64
	d := 150 * time.Millisecond
	run := Drive(context.Background(), Load{Concurrency: 2, Duration: d}, sleepOp(10*time.Millisecond, &inFlight, &peak))
	// About 2·150/10 = 30 requests; a loaded machine may fit fewer.
	if n := len(run.Samples); n < 6 || n > 32 {
		t.Errorf("Drive(2 workers, 150ms of 10ms requests) made %d samples, want 6 to 32", n)
	}
	for i, s := range run.Samples {
		if s.Start >= d {
			t.Errorf("sample %d started at %v, after the duration %v", i, s.Start, d)
		}
	}
}

func TestDriveNothing(t *testing.T) {
	run := Drive(context.Background(), Load{Concurrency: 3}, func(context.Context) Outcome {
		t.Error("the op ran under an empty load")
		return Outcome{}
	})
	if len(run.Samples) != 0 || run.Concurrency != 3 {
		t.Errorf("Drive(empty load) = %d samples, concurrency %d; want 0 and 3", len(run.Samples), run.Concurrency)
	}
}

func TestDriveOpenLoopSchedule(t *testing.T) {
	const rate = 200.0 // one request every 5ms
	run := Drive(context.Background(), Load{Concurrency: 4, Requests: 20, Rate: rate}, func(context.Context) Outcome { return Outcome{} })
	if len(run.Samples) != 20 {
		t.Fatalf("Drive(open loop, 20 requests) made %d samples, want 20", len(run.Samples))
	}
	for i, s := range run.Samples {
		want := time.Duration(i) * 5 * time.Millisecond
		if s.Intended != want {
			t.Errorf("sample %d: Intended = %v, want %v", i, s.Intended, want)
		}
		if s.Start < s.Intended {
			t.Errorf("sample %d started at %v, before it was due at %v", i, s.Start, s.Intended)
		}
	}
	if run.Elapsed < 95*time.Millisecond {
		t.Errorf("20 requests at 200/s took %v, want about 95ms or more", run.Elapsed)
	}
}

// TestDriveCoordinatedOmission stalls one request of an open loop with a
// single worker: the requests queued behind the stall must show its delay
// in their latency, though each of them was quick to serve. A closed loop
// of the same work sees a single slow request.
func TestDriveCoordinatedOmission(t *testing.T) {
	const stall = 400 * time.Millisecond
	stallingOp := func() Op {
		var n atomic.Int64
		return func(ctx context.Context) Outcome {
			d := time.Millisecond
			if n.Add(1) == 10 {
				d = stall
			}
			time.Sleep(d)
			return Outcome{}
		}
	}
	count := func(run *Run, slow func(Sample) bool) int {
		n := 0
		for _, s := range run.Samples {
			if slow(s) {
				n++
			}
		}
		return n
	}
	over := func(f func(Sample) time.Duration) func(Sample) bool {
		return func(s Sample) bool { return f(s) > 100*time.Millisecond }
	}

	open := Drive(context.Background(), Load{Concurrency: 1, Requests: 80, Rate: 100}, stallingOp())
	// At 100/s, about 40 requests fall due during the 400ms stall; those
	// due in its first 300ms wait more than 100ms.
	if n := count(open, over(Sample.Latency)); n < 20 {
		t.Errorf("open loop: %d requests with latency over 100ms, want at least 20 (queued behind the stall)", n)
	}
	if n := count(open, over(Sample.ServiceTime)); n != 1 {
		t.Errorf("open loop: %d requests with service time over 100ms, want 1 (the stalled one)", n)
	}
	st := open.Stats()
	if st.Latency.P90 < 100*time.Millisecond {
		t.Errorf("open loop: p90 latency = %v, want over 100ms", st.Latency.P90)
	}

	closed := Drive(context.Background(), Load{Concurrency: 1, Requests: 80}, stallingOp())
	if n := count(closed, over(Sample.Latency)); n != 1 {
		t.Errorf("closed loop: %d requests with latency over 100ms, want 1", n)
	}
}

func TestDriveCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	op := func(ctx context.Context) Outcome {
		if calls.Add(1) == 5 {
			cancel()
		}
		<-time.After(time.Millisecond)
		return Outcome{}
	}
	start := time.Now()
	run := Drive(ctx, Load{Concurrency: 2, Requests: 1000}, op)
	if time.Since(start) > 2*time.Second {
		t.Errorf("Drive took %v after cancellation", time.Since(start))
	}
	if n := len(run.Samples); n >= 10 {
		t.Errorf("Drive after cancellation made %d samples, want fewer than 10", n)
	}
}

func TestDriveOutcomes(t *testing.T) {
	errA, errB := errors.New("first 429"), errors.New("second 429")
	var n atomic.Int64
	op := func(context.Context) Outcome {
		start := time.Now()
		time.Sleep(2 * time.Millisecond)
		switch n.Add(1) {
		case 1:
			return Outcome{Kind: Throttled, Err: errA, Retries: 3}
		case 2:
			return Outcome{Kind: Throttled, Err: errB}
		}
		return Outcome{FirstToken: start.Add(time.Millisecond), PromptTokens: 10, CompletionTokens: 2, Retries: 1}
	}
	run := Drive(context.Background(), Load{Concurrency: 1, Requests: 5}, op)
	if got := run.Examples[Throttled]; got != errA.Error() {
		t.Errorf("Examples[429] = %q, want the first error %q", got, errA)
	}
	st := run.Stats()
	if st.Succeeded != 3 || st.Failed != 2 || st.Errors[Throttled] != 2 || st.Retries != 6 {
		t.Errorf("Stats = %d ok, %d failed, %d 429s, %d retries; want 3, 2, 2, 6", st.Succeeded, st.Failed, st.Errors[Throttled], st.Retries)
	}
	if st.PromptTokens != 30 || st.CompletionTokens != 6 {
		t.Errorf("tokens = %d/%d, want 30/6", st.PromptTokens, st.CompletionTokens)
	}
	if st.TTFT.Count != 3 || st.TTFT.Max >= st.Latency.Min {
		t.Errorf("TTFT = %+v with latency min %v; want 3 values below every latency", st.TTFT, st.Latency.Min)
	}
}
