package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Token types of RFC 8693 and of the identity assertion authorization grant.
const (
	tokenTypeIDToken = "urn:ietf:params:oauth:token-type:id_token"
	tokenTypeIDJAG   = "urn:ietf:params:oauth:token-type:id-jag"
	grantTokenExch   = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Enterprise is the identity provider side of enterprise-managed
// authorization (the MCP extension built on the Identity Assertion JWT
// Authorization Grant): the user's ID token from the enterprise identity
// provider is exchanged there (RFC 8693) for an ID-JAG, which the MCP
// server's authorization server takes in the JWT bearer grant.
//
// Use it as Config.Assertion = e.Assertion, with the MCP client's own
// ClientID and ClientSecret at the authorization server in Config.
type Enterprise struct {
	// TokenEndpoint is the identity provider's token endpoint: https, or
	// http on a loopback host.
	TokenEndpoint string
	// ClientID and ClientSecret identify this client at the identity
	// provider. Without a secret, the client ID goes in the request body.
	ClientID     string
	ClientSecret string
	// IDToken returns the user's OpenID Connect ID token from the identity
	// provider, obtained when the user signed in there.
	IDToken func(ctx context.Context) (string, error)
}

// Assertion exchanges the ID token for an ID-JAG whose audience is the
// authorization server of r and whose resource is the MCP server. It has
// the signature of Config.Assertion and sends its request with
// r.HTTPClient. Errors of the identity provider are *TokenError values.
func (e *Enterprise) Assertion(ctx context.Context, r AssertionRequest) (string, error) {
	if e.IDToken == nil {
		return "", errors.New("mcpclient: oauth token exchange: Enterprise.IDToken is nil")
	}
	endpoint, err := checkURL(e.TokenEndpoint, nil)
	if err != nil {
		return "", fmt.Errorf("mcpclient: oauth token exchange: %w", err)
	}
	idToken, err := e.IDToken(ctx)
	if err != nil {
		return "", fmt.Errorf("mcpclient: oauth token exchange: id token: %w", err)
	}
	form := url.Values{
		"grant_type":           {grantTokenExch},
		"requested_token_type": {tokenTypeIDJAG},
		"subject_token":        {idToken},
		"subject_token_type":   {tokenTypeIDToken},
		"audience":             {r.Issuer},
		"resource":             {r.Resource},
	}
	setScope(form, r.Scope)
	var basic string
	if e.ClientSecret != "" {
		cred := url.QueryEscape(e.ClientID) + ":" + url.QueryEscape(e.ClientSecret)
		basic = "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))
	} else if e.ClientID != "" {
		form.Set("client_id", e.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	if basic != "" {
		req.Header.Set("Authorization", basic)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	client := r.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("mcpclient: oauth token exchange: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return "", fmt.Errorf("mcpclient: oauth token exchange: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", endpointError("token exchange", resp, b)
	}
	var res struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&res); err != nil || res.AccessToken == "" {
		return "", errors.New("mcpclient: oauth token exchange: malformed response")
	}
	if res.IssuedTokenType != "" && res.IssuedTokenType != tokenTypeIDJAG {
		return "", fmt.Errorf("mcpclient: oauth token exchange: issued_token_type %q, want %q", res.IssuedTokenType, tokenTypeIDJAG)
	}
	return res.AccessToken, nil
}

// AssertionFile returns an assertion source for Config.Assertion that
// reads the assertion from a file at every token request, as workload
// identity platforms rotate theirs (a projected service account token, a
// CI job's identity token). Surrounding white space is removed.
func AssertionFile(path string) func(context.Context, AssertionRequest) (string, error) {
	return func(context.Context, AssertionRequest) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("assertion file %s is empty", path)
		}
		return s, nil
	}
}
