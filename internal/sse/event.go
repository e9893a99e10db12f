package sse

import "time"

// Event is one event dispatched by a Reader. A Reader never modifies an Event after
// returning it, so callers may keep it and share it between goroutines.
type Event struct {
	// Type is the value of the event's last "event" field; empty means "message".
	Type string
	// Data holds the event's data lines joined with "\n". It is never nil (an event whose
	// only data line is empty has zero-length Data) and is a fresh slice the caller owns.
	Data []byte
	// ID is the last event id in effect when the event was dispatched: the value of the
	// most recent valid "id" field of this or an earlier event, empty if there was none or
	// the server reset it with an empty id.
	ID string
	// Retry is the last valid "retry" value seen so far, or 0 if there was none; use
	// Reader.Retry to tell "none" from an explicit 0.
	Retry time.Duration
}
