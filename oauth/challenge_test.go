package oauth

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		in   string
		want []challenge
	}{
		{`Bearer`, []challenge{{"bearer", map[string]string{}}}},
		{`Bearer resource_metadata="https://x/prm", scope="a b"`, []challenge{{"bearer", map[string]string{"resource_metadata": "https://x/prm", "scope": "a b"}}}},
		{`Bearer error="insufficient_scope",scope="files:read files:write", error_description="need \"write\""`,
			[]challenge{{"bearer", map[string]string{"error": "insufficient_scope", "scope": "files:read files:write", "error_description": `need "write"`}}}},
		{`DPoP algs="ES256 PS256", Bearer realm="mcp"`, []challenge{
			{"dpop", map[string]string{"algs": "ES256 PS256"}},
			{"bearer", map[string]string{"realm": "mcp"}},
		}},
		{`Basic realm="x", Bearer scope=tok`, []challenge{
			{"basic", map[string]string{"realm": "x"}},
			{"bearer", map[string]string{"scope": "tok"}},
		}},
		{`Negotiate abc==`, []challenge{{"negotiate", map[string]string{"abc": ""}}}},
		{`Bearer scope="unterminated`, []challenge{{"bearer", map[string]string{"scope": "unterminated"}}}},
		{`, ,`, nil},
		{`BEARER SCOPE="x"`, []challenge{{"bearer", map[string]string{"scope": "x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := parseChallenges(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(challenge{})); diff != "" {
				t.Errorf("parseChallenges(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestReadChallenge(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   oauthChallenge
	}{
		{"none", nil, oauthChallenge{}},
		{"basic only", []string{`Basic realm="x"`}, oauthChallenge{other: true}},
		{"bearer beside basic", []string{`Basic realm="x"`, `Bearer scope="a"`}, oauthChallenge{present: true, scope: "a"}},
		{"dpop nonce", []string{`DPoP error="use_dpop_nonce", resource_metadata="https://m/prm"`},
			oauthChallenge{present: true, dpop: true, err: "use_dpop_nonce", resourceMetadata: "https://m/prm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Www-Authenticate": tt.values}
			if got := readChallenge(h); got != tt.want {
				t.Errorf("readChallenge(%q) = %+v, want %+v", tt.values, got, tt.want)
			}
		})
	}
}

func FuzzParseChallenges(f *testing.F) {
	f.Add(`Bearer resource_metadata="https://x/prm", scope="a b"`)
	f.Add(`DPoP algs="ES256", Bearer error="insufficient_scope"`)
	f.Add(`Basic "\`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range parseChallenges(s) {
			if c.scheme == "" {
				t.Fatalf("parseChallenges(%q) gave a challenge without a scheme", s)
			}
		}
	})
}
