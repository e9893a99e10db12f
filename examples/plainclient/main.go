// Command plainclient uses mcpclient as an MCP client with no model: it
// starts a server, lists its tools and calls one with progress reporting.
//
//	go run ./examples/plainclient                      # the built-in demo server
//	go run ./examples/plainclient npx -y @modelcontextprotocol/server-everything
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var t mcpclient.Transport
	if len(os.Args) > 1 {
		t = &mcpclient.StdioTransport{Command: os.Args[1], Args: os.Args[2:]}
	} else {
		demo := testserver.New(testserver.Options{Tools: testserver.DemoTools()})
		t = &mcpclient.InProcessTransport{Serve: demo.Serve}
	}
	s, err := mcpclient.Connect(ctx, t, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Printf("connected to %s %s (protocol %s)\n", s.ServerInfo().Name, s.ServerInfo().Version, s.ProtocolVersion())

	tools, err := s.ListTools(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, tool := range tools {
		fmt.Printf("  %-32s %s\n", tool.Name, tool.Description)
	}

	name, args := "slow_count", map[string]any{"steps": 3, "delay_ms": 100}
	if len(os.Args) > 1 {
		name, args = tools[0].Name, nil
	}
	res, err := s.CallTool(ctx, name, args, &mcpclient.CallOptions{
		OnProgress: func(p mcpclient.Progress) { fmt.Printf("  progress %v/%v\n", p.Progress, p.Total) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s (isError %v)\n", name, res.Text(), res.IsError)
}
