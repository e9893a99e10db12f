package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/bench"
)

const mcpUsage = `usage: mcpbench mcp [flags]

Measures MCP tools/call through the library's Session, per server: latency
percentiles, throughput, success rate and failures by kind (timeout,
connection, rpc_error, tool_error), to compare servers and transports. Servers
come from --server and --config; with none, the built-in demo server runs in
process. --demo inprocess,stdio also runs the demo server as a subprocess of
this program over stdio, to compare the two transports. A server given by URL
needs the Streamable HTTP transport, which this version does not have yet.

flags:
`

// mcpFlags is the parsed command line of the MCP benchmark.
type mcpFlags struct {
	load       loadFlags
	rawServers rawList
	configFile string
	demo       stringList
	tool       string
	args       string
	verbose    bool
}

func runMCP(ctx context.Context, args []string, e *env) int {
	cfg, specs, code, done := parseMCPFlags(args, e)
	if done {
		return code
	}
	logger := newLogger(cfg.verbose, e.stderr, &redactor{})

	sessions, err := connectAll(ctx, specs, e.self, logger)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	defer closeAll(sessions)
	callArgs, err := cfg.callArgs(ctx, sessions)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 2
	}
	setup := fmt.Sprintf("tools/call %s %s: %s, after %s", cfg.tool, callArgs, cfg.load.describe(), warmupText(&cfg.load))
	fmt.Fprintf(e.stderr, "mcpbench: %s\n", setup)
	if cfg.load.cpu && slices.ContainsFunc(specs, func(s serverSpec) bool { return s.Demo && !s.DemoStdio }) {
		fmt.Fprintln(e.stderr, "mcpbench: cpu/req counts this whole process: for demo-inprocess it includes the server's work")
	}

	var progress *bench.Progress
	if e.terminal {
		progress = bench.NewProgress(e.stderr)
	}
	var runs []*bench.Run
	for _, s := range sessions {
		for _, c := range cfg.load.concurrency {
			if ctx.Err() != nil {
				break
			}
			op := callOp(s, cfg.tool, callArgs, cfg.load.timeout)
			run := measureOp(ctx, &cfg.load, progress, fmt.Sprintf("mcp %s c=%d", s.Name(), c), c, op)
			run.Provider, run.Model, run.Workload = s.Name(), cfg.tool, "mcp"
			runs = append(runs, run)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "mcpbench: interrupted; reporting what was measured")
	}
	notes := []string{setup + "."}
	if err := report(runs, &cfg.load, notes, "mcpbench: MCP tools/call", e, nil); err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	return exitCode(runs, e)
}

func parseMCPFlags(args []string, e *env) (cfg *mcpFlags, specs []serverSpec, code int, done bool) {
	cfg = &mcpFlags{}
	fs := newFlagSet("mcpbench mcp", e, mcpUsage)
	fs.Var(&cfg.rawServers, "server", "server as 'NAME=COMMAND [ARGS]' (repeatable)")
	fs.StringVar(&cfg.configFile, "config", "", `{"mcpServers": {...}} `+"`file`")
	fs.Var(&cfg.demo, "demo", "run the demo server over these transports: inprocess, stdio "+
		"(default inprocess when no server is named)")
	fs.StringVar(&cfg.tool, "tool", "", "tool to call (default get_weather, for the demo server)")
	fs.StringVar(&cfg.args, "args", "", "the call's arguments as a JSON object (default: built from the tool's required parameters)")
	fs.BoolVar(&cfg.verbose, "v", false, "log the library's debug messages to stderr")
	cfg.load.register(fs)
	if code, done := parseFlags(fs, args); done {
		return nil, nil, code, true
	}
	specs, err := cfg.resolve(fs)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, nil, 2, true
	}
	return cfg, specs, 0, false
}

// resolve checks the flags and returns the servers to measure.
func (cfg *mcpFlags) resolve(fs *flag.FlagSet) ([]serverSpec, error) {
	if err := cfg.load.resolve(fs); err != nil {
		return nil, err
	}
	specs, err := parseAll(cfg.rawServers, parseServerFlag)
	if err != nil {
		return nil, err
	}
	if cfg.configFile != "" {
		more, err := loadServerConfig(cfg.configFile)
		if err != nil {
			return nil, err
		}
		specs = append(specs, more...)
	}
	demo := cfg.demo
	if len(demo) == 0 && len(specs) == 0 {
		demo = stringList{"inprocess"}
	}
	for _, d := range demo {
		switch d {
		case "inprocess":
			specs = append(specs, serverSpec{Name: "demo-inprocess", Demo: true})
		case "stdio":
			specs = append(specs, serverSpec{Name: "demo-stdio", Demo: true, DemoStdio: true})
		default:
			return nil, fmt.Errorf("mcpclient: --demo: unknown transport %q (want inprocess or stdio)", d)
		}
	}
	seen := map[string]bool{}
	allDemo := true
	for _, s := range specs {
		if seen[s.Name] {
			return nil, fmt.Errorf("mcpclient: servers: the name %q is used twice", s.Name)
		}
		seen[s.Name] = true
		allDemo = allDemo && s.Demo
	}
	if cfg.tool == "" {
		if !allDemo {
			return nil, errors.New("mcpclient: name the tool to call with --tool (and its arguments with --args)")
		}
		cfg.tool = "get_weather"
		if cfg.args == "" {
			cfg.args = `{"city":"Oslo"}`
		}
	}
	return specs, nil
}

// callArgs returns the arguments to send, after checking that every
// server has the tool and that the arguments fit its schema: a benchmark of
// "unknown tool" errors would measure nothing.
func (cfg *mcpFlags) callArgs(ctx context.Context, sessions []*mcpclient.Session) (json.RawMessage, error) {
	var args json.RawMessage
	if cfg.args != "" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(cfg.args)); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
			return nil, errors.New("mcpclient: --args: want a JSON object")
		}
		args = buf.Bytes()
	}
	for _, s := range sessions {
		tools, err := s.ListTools(ctx)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: list the tools of server %q: %w", s.Name(), err)
		}
		var tool *mcpclient.Tool
		for _, t := range tools {
			if t.Name == cfg.tool {
				tool = t
				break
			}
		}
		if tool == nil {
			return nil, fmt.Errorf("mcpclient: server %q has no tool %q", s.Name(), cfg.tool)
		}
		if args == nil {
			args = exampleArgs(tool.InputSchema)
		}
		schema, err := bench.CompileSchema(tool.InputSchema)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: tool %q of server %q: %w", cfg.tool, s.Name(), err)
		}
		if err := schema.ValidateJSON(args); err != nil {
			return nil, fmt.Errorf("mcpclient: tool %q of server %q refuses %s: %w", cfg.tool, s.Name(), args, err)
		}
	}
	return args, nil
}

// callOp is one tools/call. A result marked isError is a failure of its
// own kind: the server answered, but the tool did not do its work.
func callOp(s *mcpclient.Session, tool string, args json.RawMessage, timeout time.Duration) bench.Op {
	opts := &mcpclient.CallOptions{Timeout: timeout}
	return func(ctx context.Context) bench.Outcome {
		res, err := s.CallTool(ctx, tool, args, opts)
		if err != nil {
			return bench.Outcome{Kind: classify(err), Err: err}
		}
		if res.IsError {
			err := fmt.Errorf("mcpclient: call tool %s: the tool reported an error: %s", tool, oneLine(res.Text(), 200))
			return bench.Outcome{Kind: bench.ToolError, Err: err}
		}
		return bench.Outcome{}
	}
}

// exampleArgs fills a tool's required parameters with plain values (the
// first of an enum, "test", 1, false, [] or {}), for --args left out.
func exampleArgs(schema json.RawMessage) json.RawMessage {
	var s struct {
		Properties map[string]struct {
			Type json.RawMessage   `json:"type"`
			Enum []json.RawMessage `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	_ = json.Unmarshal(schema, &s)
	obj := make(map[string]json.RawMessage, len(s.Required))
	for _, name := range s.Required {
		p := s.Properties[name]
		if len(p.Enum) > 0 {
			obj[name] = p.Enum[0]
			continue
		}
		var typ string
		if json.Unmarshal(p.Type, &typ) != nil {
			var types []string
			_ = json.Unmarshal(p.Type, &types)
			if len(types) > 0 {
				typ = types[0]
			}
		}
		obj[name] = json.RawMessage(map[string]string{
			"string": `"test"`, "number": "1", "integer": "1", "boolean": "false", "array": "[]", "object": "{}", "null": "null",
		}[typ])
		if len(obj[name]) == 0 {
			obj[name] = json.RawMessage(`"test"`)
		}
	}
	b, _ := json.Marshal(obj)
	return b
}
