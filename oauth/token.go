package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tokenRequest posts form to the token endpoint of d with the client's
// authentication, the resource parameter and, when dpop is set, a DPoP
// proof. A use_dpop_nonce answer is retried once with the server's nonce.
// op names the request in errors; scope is what was asked for, recorded in
// the token when the server names no scope.
func (t *Transport) tokenRequest(ctx context.Context, d *discovery, c *Client, form url.Values, op, scope string, dpop bool) (*Token, error) {
	endpoint, err := url.Parse(d.as.TokenEndpoint)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth %s: %w", op, err)
	}
	form.Set("resource", d.resource)
	var signer *dpopSigner
	if dpop {
		if signer, err = t.dpopSigner(); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		header := http.Header{}
		// Authentication is rebuilt per attempt: a client assertion must
		// not be sent twice (its jti is single-use).
		if err := t.authenticateClient(c, d, f, header); err != nil {
			return nil, err
		}
		if signer != nil {
			proof, err := signer.proof(http.MethodPost, endpoint, "", d.as.DPoPSigningAlgValuesSupported)
			if err != nil {
				return nil, err
			}
			header.Set("DPoP", proof)
		}
		resp, body, err := t.f.postForm(ctx, endpoint, f, header)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: oauth %s: post %s: %w", op, redactURL(endpoint), err)
		}
		nonce := resp.Header.Get("DPoP-Nonce")
		if signer != nil {
			signer.setNonce(endpoint, nonce)
		}
		if resp.StatusCode != http.StatusOK {
			te := endpointError(op, resp, body)
			if signer != nil && te.Code == "use_dpop_nonce" && nonce != "" && attempt == 0 {
				t.logger.Debug("oauth token endpoint wants a DPoP nonce; retrying", "op", op)
				continue
			}
			return nil, te
		}
		tok, err := parseTokenResponse(body, scope, signer, t.now())
		if err != nil {
			return nil, fmt.Errorf("mcpclient: oauth %s: %w", op, err)
		}
		return tok, nil
	}
}

// authenticateClient adds the client's token endpoint authentication to a
// request (RFC 6749 section 2.3, RFC 7523 section 2.2).
func (t *Transport) authenticateClient(c *Client, d *discovery, form url.Values, header http.Header) error {
	method := c.AuthMethod
	if method == "" {
		method = authNone
		if c.Secret != "" {
			method = authSecretBasic
		}
	}
	switch method {
	case authSecretBasic:
		// RFC 6749 section 2.3.1: both parts are form-encoded first.
		cred := url.QueryEscape(c.ID) + ":" + url.QueryEscape(c.Secret)
		header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
	case authSecretPost:
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	case authPrivateKeyJWT:
		if t.cfg.ClientKey == nil {
			return fmt.Errorf("mcpclient: oauth client authentication: %s needs Config.ClientKey", authPrivateKeyJWT)
		}
		assertion, err := t.clientAssertion(c.ID, d)
		if err != nil {
			return err
		}
		form.Set("client_id", c.ID)
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", assertion)
	default:
		form.Set("client_id", c.ID)
	}
	return nil
}

// clientAssertion signs a private_key_jwt client assertion: the client is
// issuer and subject, and the audience is the authorization server's
// issuer identifier, as RFC 7523bis recommends.
func (t *Transport) clientAssertion(clientID string, d *discovery) (string, error) {
	alg, err := chooseAlg(t.cfg.ClientKey, d.as.TokenEndpointAuthSigningAlgValuesSupported)
	if err != nil {
		return "", err
	}
	now := t.now()
	header := map[string]any{"typ": "JWT"}
	if t.cfg.ClientKeyID != "" {
		header["kid"] = t.cfg.ClientKeyID
	}
	return signJWT(t.cfg.ClientKey, alg, header, map[string]any{
		"iss": clientID,
		"sub": clientID,
		"aud": d.issuer,
		"jti": randomString(18),
		"iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
	})
}

// parseTokenResponse reads a successful token response (RFC 6749 section
// 5.1). A DPoP token is accepted only when signer made the request's proof.
func parseTokenResponse(body []byte, scope string, signer *dpopSigner, now time.Time) (*Token, error) {
	var r struct {
		AccessToken  string          `json:"access_token"`
		TokenType    string          `json:"token_type"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
		Scope        string          `json:"scope"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("malformed token response: %w", err)
	}
	if r.AccessToken == "" {
		return nil, fmt.Errorf("token response without access_token")
	}
	tok := &Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, Scope: r.Scope}
	if tok.Scope == "" {
		tok.Scope = scope
	}
	switch strings.ToLower(r.TokenType) {
	case "bearer":
		tok.TokenType = "Bearer"
	case "dpop":
		if signer == nil {
			return nil, fmt.Errorf("token response of type DPoP to a request without a DPoP proof")
		}
		tok.TokenType = "DPoP"
		tok.DPoPKeyThumbprint = signer.thumb
	default:
		return nil, fmt.Errorf("token response of unsupported token_type %q", r.TokenType)
	}
	if secs, ok := parseExpiresIn(r.ExpiresIn); ok {
		tok.Expiry = now.Add(time.Duration(secs) * time.Second)
	}
	return tok, nil
}

// parseExpiresIn accepts a number or, as some servers send, a string of
// digits.
func parseExpiresIn(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	s := strings.Trim(string(raw), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1e9 {
		return 0, false
	}
	return int64(f), true
}

// refresh exchanges the refresh token of old for a new token (RFC 6749
// section 6). A server that issues no new refresh token leaves the old one
// in force.
func (t *Transport) refresh(ctx context.Context, d *discovery, c *Client, old *Token) (*Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}}
	tok, err := t.tokenRequest(ctx, d, c, form, "refresh", old.Scope, old.DPoPKeyThumbprint != "")
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = old.RefreshToken
	}
	return tok, nil
}
