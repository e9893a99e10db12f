package mcpclient

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// gateLimiter admits one request per ticket. Like every limiter it refuses
// at once a wait past the deadline.
type gateLimiter struct{ tickets chan struct{} }

func newGate() *gateLimiter { return &gateLimiter{tickets: make(chan struct{}, 100)} }

func (g *gateLimiter) Acquire(ctx context.Context, _ Cost) (Permit, error) {
	select {
	case <-g.tickets:
		return noopPermit{}, nil
	default:
	}
	if dl, ok := ctx.Deadline(); ok && !dl.After(time.Now()) {
		return nil, deadlineError(time.Hour)
	}
	select {
	case <-g.tickets:
		return noopPermit{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// priorityHarness drives a Priority over a gate: each request announces
// its label once admitted.
type priorityHarness struct {
	t     *testing.T
	pr    *Priority
	gate  *gateLimiter
	ctx   context.Context
	order chan string
	errs  chan error
	wg    sync.WaitGroup
}

// newPriorityHarness makes a harness; Lookahead is 1 unless opts sets it,
// so that the order is strict.
func newPriorityHarness(t *testing.T, opts *PriorityOptions) *priorityHarness {
	if opts == nil {
		opts = &PriorityOptions{}
	}
	if opts.Lookahead == 0 {
		opts.Lookahead = 1
	}
	gate := newGate()
	h := &priorityHarness{t: t, pr: NewPriority(gate, opts), gate: gate, ctx: testContext(t), order: make(chan string, 100), errs: make(chan error, 100)}
	t.Cleanup(h.wg.Wait)
	return h
}

// queued waits until n requests wait in the queue and at least one inside.
func (h *priorityHarness) queued(n int) { h.waitFor(n, 1) }

// waitFor waits until n requests wait in the queue and at least inside
// inside the inner limiter.
func (h *priorityHarness) waitFor(n, inside int) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		h.pr.mu.Lock()
		got, in := len(h.pr.queue), h.pr.inside
		h.pr.mu.Unlock()
		if got == n && in >= inside {
			return
		}
		time.Sleep(time.Millisecond)
	}
	h.t.Fatalf("never %d waiters in the queue and %d inside", n, inside)
}

// start sends a request of priority p labelled label, and waits until it
// is queued (the first one: until it holds the turn).
func (h *priorityHarness) start(ctx context.Context, label string, p int, queuedAfter int) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		_, err := h.pr.Acquire(WithPriority(ctx, p), Cost{Requests: 1})
		if err != nil {
			h.errs <- err
			return
		}
		h.order <- label
	}()
	h.queued(queuedAfter)
}

// admit lets one request through and returns its label.
func (h *priorityHarness) admit() string {
	h.t.Helper()
	h.gate.tickets <- struct{}{}
	select {
	case l := <-h.order:
		return l
	case <-time.After(10 * time.Second):
		h.t.Fatal("no request admitted")
	}
	return ""
}

func TestPriorityOrder(t *testing.T) {
	h := newPriorityHarness(t, &PriorityOptions{Ageing: -1})
	h.start(h.ctx, "holder", 0, 0)
	for i, w := range []struct {
		label string
		p     int
	}{{"zero", 0}, {"five-a", 5}, {"one", 1}, {"five-b", 5}, {"minus", -1}} {
		h.start(h.ctx, w.label, w.p, i+1)
	}
	var got []string
	for range 6 {
		got = append(got, h.admit())
	}
	if want := []string{"holder", "five-a", "five-b", "one", "zero", "minus"}; !cmp.Equal(got, want) {
		t.Errorf("admission order = %v, want %v", got, want)
	}
}

// With a lookahead of 2, two wait inside and the queue orders the rest:
// when one inside is admitted, the high waiter takes its place.
func TestPriorityLookahead(t *testing.T) {
	h := newPriorityHarness(t, &PriorityOptions{Lookahead: 2, Ageing: -1})
	h.start(h.ctx, "a", 0, 0)
	h.start(h.ctx, "b", 0, 0)
	h.waitFor(0, 2)
	h.start(h.ctx, "low", 0, 1)
	h.start(h.ctx, "high", 5, 2)
	if got := h.admit(); got != "a" && got != "b" {
		t.Fatalf("first admitted = %q, want one of those inside", got)
	}
	h.waitFor(1, 2)
	h.pr.mu.Lock()
	left := h.pr.queue[0].key
	h.pr.mu.Unlock()
	if left != 0 {
		t.Errorf("left in the queue: a waiter of priority %v, want the low one", left)
	}
	for range 3 {
		h.admit()
	}
}

// Ageing lifts a waiter one level per Ageing waited, so a long wait beats a
// higher priority that just arrived.
func TestPriorityAgeing(t *testing.T) {
	h := newPriorityHarness(t, &PriorityOptions{Ageing: 10 * time.Millisecond})
	h.start(h.ctx, "holder", 0, 0)
	h.start(h.ctx, "old", 0, 1)
	time.Sleep(200 * time.Millisecond) // 20 levels
	h.start(h.ctx, "new", 5, 2)
	got := []string{h.admit(), h.admit(), h.admit()}
	if want := []string{"holder", "old", "new"}; !cmp.Equal(got, want) {
		t.Errorf("admission order = %v, want %v", got, want)
	}
}

// A waiter whose context ends leaves the queue at once, and the rest go on.
func TestPriorityCancelLeavesQueue(t *testing.T) {
	h := newPriorityHarness(t, nil)
	h.start(h.ctx, "holder", 0, 0)
	cctx, cancel := context.WithCancel(h.ctx)
	h.start(cctx, "cancelled", 9, 1)
	h.start(h.ctx, "low", 1, 2)
	cancel()
	if err := <-h.errs; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter = %v, want context.Canceled", err)
	}
	h.queued(1)
	got := []string{h.admit(), h.admit()}
	if want := []string{"holder", "low"}; !cmp.Equal(got, want) {
		t.Errorf("admission order = %v, want %v", got, want)
	}
}

// A full queue sheds the lowest waiter, which may be the newcomer.
func TestPriorityShed(t *testing.T) {
	h := newPriorityHarness(t, &PriorityOptions{MaxQueue: 2, Ageing: -1})
	h.start(h.ctx, "holder", 0, 0)
	h.start(h.ctx, "one", 1, 1)
	h.start(h.ctx, "two", 2, 2)

	start := time.Now()
	_, err := h.pr.Acquire(WithPriority(h.ctx, 0), Cost{Requests: 1})
	if !errors.Is(err, ErrShed) || time.Since(start) > time.Second {
		t.Errorf("newcomer of lowest priority = %v after %v, want ErrShed at once", err, time.Since(start))
	}
	h.start(h.ctx, "three", 3, 2)
	if err := <-h.errs; !errors.Is(err, ErrShed) {
		t.Errorf("evicted waiter = %v, want ErrShed", err)
	}
	got := []string{h.admit(), h.admit(), h.admit()}
	if want := []string{"holder", "three", "two"}; !cmp.Equal(got, want) {
		t.Errorf("admission order = %v, want %v", got, want)
	}
}

func TestPriorityFromContext(t *testing.T) {
	ctx := context.Background()
	if got := PriorityFrom(ctx); got != 0 {
		t.Errorf("PriorityFrom(Background) = %d, want 0", got)
	}
	if got := PriorityFrom(WithPriority(ctx, -3)); got != -3 {
		t.Errorf("PriorityFrom(WithPriority(-3)) = %d, want -3", got)
	}
}

// limiterFunc adapts a function to Limiter.
type limiterFunc func(ctx context.Context, cost Cost) (Permit, error)

func (f limiterFunc) Acquire(ctx context.Context, cost Cost) (Permit, error) { return f(ctx, cost) }

// The priority of a run's context reaches the limiter of its model
// requests, with a cost estimate in tokens.
func TestPriorityReachesModelLimiter(t *testing.T) {
	_, base := startModel(t, fakemodel.Options{})
	var mu sync.Mutex
	var prios []int
	var costs []Cost
	lim := limiterFunc(func(ctx context.Context, cost Cost) (Permit, error) {
		mu.Lock()
		prios = append(prios, PriorityFrom(ctx))
		costs = append(costs, cost)
		mu.Unlock()
		return noopPermit{}, nil
	})
	c := newClient(t, base, Options{Limiter: lim, MaxTokens: 200})
	if _, err := c.Ask(WithPriority(testContext(t), 7), "hi"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !cmp.Equal(prios, []int{7}) {
		t.Errorf("priorities seen by the limiter = %v, want [7]", prios)
	}
	if len(costs) != 1 || costs[0].Requests != 1 || costs[0].Tokens <= 200 {
		t.Errorf("costs = %+v, want one request of more than 200 tokens (max_tokens plus the prompt)", costs)
	}
}
