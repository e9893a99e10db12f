package sse

import "bytes"

// bom is the UTF-8 byte order mark, skipped once at the start of a stream.
var bom = []byte{0xEF, 0xBB, 0xBF}

// readLine returns the next line that is not a comment, without its line end, and the
// number of buffered bytes the caller must discard once it has used the line. The line
// aliases either the bufio buffer or r.line, and stays valid until the next read.
// Comment lines are consumed here, in buffer-sized pieces, without being copied.
func (r *Reader) readLine() (line []byte, discard int, err error) {
	if !r.bomDone {
		if err := r.skipBOM(); err != nil {
			return nil, 0, err
		}
	}
	if cap(r.line) > keepScratch {
		r.line = nil
	}
	r.line = r.line[:0]
	started, comment := false, false
	for {
		buf, err := r.buffered()
		if err != nil {
			// An unfinished line at the end of input is dropped with its event.
			return nil, 0, err
		}
		if !started {
			if r.afterCR {
				// Only one LF may join the CR before it; a second LF is a line end.
				r.afterCR = false
				if buf[0] == '\n' {
					r.src.Discard(1)
					continue
				}
			}
			started, comment = true, buf[0] == ':'
		}
		i := indexLineEnd(buf)
		if i < 0 {
			if !comment {
				if r.size+len(r.line)+len(buf) > r.max {
					return nil, 0, tooLarge(r.max)
				}
				r.line = append(r.line, buf...)
			}
			r.src.Discard(len(buf))
			continue
		}
		r.afterCR = buf[i] == '\r'
		if comment {
			r.src.Discard(i + 1)
			r.sawComment()
			started, comment = false, false
			continue
		}
		if r.size+len(r.line)+i > r.max {
			return nil, 0, tooLarge(r.max)
		}
		if len(r.line) == 0 {
			return buf[:i], i + 1, nil
		}
		r.line = append(r.line, buf[:i]...)
		r.src.Discard(i + 1)
		return r.line, 0, nil
	}
}

// buffered returns the unread buffered bytes, reading from the source if there are none.
// The slice is never empty when err is nil.
func (r *Reader) buffered() ([]byte, error) {
	n := r.src.Buffered()
	if n == 0 {
		if r.deferred != nil {
			return nil, r.deferred
		}
		if _, err := r.src.Peek(1); err != nil {
			return nil, err
		}
		n = r.src.Buffered()
	}
	b, _ := r.src.Peek(n)
	return b, nil
}

// skipBOM discards a BOM at the start of the stream. It asks for one more byte only while
// the bytes so far are a proper prefix of the BOM: such bytes cannot start a comment or
// finish a line, so waiting for the next byte never delays anything the caller would see.
func (r *Reader) skipBOM() error {
	for n := 1; n <= len(bom); n++ {
		b, err := r.src.Peek(n)
		if err != nil && len(b) < n {
			// bufio has handed its error over with the short Peek; keep it for
			// when the bytes already buffered have been parsed.
			r.deferred = err
			r.bomDone = true
			if len(b) == 0 {
				return err
			}
			return nil
		}
		if b[n-1] != bom[n-1] {
			r.bomDone = true
			return nil
		}
	}
	r.src.Discard(len(bom))
	r.bomDone = true
	return nil
}

// sawComment counts a complete comment line and tells OnComment.
func (r *Reader) sawComment() {
	r.comments.Add(1)
	if r.OnComment != nil {
		r.OnComment()
	}
}

// indexLineEnd returns the index of the first CR or LF in b, or -1.
func indexLineEnd(b []byte) int {
	lf := bytes.IndexByte(b, '\n')
	head := b
	if lf >= 0 {
		head = b[:lf]
	}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		return cr
	}
	return lf
}
