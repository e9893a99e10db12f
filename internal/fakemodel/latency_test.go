package fakemodel

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLogNormalLatency(t *testing.T) {
	const draws = 2001
	sample := func(median time.Duration, sigma float64, seed uint64) []time.Duration {
		f := LogNormalLatency(median, sigma, rand.New(rand.NewPCG(seed, seed)))
		out := make([]time.Duration, draws)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	tests := []struct {
		name   string
		median time.Duration
		sigma  float64
		check  func(t *testing.T, ds []time.Duration)
	}{
		{"sigma 0 gives the median", 80 * time.Millisecond, 0, func(t *testing.T, ds []time.Duration) {
			for _, d := range ds {
				if d != 80*time.Millisecond {
					t.Fatalf("draw = %v, want 80ms", d)
				}
			}
		}},
		{"median 0 gives 0", 0, 1, func(t *testing.T, ds []time.Duration) {
			if slices.Max(ds) != 0 {
				t.Fatalf("max draw = %v, want 0", slices.Max(ds))
			}
		}},
		{"sample median near median", 100 * time.Millisecond, 0.5, func(t *testing.T, ds []time.Duration) {
			s := slices.Sorted(slices.Values(ds))
			if m := s[draws/2]; m < 90*time.Millisecond || m > 110*time.Millisecond {
				t.Errorf("sample median = %v, want 100ms ±10%%", m)
			}
			if s[draws/10] > 60*time.Millisecond || s[draws*9/10] < 160*time.Millisecond {
				t.Errorf("10th/90th percentiles = %v/%v, want spread of sigma 0.5 (about 53ms/190ms)", s[draws/10], s[draws*9/10])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, sample(tt.median, tt.sigma, 42))
		})
	}
	t.Run("same seed same draws", func(t *testing.T) {
		if a, b := sample(time.Second, 1, 7), sample(time.Second, 1, 7); !slices.Equal(a, b) {
			t.Errorf("draws with seed 7 differ between runs")
		}
	})
	t.Run("nil rand", func(t *testing.T) {
		if d := LogNormalLatency(time.Millisecond, 0, nil)(); d != time.Millisecond {
			t.Errorf("LogNormalLatency(1ms, 0, nil)() = %v, want 1ms", d)
		}
	})
}

func TestLatencyDelaysReply(t *testing.T) {
	const delay = 40 * time.Millisecond
	calls := 0
	ts := startServer(t, New(Options{Latency: func() time.Duration { calls++; return delay }}))
	start := time.Now()
	r := postChat(t, ts, encode(t, userRequest("x")))
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("reply after %v, want >= %v", elapsed, delay)
	}
	if r.status != 200 || calls != 1 {
		t.Errorf("status = %d after %d Latency calls, want 200 after 1", r.status, calls)
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	s := New(Options{
		Latency: func() time.Duration { return time.Hour },
		Script:  []Step{{Message: &Message{Content: "kept"}}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions", strings.NewReader(encode(t, userRequest("x"))))
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeHTTP still waiting 5s after the request was cancelled")
	}
	if rec.Body.Len() != 0 {
		t.Errorf("cancelled reply body = %q, want empty", rec.Body.String())
	}
	s.opts.Latency = nil
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(encode(t, userRequest("x")))))
	if _, m := decodeCompletion(t, rec.Body.String()); m.Content != "kept" {
		t.Errorf("content after a cancelled request = %q, want the unused step", m.Content)
	}
}
