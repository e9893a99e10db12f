package oauth

import (
	"errors"
	"net/url"
	"testing"
)

func TestReadAuthorizationResponse(t *testing.T) {
	const issuer = "https://auth.example"
	redirect := mustURL(t, "http://127.0.0.1:8765/callback")
	tests := []struct {
		name      string
		supported bool // authorization_response_iss_parameter_supported
		query     url.Values
		at        string // redirect location, when not the redirect URI
		wantCode  string
		wantErr   error
		wantToken bool // a *TokenError
	}{
		{name: "iss matches", supported: true, query: url.Values{"code": {"c"}, "state": {"s"}, "iss": {issuer}}, wantCode: "c"},
		{name: "iss absent, not promised", query: url.Values{"code": {"c"}, "state": {"s"}}, wantCode: "c"},
		{name: "iss absent, promised", supported: true, query: url.Values{"code": {"c"}, "state": {"s"}}, wantErr: ErrBadRedirect},
		{name: "iss wrong, promised", supported: true, query: url.Values{"code": {"c"}, "state": {"s"}, "iss": {"https://evil.example"}}, wantErr: ErrIssuerMismatch},
		{name: "iss wrong, not promised", query: url.Values{"code": {"c"}, "state": {"s"}, "iss": {"https://evil.example"}}, wantErr: ErrIssuerMismatch},
		{name: "iss with trailing slash", supported: true, query: url.Values{"code": {"c"}, "state": {"s"}, "iss": {issuer + "/"}}, wantErr: ErrIssuerMismatch},
		{name: "iss in upper case", supported: true, query: url.Values{"code": {"c"}, "state": {"s"}, "iss": {"HTTPS://auth.example"}}, wantErr: ErrIssuerMismatch},
		{name: "iss twice", query: url.Values{"code": {"c"}, "state": {"s"}, "iss": {issuer, issuer}}, wantErr: ErrIssuerMismatch},
		{name: "state wrong", query: url.Values{"code": {"c"}, "state": {"x"}}, wantErr: ErrBadRedirect},
		{name: "state missing", query: url.Values{"code": {"c"}}, wantErr: ErrBadRedirect},
		{name: "no code", query: url.Values{"state": {"s"}}, wantErr: ErrBadRedirect},
		{name: "error from the right server", query: url.Values{"error": {"access_denied"}, "state": {"s"}, "iss": {issuer}}, wantToken: true},
		{name: "error from another server", query: url.Values{"error": {"access_denied"}, "state": {"s"}, "iss": {"https://evil.example"}}, wantErr: ErrIssuerMismatch},
		{name: "another redirect URI", at: "http://127.0.0.1:8765/other", query: url.Values{"code": {"c"}, "state": {"s"}}, wantErr: ErrBadRedirect},
		{name: "another port", at: "http://127.0.0.1:9999/callback", query: url.Values{"code": {"c"}, "state": {"s"}}, wantErr: ErrBadRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &discovery{issuer: issuer, as: &serverMetadata{Issuer: issuer, AuthorizationResponseIssParameterSupported: tt.supported}}
			at := tt.at
			if at == "" {
				at = redirect.String()
			}
			code, err := readAuthorizationResponse(at+"?"+tt.query.Encode(), redirect, "s", d)
			var te *TokenError
			switch {
			case tt.wantToken:
				if !errors.As(err, &te) || te.Code != "access_denied" {
					t.Errorf("readAuthorizationResponse = %v, want a TokenError access_denied", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("readAuthorizationResponse = %q, %v, want %v", code, err, tt.wantErr)
				}
				if errors.As(err, &te) {
					t.Errorf("readAuthorizationResponse acted on the error fields: %v", err)
				}
			case err != nil || code != tt.wantCode:
				t.Errorf("readAuthorizationResponse = %q, %v, want %q", code, err, tt.wantCode)
			}
		})
	}
}
