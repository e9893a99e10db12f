package streamable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mcpclient/mcpclient/internal/sse"
)

const (
	// defaultRetry is the reconnection delay when the server named none.
	defaultRetry = time.Second
	// maxRetry caps the delay a server may ask for, so that a typo in its
	// retry field cannot park a stream for hours.
	maxRetry = time.Minute
	// maxStalls bounds the reconnections in a row that deliver nothing.
	maxStalls = 5
)

// delay is the wait before reconnecting after the given number of fruitless
// attempts in a row: the server's retry value (or defaultRetry), doubled for
// each stall, never above maxRetry.
func (st *stream) delay(stalls int) time.Duration {
	d := defaultRetry
	if st.retrySet {
		d = st.retry
	}
	for i := 1; i < stalls && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// get opens an event stream with GET, resuming after lastID when set.
func (c *Conn) get(ctx context.Context, lastID, sid string) (*http.Response, error) {
	h, err := c.callerHeader(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.urlStr, nil)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: http get: %w", err)
	}
	h.Set("Accept", "text/event-stream")
	c.protocolHeaders(h, c.ProtocolVersion(), sid)
	if lastID != "" {
		h.Set("Last-Event-ID", lastID)
	}
	req.Header = h
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: http get: %w", err)
	}
	return resp, nil
}

// openStream GETs a stream and checks that it is one.
func (c *Conn) openStream(ctx context.Context, lastID, sid string) (*http.Response, error) {
	resp, err := c.get(ctx, lastID, sid)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		drain(resp.Body)
		return nil, newStatusError("get", resp, body, time.Now())
	}
	if ct := mediaType(resp.Header); ct != "text/event-stream" {
		drain(resp.Body)
		return nil, fmt.Errorf("%w %q for a GET stream", ErrContentType, ct)
	}
	return resp, nil
}

// resume reconnects a request's broken event stream with Last-Event-ID
// until its response arrives. It waits as the server's retry field asks and
// gives up after maxStalls attempts in a row that deliver nothing, or at
// once when the server refuses the GET.
func (c *Conn) resume(ctx context.Context, p *post, st *stream, cause error) {
	sid := c.SessionID()
	for stalls := 1; stalls <= maxStalls; {
		if !sleep(ctx, st.delay(stalls)) {
			return
		}
		c.log.Debug("resuming an event stream", "method", p.out.op(), "last_event_id", st.lastID)
		resp, err := c.openStream(ctx, st.lastID, sid)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var se *StatusError
			if errors.As(err, &se) && !se.Temporary() {
				c.failRequest(p, fmt.Errorf("%w (%s); resuming it failed: %w", ErrStreamEnded, p.out.op(), err))
				return
			}
			cause = err
			stalls++
			continue
		}
		got, err := c.pump(resp.Body, p.out.msg.ID, st)
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
		cause = err
		if st.events > 0 {
			stalls = 1
		} else {
			stalls++
		}
	}
	c.failRequest(p, fmt.Errorf("%w (%s) and %d attempts to resume it failed: %v", ErrStreamEnded, p.out.op(), maxStalls, cause))
}
