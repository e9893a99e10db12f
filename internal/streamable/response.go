package streamable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcpclient/mcpclient/internal/sse"
	"github.com/mcpclient/mcpclient/internal/wire"
)

// readResponse reads the successful answer to a request: one JSON body or
// an event stream.
func (c *Conn) readResponse(ctx context.Context, p *post, resp *http.Response) {
	defer resp.Body.Close()
	o := p.out
	if o.msg.Method == "initialize" {
		c.takeSession(resp)
	}
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusNoContent {
		c.failRequest(p, fmt.Errorf("%w (HTTP %d to %s)", ErrNoResponse, resp.StatusCode, o.op()))
		return
	}
	switch ct := mediaType(resp.Header); ct {
	case "application/json":
		c.readJSON(p, resp)
	case "text/event-stream":
		c.readEvents(ctx, p, resp)
	default:
		c.failRequest(p, fmt.Errorf("%w %q in the answer to %s", ErrContentType, ct, o.op()))
	}
}

func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	// The two types servers send, as they usually spell them, spare the
	// parser and the map it allocates.
	switch ct {
	case "application/json", "text/event-stream":
		return ct
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	ct, _, _ = strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(ct))
}

// takeSession keeps the session id of an initialize response.
func (c *Conn) takeSession(resp *http.Response) {
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		return
	}
	if !visibleASCII(sid) {
		c.log.Warn("ignored a session id with invalid characters")
		return
	}
	c.mu.Lock()
	c.sessionID = sid
	c.mu.Unlock()
}

// visibleASCII is the alphabet of session ids (0x21 to 0x7E).
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (c *Conn) oversize(size int64, id []byte) error {
	return &wire.OversizeError{Size: size, Limit: c.limit, ID: id}
}

func (c *Conn) readJSON(p *post, resp *http.Response) {
	id := p.out.msg.ID
	if resp.ContentLength > int64(c.limit) {
		c.failRequest(p, c.oversize(resp.ContentLength, id))
		return
	}
	body, err := readBody(resp, c.limit)
	if err != nil {
		c.failRequest(p, fmt.Errorf("mcpclient: http post %s: reading the response: %w", p.out.op(), err))
		return
	}
	if len(body) > c.limit {
		c.failRequest(p, c.oversize(int64(len(body)), id))
		return
	}
	if !c.deliverBody(body, id, true) {
		c.failRequest(p, fmt.Errorf("%w: the JSON body of the answer to %s holds no response for it", ErrNoResponse, p.out.op()))
	}
}

// readBody reads at most limit+1 bytes of a body, in one allocation when
// the server announced its length.
func readBody(resp *http.Response, limit int) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= int64(limit) {
		buf := make([]byte, n+1)
		m, err := io.ReadFull(resp.Body, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		}
		return buf[:m], err
	}
	return io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
}

// stream remembers where an event stream stood, for resuming it.
type stream struct {
	lastID   string
	retry    time.Duration
	retrySet bool
	events   int // events delivered by the latest pump
	total    int // events delivered by every pump of the stream
}

// readEvents reads a request's event stream until its response. A stream
// that breaks first is resumed in the handshake era when the server gave
// event ids; otherwise the request fails.
func (c *Conn) readEvents(ctx context.Context, p *post, resp *http.Response) {
	var st stream
	got, err := c.pump(resp.Body, p.out.msg.ID, &st)
	if got {
		return
	}
	if errors.Is(err, sse.ErrEventTooLarge) {
		c.failRequest(p, c.oversize(int64(c.limit)+1, p.out.msg.ID))
		return
	}
	if ctx.Err() != nil {
		return
	}
	if _, modern := c.era(&p.out.msg); !modern && st.lastID != "" && !c.Legacy() {
		c.resume(ctx, p, &st, err)
		return
	}
	c.failRequest(p, streamEnded(p.out.op(), err))
}

func streamEnded(op string, err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w (%s)", ErrStreamEnded, op)
	}
	return fmt.Errorf("%w (%s): %w", ErrStreamEnded, op, err)
}

// sseSlack lets an event carry a message of the full limit plus its field
// names and line ends; larger messages are caught after parsing.
const sseSlack = 4 << 10

// pump delivers the messages of an event stream until the response to want
// (got is true), or the stream ends (err is io.EOF for a clean end). It
// closes body when it returns.
func (c *Conn) pump(body io.ReadCloser, want []byte, st *stream) (got bool, err error) {
	defer body.Close()
	r := sse.NewReader(body, c.limit+sseSlack)
	defer r.Release()
	st.events = 0
	for {
		ev, err := r.Next()
		if d, ok := r.Retry(); ok {
			st.retry, st.retrySet = d, true
		}
		if err != nil {
			if id := r.LastEventID(); id != "" {
				st.lastID = id
			}
			return false, err
		}
		// A reconnection's reader starts without an id; like an
		// EventSource, keep the stream's last id until a new one comes.
		if ev.ID != "" {
			st.lastID = ev.ID
		}
		if ev.Type != "" && ev.Type != "message" {
			c.log.Debug("skipped an event of unknown type", "type", ev.Type)
			continue
		}
		if len(bytes.TrimSpace(ev.Data)) == 0 {
			// A priming event: only its id matters.
			continue
		}
		st.events++
		st.total++
		if len(ev.Data) > c.limit {
			if c.overLimit(ev.Data, want) {
				return true, nil
			}
			continue
		}
		if c.deliverBody(ev.Data, want, st.total == 1) {
			finish(body)
			return true, nil
		}
	}
}

// overLimit fails the request that an oversize message answers, reporting
// whether that was want.
func (c *Conn) overLimit(data, want []byte) bool {
	m, err := Peek(data)
	if err != nil || m.Kind != KindResponse {
		c.log.Warn("skipped a message over the size limit", "bytes", len(data), "limit", c.limit)
		return false
	}
	c.enqueue(item{err: &RequestError{ID: m.ID, Err: c.oversize(int64(len(data)), m.ID)}})
	return want != nil && sameID(m.ID, want)
}

// finishWait bounds how long a stream may stay open after its response.
const finishWait = 100 * time.Millisecond

// finish waits briefly for the server to end a stream whose response has
// arrived, so that the connection can carry the next request, then gives up
// on it.
func finish(body io.ReadCloser) {
	f, _ := finishers.Get().(*finisher)
	if f == nil {
		f = &finisher{}
		f.timer = time.AfterFunc(time.Hour, f.giveUp)
		f.timer.Stop()
	}
	f.body = body
	f.timer.Reset(finishWait)
	f.rest = io.LimitedReader{R: body, N: 64 << 10}
	io.Copy(io.Discard, &f.rest)
	if f.timer.Stop() {
		// The timer did not fire, so giveUp holds no reference: reuse.
		f.body, f.rest = nil, io.LimitedReader{}
		finishers.Put(f)
	}
}

// finisher is the state of one finish, pooled with its timer: every
// request answered with an event stream needs one.
type finisher struct {
	timer *time.Timer
	body  io.Closer
	rest  io.LimitedReader
}

func (f *finisher) giveUp() { f.body.Close() }

var finishers sync.Pool

// deliverBody hands a body (one message or a batch) to Read and reports
// whether it held the response to want. first is true when nothing of the
// same stream went to Read before it: only then may the response skip the
// queue, since it would otherwise overtake the stream's earlier messages.
func (c *Conn) deliverBody(body, want []byte, first bool) bool {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(body, &batch); err != nil {
			c.log.Warn("skipped a malformed JSON batch from the server", "err", err)
			return false
		}
		got := false
		for _, m := range batch {
			got = c.deliver(m, want, false) || got
		}
		return got
	}
	return c.deliver(body, want, first)
}

// deliver hands one message to Read and reports whether it was the response
// to want. Malformed messages are logged and skipped: the session could not
// route them anyway. With direct set, the response to want goes to the
// response handler instead of the queue; the handler decodes it and judges
// it (declining a malformed one), which spares checking it here first.
func (c *Conn) deliver(data, want []byte, direct bool) bool {
	m, err := Peek(data)
	if err != nil || m.Kind == KindInvalid {
		c.log.Warn("skipped a message that is not JSON-RPC", "data", excerpt(data))
		return false
	}
	answer := m.Kind == KindResponse && want != nil && sameID(m.ID, want)
	if answer && direct && c.onResponse != nil {
		if c.onResponse(data) {
			return true
		}
		c.log.Warn("skipped a malformed response", "data", excerpt(data))
		return false
	}
	// What goes to Read must be JSON, and an answer one the session takes:
	// a malformed message counted as the answer would leave its request
	// waiting for nothing.
	if !json.Valid(data) {
		c.log.Warn("skipped malformed JSON from the server", "data", excerpt(data))
		return false
	}
	if answer && c.validResponse != nil && !c.validResponse(data) {
		c.log.Warn("skipped a malformed response", "data", excerpt(data))
		return false
	}
	if !c.enqueue(item{data: data}) {
		return false
	}
	return answer
}

func excerpt(b []byte) string {
	const n = 200
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
