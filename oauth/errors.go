package oauth

import (
	"errors"
	"fmt"
)

// Conditions under which the Transport refuses to go on. Each is matched with
// errors.Is through the error that RoundTrip returns (wrapped by
// *url.Error when the request came from an *http.Client).
var (
	// ErrInsecureURL reports a URL that is neither https nor http on a
	// loopback host, or a loopback URL named by a non-loopback peer.
	// Discovery, registration and tokens only travel over such URLs.
	ErrInsecureURL = errors.New("mcpclient: oauth: insecure url")

	// ErrResourceMismatch reports protected resource metadata whose
	// resource is not the server the request went to (RFC 9728 section 3.3).
	ErrResourceMismatch = errors.New("mcpclient: oauth: protected resource metadata names another resource")

	// ErrIssuerMismatch reports authorization server metadata whose issuer
	// is not the one its well-known URL was built from (RFC 8414 section
	// 3.3), or an authorization response whose iss is not the recorded
	// issuer (RFC 9207).
	ErrIssuerMismatch = errors.New("mcpclient: oauth: issuer mismatch")

	// ErrNoMetadata reports that no authorization server metadata could be
	// found for an issuer named by protected resource metadata.
	ErrNoMetadata = errors.New("mcpclient: oauth: no authorization server metadata")

	// ErrPKCEUnsupported reports an authorization server whose metadata does
	// not list S256 in code_challenge_methods_supported: the spec requires
	// the client to refuse it.
	ErrPKCEUnsupported = errors.New("mcpclient: oauth: authorization server does not support PKCE with S256")

	// ErrNoClient reports that no client registration was possible: no
	// pre-registered client, no client ID metadata document the server
	// accepts and no dynamic client registration endpoint.
	ErrNoClient = errors.New("mcpclient: oauth: no way to register a client")

	// ErrClientIssuer reports pre-registered credentials bound to another
	// authorization server than the one the resource names now.
	ErrClientIssuer = errors.New("mcpclient: oauth: pre-registered client belongs to another authorization server")

	// ErrNoAuthorizer reports that the authorization code flow was needed
	// but Config.Authorize is nil.
	ErrNoAuthorizer = errors.New("mcpclient: oauth: authorization needed but no Authorize hook is configured")

	// ErrBadRedirect reports an authorization response that cannot be
	// trusted: another redirect URI, a missing or different state, a
	// missing code, or a missing iss that the server promised.
	ErrBadRedirect = errors.New("mcpclient: oauth: invalid authorization response")
)

// TokenError is an error response of a token, registration or token
// exchange endpoint (RFC 6749 section 5.2), or of the authorization endpoint
// (section 4.1.2.1) after its issuer was verified.
type TokenError struct {
	// Op names the request: "token", "refresh", "register", "authorize",
	// "token exchange".
	Op string
	// Status is the HTTP status; 0 for an authorization response.
	Status int
	// Code is the OAuth error code, such as "invalid_grant"; empty when the
	// body held none.
	Code        string
	Description string
}

// Error reports the operation, the OAuth error code, the HTTP status and
// the server's description.
func (e *TokenError) Error() string {
	msg := fmt.Sprintf("mcpclient: oauth %s: ", e.Op)
	switch {
	case e.Code != "" && e.Status != 0:
		msg += fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	case e.Code != "":
		msg += e.Code
	default:
		msg += fmt.Sprintf("HTTP %d", e.Status)
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}
