package fakemodel

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// defaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is unset.
const defaultMaxBodyBytes = 32 << 20

// Server is a fake OpenAI-compatible chat model; it implements http.Handler.
// Create one with New; the zero value behaves like New(Options{}). A Server is
// safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex
	next      int             // index of the next unused script step
	rng       *rand.Rand      // created on first use when nil
	chats     int             // authenticated chat requests, for RateLimit
	requests  []*Request      // every chat request received, in order
	reasoning map[string]bool // tool-call ids sent in a reply that had reasoning_content
}

// New returns a Server configured by opts. It copies opts.Script (including the
// step headers), so later changes to the caller's slice have no effect.
func New(opts Options) *Server {
	script := make([]Step, len(opts.Script))
	for i, st := range opts.Script {
		st.Header = st.Header.Clone()
		script[i] = st
	}
	opts.Script = script
	if opts.RateLimit != nil {
		rl := *opts.RateLimit
		opts.RateLimit = &rl
	}
	return &Server{opts: opts, rng: opts.Rand}
}

// Requests returns copies of every chat completion request received, in arrival
// order, including those answered with an error (a malformed one has only Raw
// and Header set). It returns nil when Options.DisableRecording is set.
func (s *Server) Requests() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == nil {
		return nil
	}
	out := make([]*Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = cloneRequest(r)
	}
	return out
}

// ServeHTTP answers POST /v1/chat/completions and GET /v1/models, with or
// without the /v1 prefix; anything else gets 404 or 405 in OpenAI's error shape.
//
// A chat request whose body exceeds the limit gets 413 and is not recorded.
// Others are recorded, then checked in this order: API key (401), rate limit
// (429), JSON syntax (400, code "invalid_json"), then the rules below (400,
// type "invalid_request_error", code "invalid_request"). An accepted request is
// delayed by Latency and answered by the next Step or the Brain.
//
// The rules: model and messages are non-empty; stream_options comes only with
// stream; roles are system, developer, user, assistant or tool; tools have type
// "function" and unique names matching ^[a-zA-Z0-9_-]{1,64}$, and their
// parameters are a JSON object with "type":"object" in which, at any depth,
// "required" is an array of strings and every array schema has "items";
// tool_choice comes only with tools and is "none", "auto", "required" or names
// an offered function; content parts are objects with a type, and image_url
// parts appear only in user messages (MsgImageNotUser); only assistant messages
// carry tool_calls, each with an id unique in its message, type "function" and
// a name; each assistant message with tool_calls is followed, before the next
// non-tool message, by exactly one tool message per call id in any order, and
// every tool message answers such a call; assistant messages after the last
// user message keep the reasoning_content this server sent along with any of
// their tool-call ids (MsgReasoningRequired; the latest reply that used an id
// decides).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/chat/completions", "/chat/completions":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, nil, "method_not_allowed", "use POST for "+r.URL.Path)
			return
		}
		s.serveChat(w, r)
	case "/v1/models", "/models":
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, nil, "method_not_allowed", "use GET for "+r.URL.Path)
			return
		}
		if !s.authorized(r) {
			writeUnauthorized(w)
			return
		}
		s.serveModels(w)
	default:
		writeError(w, http.StatusNotFound, nil, "unknown_url", "unknown path "+r.URL.Path)
	}
}

func (s *Server) model() string {
	if s.opts.Model == "" {
		return DefaultModel
	}
	return s.opts.Model
}

func (s *Server) authorized(r *http.Request) bool {
	return s.opts.RequireAuth == "" || r.Header.Get("Authorization") == "Bearer "+s.opts.RequireAuth
}

func writeUnauthorized(w http.ResponseWriter) {
	writeError(w, http.StatusUnauthorized, nil, "invalid_api_key", "incorrect or missing API key")
}

func (s *Server) serveModels(w http.ResponseWriter) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	body, _ := json.Marshal(struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{"list", []model{{ID: s.model(), Object: "model", OwnedBy: "fakemodel"}}})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(body, '\n'))
}

// serveChat runs the checks in the order a provider would: authentication and
// rate limiting before judging the body, validation before any work, so that
// rejected requests cost no script step and no latency.
func (s *Server) serveChat(w http.ResponseWriter, r *http.Request) {
	limit := s.opts.MaxBodyBytes
	if limit <= 0 {
		limit = defaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			writeError(w, http.StatusRequestEntityTooLarge, nil, "request_too_large",
				"request body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
			return
		}
		writeError(w, http.StatusBadRequest, nil, "invalid_body", "could not read the request body")
		return
	}
	req, decodeErr := decodeRequest(body, r.Header)
	s.record(req)
	if !s.authorized(r) {
		writeUnauthorized(w)
		return
	}
	if s.rateLimited() {
		writeError(w, http.StatusTooManyRequests, s.retryHeaders(), "rate_limit_exceeded", "rate limit reached; retry later")
		return
	}
	if decodeErr != nil {
		writeError(w, http.StatusBadRequest, nil, "invalid_json", "could not parse the JSON body: "+decodeErr.Error())
		return
	}
	msg := checkRequest(req)
	if msg == "" {
		msg = s.checkReasoning(req.Messages)
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, nil, "invalid_request", msg)
		return
	}
	if !sleepContext(r.Context(), s.latency()) {
		return
	}
	s.reply(w, r, req, s.nextStep())
}

func (s *Server) record(req *Request) {
	if s.opts.DisableRecording {
		return
	}
	c := cloneRequest(req)
	s.mu.Lock()
	s.requests = append(s.requests, c)
	s.mu.Unlock()
}

func (s *Server) rateLimited() bool {
	rl := s.opts.RateLimit
	if rl == nil || rl.Every < 1 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats++
	return s.chats%rl.Every == 0
}

func (s *Server) retryHeaders() http.Header {
	d := s.opts.RateLimit.RetryAfter
	if d <= 0 {
		return nil
	}
	h := http.Header{}
	h.Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	h.Set("retry-after-ms", strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10))
	return h
}

func (s *Server) latency() time.Duration {
	if s.opts.Latency == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Latency()
}

// nextStep takes the next script step, or a zero Step (Brain answers) once
// the script is exhausted.
func (s *Server) nextStep() Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= len(s.opts.Script) {
		return Step{}
	}
	st := s.opts.Script[s.next]
	s.next++
	return st
}

// checkReasoning enforces, for assistant messages after the last user
// message, that reasoning_content sent along with tool calls is replayed.
func (s *Server) checkReasoning(msgs []RequestMessage) string {
	last := -1
	for i, m := range msgs {
		if m.Role == "user" {
			last = i
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs[last+1:] {
		if m.Role != "assistant" || m.ReasoningContent != "" {
			continue
		}
		for _, tc := range m.ToolCalls {
			if s.reasoning[tc.ID] {
				return MsgReasoningRequired
			}
		}
	}
	return ""
}

// remember notes which tool-call ids were sent with reasoning_content. Ids
// are reused across replies (DemoBrain numbers them per request), so the
// latest reply using an id decides.
func (s *Server) remember(msg *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tc := range msg.ToolCalls {
		if msg.ReasoningContent == "" {
			delete(s.reasoning, tc.ID)
			continue
		}
		if s.reasoning == nil {
			s.reasoning = map[string]bool{}
		}
		s.reasoning[tc.ID] = true
	}
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID returns prefix followed by n random characters from the server's
// generator.
func (s *Server) newID(prefix string, n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng == nil {
		s.rng = clockRand()
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[s.rng.IntN(len(idAlphabet))]
	}
	return prefix + string(b)
}
