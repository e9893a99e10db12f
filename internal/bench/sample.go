package bench

import (
	"context"
	"time"
)

// Op performs one request and reports how it went. It is called from
// several goroutines at once and must return soon after ctx ends.
type Op func(ctx context.Context) Outcome

// Outcome is what an [Op] reports about one request. The zero value is a
// success with nothing to count.
type Outcome struct {
	// Kind classifies the request; [OK] for a success.
	Kind Kind
	// Err says why the request failed. The first error of each kind is
	// kept in [Run.Examples] to help explain a failed run.
	Err error
	// FirstToken is when the first generated token arrived, for streamed
	// replies; the zero time when there was none.
	FirstToken time.Time
	// Retries counts the attempts after the first.
	Retries int
	// PromptTokens and CompletionTokens are the usage the server reported.
	PromptTokens     int
	CompletionTokens int
}

// Sample is one measured request. Its times are offsets from the start of
// the run, on the monotonic clock.
type Sample struct {
	// Intended is when the request was due: in an open loop its slot in the
	// arrival schedule, in a closed loop the moment it started.
	Intended time.Duration
	// Start is when the request was handed to the Op; End when it returned.
	Start, End time.Duration
	// TTFT is the time from Intended to the first token, 0 when none came.
	TTFT time.Duration

	Kind             Kind
	Retries          int
	PromptTokens     int
	CompletionTokens int
}

// Latency is the time from the intended start to the end: the wait a user
// arriving on schedule would see, queueing included.
func (s Sample) Latency() time.Duration { return s.End - s.Intended }

// ServiceTime is the time the request itself took, without any wait for a
// free worker. In a closed loop it equals Latency.
func (s Sample) ServiceTime() time.Duration { return s.End - s.Start }
