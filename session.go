package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mcpclient/mcpclient/internal/stdio"
	"github.com/mcpclient/mcpclient/internal/streamable"
)

// Default request timeouts; see [SessionOptions].
const (
	DefaultRequestTimeout    = 60 * time.Second
	DefaultMaxRequestTimeout = 10 * time.Minute
)

// SessionOptions configure a [Session]. The zero value is ready to use.
type SessionOptions struct {
	// Name identifies the server in logs and errors.
	Name string
	// ProtocolVersion pins one revision. Empty means dual-era: probe with
	// server/discover for a modern (2026-07-28) server, fall back to the
	// initialize handshake of a legacy one, and use the newest revision
	// both sides speak. [Session.ProtocolVersion] tells which was chosen.
	ProtocolVersion string
	// DiscoverTimeout bounds the modern probe; a server silent that long is
	// taken for legacy. 0 means DefaultDiscoverTimeout.
	DiscoverTimeout time.Duration
	// LogLevel, on modern sessions, asks the server for log messages of
	// this level and above with every request ("debug", "info", ...).
	// Empty asks for none.
	LogLevel string
	// ClientInfo is sent in the handshake; nil means mcpclient's own.
	ClientInfo *Implementation
	// Logger receives skipped lines, server log messages and session
	// events; nil discards them.
	Logger *slog.Logger

	// RequestTimeout is the default time a request waits for its response;
	// 0 means DefaultRequestTimeout. [CallOptions] can override it.
	RequestTimeout time.Duration
	// MaxRequestTimeout caps a request's total time however often progress
	// resets its timeout; 0 means DefaultMaxRequestTimeout.
	MaxRequestTimeout time.Duration

	// OnToolsChanged is called, in its own goroutine, after the server
	// says its tool list changed. The cached list is already invalidated.
	OnToolsChanged func()
	// OnLog receives the server's notifications/message; nil sends them to
	// Logger.
	OnLog func(LogMessage)
	// OnResourceUpdated receives the URI of every
	// notifications/resources/updated, for resources passed to
	// [Session.Subscribe]. It runs on the session's reader and must not
	// block.
	OnResourceUpdated func(uri string)
	// KeepAlive, when positive, pings a legacy server at this interval
	// and closes the session if a ping goes unanswered for as long; a
	// server without ping is left alone. Modern revisions have no ping.
	KeepAlive time.Duration
	// OnNotification receives notifications the session does not handle
	// itself. It runs on the session's reader and must not block.
	OnNotification func(method string, params json.RawMessage)

	// Handlers for what a server may ask of the client: server-to-client
	// requests of legacy revisions, and the input requests of modern multi
	// round-trip results. Each one set declares the matching capability;
	// one left nil is refused. They may run concurrently and receive a
	// context that ends when the server cancels or the session closes.

	// Roots lists the client's roots (roots/list).
	Roots func(ctx context.Context) ([]Root, error)
	// CreateMessage answers sampling/createMessage with a model's reply.
	CreateMessage func(ctx context.Context, req *CreateMessageRequest) (*CreateMessageResult, error)
	// Elicit asks the user for input (elicitation/create). Form requests
	// come with the schema's defaults already in Default; the accepted
	// content is completed with those defaults. URL requests reach Elicit
	// only after AllowURL consented.
	Elicit func(ctx context.Context, req *ElicitRequest) (*ElicitResult, error)
	// AllowURL is the consent hook for URL-mode elicitation: the user must
	// agree before a URL from a server is opened. nil declines every URL
	// request and does not declare URL support.
	AllowURL func(ctx context.Context, req *ElicitRequest) bool
}

// CallOptions adjust one request. A nil *CallOptions means the defaults.
type CallOptions struct {
	// Timeout replaces the session's RequestTimeout for this request.
	Timeout time.Duration
	// ResetTimeoutOnProgress restarts the timeout whenever the server
	// reports progress, up to MaxTimeout in total.
	ResetTimeoutOnProgress bool
	// MaxTimeout replaces the session's MaxRequestTimeout for this request.
	MaxTimeout time.Duration
	// OnProgress receives the server's progress notifications for this
	// request. It runs on the session's reader and must not block; setting
	// it sends a progress token with the request.
	OnProgress func(Progress)
}

// Session is one connection to one MCP server. It is safe for concurrent
// use: any number of requests may be in flight, matched to their responses
// by id. Close it to end the connection; every goroutine it started ends by
// the time Close returns.
type Session struct {
	name string
	conn Connection
	// exchanger is conn when it can carry requests on the caller's goroutine.
	exchanger exchanger
	// streamer is conn when its stream for server messages opens on demand.
	streamer   serverStreamer
	streamOpen atomic.Bool // openServerStream has run
	opts       SessionOptions
	logger     *slog.Logger

	nextID atomic.Int64

	mu      sync.Mutex
	pending map[int64]*pendingCall
	err     error // why the session ended; nil while it runs

	done    chan struct{} // closed by handleRead when the connection has ended
	reading atomic.Bool   // a drain goroutine runs (see kickReader)
	// readersDone, under mu, stops kickReader from starting goroutines
	// once Close waits for them.
	readersDone bool
	ctx         context.Context               // ends when the session closes; bounds handlers
	cancel      context.CancelFunc            // called by Close
	serverReq   map[string]context.CancelFunc // running handlers by raw request id; guarded by mu
	wg          sync.WaitGroup
	closeOnce   sync.Once
	closeErr    error

	version      string
	modern       bool
	metaFields   atomic.Pointer[[]byte] // modern _meta members, encoded once per change
	level        atomic.Pointer[string] // log level asked of a modern server
	serverInfo   Implementation
	capabilities json.RawMessage
	instructions string

	tools   toolCache
	outputs outputSchemas

	subMu        sync.Mutex
	subURIs      map[string]bool    // resources subscribed on a modern session
	listenCancel context.CancelFunc // ends the current subscriptions/listen request
	listening    bool               // the listen loop runs
}

// pendingCall is a request waiting for its response.
type pendingCall struct {
	method     string
	resp       chan callResult // buffered; receives exactly one result
	onProgress func(Progress)
	progressed chan struct{} // buffered; nudges the waiter to restart its timer
}

type callResult struct {
	result json.RawMessage
	err    error
}

// Connect opens a connection through t and performs the MCP handshake. On
// failure nothing is left running. ctx bounds the connection and handshake
// only; the session lives until Close.
func Connect(ctx context.Context, t Transport, opts *SessionOptions) (*Session, error) {
	var o SessionOptions
	if opts != nil {
		o = *opts
	}
	if o.ProtocolVersion != "" && !isSupportedVersion(o.ProtocolVersion) {
		return nil, &VersionError{Server: o.ProtocolVersion, Supported: SupportedVersions()}
	}
	conn, err := t.Connect(ctx)
	if err != nil {
		return nil, err
	}
	s := newSession(conn, o)
	if err := s.handshake(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func newSession(conn Connection, o SessionOptions) *Session {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxRequestTimeout <= 0 {
		o.MaxRequestTimeout = DefaultMaxRequestTimeout
	}
	if o.DiscoverTimeout <= 0 {
		o.DiscoverTimeout = DefaultDiscoverTimeout
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.Name != "" {
		logger = logger.With("server", o.Name)
	}
	s := &Session{
		name:      o.Name,
		conn:      conn,
		opts:      o,
		logger:    logger,
		pending:   make(map[int64]*pendingCall),
		done:      make(chan struct{}),
		serverReq: make(map[string]context.CancelFunc),
		subURIs:   make(map[string]bool),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if d, ok := conn.(responseHandlerSetter); ok {
		d.SetResponseHandler(s.deliverDirect, validResponse)
	}
	if ex, ok := conn.(exchanger); ok {
		s.exchanger = ex
	}
	if st, ok := conn.(serverStreamer); ok {
		s.streamer = st
		if !s.wantsServerMessages() {
			st.DeferServerStream()
		}
	}
	if r, ok := conn.(notifiedReader); ok {
		r.SetReadNotify(s.kickReader)
	} else {
		s.wg.Add(1)
		go s.readLoop()
	}
	return s
}

// Name returns the name given in SessionOptions.
func (s *Session) Name() string { return s.name }

// ProtocolVersion returns the negotiated protocol revision.
func (s *Session) ProtocolVersion() string { return s.version }

// ServerInfo returns the server's name and version from the handshake.
func (s *Session) ServerInfo() Implementation { return s.serverInfo }

// Capabilities returns the server's capabilities object as sent.
func (s *Session) Capabilities() json.RawMessage { return s.capabilities }

// Instructions returns the server's usage instructions, if it gave any.
func (s *Session) Instructions() string { return s.instructions }

// Done is closed when the connection has ended, by Close or by the server.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the session ended, or nil while it runs.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Session) initialize(ctx context.Context) error {
	want := s.opts.ProtocolVersion
	if want == "" {
		want = legacyVersions()[0]
	}
	params, err := json.Marshal(struct {
		ProtocolVersion string          `json:"protocolVersion"`
		Capabilities    json.RawMessage `json:"capabilities"`
		ClientInfo      Implementation  `json:"clientInfo"`
	}{want, s.capabilitiesJSON(false), s.clientInfo()})
	if err != nil {
		return err
	}
	raw, err := s.call(ctx, "initialize", params, nil)
	if err != nil {
		var re requestError
		if errors.As(err, &re) {
			return err // already names the request
		}
		return fmt.Errorf("mcpclient: initialize: %w", err)
	}
	var res initializeResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("mcpclient: initialize: malformed result: %w", err)
	}
	accepted := contains(legacyVersions(), res.ProtocolVersion)
	if s.opts.ProtocolVersion != "" {
		accepted = res.ProtocolVersion == s.opts.ProtocolVersion
	}
	if !accepted {
		supported := legacyVersions()
		if s.opts.ProtocolVersion != "" {
			supported = []string{s.opts.ProtocolVersion}
		}
		return &VersionError{Server: res.ProtocolVersion, Supported: supported}
	}
	s.version = res.ProtocolVersion
	if vs, ok := s.conn.(versionSetter); ok {
		vs.SetProtocolVersion(res.ProtocolVersion)
	}
	s.serverInfo = res.ServerInfo
	s.capabilities = res.Capabilities
	s.instructions = res.Instructions
	s.logger.Debug("session initialized", "version", s.version, "server_name", res.ServerInfo.Name, "server_version", res.ServerInfo.Version)
	if err := s.notify(ctx, "notifications/initialized", nil); err != nil {
		return err
	}
	if s.opts.KeepAlive > 0 {
		s.keepAlive(s.opts.KeepAlive)
	}
	return nil
}

// versionSetter is implemented by connections that must know the
// negotiated revision, such as HTTP, which sends it as a header.
type versionSetter interface{ SetProtocolVersion(string) }

// Ping checks that the server answers.
func (s *Session) Ping(ctx context.Context) error {
	_, err := s.call(ctx, "ping", nil, nil)
	return err
}

// Request sends a request with any method and decodes its result into
// result, which may be nil to discard it. params may be nil, a
// json.RawMessage, or any value encoding/json accepts. It is the general form
// behind the typed methods, for the parts of MCP they do not cover.
func (s *Session) Request(ctx context.Context, method string, params, result any, opts *CallOptions) error {
	var raw json.RawMessage
	switch p := params.(type) {
	case nil:
	case json.RawMessage:
		raw = p
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("mcpclient: %s: encode params: %w", method, err)
		}
		raw = b
	}
	res, err := s.call(ctx, method, raw, opts)
	if err != nil || result == nil {
		return err
	}
	if err := json.Unmarshal(res, result); err != nil {
		return fmt.Errorf("mcpclient: %s: malformed result: %w", method, err)
	}
	return nil
}

// Notify sends a notification.
func (s *Session) Notify(ctx context.Context, method string, params any) error {
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("mcpclient: %s: encode params: %w", method, err)
		}
		raw = b
	}
	return s.notify(ctx, method, raw)
}

func (s *Session) notify(ctx context.Context, method string, params json.RawMessage) error {
	if err := s.Err(); err != nil {
		return err
	}
	msg := appendRequest(make([]byte, 0, 64+len(params)), -1, method, params)
	if err := s.conn.Write(ctx, msg); err != nil {
		return s.writeError(err)
	}
	return nil
}

// Close ends the session: the connection is closed (for a subprocess: stdin
// closed, then SIGTERM, then SIGKILL, each step bounded), pending requests
// fail with an error matching ErrClosed, and every goroutine of the session
// has ended when Close returns. It is idempotent; later calls return the
// first call's result.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		if s.err == nil {
			s.err = &ConnectionError{Server: s.name, Err: errors.New("session closed by the caller")}
		}
		s.mu.Unlock()
		s.cancel()
		s.closeErr = s.conn.Close()
		if r, ok := s.conn.(notifiedReader); ok {
			// No reading goroutine starts from now on; what the
			// connection still holds, and its end, are read here.
			s.mu.Lock()
			s.readersDone = true
			s.mu.Unlock()
			s.wg.Wait()
			select {
			case <-s.done:
			default:
				s.drainAll(r)
			}
		}
		s.wg.Wait()
	})
	return s.closeErr
}

// writeError turns a failed write into the session's error when the
// connection has ended, which is by far the usual reason.
func (s *Session) writeError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if !connectionGone(err) {
		select {
		case <-s.done:
			if serr := s.Err(); serr != nil {
				return serr
			}
		default:
		}
		// One message failed (an HTTP status for a notification, a
		// header hook's error); the connection goes on.
		return fmt.Errorf("mcpclient: send: %w", err)
	}
	// The reader sees the end at the same moment and knows more: the exit
	// status and the last stderr lines. Give it a moment.
	t := time.NewTimer(250 * time.Millisecond)
	defer t.Stop()
	select {
	case <-s.done:
		if serr := s.Err(); serr != nil {
			return serr
		}
	case <-t.C:
	}
	return &ConnectionError{Server: s.name, Err: err}
}

// connectionGone reports a write error that means the peer's input is
// closed, as opposed to a failure of one message.
func connectionGone(err error) bool {
	return errors.Is(err, stdio.ErrClosed) || errors.Is(err, streamable.ErrClosed) || errors.Is(err, os.ErrClosed) ||
		errors.Is(err, io.ErrClosedPipe) || errors.Is(err, syscall.EPIPE)
}

// failAll ends the session with err and fails every pending request.
func (s *Session) failAll(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	} else {
		err = s.err
	}
	pending := s.pending
	s.pending = make(map[int64]*pendingCall)
	s.mu.Unlock()

	for _, p := range pending {
		p.resp <- callResult{err: err}
	}
}

// moduleVersion is sent as clientInfo.version.
const moduleVersion = "0.1.0"
