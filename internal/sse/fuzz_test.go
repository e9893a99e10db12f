package sse

import (
	"io"
	"testing"
)

// splitReader delivers its input in reads whose sizes cycle through sizes (1 to 64
// bytes each), so that line ends fall at arbitrary read boundaries.
type splitReader struct {
	in    []byte
	sizes []byte
	next  int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.in) == 0 {
		return 0, io.EOF
	}
	n := len(s.in)
	if len(s.sizes) > 0 {
		n = int(s.sizes[s.next%len(s.sizes)])%64 + 1
		s.next++
	}
	n = copy(p, s.in[:min(n, len(s.in))])
	s.in = s.in[n:]
	return n, nil
}

// FuzzReader compares Reader with the in-memory reference parser on arbitrary input,
// read in arbitrary pieces, with an arbitrary size bound (0 meaning the default).
func FuzzReader(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.in), []byte{}, uint16(tc.max))
		f.Add([]byte(tc.in), []byte{0, 1, 2, 3, 5, 8, 13}, uint16(tc.max))
	}
	f.Add([]byte("\xEF\xBB\xBF: c\r\ndata: a\r\rid: 1\x00\nretry: 12\ndata\n\n"), []byte{2}, uint16(0))
	f.Add([]byte("data: a\r\n\r\n"), []byte{7, 0}, uint16(9))
	f.Fuzz(func(t *testing.T, in, sizes []byte, maxBytes uint16) {
		want := reference(in, int(maxBytes))
		got := collect(t, NewReader(&splitReader{in: in, sizes: sizes}, int(maxBytes)))
		if d := diffResult(want, got); d != "" {
			t.Errorf("parse(%q) in reads %v with bound %d, compared with reference:\n%s", in, sizes, maxBytes, d)
		}
	})
}
