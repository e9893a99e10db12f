package oauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoginFlow(t *testing.T) {
	f := newFakeServer(t, func(f *fakeServer) { f.prmInHeader = true; f.challengeScope = "read" })
	rt, b := newTestTransport(t, nil)

	status, err := get(t, rt, f.resourceURL())
	if err != nil || status != 200 {
		t.Fatalf("GET /mcp = %d, %v, want 200", status, err)
	}
	want := []string{
		"GET /mcp",
		"GET /.well-known/oauth-protected-resource/mcp",
		"GET /.well-known/oauth-authorization-server",
		"POST /register",
		"GET /authorize",
		"POST /token",
		"GET /mcp",
	}
	if diff := cmp.Diff(want, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	q := f.lastAuth()
	for k, v := range map[string]string{
		"response_type":         "code",
		"code_challenge_method": "S256",
		"resource":              f.resourceURL(),
		"scope":                 "read",
		"redirect_uri":          testRedirect,
	} {
		if got := q.Get(k); got != v {
			t.Errorf("authorization request %s = %q, want %q", k, got, v)
		}
	}
	if q.Get("state") == "" || q.Get("code_challenge") == "" {
		t.Errorf("authorization request has state %q, code_challenge %q, want both", q.Get("state"), q.Get("code_challenge"))
	}
	tr := f.tokenReqs()[0].form
	if got := tr.Get("resource"); got != f.resourceURL() {
		t.Errorf("token request resource = %q, want %q", got, f.resourceURL())
	}
	reg := f.registrations[0]
	if reg["application_type"] != "native" || !slices.Contains(anyStrings(reg["grant_types"]), "refresh_token") {
		t.Errorf("registration = %v, want application_type native and grant_types with refresh_token", reg)
	}

	// The next request carries the token at once.
	if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("second GET /mcp = %d, %v, want 200", status, err)
	}
	if n := len(f.requests()); n != len(want)+1 {
		t.Errorf("requests after the second GET = %d, want %d", n, len(want)+1)
	}
	if b.count() != 1 {
		t.Errorf("Authorize calls = %d, want 1", b.count())
	}
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, s := range l {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

func TestBodyReplayedAfter401(t *testing.T) {
	f := newFakeServer(t, nil)
	rt, _ := newTestTransport(t, nil)
	for _, tt := range []struct {
		name string
		body func() io.Reader
	}{
		{"with GetBody", func() io.Reader { return strings.NewReader(`{"jsonrpc":"2.0"}`) }},
		{"without GetBody", func() io.Reader { return io.MultiReader(strings.NewReader(`{"jsonrpc":"2.0"}`)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh origin state per case: forget the token.
			rt.servers = map[string]*server{}
			req, _ := http.NewRequest(http.MethodPost, f.resourceURL(), tt.body())
			resp, err := rt.RoundTrip(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("POST = %v, %v, want 200", resp, err)
			}
			resp.Body.Close()
			f.mu.Lock()
			got := f.bodies[len(f.bodies)-1]
			f.mu.Unlock()
			if got != `{"jsonrpc":"2.0"}` {
				t.Errorf("body received after the retry = %q, want the original", got)
			}
		})
	}
}

func TestTokenOnlyToItsOrigin(t *testing.T) {
	f := newFakeServer(t, nil)
	var seen []string
	var mu sync.Mutex
	other := newFakeServer(t, nil)
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == strings.TrimPrefix(other.srv.URL, "http://") {
			mu.Lock()
			seen = append(seen, r.Header.Get("Authorization"))
			mu.Unlock()
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	rt, _ := newTestTransport(t, &Config{Base: base})
	if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v", status, err)
	}
	get(t, rt, other.url("/public"))
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "" {
		t.Errorf("Authorization headers sent to another origin = %q, want one empty", seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestStepUp(t *testing.T) {
	tests := []struct {
		name       string
		alwaysDeny bool
		maxStepUps int
		wantStatus int
		wantAuths  int
		wantScope  string // of the last authorization
	}{
		{name: "granted", wantStatus: 200, wantAuths: 2, wantScope: "read write"},
		{name: "never enough, bounded", alwaysDeny: true, maxStepUps: 2, wantStatus: 403, wantAuths: 2, wantScope: "read write"},
		{name: "off", maxStepUps: -1, wantStatus: 403, wantAuths: 1, wantScope: "read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer) {
				f.challengeScope = "read"
				f.writeScope = "write"
				f.alwaysDeny = tt.alwaysDeny
			})
			rt, _ := newTestTransport(t, &Config{MaxStepUps: tt.maxStepUps})
			status, err := get(t, rt, f.url("/mcp/write"))
			if err != nil || status != tt.wantStatus {
				t.Fatalf("GET /mcp/write = %d, %v, want %d", status, err, tt.wantStatus)
			}
			if got := f.authCount(); got != tt.wantAuths {
				t.Errorf("authorizations = %d, want %d", got, tt.wantAuths)
			}
			if got := f.lastAuth().Get("scope"); got != tt.wantScope {
				t.Errorf("last authorization scope = %q, want %q", got, tt.wantScope)
			}
		})
	}
}

func TestStepUpCountsPerRequest(t *testing.T) {
	// A server that challenges for a scope the token already holds gets no
	// new authorization: it would only issue the same token again.
	f := newFakeServer(t, func(f *fakeServer) {
		f.challengeScope = "write"
		f.writeScope = "write"
		f.alwaysDeny = true
	})
	rt, _ := newTestTransport(t, nil)
	for range 3 {
		if status, err := get(t, rt, f.url("/mcp/write")); err != nil || status != 403 {
			t.Fatalf("GET /mcp/write = %d, %v, want 403", status, err)
		}
	}
	if got := f.authCount(); got != 1 {
		t.Errorf("authorizations = %d, want 1", got)
	}
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name         string
		refreshFails bool
		wantAuths    int
	}{
		{"refreshed", false, 1},
		{"refresh refused, back to login", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer) { f.refresh = true; f.refreshFails = tt.refreshFails })
			rt, _ := newTestTransport(t, nil)
			now := time.Now()
			rt.now = func() time.Time { return now }
			if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
				t.Fatalf("first GET = %d, %v", status, err)
			}
			now = now.Add(2 * time.Hour) // past expires_in
			if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
				t.Fatalf("GET after expiry = %d, %v", status, err)
			}
			if got := f.authCount(); got != tt.wantAuths {
				t.Errorf("authorizations = %d, want %d", got, tt.wantAuths)
			}
			var grants []string
			for _, r := range f.tokenReqs() {
				grants = append(grants, r.form.Get("grant_type"))
				if r.form.Get("resource") != f.resourceURL() {
					t.Errorf("%s request resource = %q, want %q", r.form.Get("grant_type"), r.form.Get("resource"), f.resourceURL())
				}
			}
			want := []string{"authorization_code", "refresh_token"}
			if tt.refreshFails {
				want = append(want, "authorization_code")
			}
			if !slices.Equal(grants, want) {
				t.Errorf("token requests = %q, want %q", grants, want)
			}
		})
	}
}

func TestStoredTokenReused(t *testing.T) {
	f := newFakeServer(t, nil)
	store := NewFileStore(t.TempDir() + "/oauth.json")
	rt1, b1 := newTestTransport(t, &Config{Store: store})
	if status, err := get(t, rt1, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v", status, err)
	}
	rt2, b2 := newTestTransport(t, &Config{Store: store})
	if status, err := get(t, rt2, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("GET with a second transport = %d, %v", status, err)
	}
	if b1.count() != 1 || b2.count() != 0 {
		t.Errorf("Authorize calls = %d and %d, want 1 and 0", b1.count(), b2.count())
	}
	if n := len(f.registrations); n != 1 {
		t.Errorf("registrations = %d, want 1 (the stored client reused)", n)
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*fakeServer)
		cfg       func(*fakeServer) *Config
		want      error
	}{
		{"no PKCE", func(f *fakeServer) { f.noPKCE = true }, nil, ErrPKCEUnsupported},
		{"metadata issuer mismatch", func(f *fakeServer) { f.metadataIssuer = "https://honest.example" }, nil, ErrIssuerMismatch},
		{"iss mismatch", func(f *fakeServer) { f.issInRedirect = "wrong" }, nil, ErrIssuerMismatch},
		{"iss normalized", func(f *fakeServer) { f.issInRedirect = "slash" }, nil, ErrIssuerMismatch},
		{"iss promised, missing", func(f *fakeServer) { f.issSupported = true; f.issInRedirect = "omit" }, nil, ErrBadRedirect},
		{"resource of another origin", func(f *fakeServer) { f.prmResource = "https://evil.example/mcp" }, nil, ErrResourceMismatch},
		{"resource of another path", func(f *fakeServer) { f.prmResource = f.srv.URL + "/other" }, nil, ErrResourceMismatch},
		{"authorization server over http", func(f *fakeServer) { f.prmServers = []string{"http://auth.example"} }, nil, ErrNoMetadata},
		{"no registration possible", func(f *fakeServer) { f.noDCR = true }, nil, ErrNoClient},
		{"client of another server", nil, func(f *fakeServer) *Config {
			return &Config{ClientID: "c", ClientIssuer: "https://other.example"}
		}, ErrClientIssuer},
		{"no authorizer", nil, func(f *fakeServer) *Config {
			return &Config{Authorize: nil, RedirectURL: testRedirect}
		}, ErrNoAuthorizer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, nil)
			if tt.configure != nil {
				tt.configure(f)
			}
			var cfg *Config
			if tt.cfg != nil {
				cfg = tt.cfg(f)
			}
			var rt *Transport
			if cfg != nil && cfg.Authorize == nil && cfg.ClientID == "" {
				rt = NewTransport(cfg)
				t.Cleanup(func() { rt.Close() })
			} else {
				rt, _ = newTestTransport(t, cfg)
			}
			_, err := get(t, rt, f.resourceURL())
			if !errors.Is(err, tt.want) {
				t.Fatalf("GET = %v, want %v", err, tt.want)
			}
			for _, r := range f.tokenReqs() {
				t.Errorf("token request %v made, want none", r.form.Get("grant_type"))
			}
		})
	}
}

func TestIssuerMismatchStopsDiscovery(t *testing.T) {
	f := newFakeServer(t, func(f *fakeServer) { f.metadataIssuer = "https://attacker.example" })
	rt, b := newTestTransport(t, nil)
	get(t, rt, f.resourceURL())
	for _, r := range f.requests() {
		if strings.Contains(r, "openid-configuration") || strings.Contains(r, "/register") || strings.Contains(r, "/authorize") {
			t.Errorf("request %q after the issuer mismatch", r)
		}
	}
	if b.count() != 0 {
		t.Errorf("Authorize calls = %d, want 0", b.count())
	}
}

func TestInsecureServerNotAuthorized(t *testing.T) {
	var sent []string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.URL.String())
		return &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {`Bearer resource_metadata="http://mcp.example/prm"`}},
			Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	rt, b := newTestTransport(t, &Config{Base: base})
	_, err := get(t, rt, "http://mcp.example/mcp")
	if !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("GET http://mcp.example/mcp = %v, want ErrInsecureURL", err)
	}
	if len(sent) != 1 || b.count() != 0 {
		t.Errorf("requests = %q and Authorize calls %d, want only the first request", sent, b.count())
	}
}

func TestLogsRedacted(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFakeServer(t, func(f *fakeServer) { f.refresh = true })
	rt, _ := newTestTransport(t, &Config{Logger: logger, ClientID: "pre", ClientSecret: "s3cret-value"})
	if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v", status, err)
	}
	tr := f.tokenReqs()[0]
	secrets := []string{"s3cret-value", tr.form.Get("code"), tr.form.Get("code_verifier")}
	f.mu.Lock()
	for tok := range f.tokens {
		secrets = append(secrets, tok)
	}
	for tok := range f.refreshTokens {
		secrets = append(secrets, tok)
	}
	f.mu.Unlock()
	if buf.Len() == 0 {
		t.Fatal("nothing logged; the test cannot check redaction")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(buf.String(), s) {
			t.Errorf("log contains secret %q:\n%s", s, buf.String())
		}
	}
}

func TestAuthorizationOutlivesRequest(t *testing.T) {
	f := newFakeServer(t, nil)
	release := make(chan struct{})
	b := &browser{}
	slow := func(ctx context.Context, u string) (string, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return b.authorize(ctx, u)
	}
	rt := NewTransport(&Config{Authorize: slow, RedirectURL: testRedirect})
	defer rt.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.resourceURL(), nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RoundTrip with a short deadline = %v, want DeadlineExceeded", err)
	}
	close(release)
	if status, err := get(t, rt, f.resourceURL()); err != nil || status != 200 {
		t.Fatalf("next GET = %d, %v, want 200", status, err)
	}
	if got := f.authCount(); got != 1 {
		t.Errorf("authorizations = %d, want 1 (the first one finished and was used)", got)
	}
}

func TestConcurrentRequestsShareOneAuthorization(t *testing.T) {
	f := newFakeServer(t, nil)
	rt, b := newTestTransport(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			status, err := get(t, rt, f.resourceURL())
			if err == nil && status != 200 {
				err = errors.New(http.StatusText(status))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("GET = %v", err)
		}
	}
	if b.count() != 1 {
		t.Errorf("Authorize calls = %d, want 1", b.count())
	}
}

func TestPreRegisteredClientBoundToFirstIssuer(t *testing.T) {
	rt := NewTransport(&Config{ClientID: "c", ClientSecret: "s"})
	defer rt.Close()
	ctx := context.Background()
	for i, tt := range []struct {
		issuer string
		want   error
	}{
		{"https://a.example", nil},
		{"https://a.example", nil},
		{"https://b.example", ErrClientIssuer},
	} {
		d := &discovery{issuer: tt.issuer, as: &serverMetadata{Issuer: tt.issuer}}
		c, _, err := rt.client(ctx, d, nil)
		if !errors.Is(err, tt.want) || (err == nil && (c.ID != "c" || c.AuthMethod != authSecretBasic)) {
			t.Errorf("client #%d for %s = %v, %v, want %v", i, tt.issuer, c, err, tt.want)
		}
	}
}

func TestClosedTransportDoesNotAuthorize(t *testing.T) {
	f := newFakeServer(t, nil)
	rt, b := newTestTransport(t, nil)
	rt.Close()
	if _, err := get(t, rt, f.resourceURL()); !errors.Is(err, errClosed) {
		t.Errorf("GET after Close = %v, want errClosed", err)
	}
	if b.count() != 0 {
		t.Errorf("Authorize calls after Close = %d, want 0", b.count())
	}
}
