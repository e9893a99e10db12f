package conformance

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mcpclient/mcpclient"
)

// TestVersionRetry checks the answer to an UnsupportedProtocolVersion error
// that lists the version just refused: one retry, which the suite's
// request-metadata scenario expects, and no loop when the server refuses
// again.
func TestVersionRetry(t *testing.T) {
	tests := []struct {
		name      string
		refusals  int64
		wantErr   error
		discovers int
	}{
		{"refused once", 1, nil, 2},
		{"refused always", 1 << 30, mcpclient.ErrUnsupportedVersion, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refused atomic.Int64
			m := newMockServer(t, func(r mockRequest) (int, mockResponse) {
				if refused.Add(1) <= tt.refusals {
					return http.StatusBadRequest, rpcError(`{"code":-32022,"message":"Unsupported protocol version",` +
						`"data":{"supported":["2026-07-28"],"requested":"2026-07-28"}}`)
				}
				return http.StatusOK, result(`{"resultType":"complete","supportedVersions":["2026-07-28"],` +
					`"capabilities":{},"ttlMs":0,"cacheScope":"private"}`)
			})
			s, err := mcpclient.Connect(testContext(t), &mcpclient.HTTPTransport{URL: m.URL}, nil)
			if err == nil {
				defer s.Close()
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Connect = %v, want %v", err, tt.wantErr)
			}
			if n := len(m.requests("server/discover")); n != tt.discovers {
				t.Errorf("server/discover requests = %d, want %d", n, tt.discovers)
			}
			if err == nil && (s.ProtocolVersion() != mcpclient.Version20260728 || !s.Modern()) {
				t.Errorf("ProtocolVersion, Modern = %s, %v, want %s, true", s.ProtocolVersion(), s.Modern(), mcpclient.Version20260728)
			}
		})
	}
}

// TestLegacyDiscoverAnswer checks that a legacy server which answers
// server/discover like any unknown method, with a result that lists no
// versions, is taken for legacy, as the suite's plain servers do.
func TestLegacyDiscoverAnswer(t *testing.T) {
	tests := []struct {
		name     string
		discover string
	}{
		{"empty object", `{}`},
		{"complete without versions", `{"resultType":"complete"}`},
		{"not an object", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMockServer(t, func(r mockRequest) (int, mockResponse) {
				switch r.Method {
				case "server/discover":
					return http.StatusOK, result(tt.discover)
				case "initialize":
					return http.StatusOK, result(`{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"legacy","version":"1"}}`)
				}
				return http.StatusOK, result(`{}`)
			})
			s := connect(t, m)
			if s.ProtocolVersion() != mcpclient.Version20251125 || s.Modern() {
				t.Errorf("ProtocolVersion, Modern = %s, %v, want %s, false", s.ProtocolVersion(), s.Modern(), mcpclient.Version20251125)
			}
			if n := len(m.requests("initialize")); n != 1 {
				t.Errorf("initialize requests = %d, want 1", n)
			}
		})
	}
}
