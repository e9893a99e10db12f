package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Token is an access token with what came with it. Its String, GoString and
// LogValue methods hide the token values, so that printing or logging a
// Token never leaks them.
type Token struct {
	AccessToken string `json:"access_token"`
	// TokenType is "Bearer" or "DPoP".
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is when the access token expires; zero when the server did
	// not say.
	Expiry time.Time `json:"expiry,omitzero"`
	// Scope is the granted scope, or the requested one when the server's
	// response named none.
	Scope string `json:"scope,omitempty"`
	// DPoPKeyThumbprint is the JWK thumbprint (RFC 7638) of the key a DPoP
	// token is bound to.
	DPoPKeyThumbprint string `json:"dpop_jkt,omitempty"`
}

// expirySkew makes a token count as expired a little early, so that it does
// not expire in flight.
const expirySkew = 30 * time.Second

func (t *Token) expired(now time.Time) bool {
	return !t.Expiry.IsZero() && now.Add(expirySkew).After(t.Expiry)
}

// String describes the token without its values.
func (t *Token) String() string {
	if t == nil {
		return "<nil>"
	}
	return fmt.Sprintf("oauth.Token{TokenType: %q, AccessToken: [redacted], RefreshToken: %s, Expiry: %s, Scope: %q}",
		t.TokenType, presence(t.RefreshToken), t.Expiry.Format(time.RFC3339), t.Scope)
}

// GoString keeps %#v from printing the token values.
func (t *Token) GoString() string { return t.String() }

// LogValue keeps slog from printing the token values.
func (t *Token) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("type", t.TokenType),
		slog.String("scope", t.Scope),
		slog.Time("expiry", t.Expiry),
		slog.Bool("refreshable", t.RefreshToken != ""),
	)
}

// Client is an OAuth client registration. Its String, GoString and
// LogValue methods hide the secret.
type Client struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret,omitempty"`
	// AuthMethod is the token endpoint authentication method:
	// "client_secret_basic", "client_secret_post", "private_key_jwt" or
	// "none". Empty means client_secret_basic with a secret, else none.
	AuthMethod string `json:"token_endpoint_auth_method,omitempty"`
	// RedirectURIs are the redirect URIs the client was registered with.
	RedirectURIs []string `json:"redirect_uris,omitempty"`
}

// String describes the client without its secret.
func (c *Client) String() string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("oauth.Client{ID: %q, Secret: %s, AuthMethod: %q}", c.ID, presence(c.Secret), c.AuthMethod)
}

// GoString keeps %#v from printing the secret.
func (c *Client) GoString() string { return c.String() }

// LogValue keeps slog from printing the secret.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("id", c.ID), slog.String("auth_method", c.AuthMethod))
}

func presence(secret string) string {
	if secret == "" {
		return "none"
	}
	return "[redacted]"
}

// Record is what a [TokenStore] keeps for one authorization server.
type Record struct {
	// Client is the client registered with the server through dynamic
	// client registration; nil when there is none. Pre-registered clients
	// and client ID metadata documents come from the Config and are not
	// stored.
	Client *Client `json:"client,omitempty"`
	// Tokens are the tokens issued by the server, by the resource (RFC
	// 8707) they were issued for.
	Tokens map[string]*Token `json:"tokens,omitempty"`
}

// TokenStore persists client registrations and tokens, keyed by the issuer
// identifier of the authorization server that issued them, as the spec
// requires: credentials of one server are never offered to another.
//
// Implementations must be safe for concurrent use. Records passed to Save
// and returned by Load belong to the receiver: the Transport never changes
// one after handing it over, and a store must not change one it returned.
type TokenStore interface {
	// Load returns the record of issuer, or nil and a nil error when there
	// is none.
	Load(ctx context.Context, issuer string) (*Record, error)
	// Save replaces the record of issuer. A nil record deletes it.
	Save(ctx context.Context, issuer string, r *Record) error
}

// MemoryStore is a [TokenStore] that keeps records in memory. The zero
// value is an empty store, ready to use, and safe for concurrent use.
type MemoryStore struct {
	mu sync.Mutex
	// records holds JSON copies, so that no caller shares a record with
	// another.
	records map[string][]byte
}

// Load implements [TokenStore].
func (s *MemoryStore) Load(ctx context.Context, issuer string) (*Record, error) {
	s.mu.Lock()
	b, ok := s.records[issuer]
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("mcpclient: oauth store load: %w", err)
	}
	return &r, nil
}

// Save implements [TokenStore].
func (s *MemoryStore) Save(ctx context.Context, issuer string, r *Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r == nil {
		delete(s.records, issuer)
		return nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("mcpclient: oauth store save: %w", err)
	}
	if s.records == nil {
		s.records = make(map[string][]byte)
	}
	s.records[issuer] = b
	return nil
}
