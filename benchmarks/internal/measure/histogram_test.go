package measure

import (
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	for _, ns := range []uint64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 123456, 1 << 40, 1<<62 + 12345} {
		b := bucketOf(ns)
		lo, hi := lowerBound(b), lowerBound(b+1)
		if ns < lo || ns >= hi {
			t.Errorf("bucketOf(%d) = %d holding [%d, %d), want a bucket holding %d", ns, b, lo, hi, ns)
		}
		if ns >= 64 && float64(hi-lo)/float64(lo) > 1.0/32 {
			t.Errorf("bucket of %d spans [%d, %d), want at most 1/32 of its start", ns, lo, hi)
		}
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample", []time.Duration{10 * time.Microsecond}, 0.99, 10 * time.Microsecond},
		{"median of three", []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}, 0.5, 2 * time.Millisecond},
		{"p99 sees the tail", append(repeat(100*time.Microsecond, 98), 50*time.Millisecond, 50*time.Millisecond), 0.99, 50 * time.Millisecond},
		{"negative counts as zero", []time.Duration{-5}, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			for _, d := range tt.samples {
				h.Record(d)
			}
			got := h.Quantile(tt.q)
			if diff := got - tt.want; diff < -tt.want/32-1 || diff > tt.want/32+1 {
				t.Errorf("Quantile(%v) = %v, want %v within 3%%", tt.q, got, tt.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	var a, b Histogram
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(3 * time.Millisecond)
	a.Merge(&b)
	if got := a.Count(); got != 3 {
		t.Errorf("Count() after Merge = %d, want 3", got)
	}
	if got := a.Quantile(0.5); got < 2900*time.Microsecond || got > 3100*time.Microsecond {
		t.Errorf("Quantile(0.5) after Merge = %v, want about 3ms", got)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(100, func() { h.Record(time.Microsecond) }); n != 0 {
		t.Errorf("Record allocations = %v, want 0", n)
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}
