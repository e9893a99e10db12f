package sse

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkNext parses streams of 1000 small events, as MCP servers and chat models send.
func BenchmarkNext(b *testing.B) {
	var withID strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&withID, "event: message\nid: %d\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":%d}}\n\n", i, i)
	}
	streams := []struct {
		name string
		in   string
	}{
		{name: "data only", in: strings.Repeat("data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}]}\n\n", 1000)},
		{name: "event id data", in: withID.String()},
		{name: "crlf with keepalives", in: strings.Repeat(": ping\r\n\r\ndata: {\"x\":1}\r\n\r\n", 1000)},
	}
	for _, s := range streams {
		b.Run(s.name, func(b *testing.B) {
			in := []byte(s.in)
			src := bytes.NewReader(in)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(in)
				r := NewReader(src, 0)
				n := 0
				for range maxNext {
					if _, err := r.Next(); err != nil {
						if err != io.EOF {
							b.Fatalf("Next() error = %v, want io.EOF", err)
						}
						break
					}
					n++
				}
				if n != 1000 {
					b.Fatalf("events = %d, want 1000", n)
				}
			}
		})
	}
}
