package redislimit

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(runWorker(os.Getenv(workerEnv), os.Stdout))
	}
	goleak.VerifyTestMain(m)
}
