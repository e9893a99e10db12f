package testserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	hInit        = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	hInitialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	hList        = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
)

// hFixture is a handler on loopback and a client for it.
type hFixture struct {
	t   *testing.T
	srv *Server
	h   *HTTPHandler
	url string
}

func newHFixture(t *testing.T, opts Options, hopts HTTPOptions) *hFixture {
	t.Helper()
	srv := New(opts)
	h := NewHTTPHandler(srv, hopts)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	t.Cleanup(h.Close)
	return &hFixture{t: t, srv: srv, h: h, url: hs.URL + "/mcp"}
}

// do sends one request; headers come in name, value pairs.
func (f *hFixture) do(method, url, body string, headers ...string) *http.Response {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	f.t.Cleanup(cancel)
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, url, err)
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// handshake initialises a session and returns its id.
func (f *hFixture) handshake() string {
	f.t.Helper()
	resp := f.do(http.MethodPost, f.url, hInit)
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || sid == "" {
		f.t.Fatalf("initialize: status %d, session %q", resp.StatusCode, sid)
	}
	io.Copy(io.Discard, resp.Body)
	resp = f.do(http.MethodPost, f.url, hInitialized, "Mcp-Session-Id", sid)
	if resp.StatusCode != http.StatusAccepted {
		f.t.Fatalf("notifications/initialized: status %d, want 202", resp.StatusCode)
	}
	return sid
}

// hEvent is one parsed SSE event.
type hEvent struct{ id, typ, data string }

// events reads events from a stream until it ends or n were read. It reads
// line by line from body, so that a later call on the same reader goes on
// where this one stopped.
func events(t *testing.T, body io.Reader, n int) []hEvent {
	t.Helper()
	br, ok := body.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(body)
	}
	var out []hEvent
	var cur hEvent
	for n <= 0 || len(out) < n {
		line, err := br.ReadString('\n')
		if err != nil {
			break
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if cur != (hEvent{}) {
				out = append(out, cur)
			}
			cur = hEvent{}
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "id":
			cur.id = v
		case "event":
			cur.typ = v
		case "data":
			cur.data = v
		}
	}
	return out
}

// rpcOf decodes an event's or a body's message.
func rpcOf(t *testing.T, data string) msg {
	t.Helper()
	var m msg
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatalf("not JSON-RPC: %q: %v", data, err)
	}
	return m
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTTPStreamableSessions(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools()}, HTTPOptions{})
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"no session id", nil, http.StatusBadRequest},
		{"unknown session id", []string{"Mcp-Session-Id", "nope"}, http.StatusNotFound},
	}
	for _, tt := range tests {
		if resp := f.do(http.MethodPost, f.url, hList, tt.headers...); resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}

	sid := f.handshake()
	resp := f.do(http.MethodPost, f.url, hList, "Mcp-Session-Id", sid)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/json" {
		t.Fatalf("tools/list: status %d, Content-Type %q", resp.StatusCode, ct)
	}
	if m := rpcOf(t, bodyOf(t, resp)); string(m.ID) != "2" || m.Result == nil {
		t.Errorf("tools/list answer = %+v, want a result for id 2", m)
	}

	get := f.do(http.MethodGet, f.url, "", "Mcp-Session-Id", sid, "Accept", "text/event-stream")
	if get.StatusCode != 200 || get.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET: status %d, Content-Type %q", get.StatusCode, get.Header.Get("Content-Type"))
	}
	if second := f.do(http.MethodGet, f.url, "", "Mcp-Session-Id", sid); second.StatusCode != http.StatusConflict {
		t.Errorf("second GET: status %d, want 409", second.StatusCode)
	}
	f.srv.SetTools(DemoTools()[:1])
	evs := events(t, get.Body, 1)
	if len(evs) != 1 || rpcOf(t, evs[0].data).Method != "notifications/tools/list_changed" || !strings.HasSuffix(evs[0].id, "/1") {
		t.Fatalf("GET stream events = %+v, want list_changed with id .../1", evs)
	}

	if del := f.do(http.MethodDelete, f.url, "", "Mcp-Session-Id", sid); del.StatusCode != http.StatusOK {
		t.Errorf("DELETE: status %d, want 200", del.StatusCode)
	}
	if resp := f.do(http.MethodPost, f.url, hList, "Mcp-Session-Id", sid); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST after DELETE: status %d, want 404", resp.StatusCode)
	}
	if f.h.Sessions() != 0 {
		t.Errorf("Sessions() = %d after DELETE, want 0", f.h.Sessions())
	}
}

func TestHTTPEventStreams(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools()}, HTTPOptions{SSEResponses: true, Retry: 25 * time.Millisecond})
	sid := f.handshake()
	call := `{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"slow_count","arguments":{"steps":2,"delay_ms":1},"_meta":{"progressToken":"tok"}}}`
	resp := f.do(http.MethodPost, f.url, call, "Mcp-Session-Id", sid)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q, want text/event-stream", ct)
	}
	raw := bodyOf(t, resp)
	if !strings.HasPrefix(raw, "retry: 25\n\n") {
		t.Errorf("stream starts %q, want the retry field", raw[:min(len(raw), 20)])
	}
	evs := events(t, strings.NewReader(raw), 0)
	if len(evs) != 4 {
		t.Fatalf("events = %+v, want priming, 2 progress, response", evs)
	}
	if evs[0].data != "" || !strings.HasSuffix(evs[0].id, "/0") {
		t.Errorf("first event = %+v, want a priming event with id .../0", evs[0])
	}
	for i, ev := range evs[1:3] {
		m := rpcOf(t, ev.data)
		if m.Method != "notifications/progress" || !strings.Contains(string(m.Params), `"progressToken":"tok"`) {
			t.Errorf("event %d = %s, want progress for tok", i+1, ev.data)
		}
	}
	if m := rpcOf(t, evs[3].data); string(m.ID) != `"c1"` || m.Result == nil {
		t.Errorf("last event = %s, want the result for id \"c1\"", evs[3].data)
	}
}

func TestHTTPDropAndResume(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools()}, HTTPOptions{SSEResponses: true, DropAfter: 2})
	sid := f.handshake()
	call := `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow_count","arguments":{"steps":3,"delay_ms":20},"_meta":{"progressToken":9}}}`
	evs := events(t, f.do(http.MethodPost, f.url, call, "Mcp-Session-Id", sid).Body, 0)
	if len(evs) != 2 {
		t.Fatalf("first stream = %+v, want the priming event and one more", evs)
	}
	rest := events(t, f.do(http.MethodGet, f.url, "", "Mcp-Session-Id", sid, "Last-Event-ID", evs[1].id).Body, 0)
	if len(rest) != 3 {
		t.Fatalf("resumed stream = %+v, want 2 progress and the response", rest)
	}
	if m := rpcOf(t, rest[2].data); string(m.ID) != "9" || m.Result == nil {
		t.Errorf("resumed stream ends with %s, want the result", rest[2].data)
	}
	if resp := f.do(http.MethodGet, f.url, "", "Mcp-Session-Id", sid, "Last-Event-ID", "bogus/1"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET with an unknown Last-Event-ID: status %d, want 400", resp.StatusCode)
	}
}

func TestHTTPFailPOSTs(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools()}, HTTPOptions{FailPOSTs: 2, FailStatus: 429, RetryAfter: "3"})
	sid := f.handshake()
	for i, want := range []int{429, 429, 200} {
		resp := f.do(http.MethodPost, f.url, hList, "Mcp-Session-Id", sid)
		if resp.StatusCode != want {
			t.Errorf("POST %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("POST %d: Retry-After %q, want 3", i, resp.Header.Get("Retry-After"))
		}
	}
}

func TestHTTPExpireAndCrash(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools(), Faults: Faults{CrashAfterCalls: 1}}, HTTPOptions{})
	sid := f.handshake()
	if n := f.h.ExpireSessions(); n != 1 {
		t.Fatalf("ExpireSessions() = %d, want 1", n)
	}
	if resp := f.do(http.MethodPost, f.url, hList, "Mcp-Session-Id", sid); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST to an expired session: status %d, want 404", resp.StatusCode)
	}

	sid = f.handshake()
	call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url, strings.NewReader(call))
	req.Header.Set("Mcp-Session-Id", sid)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("tools/call on a crashing server: status %d, want a broken connection", resp.StatusCode)
	}
	deadline := time.Now().Add(wait)
	for f.h.Sessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if resp := f.do(http.MethodPost, f.url, hList, "Mcp-Session-Id", sid); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST after the crash: status %d, want 404", resp.StatusCode)
	}
}

func TestHTTPLegacySSE(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools()}, HTTPOptions{Mode: HTTPLegacySSE})
	if resp := f.do(http.MethodPost, f.url, hInit); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the stream URL: status %d, want 405", resp.StatusCode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	br := bufio.NewReader(stream.Body)
	first := events(t, br, 1)
	if len(first) != 1 || first[0].typ != "endpoint" || !strings.HasPrefix(first[0].data, "/message?sessionId=") {
		t.Fatalf("first event = %+v, want the endpoint", first)
	}
	endpoint := strings.TrimSuffix(f.url, "/mcp") + first[0].data
	if resp := f.do(http.MethodPost, endpoint, hInit); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST initialize to the endpoint: status %d, want 202", resp.StatusCode)
	}
	if m := rpcOf(t, events(t, br, 1)[0].data); string(m.ID) != "1" || m.Result == nil {
		t.Errorf("stream message = %+v, want the initialize result", m)
	}
	if resp := f.do(http.MethodPost, strings.Replace(endpoint, "session-", "nope-", 1), hList); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST to an unknown session: status %d, want 404", resp.StatusCode)
	}
	cancel()
	deadline := time.Now().Add(wait)
	for f.h.Sessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := f.h.Sessions(); n != 0 {
		t.Errorf("Sessions() = %d after the client left, want 0", n)
	}
}

func TestHTTPModern(t *testing.T) {
	f := newHFixture(t, Options{Tools: DemoTools()}, HTTPOptions{Mode: HTTPModern})
	meta := func(v string) string { return `"_meta":{"io.modelcontextprotocol/protocolVersion":"` + v + `"}` }
	call := `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},` + meta("2026-07-28") + `}}`
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		code    int // JSON-RPC error code; 0 for a result
	}{
		{"ok", call, []string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "add"}, 200, 0},
		{"base64 name", call, []string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "=?base64?YWRk?="}, 200, 0},
		{"no version header", call, []string{"Mcp-Method", "tools/call", "Mcp-Name", "add"}, 400, codeHeaderMismatch},
		{"version mismatch", call, []string{"Mcp-Protocol-Version", "2026-08-01", "Mcp-Method", "tools/call", "Mcp-Name", "add"}, 400, codeHeaderMismatch},
		{"method mismatch", call, []string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/list", "Mcp-Name", "add"}, 400, codeHeaderMismatch},
		{"no name", call, []string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call"}, 400, codeHeaderMismatch},
		{"name mismatch", call, []string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "sub"}, 400, codeHeaderMismatch},
		{"unsupported version", strings.Replace(call, "2026-07-28", "2099-01-01", 1),
			[]string{"Mcp-Protocol-Version", "2099-01-01", "Mcp-Method", "tools/call", "Mcp-Name", "add"}, 400, codeUnsupportedVersion},
		{"unknown method", `{"jsonrpc":"2.0","id":5,"method":"nope/nope","params":{` + meta("2026-07-28") + `}}`,
			[]string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "nope/nope"}, 404, codeMethodNotFound},
		{"initialize", hInit, nil, 400, codeUnsupportedVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(http.MethodPost, f.url, tt.body, tt.headers...)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			m := rpcOf(t, bodyOf(t, resp))
			switch {
			case tt.code == 0 && (m.Error != nil || !strings.Contains(string(m.Result), `"resultType":"complete"`)):
				t.Errorf("answer = %+v, want a complete result", m)
			case tt.code != 0 && (m.Error == nil || m.Error.Code != tt.code):
				t.Errorf("answer = %+v, want error %d", m, tt.code)
			}
		})
	}

	disc := f.do(http.MethodPost, f.url, `{"jsonrpc":"2.0","id":6,"method":"server/discover","params":{`+meta("2026-07-28")+`}}`,
		"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", "server/discover")
	var res struct {
		Result struct {
			SupportedVersions []string `json:"supportedVersions"`
		} `json:"result"`
	}
	json.Unmarshal([]byte(bodyOf(t, disc)), &res)
	if fmt.Sprint(res.Result.SupportedVersions) != "[2026-07-28]" {
		t.Errorf("server/discover supportedVersions = %v", res.Result.SupportedVersions)
	}
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		if resp := f.do(m, f.url, ""); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, resp.StatusCode)
		}
	}
}

func TestHTTPModernStreams(t *testing.T) {
	cancelled := make(chan struct{}, 1)
	started := make(chan struct{}, 1)
	hold := Tool{Name: "hold", Handler: func(ctx context.Context, c *Call) (*Result, error) {
		started <- struct{}{}
		<-ctx.Done()
		cancelled <- struct{}{}
		return nil, ctx.Err()
	}}
	f := newHFixture(t, Options{Tools: []Tool{hold}}, HTTPOptions{Mode: HTTPModern, SSEResponses: true})
	hdr := func(method string) []string {
		return []string{"Mcp-Protocol-Version", "2026-07-28", "Mcp-Method", method}
	}
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`

	listen := f.do(http.MethodPost, f.url, `{"jsonrpc":"2.0","id":"sub","method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},`+meta+`}}`,
		hdr("subscriptions/listen")...)
	br := bufio.NewReader(listen.Body)
	ack := rpcOf(t, events(t, br, 1)[0].data)
	if ack.Method != "notifications/subscriptions/acknowledged" || !strings.Contains(string(ack.Params), `"io.modelcontextprotocol/subscriptionId":"sub"`) {
		t.Fatalf("first listen event = %+v, want the acknowledgement", ack)
	}
	f.srv.SetTools([]Tool{hold})
	if m := rpcOf(t, events(t, br, 1)[0].data); m.Method != "notifications/tools/list_changed" || !strings.Contains(string(m.Params), `"sub"`) {
		t.Errorf("listen event = %+v, want list_changed for sub", m)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url,
		strings.NewReader(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"hold",`+meta+`}}`))
	for i, h := 0, append(hdr("tools/call"), "Mcp-Name", "hold"); i < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-started
	cancel()
	select {
	case <-cancelled:
	case <-time.After(wait):
		t.Fatal("closing the stream did not cancel the call")
	}
}

func TestHTTPRequestsRecorded(t *testing.T) {
	f := newHFixture(t, Options{}, HTTPOptions{})
	sid := f.handshake()
	got := f.h.Requests()
	if len(got) != 2 {
		t.Fatalf("Requests() = %d records, want 2", len(got))
	}
	want := []HTTPRecord{
		{Method: "POST", URL: "/mcp", RPCMethod: "initialize", RPCID: "1", Status: 200},
		{Method: "POST", URL: "/mcp", RPCMethod: "notifications/initialized", Status: 202},
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.Method || g.URL != w.URL || g.RPCMethod != w.RPCMethod || g.RPCID != w.RPCID || g.Status != w.Status {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
		}
	}
	if got[1].Header.Get("Mcp-Session-Id") != sid {
		t.Errorf("record 1 session header = %q, want %q", got[1].Header.Get("Mcp-Session-Id"), sid)
	}
}
