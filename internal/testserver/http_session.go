package testserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"
)

// httpSession is one Serve connection behind the HTTP front end. Client
// requests get ids of their own inside the session ("h1", "h2", ...), so
// that answers can be routed back to the HTTP response waiting for them and
// clients of a shared session cannot collide.
type httpSession struct {
	h      *HTTPHandler
	id     string
	mode   HTTPMode
	in     *io.PipeWriter // lines to Serve; safe for concurrent writes
	cancel context.CancelFunc
	ended  chan struct{} // closed when Serve returned and every stream ended

	// standalone carries what answers no request: notifications and
	// server requests (the GET stream), or everything (HTTP+SSE).
	standalone *evStream
	stopOnce   sync.Once

	mu        sync.Mutex
	dead      bool
	pending   map[string]*exchange // by id inside the session
	byClient  map[string]string    // client's raw id → id inside the session
	byToken   map[string]*exchange // progress token → its request
	resumable map[string]*evStream // request streams that GET may resume, by key
	listeners map[*listener]bool   // subscriptions/listen streams (modern)
}

// exchange is one client request waiting for its answer.
type exchange struct {
	clientID json.RawMessage
	internal json.RawMessage
	stream   *evStream
	sse      bool // progress goes on the request's own stream
}

// listener is one subscriptions/listen stream.
type listener struct {
	id     json.RawMessage
	stream *evStream
	tools  bool
}

// newSession starts a Serve connection, or returns nil once the handler is
// closed.
func (h *HTTPHandler) newSession(mode HTTPMode) *httpSession {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	n := strconv.FormatInt(h.ids.Add(1), 10)
	s := &httpSession{
		h:          h,
		id:         "session-" + n,
		mode:       mode,
		in:         inW,
		cancel:     cancel,
		ended:      make(chan struct{}),
		standalone: newStream("session-"+n+"-get", mode == HTTPStreamable, 1000),
		pending:    make(map[string]*exchange),
		byClient:   make(map[string]string),
		byToken:    make(map[string]*exchange),
		resumable:  make(map[string]*evStream),
		listeners:  make(map[*listener]bool),
	}

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		cancel()
		return nil
	}
	if mode == HTTPModern {
		h.modern = s
	} else {
		h.sessions[s.id] = s
	}
	h.wg.Add(2)
	h.mu.Unlock()

	go func() {
		defer h.wg.Done()
		err := h.srv.Serve(ctx, inR, outW)
		if err != nil && !errors.Is(err, context.Canceled) {
			h.log.Debug("testserver: http session ended", "session", s.id, "err", err)
		}
		outW.Close()
		inR.Close()
	}()
	go func() {
		defer h.wg.Done()
		s.readOutput(outR)
		s.die()
	}()
	return s
}

// stop ends the session's Serve call.
func (s *httpSession) stop() {
	s.stopOnce.Do(func() {
		s.in.Close()
		s.cancel()
	})
}

// die runs when Serve has ended: every stream ends, and requests still
// waiting break as they would when a server process dies.
func (s *httpSession) die() {
	s.mu.Lock()
	s.dead = true
	pending := s.pending
	s.pending = map[string]*exchange{}
	s.mu.Unlock()
	for _, ex := range pending {
		ex.stream.end()
	}
	s.standalone.end()
	close(s.ended)
	s.h.endSession(s)
}

// send writes one line to Serve.
func (s *httpSession) send(line []byte) error {
	_, err := s.in.Write(line)
	return err
}

// register makes an exchange for a client request; nil means the session
// is dead.
func (s *httpSession) register(clientID, token json.RawMessage, sse, resumable bool) *exchange {
	n := strconv.FormatInt(s.h.ids.Add(1), 10)
	ex := &exchange{
		clientID: append(json.RawMessage(nil), clientID...),
		internal: json.RawMessage(`"h` + n + `"`),
		sse:      sse,
	}
	if s.mode == HTTPLegacySSE {
		ex.stream = s.standalone
	} else {
		ex.stream = newStream(s.id+"-"+n, s.mode == HTTPStreamable, 0)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return nil
	}
	s.pending[string(ex.internal)] = ex
	s.byClient[string(clientID)] = string(ex.internal)
	if len(token) > 0 && string(token) != "null" {
		s.byToken[string(token)] = ex
	}
	if resumable {
		s.resumable[ex.stream.key] = ex.stream
	}
	return ex
}

// forget drops an exchange whose client left.
func (s *httpSession) forget(ex *exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, string(ex.internal))
	if s.byClient[string(ex.clientID)] == string(ex.internal) {
		delete(s.byClient, string(ex.clientID))
	}
	for tok, e := range s.byToken {
		if e == ex {
			delete(s.byToken, tok)
		}
	}
}

// internalCancel rewrites the params of notifications/cancelled to name the
// request by its id inside the session.
func (s *httpSession) internalCancel(params json.RawMessage) json.RawMessage {
	var p struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil {
		return params
	}
	s.mu.Lock()
	internal, ok := s.byClient[string(p.RequestID)]
	s.mu.Unlock()
	if !ok {
		return params
	}
	return withRequestID(params, json.RawMessage(internal))
}

// cancelExchange tells Serve that a client gave up on a request, as the
// modern era does by closing the stream.
func (s *httpSession) cancelExchange(ex *exchange) {
	s.forget(ex)
	line := append([]byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":`), ex.internal...)
	line = append(line, `,"reason":"stream closed"}}`+"\n"...)
	s.send(line)
}

// lookupStream finds a stream by the key of its event ids.
func (s *httpSession) lookupStream(key string) *evStream {
	if key == s.standalone.key {
		return s.standalone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumable[key]
}

// readOutput routes every line Serve writes until it ends.
func (s *httpSession) readOutput(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			s.route(trimLine(line))
		}
		if err != nil {
			return
		}
	}
}

func trimLine(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// route sends one message of Serve where it belongs: a response to its
// request's stream, progress to the stream of the request it reports on,
// anything else to the session's standalone stream (or, in modern mode, to
// the subscriptions that asked for it).
func (s *httpSession) route(line []byte) {
	if len(line) == 0 {
		return
	}
	var m outMsg
	if err := json.Unmarshal(line, &m); err != nil {
		// Noise faults write lines that are not JSON; HTTP has no place
		// for them.
		return
	}
	switch {
	case m.Method == "" && len(m.ID) > 0:
		s.mu.Lock()
		ex := s.pending[string(m.ID)]
		delete(s.pending, string(m.ID))
		if ex != nil {
			delete(s.byClient, string(ex.clientID))
		}
		for tok, e := range s.byToken {
			if e == ex {
				delete(s.byToken, tok)
			}
		}
		s.mu.Unlock()
		if ex == nil {
			return
		}
		ex.stream.add(sseEvent{data: m.response(ex.clientID, s.mode == HTTPModern)}, s.mode != HTTPLegacySSE)
	case m.Method == "notifications/progress" && m.Params != nil:
		s.mu.Lock()
		ex := s.byToken[string(m.Params.ProgressToken)]
		s.mu.Unlock()
		switch {
		case ex != nil && ex.sse:
			ex.stream.add(sseEvent{data: line}, false)
		case s.mode != HTTPModern:
			s.standalone.add(sseEvent{data: line}, false)
		}
	case s.mode == HTTPModern:
		s.broadcast(m.Method)
	default:
		s.standalone.add(sseEvent{data: line}, false)
	}
}

func (s *httpSession) addListener(l *listener) {
	s.mu.Lock()
	s.listeners[l] = true
	s.mu.Unlock()
}

func (s *httpSession) removeListener(l *listener) {
	s.mu.Lock()
	delete(s.listeners, l)
	s.mu.Unlock()
}

// broadcast delivers a change notification to the subscriptions that asked
// for it, tagged with each subscription's id.
func (s *httpSession) broadcast(method string) {
	if method != "notifications/tools/list_changed" {
		return
	}
	s.mu.Lock()
	var ls []*listener
	for l := range s.listeners {
		if l.tools {
			ls = append(ls, l)
		}
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.stream.add(sseEvent{data: subscriptionMessage(method, l.id, "")}, false)
	}
}

// subscriptionMessage encodes a notification of a subscription; extra, when
// set, is more members of params.
func subscriptionMessage(method string, id json.RawMessage, extra string) []byte {
	b := []byte(`{"jsonrpc":"2.0","method":"` + method + `","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":`)
	b = append(b, id...)
	b = append(b, '}')
	if extra != "" {
		b = append(b, ',')
		b = append(b, extra...)
	}
	return append(b, "}}"...)
}
