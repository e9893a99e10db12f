package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// The state machine, on a fake clock.
func TestBreakerStates(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBreaker("srv", BreakerPolicy{Failures: 3, Cooldown: 10 * time.Second})
	b.now = func() time.Time { return now }
	boom := errors.New("boom")

	step := func(v verdict) EventKind {
		t.Helper()
		probe, err := b.allow()
		if err != nil {
			t.Fatalf("allow() = %v in state %v, want a pass", err, b.status().State)
		}
		return b.record(probe, v, boom)
	}
	for _, v := range []verdict{verdictFailure, verdictFailure, verdictSuccess, verdictFailure, verdictNeutral, verdictFailure} {
		if k := step(v); k != 0 {
			t.Fatalf("record(%v) = %v before 3 failures in a row", v, k)
		}
	}
	if k := step(verdictFailure); k != EventTrip {
		t.Fatalf("third failure in a row = %v, want EventTrip", k)
	}
	_, err := b.allow()
	var open *CircuitOpenError
	if !errors.As(err, &open) || !errors.Is(err, ErrCircuitOpen) || !open.ProbeAt.Equal(now.Add(10*time.Second)) || open.LastErr != boom {
		t.Fatalf("allow() when open = %v, want a CircuitOpenError until the cooldown ends", err)
	}

	now = now.Add(10 * time.Second)
	if st := b.status(); st.State != BreakerHalfOpen {
		t.Errorf("status after the cooldown = %v, want half-open", st.State)
	}
	probe, err := b.allow()
	if err != nil || !probe {
		t.Fatalf("allow() after the cooldown = %v, %v; want the probe", probe, err)
	}
	if _, err := b.allow(); !errors.Is(err, ErrCircuitOpen) {
		t.Errorf("allow() while the probe is out = %v, want ErrCircuitOpen", err)
	}
	// A probe the caller cancelled decides nothing; the next one goes.
	b.record(probe, verdictNeutral, nil)
	probe, _ = b.allow()
	if k := b.record(probe, verdictFailure, boom); k != EventTrip {
		t.Errorf("failed probe = %v, want EventTrip", k)
	}
	if st := b.status(); st.State != BreakerOpen || st.Trips != 2 {
		t.Errorf("status after a failed probe = %+v, want open, 2 trips", st)
	}
	now = now.Add(10 * time.Second)
	probe, _ = b.allow()
	if k := b.record(probe, verdictSuccess, nil); k != EventRecover {
		t.Errorf("successful probe = %v, want EventRecover", k)
	}
	if st := b.status(); st.State != BreakerClosed || st.Failures != 0 {
		t.Errorf("status after recovery = %+v, want closed", st)
	}
	var nilBreaker *breaker
	if probe, err := nilBreaker.allow(); probe || err != nil || nilBreaker.record(false, verdictFailure, boom) != 0 {
		t.Error("a nil breaker does not let everything through")
	}
}

// statusModel answers chat requests with the status its current function
// gives, and otherwise with DemoBrain.
type statusModel struct {
	model  *fakemodel.Server
	posts  atomic.Int32
	status atomic.Value // func() int
	block  chan struct{}
}

func (m *statusModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.posts.Add(1)
	if m.block != nil {
		<-m.block
	}
	if f, _ := m.status.Load().(func() int); f != nil {
		if code := f(); code != 200 {
			failWith(code, fmt.Sprintf(`{"error":{"message":"status %d"}}`, code), "x-should-retry", "false")(w)
			return
		}
	}
	m.model.ServeHTTP(w, r)
}

func (m *statusModel) set(code int) { m.status.Store(func() int { return code }) }

// The model endpoint's breaker trips on 5xx only, refuses without sending
// while open, lets one probe through after the cooldown, and reports it
// all.
func TestModelBreaker(t *testing.T) {
	m := &statusModel{model: fakemodel.New(fakemodel.Options{})}
	var log eventLog
	c := newClient(t, serveModel(t, m), Options{
		Retry:   &RetryPolicy{MaxAttempts: 1},
		Breaker: &BreakerPolicy{Failures: 3, Cooldown: 300 * time.Millisecond},
		OnEvent: log.add,
	})
	ctx := testContext(t)
	for _, code := range []int{429, 400, 404, 429} {
		m.set(code)
		c.Ask(ctx, "hi")
	}
	if st := c.Breakers()[0]; st.State != BreakerClosed || st.Failures != 0 {
		t.Fatalf("after 4xx and 429 the breaker is %+v, want closed", st)
	}
	m.set(503)
	for range 3 {
		c.Ask(ctx, "hi")
	}
	posts := m.posts.Load()
	_, err := c.Ask(ctx, "hi")
	if !errors.Is(err, ErrCircuitOpen) || !strings.HasPrefix(err.Error(), "mcpclient: ") {
		t.Fatalf("Ask with the breaker open = %v, want ErrCircuitOpen", err)
	}
	if m.posts.Load() != posts {
		t.Error("the open breaker let a request through")
	}
	if st := c.Breakers()[0]; st.Server != "" || st.State != BreakerOpen || st.Trips != 1 {
		t.Errorf("Breakers()[0] = %+v, want the model endpoint open after 1 trip", st)
	}

	time.Sleep(350 * time.Millisecond)
	m.set(200)
	if _, err := c.Ask(ctx, "hi"); err != nil {
		t.Fatalf("probe after the cooldown: %v", err)
	}
	if st := c.Breakers()[0]; st.State != BreakerClosed {
		t.Errorf("after a good probe the breaker is %v, want closed", st.State)
	}
	var kinds []EventKind
	for _, k := range log.kinds() {
		if k == EventTrip || k == EventRecover || k == EventShed {
			kinds = append(kinds, k)
		}
	}
	if want := []EventKind{EventTrip, EventShed, EventRecover}; fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("breaker events = %v, want %v", kinds, want)
	}
}

// While the probe is out, other requests are refused at once.
func TestModelBreakerSingleProbe(t *testing.T) {
	m := &statusModel{model: fakemodel.New(fakemodel.Options{})}
	c := newClient(t, serveModel(t, m), Options{
		Retry:   &RetryPolicy{MaxAttempts: 1},
		Breaker: &BreakerPolicy{Failures: 1, Cooldown: time.Millisecond},
	})
	ctx := testContext(t)
	m.set(500)
	c.Ask(ctx, "hi")
	time.Sleep(5 * time.Millisecond)
	m.set(200)
	m.block = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var probeErr error
	go func() {
		defer wg.Done()
		_, probeErr = c.Ask(ctx, "probe")
	}()
	for deadline := time.Now().Add(5 * time.Second); m.posts.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	_, err := c.Ask(ctx, "other")
	close(m.block)
	wg.Wait()
	if !errors.Is(err, ErrCircuitOpen) {
		t.Errorf("request during the probe = %v, want ErrCircuitOpen", err)
	}
	if probeErr != nil {
		t.Errorf("probe: %v", probeErr)
	}
	if n := m.posts.Load(); n != 2 {
		t.Errorf("POSTs = %d, want 2 (the failure and the probe)", n)
	}
}

// Cancelling a request does not count against the endpoint.
func TestModelBreakerIgnoresCancellation(t *testing.T) {
	m := &statusModel{model: fakemodel.New(fakemodel.Options{}), block: make(chan struct{})}
	defer close(m.block)
	c := newClient(t, serveModel(t, m), Options{Breaker: &BreakerPolicy{Failures: 1}})
	for range 3 {
		ctx, cancel := context.WithTimeout(testContext(t), 20*time.Millisecond)
		c.Ask(ctx, "hi")
		cancel()
	}
	if st := c.Breakers()[0]; st.State != BreakerClosed || st.Failures != 0 {
		t.Errorf("after 3 cancelled requests the breaker is %+v, want closed", st)
	}
}
