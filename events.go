package mcpclient

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// EventKind names a resilience decision.
type EventKind int

// The decisions an [Event] reports.
const (
	// EventWait: a limiter held a request for Event.Wait before admitting
	// it.
	EventWait EventKind = iota + 1
	// EventRetry: a failed attempt (Event.Err, Event.StatusCode) is sent
	// again after Event.Wait.
	EventRetry
	// EventCut: an adaptive limiter lowered its rate to Event.Rate after a
	// 429 or 503.
	EventCut
	// EventHold: an adaptive limiter holds every request back for
	// Event.Wait, as the server asked (Retry-After, or an exhausted
	// x-ratelimit budget).
	EventHold
	// EventTrip: a circuit breaker opened after Event.Err.
	EventTrip
	// EventRecover: a circuit breaker closed again after a probe
	// succeeded.
	EventRecover
	// EventShed: a request was refused without being sent; Event.Err says
	// why (an open breaker, a spent retry budget, a cost too large, a wait
	// past the deadline, a full queue).
	EventShed
	// EventFallback: a shared limiter could not reach its store and
	// admitted through its local fallback; Event.Err says why.
	EventFallback
)

var eventNames = [...]string{
	EventWait:     "wait",
	EventRetry:    "retry",
	EventCut:      "cut",
	EventHold:     "hold",
	EventTrip:     "trip",
	EventRecover:  "recover",
	EventShed:     "shed",
	EventFallback: "fallback",
}

func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// Event is one resilience decision of a [Client] or of a limiter admitting
// one of its requests. Fields that do not apply are zero.
type Event struct {
	Kind EventKind
	// Server is the MCP server the decision concerns; empty for the model
	// endpoint.
	Server string
	// Tool is the tool, for decisions about a tool call.
	Tool string
	// Attempt is the attempt the decision is about, 1 for the first.
	Attempt int
	// Wait is how long the request waits (or waited, for EventWait).
	Wait time.Duration
	// Rate is an adaptive limiter's new rate in requests per second.
	Rate float64
	// StatusCode is the HTTP status behind the decision, when there was
	// one.
	StatusCode int
	// Err is the cause: the failure retried, the error that tripped a
	// breaker, the reason a request was shed.
	Err error
}

// Stats are a [Client]'s counters since it was created, across the model
// endpoint and every MCP server.
type Stats struct {
	// Admitted counts requests (model attempts and tool calls) a limiter
	// admitted; Waited those of them that had to wait, for WaitTime in
	// all.
	Admitted int64
	Waited   int64
	WaitTime time.Duration
	// Retried counts attempts sent again.
	Retried int64
	// TooManyRequests counts 429 responses from the model endpoint.
	TooManyRequests int64
	// Cuts and Holds count adaptive limiter decisions; Trips counts
	// breakers opening; Shed counts requests refused without being sent;
	// Fallbacks counts admissions by a shared limiter's local fallback.
	Cuts      int64
	Holds     int64
	Trips     int64
	Shed      int64
	Fallbacks int64
}

// observer delivers a client's events to its hook, its logger and its
// counters. It is safe for concurrent use.
type observer struct {
	hook   func(Event)
	logger *slog.Logger

	admitted, waited, waitNanos, retried, tooMany atomic.Int64
	cuts, holds, trips, shed, fallbacks           atomic.Int64
}

func (o *observer) emit(ev Event) {
	var n *atomic.Int64
	level := slog.LevelInfo
	switch ev.Kind {
	case EventWait:
		// Counted by admitted, which knows every admission.
		level = slog.LevelDebug
	case EventRetry:
		n, level = &o.retried, slog.LevelDebug
	case EventCut:
		n = &o.cuts
	case EventHold:
		n = &o.holds
	case EventTrip:
		n, level = &o.trips, slog.LevelWarn
	case EventShed:
		n = &o.shed
	case EventFallback:
		n, level = &o.fallbacks, slog.LevelWarn
	}
	if n != nil {
		n.Add(1)
	}
	if o.logger.Enabled(context.Background(), level) {
		o.logger.Log(context.Background(), level, "resilience: "+ev.Kind.String(), eventAttrs(ev)...)
	}
	if o.hook != nil {
		o.hook(ev)
	}
}

func eventAttrs(ev Event) []any {
	attrs := make([]any, 0, 14)
	if ev.Server != "" {
		attrs = append(attrs, "server", ev.Server)
	}
	if ev.Tool != "" {
		attrs = append(attrs, "tool", ev.Tool)
	}
	if ev.Attempt > 0 {
		attrs = append(attrs, "attempt", ev.Attempt)
	}
	if ev.Wait > 0 {
		attrs = append(attrs, "wait", ev.Wait)
	}
	if ev.Rate > 0 {
		attrs = append(attrs, "rate", ev.Rate)
	}
	if ev.StatusCode > 0 {
		attrs = append(attrs, "status", ev.StatusCode)
	}
	if ev.Err != nil {
		attrs = append(attrs, "err", ev.Err)
	}
	return attrs
}

// admit counts one admission that waited wait.
func (o *observer) admit(wait time.Duration) {
	o.admitted.Add(1)
	if wait > 0 {
		o.waited.Add(1)
		o.waitNanos.Add(int64(wait))
	}
}

func (o *observer) stats() Stats {
	return Stats{
		Admitted:        o.admitted.Load(),
		Waited:          o.waited.Load(),
		WaitTime:        time.Duration(o.waitNanos.Load()),
		Retried:         o.retried.Load(),
		TooManyRequests: o.tooMany.Load(),
		Cuts:            o.cuts.Load(),
		Holds:           o.holds.Load(),
		Trips:           o.trips.Load(),
		Shed:            o.shed.Load(),
		Fallbacks:       o.fallbacks.Load(),
	}
}

// Stats returns the client's counters. It is safe to call at any time.
func (c *Client) Stats() Stats { return c.obs.stats() }

// eventSink is what a request's context carries so that limiters can
// report their decisions to the client that made the request.
type eventSink struct {
	obs    *observer
	server string
}

type sinkKey struct{}

func withSink(ctx context.Context, s *eventSink) context.Context {
	return context.WithValue(ctx, sinkKey{}, s)
}

func sinkFrom(ctx context.Context) *eventSink {
	s, _ := ctx.Value(sinkKey{}).(*eventSink)
	return s
}

func (s *eventSink) emit(ev Event) {
	if s == nil {
		return
	}
	if ev.Server == "" {
		ev.Server = s.server
	}
	s.obs.emit(ev)
}

// ReportEvent hands ev to the [Client] whose request ctx belongs to: its
// Options.OnEvent hook, its logger and its [Stats]. A [Limiter] calls it,
// with the context Acquire received, to explain its decisions; outside a
// client's request it does nothing. Server is filled in when empty.
func ReportEvent(ctx context.Context, ev Event) {
	sinkFrom(ctx).emit(ev)
}
