package floor

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCallTemplate(t *testing.T) {
	tests := []struct {
		version string
		want    string
	}{
		{Legacy, `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo","arguments":{"m":1}},"id":7}`},
		{Modern, `{"jsonrpc":"2.0","method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"floor","version":"1.0.0"},"io.modelcontextprotocol/clientCapabilities":{}},"name":"echo","arguments":{"m":1}},"id":7}`},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			tmpl := newCallTemplate(tt.version, "echo", `{"m":1}`)
			got := string(tmpl.append(nil, 7))
			if got != tt.want {
				t.Errorf("append(7) = %s, want %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("append(7) = %s, not valid JSON", got)
			}
		})
	}
}

func TestHandshakeMessages(t *testing.T) {
	for _, v := range []string{Legacy, Modern} {
		req, note := handshake(v)
		if !json.Valid(req) || (note != nil && !json.Valid(note)) {
			t.Errorf("handshake(%s) = %s, %s, want valid JSON", v, req, note)
		}
		if (note != nil) != (v == Legacy) {
			t.Errorf("handshake(%s) notification = %s, want one only for %s", v, note, Legacy)
		}
	}
}

func TestCheckHandshake(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
	}{
		{`{"jsonrpc":"2.0","id":0,"result":{}}`, true},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, false},
		{`{"jsonrpc":"2.0","id":0,"error":{"code":-32601,"message":"no"}}`, false},
		{`not json`, false},
	}
	for _, tt := range tests {
		if err := checkHandshake([]byte(tt.in)); (err == nil) != tt.valid {
			t.Errorf("checkHandshake(%s) = %v, want valid %v", tt.in, err, tt.valid)
		}
	}
}

func TestResponseText(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"id":1,"result":{"content":[{"type":"text","text":"hello"}]}}`, "hello", true},
		{`{"id":1,"result":{"content":[{"type":"text","text":"x"}],"isError":true}}`, "", false},
		{`{"id":1,"result":{"content":[]}}`, "", false},
		{`{"id":1,"error":{"code":-1,"message":"bad"}}`, "", false},
		{`{"id":1}`, "", false},
	}
	for _, tt := range tests {
		var r response
		if err := json.Unmarshal([]byte(tt.in), &r); err != nil {
			t.Fatal(err)
		}
		got, err := r.text()
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("text(%s) = %q, %v, want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestReadMessage(t *testing.T) {
	const resp = `{"jsonrpc":"2.0","id":1,"result":{}}`
	tests := []struct {
		name, contentType, body string
		want                    string
		ok                      bool
	}{
		{"json", "application/json", resp, resp, true},
		{"sse", "text/event-stream", "event: message\ndata: " + resp + "\n\n", resp, true},
		{"sse with crlf and id", "text/event-stream; charset=utf-8", "id: 3\r\ndata:" + resp + "\r\n\r\n", resp, true},
		{"sse after a notification", "text/event-stream",
			"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n: keepalive\n\ndata: " + resp + "\n\n", resp, true},
		{"sse in two data lines", "text/event-stream", "data: {\"jsonrpc\":\"2.0\",\ndata: \"id\":1,\"result\":{}}\n\n",
			"{\"jsonrpc\":\"2.0\",\n\"id\":1,\"result\":{}}", true},
		{"sse ending early", "text/event-stream", "data: " + resp, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Response{Header: http.Header{"Content-Type": {tt.contentType}}, Body: io.NopCloser(strings.NewReader(tt.body))}
			got, err := readMessage(r)
			if string(got) != tt.want || (err == nil) != tt.ok {
				t.Errorf("readMessage(%q) = %q, %v, want %q, ok %v", tt.body, got, err, tt.want, tt.ok)
			}
		})
	}
}
