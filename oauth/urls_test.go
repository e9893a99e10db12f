package oauth

import (
	"errors"
	"net/url"
	"slices"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		raw, namedBy string
		ok           bool
	}{
		{"https://auth.example/token", "", true},
		{"http://127.0.0.1:8080/token", "", true},
		{"http://localhost:1/x", "http://127.0.0.1/", true},
		{"http://[::1]:1/x", "", true},
		{"http://auth.example/token", "", false},
		{"https://auth.example/t#frag", "", false},
		{"https://user:pw@auth.example/t", "", false},
		{"ftp://auth.example/t", "", false},
		{"/relative", "", false},
		{"https://127.0.0.1/x", "https://mcp.example/prm", false},
		{"http://localhost/x", "https://mcp.example/prm", false},
		{"https://auth.example/x", "https://mcp.example/prm", true},
	}
	for _, tt := range tests {
		t.Run(tt.raw+" by "+tt.namedBy, func(t *testing.T) {
			var by *url.URL
			if tt.namedBy != "" {
				by = mustURL(t, tt.namedBy)
			}
			_, err := checkURL(tt.raw, by)
			if (err == nil) != tt.ok {
				t.Errorf("checkURL(%q, %q) = %v, want ok %v", tt.raw, tt.namedBy, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInsecureURL) {
				t.Errorf("checkURL(%q) = %v, want ErrInsecureURL", tt.raw, err)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		resource, target string
		want             bool
	}{
		{"https://m.example/mcp", "https://m.example/mcp", true},
		{"https://m.example", "https://m.example/mcp", true},
		{"https://m.example/", "https://m.example/mcp", true},
		{"HTTPS://M.example:443/mcp", "https://m.example/mcp", true},
		{"https://m.example/mcp", "https://m.example/mcp/sub", true},
		{"https://m.example/mc", "https://m.example/mcp", false},
		{"https://m.example/mcp", "https://m.example/other", false},
		{"https://evil.example/mcp", "https://m.example/mcp", false},
		{"http://m.example/mcp", "https://m.example/mcp", false},
		{"https://m.example:8443/mcp", "https://m.example/mcp", false},
	}
	for _, tt := range tests {
		if got := covers(mustURL(t, tt.resource), mustURL(t, tt.target)); got != tt.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tt.resource, tt.target, got, tt.want)
		}
	}
}

func TestWellKnownURLs(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"prm with path", prmURLs(mustURL(t, "https://m.example/public/mcp?x=1")), []string{
			"https://m.example/.well-known/oauth-protected-resource/public/mcp",
			"https://m.example/.well-known/oauth-protected-resource",
		}},
		{"prm at root", prmURLs(mustURL(t, "https://m.example/")), []string{
			"https://m.example/.well-known/oauth-protected-resource",
		}},
		{"issuer with path", asMetadataURLs(mustURL(t, "https://auth.example/tenant1")), []string{
			"https://auth.example/.well-known/oauth-authorization-server/tenant1",
			"https://auth.example/.well-known/openid-configuration/tenant1",
			"https://auth.example/tenant1/.well-known/openid-configuration",
		}},
		{"issuer without path", asMetadataURLs(mustURL(t, "https://auth.example")), []string{
			"https://auth.example/.well-known/oauth-authorization-server",
			"https://auth.example/.well-known/openid-configuration",
		}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestCanonicalResource(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://M.Example/mcp?x=1#f": "https://m.example/mcp",
		"https://m.example/":          "https://m.example",
		"https://m.example:443":       "https://m.example",
		"http://127.0.0.1:8080/mcp/":  "http://127.0.0.1:8080/mcp/",
	} {
		if got := canonicalResource(mustURL(t, in)); got != want {
			t.Errorf("canonicalResource(%q) = %q, want %q", in, got, want)
		}
	}
}
