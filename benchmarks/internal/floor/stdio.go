package floor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// Stdio is the floor over stdio. Call is safe for concurrent use.
type Stdio struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	tmpl  callTemplate

	wmu  sync.Mutex // guards the writes and wbuf: one whole line at a time
	wbuf []byte

	nextID  atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan *response // guarded by mu; nil once the reader has ended
	err     error                    // why the reader ended; guarded by mu
	done    chan struct{}            // closed by the reader goroutine when it returns
}

// StartStdio starts the server command, opens a session of version and
// prepares calls of tool with the JSON object args. ctx bounds the
// handshake only. On error nothing is left running.
func StartStdio(ctx context.Context, version, tool, args string, command string, argv ...string) (*Stdio, error) {
	cmd := exec.Command(command, argv...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mcpclient: floor: start server: %w", err)
	}
	c := &Stdio{
		cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 64<<10),
		tmpl:    newCallTemplate(version, tool, args),
		pending: make(map[int64]chan *response),
		done:    make(chan struct{}),
	}
	if err := c.handshake(ctx, version); err != nil {
		close(c.done)
		c.Close()
		return nil, err
	}
	go c.read()
	return c, nil
}

// handshake runs before the reader starts, so it reads its answer itself.
// A server still silent when ctx ends is killed, which ends the read.
func (c *Stdio) handshake(ctx context.Context, version string) error {
	stop := context.AfterFunc(ctx, func() { _ = c.cmd.Process.Kill() })
	defer stop()
	req, note := handshake(version)
	if err := c.writeLine(req); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := c.out.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("mcpclient: floor: handshake: %w", err)
		}
		var probe struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(line, &probe) == nil && probe.Method != "" {
			continue // a notification or request of the server's; not ours
		}
		if err := checkHandshake(line); err != nil {
			return err
		}
		break
	}
	if note != nil {
		return c.writeLine(note)
	}
	return nil
}

func (c *Stdio) writeLine(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = append(append(c.wbuf[:0], msg...), '\n')
	_, err := c.stdin.Write(c.wbuf)
	return err
}

// Call calls the tool once and returns the first text of its result.
func (c *Stdio) Call(ctx context.Context) (string, error) {
	id := c.nextID.Add(1)
	ch := make(chan *response, 1)
	c.mu.Lock()
	if c.pending == nil {
		err := c.err
		c.mu.Unlock()
		return "", err
	}
	c.pending[id] = ch
	c.mu.Unlock()

	c.wmu.Lock()
	c.wbuf = append(c.tmpl.append(c.wbuf[:0], id), '\n')
	_, err := c.stdin.Write(c.wbuf)
	c.wmu.Unlock()
	if err != nil {
		c.forget(id)
		return "", fmt.Errorf("mcpclient: floor: write: %w", err)
	}

	select {
	case r := <-ch:
		if r == nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			return "", c.err
		}
		return r.text()
	case <-ctx.Done():
		c.forget(id)
		return "", ctx.Err()
	}
}

func (c *Stdio) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// read owns stdout: it decodes each line once and hands it to its caller.
func (c *Stdio) read() {
	defer close(c.done)
	var err error
	for {
		var line []byte
		line, err = c.out.ReadSlice('\n')
		if err != nil {
			break
		}
		r := new(response)
		if json.Unmarshal(line, r) != nil || r.ID == 0 {
			continue // not a response to a call: notifications are not ours
		}
		c.mu.Lock()
		ch := c.pending[r.ID]
		delete(c.pending, r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("mcpclient: floor: server closed its output")
	}
	c.mu.Lock()
	c.err = err
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, ch := range pending {
		ch <- nil
	}
}

// Close closes the server's stdin, which ends a well-behaved server, and
// waits for the reader and the process; a server still running after 5s
// is killed. It returns the process's exit error. Call it once.
func (c *Stdio) Close() error {
	c.stdin.Close()
	t := time.AfterFunc(5*time.Second, func() { _ = c.cmd.Process.Kill() })
	defer t.Stop()
	<-c.done
	return c.cmd.Wait()
}
