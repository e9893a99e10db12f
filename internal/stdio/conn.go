package stdio

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/mcpclient/mcpclient/internal/wire"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("mcpclient: connection closed")

// Conn carries newline-delimited messages over a reader and a writer. Read is
// for one goroutine; Write and Close are safe for concurrent use.
type Conn struct {
	lr *wire.LineReader
	r  io.Closer

	wmu sync.Mutex // serialises whole lines on w
	w   io.WriteCloser

	closeOnce sync.Once
	closeErr  error
	closeFn   func() error // stops whatever feeds the pipes; runs once
}

// NewConn returns a connection over r and w. closeFn, if not nil, runs once on
// Close after w is closed, and its error is Close's.
func NewConn(r io.ReadCloser, w io.WriteCloser, maxMessageBytes int, closeFn func() error) *Conn {
	return &Conn{lr: wire.NewLineReader(r, maxMessageBytes), r: r, w: w, closeFn: closeFn}
}

// Read returns the next message; see [wire.LineReader.Read]. The slice is
// valid until the next Read.
func (c *Conn) Read(ctx context.Context) ([]byte, error) {
	return c.lr.Read()
}

// Write sends msg followed by a newline as one unit. msg must not contain a
// newline, which encoding/json guarantees for its output. A write blocked on
// a peer that does not read ends when the connection is closed.
func (c *Conn) Write(ctx context.Context, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// One Write call per message keeps lines whole even if the writer is
	// shared; the newline is appended in place when capacity allows.
	var err error
	if cap(msg) > len(msg) {
		_, err = c.w.Write(append(msg, '\n'))
	} else {
		_, err = c.w.Write(append(msg[:len(msg):len(msg)], '\n'))
	}
	if err != nil {
		if errors.Is(err, io.ErrClosedPipe) || errors.Is(err, ErrClosed) {
			return ErrClosed
		}
		return err
	}
	return nil
}

// Close closes the writer (which tells a well-behaved server to exit), runs
// the close function, then closes the reader. It is idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.w.Close()
		if c.closeFn != nil {
			c.closeErr = c.closeFn()
		}
		c.r.Close()
	})
	return c.closeErr
}
