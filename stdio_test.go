package mcpclient

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStdioRoundTrip(t *testing.T) {
	s, err := Connect(testContext(t), stdioServer(t), &SessionOptions{Name: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tools, err := s.ListTools(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) == 0 {
		t.Fatal("ListTools() = no tools")
	}
	res, err := s.CallTool(testContext(t), "add", map[string]float64{"a": 2, "b": 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text(), "5") {
		t.Errorf("add(2, 3) = %q, want 5 in it", res.Text())
	}
}

func TestStdioNoiseOnStdout(t *testing.T) {
	// Case: banner lines on stdout before the initialize response.
	rec := &logRecorder{}
	s, err := Connect(testContext(t), stdioServer(t, "-noise"), &SessionOptions{Logger: slog.New(rec)})
	if err != nil {
		t.Fatalf("Connect with noise: %v", err)
	}
	defer s.Close()
	if _, err := s.ListTools(testContext(t)); err != nil {
		t.Fatalf("ListTools after noise: %v", err)
	}
	skipped := rec.attrs("skipped a line that is not a JSON-RPC message", "line")
	if len(skipped) != 3 || !strings.HasPrefix(skipped[0], "Example MCP Server") || !strings.Contains(skipped[2], `"level":"info"`) {
		t.Errorf("skipped lines logged = %q, want the three noise lines", skipped)
	}
}

func TestStdioLargeMessage(t *testing.T) {
	// Case: one 5 MiB result line; the session stays usable afterwards.
	const size = 5 << 20
	s, err := Connect(testContext(t), stdioServer(t, "-huge", strconv.Itoa(size)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.CallTool(testContext(t), "echo", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Text()); got != size {
		t.Errorf("result text length = %d, want %d", got, size)
	}
	if _, err := s.ListTools(testContext(t)); err != nil {
		t.Errorf("ListTools after a large message: %v", err)
	}
}

func TestStdioOversizeFailsOneRequest(t *testing.T) {
	tr := stdioServer(t, "-huge", strconv.Itoa(2<<20))
	tr.MaxMessageBytes = 1 << 20
	s, err := Connect(testContext(t), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.CallTool(testContext(t), "echo", nil, nil)
	if !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("CallTool error = %v, want ErrMessageTooLarge", err)
	}
	if err := s.Ping(testContext(t)); err != nil {
		t.Errorf("Ping after an oversize message: %v", err)
	}
}

func TestStdioChattyStderr(t *testing.T) {
	// 100000 stderr lines fill any pipe buffer many times; a client that
	// does not drain stderr hangs here.
	rec := &logRecorder{}
	tr := stdioServer(t, "-stderr", "100000")
	tr.Logger = slog.New(rec)
	s, err := Connect(testContext(t), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	// Close waits until stderr is drained.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.attrs("server stderr", "line")); n != 100000 {
		t.Errorf("stderr lines logged = %d, want 100000", n)
	}
}

func TestStdioCrashIsTyped(t *testing.T) {
	s, err := Connect(testContext(t), stdioServer(t, "-crash-after", "1"), &SessionOptions{Name: "crashy"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = s.CallTool(testContext(t), "slow_count", map[string]int{"steps": 50, "delay_ms": 1000}, nil)
	var ce *ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("CallTool error = %v, want a ConnectionError", err)
	}
	if ce.Server != "crashy" || !strings.Contains(ce.Error(), "exit") {
		t.Errorf("ConnectionError = %q, want the server name and its exit", ce.Error())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("crash reported after %v, want promptly", d)
	}
}

func TestStdioStartErrors(t *testing.T) {
	_, err := Connect(testContext(t), &StdioTransport{Command: filepath.Join(t.TempDir(), "no-such-server")}, nil)
	if err == nil || !strings.Contains(err.Error(), "no-such-server") {
		t.Errorf("Connect to a missing command: %v, want an error naming it", err)
	}
	_, err = Connect(testContext(t), &StdioTransport{}, nil)
	if err == nil {
		t.Error("Connect with no command: nil error")
	}
	// A process that exits at once fails the handshake with its stderr.
	_, err = Connect(testContext(t), &StdioTransport{Command: "sh", Args: []string{"-c", "echo boom >&2; exit 3"}}, nil)
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Connect to a dying server: %v, want ErrClosed with its stderr", err)
	}
}

func TestStdioShutdownKillsProcessGroup(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	// A launcher that ignores stdin closing and SIGTERM, with a child of
	// its own, as npx-started servers can be. The child's pid is written to
	// a file so the test can check it is gone.
	exe, _ := os.Executable()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := `trap '' TERM; sleep 300 & echo $! > "$1"; exec "$2"`
	// The exec'd test server serves; its parent shell is replaced, but the
	// sleep stays in the group.
	tr := &StdioTransport{Command: "sh", Args: []string{"-c", script, "sh", pidFile, exe}, Env: []string{serverEnv + "=1"}, CloseTimeout: 200 * time.Millisecond}
	s, err := Connect(testContext(t), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(child, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d of the server outlived Close", child)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStdioSilentServer(t *testing.T) {
	// A process that never answers and ignores both stdin's end and
	// SIGTERM: the handshake times out and Close escalates to SIGKILL.
	tr := &StdioTransport{Command: "sh", Args: []string{"-c", `trap '' TERM; while :; do sleep 1; done`}, CloseTimeout: 100 * time.Millisecond}
	start := time.Now()
	s, err := Connect(testContext(t), tr, &SessionOptions{RequestTimeout: 200 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("Connect to a silent process succeeded")
	}
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Connect error = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Connect and cleanup took %v", d)
	}
}
