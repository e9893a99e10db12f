package sse

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestOnComment checks that OnComment runs once per complete comment line, in stream
// order relative to the events Next returns.
func TestOnComment(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "none", in: "data: a\n\n", want: []string{"event a", "end"}},
		{name: "around events", in: ": x\ndata: a\n\n:\r:y\r\ndata: b\n\n: z\n",
			want: []string{"comment", "event a", "comment", "comment", "event b", "comment", "end"}},
		{name: "unfinished comment not reported", in: "data: a\n\n: x", want: []string{"event a", "end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			r := NewReader(iotest.OneByteReader(strings.NewReader(tt.in)), 0)
			r.OnComment = func() { log = append(log, "comment") }
			for range maxNext {
				e, err := r.Next()
				if err != nil {
					log = append(log, "end")
					break
				}
				log = append(log, "event "+string(e.Data))
			}
			if d := cmp.Diff(tt.want, log); d != "" {
				t.Errorf("calls while parsing %q differ (-want +got):\n%s", tt.in, d)
			}
		})
	}
}

// TestCommentsConcurrent checks, under the race detector, that Comments can be read
// while another goroutine is blocked in Next, as an idle timer would.
func TestCommentsConcurrent(t *testing.T) {
	const n = 100
	pr, pw := io.Pipe()
	r := NewReader(pr, 0)
	done := make(chan error, 1)
	go func() {
		_, err := r.Next()
		done <- err
	}()
	for range n {
		if _, err := pw.Write([]byte(": keepalive\n")); err != nil {
			t.Fatalf("pipe Write() error = %v, want nil", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Comments() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := r.Comments(); got != n {
		t.Errorf("Comments() while Next blocks = %d, want %d", got, n)
	}
	pw.Close()
	if err := <-done; err != io.EOF {
		t.Errorf("Next() after the writer closed = %v, want io.EOF", err)
	}
}
