package redislimit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/redis/go-redis/v9"
)

// BenchmarkAchievedRate measures the rate the shared limiter admits over 3
// seconds to 32 callers that always want more, at 10/s and 1000/s: adm/s
// is the admissions after the first divided by the time from the first to
// the last (the spacing, which a round trip's jitter at the window's edge
// cannot skew), %err its deviation from the configured rate. Each caller
// holds one reservation at a time, so enough of them must cover a Redis
// round trip. Each run takes 3 seconds whatever b.N is.
func BenchmarkAchievedRate(b *testing.B) {
	addr := startRedis(b)
	rdb := newRedis(b, addr)
	for _, r := range []float64{10, 1000} {
		b.Run(fmt.Sprint(r), func(b *testing.B) {
			l, err := New(rdb, fmt.Sprintf("bench:rate:%v:%d", r, time.Now().UnixNano()), r, nil)
			if err != nil {
				b.Fatal(err)
			}
			// Load the script and open the connections first: the first
			// admission's setup time would otherwise skew the measure.
			warm(b, rdb, 32)
			const d = 3 * time.Second
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var (
				mu    sync.Mutex
				first time.Time
				last  time.Time
				count int
				wg    sync.WaitGroup
			)
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
							return
						}
						now := time.Now()
						mu.Lock()
						if first.IsZero() {
							first = now
						}
						if now.Sub(first) < d {
							count++
							last = now
						} else {
							cancel()
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			got := float64(count-1) / last.Sub(first).Seconds()
			b.ReportMetric(got, "adm/s")
			b.ReportMetric(100*(got/r-1), "%err")
		})
	}
}

// BenchmarkAdmission measures one admission that need not wait: a Redis
// round trip on loopback, at 1, 8 and 64 goroutines.
func BenchmarkAdmission(b *testing.B) {
	addr := startRedis(b)
	rdb := newRedis(b, addr)
	for _, g := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("g=%d", g), func(b *testing.B) {
			l, err := New(rdb, fmt.Sprintf("bench:admission:%d:%d", g, time.Now().UnixNano()), 1e9, &Options{Burst: 1 << 20})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			per := (b.N + g - 1) / g
			var wg sync.WaitGroup
			b.ResetTimer()
			for range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						if _, err := l.Acquire(ctx, mcpclient.Cost{}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// warm loads the scripts and opens n connections to Redis.
func warm(b *testing.B, rdb *redis.Client, n int) {
	b.Helper()
	ctx := context.Background()
	if err := reserveScript.Load(ctx, rdb).Err(); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb.Ping(ctx)
		}()
	}
	wg.Wait()
}
