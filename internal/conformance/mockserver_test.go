package conformance

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient"
)

// mockServer is a scripted MCP server over HTTP for the tests that need no
// npm: it answers every POSTed request with what reply returns, accepts
// notifications with 202, refuses GET and DELETE with 405, and records the
// requests it got.
type mockServer struct {
	*httptest.Server
	reply func(r mockRequest) (status int, resp mockResponse)

	mu   sync.Mutex
	reqs []mockRequest
}

// mockRequest is one JSON-RPC request as the server got it.
type mockRequest struct {
	Method string
	Params json.RawMessage
	Header http.Header
}

// mockResponse is the result or error member of a response.
type mockResponse struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  json.RawMessage `json:"error,omitempty"`
}

func result(raw string) mockResponse { return mockResponse{Result: json.RawMessage(raw)} }

func rpcError(raw string) mockResponse { return mockResponse{Error: json.RawMessage(raw)} }

func newMockServer(t *testing.T, reply func(mockRequest) (int, mockResponse)) *mockServer {
	t.Helper()
	m := &mockServer{reply: reply}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.Close)
	return m
}

func (m *mockServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	body, _ := io.ReadAll(r.Body)
	if json.Unmarshal(body, &msg) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if msg.ID == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	req := mockRequest{Method: msg.Method, Params: msg.Params, Header: r.Header.Clone()}
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	status, resp := m.reply(req)
	out, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		mockResponse
	}{"2.0", msg.ID, resp})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(out)
}

// requests returns the requests of one method, in order.
func (m *mockServer) requests(method string) []mockRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []mockRequest
	for _, r := range m.reqs {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// modernServer answers as a 2026-07-28 server with the given tools list.
func modernServer(t *testing.T, tools string) *mockServer {
	return newMockServer(t, func(r mockRequest) (int, mockResponse) {
		switch r.Method {
		case "server/discover":
			return http.StatusOK, result(`{"resultType":"complete","supportedVersions":["2026-07-28"],` +
				`"capabilities":{"tools":{}},"ttlMs":0,"cacheScope":"private"}`)
		case "tools/list":
			return http.StatusOK, result(`{"resultType":"complete","ttlMs":0,"cacheScope":"private","tools":` + tools + `}`)
		case "tools/call":
			return http.StatusOK, result(`{"resultType":"complete","content":[{"type":"text","text":"ok"}]}`)
		}
		return http.StatusNotFound, rpcError(`{"code":-32601,"message":"method not found"}`)
	})
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a session to m in the default dual-era mode.
func connect(t *testing.T, m *mockServer) *mcpclient.Session {
	t.Helper()
	s, err := mcpclient.Connect(testContext(t), &mcpclient.HTTPTransport{URL: m.URL}, nil)
	if err != nil {
		t.Fatalf("Connect(%s) = %v", m.URL, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
