package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkClientCPU measures what the issue asks to write down: the CPU
// time the client spends per chat request, against a provider that answers
// at once from another process (this binary as serve-fake), so that the
// process measured is the client alone. It runs the command itself with
// --cpu; the metric is the cpu_us_per_request of its CSV report, which
// includes the benchmark's own bookkeeping (a few µs). Run it with
//
//	go test -run '^$' -bench ClientCPU -benchtime 20000x ./cmd/mcpbench
func BenchmarkClientCPU(b *testing.B) {
	url := startFakeProcess(b)
	for _, workload := range []string{"chat", "stream"} {
		for _, c := range []string{"1", "8"} {
			b.Run(workload+"/c="+c, func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "out.csv")
				ctx := context.Background()
				e := &env{stdin: strings.NewReader(""), stdout: discard{}, stderr: discard{}, getenv: os.Getenv}
				b.ResetTimer()
				code := run(ctx, []string{"--provider", "zero=" + url + ",model=m", "--workload", workload,
					"--requests", strconv.Itoa(b.N), "--concurrency", c, "--warmup", "200", "--cpu", "--csv", out}, e)
				b.StopTimer()
				if code != 0 {
					b.Fatalf("exit code %d", code)
				}
				b.ReportMetric(cpuPerRequest(b, out), "cpu-µs/req")
			})
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// startFakeProcess runs this test binary as serve-fake (see TestMain) and
// returns the fake's base URL; the process ends with the benchmark.
func startFakeProcess(b *testing.B) string {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "serve-fake")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("serve-fake printed no URL: %v", err)
	}
	return strings.TrimSpace(line)
}

func cpuPerRequest(b *testing.B, path string) float64 {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 2 {
		b.Fatalf("CSV report: %d rows, %v", len(rows), err)
	}
	for i, h := range rows[0] {
		if h == "cpu_us_per_request" {
			v, err := strconv.ParseFloat(rows[1][i], 64)
			if err != nil {
				b.Fatalf("cpu_us_per_request = %q", rows[1][i])
			}
			return v
		}
	}
	b.Fatal("the CSV report has no cpu_us_per_request")
	return 0
}
