package mcpclient

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// BreakerPolicy configures the circuit breakers of a [Client]: one for the
// model endpoint and one per MCP server. A breaker opens after Failures
// failures in a row: connection errors, timeouts and 5xx responses. 4xx
// responses, 429 and tool errors are answers from a live upstream and
// close the count; the caller's own cancellation counts for nothing. An
// open breaker refuses at once with a [*CircuitOpenError] for Cooldown,
// then lets one probe through (half-open): its success closes the breaker,
// its failure opens it for another Cooldown. The zero value takes every
// default.
type BreakerPolicy struct {
	// Failures is how many failures in a row open a breaker; 0 means 5.
	Failures int
	// Cooldown is how long an open breaker refuses before its probe; 0
	// means 10s.
	Cooldown time.Duration
}

// BreakerState is a circuit breaker's state.
type BreakerState int

// The states of a circuit breaker.
const (
	// BreakerClosed lets every request through.
	BreakerClosed BreakerState = iota
	// BreakerOpen refuses every request until its cooldown ends.
	BreakerOpen
	// BreakerHalfOpen lets one probe through and refuses the rest until
	// the probe's outcome is known.
	BreakerHalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return "unknown"
}

// BreakerStatus is one breaker's state, as [Client.Breakers] reports it.
type BreakerStatus struct {
	// Server is the MCP server, empty for the model endpoint.
	Server string
	State  BreakerState
	// Failures counts the failures in a row so far.
	Failures int
	// Trips counts how often the breaker opened.
	Trips int64
	// ProbeAt is when an open breaker lets its probe through.
	ProbeAt time.Time
	// LastErr is the failure that last opened the breaker.
	LastErr error
}

// ErrCircuitOpen is matched by every [*CircuitOpenError].
var ErrCircuitOpen = errors.New("mcpclient: circuit open")

// CircuitOpenError reports a request refused by an open (or probing)
// circuit breaker without being sent. It matches [ErrCircuitOpen].
type CircuitOpenError struct {
	// Server is the MCP server, empty for the model endpoint.
	Server string
	// ProbeAt is when the breaker lets a probe through; zero while a probe
	// is out.
	ProbeAt time.Time
	// LastErr is the failure that opened the breaker.
	LastErr error
}

func (e *CircuitOpenError) Error() string {
	where := "the model endpoint"
	if e.Server != "" {
		where = fmt.Sprintf("server %q", e.Server)
	}
	msg := "mcpclient: circuit open for " + where
	if e.ProbeAt.IsZero() {
		msg += " (a probe is out)"
	} else {
		msg += fmt.Sprintf(" until %s", e.ProbeAt.Format(time.RFC3339))
	}
	if e.LastErr != nil {
		msg += ": last failure: " + e.LastErr.Error()
	}
	return msg
}

// Is matches ErrCircuitOpen.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }

// verdict is what one outcome says about an upstream's health.
type verdict int

const (
	verdictNeutral verdict = iota // says nothing: the caller gave up
	verdictSuccess                // the upstream answered
	verdictFailure                // connection error, timeout or 5xx
)

// breaker is one circuit breaker. It is safe for concurrent use.
type breaker struct {
	server   string
	failures int
	cooldown time.Duration
	now      func() time.Time

	mu       sync.Mutex
	state    BreakerState
	count    int // failures in a row
	openedAt time.Time
	probing  bool
	trips    int64
	last     error
}

func newBreaker(server string, p BreakerPolicy) *breaker {
	if p.Failures <= 0 {
		p.Failures = 5
	}
	if p.Cooldown <= 0 {
		p.Cooldown = 10 * time.Second
	}
	return &breaker{server: server, failures: p.Failures, cooldown: p.Cooldown, now: time.Now}
}

// allow lets a request through or refuses it; probe reports that the
// request is the half-open probe, whose outcome decides the state. A nil
// breaker lets everything through.
func (b *breaker) allow() (probe bool, err error) {
	if b == nil {
		return false, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerOpen:
		probeAt := b.openedAt.Add(b.cooldown)
		if b.now().Before(probeAt) {
			return false, &CircuitOpenError{Server: b.server, ProbeAt: probeAt, LastErr: b.last}
		}
		b.state = BreakerHalfOpen
	case BreakerClosed:
		return false, nil
	}
	if b.probing {
		return false, &CircuitOpenError{Server: b.server, LastErr: b.last}
	}
	b.probing = true
	return true, nil
}

// record reports an outcome; it returns EventTrip or EventRecover when the
// state changed that way, else 0.
func (b *breaker) record(probe bool, v verdict, cause error) EventKind {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
		switch v {
		case verdictSuccess:
			b.state, b.count = BreakerClosed, 0
			return EventRecover
		case verdictFailure:
			b.open(cause)
			return EventTrip
		}
		return 0
	}
	if b.state != BreakerClosed {
		// A request let through before the breaker opened tells nothing
		// the probe will not.
		return 0
	}
	switch v {
	case verdictSuccess:
		b.count = 0
	case verdictFailure:
		b.count++
		if b.count >= b.failures {
			b.open(cause)
			return EventTrip
		}
	}
	return 0
}

func (b *breaker) open(cause error) {
	b.state = BreakerOpen
	b.openedAt = b.now()
	b.trips++
	b.last = cause
}

func (b *breaker) status() BreakerStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BreakerStatus{Server: b.server, State: b.state, Failures: b.count, Trips: b.trips, LastErr: b.last}
	if b.state == BreakerOpen {
		st.ProbeAt = b.openedAt.Add(b.cooldown)
		if !b.now().Before(st.ProbeAt) {
			// The next request will be the probe.
			st.State = BreakerHalfOpen
		}
	}
	return st
}

// breakerSet holds a client's breakers: the model endpoint's and one per
// MCP server, made on first use. A nil set has no breakers.
type breakerSet struct {
	policy BreakerPolicy
	model  *breaker

	mu      sync.Mutex
	servers map[string]*breaker
}

func newBreakerSet(p *BreakerPolicy) *breakerSet {
	if p == nil {
		return nil
	}
	return &breakerSet{policy: *p, model: newBreaker("", *p), servers: make(map[string]*breaker)}
}

func (s *breakerSet) forModel() *breaker {
	if s == nil {
		return nil
	}
	return s.model
}

func (s *breakerSet) forServer(name string) *breaker {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.servers[name]
	if b == nil {
		b = newBreaker(name, s.policy)
		s.servers[name] = b
	}
	return b
}

// Breakers reports the state of the client's circuit breakers: the model
// endpoint's first (Server empty), then one per MCP server that has been
// called, by name. It returns nil when Options.Breaker is nil. It is safe
// to call at any time.
func (c *Client) Breakers() []BreakerStatus {
	s := c.breakers
	if s == nil {
		return nil
	}
	out := []BreakerStatus{s.model.status()}
	s.mu.Lock()
	names := make([]string, 0, len(s.servers))
	for n := range s.servers {
		names = append(names, n)
	}
	bs := make(map[string]*breaker, len(s.servers))
	for n, b := range s.servers {
		bs[n] = b
	}
	s.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		out = append(out, bs[n].status())
	}
	return out
}
