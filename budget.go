package mcpclient

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// retryBudget bounds the retries sent to one upstream, so that a storm of
// failures cannot multiply the load on an upstream that is already
// struggling: every request earns ratio of a retry, up to what 100 requests
// earn, and a reserve of minPerSecond retries a second (with a burst of as
// many) covers quiet times, when few requests have earned anything. A nil
// budget allows every retry. It is safe for concurrent use.
type retryBudget struct {
	ratio   float64
	cap     float64
	reserve *rate.Limiter

	mu      sync.Mutex
	balance float64
}

// newRetryBudget returns a budget, or nil when ratio is negative (no
// budget).
func newRetryBudget(ratio, minPerSecond float64) *retryBudget {
	if ratio < 0 {
		return nil
	}
	burst := int(math.Ceil(minPerSecond))
	return &retryBudget{
		ratio:   ratio,
		cap:     math.Max(ratio*100, 1),
		reserve: rate.NewLimiter(rate.Limit(minPerSecond), max(burst, 1)),
	}
}

// deposit credits one request's share.
func (b *retryBudget) deposit() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.balance = math.Min(b.cap, b.balance+b.ratio)
	b.mu.Unlock()
}

// withdraw takes one retry from the balance, else from the reserve, and
// reports whether there was one.
func (b *retryBudget) withdraw(now time.Time) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	if b.balance >= 1 {
		b.balance--
		b.mu.Unlock()
		return true
	}
	b.mu.Unlock()
	return b.reserve.AllowN(now, 1)
}

// budgetSet holds one retry budget per MCP server, made on first use. It
// is safe for concurrent use.
type budgetSet struct {
	ratio, minPerSecond float64

	mu      sync.Mutex
	budgets map[string]*retryBudget
}

func newBudgetSet(ratio, minPerSecond float64) *budgetSet {
	return &budgetSet{ratio: ratio, minPerSecond: minPerSecond, budgets: make(map[string]*retryBudget)}
}

// forServer returns the server's budget, nil when budgets are off.
func (s *budgetSet) forServer(name string) *retryBudget {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.budgets[name]
	if !ok {
		b = newRetryBudget(s.ratio, s.minPerSecond)
		s.budgets[name] = b
	}
	return b
}

// errRetryBudget is the reason a retry was not sent, for [EventShed].
var errRetryBudget = &budgetError{}

type budgetError struct{}

func (*budgetError) Error() string {
	return "mcpclient: retry: the upstream's retry budget is spent; not retrying"
}
