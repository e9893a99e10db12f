package wire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, lr *LineReader) (lines []string, errs []error) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		line, err := lr.Read()
		if err == io.EOF {
			return lines, errs
		}
		if err != nil {
			var oe *OversizeError
			if !errors.As(err, &oe) {
				t.Fatalf("Read() error = %v", err)
			}
			errs = append(errs, err)
			continue
		}
		lines = append(lines, string(line))
	}
	t.Fatal("Read() did not reach EOF")
	return nil, nil
}

func TestLineReader(t *testing.T) {
	big := strings.Repeat("x", 300<<10)
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
		over  int
	}{
		{"lf", "a\nb\n", 0, []string{"a", "b"}, 0},
		{"crlf", "a\r\nb\r\n", 0, []string{"a", "b"}, 0},
		{"no final newline", "a\nb", 0, []string{"a", "b"}, 0},
		{"blank lines skipped", "\n\na\n \n\r\nb\n", 0, []string{"a", "b"}, 0},
		{"long line", big + "\nafter\n", 0, []string{big, "after"}, 0},
		{"long final line", "x\n" + big, 0, []string{"x", big}, 0},
		{"over limit skipped", big + "\nafter\n", 100 << 10, []string{"after"}, 1},
		{"at limit kept", big + "\n", 300 << 10, []string{big}, 0},
		{"one over limit", big + "\n", 300<<10 - 1, nil, 1},
	}
	for _, tt := range tests {
		for _, split := range []string{"whole", "onebyte"} {
			t.Run(tt.name+"/"+split, func(t *testing.T) {
				var r io.Reader = strings.NewReader(tt.in)
				if split == "onebyte" {
					if len(tt.in) > 1<<16 {
						t.Skip("too slow one byte at a time")
					}
					r = iotest.OneByteReader(r)
				}
				lines, errs := readAll(t, NewLineReader(r, tt.limit))
				if len(lines) != len(tt.want) || len(errs) != tt.over {
					t.Fatalf("got %d lines and %d oversize errors, want %d and %d", len(lines), len(errs), len(tt.want), tt.over)
				}
				for i := range lines {
					if lines[i] != tt.want[i] {
						t.Errorf("line %d = %.40q (len %d), want %.40q (len %d)", i, lines[i], len(lines[i]), tt.want[i], len(tt.want[i]))
					}
				}
			})
		}
	}
}

func TestOversizeKeepsID(t *testing.T) {
	pad := strings.Repeat("y", 200<<10)
	tests := []struct {
		name string
		msg  string
		id   string
	}{
		{"id first", `{"id":7,"jsonrpc":"2.0","result":{"text":"` + pad + `"}}`, `7`},
		{"id last", `{"jsonrpc":"2.0","result":{"text":"` + pad + `"},"id":12}`, `12`},
		{"string id", `{"jsonrpc":"2.0","result":{"t":"` + pad + `"},"id":"abc"}`, `"abc"`},
		{"nested id ignored", `{"jsonrpc":"2.0","result":{"id":99,"t":"` + pad + `"},"id":3}`, `3`},
		{"id in a string ignored", `{"jsonrpc":"2.0","result":{"t":"\"id\":5 ` + pad + `"},"id":4}`, `4`},
		{"escaped quote", `{"jsonrpc":"2.0","result":{"t":"a\\\"b` + pad + `"},"id":8}`, `8`},
		{"spaces", `{ "id" : 21 , "result": "` + pad + `"}`, `21`},
		{"no id", `{"jsonrpc":"2.0","method":"x","params":{"t":"` + pad + `"}}`, ``},
		{"object id", `{"id":{"a":1},"result":"` + pad + `"}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := NewLineReader(strings.NewReader(tt.msg+"\n{\"ok\":1}\n"), 100<<10)
			_, err := lr.Read()
			var oe *OversizeError
			if !errors.As(err, &oe) || !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("Read() error = %v, want an OversizeError", err)
			}
			if string(oe.ID) != tt.id {
				t.Errorf("OversizeError.ID = %q, want %q", oe.ID, tt.id)
			}
			if oe.Size != int64(len(tt.msg)) {
				t.Errorf("OversizeError.Size = %d, want %d", oe.Size, len(tt.msg))
			}
			line, err := lr.Read()
			if err != nil || string(line) != `{"ok":1}` {
				t.Errorf("next Read() = %q, %v; want the next message", line, err)
			}
		})
	}
}

// FuzzIDScanner checks the streaming id scanner against encoding/json on
// whatever objects the fuzzer makes, fed in arbitrary chunks.
func FuzzIDScanner(f *testing.F) {
	f.Add([]byte(`{"id":1,"result":{}}`), uint8(3))
	f.Add([]byte(`{"result":{"id":2},"id":"x"}`), uint8(1))
	f.Add([]byte(`{"a":"\"id\":3","id":4}`), uint8(7))
	f.Fuzz(func(t *testing.T, msg []byte, chunk uint8) {
		var sc idScanner
		step := int(chunk)%16 + 1
		for i := 0; i < len(msg); i += step {
			sc.write(msg[i:min(i+step, len(msg))])
		}
		got := sc.id()
		want, ok := referenceID(msg)
		if !ok {
			return // not a JSON object: any answer is acceptable, no panic is the test
		}
		if want != nil && got != nil && !bytes.Equal(bytes.TrimSpace(got), want) {
			t.Fatalf("id of %q = %q, want %q", msg, got, want)
		}
		if want == nil && got != nil {
			t.Fatalf("id of %q = %q, want none", msg, got)
		}
	})
}
