package oauth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
)

// authNeed says why a flow runs.
type authNeed struct {
	target *url.URL
	ch     oauthChallenge
	// sent is the token the failed request carried; nil when none.
	sent *Token
	// stepUp asks for more scope after a 403 insufficient_scope.
	stepUp bool
	// refreshOnly refreshes an expired token before a request, reusing the
	// last discovery; it never starts a new authorization.
	refreshOnly bool
}

// errRefreshOnly ends a refreshOnly flow that found nothing to refresh.
var errRefreshOnly = errors.New("mcpclient: oauth: token cannot be refreshed")

// flow obtains a token for s: from a flow that finished meanwhile, from the
// store, by refreshing, or through the configured grant.
func (t *Transport) flow(ctx context.Context, s *server, need authNeed) error {
	s.mu.Lock()
	cur, disc, requested := s.token, s.disc, s.requested
	s.mu.Unlock()
	if cur != nil && cur != need.sent && !cur.expired(t.now()) && (!need.stepUp || coveredBy(need.ch.scope, cur.Scope)) {
		return nil
	}

	// A 401 always means a new discovery: the resource may have moved to
	// another authorization server. A step-up or a refresh reuses the last.
	d := disc
	if d == nil || !(need.stepUp || need.refreshOnly) {
		var err error
		if d, err = t.f.discover(ctx, need.target, need.ch); err != nil {
			return err
		}
	}
	if disc != nil && disc.issuer != d.issuer {
		t.logger.Info("oauth authorization server changed", "from", disc.issuer, "to", d.issuer)
	}
	rec, err := t.store.Load(ctx, d.issuer)
	if err != nil {
		return err
	}
	rec = cloneRecord(rec)
	c, registered, err := t.client(ctx, d, rec)
	if err != nil {
		return err
	}
	if registered {
		rec.Client = c
		if err := t.store.Save(ctx, d.issuer, rec); err != nil {
			return err
		}
	}

	if !need.stepUp {
		done, err := t.reuse(ctx, s, d, c, rec, need)
		if done || err != nil {
			return err
		}
		if need.refreshOnly {
			return errRefreshOnly
		}
	}

	scope := t.cfg.Scope
	switch {
	case need.stepUp:
		prior := requested
		if prior == "" && need.sent != nil {
			prior = need.sent.Scope
		}
		scope = unionScope(withoutOfflineAccess(prior), need.ch.scope)
	case scope == "":
		scope = initialScope(need.ch.scope, d.prm)
	}
	grant := t.cfg.grant()
	if grant == GrantAuthorizationCode && !t.cfg.DisableOfflineAccess {
		scope = withOfflineAccess(scope, d.as)
	}
	dpop := t.wantDPoP(d, need.ch)

	var tok *Token
	switch grant {
	case GrantAuthorizationCode:
		tok, err = t.authorizationCode(ctx, d, c, scope, dpop)
	case GrantClientCredentials:
		form := url.Values{"grant_type": {string(grant)}}
		setScope(form, scope)
		tok, err = t.tokenRequest(ctx, d, c, form, "token", scope, dpop)
	case GrantJWTBearer:
		tok, err = t.jwtBearer(ctx, d, c, scope, dpop)
	default:
		err = fmt.Errorf("mcpclient: oauth: unsupported grant %q", grant)
	}
	if err != nil {
		return err
	}
	t.logger.Info("oauth token obtained", "issuer", d.issuer, "resource", d.resource, "token", tok)
	return t.keep(ctx, s, d, rec, tok, scope)
}

// reuse tries the stored token of the resource, then a refresh of it. done
// is true when s has a token again. A refresh refused by the server is not
// an error: the flow goes on to a new authorization.
func (t *Transport) reuse(ctx context.Context, s *server, d *discovery, c *Client, rec *Record, need authNeed) (done bool, err error) {
	stored := rec.Tokens[d.resource]
	if stored == nil || !t.boundToOurKey(stored) {
		return false, nil
	}
	if (need.sent == nil || stored.AccessToken != need.sent.AccessToken) && !stored.expired(t.now()) {
		return true, t.keep(ctx, s, d, rec, stored, stored.Scope)
	}
	if stored.RefreshToken == "" {
		return false, nil
	}
	tok, err := t.refresh(ctx, d, c, stored)
	if err == nil {
		t.logger.Debug("oauth token refreshed", "issuer", d.issuer, "resource", d.resource)
		return true, t.keep(ctx, s, d, rec, tok, tok.Scope)
	}
	var te *TokenError
	if !errors.As(err, &te) {
		return false, err
	}
	t.logger.Info("oauth refresh refused; authorizing again", "issuer", d.issuer, "err", err)
	delete(rec.Tokens, d.resource)
	return false, t.store.Save(ctx, d.issuer, rec)
}

// keep stores tok as the token of the resource and makes it s's.
func (t *Transport) keep(ctx context.Context, s *server, d *discovery, rec *Record, tok *Token, scope string) error {
	rec.Tokens[d.resource] = tok
	if err := t.store.Save(ctx, d.issuer, rec); err != nil {
		return err
	}
	s.mu.Lock()
	s.disc, s.token, s.requested = d, tok, scope
	s.mu.Unlock()
	return nil
}

// boundToOurKey reports whether tok can be presented: a Bearer token, or a
// DPoP token bound to this Transport's key.
func (t *Transport) boundToOurKey(tok *Token) bool {
	if tok.TokenType != "DPoP" {
		return true
	}
	d, err := t.dpopSigner()
	return err == nil && d.thumb == tok.DPoPKeyThumbprint
}

// wantDPoP decides whether to ask for a DPoP-bound token: when configured,
// or when the resource asks for one, and only from an authorization server
// that accepts one of the key's algorithms.
func (t *Transport) wantDPoP(d *discovery, ch oauthChallenge) bool {
	wanted := t.cfg.DPoP || t.cfg.DPoPKey != nil || ch.dpop || (d.prm != nil && d.prm.DPoPBoundAccessTokensRequired)
	if !wanted {
		return false
	}
	signer, err := t.dpopSigner()
	if err != nil {
		t.logger.Warn("oauth DPoP key unusable; using bearer tokens", "err", err)
		return false
	}
	return signer.usableWith(d.as.DPoPSigningAlgValuesSupported)
}

// jwtBearer runs the JWT bearer grant (RFC 7523 section 2.1) with the
// assertion of Config.Assertion.
func (t *Transport) jwtBearer(ctx context.Context, d *discovery, c *Client, scope string, dpop bool) (*Token, error) {
	if t.cfg.Assertion == nil {
		return nil, errors.New("mcpclient: oauth: the JWT bearer grant needs Config.Assertion")
	}
	assertion, err := t.cfg.Assertion(ctx, AssertionRequest{
		Issuer:        d.issuer,
		TokenEndpoint: d.as.TokenEndpoint,
		Resource:      d.resource,
		Scope:         scope,
		HTTPClient:    t.noRedirectClient(),
	})
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth assertion: %w", err)
	}
	form := url.Values{"grant_type": {string(GrantJWTBearer)}, "assertion": {assertion}}
	setScope(form, scope)
	return t.tokenRequest(ctx, d, c, form, "token", scope, dpop)
}

// noRedirectClient is an *http.Client over the base round tripper that
// follows no redirect.
func (t *Transport) noRedirectClient() *http.Client {
	return &http.Client{
		Transport:     t.base,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func setScope(form url.Values, scope string) {
	if scope != "" {
		form.Set("scope", scope)
	}
}

// cloneRecord returns a copy of r that the flow may change; a nil r gives
// an empty record.
func cloneRecord(r *Record) *Record {
	out := &Record{Tokens: map[string]*Token{}}
	if r == nil {
		return out
	}
	out.Client = r.Client
	maps.Copy(out.Tokens, r.Tokens)
	return out
}
