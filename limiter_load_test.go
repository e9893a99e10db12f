package mcpclient

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// loadEnv, set to "full", makes TestAdaptiveUnderQuota send the issue's
// 2,000 requests instead of the short form's 300.
const loadEnv = "MCPCLIENT_LOAD"

// loadResult is what one run against the quota saw.
type loadResult struct {
	requests, failed int
	elapsed          time.Duration
	posts, refused   int // all chat POSTs and the 429s among them
	lateRefused      int // 429s after the first second
	latePosts        int // POSTs after the first second
	stats            Stats
}

func (r loadResult) throughput() float64 { return float64(r.requests-r.failed) / r.elapsed.Seconds() }

// lateRefusedShare is the share of responses after the first second that
// were 429.
func (r loadResult) lateRefusedShare() float64 {
	if r.latePosts == 0 {
		return 0
	}
	return float64(r.lateRefused) / float64(r.latePosts)
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d requests (%d failed) in %v: %.1f/s; %d POSTs, %d refused (%d of %d after 1s: %.2f%%); retried %d, cuts %d, holds %d",
		r.requests, r.failed, r.elapsed.Round(time.Millisecond), r.throughput(), r.posts, r.refused,
		r.lateRefused, r.latePosts, 100*r.lateRefusedShare(), r.stats.Retried, r.stats.Cuts, r.stats.Holds)
}

// runQuotaLoad sends n chat requests from callers goroutines through a
// client with lim, to a fake model behind q with a latency of about 40ms.
func runQuotaLoad(t testing.TB, q fakemodel.Quota, lim Limiter, n, callers int) loadResult {
	t.Helper()
	fm := fakemodel.New(fakemodel.Options{
		DisableRecording: true,
		Latency:          fakemodel.LogNormalLatency(40*time.Millisecond, 0.3, rand.New(rand.NewPCG(1, 2))),
	})
	quota := fakemodel.WithQuota(fm, q)
	c := newClient(t, serveModel(t, quota), Options{Limiter: lim, MaxTurns: 1})

	ctx := testContext(t)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if _, err := c.Ask(ctx, fmt.Sprintf("request %d", i)); err != nil {
					if failed.Add(1) <= 3 {
						t.Errorf("request %d: %v", i, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	res := loadResult{requests: n, failed: int(failed.Load()), elapsed: time.Since(start), stats: c.Stats()}
	for _, e := range quota.Log() {
		res.posts++
		late := e.At.Sub(start) >= time.Second
		if late {
			res.latePosts++
		}
		if e.Refused {
			res.refused++
			if late {
				res.lateRefused++
			}
		}
	}
	return res
}

// The real input: a provider quota of 50 requests a second with
// Retry-After past it, 64 callers, the adaptive limiter configured at
// twice the quota (the client does not know the real limit). Every request
// succeeds, fewer than 5% of responses after the first second are 429, and
// throughput is at least 90% of the quota.
func TestAdaptiveUnderQuota(t *testing.T) {
	n := 300
	if os.Getenv(loadEnv) == "full" {
		n = 2000
	}
	const quota = 50.0
	tests := []struct {
		name string
		rate float64
	}{
		{"configured at the quota", quota},
		{"configured at twice the quota", 2 * quota},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runQuotaLoad(t, fakemodel.Quota{PerSecond: quota}, NewAdaptive(tt.rate, nil), n, 64)
			t.Logf("adaptive:%v: %v", tt.rate, res)
			if res.failed > 0 {
				t.Errorf("%d of %d requests failed, want none", res.failed, res.requests)
			}
			if got := res.lateRefusedShare(); got >= 0.05 {
				t.Errorf("429 share after the first second = %.2f%%, want below 5%%", 100*got)
			}
			if got := res.throughput(); got < 0.9*quota {
				t.Errorf("throughput = %.1f/s, want at least %.1f/s (90%% of the quota)", got, 0.9*quota)
			}
		})
	}
}
