package mcpclient

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"
)

// eventLog collects the events reported through a context it makes.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

// ctx returns a context whose limiters report to l.
func (l *eventLog) ctx(parent context.Context) context.Context {
	return withSink(parent, &eventSink{obs: &observer{hook: l.add, logger: slog.New(slog.DiscardHandler)}})
}

func (l *eventLog) kinds() []EventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []EventKind
	for _, ev := range l.evs {
		out = append(out, ev.Kind)
	}
	return out
}

func (l *eventLog) find(k EventKind) (Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range l.evs {
		if ev.Kind == k {
			return ev, true
		}
	}
	return Event{}, false
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// A refusal cuts the rate once per congestion episode: refusals of requests
// admitted before the cut belong to the episode it answered.
func TestAdaptiveCutsOncePerEpisode(t *testing.T) {
	var log eventLog
	ctx := log.ctx(testContext(t))
	a := NewAdaptive(1000, nil)
	acquire := func() Permit {
		t.Helper()
		p, err := a.Acquire(ctx, Cost{Requests: 1})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	inFlight := []Permit{acquire(), acquire(), acquire()}
	refused := Outcome{StatusCode: 429, Header: header("retry-after-ms", "1")}
	for _, p := range inFlight {
		p.Done(refused)
	}
	if got := a.Rate(); got != 700 {
		t.Fatalf("Rate after 3 refusals of one episode = %v, want 700 (one cut)", got)
	}
	time.Sleep(5 * time.Millisecond)
	acquire().Done(Outcome{StatusCode: 503})
	if got := a.Rate(); got < 489.9 || got > 490.1 {
		t.Errorf("Rate after a refusal of a new episode = %v, want 490", got)
	}
	ev, ok := log.find(EventCut)
	if !ok || ev.Rate != 700 || ev.StatusCode != 429 {
		t.Errorf("first cut event = %+v (found %v), want rate 700 and status 429", ev, ok)
	}
	cuts := 0
	for _, k := range log.kinds() {
		if k == EventCut {
			cuts++
		}
	}
	if cuts != 2 {
		t.Errorf("cut events = %d, want 2", cuts)
	}
}

// Every request, queued or new, waits out the server's Retry-After.
func TestAdaptiveHoldsEveryone(t *testing.T) {
	var log eventLog
	ctx := log.ctx(testContext(t))
	a := NewAdaptive(1000, nil)
	p, err := a.Acquire(ctx, Cost{Requests: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Done(Outcome{StatusCode: 429, Header: header("retry-after-ms", "300", "Retry-After", "30")})
	held := time.Now()
	var wg sync.WaitGroup
	admitted := make([]time.Time, 6)
	for i := range admitted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Acquire(ctx, Cost{Requests: 1}); err != nil {
				t.Error(err)
			}
			admitted[i] = time.Now()
		}()
	}
	wg.Wait()
	for i, at := range admitted {
		if d := at.Sub(held); d < 290*time.Millisecond {
			t.Errorf("request %d admitted %v into a 300ms hold", i, d)
		}
	}
	if ev, ok := log.find(EventHold); !ok || ev.Wait != 300*time.Millisecond {
		t.Errorf("hold event = %+v (found %v), want a wait of 300ms", ev, ok)
	}
}

func TestAdaptiveHoldIsCapped(t *testing.T) {
	a := NewAdaptive(1000, &AdaptiveOptions{MaxHold: 100 * time.Millisecond})
	ctx := testContext(t)
	p, err := a.Acquire(ctx, Cost{Requests: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Done(Outcome{StatusCode: 429, Header: header("Retry-After", "3600")})
	start := time.Now()
	if _, err := a.Acquire(ctx, Cost{Requests: 1}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 5*time.Second {
		t.Errorf("wait after a Retry-After of an hour = %v, want MaxHold (100ms)", d)
	}
}

// The budget headers: nothing left holds requests for one request's share
// of the reset time.
func TestAdaptiveReadsBudgetHeaders(t *testing.T) {
	tests := []struct {
		name    string
		header  http.Header
		minWait time.Duration
	}{
		{"requests spent", header("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1s", "x-ratelimit-limit-requests", "4"), 240 * time.Millisecond},
		{"requests spent, no limit given", header("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "300ms"), 290 * time.Millisecond},
		{"tokens spent", header("x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "250ms"), 240 * time.Millisecond},
		{"room left", header("x-ratelimit-remaining-requests", "10", "x-ratelimit-reset-requests", "6m0s"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAdaptive(1000, nil)
			ctx := testContext(t)
			p, err := a.Acquire(ctx, Cost{Requests: 1})
			if err != nil {
				t.Fatal(err)
			}
			p.Done(Outcome{StatusCode: 200, Header: tt.header})
			start := time.Now()
			if _, err := a.Acquire(ctx, Cost{Requests: 1}); err != nil {
				t.Fatal(err)
			}
			d := time.Since(start)
			if d < tt.minWait {
				t.Errorf("wait after %v = %v, want at least %v", tt.header, d, tt.minWait)
			}
			if tt.minWait == 0 && d > 100*time.Millisecond {
				t.Errorf("wait after %v = %v, want none to speak of", tt.header, d)
			}
			if got := a.Rate(); got != 1000 {
				t.Errorf("Rate = %v, want 1000: budget headers hold but do not cut", got)
			}
		})
	}
}

// The rate grows only while requests queue for it and the server reports
// room, never above the start, and a cut never goes below Min.
func TestAdaptiveGrowth(t *testing.T) {
	tests := []struct {
		name      string
		saturated bool
		header    http.Header
		want      float64
	}{
		{"used and room left", true, nil, 90},
		{"used, room reported", true, header("x-ratelimit-remaining-requests", "40"), 90},
		{"not used", false, nil, 70},
		{"used, budget spent", true, header("x-ratelimit-remaining-requests", "0"), 70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAdaptive(100, &AdaptiveOptions{Increase: 20})
			p, err := a.Acquire(testContext(t), Cost{Requests: 1})
			if err != nil {
				t.Fatal(err)
			}
			p.Done(Outcome{StatusCode: 429})
			a.mu.Lock()
			a.hold = time.Time{}
			a.saturated = tt.saturated
			a.lastRaise = time.Now().Add(-time.Second)
			a.mu.Unlock()
			// Not through Acquire, which would queue and so mark the
			// rate used.
			inFlight(a).Done(Outcome{StatusCode: 200, Header: tt.header})
			if got := a.Rate(); got < tt.want-0.5 || got > tt.want+0.5 {
				t.Errorf("Rate after a second = %v, want %v", got, tt.want)
			}
		})
	}

	a := NewAdaptive(100, &AdaptiveOptions{Min: 30})
	for range 10 {
		a.mu.Lock()
		a.lastCut = time.Time{}
		a.mu.Unlock()
		inFlight(a).Done(Outcome{StatusCode: 503})
	}
	if got := a.Rate(); got != 30 {
		t.Errorf("Rate after 10 cuts = %v, want Min (30)", got)
	}
}

// inFlight admits a request whatever the rate, as if it had waited its
// turn.
func inFlight(a *Adaptive) Permit {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.admitted++
	return a.permit(context.Background(), time.Now())
}

// A request that would wait past its deadline behind the queue fails at
// once.
func TestAdaptiveQueueCountsTowardsDeadline(t *testing.T) {
	a := NewAdaptive(10, nil) // 100ms apart
	ctx := testContext(t)
	if _, err := a.Acquire(ctx, Cost{Requests: 1}); err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Acquire(qctx, Cost{Requests: 1})
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		n := len(a.queue)
		a.mu.Unlock()
		if n == 5 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	dctx, dcancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer dcancel()
	start := time.Now()
	_, err := a.Acquire(dctx, Cost{Requests: 1})
	if !errors.Is(err, context.DeadlineExceeded) || dctx.Err() != nil || time.Since(start) > 100*time.Millisecond {
		t.Errorf("Acquire behind 5 waiters with 250ms left = %v after %v, want a deadline error at once", err, time.Since(start))
	}
	cancel()
	wg.Wait()
}

func TestParseReset(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1s", time.Second, true},
		{"6m0s", 6 * time.Minute, true},
		{"20ms", 20 * time.Millisecond, true},
		{"1m30.5s", 90*time.Second + 500*time.Millisecond, true},
		{"0.5", 500 * time.Millisecond, true},
		{now.Add(3 * time.Second).Format(time.RFC3339), 3 * time.Second, true},
		{now.Add(2 * time.Second).Format(http.TimeFormat), 2 * time.Second, true},
		{now.Add(-time.Hour).Format(time.RFC3339), 0, true},
		{"-3s", 0, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseReset(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseReset(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRateHeaders(t *testing.T) {
	h := header(
		"x-ratelimit-limit-requests", "500", "x-ratelimit-remaining-requests", "499", "x-ratelimit-reset-requests", "120ms",
		"x-ratelimit-remaining-tokens", "junk", "x-ratelimit-reset-tokens", "6m0s",
	)
	req, tok := rateHeaders(h, time.Now())
	if want := (budgetInfo{limit: 500, remaining: 499, reset: 120 * time.Millisecond}); req != want {
		t.Errorf("requests = %+v, want %+v", req, want)
	}
	if want := (budgetInfo{limit: -1, remaining: -1, reset: 6 * time.Minute}); tok != want || tok.known() {
		t.Errorf("tokens = %+v (known %v), want %+v and unknown", tok, tok.known(), want)
	}
}
