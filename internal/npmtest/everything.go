package npmtest

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/syncbuf"
)

// EverythingHTTP starts server-everything with the transport argument mode
// ("streamableHttp" or "sse") on a free port and returns its base URL on
// 127.0.0.1. The server binds every interface; tests talk to loopback only.
// It is killed, by its pid, when the test ends.
func EverythingHTTP(t testing.TB, mode string) string {
	t.Helper()
	bin := Bin(t, Everything, "mcp-server-everything")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()

	out := &syncbuf.Buffer{}
	cmd := exec.Command(bin, mode)
	cmd.Env = append(os.Environ(), "PORT="+port)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server-everything %s: %v", mode, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server-everything output:\n%s", out.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("server-everything %s did not listen on %s within 30s: %v\n%s", mode, addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
