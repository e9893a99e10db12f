package testserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/mcpclient/mcpclient/internal/syncbuf"
)

// exitError carries Main's exit code through a peer's served channel.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit code %d", int(e)) }

// startMain runs Main in process on pipes; exit codes other than 0 arrive as
// exitError.
func startMain(t *testing.T, args ...string) (*peer, *syncbuf.Buffer) {
	stderr := new(syncbuf.Buffer)
	p := startPeer(t, func(r io.Reader, w io.Writer) error {
		if code := Main(args, r, w, stderr); code != 0 {
			return exitError(code)
		}
		return nil
	})
	return p, stderr
}

func exitCode(err error) int {
	var e exitError
	if errors.As(err, &e) {
		return int(e)
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestMainFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"-nope"}, 2},
		{[]string{"-huge", "many"}, 2},
		{[]string{"-page-size", "-1"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"-h"}, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			if got := Main(tt.args, strings.NewReader(""), io.Discard, &stderr); got != tt.want {
				t.Errorf("Main(%q) = %d, want %d", tt.args, got, tt.want)
			}
			if stderr.Len() == 0 {
				t.Errorf("Main(%q) wrote nothing to stderr, want usage or a reason", tt.args)
			}
		})
	}
}

func TestMainFlags(t *testing.T) {
	initLine := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, p *peer)
	}{
		{"defaults", nil, func(t *testing.T, p *peer) {
			p.handshake()
			if got := p.list(1, nil); len(got.Tools) != 5 || got.NextCursor != nil {
				t.Errorf("tools/list = %d tools, cursor %v, want the 5 demo tools in one page", len(got.Tools), got.NextCursor)
			}
		}},
		{"noise", []string{"-noise"}, func(t *testing.T, p *peer) {
			p.send("%s", initLine)
			for _, want := range DemoNoise() {
				if got := string(p.line()); got != want+"\n" {
					t.Errorf("line = %q, want %q", got, want)
				}
			}
			p.result("1")
		}},
		{"version", []string{"-version", "2024-11-05"}, func(t *testing.T, p *peer) {
			p.send("%s", initLine)
			var r initResult
			decode(t, p.result("1"), &r)
			if r.ProtocolVersion != "2024-11-05" {
				t.Errorf("protocolVersion = %q, want 2024-11-05", r.ProtocolVersion)
			}
		}},
		{"string ids", []string{"-string-ids"}, func(t *testing.T, p *peer) {
			p.send(`{"jsonrpc":"2.0","id":5,"method":"ping"}`)
			p.result(`"5"`)
		}},
		{"page size and repeat cursor", []string{"-page-size", "2", "-repeat-cursor"}, func(t *testing.T, p *peer) {
			p.handshake()
			first := p.list(1, nil)
			if len(first.Tools) != 2 || first.NextCursor == nil {
				t.Fatalf("first page = %d tools, cursor %v, want 2 and a cursor", len(first.Tools), first.NextCursor)
			}
			if second := p.list(2, first.NextCursor); second.NextCursor == nil || *second.NextCursor != *first.NextCursor {
				t.Errorf("second cursor = %v, want the first one again", second.NextCursor)
			}
		}},
		{"huge", []string{"-huge", "100"}, func(t *testing.T, p *peer) {
			p.handshake()
			if got := p.call(1, "add", `{}`); got.Content[0].Text != strings.Repeat("x", 100) {
				t.Errorf("huge call text = %q, want 100 x", got.Content[0].Text)
			}
		}},
		{"hang", []string{"-hang", "tools/list", "-hang", "tools/call"}, func(t *testing.T, p *peer) {
			p.handshake()
			p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
			p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add"}}`)
			p.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
			p.result("3")
		}},
		{"crash", []string{"-crash-after", "1"}, func(t *testing.T, p *peer) {
			p.handshake()
			p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1}}}`)
			err := recvTimeout(t, p.served, "Main to return")
			if exitCode(err) != 1 {
				t.Errorf("Main after crash = %v, want exit code 1", err)
			}
			p.served <- nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := startMain(t, tt.args...)
			tt.check(t, p)
			rest, err := p.close()
			if len(rest) != 0 || err != nil {
				t.Errorf("Main(%q) at EOF: output %q, %v, want none and exit 0", tt.args, rest, err)
			}
		})
	}
}

func TestMainStderrChatter(t *testing.T) {
	p, stderr := startMain(t, "-stderr", "25")
	p.ready()
	if n := strings.Count(stderr.String(), "\n"); n != 25 {
		t.Errorf("stderr has %d lines, want 25", n)
	}
}

// countWriter counts the lines written to it.
type countWriter struct {
	mu    sync.Mutex
	lines int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.lines += bytes.Count(p, []byte("\n"))
	c.mu.Unlock()
	return len(p), nil
}

// startProcess runs the test binary as the demo server over real stdio.
func startProcess(t *testing.T, args ...string) (*peer, *countWriter) {
	t.Helper()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(countWriter)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	served := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = exitError(ee.ExitCode())
		}
		served <- err
	}()
	p := newPeer(t, inW, outR, served)
	t.Cleanup(func() { outR.Close() })
	return p, stderr
}

func TestSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Run("serves and drains", func(t *testing.T) {
		const chatter = 100000
		p, stderr := startProcess(t, "-noise", "-stderr", fmt.Sprint(chatter))
		p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`)
		for range DemoNoise() {
			p.line()
		}
		p.result("1")
		p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		if got := p.call(2, "add", `{"a":40,"b":2}`); got.Content[0].Text != "42" {
			t.Errorf("add(40,2) = %q, want 42", got.Content[0].Text)
		}
		rest, err := p.close()
		if len(rest) != 0 || err != nil {
			t.Errorf("process at EOF: output %q, %v, want none and exit 0", rest, err)
		}
		stderr.mu.Lock()
		defer stderr.mu.Unlock()
		if stderr.lines != chatter {
			t.Errorf("stderr lines = %d, want %d", stderr.lines, chatter)
		}
	})
	t.Run("crash", func(t *testing.T) {
		p, _ := startProcess(t, "-crash-after", "1")
		p.handshake()
		p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1}}}`)
		rest, err := p.close()
		if len(rest) != 0 || exitCode(err) != 1 {
			t.Errorf("crashed process: output %q, %v, want none and exit code 1", rest, err)
		}
	})
}
