package lean

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// exchange is one HTTP request to the handler and what must come back.
type exchange struct {
	name    string
	method  string // HTTP method; POST when empty
	path    string
	header  map[string]string // "SESSION" as a value stands for the live session's id
	body    string
	status  int
	ctype   string // wanted Content-Type; not checked when empty
	want    string // wanted body (the JSON of an SSE event, for event streams); not checked when empty
	errCode int    // wanted JSON-RPC error code, when the body is a JSON-RPC error
}

func modernHeaders(method, name string) map[string]string {
	h := map[string]string{"Mcp-Protocol-Version": modernVersion, "Mcp-Method": method}
	if name != "" {
		h["Mcp-Name"] = name
	}
	return h
}

const (
	modernCallBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `,"name":"echo","arguments":{"message":"hi"}}}`
	legacyCallBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}`
	initBody       = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
)

func TestHandler(t *testing.T) {
	session := map[string]string{"Mcp-Session-Id": "SESSION", "Mcp-Protocol-Version": latestLegacy}
	tests := []exchange{
		{name: "modern call", path: ModernPath, header: modernHeaders("tools/call", "echo"), body: modernCallBody,
			status: 200, ctype: "application/json", want: modernCallHi},
		{name: "modern call, Base64 name header", path: ModernPath,
			header: modernHeaders("tools/call", "=?base64?"+base64.StdEncoding.EncodeToString([]byte("echo"))+"?="),
			body:   modernCallBody, status: 200, want: modernCallHi},
		{name: "modern discover", path: ModernPath, header: modernHeaders("server/discover", ""),
			body:   `{"jsonrpc":"2.0","id":4,"method":"server/discover","params":{` + meta + `}}`,
			status: 200, want: `{"jsonrpc":"2.0","id":4,"result":` + modernDiscover + `}`},
		{name: "modern unknown method", path: ModernPath, header: modernHeaders("resources/list", ""),
			body: `{"jsonrpc":"2.0","id":1,"method":"resources/list","params":{` + meta + `}}`, status: 404, ctype: "application/json", errCode: codeMethodNotFound},
		{name: "modern unknown tool", path: ModernPath, header: modernHeaders("tools/call", "add"),
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `,"name":"add","arguments":{}}}`, status: 400, errCode: codeInvalidParams},
		{name: "modern missing arguments", path: ModernPath, header: modernHeaders("tools/call", "echo"),
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `,"name":"echo"}}`, status: 400, errCode: codeInvalidParams},
		{name: "modern Mcp-Name mismatch", path: ModernPath, header: modernHeaders("tools/call", "other"),
			body: modernCallBody, status: 400, errCode: codeHeaderMismatch},
		{name: "modern bad Base64 name", path: ModernPath, header: modernHeaders("tools/call", "=?base64?!!?="),
			body: modernCallBody, status: 400, errCode: codeHeaderMismatch},
		{name: "modern Mcp-Method missing", path: ModernPath, header: map[string]string{"Mcp-Protocol-Version": modernVersion},
			body: modernCallBody, status: 400, errCode: codeHeaderMismatch},
		{name: "modern Mcp-Method mismatch", path: ModernPath, header: modernHeaders("tools/list", "echo"),
			body: modernCallBody, status: 400, errCode: codeHeaderMismatch},
		{name: "modern version header missing", path: ModernPath, header: map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "echo"},
			body: modernCallBody, status: 400, errCode: codeHeaderMismatch},
		{name: "modern version header against _meta", path: ModernPath,
			header: map[string]string{"Mcp-Protocol-Version": "2025-11-25", "Mcp-Method": "tools/call", "Mcp-Name": "echo"},
			body:   modernCallBody, status: 400, errCode: codeHeaderMismatch},
		{name: "modern request without _meta", path: ModernPath, header: modernHeaders("tools/call", "echo"),
			body: legacyCallBody, status: 400, errCode: codeInvalidParams},
		{name: "modern unsupported revision", path: ModernPath,
			header: map[string]string{"Mcp-Protocol-Version": "2030-01-01", "Mcp-Method": "server/discover"},
			body:   `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2030-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}`,
			status: 400, want: `{"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"mcpclient: lean: unsupported protocol version","data":{"supported":["2026-07-28"],"requested":"2030-01-01"}}}`},
		{name: "modern endpoint refuses initialize, naming its revision", path: ModernPath, body: initBody,
			status: 400, want: `{"jsonrpc":"2.0","id":0,"error":{"code":-32022,"message":"mcpclient: lean: unsupported protocol version","data":{"supported":["2026-07-28"],"requested":"2025-11-25"}}}`},
		{name: "modern notification", path: ModernPath, body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`, status: 202, want: "-"},
		{name: "modern GET", method: http.MethodGet, path: ModernPath, status: 405},
		{name: "modern DELETE", method: http.MethodDelete, path: ModernPath, status: 405},
		{name: "bad JSON", path: ModernPath, header: modernHeaders("tools/call", "echo"), body: `{"jsonrpc":`, status: 400, errCode: codeParseError},

		{name: "legacy call", path: LegacyPath, header: session, body: legacyCallBody, status: 200, want: legacyCallHi},
		{name: "legacy call without a version header", path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION"}, body: legacyCallBody, status: 200, want: legacyCallHi},
		{name: "legacy ping", path: LegacyPath, header: session, body: `{"jsonrpc":"2.0","id":2,"method":"ping"}`, status: 200, want: pongTwo},
		{name: "legacy errors are 200 with a JSON-RPC error", path: LegacyPath, header: session, body: `{"jsonrpc":"2.0","id":2,"method":"nope"}`, status: 200, errCode: codeMethodNotFound},
		{name: "legacy notification", path: LegacyPath, header: session, body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`, status: 202, want: "-"},
		{name: "legacy response of the client's", path: LegacyPath, header: session, body: `{"jsonrpc":"2.0","id":3,"result":{}}`, status: 202, want: "-"},
		{name: "unknown session", path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "nope"}, body: legacyCallBody, status: 404},
		{name: "missing session", path: LegacyPath, body: legacyCallBody, status: 400},
		{name: "unsupported version header", path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION", "Mcp-Protocol-Version": "2099-01-01"}, body: legacyCallBody, status: 400},
		{name: "legacy GET: no standalone stream", method: http.MethodGet, path: LegacyPath, header: session, status: 405},
		{name: "legacy DELETE without a session", method: http.MethodDelete, path: LegacyPath, status: 400},
		{name: "legacy DELETE of an unknown session", method: http.MethodDelete, path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "nope"}, status: 404},
		{name: "PUT", method: http.MethodPut, path: LegacyPath, status: 405},
		{name: "other path", path: "/mcp", body: initBody, status: 404},
		{name: "foreign origin", path: ModernPath, header: map[string]string{"Origin": "http://example.com"}, body: modernCallBody, status: 403},
		{name: "loopback origin", path: LegacyPath, header: map[string]string{"Origin": "http://localhost:3000", "Mcp-Session-Id": "SESSION"}, body: legacyCallBody, status: 200, want: legacyCallHi},
		{name: "body over the limit", path: ModernPath, body: strings.Repeat(" ", maxLine+1), status: 400},
	}
	for _, sse := range []bool{false, true} {
		srv := httptest.NewServer(Handler(sse))
		sid := initialize(t, srv.URL, sse)
		for _, tt := range tests {
			mode := "json"
			if sse {
				mode = "sse"
			}
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				if sse && tt.status == 200 {
					tt.ctype = "text/event-stream"
				}
				check(t, srv.URL, sid, tt)
			})
		}
		srv.Close()
	}
}

// initialize opens a 2025-11-25 session and returns its id.
func initialize(t *testing.T, base string, sse bool) string {
	t.Helper()
	status, hdr, body := do(t, base, exchange{path: LegacyPath, body: initBody})
	want := `{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"lean","version":"1.0.0"}}}`
	if sse {
		want = ssePrefix + want + sseSuffix
	}
	if status != 200 || body != want {
		t.Fatalf("initialize = %d %s, want 200 %s", status, body, want)
	}
	sid := hdr.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("initialize answered without Mcp-Session-Id")
	}
	return sid
}

func do(t *testing.T, base string, ex exchange) (int, http.Header, string) {
	t.Helper()
	method := ex.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+ex.path, strings.NewReader(ex.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range ex.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func check(t *testing.T, base, sid string, ex exchange) {
	t.Helper()
	hdr := map[string]string{}
	for k, v := range ex.header {
		if v == "SESSION" {
			v = sid
		}
		hdr[k] = v
	}
	ex.header = hdr
	status, h, body := do(t, base, ex)
	if status != ex.status {
		t.Fatalf("%s %s = %d %q, want status %d", ex.method, ex.path, status, body, ex.status)
	}
	if ex.ctype != "" && h.Get("Content-Type") != ex.ctype {
		t.Errorf("Content-Type = %q, want %q", h.Get("Content-Type"), ex.ctype)
	}
	if ex.ctype == "text/event-stream" {
		if !strings.HasPrefix(body, ssePrefix) || !strings.HasSuffix(body, sseSuffix) {
			t.Fatalf("event stream = %q, want one event", body)
		}
		body = strings.TrimSuffix(strings.TrimPrefix(body, ssePrefix), sseSuffix)
	}
	switch {
	case ex.want == "-" && body != "":
		t.Errorf("body = %q, want none", body)
	case ex.want != "" && ex.want != "-" && body != ex.want:
		t.Errorf("body = %s, want %s", body, ex.want)
	}
	if ex.errCode != 0 {
		var m struct {
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &m); err != nil || m.Error.Code != ex.errCode {
			t.Errorf("body = %s, want a JSON-RPC error %d", body, ex.errCode)
		}
	}
}

func TestHandlerSessionLifetime(t *testing.T) {
	srv := httptest.NewServer(Handler(false))
	defer srv.Close()
	sid := initialize(t, srv.URL, false)
	other := initialize(t, srv.URL, false)
	if sid == other {
		t.Fatalf("two initializes gave one session id %q", sid)
	}
	steps := []exchange{
		{name: "call", path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION"}, body: legacyCallBody, status: 200, want: legacyCallHi},
		{name: "delete", method: http.MethodDelete, path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION"}, status: 204},
		{name: "call after delete", path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION"}, body: legacyCallBody, status: 404},
		{name: "delete again", method: http.MethodDelete, path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION"}, status: 404},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { check(t, srv.URL, sid, st) })
	}
	t.Run("other session lives on", func(t *testing.T) {
		check(t, srv.URL, other, exchange{path: LegacyPath, header: map[string]string{"Mcp-Session-Id": "SESSION"}, body: legacyCallBody, status: 200, want: legacyCallHi})
	})
}

func TestSessionsBounded(t *testing.T) {
	s := newSessions()
	for i := range maxSessions {
		if _, ok := s.add(); !ok {
			t.Fatalf("add() #%d ok = false, want true below the bound", i)
		}
	}
	if _, ok := s.add(); ok {
		t.Error("add() past maxSessions ok = true, want false")
	}
}

func TestDecodeHeaderValue(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"echo", "echo", true},
		{"=?base64?SGVsbG8sIOS4lueVjA==?=", "Hello, 世界", true},
		{"=?base64?!?=", "", false},
		{"=?base64?", "=?base64?", true},
	}
	for _, tt := range tests {
		got, ok := decodeHeaderValue(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("decodeHeaderValue(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReadBody(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		length int64 // Content-Length; -1 for unknown
		ok     bool
	}{
		{"known length", `{"a":1}`, 7, true},
		{"unknown length", strings.Repeat("x", 10000), -1, true},
		{"unknown length over the limit", strings.Repeat("x", maxLine+1), -1, false},
		{"declared length over the limit", "x", maxLine + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{Body: io.NopCloser(strings.NewReader(tt.body)), ContentLength: tt.length}
			got, err := readBody(r, make([]byte, 0, 16))
			if (err == nil) != tt.ok {
				t.Fatalf("readBody() error = %v, want ok %v", err, tt.ok)
			}
			if tt.ok && string(got) != tt.body {
				t.Errorf("readBody() = %d bytes, want %d", len(got), len(tt.body))
			}
		})
	}
}
