// Command mcpperf measures MCP clients side by side: ours (mcpclient), the
// official Go SDK's, mcp-go's and a hand-written floor, all against one Go
// MCP echo server, over stdio and Streamable HTTP (JSON and SSE responses),
// on revisions 2025-11-25 and 2026-07-28, at 1, 8 and 64 calls in flight.
//
// Run it from the benchmarks module:
//
//	cd benchmarks && go run ./cmd/mcpperf
//
// It prints a markdown table and writes it, with the machine and the
// command, to RESULTS.md. Every client runs in a process of its own, so its
// CPU time (getrusage) and allocations (runtime.MemStats) are its own; the
// server's are not counted. See -h for the flags (-d for longer runs).
//
// The other roles of the same program are internal: "server" (the echo
// server over stdio or HTTP), "client" (one measured run of one client) and
// "idle" (the memory of idle HTTP sessions).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/mcpclient/mcpclient/benchmarks/internal/driver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpperf:", err)
		os.Exit(1)
	}
	args := os.Args[1:]
	role := "run"
	if len(args) > 0 && (args[0] == "server" || args[0] == "client" || args[0] == "idle") {
		role, args = args[0], args[1:]
	}
	switch role {
	case "server":
		err = driver.RunServer(ctx, args, os.Stdin, os.Stdout)
	case "client":
		err = driver.RunClient(ctx, self, args, os.Stdout)
	case "idle":
		err = driver.RunIdle(ctx, args, os.Stdout)
	default:
		err = driver.Main(ctx, self, args, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpperf:", err)
		os.Exit(1)
	}
}
