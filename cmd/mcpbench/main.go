// Command mcpbench is the benchmark of mcpclient: it compares
// OpenAI-compatible chat providers on tool-calling work, and MCP servers on
// tools/call, with numbers that hold up: exact latency percentiles, time to
// first token, throughput, success rate with failures by kind, retries,
// tokens and cost, side by side, and a ranking per metric.
//
//	mcpbench [flags]            compare chat providers
//	mcpbench mcp [flags]        compare MCP servers and transports
//	mcpbench serve-fake [flags] serve the built-in fake provider
//	mcpbench serve-demo         serve the built-in demo MCP server on stdio
//
// It measures through the library itself (its Client, limiter, retries and
// transports), so its numbers include what the library costs. With no
// provider named it runs offline against a built-in fake provider and the
// built-in demo MCP server. The table goes to stdout; notes, progress and
// errors to stderr; files only where --json, --csv and --html say.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	e := &env{
		stdin:    os.Stdin,
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		getenv:   os.Getenv,
		terminal: isTerminal(os.Stderr),
		self:     reExec,
	}
	code := run(ctx, os.Args[1:], e)
	stop()
	os.Exit(code)
}

// reExec runs this program's own executable with a subcommand.
func reExec(sub string) (string, []string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	return exe, []string{sub}, nil
}

// isTerminal reports whether f is a character device, which for stderr
// means a person is watching: a progress line helps them and would only
// clutter a file or a pipe.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
