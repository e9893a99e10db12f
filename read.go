package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
)

// readLoop owns the connection's read side. It ends when the connection does
// and then fails every pending request, so nothing waits on a dead server.
func (s *Session) readLoop() {
	defer s.wg.Done()
	ctx := context.Background()
	for {
		if s.handleRead(s.conn.Read(ctx)) {
			return
		}
	}
}

// handleRead handles one result of reading the connection and reports
// whether it was the connection's end, after which done is closed and
// nothing more is read.
func (s *Session) handleRead(data []byte, err error) (ended bool) {
	if err == nil {
		s.dispatch(data)
		return false
	}
	var re requestError
	if errors.As(err, &re) {
		s.failOne(re)
		return false
	}
	s.failAll(s.connectionError(err))
	close(s.done)
	return true
}

// notifiedReader is a connection that signals when it has something to read
// (the HTTP transport), so that an idle session keeps no goroutine waiting
// in Read: a goroutine starts when there is something, reads until nothing
// is left, and ends.
type notifiedReader interface {
	SetReadNotify(func())
	TryRead() (data []byte, err error, ok bool)
	Readable() bool
}

// kickReader starts the reading goroutine unless one runs. At most one
// runs at a time, so messages are handled one by one and in order, as by
// readLoop. After the connection's end, reading stays marked as running
// for good, so no goroutine starts once Close may be waiting for them.
func (s *Session) kickReader() {
	if !s.reading.CompareAndSwap(false, true) {
		return
	}
	// Adding under mu, which Close takes before it waits, keeps wg.Add
	// from racing with wg.Wait; after that, Close reads by itself.
	s.mu.Lock()
	if s.readersDone {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go s.drain(s.conn.(notifiedReader))
}

// drainAll reads everything the connection still holds, up to its end,
// on the calling goroutine: Close uses it once no goroutine reads.
func (s *Session) drainAll(r notifiedReader) {
	for {
		data, err, ok := r.TryRead()
		if !ok {
			// A closed connection always has its end to read; this
			// cannot loop for long.
			runtime.Gosched()
			continue
		}
		if s.handleRead(data, err) {
			return
		}
	}
}

// drain reads until the connection has nothing more. Whatever arrives
// after its last look and before it gives up its mark comes with a signal
// that either finds the mark free (and starts a new drain) or finds it
// taken, in which case the second look below sees it.
func (s *Session) drain(r notifiedReader) {
	defer s.wg.Done()
	for {
		for {
			data, err, ok := r.TryRead()
			if !ok {
				break
			}
			if s.handleRead(data, err) {
				return // reading stays marked: the connection has ended
			}
		}
		s.reading.Store(false)
		if !r.Readable() || !s.reading.CompareAndSwap(false, true) {
			return
		}
	}
}

// connectionError describes the end of the connection, with the process's
// exit status and last stderr lines when the transport knows them.
func (s *Session) connectionError(err error) error {
	if errors.Is(err, io.EOF) {
		err = errors.New("server closed its output")
	}
	ce := &ConnectionError{Server: s.name, Err: err}
	if p, ok := s.conn.(interface {
		Exited() <-chan struct{}
		ExitErr() error
	}); ok {
		// The output usually closes just before the exit is reaped; wait a
		// moment for the status, which says more than "EOF".
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-p.Exited():
			if exitErr := p.ExitErr(); exitErr != nil {
				ce.Err = errors.New("server exited: " + exitErr.Error())
			} else {
				ce.Err = errors.New("server exited")
			}
		case <-t.C:
		}
		t.Stop()
	}
	if st, ok := s.conn.(stderrTailer); ok {
		ce.Stderr = st.StderrTail()
	}
	return ce
}

// requestError is a transport error that concerns one request only, such
// as a response over the size limit or an HTTP error status for one POST. The
// connection stays usable. RequestID returns the raw JSON id of the request,
// or nil when the transport could not tell which request it was.
type requestError interface {
	error
	RequestID() []byte
}

// failOne fails the one request a transport error concerns.
func (s *Session) failOne(re requestError) {
	p := s.take(re.RequestID())
	if p == nil {
		s.logger.Warn("transport error for no pending request", "id", string(re.RequestID()), "err", re)
		return
	}
	p.resp <- callResult{err: fmt.Errorf("mcpclient: %s: %w", p.method, re)}
}

// take removes and returns the pending request with the raw id, or nil.
func (s *Session) take(raw []byte) *pendingCall {
	id, ok := requestID(raw)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[id]
	delete(s.pending, id)
	return p
}

// dispatch routes one incoming message. data is only valid during the call.
func (s *Session) dispatch(data []byte) {
	var m message
	if err := decodeMessage(data, &m); err != nil || !m.isValid() {
		// Servers and their launchers print banners and logs to stdout;
		// such lines are not ours to interpret.
		s.logger.Warn("skipped a line that is not a JSON-RPC message", "line", truncate(data, 200))
		return
	}
	switch {
	case m.Method == "":
		s.deliver(&m)
	case m.ID != nil:
		s.wg.Add(1)
		go s.answer(m)
	default:
		s.handleNotification(m.Method, m.Params)
	}
}

// responseHandlerSetter is a connection that can hand responses over from
// the goroutine that read them (the HTTP transport, where every request has
// its own), instead of through Read and the session's reader goroutine.
type responseHandlerSetter interface {
	SetResponseHandler(take, valid func(data []byte) bool)
}

// exchanger is a connection that can carry a request on the caller's
// goroutine until its answer has been delivered (the HTTP transport): see
// streamable.Conn.Exchange. Session.call uses it instead of Write for
// requests other than initialize whose timeout does not restart on
// progress (those keep the simpler path: their deadline moves).
type exchanger interface {
	Exchange(ctx context.Context, msg []byte, watch streamable.Watcher) error
}

// deliverDirect takes a response from a connection's own goroutine. The
// connection has checked that data looks like a response, and sends
// it this way only when nothing on its stream came before it, so the
// response overtakes no progress notification of the same request. It
// declines anything it cannot decode, which then reaches dispatch and its
// logging through Read.
func (s *Session) deliverDirect(data []byte) bool {
	var m message
	if !decodeResponse(data, &m) {
		return false
	}
	s.deliver(&m)
	return true
}

// validResponse reports whether dispatch would take data as a response.
func validResponse(data []byte) bool {
	var m message
	return decodeResponse(data, &m)
}

func decodeResponse(data []byte, m *message) bool {
	return decodeMessage(data, m) == nil && m.isValid() && m.Method == ""
}

// deliver hands a response to the request waiting for it.
func (s *Session) deliver(m *message) {
	p := s.take(m.ID)
	if p == nil {
		// A late answer to an abandoned request, or a peer's mistake.
		s.logger.Debug("response matches no pending request", "id", string(m.ID))
		return
	}
	if m.Error != nil {
		m.Error.Method = p.method
		p.resp <- callResult{err: m.Error}
		return
	}
	p.resp <- callResult{result: m.Result}
}

func (s *Session) handleNotification(method string, params json.RawMessage) {
	switch method {
	case "notifications/progress":
		s.progress(params)
	case "notifications/tools/list_changed":
		s.tools.invalidate()
		if f := s.opts.OnToolsChanged; f != nil {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				f()
			}()
		}
	case "notifications/cancelled":
		s.cancelServerRequest(params)
	case "notifications/resources/updated":
		var p struct {
			URI string `json:"uri"`
		}
		if json.Unmarshal(params, &p) == nil && s.opts.OnResourceUpdated != nil {
			s.opts.OnResourceUpdated(p.URI)
			return
		}
		s.logger.Debug("resource updated", "uri", p.URI)
	case "notifications/message":
		var lm LogMessage
		if err := json.Unmarshal(params, &lm); err != nil {
			s.logger.Debug("malformed log notification", "err", err)
			return
		}
		if s.opts.OnLog != nil {
			s.opts.OnLog(lm)
			return
		}
		s.logger.Info("server log", "level", lm.Level, "logger", lm.Logger, "data", string(lm.Data))
	default:
		if s.opts.OnNotification != nil {
			s.opts.OnNotification(method, params)
			return
		}
		s.logger.Debug("unhandled notification", "method", method)
	}
}

func (s *Session) progress(params json.RawMessage) {
	var pp progressParams
	if err := json.Unmarshal(params, &pp); err != nil {
		s.logger.Debug("malformed progress notification", "err", err)
		return
	}
	id, ok := requestID(pp.ProgressToken)
	if !ok {
		return
	}
	// The hooks are read under the lock: a connection that delivers
	// responses from other goroutines (see deliverDirect) may complete
	// the request and recycle its record while this runs.
	s.mu.Lock()
	p := s.pending[id]
	var onProgress func(Progress)
	var progressed chan struct{}
	if p != nil {
		onProgress, progressed = p.onProgress, p.progressed
	}
	s.mu.Unlock()
	if onProgress != nil {
		onProgress(pp.Progress)
	}
	if progressed != nil {
		select {
		case progressed <- struct{}{}:
		default:
		}
	}
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
