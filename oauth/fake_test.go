package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeServer is a protected MCP server and its authorization server, on
// one loopback httptest server, with knobs for the cases under test. The
// resource is at /mcp; the authorization server's issuer is the server's
// URL plus issuerPath.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	// Knobs, set before the first request.
	issuerPath     string
	noPRM          bool     // publish no protected resource metadata
	prmInHeader    bool     // name the metadata in WWW-Authenticate
	prmResource    string   // override the metadata's resource
	prmServers     []string // override authorization_servers
	prmScopes      []string
	challengeScope string // scope of the 401 challenge
	noPKCE         bool
	issSupported   bool
	issInRedirect  string // "" (correct), "omit", "wrong", "slash"
	metadataIssuer string // override the metadata's issuer
	noDCR          bool
	asScopes       []string
	refresh        bool   // issue refresh tokens
	refreshFails   bool   // refuse refresh requests
	expiresIn      int    // 0: 3600
	writeScope     string // scope /mcp/write requires; 403 without it
	alwaysDeny     bool   // /mcp/write answers 403 whatever the token
	dpopAlgs       []string
	asNonce        string   // the token endpoint wants this DPoP nonce
	rsNonce        string   // the resource wants this DPoP nonce
	clientAuth     []string // token_endpoint_auth_methods_supported
	cimd           bool     // client_id_metadata_document_supported

	mu            sync.Mutex
	log           []string       // "METHOD path"
	authRequests  []url.Values   // queries of authorization requests
	tokenRequests []tokenRequest // token endpoint requests
	registrations []map[string]any
	codes         map[string]codeGrant
	tokens        map[string]string // access token -> scope
	refreshTokens map[string]string // refresh token -> scope
	bodies        []string          // bodies of authorized /mcp POSTs
	proofs        []string          // DPoP headers of authorized resource requests
	n             int
}

type tokenRequest struct {
	form   url.Values
	header http.Header
}

type codeGrant struct {
	challenge, scope string
}

func newFakeServer(t *testing.T, configure func(*fakeServer)) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, codes: map[string]codeGrant{}, tokens: map[string]string{}, refreshTokens: map[string]string{}}
	if configure != nil {
		configure(f)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) url(path string) string { return f.srv.URL + path }
func (f *fakeServer) issuer() string         { return f.srv.URL + f.issuerPath }
func (f *fakeServer) resourceURL() string    { return f.srv.URL + "/mcp" }
func (f *fakeServer) prmPath() string        { return "/.well-known/oauth-protected-resource/mcp" }
func (f *fakeServer) asMetadataPath() string {
	return "/.well-known/oauth-authorization-server" + f.issuerPath
}
func (f *fakeServer) record(r *http.Request) {
	f.mu.Lock()
	f.log = append(f.log, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
}
func (f *fakeServer) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}
func (f *fakeServer) authCount() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.authRequests) }
func (f *fakeServer) lastAuth() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authRequests[len(f.authRequests)-1]
}
func (f *fakeServer) tokenReqs() []tokenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.tokenRequests)
}

func (f *fakeServer) next(prefix string) string {
	f.n++
	return fmt.Sprintf("%s-%d", prefix, f.n)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	switch {
	case r.URL.Path == f.prmPath() && !f.noPRM:
		resource := f.resourceURL()
		if f.prmResource != "" {
			resource = f.prmResource
		}
		servers := []string{f.issuer()}
		if f.prmServers != nil {
			servers = f.prmServers
		}
		doc := map[string]any{"resource": resource, "authorization_servers": servers}
		if f.prmScopes != nil {
			doc["scopes_supported"] = f.prmScopes
		}
		writeJSON(w, 200, doc)
	case r.URL.Path == f.asMetadataPath():
		f.serveMetadata(w)
	case r.URL.Path == f.issuerPath+"/authorize":
		f.serveAuthorize(w, r)
	case r.URL.Path == f.issuerPath+"/token":
		f.serveToken(w, r)
	case r.URL.Path == f.issuerPath+"/register" && !f.noDCR:
		f.serveRegister(w, r)
	case strings.HasPrefix(r.URL.Path, "/mcp"):
		f.serveResource(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeServer) serveMetadata(w http.ResponseWriter) {
	iss := f.issuer()
	if f.metadataIssuer != "" {
		iss = f.metadataIssuer
	}
	doc := map[string]any{
		"issuer":                   iss,
		"authorization_endpoint":   f.issuer() + "/authorize",
		"token_endpoint":           f.issuer() + "/token",
		"response_types_supported": []string{"code"},
		"authorization_response_iss_parameter_supported": f.issSupported,
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_basic", "private_key_jwt"},
	}
	if f.cimd {
		doc["client_id_metadata_document_supported"] = true
	}
	if f.clientAuth != nil {
		doc["token_endpoint_auth_methods_supported"] = f.clientAuth
	}
	if !f.noDCR {
		doc["registration_endpoint"] = f.issuer() + "/register"
	}
	if !f.noPKCE {
		doc["code_challenge_methods_supported"] = []string{"S256"}
	}
	if f.asScopes != nil {
		doc["scopes_supported"] = f.asScopes
	}
	if f.dpopAlgs != nil {
		doc["dpop_signing_alg_values_supported"] = f.dpopAlgs
	}
	writeJSON(w, 200, doc)
}

func (f *fakeServer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.authRequests = append(f.authRequests, q)
	code := f.next("code")
	f.codes[code] = codeGrant{challenge: q.Get("code_challenge"), scope: q.Get("scope")}
	f.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", 400)
		return
	}
	bq := url.Values{"code": {code}, "state": {q.Get("state")}}
	switch f.issInRedirect {
	case "":
		bq.Set("iss", f.issuer())
	case "wrong":
		bq.Set("iss", "https://evil.example")
	case "slash":
		bq.Set("iss", f.issuer()+"/")
	}
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeServer) serveToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenRequests = append(f.tokenRequests, tokenRequest{form: r.PostForm, header: r.Header.Clone()})
	if f.asNonce != "" && r.Header.Get("DPoP") != "" && proofClaims(r.Header.Get("DPoP"))["nonce"] != f.asNonce {
		w.Header().Set("DPoP-Nonce", f.asNonce)
		writeJSON(w, 400, map[string]string{"error": "use_dpop_nonce"})
		return
	}
	var scope string
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := f.codes[r.PostForm.Get("code")]
		delete(f.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || b64.EncodeToString(sum[:]) != g.challenge {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
		scope = g.scope
	case "refresh_token":
		s, ok := f.refreshTokens[r.PostForm.Get("refresh_token")]
		if !ok || f.refreshFails {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "refresh token revoked"})
			return
		}
		scope = s
	default:
		scope = r.PostForm.Get("scope")
	}
	tok := f.next("access")
	f.tokens[tok] = scope
	resp := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": scope}
	if f.expiresIn != 0 {
		resp["expires_in"] = f.expiresIn
	}
	if f.refresh {
		rt := f.next("refresh")
		f.refreshTokens[rt] = scope
		resp["refresh_token"] = rt
	}
	if r.Header.Get("DPoP") != "" {
		resp["token_type"] = "DPoP"
	}
	writeJSON(w, 200, resp)
}

func (f *fakeServer) serveRegister(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.registrations = append(f.registrations, body)
	id := f.next("client")
	f.mu.Unlock()
	writeJSON(w, 201, map[string]any{"client_id": id, "redirect_uris": body["redirect_uris"], "token_endpoint_auth_method": "none"})
}

// serveResource accepts a token the fake issued; /mcp/write also needs
// writeScope.
func (f *fakeServer) serveResource(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(auth, " ")
	f.mu.Lock()
	scope, ok := f.tokens[tok]
	f.mu.Unlock()
	if !ok || (scheme != "Bearer" && scheme != "DPoP") {
		var params []string
		if f.prmInHeader {
			params = append(params, fmt.Sprintf(`resource_metadata="%s"`, f.url(f.prmPath())))
		}
		if f.challengeScope != "" {
			params = append(params, fmt.Sprintf(`scope="%s"`, f.challengeScope))
		}
		w.Header().Set("WWW-Authenticate", strings.TrimSpace("Bearer "+strings.Join(params, ", ")))
		writeJSON(w, 401, map[string]string{"error": "invalid_token"})
		return
	}
	if scheme == "DPoP" {
		f.mu.Lock()
		f.proofs = append(f.proofs, r.Header.Get("DPoP"))
		f.mu.Unlock()
		if f.rsNonce != "" && proofClaims(r.Header.Get("DPoP"))["nonce"] != f.rsNonce {
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.Header().Set("DPoP-Nonce", f.rsNonce)
			writeJSON(w, 401, map[string]string{"error": "use_dpop_nonce"})
			return
		}
	}
	if r.URL.Path == "/mcp/write" && (f.alwaysDeny || !coveredBy(f.writeScope, scope)) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s"`, f.writeScope))
		writeJSON(w, 403, map[string]string{"error": "insufficient_scope"})
		return
	}
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(b))
	f.mu.Unlock()
	writeJSON(w, 200, map[string]string{"ok": "yes"})
}

// browser is an Authorize hook that follows the fake's instant approval:
// it fetches the authorization URL and returns the redirect's Location.
type browser struct {
	mu    sync.Mutex
	calls int
}

func (b *browser) authorize(ctx context.Context, authURL string) (string, error) {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return "", err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("Location"), nil
}

func (b *browser) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

const testRedirect = "http://127.0.0.1:9/callback"

// newTestTransport returns a Transport for the fake with a browser, closed
// at the end of the test.
func newTestTransport(t *testing.T, cfg *Config) (*Transport, *browser) {
	t.Helper()
	b := &browser{}
	if cfg == nil {
		cfg = &Config{}
	}
	if cfg.Authorize == nil {
		cfg.Authorize = b.authorize
	}
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = testRedirect
	}
	rt := NewTransport(cfg)
	t.Cleanup(func() { rt.Close() })
	return rt, b
}

// get sends GET url through rt and returns the status.
func get(t *testing.T, rt http.RoundTripper, u string) (int, error) {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Get(u)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// proofClaims decodes the claims of a JWT without verifying it.
func proofClaims(jwt string) map[string]any {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}
