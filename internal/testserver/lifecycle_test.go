package testserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type initResult struct {
	ProtocolVersion string `json:"protocolVersion"`
	Capabilities    struct {
		Tools *struct {
			ListChanged bool `json:"listChanged"`
		} `json:"tools"`
		Logging *struct{} `json:"logging"`
	} `json:"capabilities"`
	ServerInfo struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
	Instructions string `json:"instructions"`
}

func TestInitializeNegotiation(t *testing.T) {
	tests := []struct {
		name      string
		supported []string
		requested string
		want      string
	}{
		{"newest", nil, "2025-11-25", "2025-11-25"},
		{"older supported is echoed", nil, "2025-03-26", "2025-03-26"},
		{"oldest supported is echoed", nil, "2024-11-05", "2024-11-05"},
		{"unsupported gets newest", nil, "1999-01-01", "2025-11-25"},
		{"custom list echoes", []string{"2025-06-18", "2024-11-05"}, "2024-11-05", "2024-11-05"},
		{"custom list newest", []string{"2025-06-18", "2024-11-05"}, "2025-11-25", "2025-06-18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{ProtocolVersions: tt.supported, Instructions: "be nice", Name: "n", Version: "v9"})
			p := connect(t, s)
			p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, tt.requested)
			var got initResult
			decode(t, p.result("1"), &got)
			if got.ProtocolVersion != tt.want {
				t.Errorf("initialize(%q).protocolVersion = %q, want %q", tt.requested, got.ProtocolVersion, tt.want)
			}
			if got.Capabilities.Tools == nil || !got.Capabilities.Tools.ListChanged || got.Capabilities.Logging == nil {
				t.Errorf("capabilities = %+v, want tools.listChanged and logging", got.Capabilities)
			}
			if got.ServerInfo.Name != "n" || got.ServerInfo.Version != "v9" || got.Instructions != "be nice" {
				t.Errorf("serverInfo, instructions = %+v, %q, want n v9, be nice", got.ServerInfo, got.Instructions)
			}
		})
	}
}

func TestInitializeDefaults(t *testing.T) {
	p := connect(t, New(Options{}))
	p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"x"}}`)
	raw := p.result("1")
	var got initResult
	decode(t, raw, &got)
	if got.ServerInfo.Name != "testserver" || got.ServerInfo.Version != "1.0.0" {
		t.Errorf("serverInfo = %+v, want testserver 1.0.0", got.ServerInfo)
	}
	if strings.Contains(string(raw), "instructions") {
		t.Errorf("initialize result = %s, want no instructions member", raw)
	}
	if diff := cmp.Diff([]string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}, DefaultProtocolVersions()); diff != "" {
		t.Errorf("DefaultProtocolVersions() mismatch (-want +got):\n%s", diff)
	}
}

// Each case is sent on a fresh, uninitialized connection unless init is set.
func TestRequestErrors(t *testing.T) {
	tests := []struct {
		name     string
		init     bool
		line     string
		wantID   string
		wantCode int
		wantMsg  string
	}{
		{"tools/list before initialize", false, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`, "3", -32600, "server not initialized"},
		{"tools/call before initialize", false, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add"}}`, "3", -32600, "server not initialized"},
		{"unknown method", true, `{"jsonrpc":"2.0","id":4,"method":"resources/list"}`, "4", -32601, "method not found: resources/list"},
		{"unknown tool", true, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nope","arguments":{}}}`, "5", -32602, "unknown tool: nope"},
		{"tool name missing", true, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{}}`, "5", -32602, "invalid params: tools/call needs a tool name"},
		{"initialize without version", false, `{"jsonrpc":"2.0","id":6,"method":"initialize","params":{}}`, "6", -32602, "invalid params: initialize needs protocolVersion"},
		{"wrongly typed params", true, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":42}}`, "7", -32602, ""},
		{"parse error", false, `{"jsonrpc":"2.0","id":8,"method":`, "null", -32700, ""},
		{"not an object", false, `[1,2]`, "null", -32600, ""},
		{"wrong jsonrpc version", false, `{"jsonrpc":"1.0","id":9,"method":"ping"}`, "9", -32600, `invalid request: jsonrpc must be "2.0"`},
		{"null id", false, `{"jsonrpc":"2.0","id":null,"method":"ping"}`, "null", -32600, "invalid request: id must be a string or a number"},
		{"object id", false, `{"jsonrpc":"2.0","id":{},"method":"ping"}`, "null", -32600, "invalid request: id must be a string or a number"},
		{"no method", false, `{"jsonrpc":"2.0","id":10}`, "10", -32600, "invalid request: no method"},
		{"bad cursor", true, `{"jsonrpc":"2.0","id":11,"method":"tools/list","params":{"cursor":"bogus"}}`, "11", -32602, "invalid params: unknown cursor"},
		{"bad log level", true, `{"jsonrpc":"2.0","id":12,"method":"logging/setLevel","params":{"level":"loud"}}`, "12", -32602, "invalid params: unknown logging level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := connect(t, New(Options{Tools: DemoTools()}))
			if tt.init {
				p.handshake()
			}
			p.send("%s", tt.line)
			code, msg := p.rpcError(tt.wantID)
			if code != tt.wantCode {
				t.Errorf("%s: code = %d, want %d", tt.line, code, tt.wantCode)
			}
			if tt.wantMsg != "" && msg != tt.wantMsg {
				t.Errorf("%s: message = %q, want %q", tt.line, msg, tt.wantMsg)
			}
		})
	}
}

func TestSuccessfulSimpleRequests(t *testing.T) {
	tests := []struct {
		name string
		init bool
		line string
		id   string
		want string
	}{
		{"ping before initialize", false, `{"jsonrpc":"2.0","id":"p","method":"ping"}`, `"p"`, `{}`},
		{"ping after initialize", true, `{"jsonrpc":"2.0","id":77,"method":"ping"}`, `77`, `{}`},
		{"setLevel", true, `{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"warning"}}`, `2`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := connect(t, New(Options{}))
			if tt.init {
				p.handshake()
			}
			p.send("%s", tt.line)
			if got := string(p.result(tt.id)); got != tt.want {
				t.Errorf("%s = %s, want %s", tt.line, got, tt.want)
			}
		})
	}
}

// Ids are echoed byte for byte, whatever their JSON form.
func TestIDEcho(t *testing.T) {
	ids := []string{`0`, `-1`, `9007199254740993`, `1.5`, `1e3`, `"abc"`, `""`, `"\u00e9"`, `"with \"quote\""`}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			p := connect(t, New(Options{}))
			p.send(`{"jsonrpc":"2.0","id":%s,"method":"ping"}`, id)
			if got := p.recv(); string(got.ID) != id {
				t.Errorf("ping with id %s answered id %s, want %s", id, got.ID, id)
			}
		})
	}
}

// Notifications get no answer, known or not, well-formed or not; the ping
// after them must be the next line.
func TestNotificationsAreNotAnswered(t *testing.T) {
	p := connect(t, New(Options{}))
	p.handshake()
	for _, n := range []string{
		`{"jsonrpc":"2.0","method":"notifications/whatever","params":{"x":1}}`,
		`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"name":7}}`,
		`{"jsonrpc":"1.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":"srv-99","result":{}}`,
		``,
		`   `,
	} {
		p.send("%s", n)
	}
	p.send(`{"jsonrpc":"2.0","id":"after","method":"ping"}`)
	p.result(`"after"`)
}

func TestServeEndsOnEOF(t *testing.T) {
	p := connect(t, New(Options{}))
	p.handshake()
	// A last line without a newline is still served.
	if _, err := p.in.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	rest, err := p.close()
	if err != nil {
		t.Errorf("Serve after EOF = %v, want nil", err)
	}
	if len(rest) != 1 || !strings.Contains(string(rest[0]), `"id":1,"result":{}`) {
		t.Errorf("output after EOF = %q, want the ping reply", rest)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk on fire") }

// A failed write ends the connection with that error.
func TestServeWriteFailure(t *testing.T) {
	r, w := io.Pipe()
	defer r.Close()
	served := make(chan error, 1)
	go func() { served <- New(Options{}).Serve(context.Background(), r, failWriter{}) }()
	if _, err := io.WriteString(w, `{"jsonrpc":"2.0","id":1,"method":"ping"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	err := recvTimeout(t, served, "Serve to return")
	if err == nil || !strings.Contains(err.Error(), "mcpclient: testserver write: disk on fire") {
		t.Errorf("Serve with a failing writer = %v, want the write error", err)
	}
	w.Close()
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := connect(t, New(Options{Logger: log}))
	p.send(`not json`)
	p.rpcError("null")
	if !strings.Contains(buf.String(), "unparsable line") {
		t.Errorf("log = %q, want an unparsable line entry", buf.String())
	}
}
