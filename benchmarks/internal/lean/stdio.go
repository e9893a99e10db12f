package lean

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
)

// maxLine bounds one stdio message; a longer line is answered with an
// error and skipped, so a runaway client cannot grow the server's memory.
const maxLine = 4 << 20

var errLineTooLong = errors.New("mcpclient: lean: stdio: line too long")

// ServeStdio serves one client: newline-delimited JSON-RPC read from in,
// answers written to out. Requests are answered in order on the calling
// goroutine, since no request waits for anything; answers are written out
// once no further whole line is already buffered, so a burst of requests
// costs one write.
//
// It returns nil when in ends or when ctx ends; to stop a blocked read when
// ctx ends, in is closed if it is an [io.Closer] (os.Stdin is). It returns
// the error of a failed read or write otherwise. A line that is not JSON
// is answered with a parse error and the server goes on.
func ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	if c, ok := in.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { _ = c.Close() })
		defer stop()
	}
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriterSize(out, 64<<10)
	var (
		r    request
		long []byte
	)
	for {
		line, err := readLine(br, &long)
		switch {
		case errors.Is(err, errLineTooLong):
			line = nil
		case err != nil:
			if ferr := bw.Flush(); ferr != nil && ctx.Err() == nil {
				return ferr
			}
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		buf := bw.AvailableBuffer()
		if line == nil {
			buf = appendError(buf, nil, codeInvalidRequest, "mcpclient: lean: message too long", nil)
		} else if !blank(line) {
			buf, _ = answer(buf, line, bothEras, &r)
		}
		if len(buf) > 0 {
			if _, err := bw.Write(append(buf, '\n')); err != nil {
				return err
			}
		}
		if !lineBuffered(br) {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
}

// answer appends the answer to the message msg, if it gets one, and
// returns the JSON-RPC error code of the answer (0 for a result or none).
func answer(dst, msg []byte, ep endpoint, r *request) ([]byte, int) {
	if perr := parse(msg, r); perr != nil {
		if r.method != nil && r.id == nil {
			return dst, 0 // a notification is never answered, not even with an error
		}
		return appendError(dst, perr.id, perr.code, "mcpclient: lean: "+perr.msg, nil), perr.code
	}
	return handle(dst, r, ep)
}

// readLine returns the next line without its newline; the last line may
// lack one. A line longer than br's buffer is gathered in *long, which is
// kept for reuse; one over maxLine is read to its end and dropped, and
// errLineTooLong returned.
func readLine(br *bufio.Reader, long *[]byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case err == nil:
		return line[:len(line)-1], nil
	case errors.Is(err, io.EOF) && len(line) > 0:
		return line, nil
	case !errors.Is(err, bufio.ErrBufferFull):
		return nil, err
	}
	buf := append((*long)[:0], line...)
	tooLong := false
	for {
		line, err = br.ReadSlice('\n')
		if !tooLong && len(buf)+len(line) > maxLine {
			tooLong, buf = true, buf[:0]
		}
		if !tooLong {
			buf = append(buf, line...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case tooLong && (err == nil || errors.Is(err, io.EOF)):
			return nil, errLineTooLong
		case err == nil:
			*long = buf
			return buf[:len(buf)-1], nil
		case errors.Is(err, io.EOF):
			*long = buf
			return buf, nil
		}
		return nil, err
	}
}

// lineBuffered reports whether br already holds a whole line, which will
// be read without blocking; until then, answers may wait in the writer.
func lineBuffered(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

func blank(line []byte) bool {
	return len(bytes.TrimSpace(line)) == 0
}
