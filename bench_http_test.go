package mcpclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCallToolHTTPNoNetwork measures the library's own cost of a
// tools/call over the HTTP transport: the round tripper answers in memory,
// so net/http's connections, the kernel and the server are left out and
// what remains is message encoding, headers, the hand-over of the answer
// and its decoding.
//
//	go test -run '^$' -bench CallToolHTTPNoNetwork -benchmem
func BenchmarkCallToolHTTPNoNetwork(b *testing.B) {
	for _, inflight := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			client := &http.Client{Transport: cannedServer{}}
			s, err := Connect(context.Background(), &HTTPTransport{URL: "http://127.0.0.1:1/mcp", HTTPClient: client}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchCalls(b, s, inflight)
		})
	}
}

// cannedServer is an http.RoundTripper that plays a minimal MCP server of
// the 2025-11-25 revision with one tool, "add", answering in memory.
type cannedServer struct{}

func (cannedServer) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	h := http.Header{"Content-Type": {"application/json"}, "Mcp-Session-Id": {"s1"}}
	resp := &http.Response{StatusCode: http.StatusAccepted, Header: h, Body: http.NoBody, Request: req, ContentLength: 0}
	if req.Method != http.MethodPost {
		resp.StatusCode = http.StatusMethodNotAllowed
		return resp, nil
	}
	id, ok := cannedID(body)
	if !ok {
		return resp, nil // a notification
	}
	var out string
	switch {
	case bytes.Contains(body, []byte(`"method":"initialize"`)):
		out = `{"jsonrpc":"2.0","id":` + id + `,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"canned","version":"1"}}}`
	case bytes.Contains(body, []byte(`"method":"tools/call"`)):
		out = `{"jsonrpc":"2.0","id":` + id + `,"result":{"content":[{"type":"text","text":"5"}]}}`
	default:
		out = `{"jsonrpc":"2.0","id":` + id + `,"error":{"code":-32601,"message":"method not found"}}`
	}
	resp.StatusCode = http.StatusOK
	resp.ContentLength = int64(len(out))
	resp.Body = io.NopCloser(strings.NewReader(out))
	return resp, nil
}

// cannedID returns the numeric id of a request the session wrote.
func cannedID(body []byte) (string, bool) {
	_, rest, ok := bytes.Cut(body, []byte(`"id":`))
	if !ok {
		return "", false
	}
	end := 0
	for end < len(rest) && (rest[end] == '-' || rest[end] >= '0' && rest[end] <= '9') {
		end++
	}
	if _, err := strconv.Atoi(string(rest[:end])); err != nil {
		return "", false
	}
	return string(rest[:end]), true
}
