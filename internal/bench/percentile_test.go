package bench

import (
	"testing"
	"time"
)

func msec(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// seq returns 1ms, 2ms, ..., n ms.
func seq(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = msec(i + 1)
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value p0", seq(1), 0, msec(1)},
		{"one value p50", seq(1), 50, msec(1)},
		{"one value p100", seq(1), 100, msec(1)},
		{"p0 is the minimum", seq(10), 0, msec(1)},
		{"negative p is the minimum", seq(10), -5, msec(1)},
		{"p100 is the maximum", seq(10), 100, msec(10)},
		{"above 100 is the maximum", seq(10), 150, msec(10)},
		{"p50 of 10 is the 5th", seq(10), 50, msec(5)},
		{"p51 of 10 is the 6th", seq(10), 51, msec(6)},
		{"p90 of 10 is the 9th", seq(10), 90, msec(9)},
		{"p99 of 10 is the 10th", seq(10), 99, msec(10)},
		{"p10 of 10 is the 1st", seq(10), 10, msec(1)},
		{"p50 of 4 is the 2nd", seq(4), 50, msec(2)},
		{"p50 of 5 is the 3rd", seq(5), 50, msec(3)},
		{"p99 of 100 is the 99th", seq(100), 99, msec(99)},
		{"p99 of 1000 is the 990th", seq(1000), 99, msec(990)},
		{"p99.9 of 1000 is the 999th", seq(1000), 99.9, msec(999)},
		{"p99.99 of 1000 is the last", seq(1000), 99.99, msec(1000)},
		{"p95 of 20 is the 19th", seq(20), 95, msec(19)},
		{"tiny p is the first", seq(1000), 0.0001, msec(1)},
		{"repeated values", []time.Duration{msec(1), msec(1), msec(1), msec(7)}, 75, msec(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%d values, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want Summary
	}{
		{"none", nil, Summary{}},
		{"one", []time.Duration{msec(7)}, Summary{Count: 1, Mean: msec(7), Min: msec(7), P50: msec(7), P90: msec(7), P95: msec(7), P99: msec(7), Max: msec(7)}},
		{
			"unsorted 1..100",
			func() []time.Duration {
				s := seq(100)
				for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
					s[i], s[j] = s[j], s[i]
				}
				return s
			}(),
			Summary{Count: 100, Mean: 50*time.Millisecond + 500*time.Microsecond, Min: msec(1), P50: msec(50), P90: msec(90), P95: msec(95), P99: msec(99), Max: msec(100)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.in); got != tt.want {
				t.Errorf("Summarize(%s) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}
