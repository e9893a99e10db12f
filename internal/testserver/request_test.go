package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

type reqOutcome struct {
	res json.RawMessage
	err error
}

// request runs s.Request in the background.
func request(s *Server, ctx context.Context, method string, params any) <-chan reqOutcome {
	ch := make(chan reqOutcome, 1)
	go func() {
		res, err := s.Request(ctx, method, params)
		ch <- reqOutcome{res, err}
	}()
	return ch
}

func TestRequest(t *testing.T) {
	s := New(Options{})
	p := connect(t, s)
	p.handshake()

	done := request(s, context.Background(), "ping", nil)
	m := p.recv()
	if string(m.ID) != `"srv-1"` || m.Method != "ping" || m.Params != nil {
		t.Fatalf("server request = %+v, want ping with id \"srv-1\" and no params", m)
	}
	p.send(`{"jsonrpc":"2.0","id":"srv-1","result":{"ok":true}}`)
	if got := recvTimeout(t, done, "Request"); got.err != nil || string(got.res) != `{"ok":true}` {
		t.Errorf("Request(ping) = %s, %v, want {\"ok\":true}, nil", got.res, got.err)
	}

	done = request(s, context.Background(), "roots/list", map[string]int{"n": 1})
	m = p.recv()
	if string(m.ID) != `"srv-2"` || m.Method != "roots/list" || string(m.Params) != `{"n":1}` {
		t.Fatalf("server request = %+v, want roots/list with id \"srv-2\" and params {\"n\":1}", m)
	}
	p.send(`{"jsonrpc":"2.0","id":"srv-2","error":{"code":-32601,"message":"no roots","data":[1]}}`)
	got := recvTimeout(t, done, "Request")
	var rpcErr *RPCError
	if !errors.As(got.err, &rpcErr) || rpcErr.Code != -32601 || rpcErr.Message != "no roots" ||
		rpcErr.Method != "roots/list" || string(rpcErr.Data) != "[1]" {
		t.Errorf("Request(roots/list) error = %v, want RPCError -32601 no roots", got.err)
	}
	if want := "mcpclient: testserver request roots/list: client error -32601: no roots"; got.err == nil || got.err.Error() != want {
		t.Errorf("error text = %v, want %q", got.err, want)
	}
}

func TestRequestFailures(t *testing.T) {
	t.Run("no connection", func(t *testing.T) {
		_, err := New(Options{}).Request(context.Background(), "ping", nil)
		if err == nil || !strings.Contains(err.Error(), "no connection") {
			t.Errorf("Request without connection = %v, want a no connection error", err)
		}
	})
	t.Run("context ends", func(t *testing.T) {
		s := New(Options{})
		p := connect(t, s)
		p.ready()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		done := request(s, ctx, "ping", nil)
		p.recv() // the request, left unanswered
		if got := recvTimeout(t, done, "Request"); !errors.Is(got.err, context.DeadlineExceeded) {
			t.Errorf("Request past its deadline = %v, want DeadlineExceeded", got.err)
		}
	})
	t.Run("connection ends", func(t *testing.T) {
		s := New(Options{})
		p := connect(t, s)
		p.ready()
		done := request(s, context.Background(), "ping", nil)
		p.recv()
		p.close()
		if got := recvTimeout(t, done, "Request"); !errors.Is(got.err, errConnClosed) {
			t.Errorf("Request on a closed connection = %v, want connection closed", got.err)
		}
	})
	t.Run("params do not marshal", func(t *testing.T) {
		s := New(Options{})
		connect(t, s).ready()
		if _, err := s.Request(context.Background(), "x", func() {}); err == nil {
			t.Error("Request with a func as params = nil error, want a marshal error")
		}
	})
}

func TestRequestUsesLatestConnection(t *testing.T) {
	s := New(Options{})
	old := connect(t, s)
	old.ready()
	latest := connect(t, s)
	latest.ready()
	done := request(s, context.Background(), "ping", nil)
	m := latest.recv()
	latest.send(`{"jsonrpc":"2.0","id":%s,"result":{}}`, m.ID)
	if got := recvTimeout(t, done, "Request"); got.err != nil {
		t.Errorf("Request = %v, want nil", got.err)
	}
	old.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if m := old.recv(); string(m.ID) != "2" {
		t.Errorf("older connection got %+v, want only its ping reply", m)
	}
}

// A handler can ask the client something while its call is running, as
// sampling or elicitation would.
func TestRequestFromHandler(t *testing.T) {
	h := func(ctx context.Context, c *Call) (*Result, error) {
		res, err := c.Server.Request(ctx, "sampling/createMessage", nil)
		if err != nil {
			return nil, err
		}
		return &Result{Content: []json.RawMessage{Text(string(res))}}, nil
	}
	p := connect(t, New(Options{Tools: []Tool{tool("ask", h)}}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask"}}`)
	m := p.recv()
	if m.Method != "sampling/createMessage" {
		t.Fatalf("message = %+v, want sampling/createMessage", m)
	}
	p.send(`{"jsonrpc":"2.0","id":%s,"result":{"answer":42}}`, m.ID)
	var r callResult
	decode(t, p.result("1"), &r)
	if r.Content[0].Text != `{"answer":42}` {
		t.Errorf("tool result = %q, want the client's answer", r.Content[0].Text)
	}
}

func TestNotify(t *testing.T) {
	s := New(Options{})
	if err := s.Notify("notifications/message", nil); err != nil {
		t.Errorf("Notify without connections = %v, want nil", err)
	}
	a, b := connect(t, s), connect(t, s)
	a.ready()
	b.ready()
	params := json.RawMessage("{\n\"level\": \"info\", \"data\": \"hello\"\n}")
	if err := s.Notify("notifications/message", params); err != nil {
		t.Fatalf("Notify = %v, want nil", err)
	}
	for name, p := range map[string]*peer{"a": a, "b": b} {
		line := string(p.line())
		want := `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hello"}}` + "\n"
		if line != want {
			t.Errorf("connection %s got %q, want %q", name, line, want)
		}
	}
	if err := s.Notify("x", make(chan int)); err == nil {
		t.Error("Notify with unmarshalable params = nil, want an error")
	}
}
