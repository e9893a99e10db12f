// Command client is the conformance client of mcpclient: the program that
// the official MCP conformance suite runs in client mode. The suite starts a
// test server for one scenario, runs this program with the server's URL as
// its last argument, the scenario's name in MCP_CONFORMANCE_SCENARIO and,
// for some scenarios, instructions in MCP_CONFORMANCE_CONTEXT, and then
// judges what the program sent.
//
// The program uses nothing but the public API of mcpclient: a Session over
// an HTTPTransport, in its default dual-era mode, with the handlers a host
// would give it. Each scenario drives it the way an application would; the
// protocol details the suite checks (versions, headers, defaults, retries)
// are the library's doing. It logs to stderr and exits with status 0 when
// the scenario ran to its end, 1 when something failed and 2 on misuse.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/mcpclient/mcpclient"
)

// deadline bounds one run. It is below the suite's default timeout of 30s,
// so that a hung exchange ends with this program's own report.
const deadline = 25 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

func run(args []string, getenv func(string) string, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: client <server-url>  (scenario in MCP_CONFORMANCE_SCENARIO)")
		return 2
	}
	name := getenv("MCP_CONFORMANCE_SCENARIO")
	c := &conformer{url: args[len(args)-1], logger: logger}
	if raw := getenv("MCP_CONFORMANCE_CONTEXT"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.context); err != nil {
			logger.Error("MCP_CONFORMANCE_CONTEXT is not valid JSON", "err", err)
			return 2
		}
	}
	play, ok := scenarios[name]
	if !ok {
		play = callTools
	}

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	if err := play(ctx, c); err != nil {
		logger.Error("scenario failed", "scenario", name, "err", err)
		return 1
	}
	logger.Info("scenario done", "scenario", name, "took", time.Since(start).Round(time.Millisecond))
	return 0
}

// conformer holds what every scenario needs.
type conformer struct {
	url     string
	logger  *slog.Logger
	context scenarioContext

	// beforeElicit, when set, runs in the elicitation handler before it
	// answers, for scenarios that act between the rounds of a request.
	beforeElicit func(ctx context.Context)
}

// scenarioContext is the suite's MCP_CONFORMANCE_CONTEXT.
type scenarioContext struct {
	// ToolCalls are the calls a scenario wants made, with their exact
	// arguments.
	ToolCalls []struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"toolCalls"`
}

// connect opens a session as a host application would: every handler set,
// so that every client capability is declared.
func (c *conformer) connect(ctx context.Context) (*mcpclient.Session, error) {
	s, err := mcpclient.Connect(ctx, &mcpclient.HTTPTransport{URL: c.url, Logger: c.logger}, &mcpclient.SessionOptions{
		Name:          "conformance",
		Logger:        c.logger,
		ClientInfo:    &mcpclient.Implementation{Name: "mcpclient-conformance", Version: "1.0.0"},
		Roots:         c.roots,
		CreateMessage: c.createMessage,
		Elicit:        c.elicit,
	})
	if err != nil {
		return nil, err
	}
	c.logger.Info("connected", "version", s.ProtocolVersion(), "modern", s.Modern(), "server", s.ServerInfo().Name)
	return s, nil
}
