package sse

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// allocatedBytes returns the bytes the heap allocated while f ran.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestNextMemoryBounded checks that huge comments, oversized events and endless streams
// of lines without events cost a fixed amount of memory, however much input they are.
func TestNextMemoryBounded(t *testing.T) {
	const budget = 256 << 10
	tests := []struct {
		name string
		open func() io.Reader
		max  int
		want result
	}{
		{
			name: "10 MB comment with 1 KB bound",
			open: func() io.Reader {
				return io.MultiReader(strings.NewReader(":"), &fillReader{b: 'x', n: 10 << 20},
					strings.NewReader("\ndata: ok\n\n"))
			},
			max:  1 << 10,
			want: result{Events: []Event{ev("ok")}, Err: io.EOF, Comments: 1},
		},
		{
			name: "million keepalive comments with default bound",
			open: func() io.Reader {
				return io.MultiReader(&repeatReader{unit: []byte(": PROCESSING\n"), count: 1e6},
					strings.NewReader("data: ok\n\n"))
			},
			want: result{Events: []Event{ev("ok")}, Err: io.EOF, Comments: 1e6},
		},
		{
			name: "million blank lines",
			open: func() io.Reader { return &repeatReader{unit: []byte("\r\n"), count: 1e6} },
			want: result{Err: io.EOF},
		},
		{
			name: "million id-only events",
			open: func() io.Reader { return &repeatReader{unit: []byte("id: 1\n\n"), count: 1e6} },
			want: result{Err: io.EOF, LastID: "1"},
		},
		{
			name: "10 MB data line with 1 KB bound",
			open: func() io.Reader {
				return io.MultiReader(strings.NewReader("data: "), &fillReader{b: 'x', n: 10 << 20})
			},
			max:  1 << 10,
			want: result{Err: ErrEventTooLarge},
		},
		{
			name: "million data lines without blank line",
			open: func() io.Reader { return &repeatReader{unit: []byte("data: x\n"), count: 1e6} },
			max:  1 << 10,
			want: result{Err: ErrEventTooLarge},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.open()
			var got result
			n := allocatedBytes(func() { got = collect(t, NewReader(src, tt.max)) })
			if d := diffResult(tt.want, got); d != "" {
				t.Error(d)
			}
			if n > budget {
				t.Errorf("parsing allocated %d bytes, want at most %d", n, budget)
			}
		})
	}
}

// TestNextAllocs checks the allocations per unit of a repeated input: none for lines that
// produce no event, one (the Data slice) for each event.
func TestNextAllocs(t *testing.T) {
	tests := []struct {
		name    string
		unit    string
		perUnit float64
	}{
		{name: "comments", unit: ": PROCESSING\n", perUnit: 0},
		{name: "blank lines", unit: "\r\n", perUnit: 0},
		{name: "unknown fields", unit: "foo: bar\n", perUnit: 0},
		{name: "data events", unit: "data: {\"jsonrpc\":\"2.0\",\"id\":1}\n\n", perUnit: 1},
		{name: "typed events with fixed id", unit: "event: message\nid: 7\ndata: {}\n\n", perUnit: 1},
		{name: "multi-line data events", unit: "data: a\ndata: b\ndata: c\n\n", perUnit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := func(count int) float64 {
				return testing.AllocsPerRun(20, func() {
					r := NewReader(&repeatReader{unit: []byte(tt.unit), count: count}, 1<<20)
					for range maxNext {
						if _, err := r.Next(); err != nil {
							break
						}
					}
				})
			}
			// The slack covers scratch buffers that grow once, for example when a
			// line first straddles two buffer fills.
			const units, slack = 1000, 4
			few, many := allocs(10), allocs(10+units)
			if extra, want := many-few, tt.perUnit*units+slack; extra > want {
				t.Errorf("allocations for %d more %q = %v, want at most %v", units, tt.unit, extra, want)
			}
		})
	}
}

// TestDefaultBound checks that zero and negative bounds mean 16 MiB.
func TestDefaultBound(t *testing.T) {
	const limit = 16 << 20
	tests := []struct {
		name    string
		max     int
		lineLen int
		wantErr error
	}{
		{name: "zero at limit", max: 0, lineLen: limit, wantErr: io.EOF},
		{name: "zero over limit", max: 0, lineLen: limit + 1, wantErr: ErrEventTooLarge},
		{name: "negative over limit", max: -1, lineLen: limit + 1, wantErr: ErrEventTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := io.MultiReader(strings.NewReader("data: "), &fillReader{b: 'x', n: tt.lineLen - len("data: ")},
				strings.NewReader("\n\n"))
			got := collect(t, NewReader(src, tt.max))
			if !errors.Is(got.Err, tt.wantErr) {
				t.Errorf("final Next() error for a %d-byte line with bound %d = %v, want %v",
					tt.lineLen, tt.max, got.Err, tt.wantErr)
			}
			wantEvents := 0
			if tt.wantErr == io.EOF {
				wantEvents = 1
			}
			if len(got.Events) != wantEvents {
				t.Fatalf("events for a %d-byte line with bound %d = %d, want %d",
					tt.lineLen, tt.max, len(got.Events), wantEvents)
			}
			// bytes.Count rather than cmp: a reflective diff of 16 MiB is very slow.
			if wantEvents == 1 {
				data := got.Events[0].Data
				if n, want := bytes.Count(data, []byte("x")), tt.lineLen-len("data: "); len(data) != want || n != want {
					t.Errorf("Data of a %d-byte line = %d bytes with %d x, want %d x only", tt.lineLen, len(data), n, want)
				}
			}
		})
	}
}
