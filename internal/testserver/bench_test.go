package testserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
)

// BenchmarkToolCall measures one tools/call round trip through in-memory
// pipes: the client writes a request line and reads the reply line.
func BenchmarkToolCall(b *testing.B) {
	noop := tool("noop", func(context.Context, *Call) (*Result, error) {
		return &Result{Content: []json.RawMessage{okText}}, nil
	})
	cases := []struct {
		name, line string
	}{
		{"noop", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"noop","arguments":{}}}` + "\n"},
		{"add", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}` + "\n"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			s := New(Options{Tools: append(DemoTools(), noop)})
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			served := make(chan error, 1)
			go func() {
				served <- s.Serve(context.Background(), inR, outW)
				outW.Close()
			}()
			out := bufio.NewReaderSize(outR, 64<<10)
			roundTrip := func(line []byte) []byte {
				if _, err := inW.Write(line); err != nil {
					b.Fatal(err)
				}
				reply, err := out.ReadSlice('\n')
				if err != nil {
					b.Fatal(err)
				}
				return reply
			}
			roundTrip([]byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}` + "\n"))
			req := []byte(bc.line)
			if reply := roundTrip(req); !bytes.Contains(reply, []byte(`"id":7,"result":{"content":[{"type":"text"`)) {
				b.Fatalf("reply = %s, want a text result for id 7", reply)
			}
			b.ReportAllocs()
			for b.Loop() {
				roundTrip(req)
			}
			inW.Close()
			if err := <-served; err != nil {
				b.Fatal(err)
			}
		})
	}
}

var okText = Text("ok")
