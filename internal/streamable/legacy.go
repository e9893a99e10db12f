package streamable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mcpclient/mcpclient/internal/sse"
	"github.com/mcpclient/mcpclient/internal/wire"
)

// fallback tries the HTTP+SSE transport of 2024-11-05 after the server
// refused the Streamable POST of initialize, whose body was read already. On
// success the initialize
// request is re-sent to the endpoint the server named and every later
// message follows it; otherwise the request fails with the original refusal
// (or the same-origin violation, which the caller must hear about).
func (c *Conn) fallback(ctx context.Context, p *post, refusal *http.Response, body []byte) {
	done := make(chan struct{})
	c.mu.Lock()
	c.switching = done
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.switching = nil
		c.mu.Unlock()
		close(done)
	}()

	endpoint, err := c.openLegacy(ctx, p.out.header)
	if err != nil {
		c.log.Info("HTTP+SSE fallback failed", "status", refusal.StatusCode, "err", err)
		if errors.Is(err, ErrNotSameOrigin) {
			c.failRequest(p, err)
			return
		}
		c.failStatus(p, refusal, body)
		return
	}
	c.log.Info("server speaks HTTP+SSE (2024-11-05); using it", "status", refusal.StatusCode)

	req, _, _, err := c.newPost(ctx, p.out)
	if err != nil {
		c.failRequest(p, err)
		return
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.failRequest(p, fmt.Errorf("mcpclient: http+sse post %s to %s: %w", p.out.op(), endpoint, err))
		return
	}
	if resp.StatusCode/100 != 2 {
		c.statusFailure(p, resp)
		return
	}
	drain(resp.Body)
}

// openLegacy GETs the URL as an HTTP+SSE event stream, waits for its
// endpoint event, and starts the goroutine that reads the stream for the
// rest of the connection. It returns the endpoint for logs.
func (c *Conn) openLegacy(ctx context.Context, h http.Header) (string, error) {
	sctx, cancel := context.WithCancel(c.life)
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, c.urlStr, nil)
	if err != nil {
		cancel()
		return "", err
	}
	req.Header = h.Clone()
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Del("Mcp-Protocol-Version")
	req.Header.Del("Mcp-Session-Id")
	// The stream outlives the initialize request, but waiting for it to
	// open must not.
	stop := context.AfterFunc(ctx, cancel)
	resp, err := c.client.Do(req)
	if err != nil {
		stop()
		cancel()
		return "", fmt.Errorf("mcpclient: http+sse get: %w", err)
	}
	fail := func(err error) (string, error) {
		stop()
		cancel()
		drain(resp.Body)
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return fail(newStatusError("get", resp, body, time.Now()))
	}
	if ct := mediaType(resp.Header); ct != "text/event-stream" {
		return fail(fmt.Errorf("%w %q for the HTTP+SSE stream", ErrContentType, ct))
	}
	r := sse.NewReader(resp.Body, c.limit+sseSlack)
	ev, err := r.Next()
	if err != nil {
		return fail(fmt.Errorf("mcpclient: http+sse: stream ended before the endpoint event: %w", err))
	}
	if ev.Type != "endpoint" {
		return fail(fmt.Errorf("mcpclient: http+sse: first event is %q, not endpoint", ev.Type))
	}
	u, err := c.url.Parse(strings.TrimSpace(string(ev.Data)))
	if err != nil {
		return fail(fmt.Errorf("mcpclient: http+sse: invalid endpoint %q: %w", excerpt(ev.Data), err))
	}
	if !sameOrigin(c.url, u) {
		return fail(fmt.Errorf("%w: the server at %s named %s", ErrNotSameOrigin, redact(c.url), redact(u)))
	}
	if !stop() {
		// The initialize request ended while the endpoint arrived.
		cancel()
		drain(resp.Body)
		return "", ctx.Err()
	}

	c.mu.Lock()
	c.legacy = u.String()
	c.mu.Unlock()
	if !c.spawn(func() {
		defer cancel()
		c.legacyStream(r, resp.Body)
	}) {
		cancel()
		drain(resp.Body)
		return "", ErrClosed
	}
	return redact(u), nil
}

// legacyStream delivers the messages of the HTTP+SSE stream. The stream is
// the connection's only way back, so its end ends the connection.
func (c *Conn) legacyStream(r *sse.Reader, body io.ReadCloser) {
	defer body.Close()
	for {
		ev, err := r.Next()
		if err != nil {
			if c.life.Err() == nil {
				c.fail(legacyEnd(err, c.limit))
			}
			return
		}
		switch ev.Type {
		case "", "message":
			if len(ev.Data) > c.limit {
				c.overLimit(ev.Data, nil)
				continue
			}
			c.deliverBody(ev.Data, nil, false)
		default:
			c.log.Debug("skipped an HTTP+SSE event", "type", ev.Type)
		}
	}
}

// legacyEnd describes the end of the HTTP+SSE stream. It wraps no error
// that names a request, so the session takes it as the end of everything.
func legacyEnd(err error, limit int) error {
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("mcpclient: http+sse: server ended the event stream: %w", io.EOF)
	case errors.Is(err, sse.ErrEventTooLarge):
		return fmt.Errorf("mcpclient: http+sse: an event over the %d-byte limit broke the stream: %w", limit, wire.ErrMessageTooLarge)
	}
	return fmt.Errorf("mcpclient: http+sse: event stream broke: %w", err)
}
