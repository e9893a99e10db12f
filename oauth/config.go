package oauth

import (
	"context"
	"crypto"
	"log/slog"
	"net/http"
	"time"
)

// Grant names the OAuth grant a [Transport] uses to obtain tokens. Its
// values are the grant_type values of the token request.
type Grant string

const (
	// GrantAuthorizationCode is the authorization code grant with PKCE: a
	// user signs in through Config.Authorize.
	GrantAuthorizationCode Grant = "authorization_code"
	// GrantClientCredentials is the client credentials grant: the client
	// acts on its own behalf, authenticated with a secret or a
	// private_key_jwt assertion (the MCP client credentials extension).
	GrantClientCredentials Grant = "client_credentials"
	// GrantJWTBearer is the JWT bearer grant (RFC 7523) with the
	// assertion that Config.Assertion returns: a workload identity token,
	// or an identity assertion grant from an enterprise identity provider
	// (see [Enterprise]).
	GrantJWTBearer Grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// Config configures a [Transport]. The zero value is usable for the
// authorization code grant once Authorize and RedirectURL are set.
type Config struct {
	// Base sends every request: the MCP server's and the Transport's own
	// discovery, registration and token requests. nil means
	// http.DefaultTransport. The Transport's own requests follow no
	// redirects.
	Base http.RoundTripper

	// Grant selects the grant. Empty means GrantJWTBearer when Assertion
	// is set, else GrantAuthorizationCode.
	Grant Grant

	// Authorize performs the user's part of the authorization code grant:
	// it receives the authorization URL, has a user agent visit it (open
	// a browser, print it, or fetch it in a test) and returns the URL the
	// authorization server redirected to, with its query. The Transport
	// checks that URL (redirect URI, state, iss) before using its code.
	// Required for GrantAuthorizationCode; see [LoopbackAuthorizer]. It is
	// never called twice at once for one server.
	Authorize func(ctx context.Context, authURL string) (redirectURL string, err error)

	// RedirectURL is the redirect URI, https or http on a loopback host.
	// Required for GrantAuthorizationCode.
	RedirectURL string

	// ClientID, when set, is a pre-registered client, used before any
	// other kind of registration. ClientSecret is its secret, if any.
	ClientID     string
	ClientSecret string
	// ClientKey, when set, authenticates the pre-registered client (or
	// the client ID metadata document client) with a private_key_jwt
	// assertion (RFC 7523) signed by this key: ECDSA P-256, P-384 or
	// P-521, RSA, or Ed25519. See [ParsePrivateKey].
	ClientKey crypto.Signer
	// ClientKeyID is the kid of ClientKey, when the server needs one.
	ClientKeyID string
	// ClientIssuer binds the pre-registered client to one authorization
	// server: when a resource names another, the Transport fails with
	// ErrClientIssuer instead of offering the credentials there. Empty
	// means the first server the Transport uses the client with.
	ClientIssuer string

	// ClientMetadataURL is the https URL of this client's Client ID
	// Metadata Document, used as its client ID with servers that support
	// such documents (client_id_metadata_document_supported). The document
	// must list RedirectURL.
	ClientMetadataURL string

	// ClientName is sent in dynamic client registration; empty means
	// "mcpclient".
	ClientName string
	// ApplicationType is sent in dynamic client registration: "native" or
	// "web". Empty means native for a loopback RedirectURL, else web.
	ApplicationType string

	// Assertion returns the assertion of GrantJWTBearer. It is called for
	// every token request, so it may return a fresh assertion each time.
	Assertion func(ctx context.Context, r AssertionRequest) (string, error)

	// Scope, when set, is requested at the first authorization instead of
	// the scope the spec's selection strategy picks (the challenge's,
	// else the resource's scopes_supported).
	Scope string

	// DisableOfflineAccess stops the Transport from adding offline_access
	// to the requested scope when the authorization server lists it.
	DisableOfflineAccess bool

	// DPoP requests sender-constrained tokens (RFC 9449) from servers that
	// support them; the Transport also does so when the resource
	// challenges with the DPoP scheme or requires bound tokens. DPoPKey is
	// the proof key: nil means a P-256 key generated per Transport, which
	// makes stored DPoP tokens unusable by a later process.
	DPoP    bool
	DPoPKey crypto.Signer

	// MaxStepUps bounds the re-authorizations for more scope (403
	// insufficient_scope) per request. 0 means 2; a negative value turns
	// step-up off.
	MaxStepUps int

	// Store keeps client registrations and tokens. nil means a
	// MemoryStore of the Transport's own.
	Store TokenStore

	// FlowTimeout bounds one authorization (discovery, registration, the
	// user's sign-in and the token request). 0 means 10 minutes. The flow
	// does not end with the request that started it, so that a request
	// with a short timeout (such as a version probe) does not cancel a
	// sign-in that the next request can use.
	FlowTimeout time.Duration

	// Logger receives discovery, registration and token events, without
	// tokens, secrets, codes or query strings. nil discards them.
	Logger *slog.Logger
}

// AssertionRequest tells Config.Assertion what the assertion is for.
type AssertionRequest struct {
	// Issuer is the authorization server's issuer identifier: the
	// audience of the assertion.
	Issuer string
	// TokenEndpoint is where the assertion will be sent.
	TokenEndpoint string
	// Resource is the RFC 8707 resource the token is requested for.
	Resource string
	// Scope is the requested scope; empty when none.
	Scope string
	// HTTPClient sends requests over Config.Base and follows no redirects,
	// for assertion sources that call an identity provider.
	HTTPClient *http.Client
}

func (c *Config) grant() Grant {
	switch {
	case c.Grant != "":
		return c.Grant
	case c.Assertion != nil:
		return GrantJWTBearer
	default:
		return GrantAuthorizationCode
	}
}

func (c *Config) maxStepUps() int {
	switch {
	case c.MaxStepUps < 0:
		return 0
	case c.MaxStepUps == 0:
		return 2
	default:
		return c.MaxStepUps
	}
}

func (c *Config) flowTimeout() time.Duration {
	if c.FlowTimeout <= 0 {
		return 10 * time.Minute
	}
	return c.FlowTimeout
}

func (c *Config) clientName() string {
	if c.ClientName == "" {
		return "mcpclient"
	}
	return c.ClientName
}
