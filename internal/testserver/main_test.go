package testserver

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// mainEnv makes the test binary act as the demo server, so that the
// subprocess tests run Main over real stdio.
const mainEnv = "TESTSERVER_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}
