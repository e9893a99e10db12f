package main

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/testserver"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The tests start this binary as "serve-demo" to get the demo server
	// over stdio, as the real command re-executes itself, and benchmarks as
	// "serve-fake" to get a provider in another process.
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve-demo":
			os.Exit(testserver.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
		case "serve-fake":
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
			code := serveFake(ctx, os.Args[2:], e)
			stop()
			os.Exit(code)
		}
	}
	goleak.VerifyTestMain(m)
}

// runCmd runs the command with args and the given environment variables,
// and returns its exit code and output.
func runCmd(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return runCmdContext(ctx, vars, args...)
}

// runCmdContext is runCmd under ctx, which stands for the interrupt signal.
func runCmdContext(ctx context.Context, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	e := &env{
		stdin:  bytes.NewReader(nil),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return vars[k] },
		self: func(sub string) (string, []string, error) {
			exe, _, err := reExecTest()
			return exe, []string{sub}, err
		},
	}
	code = run(ctx, args, e)
	return code, out.String(), errb.String()
}

// reExecTest returns the command that runs this test binary, which serves
// the demo server when its first argument is serve-demo (see TestMain).
func reExecTest() (string, []string, error) {
	exe, err := os.Executable()
	return exe, nil, err
}
