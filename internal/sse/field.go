package sse

import (
	"bytes"
	"math"
	"time"
)

// field applies one non-blank, non-comment line to the pending event.
func (r *Reader) field(line []byte) {
	r.size += len(line)
	name, value := line, line[len(line):]
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		r.data = append(r.data, value...)
		r.data = append(r.data, '\n')
	case "event":
		r.typ = append(r.typ[:0], value...)
	case "id":
		// An id with NUL is ignored as a whole, so that it cannot end up truncated
		// in a Last-Event-ID header.
		if bytes.IndexByte(value, 0) < 0 {
			r.id = append(r.id[:0], value...)
		}
	case "retry":
		if d, ok := parseRetry(value); ok {
			r.retry, r.retrySet = d, true
		}
	}
}

// dispatch ends the pending event at a blank line. It returns the event, or false if the
// event had no data lines. The last event id is committed either way.
func (r *Reader) dispatch() (Event, bool) {
	r.size = 0
	// The comparisons and conversions here allocate only when the value changed.
	if string(r.id) != r.lastID {
		r.lastID = string(r.id)
	}
	if len(r.data) == 0 {
		r.typ = r.typ[:0]
		return Event{}, false
	}
	if string(r.typ) != r.lastType {
		r.lastType = string(r.typ)
	}
	data := make([]byte, len(r.data)-1)
	copy(data, r.data)
	ev := Event{Type: r.lastType, Data: data, ID: r.lastID, Retry: r.retry}
	r.typ = r.typ[:0]
	if cap(r.data) > keepScratch {
		r.data = nil
	} else {
		r.data = r.data[:0]
	}
	return ev, true
}

// parseRetry parses a retry value: one or more ASCII digits, in milliseconds. Values too
// large for a Duration saturate at the largest Duration.
func parseRetry(v []byte) (time.Duration, bool) {
	if len(v) == 0 {
		return 0, false
	}
	const maxMillis = math.MaxInt64 / int64(time.Millisecond)
	var ms int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		// Past maxMillis the result is known; keep checking that the rest are digits.
		if ms <= maxMillis {
			ms = ms*10 + int64(c-'0')
		}
	}
	if ms > maxMillis {
		return math.MaxInt64, true
	}
	return time.Duration(ms) * time.Millisecond, true
}
