package testserver

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestNoise(t *testing.T) {
	noise := DemoNoise()
	p := connect(t, New(Options{Faults: Faults{Noise: noise}}))
	p.send(`{"jsonrpc":"2.0","id":"early","method":"ping"}`)
	p.result(`"early"`) // noise waits for initialize, not for any reply
	p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`)
	for i, want := range noise {
		if got := string(p.line()); got != want+"\n" {
			t.Errorf("line %d = %q, want %q", i, got, want+"\n")
		}
	}
	p.result("1")
	// A second initialize is answered without noise.
	p.send(`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`)
	p.result("2")
}

func TestStringIDs(t *testing.T) {
	tests := []struct {
		sent, want string
	}{
		{`0`, `"0"`},
		{`7`, `"7"`},
		{`-3`, `"-3"`},
		{`1.5`, `"1.5"`},
		{`"abc"`, `"abc"`},
	}
	p := connect(t, New(Options{Tools: DemoTools(), Faults: Faults{StringIDs: true}}))
	for _, tt := range tests {
		t.Run(tt.sent, func(t *testing.T) {
			p.send(`{"jsonrpc":"2.0","id":%s,"method":"ping"}`, tt.sent)
			if got := p.recv(); string(got.ID) != tt.want {
				t.Errorf("ping id %s answered with id %s, want %s", tt.sent, got.ID, tt.want)
			}
		})
	}
	t.Run("errors and calls", func(t *testing.T) {
		p.send(`{"jsonrpc":"2.0","id":10,"method":"tools/list"}`)
		p.rpcError(`"10"`)
		p.send(`{"jsonrpc":"2.0","id":11,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`)
		p.result(`"11"`)
		p.send(`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1}}}`)
		p.result(`"12"`)
	})
}

func TestHugeResult(t *testing.T) {
	const size = 5 << 20
	p := connect(t, New(Options{Tools: DemoTools(), Faults: Faults{HugeResultBytes: size}}))
	p.handshake()
	want := `{"content":[{"type":"text","text":"` + strings.Repeat("x", size) + `"}]}}` + "\n"
	// Every call, known tool or not, gets the huge text. Comparing bytes
	// rather than decoding keeps the test fast under the race detector.
	for id, name := range []string{"add", "no_such_tool"} {
		p.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id+1, name)
		line := string(p.line())
		head := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":`, id+1)
		if !strings.HasPrefix(line, head) || line[len(head):] != want {
			t.Errorf("call %s: reply of %d bytes starting %.60q, want %d bytes of 'x' in one text content", name, len(line), line, size)
		}
	}
}

func TestHugeRequestLine(t *testing.T) {
	const size = 6 << 20
	p := connect(t, New(Options{Tools: DemoTools()}))
	p.handshake()
	text := strings.Repeat("word ", size/5)
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"word_count","arguments":{"text":%q}}}`, text)
	var r callResult
	decode(t, p.result("1"), &r)
	if want := fmt.Sprintf("%d words", size/5); r.Content[0].Text != want {
		t.Errorf("word_count of a 6 MiB line = %q, want %q", r.Content[0].Text, want)
	}
	// The connection still works with short lines after a long one.
	p.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	p.result("2")
}

func TestCrashAfterCalls(t *testing.T) {
	b := newBlocker()
	tools := append(DemoTools(), b.tool())
	p := connect(t, New(Options{Tools: tools, Faults: Faults{CrashAfterCalls: 3}}))
	p.handshake()
	if got := p.call(1, "add", `{"a":1,"b":2}`); got.Content[0].Text != "3" {
		t.Fatalf("call 1 = %q, want 3", got.Content[0].Text)
	}
	p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"block"}}`)
	recvTimeout(t, b.started, "call 2 to start")
	p.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`)
	err := recvTimeout(t, p.served, "Serve to return after the crash")
	if !errors.Is(err, ErrCrash) {
		t.Errorf("Serve = %v, want ErrCrash", err)
	}
	p.served <- err
	if rest, _ := p.close(); len(rest) != 0 {
		t.Errorf("output after the crash = %q, want none (pending call 2 unanswered)", rest)
	}
	recvTimeout(t, b.exited, "call 2 to be cancelled")
}

func TestHangMethods(t *testing.T) {
	b := newBlocker()
	s := New(Options{Tools: []Tool{b.tool()}, Faults: Faults{HangMethods: []string{"tools/list", "tools/call"}}})
	p := connect(t, s)
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"block"}}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`)
	p.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	p.result("3")
	select {
	case <-b.started:
		t.Error("hung tools/call ran its handler, want it never run")
	case <-time.After(20 * time.Millisecond):
	}
	if rest, err := p.close(); len(rest) != 0 || err != nil {
		t.Errorf("close = %q, %v, want no output for hung requests and nil", rest, err)
	}
}

func TestHangInitialize(t *testing.T) {
	p := connect(t, New(Options{Faults: Faults{HangMethods: []string{"initialize"}}}))
	p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`)
	p.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	p.result("2")
	p.send(`{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	if code, _ := p.rpcError("3"); code != -32600 {
		t.Errorf("tools/list after a hung initialize: code = %d, want -32600", code)
	}
}
