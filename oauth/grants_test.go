package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// proofKey rebuilds the public key of a DPoP proof from its jwk header.
func proofKey(t *testing.T, proof string) *ecdsa.PublicKey {
	t.Helper()
	b, err := b64.DecodeString(strings.Split(proof, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		JWK map[string]string `json:"jwk"`
	}
	json.Unmarshal(b, &h)
	x, _ := b64.DecodeString(h.JWK["x"])
	y, _ := b64.DecodeString(h.JWK["y"])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatalf("DPoP proof jwk %v: %v", h.JWK, err)
	}
	return pub
}

func TestDPoP(t *testing.T) {
	for _, nonces := range []bool{false, true} {
		name := "without nonces"
		if nonces {
			name = "with nonces"
		}
		t.Run(name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer) {
				f.dpopAlgs = []string{"ES256"}
				if nonces {
					f.asNonce, f.rsNonce = "as-nonce", "rs-nonce"
				}
			})
			rt, _ := newTestTransport(t, &Config{DPoP: true})
			for range 2 {
				if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
					t.Fatalf("GET = %d, %v, want 200", status, err)
				}
			}
			// The token request carried a valid proof (with the nonce, in
			// the end).
			reqs := f.tokenReqs()
			last := reqs[len(reqs)-1].header.Get("DPoP")
			hdr, claims := verifyJWT(t, last, proofKey(t, last))
			if hdr["typ"] != "dpop+jwt" || claims["htm"] != "POST" || claims["htu"] != f.issuer()+"/token" {
				t.Errorf("token request proof header %v claims %v, want typ dpop+jwt, htm POST, htu the token endpoint", hdr, claims)
			}
			if nonces && (len(reqs) != 2 || claims["nonce"] != "as-nonce") {
				t.Errorf("token requests = %d, last nonce %v; want 2, as-nonce", len(reqs), claims["nonce"])
			}
			f.mu.Lock()
			proofs := f.proofs
			var tok string
			for k := range f.tokens {
				tok = k
			}
			f.mu.Unlock()
			jtis := map[any]bool{}
			for _, p := range proofs {
				_, c := verifyJWT(t, p, proofKey(t, p))
				sum := sha256.Sum256([]byte(tok))
				if c["ath"] != b64.EncodeToString(sum[:]) || c["htm"] != "GET" || c["htu"] != f.resourceURL() {
					t.Errorf("resource proof claims %v, want ath of the token, htm GET, htu %s", c, f.resourceURL())
				}
				if jtis[c["jti"]] {
					t.Errorf("proof jti %v used twice", c["jti"])
				}
				jtis[c["jti"]] = true
			}
			want := 2
			if nonces {
				want = 3 // one 401 use_dpop_nonce, then the nonce is known
			}
			if len(proofs) != want {
				t.Errorf("resource requests with a DPoP token = %d, want %d", len(proofs), want)
			}
		})
	}
}

func TestClientCredentialsPrivateKeyJWT(t *testing.T) {
	f := newFakeServer(t, func(f *fakeServer) { f.prmScopes = []string{"mcp:tools"} })
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rt, b := newTestTransport(t, &Config{Grant: GrantClientCredentials, ClientID: "svc", ClientKey: key, ClientKeyID: "k1"})
	if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v, want 200", status, err)
	}
	form := f.tokenReqs()[0].form
	if form.Get("grant_type") != "client_credentials" || form.Get("scope") != "mcp:tools" || form.Get("resource") != f.resourceURL() ||
		form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		t.Errorf("token request = %v, want client_credentials with scope, resource and a JWT client assertion", form)
	}
	hdr, claims := verifyJWT(t, form.Get("client_assertion"), key.Public())
	if claims["iss"] != "svc" || claims["sub"] != "svc" || claims["aud"] != f.issuer() || hdr["kid"] != "k1" || claims["jti"] == nil {
		t.Errorf("client assertion header %v claims %v, want iss=sub=svc, aud the issuer, kid k1, a jti", hdr, claims)
	}
	if b.count() != 0 || f.authCount() != 0 {
		t.Errorf("Authorize calls %d, authorization requests %d; want none for client credentials", b.count(), f.authCount())
	}
}

func TestClientSecretMethods(t *testing.T) {
	tests := []struct {
		methods   []string
		wantBasic bool
	}{
		{nil, true},
		{[]string{"client_secret_basic"}, true},
		{[]string{"client_secret_post"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.methods, ","), func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer) {
				f.clientAuth = tt.methods
				if tt.methods == nil {
					f.clientAuth = []string{}
				}
			})
			rt, _ := newTestTransport(t, &Config{ClientID: "id:1", ClientSecret: "p w"})
			if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
				t.Fatalf("GET = %d, %v", status, err)
			}
			r := f.tokenReqs()[0]
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("id%3A1:p+w"))
			if tt.wantBasic && (r.header.Get("Authorization") != basic || r.form.Has("client_secret")) {
				t.Errorf("token request auth %q, body %v; want %q and no client_secret", r.header.Get("Authorization"), r.form, basic)
			}
			if !tt.wantBasic && (r.header.Get("Authorization") != "" || r.form.Get("client_secret") != "p w" || r.form.Get("client_id") != "id:1") {
				t.Errorf("token request auth %q, body %v; want client_id and client_secret in the body", r.header.Get("Authorization"), r.form)
			}
		})
	}
}

func TestEnterpriseAssertion(t *testing.T) {
	f := newFakeServer(t, nil)
	var exchange url.Values
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		exchange = r.PostForm
		writeJSON(w, 200, map[string]string{"access_token": "id-jag", "issued_token_type": tokenTypeIDJAG, "token_type": "N_A"})
	}))
	defer idp.Close()
	e := &Enterprise{TokenEndpoint: idp.URL + "/token", ClientID: "idp-client",
		IDToken: func(context.Context) (string, error) { return "id-token", nil }}
	rt, _ := newTestTransport(t, &Config{ClientID: "mcp-client", ClientSecret: "s", Assertion: e.Assertion})
	if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v, want 200", status, err)
	}
	want := url.Values{
		"grant_type":           {grantTokenExch},
		"requested_token_type": {tokenTypeIDJAG},
		"subject_token":        {"id-token"},
		"subject_token_type":   {tokenTypeIDToken},
		"audience":             {f.issuer()},
		"resource":             {f.resourceURL()},
		"client_id":            {"idp-client"},
	}
	if exchange.Encode() != want.Encode() {
		t.Errorf("token exchange = %v, want %v", exchange, want)
	}
	form := f.tokenReqs()[0].form
	if form.Get("grant_type") != string(GrantJWTBearer) || form.Get("assertion") != "id-jag" {
		t.Errorf("token request = %v, want the JWT bearer grant with the ID-JAG", form)
	}
}

func TestAssertionFailureNotRetried(t *testing.T) {
	f := newFakeServer(t, nil)
	calls := 0
	rt, _ := newTestTransport(t, &Config{ClientID: "w", Assertion: func(context.Context, AssertionRequest) (string, error) {
		calls++
		return "", errors.New("no workload identity")
	}})
	if _, err := get(t, rt, f.resourceURL()); err == nil || !strings.Contains(err.Error(), "no workload identity") {
		t.Fatalf("GET = %v, want the assertion error", err)
	}
	if calls != 1 || len(f.tokenReqs()) != 0 {
		t.Errorf("assertion calls %d, token requests %d; want 1 and 0", calls, len(f.tokenReqs()))
	}
}

func TestAssertionFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	os.WriteFile(path, []byte("  jwt-1\n"), 0o600)
	src := AssertionFile(path)
	if got, err := src(context.Background(), AssertionRequest{}); got != "jwt-1" || err != nil {
		t.Errorf("AssertionFile = %q, %v, want jwt-1", got, err)
	}
	os.WriteFile(path, []byte("jwt-2"), 0o600)
	if got, _ := src(context.Background(), AssertionRequest{}); got != "jwt-2" {
		t.Errorf("AssertionFile after rotation = %q, want jwt-2", got)
	}
	os.WriteFile(path, nil, 0o600)
	if _, err := src(context.Background(), AssertionRequest{}); err == nil {
		t.Error("AssertionFile of an empty file = nil error, want an error")
	}
}

func TestRegistration(t *testing.T) {
	f := newFakeServer(t, nil)
	store := &MemoryStore{}
	for i, redirect := range []string{"http://127.0.0.1:1111/cb", "http://127.0.0.1:1111/cb", "http://127.0.0.1:2222/cb"} {
		rt, _ := newTestTransport(t, &Config{Store: store, RedirectURL: redirect, ClientName: "tester"})
		// A stored token would hide the registration: forget tokens.
		rec, _ := store.Load(context.Background(), f.issuer())
		if rec != nil {
			rec.Tokens = nil
			store.Save(context.Background(), f.issuer(), rec)
		}
		if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
			t.Fatalf("GET %d = %d, %v", i, status, err)
		}
	}
	if n := len(f.registrations); n != 2 {
		t.Fatalf("registrations = %d, want 2 (reused for the same redirect URI, new for another)", n)
	}
	r := f.registrations[1]
	if r["client_name"] != "tester" || anyStrings(r["redirect_uris"])[0] != "http://127.0.0.1:2222/cb" || r["token_endpoint_auth_method"] != "none" {
		t.Errorf("registration = %v", r)
	}
}

func TestOfflineAccess(t *testing.T) {
	tests := []struct {
		asScopes []string
		disable  bool
		want     string
	}{
		{[]string{"read", "offline_access"}, false, "read offline_access"},
		{[]string{"read", "offline_access"}, true, "read"},
		{[]string{"read"}, false, "read"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer) { f.asScopes = tt.asScopes; f.prmScopes = []string{"read"} })
			rt, _ := newTestTransport(t, &Config{DisableOfflineAccess: tt.disable})
			get(t, rt, f.resourceURL())
			if got := f.lastAuth().Get("scope"); got != tt.want {
				t.Errorf("scope = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTokenRedaction(t *testing.T) {
	tok := &Token{AccessToken: "at-secret", RefreshToken: "rt-secret", TokenType: "Bearer", Expiry: time.Unix(0, 0)}
	c := &Client{ID: "id", Secret: "cs-secret"}
	for _, s := range []string{tok.String(), tok.GoString(), tok.LogValue().String(), c.String(), c.GoString(), c.LogValue().String()} {
		if strings.Contains(s, "secret") {
			t.Errorf("printed form %q shows a secret", s)
		}
	}
}

func TestClientIDMetadataDocument(t *testing.T) {
	const doc = "https://app.example/oauth/client.json"
	tests := []struct {
		name      string
		supported bool
		docURL    string
		wantID    string // "" means a registered client
		wantErr   error
	}{
		{"supported", true, doc, doc, nil},
		{"not supported: registration", false, doc, "", nil},
		{"not https", true, "http://app.example/client.json", "", ErrInsecureURL},
		{"no path", true, "https://app.example", "", ErrInsecureURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer) { f.cimd = tt.supported })
			rt, _ := newTestTransport(t, &Config{ClientMetadataURL: tt.docURL})
			_, err := get(t, rt, f.resourceURL())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("GET = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := f.lastAuth().Get("client_id")
			if tt.wantID != "" && got != tt.wantID || tt.wantID == "" && (got == doc || len(f.registrations) != 1) {
				t.Errorf("client_id = %q with %d registrations, want %q", got, len(f.registrations), tt.wantID)
			}
		})
	}
}

func TestTokenErrorMessage(t *testing.T) {
	tests := []struct {
		err  *TokenError
		want string
	}{
		{&TokenError{Op: "token", Status: 400, Code: "invalid_grant", Description: "expired"}, "mcpclient: oauth token: invalid_grant (HTTP 400): expired"},
		{&TokenError{Op: "authorize", Code: "access_denied"}, "mcpclient: oauth authorize: access_denied"},
		{&TokenError{Op: "register", Status: 500}, "mcpclient: oauth register: HTTP 500"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
