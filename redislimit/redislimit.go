// Package redislimit is a rate limiter that many processes share through
// Redis. Every process that uses the same key admits requests against one
// budget: a GCRA (generic cell rate algorithm) in a Lua script, run
// atomically by Redis against Redis's own clock, so the combined rate holds
// however many processes there are and however their clocks drift.
//
// # Usage
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	lim, err := redislimit.New(rdb, "mcpclient:openai", 50, nil)
//	if err != nil { ... }
//	client, err := mcpclient.NewClient(&mcpclient.Options{Limiter: lim, ...})
//
// # When Redis is unavailable
//
// By default Acquire then fails with an error matching [ErrUnavailable]: a
// limiter that cannot count must not silently admit everything. Set
// Options.Fallback to a local limiter, such as this process's share of the
// rate, to keep working through an outage; every admission through it is
// reported as an mcpclient.EventFallback and the outage is logged.
//
// The root mcpclient package does not import this one, so programs that do
// not use Redis do not link go-redis.
package redislimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/redis/go-redis/v9"
)

// ErrUnavailable reports that Redis could not be reached or did not answer
// in time, and no fallback was configured.
var ErrUnavailable = errors.New("mcpclient: redis limiter: redis unavailable")

// Options configure a [Limiter]. The zero value is ready to use.
type Options struct {
	// Burst is how many requests may go at once after a quiet spell,
	// across all processes; 0 means 1, even spacing.
	Burst int
	// Fallback, when set, admits requests while Redis cannot be reached.
	// Give it this process's share of the rate: shared by N processes, a
	// local limiter at rate/N keeps the total near the budget. nil means
	// Acquire fails with an error matching ErrUnavailable.
	Fallback mcpclient.Limiter
	// Timeout bounds each call to Redis; 0 means one second.
	Timeout time.Duration
	// Logger gets a warning when Redis becomes unreachable and a note when
	// it is back; nil discards them.
	Logger *slog.Logger
}

// Limiter is an [mcpclient.Limiter] whose budget lives in Redis under one
// key, counting requests (Cost.Requests, at least one). Acquire makes its
// reservation in Redis and then waits on a local timer; a waiter that gives
// up hands its reservation back when no later one was made on top of it. A
// wait that would outlast the context's deadline is refused by Redis
// without reserving, and Acquire fails at once with an error matching
// context.DeadlineExceeded. It is safe for concurrent use by any number of
// goroutines and processes.
//
// Use it when several processes or machines share one provider key. It
// costs one Redis round trip per admission; combine it with a local
// mcpclient.TokenLimit through mcpclient.AllOf to count tokens too.
type Limiter struct {
	rdb      redis.Scripter
	key      string
	interval float64 // microseconds per request
	burst    int
	opts     Options
	logger   *slog.Logger
	down     atomic.Bool // Redis failed the last call
}

// New returns a limiter of perSecond requests a second shared by every
// process that uses key on the same Redis. rdb is a *redis.Client, a
// *redis.Ring or a *redis.ClusterClient; New does not contact it. opts may
// be nil.
func New(rdb redis.Scripter, key string, perSecond float64, opts *Options) (*Limiter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case rdb == nil:
		return nil, errors.New("mcpclient: redis limiter: no Redis client")
	case key == "":
		return nil, errors.New("mcpclient: redis limiter: empty key")
	case !(perSecond > 0) || math.IsInf(perSecond, 0):
		return nil, fmt.Errorf("mcpclient: redis limiter: the rate %v must be a positive number of requests per second",
			perSecond)
	}
	if o.Burst < 1 {
		o.Burst = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Limiter{rdb: rdb, key: key, interval: 1e6 / perSecond, burst: o.Burst, opts: o, logger: logger}, nil
}

type noopPermit struct{}

func (noopPermit) Done(mcpclient.Outcome) {}

// Acquire waits until the shared budget admits cost.
func (l *Limiter) Acquire(ctx context.Context, cost mcpclient.Cost) (mcpclient.Permit, error) {
	n := max(cost.Requests, 1)
	if n > l.burst {
		return nil, &costError{n: n, burst: l.burst}
	}
	maxWait := int64(-1)
	if dl, ok := ctx.Deadline(); ok {
		maxWait = max(time.Until(dl).Microseconds(), 0)
	}
	ok, wait, tat, err := l.reserve(ctx, n, maxWait)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return l.fallback(ctx, cost, err)
	}
	if !ok {
		return nil, &deadlineError{wait: wait}
	}
	if wait <= 0 {
		return noopPermit{}, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return noopPermit{}, nil
	case <-ctx.Done():
		l.cancel(ctx, tat, n)
		return nil, ctx.Err()
	}
}

// reserve runs the GCRA script.
func (l *Limiter) reserve(ctx context.Context, n int, maxWait int64) (ok bool, wait time.Duration, tat string, err error) {
	rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	res, err := reserveScript.Run(rctx, l.rdb, []string{l.key},
		strconv.FormatFloat(l.interval, 'f', 3, 64), l.burst, n, maxWait).Slice()
	if err != nil {
		return false, 0, "", err
	}
	if len(res) != 3 {
		return false, 0, "", fmt.Errorf("unexpected script reply %v", res)
	}
	flag, _ := res[0].(int64)
	ws, _ := res[1].(string)
	tat, _ = res[2].(string)
	us, err := strconv.ParseInt(ws, 10, 64)
	if err != nil {
		return false, 0, "", fmt.Errorf("unexpected script reply %v", res)
	}
	if l.down.Swap(false) {
		l.logger.Info("redis limiter: redis is reachable again", "key", l.key)
	}
	return flag == 1, time.Duration(us) * time.Microsecond, tat, nil
}

// cancel hands back a reservation, best effort: the waiter is leaving, so
// the context it came with has ended.
func (l *Limiter) cancel(ctx context.Context, tat string, n int) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Timeout)
	defer cancel()
	took := strconv.FormatFloat(float64(n)*l.interval, 'f', 3, 64)
	if err := cancelScript.Run(cctx, l.rdb, []string{l.key}, tat, took).Err(); err != nil {
		l.logger.Debug("redis limiter: could not hand back a reservation", "key", l.key, "err", err)
	}
}

// fallback admits through the local fallback, or reports the outage.
func (l *Limiter) fallback(ctx context.Context, cost mcpclient.Cost, cause error) (mcpclient.Permit, error) {
	err := &unavailableError{key: l.key, err: cause}
	if !l.down.Swap(true) {
		l.logger.Warn("redis limiter: redis is unreachable",
			"key", l.key, "fallback", l.opts.Fallback != nil, "err", cause)
	}
	if l.opts.Fallback == nil {
		return nil, err
	}
	mcpclient.ReportEvent(ctx, mcpclient.Event{Kind: mcpclient.EventFallback, Err: err})
	return l.opts.Fallback.Acquire(ctx, cost)
}

// unavailableError is a failed call to Redis. It matches ErrUnavailable
// and unwraps to the cause.
type unavailableError struct {
	key string
	err error
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("mcpclient: redis limiter: acquire %q: redis unavailable: %v", e.key, e.err)
}

func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }
func (e *unavailableError) Unwrap() error        { return e.err }

// costError refuses a cost above the burst, which could never be admitted.
// It matches mcpclient.ErrCostTooLarge.
type costError struct{ n, burst int }

func (e *costError) Error() string {
	return fmt.Sprintf("mcpclient: redis limiter: a cost of %d requests exceeds the burst of %d and can never be admitted",
		e.n, e.burst)
}

func (e *costError) Is(target error) bool { return target == mcpclient.ErrCostTooLarge }

// deadlineError is the refusal of a wait that would outlast the deadline.
// It matches context.DeadlineExceeded.
type deadlineError struct{ wait time.Duration }

func (e *deadlineError) Error() string {
	return fmt.Sprintf("mcpclient: redis limiter: a wait of %v would outlast the deadline", e.wait.Round(time.Millisecond))
}

func (e *deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }
