// Command mcpchat asks an OpenAI-compatible chat model a question and lets
// it use the tools of MCP servers.
//
//	mcpchat [flags] "question"
//
// With no model configured it uses a built-in demo model, and with no
// servers a built-in demo MCP server, so it runs offline. The answer goes to
// stdout; each tool call is reported on stderr as it ends.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
