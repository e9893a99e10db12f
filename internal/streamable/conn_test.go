package streamable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/wire"
)

func TestOpenRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:80/mcp", "ftp://127.0.0.1/mcp", "http:///mcp", "http://[::1"} {
		if c, err := Open(Config{URL: u}); err == nil {
			c.Close()
			t.Errorf("Open(%q) error = nil, want an error", u)
		}
	}
}

// TestHandshakeHeaders follows one handshake-era session: no version or
// session headers on initialize, both on everything after it.
func TestHandshakeHeaders(t *testing.T) {
	hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		switch {
		case r.Method == http.MethodGet:
			http.Error(w, "no stream", http.StatusMethodNotAllowed)
		case strings.Contains(body, `"initialize"`):
			w.Header().Set("Mcp-Session-Id", "sess-1")
			jsonBody(w, http.StatusOK, initResult)
		case strings.Contains(body, `"ping"`):
			jsonBody(w, http.StatusOK, pingResult)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	})
	c := open(t, hs.URL, func(cfg *Config) {
		cfg.Header = http.Header{"X-Static": {"s"}, "X-Override": {"static"}}
		cfg.BearerToken = "secret"
		cfg.HeaderFunc = func(ctx context.Context, h http.Header) error {
			h.Set("X-Override", "func")
			h.Set("Mcp-Session-Id", "forged")
			return nil
		}
	})
	write(t, c, initMsg)
	if b, err := read(t, c); err != nil || string(b) != initResult {
		t.Fatalf("Read() = %s, %v; want the initialize result", b, err)
	}
	c.SetProtocolVersion("2025-06-18")
	write(t, c, initializedMsg)
	ctx := WithHeaders(context.Background(), http.Header{"Traceparent": {"00-1-2-01"}})
	if err := c.Write(ctx, []byte(pingMsg)); err != nil {
		t.Fatal(err)
	}
	if b, err := read(t, c); err != nil || string(b) != pingResult {
		t.Fatalf("Read() = %s, %v; want the ping result", b, err)
	}

	want := []struct {
		method, version, session, trace, rpc string
	}{
		{"POST", "", "", "", "initialize"},
		{"POST", "2025-06-18", "sess-1", "", "notifications/initialized"},
		{"POST", "2025-06-18", "sess-1", "00-1-2-01", "ping"},
	}
	var posts []seen
	for _, s := range rec.all() {
		if s.method == http.MethodPost {
			posts = append(posts, s)
		}
	}
	if len(posts) != len(want) {
		t.Fatalf("server got %d POSTs, want %d", len(posts), len(want))
	}
	for i, w := range want {
		h := posts[i].header
		checks := []struct{ name, got, want string }{
			{"Mcp-Protocol-Version", h.Get("Mcp-Protocol-Version"), w.version},
			{"Mcp-Session-Id", h.Get("Mcp-Session-Id"), w.session},
			{"Traceparent", h.Get("Traceparent"), w.trace},
			{"Accept", h.Get("Accept"), "application/json, text/event-stream"},
			{"Content-Type", h.Get("Content-Type"), "application/json"},
			{"Authorization", h.Get("Authorization"), "Bearer secret"},
			{"X-Static", h.Get("X-Static"), "s"},
			{"X-Override", h.Get("X-Override"), "func"},
			{"Mcp-Method", h.Get("Mcp-Method"), w.rpc},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("POST %d header %s = %q, want %q", i, c.name, c.got, c.want)
			}
		}
	}
}

// TestModernHeaders checks the headers of the stateless era: the version
// of the body's _meta, Mcp-Method and Mcp-Name, no session.
func TestModernHeaders(t *testing.T) {
	hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		var m struct {
			ID json.RawMessage `json:"id"`
		}
		json.Unmarshal([]byte(body), &m)
		jsonBody(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"resultType":"complete"}}`)
	})
	c := open(t, hs.URL, nil)
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
	tests := []struct {
		msg                      string
		version, method, name    string
		wantSession, wantVersion bool
	}{
		{msg: `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{` + meta + `}}`, version: "2026-07-28", method: "server/discover"},
		{msg: `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_weather",` + meta + `}}`, version: "2026-07-28", method: "tools/call", name: "get_weather"},
		{msg: `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"café",` + meta + `}}`, version: "2026-07-28", method: "tools/call", name: "=?base64?Y2Fmw6k=?="},
		{msg: `{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"file:///a.txt",` + meta + `}}`, version: "2026-07-28", method: "resources/read", name: "file:///a.txt"},
		{msg: `{"jsonrpc":"2.0","id":5,"method":"prompts/get","params":{"name":" x",` + meta + `}}`, version: "2026-07-28", method: "prompts/get", name: "=?base64?IHg=?="},
		{msg: `{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{` + meta + `}}`, version: "2026-07-28", method: "tools/list"},
	}
	for _, tt := range tests {
		write(t, c, tt.msg)
		if _, err := read(t, c); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.all()
	for i, tt := range tests {
		h := got[i].header
		if v := h.Get("Mcp-Protocol-Version"); v != tt.version {
			t.Errorf("request %d MCP-Protocol-Version = %q, want %q", i, v, tt.version)
		}
		if v := h.Get("Mcp-Method"); v != tt.method {
			t.Errorf("request %d Mcp-Method = %q, want %q", i, v, tt.method)
		}
		if v := h.Get("Mcp-Name"); v != tt.name {
			t.Errorf("request %d Mcp-Name = %q, want %q", i, v, tt.name)
		}
		if v := h.Get("Mcp-Session-Id"); v != "" {
			t.Errorf("request %d Mcp-Session-Id = %q, want none", i, v)
		}
	}
}

// answer is a canned reply to a request.
type answer func(w http.ResponseWriter, id string)

func TestRequestAnswers(t *testing.T) {
	notif := `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}`
	result := func(id string) string { return `{"jsonrpc":"2.0","id":` + id + `,"result":{"ok":true}}` }
	tests := []struct {
		name   string
		answer answer
		limit  int
		want   []string // messages Read returns, in order
		err    error    // then the request's error, if any
		check  func(t *testing.T, err error)
	}{
		{name: "json", answer: func(w http.ResponseWriter, id string) { jsonBody(w, 200, result(id)) },
			want: []string{result("7")}},
		{name: "json with charset", answer: func(w http.ResponseWriter, id string) {
			w.Header().Set("Content-Type", "Application/JSON; charset=utf-8")
			io.WriteString(w, result(id))
		}, want: []string{result("7")}},
		{name: "batch", answer: func(w http.ResponseWriter, id string) { jsonBody(w, 200, "["+notif+","+result(id)+"]") },
			want: []string{notif, result("7")}},
		{name: "sse with garbage", answer: func(w http.ResponseWriter, id string) {
			sseHeader(w)
			fmt.Fprintf(w, "id: p0\ndata:\n\n: comment\n\ndata: {not json\n\nevent: weird\ndata: %s\n\ndata: [1,2]\n\ndata: %s\n\ndata: %s\n\n", notif, notif, result(id))
		}, want: []string{notif, result("7")}},
		{name: "sse crlf split data", answer: func(w http.ResponseWriter, id string) {
			sseHeader(w)
			r := result(id)
			fmt.Fprintf(w, "data: %s\r\ndata: %s\r\n\r\n", r[:10], r[10:])
		}, want: []string{`{"jsonrpc"` + "\n" + `:"2.0","id":7,"result":{"ok":true}}`}},
		{name: "string id echoed", answer: func(w http.ResponseWriter, id string) { jsonBody(w, 200, result(`"7"`)) },
			want: []string{result(`"7"`)}},
		{name: "202", answer: func(w http.ResponseWriter, id string) { w.WriteHeader(202) }, err: ErrNoResponse},
		{name: "html", answer: func(w http.ResponseWriter, id string) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>")
		}, err: ErrContentType},
		{name: "garbage json", answer: func(w http.ResponseWriter, id string) { jsonBody(w, 200, `{"jsonrpc":`) }, err: ErrNoResponse},
		{name: "json of another id", answer: func(w http.ResponseWriter, id string) { jsonBody(w, 200, result("8")) },
			want: []string{result("8")}, err: ErrNoResponse},
		{name: "sse ends early", answer: func(w http.ResponseWriter, id string) {
			sseHeader(w)
			fmt.Fprintf(w, "data: %s\n\n", notif)
		}, want: []string{notif}, err: ErrStreamEnded},
		{name: "500", answer: func(w http.ResponseWriter, id string) { http.Error(w, "boom", 500) },
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != 500 || se.Body != "boom" || se.Temporary() {
					t.Errorf("error = %#v, want a StatusError 500 with body boom", err)
				}
			}},
		{name: "429", answer: func(w http.ResponseWriter, id string) {
			w.Header().Set("Retry-After", "3")
			jsonBody(w, 429, `{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"slow down"}}`)
		}, check: func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != 3*time.Second || !se.Temporary() {
				t.Errorf("error = %#v, want a temporary StatusError 429 after 3s", err)
			}
		}},
		{name: "503 retry-after-ms", answer: func(w http.ResponseWriter, id string) {
			w.Header().Set("Retry-After-Ms", "250")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}, check: func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.RetryAfter != 250*time.Millisecond {
				t.Errorf("error = %#v, want RetryAfter 250ms", err)
			}
		}},
		{name: "400 json-rpc error with null id", answer: func(w http.ResponseWriter, id string) {
			jsonBody(w, 400, `{"jsonrpc":"2.0","id":null,"error":{"code":-32022,"message":"unsupported","data":{"supported":["2026-07-28"]}}}`)
		}, want: []string{`{"jsonrpc":"2.0","id":7,"error":{"code":-32022,"message":"unsupported","data":{"supported":["2026-07-28"]}}}`}},
		{name: "404 json-rpc method not found", answer: func(w http.ResponseWriter, id string) {
			jsonBody(w, 404, `{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"no"}}`)
		}, want: []string{`{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"no"}}`}},
		{name: "400 error of another id", answer: func(w http.ResponseWriter, id string) {
			jsonBody(w, 400, `{"jsonrpc":"2.0","id":9,"error":{"code":-32601,"message":"no"}}`)
		}, check: func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 400 {
				t.Errorf("error = %v, want a StatusError 400", err)
			}
		}},
		{name: "json over the limit", limit: 20, answer: func(w http.ResponseWriter, id string) { jsonBody(w, 200, result(id)) },
			err: wire.ErrMessageTooLarge},
		{name: "sse over the limit", limit: 20, answer: func(w http.ResponseWriter, id string) {
			sseHeader(w)
			fmt.Fprintf(w, "data: %s\n\n", result(id))
		}, err: wire.ErrMessageTooLarge},
		{name: "sse far over the limit", limit: 20, answer: func(w http.ResponseWriter, id string) {
			sseHeader(w)
			fmt.Fprintf(w, "data: %s\n\n", strings.Repeat("x", 10<<10))
		}, err: wire.ErrMessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, _ := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
				tt.answer(w, "7")
			})
			c := open(t, hs.URL, func(cfg *Config) { cfg.MaxMessageBytes = tt.limit })
			write(t, c, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}}`)
			for _, want := range tt.want {
				b, err := read(t, c)
				if err != nil || string(b) != want {
					t.Fatalf("Read() = %s, %v; want %s", b, err, want)
				}
			}
			if tt.err == nil && tt.check == nil {
				quiet(t, c, 50*time.Millisecond)
				return
			}
			b, err := read(t, c)
			var re *RequestError
			if !errors.As(err, &re) || string(re.RequestID()) != "7" {
				t.Fatalf("Read() = %s, %v; want a RequestError for id 7", b, err)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("Read() error = %v, want %v", err, tt.err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			// The connection goes on.
			if _, err := c.Read(closedContext()); !errors.Is(err, context.Canceled) {
				t.Errorf("Read() after a request error = %v, want nothing more", err)
			}
		})
	}
}

func closedContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestCancelAbortsPost checks that notifications/cancelled reaches a
// handshake-era server before the request's POST is aborted, and that a
// stateless-era request is cancelled by the abort alone.
func TestCancelAbortsPost(t *testing.T) {
	for _, modern := range []bool{false, true} {
		t.Run(fmt.Sprintf("modern=%v", modern), func(t *testing.T) {
			aborted := make(chan struct{})
			var notified atomic.Bool
			hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
				if strings.Contains(body, "notifications/cancelled") {
					notified.Store(true)
					w.WriteHeader(http.StatusAccepted)
					return
				}
				sseHeader(w)
				io.WriteString(w, "id: a\ndata:\n\n")
				w.(http.Flusher).Flush()
				<-r.Context().Done()
				if modern || notified.Load() {
					close(aborted)
				}
			})
			c := open(t, hs.URL, nil)
			meta := ""
			if modern {
				c.SetProtocolVersion("2026-07-28")
				meta = `,"params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}`
			}
			write(t, c, `{"jsonrpc":"2.0","id":5,"method":"slow"`+meta+`}`)
			time.Sleep(20 * time.Millisecond)
			write(t, c, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"timeout"}}`)
			select {
			case <-aborted:
			case <-time.After(5 * time.Second):
				t.Fatal("the POST was not aborted (or was aborted before the notification)")
			}
			quiet(t, c, 50*time.Millisecond)
			posts := 0
			for _, s := range rec.all() {
				if strings.Contains(s.body, "notifications/cancelled") {
					posts++
				}
			}
			if want := map[bool]int{false: 1, true: 0}[modern]; posts != want {
				t.Errorf("notifications/cancelled POSTs = %d, want %d", posts, want)
			}
		})
	}
}

func TestCloseEndsEverything(t *testing.T) {
	stalled := make(chan struct{}, 4)
	hs, _ := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		sseHeader(w)
		stalled <- struct{}{}
		<-r.Context().Done()
	})
	c := open(t, hs.URL, nil)
	write(t, c, pingMsg)
	<-stalled
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(context.Background())
		readErr <- err
	}()
	start := time.Now()
	c.Close()
	c.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a stalled stream", d)
	}
	if err := <-readErr; !errors.Is(err, ErrClosed) {
		t.Errorf("blocked Read() error = %v, want ErrClosed", err)
	}
	if err := c.Write(context.Background(), []byte(pingMsg)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close error = %v, want ErrClosed", err)
	}
}

// TestDeleteOnClose checks the DELETE of a session and its time bound.
func TestDeleteOnClose(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(fmt.Sprintf("hang=%v", hang), func(t *testing.T) {
			hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
				switch r.Method {
				case http.MethodDelete:
					if hang {
						<-r.Context().Done()
						return
					}
					w.WriteHeader(http.StatusOK)
				default:
					w.Header().Set("Mcp-Session-Id", "s-9")
					jsonBody(w, http.StatusOK, initResult)
				}
			})
			c := open(t, hs.URL, func(cfg *Config) { cfg.CloseTimeout = 100 * time.Millisecond })
			write(t, c, initMsg)
			read(t, c)
			start := time.Now()
			c.Close()
			if d := time.Since(start); d > time.Second {
				t.Errorf("Close took %v, want about CloseTimeout", d)
			}
			var deletes []seen
			for _, s := range rec.all() {
				if s.method == http.MethodDelete {
					deletes = append(deletes, s)
				}
			}
			if len(deletes) != 1 || deletes[0].header.Get("Mcp-Session-Id") != "s-9" {
				t.Errorf("DELETEs = %+v, want one for session s-9", deletes)
			}
		})
	}
}

// TestStandaloneReconnects checks the GET stream: it resumes with
// Last-Event-ID after the server ends it, honours retry, and gives up after
// a bounded number of empty attempts.
func TestStandaloneReconnects(t *testing.T) {
	var gets atomic.Int32
	notif := `{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}`
	hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		switch {
		case r.Method == http.MethodGet:
			n := gets.Add(1)
			sseHeader(w)
			if n == 1 {
				fmt.Fprintf(w, "retry: 5\nid: e1\ndata: %s\n\n", notif)
			}
		case strings.Contains(body, `"initialize"`):
			w.Header().Set("Mcp-Session-Id", "s")
			jsonBody(w, 200, initResult)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	})
	c := open(t, hs.URL, nil)
	write(t, c, initMsg)
	read(t, c)
	write(t, c, initializedMsg)
	if b, err := read(t, c); err != nil || string(b) != notif {
		t.Fatalf("Read() = %s, %v; want the notification", b, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for gets.Load() < 1+maxStalls && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := gets.Load(); n != 1+maxStalls {
		t.Errorf("GET attempts = %d, want %d", n, 1+maxStalls)
	}
	for _, s := range rec.all()[3:] {
		if s.method == http.MethodGet && s.header.Get("Last-Event-ID") != "e1" {
			t.Errorf("reconnecting GET Last-Event-ID = %q, want e1", s.header.Get("Last-Event-ID"))
		}
	}
}

// TestResumeRequestStream checks that a request's stream that breaks is
// resumed with GET and Last-Event-ID, and that the response comes once.
func TestResumeRequestStream(t *testing.T) {
	hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		switch {
		case r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") == "r1":
			sseHeader(w)
			fmt.Fprintf(w, "id: r2\ndata: %s\n\n", pingResult)
		case r.Method == http.MethodGet:
			http.Error(w, "no", http.StatusMethodNotAllowed)
		case strings.Contains(body, `"ping"`):
			sseHeader(w)
			io.WriteString(w, "retry: 5\nid: r1\ndata:\n\n")
		default:
			jsonBody(w, 200, initResult)
		}
	})
	c := open(t, hs.URL, nil)
	write(t, c, pingMsg)
	if b, err := read(t, c); err != nil || string(b) != pingResult {
		t.Fatalf("Read() = %s, %v; want the resumed response", b, err)
	}
	quiet(t, c, 50*time.Millisecond)
	if n := len(rec.all()); n != 2 {
		t.Errorf("server got %d requests, want the POST and one GET", n)
	}
}

func TestResumeGivesUp(t *testing.T) {
	hs, _ := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		if r.Method == http.MethodGet {
			http.Error(w, "gone", http.StatusBadRequest)
			return
		}
		sseHeader(w)
		io.WriteString(w, "retry: 5\nid: r1\ndata:\n\n")
	})
	c := open(t, hs.URL, nil)
	write(t, c, pingMsg)
	_, err := read(t, c)
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrStreamEnded) {
		t.Fatalf("Read() error = %v, want a RequestError matching ErrStreamEnded", err)
	}
}

// TestSessionExpiry checks that a 404 for a known session re-sends the
// handshake and then the request, once.
func TestSessionExpiry(t *testing.T) {
	tests := []struct {
		name      string
		expireAll bool // every request of the new session gets 404 too
		wantInits int
		wantErr   bool
	}{
		{name: "once", wantInits: 2},
		{name: "always", expireAll: true, wantInits: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sessions atomic.Int32
			hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
				sid := r.Header.Get("Mcp-Session-Id")
				switch {
				case r.Method == http.MethodGet || r.Method == http.MethodDelete:
					http.Error(w, "no", http.StatusMethodNotAllowed)
				case strings.Contains(body, `"initialize"`):
					w.Header().Set("Mcp-Session-Id", fmt.Sprint("s", sessions.Add(1)))
					jsonBody(w, 200, initResult)
				case sid == "s1" && strings.Contains(body, `"ping"`):
					http.Error(w, "unknown session", http.StatusNotFound)
				case tt.expireAll && strings.Contains(body, `"ping"`):
					http.Error(w, "unknown session", http.StatusNotFound)
				case strings.Contains(body, `"ping"`):
					jsonBody(w, 200, pingResult)
				default:
					w.WriteHeader(http.StatusAccepted)
				}
			})
			c := open(t, hs.URL, nil)
			write(t, c, initMsg)
			read(t, c)
			c.SetProtocolVersion("2025-11-25")
			write(t, c, initializedMsg)
			write(t, c, pingMsg)
			b, err := read(t, c)
			if tt.wantErr {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
					t.Fatalf("Read() = %s, %v; want a 404 StatusError", b, err)
				}
			} else if err != nil || string(b) != pingResult {
				t.Fatalf("Read() = %s, %v; want the ping result", b, err)
			}
			inits, initialized := 0, 0
			for _, s := range rec.all() {
				inits += strings.Count(s.body, `"initialize"`)
				initialized += strings.Count(s.body, "notifications/initialized")
			}
			if inits != tt.wantInits || initialized != tt.wantInits {
				t.Errorf("initialize POSTs = %d, initialized POSTs = %d, want %d each", inits, initialized, tt.wantInits)
			}
			if got := c.SessionID(); got != "s2" {
				t.Errorf("SessionID() = %q, want s2", got)
			}
		})
	}
}

// TestLegacyStreamEnd checks that the end of the HTTP+SSE stream ends the
// connection with an error that names no request.
func TestLegacyStreamEnd(t *testing.T) {
	tests := []struct {
		name  string
		event string
		is    error
	}{
		{"eof", "", io.EOF},
		{"oversize", "data: " + strings.Repeat("x", 16<<10) + "\n\n", wire.ErrMessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			hs, _ := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
				switch {
				case r.Method == http.MethodGet:
					sseHeader(w)
					io.WriteString(w, "event: endpoint\ndata: /msg?s=1\n\n")
					fmt.Fprintf(w, "data: %s\n\n", initResult)
					w.(http.Flusher).Flush()
					<-release
					io.WriteString(w, tt.event)
				case r.URL.Path == "/msg":
					w.WriteHeader(http.StatusAccepted)
				default:
					http.Error(w, "no", http.StatusMethodNotAllowed)
				}
			})
			c := open(t, hs.URL+"/sse", func(cfg *Config) { cfg.MaxMessageBytes = 1 << 10 })
			write(t, c, initMsg)
			if b, err := read(t, c); err != nil || string(b) != initResult {
				t.Fatalf("Read() = %s, %v; want the initialize result", b, err)
			}
			if !c.Legacy() {
				t.Error("Legacy() = false after the fallback")
			}
			close(release)
			_, err := read(t, c)
			var re interface{ RequestID() []byte }
			if err == nil || errors.As(err, &re) || !errors.Is(err, tt.is) {
				t.Fatalf("Read() error = %v, want the end of the connection matching %v", err, tt.is)
			}
		})
	}
}

func TestReinitFailure(t *testing.T) {
	var inits atomic.Int32
	hs, _ := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
		switch {
		case strings.Contains(body, `"initialize"`) && inits.Add(1) == 1:
			w.Header().Set("Mcp-Session-Id", "s1")
			jsonBody(w, 200, initResult)
		case strings.Contains(body, `"initialize"`):
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		default:
			http.Error(w, "unknown session", http.StatusNotFound)
		}
	})
	c := open(t, hs.URL, nil)
	write(t, c, initMsg)
	read(t, c)
	write(t, c, pingMsg)
	_, err := read(t, c)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 503 || !strings.Contains(err.Error(), "re-initialize") {
		t.Fatalf("Read() error = %v, want a re-initialize failure with status 503", err)
	}
}

// TestFallbackRefusals checks when the HTTP+SSE fallback is tried and what
// a failed one reports: the original refusal, not the GET's.
func TestFallbackRefusals(t *testing.T) {
	modernRefusal := `{"jsonrpc":"2.0","id":0,"error":{"code":-32022,"message":"unsupported","data":{"supported":["2026-07-28"]}}}`
	tests := []struct {
		name     string
		post     func(w http.ResponseWriter)
		get      func(w http.ResponseWriter)
		gets     int
		wantMsg  string // the message Read returns, or
		wantCode int    // the status of the StatusError it returns
	}{
		{name: "modern error skips the fallback", post: func(w http.ResponseWriter) { jsonBody(w, 400, modernRefusal) },
			wantMsg: modernRefusal},
		{name: "get refused", post: func(w http.ResponseWriter) { http.Error(w, "nope", 404) },
			get: func(w http.ResponseWriter) { http.Error(w, "nope", 404) }, gets: 1, wantCode: 404},
		{name: "no endpoint event", post: func(w http.ResponseWriter) { http.Error(w, "nope", http.StatusMethodNotAllowed) },
			get: func(w http.ResponseWriter) {
				sseHeader(w)
				io.WriteString(w, "event: message\ndata: {}\n\n")
			}, gets: 1, wantCode: 405},
		{name: "not an event stream", post: func(w http.ResponseWriter) { http.Error(w, "bad", 400) },
			get: func(w http.ResponseWriter) { jsonBody(w, 200, `{}`) }, gets: 1, wantCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, rec := serve(t, func(w http.ResponseWriter, r *http.Request, body string) {
				if r.Method == http.MethodGet {
					tt.get(w)
					return
				}
				tt.post(w)
			})
			c := open(t, hs.URL, nil)
			write(t, c, initMsg)
			b, err := read(t, c)
			if tt.wantMsg != "" {
				if err != nil || string(b) != tt.wantMsg {
					t.Fatalf("Read() = %s, %v; want %s", b, err, tt.wantMsg)
				}
			} else {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != tt.wantCode || se.Op != "post initialize" {
					t.Fatalf("Read() error = %v, want the POST's %d", err, tt.wantCode)
				}
			}
			gets := 0
			for _, s := range rec.all() {
				if s.method == http.MethodGet {
					gets++
				}
			}
			if gets != tt.gets {
				t.Errorf("GETs = %d, want %d", gets, tt.gets)
			}
			if c.Legacy() {
				t.Error("Legacy() = true after a failed fallback")
			}
		})
	}
}
