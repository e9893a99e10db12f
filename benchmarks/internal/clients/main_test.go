package clients

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"github.com/mcpclient/mcpclient/benchmarks/internal/lean"
	"go.uber.org/goleak"
)

// serverEnv makes the test binary act as a stdio server, so the stdio
// tests need no other program: "1" (or "gosdk") serves package echo,
// "lean" package lean.
const serverEnv = "MCPPERF_TEST_ECHO_SERVER"

func TestMain(m *testing.M) {
	var err error
	switch os.Getenv(serverEnv) {
	case "":
		goleak.VerifyTestMain(m)
		return
	case "lean":
		err = lean.ServeStdio(context.Background(), os.Stdin, os.Stdout)
	default:
		err = echo.ServeStdio(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
