package stdio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Config describes the server process.
type Config struct {
	Command string
	Args    []string
	// Env is added to the current environment (later entries win), so that
	// PATH and HOME still reach launchers such as npx.
	Env []string
	Dir string

	MaxMessageBytes int           // 0 means wire.DefaultMaxMessageBytes
	CloseTimeout    time.Duration // per shutdown step; 0 means 1s
	Logger          *slog.Logger  // receives stderr lines; nil discards
	StderrTailLines int           // lines of stderr kept for errors; 0 means 20
}

// Process is a running server and the connection to it.
type Process struct {
	*Conn
	cmd     *exec.Cmd
	stderr  *tail
	exited  chan struct{} // closed by the waiter goroutine once the process is reaped
	waitErr error
	drained sync.WaitGroup
}

// Start starts the server. The process lives until Close, whatever happens to
// ctx, which bounds only the start itself.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	if cfg.Command == "" {
		return nil, errors.New("mcpclient: start stdio server: no command given")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = time.Second
	}
	if cfg.StderrTailLines <= 0 {
		cfg.StderrTailLines = 20
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	cmd := exec.Command(cfg.Command, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(), cfg.Env...)
	setProcessGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("mcpclient: start stdio server %q: %w", cfg.Command, err)
	}
	// Our own pipes for stdout and stderr: exec's would be closed by Wait as
	// soon as the process exits, losing output still in flight.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("mcpclient: start stdio server %q: %w", cfg.Command, err)
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		stdoutR.Close()
		stdoutW.Close()
		return nil, fmt.Errorf("mcpclient: start stdio server %q: %w", cfg.Command, err)
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	err = cmd.Start()
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		stdin.Close()
		stdoutR.Close()
		stderrR.Close()
		return nil, fmt.Errorf("mcpclient: start stdio server %q: %w", cfg.Command, err)
	}

	p := &Process{cmd: cmd, stderr: newTail(cfg.StderrTailLines), exited: make(chan struct{})}
	p.drained.Add(1)
	stderrDone := make(chan struct{})
	go func() {
		defer close(stderrDone)
		p.drainStderr(stderrR, logger.With("pid", cmd.Process.Pid))
	}()
	go func() {
		p.waitErr = cmd.Wait()
		// With the leader gone the server is gone: end what it started so
		// that its pipes reach EOF and the session sees the crash at once.
		killGroup(cmd)
		// Let the last stderr lines in before announcing the exit, so the
		// error that reports it can quote them.
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-stderrDone:
		case <-t.C:
		}
		t.Stop()
		close(p.exited)
	}()
	p.Conn = NewConn(stdoutR, stdin, cfg.MaxMessageBytes, func() error {
		err := p.shutdown(cfg.CloseTimeout, logger)
		// A grandchild outside the group may still hold stderr open.
		stderrR.Close()
		p.drained.Wait()
		return err
	})
	return p, nil
}

// drainStderr hands each stderr line to the logger and keeps the last ones.
func (p *Process) drainStderr(r io.Reader, logger *slog.Logger) {
	defer p.drained.Done()
	br := bufio.NewReaderSize(r, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			text := strings.TrimRight(string(line), "\r\n")
			if errors.Is(err, bufio.ErrBufferFull) {
				text += "…"
				// Skip the rest of an overlong line.
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
			}
			if text != "" {
				p.stderr.add(text)
				logger.Debug("server stderr", "line", text)
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// Exited is closed when the process has ended and been reaped.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitErr returns how the process ended; valid once Exited is closed.
func (p *Process) ExitErr() error { return p.waitErr }

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// StderrTail returns the last lines the server wrote to stderr.
func (p *Process) StderrTail() string { return p.stderr.String() }

// shutdown ends the process in escalating steps, each bounded by d: stdin is
// already closed when it runs, then SIGTERM to the group, then SIGKILL to the
// group. The group signals reach grandchildren that a launcher started.
func (p *Process) shutdown(d time.Duration, logger *slog.Logger) error {
	if p.waitFor(d) {
		return nil
	}
	logger.Debug("server ignored closed stdin; sending SIGTERM", "pid", p.Pid())
	terminateGroup(p.cmd)
	if p.waitFor(d) {
		return nil
	}
	logger.Warn("server ignored SIGTERM; killing its process group", "pid", p.Pid())
	killGroup(p.cmd)
	if p.waitFor(d) {
		return nil
	}
	return fmt.Errorf("mcpclient: stdio server (pid %d) did not exit after SIGKILL", p.Pid())
}

func (p *Process) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	}
}

// tail keeps the last n lines written to it.
type tail struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
}

func newTail(n int) *tail { return &tail{lines: make([]string, n)} }

func (t *tail) add(s string) {
	if len(s) > 512 {
		s = s[:512] + "…"
	}
	t.mu.Lock()
	t.lines[t.next] = s
	t.next = (t.next + 1) % len(t.lines)
	if t.next == 0 {
		t.full = true
	}
	t.mu.Unlock()
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	if t.full {
		out = append(out, t.lines[t.next:]...)
	}
	out = append(out, t.lines[:t.next]...)
	return strings.Join(out, "\n")
}
