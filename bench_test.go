package mcpclient

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

// BenchmarkCallToolStdio measures tools/call round trips to a subprocess
// server over stdio with 1, 8 and 64 calls in flight. Allocations are the
// client's only: the server is another process.
//
//	go test -run '^$' -bench CallToolStdio -benchmem
func BenchmarkCallToolStdio(b *testing.B) {
	for _, inflight := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			s, err := Connect(context.Background(), stdioServer(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchCalls(b, s, inflight)
		})
	}
}

// BenchmarkCallToolInProcess is the same over in-process pipes: the client
// and server share the process, so it isolates framing and dispatch cost.
func BenchmarkCallToolInProcess(b *testing.B) {
	for _, inflight := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			s, _ := inProcess(b, testserverDemo(), nil)
			benchCalls(b, s, inflight)
		})
	}
}

func benchCalls(b *testing.B, s *Session, inflight int) {
	ctx := context.Background()
	args := json.RawMessage(`{"a":2,"b":3}`)
	if _, err := s.CallTool(ctx, "add", args, nil); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := s.CallTool(ctx, "add", args, nil); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
}

func testserverDemo() testserver.Options { return testserver.Options{Tools: testserver.DemoTools()} }
