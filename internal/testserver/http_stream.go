package testserver

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// sseEvent is one event of an [evStream]: a JSON-RPC message or, with typ
// set, an HTTP+SSE control event.
type sseEvent struct {
	typ  string
	data []byte
}

// evStream is the log of one SSE stream. Writers follow it from any index,
// which is what resumption with Last-Event-ID needs: a stream is a log, and
// a connection a cursor into it.
type evStream struct {
	key string
	ids bool // events carry ids (key/index) for Last-Event-ID

	mu     sync.Mutex
	base   int // index of events[0]; older events were trimmed
	events []sseEvent
	final  bool          // nothing more will be added
	answer bool          // the final event is a response (not a broken end)
	wake   chan struct{} // closed and replaced at every change
	busy   bool          // a writer follows the stream (standalone streams)
	cursor int           // first event no writer has sent (standalone streams)
	keep   int           // events kept; 0 keeps all
}

func newStream(key string, ids bool, keep int) *evStream {
	return &evStream{key: key, ids: ids, keep: keep, wake: make(chan struct{})}
}

// add appends an event; final marks the end of the stream, answered when
// the event is the response it was waiting for.
func (s *evStream) add(ev sseEvent, final bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.final {
		return
	}
	s.events = append(s.events, ev)
	if s.keep > 0 && len(s.events) > s.keep {
		drop := len(s.events) - s.keep
		s.events = append(s.events[:0], s.events[drop:]...)
		s.base += drop
	}
	if final {
		s.final, s.answer = true, true
	}
	close(s.wake)
	s.wake = make(chan struct{})
}

// end marks the stream finished without an answer: the session died.
func (s *evStream) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.final {
		return
	}
	s.final = true
	close(s.wake)
	s.wake = make(chan struct{})
}

// since returns the events from index from on, a copy of the final flags,
// and a channel closed at the next change.
func (s *evStream) since(from int) (evs []sseEvent, next int, final, answer bool, wake <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if from < s.base {
		from = s.base
	}
	if i := from - s.base; i < len(s.events) {
		evs = append(evs, s.events[i:]...)
	}
	return evs, from, s.final, s.answer, s.wake
}

// response returns the final response, if the stream ended with one.
func (s *evStream) response() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.answer || len(s.events) == 0 {
		return nil, false
	}
	return s.events[len(s.events)-1].data, true
}

func (s *evStream) eventID(i int) string {
	if !s.ids {
		return ""
	}
	return s.key + "/" + strconv.Itoa(i+1)
}

// parseEventID splits an id made by eventID into its stream key and the
// index of the event after it.
func parseEventID(id string) (key string, next int, ok bool) {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return id[:i], n, true
}

// startSSE writes the headers of an event stream.
func startSSE(w http.ResponseWriter, extra func(http.Header)) *bufio.Writer {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	if extra != nil {
		extra(h)
	}
	w.WriteHeader(http.StatusOK)
	flush(w)
	return bufio.NewWriterSize(w, 4<<10)
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// writeEvent writes one event. Data is one line of JSON.
func writeEvent(bw *bufio.Writer, id, typ string, data []byte) {
	if id != "" {
		bw.WriteString("id: ")
		bw.WriteString(id)
		bw.WriteByte('\n')
	}
	if typ != "" {
		bw.WriteString("event: ")
		bw.WriteString(typ)
		bw.WriteByte('\n')
	}
	bw.WriteString("data: ")
	bw.Write(data)
	bw.WriteString("\n\n")
}

// follow writes the events of s from index from on until the stream is
// final and sent, the client leaves, the session ends, or limit events
// (when positive) were written. It returns the index after the last event
// written and whether the stream was complete.
func follow(ctx context.Context, w http.ResponseWriter, bw *bufio.Writer, s *evStream, from, limit int, ended <-chan struct{}) (next int, complete bool) {
	sent := 0
	for {
		evs, at, final, _, wake := s.since(from)
		from = at
		for _, ev := range evs {
			writeEvent(bw, s.eventID(from), ev.typ, ev.data)
			from++
			sent++
			if limit > 0 && sent >= limit {
				bw.Flush()
				flush(w)
				return from, false
			}
		}
		if len(evs) > 0 {
			if bw.Flush() != nil {
				return from, false
			}
			flush(w)
		}
		if final {
			if evs, _, _, _, _ := s.since(from); len(evs) == 0 {
				return from, true
			}
			continue
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return from, false
		case <-ended:
			return from, false
		}
	}
}
