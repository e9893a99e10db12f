package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxMessageBytes is the message size limit used when none is given:
// far above the multi-megabyte results that real servers return (file
// contents, screenshots), yet bounded so a peer cannot exhaust memory.
const DefaultMaxMessageBytes = 64 << 20

// LineReader reads newline-terminated messages. It is not safe for
// concurrent use; one goroutine owns it.
type LineReader struct {
	br    *bufio.Reader
	limit int
	buf   []byte // holds a line that outgrew br's buffer
}

// NewLineReader returns a reader of messages of at most limit bytes from r;
// a limit of zero or less means [DefaultMaxMessageBytes].
func NewLineReader(r io.Reader, limit int) *LineReader {
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	return &LineReader{br: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// Read returns the next non-blank line without its line end (LF or CRLF).
// The slice is valid until the next call. A line over the limit is skipped
// whole and reported as an *[OversizeError]; the reader stays usable. At the
// end of input it returns io.EOF; a final line without a newline is still
// returned first.
func (lr *LineReader) Read() ([]byte, error) {
	for {
		line, err := lr.readLine()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return line, nil
	}
}

func (lr *LineReader) readLine() ([]byte, error) {
	line, err := lr.br.ReadSlice('\n')
	if err == nil {
		return line[:len(line)-1], nil
	}
	if err == io.EOF && len(line) > 0 {
		return line, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}

	// The line is longer than the buffer: gather it, unless it passes the
	// limit, in which case skip the rest while looking for its id.
	lr.buf = append(lr.buf[:0], line...)
	for {
		line, err = lr.br.ReadSlice('\n')
		done := err == nil || (err == io.EOF && len(line) > 0)
		if err == nil {
			line = line[:len(line)-1]
		}
		if len(lr.buf)+len(line) > lr.limit {
			return nil, lr.skip(line, done, err)
		}
		lr.buf = append(lr.buf, line...)
		if done {
			out := lr.buf
			if cap(lr.buf) > 1<<20 {
				// Do not pin a huge buffer for the life of the session.
				lr.buf = nil
			}
			return out, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// skip discards the rest of an oversize line. What was gathered so far and
// every later chunk pass through an idScanner, so memory stays bounded.
func (lr *LineReader) skip(chunk []byte, done bool, err error) error {
	var sc idScanner
	sc.write(lr.buf)
	size := int64(len(lr.buf))
	lr.buf = nil
	for {
		sc.write(chunk)
		size += int64(len(chunk))
		if done {
			return &OversizeError{Size: size, Limit: lr.limit, ID: sc.id()}
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		chunk, err = lr.br.ReadSlice('\n')
		done = err == nil || (err == io.EOF && len(chunk) > 0)
		if err == nil {
			chunk = chunk[:len(chunk)-1]
		}
	}
}
