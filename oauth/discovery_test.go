package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docServer serves JSON documents by path (with "{base}" replaced by its
// URL) and records the paths asked for.
type docServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func newDocServer(t *testing.T, docs map[string]string) *docServer {
	t.Helper()
	d := &docServer{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.seen = append(d.seen, r.URL.Path)
		d.mu.Unlock()
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(strings.ReplaceAll(doc, "{base}", d.srv.URL)))
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func TestDiscoveryOrder(t *testing.T) {
	const meta = `{"issuer":"{base}","authorization_endpoint":"{base}/a","token_endpoint":"{base}/t","code_challenge_methods_supported":["S256"]}`
	const tenantMeta = `{"issuer":"{base}/tenant1","authorization_endpoint":"{base}/a","token_endpoint":"{base}/t"}`
	tests := []struct {
		name       string
		docs       map[string]string
		header     string // resource_metadata, with {base}
		wantSeen   []string
		wantIssuer string // with {base}
		wantRes    string
		wantLegacy bool
	}{
		{
			name:       "resource_metadata from the challenge",
			header:     "{base}/custom/prm.json",
			docs:       map[string]string{"/custom/prm.json": `{"resource":"{base}/mcp","authorization_servers":["{base}"]}`, "/.well-known/oauth-authorization-server": meta},
			wantSeen:   []string{"/custom/prm.json", "/.well-known/oauth-authorization-server"},
			wantIssuer: "{base}", wantRes: "{base}/mcp",
		},
		{
			name:       "path form first",
			docs:       map[string]string{"/.well-known/oauth-protected-resource/mcp": `{"resource":"{base}/mcp","authorization_servers":["{base}"]}`, "/.well-known/oauth-authorization-server": meta},
			wantSeen:   []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server"},
			wantIssuer: "{base}", wantRes: "{base}/mcp",
		},
		{
			name: "root form, issuer with path, OpenID Connect appended form",
			docs: map[string]string{
				"/.well-known/oauth-protected-resource":     `{"resource":"{base}","authorization_servers":["{base}/tenant1"]}`,
				"/tenant1/.well-known/openid-configuration": tenantMeta,
			},
			wantSeen: []string{
				"/.well-known/oauth-protected-resource/mcp",
				"/.well-known/oauth-protected-resource",
				"/.well-known/oauth-authorization-server/tenant1",
				"/.well-known/openid-configuration/tenant1",
				"/tenant1/.well-known/openid-configuration",
			},
			wantIssuer: "{base}/tenant1", wantRes: "{base}",
		},
		{
			name: "OpenID Connect for an issuer without path",
			docs: map[string]string{
				"/.well-known/oauth-protected-resource/mcp": `{"resource":"{base}/mcp","authorization_servers":["{base}"]}`,
				"/.well-known/openid-configuration":         meta,
			},
			wantSeen: []string{
				"/.well-known/oauth-protected-resource/mcp",
				"/.well-known/oauth-authorization-server",
				"/.well-known/openid-configuration",
			},
			wantIssuer: "{base}", wantRes: "{base}/mcp",
		},
		{
			name:       "2025-03-26 server with metadata",
			docs:       map[string]string{"/.well-known/oauth-authorization-server": `{"issuer":"{base}/oauth","token_endpoint":"{base}/oauth/token"}`},
			wantSeen:   []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server"},
			wantIssuer: "{base}/oauth", wantRes: "{base}/mcp",
		},
		{
			name:       "2025-03-26 server without metadata",
			docs:       map[string]string{},
			wantSeen:   []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server"},
			wantIssuer: "{base}", wantRes: "{base}/mcp", wantLegacy: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := newDocServer(t, tt.docs)
			base := ds.srv.URL
			f := &fetcher{base: http.DefaultTransport, logger: discardLogger}
			ch := oauthChallenge{present: true, resourceMetadata: strings.ReplaceAll(tt.header, "{base}", base)}
			d, err := f.discover(context.Background(), mustURL(t, base+"/mcp"), ch)
			if err != nil {
				t.Fatalf("discover = %v", err)
			}
			if diff := cmp.Diff(tt.wantSeen, ds.seen); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			want := strings.NewReplacer("{base}", base)
			if d.issuer != want.Replace(tt.wantIssuer) || d.resource != want.Replace(tt.wantRes) || d.legacyEndpoints != tt.wantLegacy {
				t.Errorf("discover = issuer %q, resource %q, legacy %v; want %q, %q, %v",
					d.issuer, d.resource, d.legacyEndpoints, want.Replace(tt.wantIssuer), want.Replace(tt.wantRes), tt.wantLegacy)
			}
			if tt.wantLegacy && d.as.TokenEndpoint != base+"/token" {
				t.Errorf("legacy token endpoint = %q, want %q", d.as.TokenEndpoint, base+"/token")
			}
		})
	}
}

func TestDiscoveryRefusals(t *testing.T) {
	tests := []struct {
		name string
		docs map[string]string
		want error
	}{
		{"legacy issuer on another host", map[string]string{"/.well-known/oauth-authorization-server": `{"issuer":"https://other.example","token_endpoint":"https://other.example/t"}`}, ErrIssuerMismatch},
		{"resource missing", map[string]string{"/.well-known/oauth-protected-resource/mcp": `{"authorization_servers":["{base}"]}`}, ErrResourceMismatch},
		{"no authorization server", map[string]string{"/.well-known/oauth-protected-resource/mcp": `{"resource":"{base}/mcp","authorization_servers":[]}`}, ErrNoMetadata},
		{"no metadata for the issuer", map[string]string{"/.well-known/oauth-protected-resource/mcp": `{"resource":"{base}/mcp","authorization_servers":["{base}"]}`}, ErrNoMetadata},
		{"token endpoint over http elsewhere", map[string]string{
			"/.well-known/oauth-protected-resource/mcp": `{"resource":"{base}/mcp","authorization_servers":["{base}"]}`,
			"/.well-known/oauth-authorization-server":   `{"issuer":"{base}","token_endpoint":"http://auth.example/t"}`,
		}, ErrInsecureURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := newDocServer(t, tt.docs)
			f := &fetcher{base: http.DefaultTransport, logger: discardLogger}
			_, err := f.discover(context.Background(), mustURL(t, ds.srv.URL+"/mcp"), oauthChallenge{})
			if !errors.Is(err, tt.want) {
				t.Errorf("discover = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDiscoverySecondAuthorizationServer(t *testing.T) {
	ds := newDocServer(t, map[string]string{
		"/.well-known/oauth-protected-resource/mcp": `{"resource":"{base}/mcp","authorization_servers":["{base}/gone","{base}"]}`,
		"/.well-known/oauth-authorization-server":   `{"issuer":"{base}","token_endpoint":"{base}/t"}`,
	})
	f := &fetcher{base: http.DefaultTransport, logger: discardLogger}
	d, err := f.discover(context.Background(), mustURL(t, ds.srv.URL+"/mcp"), oauthChallenge{})
	if err != nil || d.issuer != ds.srv.URL {
		t.Fatalf("discover = %v, %v, want the second server %s", d, err, ds.srv.URL)
	}
}
