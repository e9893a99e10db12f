package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// maxNext stops every read loop in the tests, whatever the reader under test does.
const maxNext = 1 << 20

// result is everything observable about parsing one whole stream.
type result struct {
	Events   []Event
	Err      error
	LastID   string
	Retry    time.Duration
	RetrySet bool
	Comments int64
}

// collect calls Next until it fails and records what the Reader reported.
func collect(t testing.TB, r *Reader) result {
	t.Helper()
	var res result
	for range maxNext {
		ev, err := r.Next()
		if err != nil {
			res.Err = err
			break
		}
		if ev.Data == nil {
			t.Errorf("Next() = Event{Data: nil}, want non-nil Data")
		}
		res.Events = append(res.Events, ev)
	}
	res.LastID = r.LastEventID()
	res.Retry, res.RetrySet = r.Retry()
	res.Comments = r.Comments()
	return res
}

// diffResult describes how got differs from want, or returns "" if they match. A clean
// end must be io.EOF itself; other errors match if they wrap the wanted one.
func diffResult(want, got result) string {
	var out string
	if d := cmp.Diff(want.Events, got.Events, cmpopts.EquateEmpty()); d != "" {
		out += fmt.Sprintf("events differ (-want +got):\n%s", d)
	}
	switch {
	case want.Err == io.EOF && got.Err != io.EOF:
		out += fmt.Sprintf("final Next() error = %v, want io.EOF\n", got.Err)
	case !errors.Is(got.Err, want.Err):
		out += fmt.Sprintf("final Next() error = %v, want %v\n", got.Err, want.Err)
	}
	if got.LastID != want.LastID {
		out += fmt.Sprintf("LastEventID() = %q, want %q\n", got.LastID, want.LastID)
	}
	if got.Retry != want.Retry || got.RetrySet != want.RetrySet {
		out += fmt.Sprintf("Retry() = %v, %v, want %v, %v\n", got.Retry, got.RetrySet, want.Retry, want.RetrySet)
	}
	if got.Comments != want.Comments {
		out += fmt.Sprintf("Comments() = %d, want %d\n", got.Comments, want.Comments)
	}
	return out
}

// chunkReader returns its chunks one per Read, splitting a chunk only if p is too small.
// An empty chunk yields a Read of 0 bytes and no error.
type chunkReader struct {
	chunks [][]byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// splitAt returns a reader that delivers in as two reads, in[:k] and in[k:].
func splitAt(in []byte, k int) io.Reader {
	return &chunkReader{chunks: [][]byte{in[:k:k], in[k:]}}
}

// source names one way of delivering an input to the Reader.
type source struct {
	name string
	open func(in []byte) io.Reader
}

// sources lists the fixed ways of delivering an input; every split point is added
// separately because their number depends on the input.
var sources = []source{
	{"whole", func(in []byte) io.Reader { return bytes.NewReader(in) }},
	{"one byte", func(in []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) }},
	{"half", func(in []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(in)) }},
	{"eof with data", func(in []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) }},
}

// fillReader yields n copies of the byte b without holding them in memory.
type fillReader struct {
	b byte
	n int
}

func (f *fillReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), f.n)]
	for i := range p {
		p[i] = f.b
	}
	f.n -= len(p)
	return len(p), nil
}

// repeatReader yields count copies of unit without holding them in memory.
type repeatReader struct {
	unit  []byte
	count int
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.count > 0 {
		c := copy(p[n:], r.unit[r.off:])
		n += c
		r.off += c
		if r.off == len(r.unit) {
			r.off = 0
			r.count--
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// errAfterReader returns data and err from the same Read call, and io.EOF afterwards, so
// that a parser that drops err and reads again sees a different error.
type errAfterReader struct {
	data []byte
	err  error
}

func (e *errAfterReader) Read(p []byte) (int, error) {
	n := copy(p, e.data)
	e.data = e.data[n:]
	if len(e.data) == 0 {
		err := e.err
		e.err = io.EOF
		return n, err
	}
	return n, nil
}
