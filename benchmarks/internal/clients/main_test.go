package clients

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"go.uber.org/goleak"
)

// serverEnv makes the test binary act as the stdio echo server, so the
// stdio tests need no other program.
const serverEnv = "MCPPERF_TEST_ECHO_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		if err := echo.ServeStdio(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}
