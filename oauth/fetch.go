package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// maxDocument bounds a metadata document or an endpoint's response body.
const maxDocument = 1 << 20

// fetcher sends the package's own requests: discovery, registration and
// token requests. It calls the base round tripper directly, so no redirect
// is followed (a redirect would lead to an address that no metadata named)
// and no cookie is kept.
type fetcher struct {
	base   http.RoundTripper
	logger *slog.Logger
}

// do sends req and reads the whole (bounded) response body.
func (f *fetcher) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := f.base.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return resp, nil, err
	}
	if len(body) > maxDocument {
		return resp, nil, fmt.Errorf("response body larger than %d bytes", maxDocument)
	}
	return resp, body, nil
}

// getJSON fetches a metadata document into v. found is false, with a nil
// error, when the server answered with a status other than 200: the
// discovery orders move on to their next candidate then.
func (f *fetcher) getJSON(ctx context.Context, u *url.URL, v any) (found bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, body, err := f.do(req)
	if err != nil {
		return false, fmt.Errorf("get %s: %w", redactURL(u), err)
	}
	if resp.StatusCode != http.StatusOK {
		f.logger.Debug("oauth metadata not found", "url", redactURL(u), "status", resp.StatusCode)
		return false, nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return false, fmt.Errorf("get %s: malformed document: %w", redactURL(u), err)
	}
	return true, nil
}

// postForm sends an application/x-www-form-urlencoded POST.
func (f *fetcher) postForm(ctx context.Context, u *url.URL, form url.Values, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return f.do(req)
}

// postJSON sends a JSON POST.
func (f *fetcher) postJSON(ctx context.Context, u *url.URL, v any) (*http.Response, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return f.do(req)
}

// endpointError turns an error response of an OAuth endpoint into a
// *TokenError, reading the RFC 6749 error fields when the body has them.
func endpointError(op string, resp *http.Response, body []byte) *TokenError {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	return &TokenError{Op: op, Status: resp.StatusCode, Code: e.Error, Description: truncate(e.Description, 300)}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
