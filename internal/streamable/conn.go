package streamable

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is one connection to an MCP server over HTTP. Create it with [Open];
// the zero value is not usable. Read is for one goroutine; Write, Close and
// the other methods are safe for concurrent use. Every goroutine a Conn
// starts has ended when Close returns.
type Conn struct {
	cfg    Config
	url    *url.URL
	urlStr string
	post   *http.Request // template of every POST to url (see newRequest)
	values headerValues
	client *http.Client
	log    *slog.Logger
	limit  int

	// life ends with Close; every request and stream derives from it.
	life   context.Context
	cancel context.CancelCauseFunc

	queue chan item // never closed: senders also watch life

	// onResponse, when set, takes the response to a request straight from
	// the goroutine of its POST, sparing the hand-over through queue and
	// the reader's goroutine. It returns false for a malformed message.
	onResponse func(data []byte) bool
	// validResponse, when set, judges a response that goes to Read as its
	// request's answer; see SetResponseHandler.
	validResponse func(data []byte) bool
	// notify, when set, is called whenever Read has something to return,
	// for a reader that does not wait in Read (see SetReadNotify).
	notify func()

	failed   chan struct{} // closed by fail when the connection ends by itself
	failErr  error         // why; written before failed is closed
	failOnce sync.Once

	version atomic.Pointer[string]

	// deferStream keeps the GET stream closed until OpenServerStream.
	deferStream atomic.Bool

	mu             sync.Mutex
	closed         bool           // no goroutine may start; guards wg.Add
	wg             sync.WaitGroup // every goroutine of the connection
	sessionID      string
	initMsg        []byte           // the initialize request, kept for re-initialising
	initializedMsg []byte           // the notifications/initialized, likewise
	inflight       map[string]*post // requests whose POST runs, by raw id
	legacy         string           // the HTTP+SSE POST endpoint once fallen back
	switching      chan struct{}    // non-nil while the fallback runs; closed when it ends
	getCancel      context.CancelFunc
	getFor         string        // the session id the GET stream was opened for
	getOpened      chan struct{} // closed once that stream was first answered

	reinitMu   sync.Mutex    // one re-initialisation at a time
	reinitDone chan struct{} // non-nil while one runs; closed when it ends

	closeOnce sync.Once
}

// item is one entry of the read queue: a message or a request's failure.
type item struct {
	data []byte
	err  error
}

// queueSize lets POST goroutines hand over messages without waiting for the
// reader in the usual case; beyond it they wait, which slows a flooding
// server instead of growing memory.
const queueSize = 16

// Open returns a connection to cfg.URL. It performs no I/O: the first Write
// sends the first POST. It fails only for an invalid URL.
func Open(cfg Config) (*Conn, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: http connect: invalid URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mcpclient: http connect: URL %q is not an absolute http or https URL", redact(u))
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		cfg.CloseIdle = true
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = DefaultCloseTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tmpl, err := http.NewRequest(http.MethodPost, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: http connect: invalid URL: %w", err)
	}
	life, cancel := context.WithCancelCause(context.Background())
	return &Conn{
		post:     tmpl,
		cfg:      cfg,
		url:      u,
		urlStr:   u.String(),
		client:   cfg.Client,
		log:      log.With("url", redact(u)),
		limit:    cfg.MaxMessageBytes,
		life:     life,
		cancel:   cancel,
		queue:    make(chan item, queueSize),
		failed:   make(chan struct{}),
		inflight: make(map[string]*post),
	}, nil
}

// SetResponseHandler makes f the receiver of responses that arrive alone
// or first on their stream: the JSON body of a POST, or the first event of
// its event stream. f runs on the goroutine that read the response, for
// many responses at once. f decodes the message and returns false when it
// is malformed; the message is then skipped and its request fails as
// having no answer, so the connection does not check it beforehand.
// Everything else (notifications, server requests, responses after other
// messages of their stream) keeps its order through Read. valid judges, as
// f would, a response that goes through Read: one it rejects is skipped
// rather than taken as its request's answer, which would leave the request
// waiting for nothing. It must be called before the first Write.
func (c *Conn) SetResponseHandler(f, valid func(data []byte) bool) {
	c.onResponse, c.validResponse = f, valid
}

// SetReadNotify makes f the signal that Read (or TryRead) has something to
// return: a message, a request's failure, or the end of the connection. It
// lets a session read only when there is something to read instead of
// keeping a goroutine waiting in Read for the life of an idle connection.
// f must not block; it is called from any goroutine, also after Close has
// begun. It must be called before the first Write.
func (c *Conn) SetReadNotify(f func()) { c.notify = f }

// TryRead is Read without waiting: ok is false when there is nothing to
// return yet.
func (c *Conn) TryRead() (data []byte, err error, ok bool) {
	select {
	case it := <-c.queue:
		return it.data, it.err, true
	default:
	}
	select {
	case <-c.failed:
		return nil, c.failErr, true
	case <-c.life.Done():
		return nil, ErrClosed, true
	default:
		return nil, nil, false
	}
}

// Readable reports whether TryRead would return something.
func (c *Conn) Readable() bool {
	if len(c.queue) > 0 {
		return true
	}
	select {
	case <-c.failed:
		return true
	case <-c.life.Done():
		return true
	default:
		return false
	}
}

// signal tells a notified reader that Read has something to return.
func (c *Conn) signal() {
	if c.notify != nil {
		c.notify()
	}
}

// SetProtocolVersion sets the revision sent as MCP-Protocol-Version on every
// later request that does not name its own in _meta. From 2026-07-28 on it
// also switches the connection to the stateless era.
func (c *Conn) SetProtocolVersion(v string) { c.version.Store(&v) }

// ProtocolVersion returns the revision set by SetProtocolVersion.
func (c *Conn) ProtocolVersion() string {
	if p := c.version.Load(); p != nil {
		return *p
	}
	return ""
}

// SessionID returns the Mcp-Session-Id in use, empty when there is none.
func (c *Conn) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

// Legacy reports whether the connection fell back to HTTP+SSE.
func (c *Conn) Legacy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.legacy != ""
}

// Read returns the next message from the server. The slice belongs to the
// caller. An error implementing RequestID() []byte (a *[RequestError])
// concerns one request and the connection goes on; any other error ends it:
// ErrClosed after Close, or why the HTTP+SSE stream ended.
func (c *Conn) Read(ctx context.Context) ([]byte, error) {
	select {
	case it := <-c.queue:
		return it.data, it.err
	default:
	}
	select {
	case it := <-c.queue:
		return it.data, it.err
	case <-c.failed:
		// Hand over what arrived before the end first.
		select {
		case it := <-c.queue:
			return it.data, it.err
		default:
		}
		return nil, c.failErr
	case <-c.life.Done():
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Write sends one JSON-RPC message, which it does not retain. For a request
// it returns once the POST has started; the answer or the POST's failure
// comes through Read. Notifications and responses are sent before Write
// returns, and their failure is Write's error. A notifications/cancelled
// also aborts the POST of the request it names.
func (c *Conn) Write(ctx context.Context, msg []byte) error {
	body, m, err := peekCopy(ctx, msg)
	if err != nil {
		return err
	}
	if m.Kind == KindNotification && m.Method == "notifications/cancelled" {
		// Before the headers: the abort must not wait for them.
		return c.cancelRequest(ctx, body, m)
	}
	h, err := c.ready(ctx)
	if err != nil {
		return err
	}
	o := &outgoing{body: body, msg: m, header: h}

	switch {
	case m.Kind == KindRequest:
		if m.Method == "initialize" {
			c.mu.Lock()
			c.initMsg = body
			c.mu.Unlock()
			// A session that falls back from the modern era starts
			// over: the handshake is legacy by definition.
			if isModern(c.ProtocolVersion()) {
				c.SetProtocolVersion("")
			}
		}
		return c.startRequest(ctx, o)
	case m.Method == "notifications/initialized":
		c.mu.Lock()
		c.initializedMsg = body
		c.mu.Unlock()
	}
	return c.postSync(ctx, o)
}

// peekCopy returns a copy of an outgoing message and what Peek finds in it.
// The copy is the connection's: net/http may still be writing a body after
// the response has come, when the caller has its msg back.
func peekCopy(ctx context.Context, msg []byte) ([]byte, Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, Message{}, err
	}
	body := bytes.Clone(msg)
	m, err := Peek(body)
	if err != nil || m.Kind == KindInvalid {
		return nil, Message{}, fmt.Errorf("mcpclient: http write: not a JSON-RPC message")
	}
	return body, m, nil
}

// ready waits out a fallback in progress and returns the caller's headers
// for a message about to be sent.
func (c *Conn) ready(ctx context.Context) (http.Header, error) {
	if err := c.awaitSwitch(ctx); err != nil {
		return nil, err
	}
	return c.callerHeader(ctx)
}

// awaitSwitch holds a Write while the HTTP+SSE fallback decides where
// messages go.
func (c *Conn) awaitSwitch(ctx context.Context) error {
	for {
		c.mu.Lock()
		sw, closed := c.switching, c.closed
		c.mu.Unlock()
		if closed {
			return ErrClosed
		}
		if sw == nil {
			return nil
		}
		select {
		case <-sw:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.life.Done():
			return ErrClosed
		}
	}
}

// Close ends the connection: it aborts every POST and stream, sends DELETE
// for a session of the initialize era (bounded by CloseTimeout), and waits
// for every goroutine. It is idempotent and always returns nil: a failed
// DELETE is only logged, since the server forgets idle sessions anyway.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		sid, legacy := c.sessionID, c.legacy != ""
		c.mu.Unlock()
		// life ends first, so that the POSTs aborted below see the
		// connection closed and report nothing of their own.
		c.cancel(ErrClosed)
		// POSTs carried by Exchange run on their callers' goroutines,
		// outside life: end them here (the others end with life).
		c.mu.Lock()
		for _, p := range c.inflight {
			p.cancel(ErrClosed)
		}
		c.mu.Unlock()
		c.signal()
		if sid != "" && !legacy && !isModern(c.ProtocolVersion()) {
			c.deleteSession(sid)
		}
		c.wg.Wait()
		if c.cfg.CloseIdle {
			c.client.CloseIdleConnections()
		}
	})
	return nil
}

func (c *Conn) deleteSession(sid string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CloseTimeout)
	defer cancel()
	h, err := c.callerHeader(ctx)
	if err != nil {
		c.log.Debug("session not deleted", "err", err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.urlStr, nil)
	if err != nil {
		return
	}
	req.Header = h
	c.protocolHeaders(h, c.ProtocolVersion(), sid)
	resp, err := c.client.Do(req)
	if err != nil {
		c.log.Debug("session not deleted", "err", err)
		return
	}
	drain(resp.Body)
	c.log.Debug("session deleted", "status", resp.StatusCode)
}

// spawn runs f in a goroutine owned by the connection, unless Close has
// begun. Adding under mu, which Close takes before it waits, keeps wg.Add
// from racing with wg.Wait.
func (c *Conn) spawn(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// enqueue hands an item to Read; false means the connection closed first.
func (c *Conn) enqueue(it item) bool {
	select {
	case c.queue <- it:
		c.signal()
		return true
	case <-c.life.Done():
		return false
	}
}

// fail ends the connection on the server's side: Read returns err once the
// queue is empty.
func (c *Conn) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
		c.signal()
	})
}

// sleep waits d, reporting false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// firstModern is the first revision of the stateless era.
const firstModern = "2026-07-28"

// isModern reports whether revision v belongs to the stateless era.
// Revisions are dates, which compare as strings.
func isModern(v string) bool {
	return len(v) == len(firstModern) && v >= firstModern
}
