package testserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"
)

// wait bounds every blocking step of a test so that a bug fails the test
// instead of hanging it.
const wait = 30 * time.Second

// msg is any message the server writes.
type msg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// peer is a test client connected to a server through pipes.
type peer struct {
	t      testing.TB
	in     io.WriteCloser // to the server
	lines  chan []byte    // raw lines from the server
	served chan error     // the server's end: Serve's result, or Main's exit
	closed bool
}

func connect(t testing.TB, s *Server) *peer {
	return connectCtx(t, context.Background(), s)
}

func connectCtx(t testing.TB, ctx context.Context, s *Server) *peer {
	t.Helper()
	return startPeer(t, func(r io.Reader, w io.Writer) error { return s.Serve(ctx, r, w) })
}

// startPeer runs serve on in-memory pipes in the background.
func startPeer(t testing.TB, serve func(io.Reader, io.Writer) error) *peer {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		err := serve(inR, outW)
		// Unblock the test's writes and end the line reader.
		inR.CloseWithError(io.ErrClosedPipe)
		outW.Close()
		served <- err
	}()
	return newPeer(t, inW, outR, served)
}

// newPeer reads lines from out in the background; served must receive once
// when the server has ended.
func newPeer(t testing.TB, in io.WriteCloser, out io.Reader, served chan error) *peer {
	p := &peer{t: t, in: in, lines: make(chan []byte, 1024), served: served}
	go func() {
		defer close(p.lines)
		br := bufio.NewReader(out)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				p.lines <- line
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { p.close() })
	return p
}

// send writes one line (a newline is added).
func (p *peer) send(format string, args ...any) {
	p.t.Helper()
	if _, err := fmt.Fprintf(p.in, format+"\n", args...); err != nil {
		p.t.Fatalf("send: %v", err)
	}
}

// line returns the next raw line from the server.
func (p *peer) line() []byte {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatal("server output ended, want another line")
		}
		return l
	case <-time.After(wait):
		p.t.Fatal("no line from the server in time")
	}
	return nil
}

// recv returns the next message from the server.
func (p *peer) recv() msg {
	p.t.Helper()
	l := p.line()
	var m msg
	if err := json.Unmarshal(l, &m); err != nil {
		p.t.Fatalf("server wrote %q: %v", l, err)
	}
	return m
}

// result receives the next message and requires it to be a result for id.
func (p *peer) result(id string) json.RawMessage {
	p.t.Helper()
	m := p.recv()
	if string(m.ID) != id || m.Error != nil || m.Result == nil {
		p.t.Fatalf("reply = id %s result %s error %+v, want result for id %s", m.ID, m.Result, m.Error, id)
	}
	return m.Result
}

// rpcError receives the next message and requires it to be an error for id.
func (p *peer) rpcError(id string) (int, string) {
	p.t.Helper()
	m := p.recv()
	if string(m.ID) != id || m.Error == nil {
		p.t.Fatalf("reply = id %s result %s, want an error for id %s", m.ID, m.Result, id)
	}
	return m.Error.Code, m.Error.Message
}

// ready returns once Serve runs: connections attach when Serve starts, and a
// ping round trip proves it did.
func (p *peer) ready() {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":"ready","method":"ping"}`)
	p.result(`"ready"`)
}

// handshake initializes the connection with the newest version.
func (p *peer) handshake() {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`)
	p.result("0")
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

// close ends the input, waits for Serve, and returns its error and every
// line written after the last one read.
func (p *peer) close() ([][]byte, error) {
	if p.closed {
		return nil, nil
	}
	p.closed = true
	p.in.Close()
	var rest [][]byte
	timeout := time.After(wait)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				select {
				case err := <-p.served:
					return rest, err
				case <-timeout:
					p.t.Error("Serve did not return in time")
					return rest, nil
				}
			}
			rest = append(rest, l)
		case <-timeout:
			p.t.Error("server output did not end in time")
			return rest, nil
		}
	}
}

// decode unmarshals raw JSON into v, failing the test on error.
func decode(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// callResult is a decoded CallToolResult.
type callResult struct {
	Content []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Data     string `json:"data"`
		MimeType string `json:"mimeType"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	IsError           bool            `json:"isError"`
}
