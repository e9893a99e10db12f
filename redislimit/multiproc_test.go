package redislimit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/syncbuf"

	"github.com/mcpclient/mcpclient"
	"github.com/redis/go-redis/v9"
)

// workerEnv, when set, makes the test binary a worker of
// TestSharedRateAcrossProcesses instead of running tests. Its value is
// "addr,key,rate,start,duration": the worker admits as fast as the limiter
// lets it from start (Unix nanoseconds) for duration (nanoseconds) and
// prints each admission's time, one a line.
const workerEnv = "MCPCLIENT_REDISLIMIT_WORKER"

func runWorker(spec string, out io.Writer) int {
	f := strings.Split(spec, ",")
	if len(f) != 5 {
		fmt.Fprintf(os.Stderr, "worker: bad spec %q\n", spec)
		return 2
	}
	rate, err1 := strconv.ParseFloat(f[2], 64)
	start, err2 := strconv.ParseInt(f[3], 10, 64)
	dur, err3 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		fmt.Fprintf(os.Stderr, "worker: bad spec %q\n", spec)
		return 2
	}
	rdb := redis.NewClient(&redis.Options{Addr: f[0]})
	defer rdb.Close()
	lim, err := New(rdb, f[1], rate, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, start+dur))
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	time.Sleep(time.Until(time.Unix(0, start)))

	var mu sync.Mutex
	var times []int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := lim.Acquire(ctx, mcpclient.Cost{Requests: 1}); err != nil {
					return
				}
				now := time.Now().UnixNano()
				mu.Lock()
				times = append(times, now)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	w := bufio.NewWriter(out)
	for _, t := range times {
		fmt.Fprintln(w, t)
	}
	w.Flush()
	return 0
}

// Two and four processes sharing one key hold the combined rate within 2%
// of the configured one.
func TestSharedRateAcrossProcesses(t *testing.T) {
	addr := startRedis(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const (
		rate = 400.0
		dur  = 3 * time.Second
		warm = 500 * time.Millisecond // excluded: processes start at slightly different moments
	)
	for _, procs := range []int{2, 4} {
		t.Run(fmt.Sprintf("%d processes", procs), func(t *testing.T) {
			key := fmt.Sprintf("test:shared:%d", procs)
			start := time.Now().Add(2 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			outs := make([]strings.Builder, procs)
			errs := make([]syncbuf.Buffer, procs)
			cmds := make([]*exec.Cmd, procs)
			for i := range cmds {
				cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%v,%d,%d", workerEnv, addr, key, rate, start.UnixNano(), int64(dur)))
				cmd.Stdout, cmd.Stderr = &outs[i], &errs[i]
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				cmds[i] = cmd
			}
			for i, cmd := range cmds {
				if err := cmd.Wait(); err != nil {
					t.Fatalf("worker %d: %v\n%s", i, err, errs[i].String())
				}
			}

			from, to := start.Add(warm).UnixNano(), start.Add(dur).UnixNano()
			total := 0
			for i := range outs {
				n := 0
				for line := range strings.FieldsSeq(outs[i].String()) {
					at, err := strconv.ParseInt(line, 10, 64)
					if err != nil {
						t.Fatalf("worker %d printed %q", i, line)
					}
					if at >= from && at < to {
						n++
					}
				}
				if n == 0 {
					t.Errorf("worker %d admitted nothing in the window: the budget is not shared", i)
				}
				total += n
			}
			want := rate * (dur - warm).Seconds()
			got := float64(total) / (dur - warm).Seconds()
			t.Logf("%d processes: %d admissions in %v, %.1f/s for %v/s (%+.2f%%)", procs, total, dur-warm, got, rate, 100*(got/rate-1))
			if d := float64(total) - want; d > 0.02*want || d < -0.02*want {
				t.Errorf("%d processes admitted %d in %v, want %v within 2%%", procs, total, dur-warm, want)
			}
		})
	}
}
