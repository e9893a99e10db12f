package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// client returns the client to use with the authorization server of d, in
// the spec's order: a pre-registered client, a client ID metadata document
// when the server supports them, a client registered earlier (from rec),
// and a new dynamic registration. stored is true when the client came from
// a new registration and must be saved.
func (t *Transport) client(ctx context.Context, d *discovery, rec *Record) (c *Client, stored bool, err error) {
	cfg := &t.cfg
	grant := cfg.grant()
	if cfg.ClientID != "" {
		if bound := t.bindClient(d.issuer); bound != d.issuer {
			return nil, false, fmt.Errorf("%w: registered with %s, the resource names %s", ErrClientIssuer, bound, d.issuer)
		}
		c := &Client{ID: cfg.ClientID, Secret: cfg.ClientSecret, AuthMethod: authNone}
		switch {
		case cfg.ClientKey != nil:
			c.AuthMethod = authPrivateKeyJWT
		case cfg.ClientSecret != "":
			c.AuthMethod = d.as.secretAuthMethod()
		}
		return c, false, nil
	}
	if cfg.ClientMetadataURL != "" && grant == GrantAuthorizationCode && d.as.ClientIDMetadataDocumentSupported {
		if err := checkMetadataDocumentURL(cfg.ClientMetadataURL); err != nil {
			return nil, false, err
		}
		c := &Client{ID: cfg.ClientMetadataURL, AuthMethod: authNone}
		if cfg.ClientKey != nil {
			c.AuthMethod = authPrivateKeyJWT
		}
		return c, false, nil
	}
	if rec != nil && rec.Client != nil && (grant != GrantAuthorizationCode || slices.Contains(rec.Client.RedirectURIs, cfg.RedirectURL)) {
		return rec.Client, false, nil
	}
	if d.as.RegistrationEndpoint == "" {
		why := "no pre-registered client (Config.ClientID), "
		if cfg.ClientMetadataURL == "" {
			why += "no client ID metadata document (Config.ClientMetadataURL), "
		} else {
			why += "a server without client ID metadata document support, "
		}
		return nil, false, fmt.Errorf("%w with %s: %sand no registration_endpoint", ErrNoClient, d.issuer, why)
	}
	c, err = t.register(ctx, d)
	if err != nil {
		return nil, false, err
	}
	return c, true, nil
}

// bindClient returns the issuer the pre-registered client belongs to:
// Config.ClientIssuer, else the first issuer this Transport used it with.
// Pre-registered credentials are specific to one authorization server, so
// a resource that moves to another gets an error, not the credentials.
func (t *Transport) bindClient(issuer string) string {
	if t.cfg.ClientIssuer != "" {
		return t.cfg.ClientIssuer
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.boundIssuer == "" {
		t.boundIssuer = issuer
	}
	return t.boundIssuer
}

// checkMetadataDocumentURL enforces the client ID metadata document rules:
// an https URL with a path.
func checkMetadataDocumentURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") == "" || u.Fragment != "" {
		return fmt.Errorf("%w: client ID metadata document URL %q must be https with a path", ErrInsecureURL, raw)
	}
	return nil
}

// register performs dynamic client registration (RFC 7591).
func (t *Transport) register(ctx context.Context, d *discovery) (*Client, error) {
	cfg := &t.cfg
	endpoint, err := url.Parse(d.as.RegistrationEndpoint)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth register: %w", err)
	}
	grant := cfg.grant()
	req := map[string]any{
		"client_name":                cfg.clientName(),
		"token_endpoint_auth_method": registrationAuthMethod(grant, d.as),
	}
	if grant == GrantAuthorizationCode {
		req["redirect_uris"] = []string{cfg.RedirectURL}
		req["grant_types"] = []string{string(GrantAuthorizationCode), "refresh_token"}
		req["response_types"] = []string{"code"}
		req["application_type"] = t.applicationType()
	} else {
		req["grant_types"] = []string{string(grant)}
		req["response_types"] = []string{}
	}
	resp, body, err := t.f.postJSON(ctx, endpoint, req)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth register: post %s: %w", redactURL(endpoint), err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return nil, endpointError("register", resp, body)
	}
	var r struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
		RedirectURIs []string `json:"redirect_uris"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.ClientID == "" {
		return nil, fmt.Errorf("mcpclient: oauth register: malformed response from %s", redactURL(endpoint))
	}
	c := &Client{ID: r.ClientID, Secret: r.ClientSecret, AuthMethod: r.AuthMethod, RedirectURIs: r.RedirectURIs}
	if c.AuthMethod == "" {
		// RFC 7591 section 2: the default is client_secret_basic, which
		// only makes sense with a secret.
		c.AuthMethod = authNone
		if c.Secret != "" {
			c.AuthMethod = authSecretBasic
		}
	}
	if len(c.RedirectURIs) == 0 && grant == GrantAuthorizationCode {
		c.RedirectURIs = []string{cfg.RedirectURL}
	}
	t.logger.Info("oauth client registered", "issuer", d.issuer, "client", c)
	return c, nil
}

// registrationAuthMethod is the token endpoint authentication method asked
// for in a registration: none for a public client when the server allows
// it (or does not say), else a secret method it lists.
func registrationAuthMethod(grant Grant, as *serverMetadata) string {
	l := as.TokenEndpointAuthMethodsSupported
	if grant == GrantAuthorizationCode && (len(l) == 0 || slices.Contains(l, authNone)) {
		return authNone
	}
	return as.secretAuthMethod()
}

// applicationType is the OpenID Connect application_type of this client:
// native when it receives its redirects on a loopback address.
func (t *Transport) applicationType() string {
	if t.cfg.ApplicationType != "" {
		return t.cfg.ApplicationType
	}
	if u, err := url.Parse(t.cfg.RedirectURL); err == nil && isLoopbackHost(u.Hostname()) {
		return "native"
	}
	return "web"
}
