package testserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrCrash is returned by [Server.Serve] when [Faults.CrashAfterCalls]
// dropped the connection.
var ErrCrash = errors.New("mcpclient: testserver serve: crash fault dropped the connection")

// Serve reads requests from r and writes responses to w until r ends, ctx
// ends, or a fault ends it. It waits for its handlers before returning.
//
// When r ends Serve cancels the handlers' contexts, still writes the replies
// they return, and returns nil at io.EOF or the read error otherwise. When
// ctx ends, a write to w fails, or [Faults.CrashAfterCalls] fires, nothing
// more is written and Serve returns the cause (wrapping ctx's cause, the
// write error, or [ErrCrash]).
// A Read blocked on r cannot be interrupted: if ctx ends first, Serve
// returns without waiting for it, and the reading goroutine ends when that
// Read returns, so the caller should close r. A Write blocked on w delays
// Serve until it returns. Each Serve call is one connection; many may run
// at once on one Server.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c := newConn(s, cctx, cancel, w)
	s.attach(c)
	defer s.detach(c)

	readDone := make(chan error, 1)
	go func() { readDone <- c.readLoop(cctx, r) }()

	var err error
	select {
	case err = <-readDone:
	case <-cctx.Done():
	}
	if err == nil && cctx.Err() != nil {
		// Aborted rather than ended by the peer: drop pending replies.
		c.dead.Store(true)
		err = context.Cause(cctx)
		if ctx.Err() != nil {
			err = fmt.Errorf("mcpclient: testserver serve: %w", err)
		}
	}
	cause := err
	if cause == nil {
		cause = errConnClosed
	}
	c.close(cause)
	return err
}

// readLoop decodes and dispatches lines until r ends, the connection's
// context ends, or a crash fault fires.
func (c *conn) readLoop(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		line, err := readLine(br, &long)
		if ctx.Err() != nil {
			return nil
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if herr := c.handleLine(line); herr != nil {
				return herr
			}
		}
		if cap(long) > maxKeptLine {
			long = nil // one huge request must not pin its buffer for the connection's life
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return fmt.Errorf("mcpclient: testserver serve: read: %w", err)
		}
	}
}

const maxKeptLine = 1 << 20

// readLine returns the next line of any length. Short lines are returned
// from the bufio buffer without copying; longer ones are assembled in *long,
// which is reused. The line is valid until the next call.
func readLine(br *bufio.Reader, long *[]byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	*long = append((*long)[:0], line...)
	for err == bufio.ErrBufferFull {
		line, err = br.ReadSlice('\n')
		*long = append(*long, line...)
	}
	return *long, err
}
