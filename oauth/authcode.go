package oauth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
)

// authorizationCode runs the authorization code grant with PKCE (S256),
// state, the resource parameter and RFC 9207 issuer validation.
func (t *Transport) authorizationCode(ctx context.Context, d *discovery, c *Client, scope string, dpop bool) (*Token, error) {
	if t.cfg.Authorize == nil {
		return nil, ErrNoAuthorizer
	}
	redirect, err := checkURL(t.cfg.RedirectURL, nil)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth authorize: RedirectURL: %w", err)
	}
	if !d.as.supportsS256() {
		return nil, fmt.Errorf("%w: %s lists code_challenge_methods_supported %q", ErrPKCEUnsupported, d.issuer, d.as.CodeChallengeMethodsSupported)
	}
	if d.as.AuthorizationEndpoint == "" {
		return nil, fmt.Errorf("mcpclient: oauth authorize: %s has no authorization_endpoint: %w", d.issuer, ErrNoMetadata)
	}
	authURL, err := url.Parse(d.as.AuthorizationEndpoint)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth authorize: %w", err)
	}

	verifier := randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(16)
	q := authURL.Query()
	q.Set("response_type", "code")
	q.Set("client_id", c.ID)
	q.Set("redirect_uri", t.cfg.RedirectURL)
	q.Set("code_challenge", b64.EncodeToString(sum[:]))
	q.Set("code_challenge_method", "S256")
	q.Set("state", state)
	q.Set("resource", d.resource)
	if scope != "" {
		q.Set("scope", scope)
	}
	authURL.RawQuery = q.Encode()

	t.logger.Info("oauth authorization needed", "issuer", d.issuer, "authorization_endpoint", redactURL(authURL), "scope", scope)
	back, err := t.cfg.Authorize(ctx, authURL.String())
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth authorize: %w", err)
	}
	code, err := readAuthorizationResponse(back, redirect, state, d)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type":    {string(GrantAuthorizationCode)},
		"code":          {code},
		"redirect_uri":  {t.cfg.RedirectURL},
		"code_verifier": {verifier},
	}
	return t.tokenRequest(ctx, d, c, form, "token", scope, dpop)
}

// readAuthorizationResponse validates the URL the authorization server
// redirected to and returns its code. The issuer is checked first, as RFC
// 9207 section 2.4 requires: a response from another server is refused
// before its error fields are even read. The comparison is exact, without
// any URL normalization.
func readAuthorizationResponse(raw string, redirect *url.URL, state string, d *discovery) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadRedirect, err)
	}
	if origin(u) != origin(redirect) || u.EscapedPath() != redirect.EscapedPath() {
		return "", fmt.Errorf("%w: redirected to %s, not the redirect URI %s", ErrBadRedirect, redactURL(u), redactURL(redirect))
	}
	q := u.Query()
	switch iss, ok := q["iss"]; {
	case ok && (len(iss) != 1 || iss[0] != d.issuer):
		return "", fmt.Errorf("%w: authorization response from iss %q, want %q", ErrIssuerMismatch, iss, d.issuer)
	case !ok && d.as.AuthorizationResponseIssParameterSupported:
		return "", fmt.Errorf("%w: %s promised an iss parameter and sent none", ErrBadRedirect, d.issuer)
	}
	if q.Get("state") != state {
		return "", fmt.Errorf("%w: state does not match", ErrBadRedirect)
	}
	if e := q.Get("error"); e != "" {
		return "", &TokenError{Op: "authorize", Code: e, Description: truncate(q.Get("error_description"), 300)}
	}
	code := q.Get("code")
	if code == "" {
		return "", fmt.Errorf("%w: no code", ErrBadRedirect)
	}
	return code, nil
}
