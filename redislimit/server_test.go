package redislimit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/syncbuf"

	"github.com/redis/go-redis/v9"
)

// startRedis runs a private redis-server on a free loopback port for the
// test, without persistence, and returns its address. Without
// redis-server the test is skipped, unless CI=true, where it fails.
func startRedis(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed (apt-get install redis-server): %v", err)
		}
		t.Skipf("redis-server is not installed (apt-get install redis-server); skipping: %v", err)
	}
	var lastErr error
	for range 3 {
		addr, err := tryRedis(t, path)
		if err == nil {
			return addr
		}
		lastErr = err
	}
	t.Fatalf("could not start redis-server: %v", lastErr)
	return ""
}

// tryRedis starts one redis-server on a port that was free a moment ago.
func tryRedis(t testing.TB, path string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	var out syncbuf.Buffer
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}

	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	for range 100 {
		select {
		case err := <-exited:
			exited <- err
			stop()
			return "", fmt.Errorf("redis-server exited (%v):\n%s", err, out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err = rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			t.Cleanup(stop)
			return addr, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	return "", fmt.Errorf("redis-server on %s did not answer PING: %v\n%s", addr, err, out.String())
}

// newRedis returns a client of the Redis at addr, closed with the test.
func newRedis(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
