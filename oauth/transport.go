package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Transport is an http.RoundTripper that authorizes requests to
// OAuth-protected MCP servers, as the MCP authorization spec describes.
//
// A request goes out as it is until the server at its origin answers 401.
// Then the Transport discovers the server's authorization server, registers
// a client if needed, obtains a token (refreshing a stored one when it can,
// else through the configured grant) and sends the request again, once,
// with "Authorization: Bearer" (or DPoP, with a proof). From then on every
// request to that origin carries the token; an expired one is refreshed
// first. A 403 with error="insufficient_scope" starts a step-up
// authorization for the union of the scopes requested before and the
// challenged ones, at most Config.MaxStepUps times per request.
//
// Tokens go only to the origin (scheme, host and port) of the server they
// were obtained for, never into a URL or a log. A request with a body must
// be replayable for the retry: it needs GetBody (http.NewRequest sets it
// for in-memory bodies), or its body is read into memory first.
//
// Errors of the authorization (refused metadata, a failed sign-in, a token
// endpoint error) are returned by RoundTrip and match the package's Err
// values or *TokenError with errors.Is and errors.As. A Transport is safe
// for concurrent use; one authorization runs at a time per server, and
// requests that meet a 401 meanwhile wait for it. Close ends authorizations
// still running.
type Transport struct {
	cfg    Config
	base   http.RoundTripper
	f      *fetcher
	store  TokenStore
	logger *slog.Logger
	now    func() time.Time

	dpopOnce sync.Once
	dpop     *dpopSigner
	dpopErr  error

	// ctx is the parent of every flow; cancel, called by Close, ends them.
	ctx    context.Context
	cancel context.CancelFunc
	flows  sync.WaitGroup

	mu      sync.Mutex
	servers map[string]*server // by origin
	closed  bool               // set by Close; no flow starts after
	// boundIssuer is the issuer the pre-registered client was first used
	// with, when Config.ClientIssuer does not say.
	boundIssuer string
}

// server is what the Transport knows about the protected resource at one
// origin.
type server struct {
	mu        sync.Mutex
	disc      *discovery
	token     *Token
	requested string  // the scope of the last authorization
	flight    *flight // the authorization in progress, if any
}

// flight is one authorization in progress for a server.
type flight struct {
	done chan struct{} // closed by the flow's goroutine when it ends
	err  error         // written before done is closed
}

// errClosed is returned for a request that needs an authorization after
// Close.
var errClosed = errors.New("mcpclient: oauth: transport closed")

// discardLogger drops everything.
var discardLogger = slog.New(slog.DiscardHandler)

// NewTransport returns a Transport configured by cfg, which is copied; nil
// means the zero Config. A configuration mistake (such as a missing
// Authorize hook) surfaces as an error of the first request that needs an
// authorization.
func NewTransport(cfg *Config) *Transport {
	t := &Transport{servers: map[string]*server{}, now: time.Now}
	if cfg != nil {
		t.cfg = *cfg
	}
	t.base = t.cfg.Base
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	t.logger = t.cfg.Logger
	if t.logger == nil {
		t.logger = discardLogger
	}
	t.store = t.cfg.Store
	if t.store == nil {
		t.store = &MemoryStore{}
	}
	t.f = &fetcher{base: t.base, logger: t.logger}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

// Close ends the authorizations in progress and waits for them. The
// Transport still sends requests afterwards, but no longer authorizes. Close
// is idempotent and always returns nil.
func (t *Transport) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.cancel()
	t.flows.Wait()
	return nil
}

func (t *Transport) server(u *url.URL) *server {
	key := origin(u)
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.servers[key]
	if s == nil {
		s = &server{}
		t.servers[key] = s
	}
	return s
}

func (s *server) current() *Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// maxRounds bounds the exchanges of one RoundTrip, whatever the servers
// answer: a first try, a retry after authorization, a DPoP nonce retry,
// step-ups and retries after authorizations other requests ran.
const maxRounds = 8

// RoundTrip implements http.RoundTripper: it sends req with the origin's
// token, authorizing first when the server asks for it, as the Transport
// documentation describes. It returns the server's response, or an error
// of the base round tripper or of the authorization. req is not changed;
// its body is closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	getBody, buffered, err := replayable(req)
	if err != nil {
		return nil, err
	}
	s := t.server(req.URL)
	var authorized, nonceRetried bool
	stepUps := 0
	for round := 0; ; round++ {
		r := req.Clone(ctx)
		if getBody != nil && (round > 0 || buffered) {
			if r.Body, err = getBody(); err != nil {
				return nil, fmt.Errorf("mcpclient: oauth: replay request body: %w", err)
			}
		}
		tok, err := t.usableToken(ctx, s, req.URL)
		if err == nil && tok != nil {
			err = t.setAuthorization(r, tok)
		}
		if err != nil {
			closeBody(r)
			return nil, err
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if tok != nil && tok.TokenType == "DPoP" {
			if d, _ := t.dpopSigner(); d != nil {
				d.setNonce(req.URL, resp.Header.Get("DPoP-Nonce"))
			}
		}
		if round+1 >= maxRounds || (resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden) {
			return resp, nil
		}
		ch := readChallenge(resp.Header)
		need := authNeed{target: req.URL, ch: ch, sent: tok}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && ch.other:
			// Another scheme than OAuth's (Basic, Negotiate).
			return resp, nil
		case resp.StatusCode == http.StatusUnauthorized && tok != nil && tok.TokenType == "DPoP" &&
			ch.err == "use_dpop_nonce" && resp.Header.Get("DPoP-Nonce") != "" && !nonceRetried:
			// RFC 9449 section 9: the resource wants a nonce in the proof.
			nonceRetried = true
			discard(resp)
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			if authorized {
				return resp, nil
			}
		case ch.err == "insufficient_scope" && tok != nil && ch.scope != "" && stepUps < t.cfg.maxStepUps():
			if coveredBy(ch.scope, tok.Scope) {
				// The token already holds what the server asks for; a new
				// authorization would get the same token again.
				return resp, nil
			}
			stepUps++
			need.stepUp = true
		default:
			return resp, nil
		}
		discard(resp)
		own, err := t.authorize(ctx, s, need)
		if err != nil {
			return nil, err
		}
		if own && !need.stepUp {
			authorized = true
		}
	}
}

// setAuthorization puts tok on r: a Bearer header, or a DPoP header with a
// fresh proof bound to the token.
func (t *Transport) setAuthorization(r *http.Request, tok *Token) error {
	if tok.TokenType != "DPoP" {
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return nil
	}
	d, err := t.dpopSigner()
	if err != nil {
		return err
	}
	proof, err := d.proof(r.Method, r.URL, tok.AccessToken, nil)
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", "DPoP "+tok.AccessToken)
	r.Header.Set("DPoP", proof)
	return nil
}

// usableToken returns the token for s, refreshing it first when it has
// expired. An expired token that cannot be refreshed is dropped: the
// request goes without one and its 401 starts a new authorization.
func (t *Transport) usableToken(ctx context.Context, s *server, target *url.URL) (*Token, error) {
	tok := s.current()
	if tok == nil || !tok.expired(t.now()) {
		return tok, nil
	}
	if tok.RefreshToken != "" {
		if _, err := t.authorize(ctx, s, authNeed{target: target, sent: tok, refreshOnly: true}); err == nil {
			if cur := s.current(); cur != nil && !cur.expired(t.now()) {
				return cur, nil
			}
		} else if ctx.Err() != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	if s.token == tok {
		s.token = nil
	}
	s.mu.Unlock()
	return nil, nil
}

// authorize runs need as the flow of s, or waits for the flow already in
// progress. own is false when it waited for another request's flow; the
// caller then simply retries with whatever token that flow left. The flow
// runs under the Transport's context with its own deadline, not under the
// request's, so that a request giving up does not waste a sign-in.
func (t *Transport) authorize(ctx context.Context, s *server, need authNeed) (own bool, err error) {
	s.mu.Lock()
	f := s.flight
	if f == nil {
		// Under t.mu, so that no flow is added while Close waits.
		t.mu.Lock()
		closed := t.closed
		if !closed {
			t.flows.Add(1)
		}
		t.mu.Unlock()
		if closed {
			s.mu.Unlock()
			return true, errClosed
		}
		own = true
		f = &flight{done: make(chan struct{})}
		s.flight = f
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.cfg.flowTimeout())
		stop := context.AfterFunc(t.ctx, cancel)
		go func() {
			defer t.flows.Done()
			defer cancel()
			defer stop()
			err := t.flow(fctx, s, need)
			s.mu.Lock()
			s.flight = nil
			s.mu.Unlock()
			f.err = err
			close(f.done)
		}()
	}
	s.mu.Unlock()

	select {
	case <-f.done:
		return own, f.err
	case <-ctx.Done():
		return own, context.Cause(ctx)
	}
}

// replayable returns a function that yields the request's body for a
// retry, or nil for a request without a body. A body without GetBody is
// read into memory (buffered is then true, and every round, the first
// included, sends a copy): the request itself is not changed.
func replayable(req *http.Request) (getBody func() (io.ReadCloser, error), buffered bool, err error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, false, nil
	}
	if req.GetBody != nil {
		return req.GetBody, false, nil
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, false, fmt.Errorf("mcpclient: oauth: read request body: %w", err)
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, true, nil
}

func closeBody(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// discard drains a little of a response that will not be returned, so that
// its connection can be reused, and closes it.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// dpopSigner returns the Transport's DPoP key, created on first use.
func (t *Transport) dpopSigner() (*dpopSigner, error) {
	t.dpopOnce.Do(func() {
		t.dpop, t.dpopErr = newDPoPSigner(t.cfg.DPoPKey, func() time.Time { return t.now() })
	})
	return t.dpop, t.dpopErr
}
