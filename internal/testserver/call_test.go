package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// call sends tools/call and decodes the result.
func (p *peer) call(id int, name, args string) callResult {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, name, args)
	var r callResult
	decode(p.t, p.result(fmt.Sprint(id)), &r)
	return r
}

func tool(name string, h func(context.Context, *Call) (*Result, error)) Tool {
	return Tool{Name: name, Handler: h}
}

func TestCallResults(t *testing.T) {
	tests := []struct {
		name string
		tool Tool
		args string // raw "arguments" member, or "" to omit it
		want string // exact result member
	}{
		{"text", tool("t", func(context.Context, *Call) (*Result, error) {
			return &Result{Content: []json.RawMessage{Text("hi")}}, nil
		}), `{}`, `{"content":[{"type":"text","text":"hi"}]}`},
		{"arguments are passed through", tool("t", func(_ context.Context, c *Call) (*Result, error) {
			return &Result{Content: []json.RawMessage{Text(c.Name + " " + string(c.Arguments))}}, nil
		}), `{"k":[1,2]}`, `{"content":[{"type":"text","text":"t {\"k\":[1,2]}"}]}`},
		{"missing arguments are {}", tool("t", func(_ context.Context, c *Call) (*Result, error) {
			return &Result{Content: []json.RawMessage{Text(string(c.Arguments))}}, nil
		}), ``, `{"content":[{"type":"text","text":"{}"}]}`},
		{"handler error is a tool error", tool("t", func(context.Context, *Call) (*Result, error) {
			return nil, errors.New("boom")
		}), `{}`, `{"content":[{"type":"text","text":"boom"}],"isError":true}`},
		{"nil result is empty content", tool("t", func(context.Context, *Call) (*Result, error) {
			return nil, nil
		}), `{}`, `{"content":[]}`},
		{"structured and error flag", tool("t", func(context.Context, *Call) (*Result, error) {
			return &Result{StructuredContent: json.RawMessage("{ \"n\" :\n 1 }"), IsError: true}, nil
		}), `{}`, `{"content":[],"structuredContent":{"n":1},"isError":true}`},
		{"indented content is compacted", tool("t", func(context.Context, *Call) (*Result, error) {
			return &Result{Content: []json.RawMessage{json.RawMessage("{\n \"type\": \"text\",\n \"text\": \"a\"\n}"), Image([]byte{1, 2, 3}, "image/x")}}, nil
		}), `{}`, `{"content":[{"type":"text","text":"a"},{"type":"image","data":"AQID","mimeType":"image/x"}]}`},
		{"nil handler", Tool{Name: "t"}, `{}`,
			`{"content":[{"type":"text","text":"mcpclient: testserver tools/call t: tool has no handler"}],"isError":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := connect(t, New(Options{Tools: []Tool{tt.tool}}))
			p.handshake()
			if tt.args == "" {
				p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}`)
			} else {
				p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":%s}}`, tt.args)
			}
			if got := string(p.result("1")); got != tt.want {
				t.Errorf("tools/call = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCallInternalErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler func(context.Context, *Call) (*Result, error)
		wantMsg string
	}{
		{"panic", func(context.Context, *Call) (*Result, error) { panic("oops") },
			"internal error: mcpclient: testserver tools/call t: handler panicked: oops"},
		{"invalid content", func(context.Context, *Call) (*Result, error) {
			return &Result{Content: []json.RawMessage{json.RawMessage(`{"type":`)}}, nil
		}, "internal error: tool t returned invalid JSON: content 0: unexpected end of JSON input"},
		{"invalid structured content", func(context.Context, *Call) (*Result, error) {
			return &Result{StructuredContent: json.RawMessage(`nope`)}, nil
		}, "internal error: tool t returned invalid JSON: structuredContent: invalid character 'o' in literal null (expecting 'u')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := connect(t, New(Options{Tools: []Tool{tool("t", tt.handler)}}))
			p.handshake()
			p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}`)
			code, msg := p.rpcError("1")
			if code != -32603 || msg != tt.wantMsg {
				t.Errorf("tools/call error = %d %q, want -32603 %q", code, msg, tt.wantMsg)
			}
		})
	}
}

type progressParams struct {
	ProgressToken json.RawMessage `json:"progressToken"`
	Progress      float64         `json:"progress"`
	Total         *float64        `json:"total"`
	Message       *string         `json:"message"`
}

func TestProgress(t *testing.T) {
	for _, token := range []string{`"tok-1"`, `42`} {
		t.Run(token, func(t *testing.T) {
			p := connect(t, New(Options{Tools: DemoTools()}))
			p.handshake()
			p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow_count","arguments":{"steps":3,"delay_ms":1},"_meta":{"progressToken":%s}}}`, token)
			for i := 1; i <= 3; i++ {
				m := p.recv()
				if m.Method != "notifications/progress" {
					t.Fatalf("message %d = %+v, want notifications/progress", i, m)
				}
				var got progressParams
				decode(t, m.Params, &got)
				if string(got.ProgressToken) != token || got.Progress != float64(i) ||
					got.Total == nil || *got.Total != 3 || got.Message == nil || *got.Message != fmt.Sprintf("step %d of 3", i) {
					t.Errorf("progress %d = %s, want token %s progress %d total 3", i, m.Params, token, i)
				}
			}
			var r callResult
			decode(t, p.result("1"), &r)
			if r.Content[0].Text != "counted to 3" {
				t.Errorf("slow_count result = %q, want %q", r.Content[0].Text, "counted to 3")
			}
		})
	}
}

func TestProgressOptionalFields(t *testing.T) {
	h := func(_ context.Context, c *Call) (*Result, error) {
		c.Progress(0.5, 0, "")
		return nil, nil
	}
	p := connect(t, New(Options{Tools: []Tool{tool("t", h)}}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":"x"}}}`)
	m := p.recv()
	if want := `{"progressToken":"x","progress":0.5}`; string(m.Params) != want {
		t.Errorf("progress params = %s, want %s", m.Params, want)
	}
	p.result("1")
}

// Without a token, and after the handler returned, Progress sends nothing:
// the next line must be the reply, then the ping reply.
func TestProgressSuppressed(t *testing.T) {
	kept := make(chan func(float64, float64, string), 1)
	h := func(_ context.Context, c *Call) (*Result, error) {
		c.Progress(1, 2, "ignored unless a token was sent")
		kept <- c.Progress
		return nil, nil
	}
	p := connect(t, New(Options{Tools: []Tool{tool("t", h)}}))
	p.handshake()

	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}`)
	p.result("1")
	<-kept

	p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":"late"}}}`)
	if m := p.recv(); m.Method != "notifications/progress" {
		t.Fatalf("first message = %+v, want the in-call progress", m)
	}
	p.result("2")
	late := <-kept
	late(2, 2, "after return")
	p.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	p.result("3")
}

// blocker is a tool whose calls wait for cancellation, reporting start and
// end so that tests can order their messages.
type blocker struct {
	started, exited chan string
}

func newBlocker() *blocker {
	return &blocker{started: make(chan string, 200), exited: make(chan string, 200)}
}

func (b *blocker) tool() Tool {
	return tool("block", func(ctx context.Context, c *Call) (*Result, error) {
		b.started <- string(c.Arguments)
		<-ctx.Done()
		b.exited <- string(c.Arguments)
		return nil, context.Cause(ctx)
	})
}

func recvTimeout[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func TestCancellation(t *testing.T) {
	for _, id := range []string{`5`, `"five"`} {
		t.Run(id, func(t *testing.T) {
			b := newBlocker()
			p := connect(t, New(Options{Tools: []Tool{b.tool()}}))
			p.handshake()
			p.send(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"block","arguments":{}}}`, id)
			recvTimeout(t, b.started, "handler start")
			p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%s,"reason":"user"}}`, id)
			recvTimeout(t, b.exited, "handler exit after cancellation")
			// The handler has returned; any reply it caused would precede this one.
			p.send(`{"jsonrpc":"2.0","id":"next","method":"ping"}`)
			p.result(`"next"`)
			rest, err := p.close()
			if err != nil || len(rest) != 0 {
				t.Errorf("close = %q, %v, want no more output and nil", rest, err)
			}
		})
	}
}

func TestCancelSlowCount(t *testing.T) {
	p := connect(t, New(Options{Tools: DemoTools()}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow_count","arguments":{"steps":50,"delay_ms":10000},"_meta":{"progressToken":1}}}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}`)
	start := time.Now()
	rest, err := p.close()
	if err != nil || len(rest) != 0 {
		t.Errorf("close after cancelling slow_count = %q, %v, want no output and nil", rest, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Serve took %v to return after cancellation, want well under the 500 s count", d)
	}
}

// A cancellation that arrives after the reply is ignored.
func TestLateCancellation(t *testing.T) {
	p := connect(t, New(Options{Tools: DemoTools()}))
	p.handshake()
	p.call(1, "add", `{"a":1,"b":2}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`)
	if got := p.call(1, "add", `{"a":1,"b":3}`); got.Content[0].Text != "4" {
		t.Errorf("add(1,3) after a late cancel = %q, want 4", got.Content[0].Text)
	}
}

func TestDuplicateInFlightID(t *testing.T) {
	b := newBlocker()
	p := connect(t, New(Options{Tools: []Tool{b.tool()}}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block"}}`)
	recvTimeout(t, b.started, "handler start")
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block"}}`)
	if code, _ := p.rpcError("1"); code != -32600 {
		t.Errorf("second call with an in-flight id: code = %d, want -32600", code)
	}
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`)
	recvTimeout(t, b.exited, "handler exit")
}

func TestConcurrentCalls(t *testing.T) {
	const n = 100
	var arrived atomic.Int32
	all := make(chan struct{})
	// Every call waits until all n are running, so the test passes only
	// if the server runs them concurrently.
	h := func(ctx context.Context, c *Call) (*Result, error) {
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
			return nil, errors.New("not all calls ran at once")
		}
		return &Result{Content: []json.RawMessage{Text(string(c.Arguments))}}, nil
	}
	p := connect(t, New(Options{Tools: []Tool{tool("t", h)}}))
	p.handshake()
	for i := range n {
		p.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"t","arguments":{"i":%d}}}`, i, i)
	}
	got := map[string]string{}
	for range n {
		m := p.recv()
		var r callResult
		decode(t, m.Result, &r)
		if r.IsError {
			t.Fatalf("call %s failed: %s", m.ID, r.Content[0].Text)
		}
		got[string(m.ID)] = r.Content[0].Text
	}
	want := map[string]string{}
	for i := range n {
		want[fmt.Sprint(i)] = fmt.Sprintf(`{"i":%d}`, i)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
}

// When the input ends, running handlers are cancelled, their replies still
// go out, and Serve returns nil after them.
func TestEOFCancelsHandlers(t *testing.T) {
	b := newBlocker()
	p := connect(t, New(Options{Tools: []Tool{b.tool()}}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block"}}`)
	recvTimeout(t, b.started, "handler start")
	rest, err := p.close()
	if err != nil {
		t.Errorf("Serve = %v, want nil at EOF", err)
	}
	if len(rest) != 1 || !strings.Contains(string(rest[0]), `"id":1,"result":{"content":[{"type":"text","text":"mcpclient: testserver: connection closed"}],"isError":true}`) {
		t.Errorf("output at EOF = %q, want the cancelled call's error result", rest)
	}
}

func TestServeContextCancel(t *testing.T) {
	b := newBlocker()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := connectCtx(t, ctx, New(Options{Tools: []Tool{b.tool()}}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block"}}`)
	recvTimeout(t, b.started, "handler start")
	cancel()
	err := recvTimeout(t, p.served, "Serve to return")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Serve after cancel = %v, want context.Canceled", err)
	}
	p.served <- err // let close see it again
	if rest, _ := p.close(); len(rest) != 0 {
		t.Errorf("output after cancel = %q, want none", rest)
	}
}
