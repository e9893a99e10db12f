package mcpclient

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type priorityKey struct{}

// WithPriority returns a context whose requests a [Priority] limiter admits
// ahead of those of lower priority. Priorities are any integers; a context
// without one has priority 0.
func WithPriority(ctx context.Context, p int) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityFrom returns the priority [WithPriority] set on ctx, or 0.
func PriorityFrom(ctx context.Context) int {
	p, _ := ctx.Value(priorityKey{}).(int)
	return p
}

// PriorityOptions configure a [Priority] limiter. The zero value is ready to
// use.
type PriorityOptions struct {
	// Ageing raises a waiter's priority by one for each Ageing it has
	// waited, so that a steady stream of important work cannot starve the
	// rest forever. 0 means one second; a negative value turns ageing off.
	Ageing time.Duration
	// MaxQueue bounds the waiters. When it is full, the waiter of lowest
	// priority (after ageing; the newest among equals, so possibly the
	// newcomer) is refused with an error matching [ErrShed]. 0 means no
	// bound.
	MaxQueue int
	// Lookahead is how many requests may wait inside the inner limiter at
	// once; the rest wait in the priority queue. With one, the order is
	// strict but a fast limiter loses whatever time the hand-off from one
	// waiter to the next takes; a few keep it busy. 0 means 4.
	Lookahead int
}

// Priority is a [Limiter] that puts a priority queue in front of another
// limiter: when requests must wait, the one of highest priority (see
// [WithPriority]) goes next, ties in arrival order. Up to Lookahead waiters
// wait inside the inner limiter, the rest in the queue, so a request of high
// priority that arrives while others already wait inside goes right after
// them. A waiter whose context ends leaves the queue at once, and the inner
// limiter gives back what it had set aside. A waiter in the queue cannot
// know how long it will wait, so its context's deadline bounds it rather
// than a refusal up front; inside the inner limiter the usual fail-fast
// rule applies. When nobody waits and the inner limiter admits at once,
// the queue costs almost nothing. The inner limiter must refuse at once a
// wait past the deadline, as every limiter here does: that is how Priority
// asks it, without waiting, whether a request fits now. It is safe for
// concurrent use.
//
// Use it when one budget serves work of unequal urgency: interactive
// requests ahead of batch jobs, say.
type Priority struct {
	inner     Limiter
	try       func(context.Context, Cost) (Permit, bool, error)
	ageing    float64 // nanoseconds per priority level; 0 means none
	maxQueue  int
	lookahead int
	base      time.Time

	gate   atomic.Int32 // waiters in the queue plus those inside inner
	mu     sync.Mutex
	inside int // requests holding a turn: inside inner.Acquire
	queue  priorityQueue
	seq    uint64
}

// tryAcquirer is implemented by this package's limiters: admit at once or
// report that a wait is needed, without waiting.
type tryAcquirer interface {
	tryAcquire(ctx context.Context, cost Cost) (Permit, bool, error)
}

// NewPriority returns a priority queue in front of inner, which must not be
// nil. opts may be nil.
func NewPriority(inner Limiter, opts *PriorityOptions) *Priority {
	var o PriorityOptions
	if opts != nil {
		o = *opts
	}
	if o.Ageing == 0 {
		o.Ageing = time.Second
	}
	if o.Lookahead <= 0 {
		o.Lookahead = 4
	}
	pr := &Priority{inner: inner, maxQueue: o.MaxQueue, lookahead: o.Lookahead, base: time.Now()}
	if o.Ageing > 0 {
		pr.ageing = float64(o.Ageing)
	}
	if t, ok := inner.(tryAcquirer); ok {
		pr.try = t.tryAcquire
	} else {
		pr.try = probe(inner)
	}
	return pr
}

// probe turns a limiter's fail-fast rule into a non-waiting try: with a
// deadline of now, any wait at all is refused at once.
func probe(l Limiter) func(context.Context, Cost) (Permit, bool, error) {
	return func(ctx context.Context, cost Cost) (Permit, bool, error) {
		p, err := l.Acquire(nowDeadline{ctx, time.Now()}, cost)
		switch {
		case err == nil:
			return p, true, nil
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			return nil, false, nil
		}
		return nil, false, err
	}
}

// nowDeadline reports a deadline of at without ever ending: a limiter
// refuses any wait, yet an immediate admission is not cancelled.
type nowDeadline struct {
	context.Context
	at time.Time
}

func (c nowDeadline) Deadline() (time.Time, bool) { return c.at, true }

// Acquire admits cost through the inner limiter in priority order.
func (pr *Priority) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	if pr.gate.Load() == 0 {
		p, ok, err := pr.try(ctx, cost)
		if err != nil || ok {
			return p, err
		}
	}
	w := &priorityWaiter{ready: make(chan struct{})}
	pr.mu.Lock()
	if pr.inside < pr.lookahead && len(pr.queue) == 0 {
		pr.inside++
		pr.syncGate()
		pr.mu.Unlock()
		return pr.pass(ctx, cost)
	}
	w.key = float64(PriorityFrom(ctx))
	if pr.ageing > 0 {
		w.key -= float64(time.Since(pr.base)) / pr.ageing
	}
	pr.seq++
	w.seq = pr.seq
	if err := pr.makeRoom(w); err != nil {
		pr.mu.Unlock()
		return nil, err
	}
	heap.Push(&pr.queue, w)
	pr.syncGate()
	pr.mu.Unlock()

	select {
	case <-w.ready:
		if w.shed {
			return nil, pr.shedError()
		}
		return pr.pass(ctx, cost)
	case <-ctx.Done():
	}
	pr.mu.Lock()
	if w.index >= 0 {
		heap.Remove(&pr.queue, w.index)
		pr.syncGate()
		pr.mu.Unlock()
		return nil, ctx.Err()
	}
	pr.mu.Unlock()
	// The turn or the refusal came while the context ended: pass the turn
	// on rather than leave everyone waiting.
	if !w.shed {
		pr.release()
	}
	return nil, ctx.Err()
}

// makeRoom enforces MaxQueue before w joins, shedding the lowest waiter.
// It runs under pr.mu.
func (pr *Priority) makeRoom(w *priorityWaiter) error {
	if pr.maxQueue <= 0 || len(pr.queue) < pr.maxQueue {
		return nil
	}
	low := pr.queue[0]
	for _, q := range pr.queue[1:] {
		if q.less(low) {
			low = q
		}
	}
	if !low.less(w) {
		return pr.shedError()
	}
	heap.Remove(&pr.queue, low.index)
	low.shed = true
	close(low.ready)
	return nil
}

func (pr *Priority) shedError() error {
	return &limitError{
		msg: fmt.Sprintf("mcpclient: rate limit: the priority queue is full (%d waiting) and this request ranks lowest", pr.maxQueue),
		is:  ErrShed,
	}
}

// pass waits inside the inner limiter while holding the turn.
func (pr *Priority) pass(ctx context.Context, cost Cost) (Permit, error) {
	p, err := pr.inner.Acquire(ctx, cost)
	pr.release()
	return p, err
}

// release hands the turn to the highest waiter, or frees it.
func (pr *Priority) release() {
	pr.mu.Lock()
	if len(pr.queue) == 0 {
		pr.inside--
	} else {
		w := heap.Pop(&pr.queue).(*priorityWaiter)
		close(w.ready)
	}
	pr.syncGate()
	pr.mu.Unlock()
}

func (pr *Priority) syncGate() {
	pr.gate.Store(int32(len(pr.queue) + pr.inside))
}

// priorityWaiter is one request in the queue. key is its priority minus
// its arrival time in ageing units: ageing raises every waiter alike, so
// the order of keys never changes while they wait.
type priorityWaiter struct {
	key   float64
	seq   uint64
	index int           // in the heap; -1 once out of it
	ready chan struct{} // closed, under Priority.mu, when the waiter leaves the queue for its turn or its refusal
	shed  bool          // refused to make room; set before ready is closed
}

// less reports whether w ranks below o: lower key, or equal and newer.
func (w *priorityWaiter) less(o *priorityWaiter) bool {
	if w.key != o.key {
		return w.key < o.key
	}
	return w.seq > o.seq
}

// priorityQueue is a max-heap of waiters by rank.
type priorityQueue []*priorityWaiter

func (q priorityQueue) Len() int           { return len(q) }
func (q priorityQueue) Less(i, j int) bool { return q[j].less(q[i]) }
func (q priorityQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

func (q *priorityQueue) Push(x any) {
	w := x.(*priorityWaiter)
	w.index = len(*q)
	*q = append(*q, w)
}

func (q *priorityQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	w.index = -1
	return w
}
