package sse

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var errBoom = errors.New("boom")

// TestNextReadErrors checks that source errors come back unchanged, including errors that
// arrive while the start of the stream is checked for a BOM, and that they are final.
func TestNextReadErrors(t *testing.T) {
	tests := []struct {
		name string
		src  io.Reader
		want result
	}{
		{
			name: "error after an event",
			src:  io.MultiReader(strings.NewReader("id: 1\ndata: a\n\nid: 2\ndata: b\n"), iotest.ErrReader(errBoom)),
			want: result{Events: []Event{{Data: []byte("a"), ID: "1"}}, Err: errBoom, LastID: "1"},
		},
		{
			name: "error at once",
			src:  iotest.ErrReader(errBoom),
			want: result{Err: errBoom},
		},
		{
			name: "error once then eof",
			src:  &errAfterReader{data: []byte("data: a\n\ndata: b\n"), err: errBoom},
			want: result{Events: []Event{ev("a")}, Err: errBoom},
		},
		{
			name: "error with partial bom",
			src:  &errAfterReader{data: []byte("\xEF\xBB"), err: errBoom},
			want: result{Err: errBoom},
		},
		{
			name: "error with first byte",
			src:  &errAfterReader{data: []byte(":"), err: errBoom},
			want: result{Err: errBoom},
		},
		{
			name: "error with whole bom",
			src:  &errAfterReader{data: []byte("\xEF\xBB\xBF"), err: errBoom},
			want: result{Err: errBoom},
		},
		{
			name: "error with complete events",
			src:  &errAfterReader{data: []byte("\xEF\xBBx\n: c\ndata: a\n\n"), err: errBoom},
			want: result{Events: []Event{ev("a")}, Err: errBoom, Comments: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.src, 0)
			got := collect(t, r)
			if got.Err != tt.want.Err {
				t.Errorf("final Next() error = %v, want %v unchanged", got.Err, tt.want.Err)
			}
			if d := diffResult(tt.want, got); d != "" {
				t.Error(d)
			}
			if _, err := r.Next(); err != tt.want.Err {
				t.Errorf("Next() after failure = %v, want %v again", err, tt.want.Err)
			}
		})
	}
}

// TestNextErrorsAreFinal checks that EOF and size errors repeat, and that the state a
// caller needs to reconnect survives them.
func TestNextErrorsAreFinal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		wantErr error
	}{
		{name: "eof", in: "id: 5\nretry: 3\ndata: a\n\n", wantErr: io.EOF},
		// After the failure, the rest of the long line and the event after it must
		// not be parsed as if the stream went on.
		{name: "too large", in: "id: 5\nretry: 3\ndata: a\n\ndata: 0123456789012345678901\n\ndata: b\n\n", max: 20, wantErr: ErrEventTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(iotest.OneByteReader(strings.NewReader(tt.in)), tt.max)
			got := collect(t, r)
			if !errors.Is(got.Err, tt.wantErr) {
				t.Fatalf("final Next() error = %v, want %v", got.Err, tt.wantErr)
			}
			for i := range 3 {
				if _, err := r.Next(); !errors.Is(err, tt.wantErr) {
					t.Errorf("Next() call %d after failure = %v, want %v", i, err, tt.wantErr)
				}
			}
			if id := r.LastEventID(); id != "5" {
				t.Errorf("LastEventID() after failure = %q, want %q", id, "5")
			}
			if d, ok := r.Retry(); d != 3*time.Millisecond || !ok {
				t.Errorf("Retry() after failure = %v, %v, want 3ms, true", d, ok)
			}
		})
	}
}

// TestTooLargeMessage checks the error text of a size failure.
func TestTooLargeMessage(t *testing.T) {
	_, err := NewReader(strings.NewReader("data: 0123456789\n\n"), 10).Next()
	const want = "mcpclient: sse event exceeds size limit of 10 bytes"
	if err == nil || err.Error() != want {
		t.Errorf("Next() error = %v, want %q", err, want)
	}
}

// TestNextWithoutSource checks Readers that have nothing to read from.
func TestNextWithoutSource(t *testing.T) {
	tests := []struct {
		name string
		r    *Reader
	}{
		{name: "zero value", r: &Reader{}},
		{name: "nil source", r: NewReader(nil, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.r.Next()
			if err == nil || err == io.EOF || !strings.HasPrefix(err.Error(), "mcpclient: sse next:") {
				t.Errorf("Next() error = %v, want an error starting %q", err, "mcpclient: sse next:")
			}
		})
	}
}
