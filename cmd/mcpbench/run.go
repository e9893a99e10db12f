package main

import (
	"context"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

// run is the command without its process: it returns the exit code (0 done,
// 1 failed, 2 bad usage).
func run(ctx context.Context, args []string, e *env) int {
	if len(args) > 0 {
		switch args[0] {
		case "mcp":
			return runMCP(ctx, args[1:], e)
		case "serve-fake":
			return serveFake(ctx, args[1:], e)
		case "serve-demo":
			return testserver.Main(args[1:], e.stdin, e.stdout, e.stderr)
		}
	}
	return runModels(ctx, args, e)
}
