package sse

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// defaultMaxEventBytes is the size bound used when NewReader is given zero.
	defaultMaxEventBytes = 16 << 20
	// bufferSize is the bufio buffer size; lines that fit in it are parsed in place.
	bufferSize = 16 << 10
	// keepScratch is the largest scratch capacity kept between events, so that one huge
	// event does not pin its memory for the rest of a long-lived stream.
	keepScratch = 64 << 10
)

// Reader reads events from an SSE stream.
//
// The bound given to NewReader limits the bytes of one event's field lines (the sum of the
// lengths of its non-comment lines, line ends excluded, counted from the previous blank
// line) and therefore also of any single field line. Comment lines are never buffered: they
// are skipped however long they are, and do not count toward the bound. Memory use is thus
// bounded by a small multiple of the bound plus a fixed buffer.
//
// The zero value has no source: its Next returns an error and its other methods report
// nothing seen. Use NewReader. Methods must not be called on a nil *Reader. A Reader is not
// safe for concurrent use, except that Comments may be called at any time from any goroutine.
type Reader struct {
	// OnComment, if non-nil, is called once for each complete comment line, on the
	// goroutine running Next, before Next reads on. It lets a caller treat keepalive
	// comments as activity, for example to reset an idle timer. It must not call Next.
	OnComment func()

	src *bufio.Reader
	max int

	// deferred holds a read error that bufio handed over while the BOM was being
	// looked for; it is reported once the bytes read before it are used up.
	deferred error
	// err is the sticky error of a finished or failed stream.
	err error
	// bomDone is set once the start of the stream has been checked for a BOM.
	bomDone bool
	// afterCR is set when the last line ended with CR, so that an LF that follows
	// (maybe only in the next read) is taken as part of the same line end.
	afterCR bool

	line []byte // scratch for a line that spans more than one buffer fill
	data []byte // data lines of the pending event, each followed by LF
	typ  []byte // event type of the pending event
	id   []byte // last event id buffer; committed to lastID at each blank line
	size int    // bytes of the pending event's field lines so far

	lastID   string
	lastType string // the Type of the latest event, reused to avoid an allocation
	retry    time.Duration
	retrySet bool
	comments atomic.Int64
}

// NewReader returns a Reader that reads events from src, buffering reads. maxEventBytes
// bounds the bytes of one event, as described on Reader; zero or a negative value means
// 16 MiB. A nil src gives a Reader whose Next returns an error.
func NewReader(src io.Reader, maxEventBytes int) *Reader {
	if maxEventBytes <= 0 {
		maxEventBytes = defaultMaxEventBytes
	}
	r := &Reader{max: maxEventBytes}
	if src != nil {
		if b, ok := bufPool.Get().(*buffers); ok {
			b.src.Reset(src)
			r.src, r.line, r.data, r.typ, r.id = b.src, b.line, b.data, b.typ, b.id
			*b = buffers{}
			bufferBoxes.Put(b)
		} else {
			r.src = bufio.NewReaderSize(src, bufferSize)
		}
	}
	return r
}

// buffers are what a released Reader leaves for later ones: its read buffer
// and its scratch slices. A client that opens a stream per request would
// otherwise allocate them for every request.
type buffers struct {
	src                 *bufio.Reader
	line, data, typ, id []byte
}

// bufPool holds the buffers of released Readers; bufferBoxes holds the
// empty boxes, so that moving buffers in and out allocates nothing.
var bufPool, bufferBoxes sync.Pool

// keep returns a scratch slice emptied for reuse, or nil when it grew
// past keepScratch.
func keep(b []byte) []byte {
	if cap(b) > keepScratch {
		return nil
	}
	return b[:0]
}

// Release gives the Reader's buffers back for reuse by later Readers. The
// Reader must not be used afterwards; its Next then returns an error. The
// Data of events already returned stays the caller's.
// Calling Release is optional and idempotent.
func (r *Reader) Release() {
	if r.src == nil {
		return
	}
	b, _ := bufferBoxes.Get().(*buffers)
	if b == nil {
		b = new(buffers)
	}
	b.src, b.line, b.data, b.typ, b.id = r.src, keep(r.line), keep(r.data), keep(r.typ), keep(r.id)
	b.src.Reset(nil)
	r.src, r.line, r.data, r.typ, r.id = nil, nil, nil, nil, nil
	if r.err == nil {
		r.err = errReleased
	}
	bufPool.Put(b)
}

// Next returns the next event. Comment lines, blank lines and events without data lines
// are consumed without being returned, however many there are.
//
// At a clean end of input Next returns io.EOF; an event still unfinished at that point
// (no blank line after it) is discarded. Read errors from the source are returned as they
// are. An event or line over the size bound yields an error wrapping ErrEventTooLarge.
// Every error is final: later calls return the same error. LastEventID, Retry and Comments
// keep their values after an error, so a caller can reconnect from where the stream broke.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	if r.src == nil {
		return Event{}, errNoSource
	}
	for {
		line, n, err := r.readLine()
		if err != nil {
			r.fail(err)
			return Event{}, err
		}
		var (
			ev Event
			ok bool
		)
		if len(line) == 0 {
			ev, ok = r.dispatch()
		} else {
			r.field(line)
		}
		// The line may alias the bufio buffer, so it is released only now. Discarding
		// bytes that are already buffered cannot fail.
		r.src.Discard(n)
		if ok {
			return ev, nil
		}
	}
}

// LastEventID returns the id to send as Last-Event-ID when reconnecting: the last event
// id in effect at the latest blank line, empty if none.
func (r *Reader) LastEventID() string {
	return r.lastID
}

// Retry returns the reconnection delay the server asked for with the latest valid "retry"
// field, and whether it asked at all. A value too large for time.Duration is reported as
// the largest Duration; callers should clamp it to a sensible maximum.
func (r *Reader) Retry() (time.Duration, bool) {
	return r.retry, r.retrySet
}

// Comments returns the number of complete comment lines read so far. It is safe to call
// concurrently with Next, for example from an idle timer that treats keepalive comments
// as activity.
func (r *Reader) Comments() int64 {
	return r.comments.Load()
}

// fail records err as final and drops the buffers, which a failed Reader never uses again.
func (r *Reader) fail(err error) {
	r.err = err
	r.src = nil
	r.line, r.data, r.typ, r.id = nil, nil, nil, nil
}
