package lean

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Answers as the server writes them.
const (
	modernCallHi   = `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}],"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"lean","version":"1.0.0"}}}}`
	legacyCallHi   = `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}`
	pongTwo        = `{"jsonrpc":"2.0","id":2,"result":{}}`
	badArgsOne     = `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"mcpclient: lean: arguments must be {\"message\": string}"}}`
	parseErrorNull = `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"mcpclient: lean: parse error"}}`
)

func TestServeStdio(t *testing.T) {
	tests := []struct {
		name string
		in   []string // lines sent
		want []string // lines answered, in order
	}{
		{"modern call",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `,"name":"echo","arguments":{"message":"hi"}}}`},
			[]string{modernCallHi}},
		{"legacy session",
			[]string{
				`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
				`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
				`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}`,
				`{"jsonrpc":"2.0","id":2,"method":"ping"}`,
			},
			[]string{
				`{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"lean","version":"1.0.0"}}}`,
				legacyCallHi, pongTwo,
			}},
		{"initialize with an unknown revision gets 2025-11-25",
			[]string{`{"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2099-01-01"}}`},
			[]string{`{"jsonrpc":"2.0","id":"i","result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"lean","version":"1.0.0"}}}`}},
		{"bad JSON line, then the server goes on",
			[]string{`{"jsonrpc":"2.0","id":1,"method":`, `{"jsonrpc":"2.0","id":2,"method":"ping"}`},
			[]string{parseErrorNull, pongTwo}},
		{"unknown method",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"resources/list"}`, `{"jsonrpc":"2.0","id":2,"method":"prompts/list","params":{` + meta + `}}`},
			[]string{
				`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"mcpclient: lean: method not found: \"resources/list\""}}`,
				`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"mcpclient: lean: method not found: \"prompts/list\""}}`,
			}},
		{"ping is gone in 2026-07-28",
			[]string{`{"jsonrpc":"2.0","id":2,"method":"ping","params":{` + meta + `}}`},
			[]string{`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"mcpclient: lean: method not found: \"ping\""}}`}},
		{"unknown tool",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"message":"hi"}}}`},
			[]string{`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"mcpclient: lean: unknown tool \"add\""}}`}},
		{"missing arguments",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `,"name":"echo"}}`},
			[]string{badArgsOne}},
		{"message not a string",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":3}}}`},
			[]string{badArgsOne}},
		{"arguments not an object",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":"hi"}}`},
			[]string{badArgsOne}},
		{"escaped message comes back as sent",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"other":1,"message":"a\"b\u00e9\n"}}}`},
			[]string{`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"a\"b\u00e9\n"}]}}`}},
		{"notifications, responses and blank lines get no answer",
			[]string{`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`, ``, "  \t", `{"jsonrpc":"2.0","id":9,"result":{}}`,
				`{"jsonrpc":"2.0","method":"notifications/x","params":[1]}`, `{"jsonrpc":"2.0","id":2,"method":"ping"}`},
			[]string{pongTwo}},
		{"batch",
			[]string{`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`},
			[]string{`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"mcpclient: lean: invalid request: not a JSON object"}}`}},
		{"unsupported modern revision",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2030-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}`},
			[]string{`{"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"mcpclient: lean: unsupported protocol version","data":{"supported":["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"],"requested":"2030-01-01"}}}`}},
		{"modern request without client capabilities",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`},
			[]string{`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"mcpclient: lean: missing _meta io.modelcontextprotocol/clientCapabilities"}}`}},
		{"discover and list",
			[]string{`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{` + meta + `}}`, `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{` + meta + `}}`, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`},
			[]string{
				`{"jsonrpc":"2.0","id":1,"result":{"supportedVersions":["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"],"capabilities":{"tools":{}},"ttlMs":0,"cacheScope":"public","resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"lean","version":"1.0.0"}}}}`,
				`{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"echo","description":"Returns its message.","inputSchema":{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}}],"ttlMs":0,"cacheScope":"public","resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"lean","version":"1.0.0"}}}}`,
				`{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"echo","description":"Returns its message.","inputSchema":{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}}]}}`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Join(tt.in, "\n") + "\n"
			var out bytes.Buffer
			if err := ServeStdio(context.Background(), strings.NewReader(in), &out); err != nil {
				t.Fatalf("ServeStdio() = %v, want nil at the end of input", err)
			}
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if out.Len() == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("ServeStdio(%q) wrote\n%s\nwant\n%s", in, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, line := range got {
				if !json.Valid([]byte(line)) {
					t.Errorf("ServeStdio() wrote %s, not valid JSON", line)
				}
			}
		})
	}
}

func TestServeStdioLines(t *testing.T) {
	ping := `{"jsonrpc":"2.0","id":2,"method":"ping"}`
	tooLong := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"` + strings.Repeat("x", maxLine) + `"}}}`
	longCall := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"` + strings.Repeat("y", 200<<10) + `"}}}`
	tests := []struct {
		name, in, want string
	}{
		{"last line without newline", ping, pongTwo + "\n"},
		{"CRLF", ping + "\r\n" + ping + "\r\n", pongTwo + "\n" + pongTwo + "\n"},
		{"line longer than the read buffer", longCall + "\n" + ping + "\n",
			`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"` + strings.Repeat("y", 200<<10) + `"}]}}` + "\n" + pongTwo + "\n"},
		{"line over the limit is skipped", tooLong + "\n" + ping + "\n",
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"mcpclient: lean: message too long"}}` + "\n" + pongTwo + "\n"},
		{"line over the limit at the end", tooLong,
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"mcpclient: lean: message too long"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := ServeStdio(context.Background(), strings.NewReader(tt.in), &out); err != nil {
				t.Fatalf("ServeStdio() = %v, want nil", err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("ServeStdio() wrote %.200q (%d bytes), want %.200q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
		})
	}
}

// TestServeStdioAnswersBeforeReadingOn checks that an answer is written
// before the server blocks for the next line: a client waiting for it
// would otherwise wait forever.
func TestServeStdioAnswersBeforeReadingOn(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeStdio(context.Background(), inR, outW) }()
	lines := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		n, _ := outR.Read(buf)
		lines <- string(buf[:n])
		_, _ = io.Copy(io.Discard, outR)
	}()
	if _, err := io.WriteString(inW, `{"jsonrpc":"2.0","id":2,"method":"ping"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-lines:
		if got != pongTwo+"\n" {
			t.Errorf("ServeStdio() answered %q, want %q", got, pongTwo+"\n")
		}
	case <-time.After(10 * time.Second):
		t.Error("ServeStdio() did not answer while its input stayed open")
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Errorf("ServeStdio() = %v, want nil", err)
	}
	outW.Close()
}

// TestServeStdioEndsWithContext checks that a server blocked in a read ends
// when ctx does, by closing its input.
func TestServeStdioEndsWithContext(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeStdio(ctx, inR, io.Discard) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeStdio() = %v, want nil when ctx ends", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeStdio() did not end with its context")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestServeStdioWriteError(t *testing.T) {
	err := ServeStdio(context.Background(), strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"ping"}`+"\n"), failingWriter{})
	if err == nil {
		t.Error("ServeStdio(failing writer) = nil, want the write error")
	}
}

// TestServeStdioCoalesces checks that answers to lines that arrived
// together leave in one write.
func TestServeStdioCoalesces(t *testing.T) {
	in := strings.Repeat(`{"jsonrpc":"2.0","id":2,"method":"ping"}`+"\n", 50)
	w := &countingWriter{}
	if err := ServeStdio(context.Background(), strings.NewReader(in), w); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 || w.n != 50*len(pongTwo+"\n") {
		t.Errorf("ServeStdio(50 buffered lines) = %d writes of %d bytes, want 1 of %d", w.writes, w.n, 50*len(pongTwo+"\n"))
	}
}

type countingWriter struct{ writes, n int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	w.n += len(p)
	return len(p), nil
}
