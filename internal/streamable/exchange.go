package streamable

import (
	"context"
	"fmt"
)

// Exchange sends one request and carries its POST on the calling goroutine,
// returning once the POST has ended: by then the response has gone to the
// response handler (see SetResponseHandler) or to Read, or the failure has
// gone to Read as a *RequestError. It spares the goroutine and the
// hand-overs that Write's asynchronous POST costs per request.
//
// As with Write, the POST keeps the values of ctx but not its cancellation:
// the caller stops it by writing notifications/cancelled for its id (from
// another goroutine), which in the handshake era reaches the server before
// the POST is aborted. Close aborts it too. Exchange does not retain msg.
// Anything but a request, and initialize, which the
// connection keeps for re-initialising, are passed to Write.
func (c *Conn) Exchange(ctx context.Context, msg []byte, watch Watcher) error {
	body, m, err := peekCopy(ctx, msg)
	if err != nil {
		return err
	}
	if m.Kind != KindRequest || m.Method == "initialize" {
		return c.Write(ctx, msg)
	}
	h, err := c.ready(ctx)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	p := newPost(body, m, h, cancel)
	key := string(m.ID)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if _, dup := c.inflight[key]; dup {
		c.mu.Unlock()
		return fmt.Errorf("mcpclient: http post %s: request id %s is already in flight", m.Method, key)
	}
	c.inflight[key] = p
	c.mu.Unlock()
	defer c.forget(key, p)
	if watch != nil {
		watch.Watch()
	}
	c.runRequest(pctx, p)
	return nil
}

// Watcher stands by a request carried by Exchange, to cancel it when its
// caller gives up. Exchange calls Watch once the request can be aborted
// (a notifications/cancelled for its id written before that would find
// nothing to abort), on the calling goroutine, before the POST starts; it
// does not call it when it fails before.
type Watcher interface{ Watch() }
