package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/bench"
)

const modelUsage = `usage: mcpbench [flags]            compare chat providers on tool-calling work
       mcpbench mcp [flags]        measure MCP tools/call against servers (mcpbench mcp -h)
       mcpbench serve-fake [flags] serve the built-in fake provider on a loopback port
       mcpbench serve-demo         serve the built-in demo MCP server on stdin/stdout

Measures OpenAI-compatible providers: latency percentiles, time to first
token, throughput, success rate, retries, tokens and cost, side by side, and
ranks them per metric. With no provider named it runs offline against a
built-in fake provider and the built-in demo MCP server.

Providers: --provider 'NAME=BASE_URL[,model=M,key-env=VAR,price-in=USD,price-out=USD]'
(repeatable; prices per million tokens; BASE_URL fake:[?median=40ms&sigma=0.5&
throttle=15&retry-after=50ms] starts a fake) or --providers FILE (JSON, or YAML
with the same keys). API keys are read from the variable key-env names, never
from flags or files, and never printed.

Workloads: chat (one request offering tools), stream (the same, streamed:
adds time to first token), loop (a whole tool loop against MCP servers).

flags:
`

// modelConfig is the parsed command line of the model benchmark.
type modelConfig struct {
	load          loadFlags
	providers     []providerSpec
	providersFile string
	model         string
	workloads     stringList
	toolsFile     string
	prompt        string
	servers       []serverSpec
	configFile    string
	limiter       string
	retries       int
	maxTurns      int
	verbose       bool
}

func parseModelFlags(args []string, e *env) (cfg *modelConfig, code int, done bool) {
	cfg = &modelConfig{}
	var rawProviders, rawServers rawList
	fs := newFlagSet("mcpbench", e, modelUsage)
	fs.Var(&rawProviders, "provider", "provider as 'NAME=BASE_URL[,options]' (repeatable)")
	fs.StringVar(&cfg.providersFile, "providers", "", "JSON or YAML `file` listing providers")
	fs.StringVar(&cfg.model, "model", "", "model for providers that name none")
	fs.Var(&cfg.workloads, "workload", "workloads to run: chat, stream, loop (default chat; chat,loop for the offline demo)")
	fs.StringVar(&cfg.toolsFile, "tools", "", "tools for chat and stream, as an MCP tools/list result `file` "+
		"(default: a weather and a database-search tool)")
	fs.StringVar(&cfg.prompt, "prompt", "", "user message to send (default: one that asks for the tools)")
	fs.Var(&rawServers, "server", "MCP server for the loop workload, 'NAME=COMMAND [ARGS]' (repeatable)")
	fs.StringVar(&cfg.configFile, "config", "", `{"mcpServers": {...}} `+"`file`"+` with servers for the loop workload`)
	fs.StringVar(&cfg.limiter, "limiter", "", "client-side rate limit per provider, in the library's text form (e.g. token:5:10)")
	fs.IntVar(&cfg.retries, "retries", 3, "retries after a failed attempt (429, 5xx, connection); 0 for none")
	fs.IntVar(&cfg.maxTurns, "max-turns", 6, "most model requests in one loop run")
	fs.BoolVar(&cfg.verbose, "v", false, "log the library's debug messages to stderr")
	cfg.load.register(fs)
	if code, done := parseFlags(fs, args); done {
		return nil, code, true
	}
	var err error
	if cfg.providers, err = parseAll(rawProviders, parseProviderFlag); err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, 2, true
	}
	if cfg.servers, err = parseAll(rawServers, parseServerFlag); err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, 2, true
	}
	if err := cfg.load.resolve(fs); err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, 2, true
	}
	if cfg.retries < 0 || cfg.maxTurns < 1 {
		fmt.Fprintln(e.stderr, "mcpclient: --retries must be 0 or more and --max-turns 1 or more")
		return nil, 2, true
	}
	if cfg.providersFile != "" {
		specs, err := loadProviders(cfg.providersFile)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return nil, 2, true
		}
		cfg.providers = append(cfg.providers, specs...)
	}
	if cfg.configFile != "" {
		specs, err := loadServerConfig(cfg.configFile)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return nil, 2, true
		}
		cfg.servers = append(cfg.servers, specs...)
	}
	for _, w := range cfg.workloads {
		if err := checkWorkload(w); err != nil {
			fmt.Fprintln(e.stderr, err)
			return nil, 2, true
		}
	}
	if err := checkProviders(cfg.providers); err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, 2, true
	}
	if _, err := mcpclient.ParseLimiter(cfg.limiter); err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, 2, true
	}
	return cfg, 0, false
}

// target is a provider ready to be measured.
type target struct {
	name, baseURL, model, key string
	price                     *bench.Price
}

func runModels(ctx context.Context, args []string, e *env) int {
	cfg, code, done := parseModelFlags(args, e)
	if done {
		return code
	}
	var red redactor
	logger := newLogger(cfg.verbose, e.stderr, &red)

	demo := len(cfg.providers) == 0
	if demo {
		fmt.Fprintln(e.stderr, "mcpbench: no provider named (--provider, --providers): this is the offline demo, "+
			"against a built-in fake provider; real providers are slower (a median of 300-800ms is common)")
		cfg.providers = []providerSpec{{Name: "fake", BaseURL: "fake:"}}
	}
	if len(cfg.workloads) == 0 {
		cfg.workloads = stringList{workChat}
		if demo {
			cfg.workloads = stringList{workChat, workLoop}
		}
	}

	targets, stop, err := startTargets(cfg, e, &red)
	defer stop()
	if err != nil {
		fmt.Fprintln(e.stderr, red.clean(err.Error()))
		return 2
	}

	mb, cleanup, code := newModelBench(ctx, cfg, e, logger)
	defer cleanup()
	if code != 0 {
		return code
	}
	fmt.Fprintf(e.stderr, "mcpbench: %s: %s, after %s\n",
		strings.Join(cfg.workloads, ", "), cfg.load.describe(), warmupText(&cfg.load))
	if cfg.load.cpu && inProcessWork(cfg) {
		fmt.Fprintln(e.stderr, "mcpbench: cpu/req counts this whole process, built-in fake provider or demo server included; "+
			"to measure the client alone, run the provider in another process (mcpbench serve-fake)")
	}

	// One run at a time: runs side by side would compete for this
	// machine's cores and connections and skew each other's numbers.
	var runs []*bench.Run
	for _, w := range cfg.workloads {
		for _, t := range targets {
			for _, c := range cfg.load.concurrency {
				if ctx.Err() != nil {
					break
				}
				run, err := mb.measure(ctx, t, w, c)
				if err != nil {
					fmt.Fprintln(e.stderr, red.clean(err.Error()))
					return 1
				}
				runs = append(runs, run)
			}
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "mcpbench: interrupted; reporting what was measured")
	}
	notes := []string{cfg.load.describe() + ", after " + warmupText(&cfg.load) + "."}
	if demo {
		notes = append(notes, "Offline demo: the built-in fake provider ("+defaultFake.String()+") and the built-in demo MCP server.")
	}
	if err := report(runs, &cfg.load, notes, "mcpbench: chat providers", e, red); err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	return exitCode(runs, e)
}

// newModelBench loads the tools, connects the MCP servers the workloads
// need and sets up the shared HTTP pool. cleanup is never nil; a non-zero
// code means failure, already reported.
func newModelBench(ctx context.Context, cfg *modelConfig, e *env, logger *slog.Logger) (mb *modelBench, cleanup func(), code int) {
	base := mcpclient.NewHTTPTransport()
	// Every worker keeps its connection between requests, or the sweep
	// would measure connection setup at high concurrency.
	base.MaxIdleConnsPerHost = max(base.MaxIdleConnsPerHost, slices.Max(cfg.load.concurrency))
	mb = &modelBench{
		cfg:    cfg,
		http:   &http.Client{Transport: &bench.Transport{Base: base}},
		logger: logger,
	}
	cleanup = func() {
		closeAll(mb.sessions)
		base.CloseIdleConnections()
	}
	if e.terminal {
		mb.progress = bench.NewProgress(e.stderr)
	}
	var err error
	if slices.Contains(cfg.workloads, workChat) || slices.Contains(cfg.workloads, workStream) {
		if mb.tools, err = loadTools(cfg.toolsFile); err != nil {
			fmt.Fprintln(e.stderr, err)
			return mb, cleanup, 2
		}
	}
	if slices.Contains(cfg.workloads, workLoop) {
		specs := cfg.servers
		if len(specs) == 0 {
			fmt.Fprintln(e.stderr, "mcpbench: no MCP server named (--server, --config); "+
				"the loop workload uses the built-in demo server, in process")
			specs = []serverSpec{{Name: "demo", Demo: true}}
		}
		if mb.sessions, err = connectAll(ctx, specs, e.self, logger); err != nil {
			fmt.Fprintln(e.stderr, err)
			return mb, cleanup, 1
		}
	}
	return mb, cleanup, 0
}

// inProcessWork reports whether a server runs inside this process, where
// its CPU time is counted with the client's.
func inProcessWork(cfg *modelConfig) bool {
	for _, p := range cfg.providers {
		if isFakeURL(p.BaseURL) {
			return true
		}
	}
	return slices.Contains(cfg.workloads, workLoop) && len(cfg.servers) == 0
}

// exitCode is 1 when not one request succeeded: that is a configuration
// mistake (a wrong URL, key or model) far more often than a finding.
func exitCode(runs []*bench.Run, e *env) int {
	for _, r := range runs {
		if r.Stats().Succeeded > 0 {
			return 0
		}
	}
	fmt.Fprintln(e.stderr, "mcpbench: every request failed; see the errors above")
	return 1
}

func warmupText(l *loadFlags) string {
	if !l.warmup.set {
		return "one warm-up request per worker"
	}
	return fmt.Sprintf("%d warm-up requests", l.warmup.n)
}

// startTargets resolves every provider: its model, its key from the
// environment, and for fake: URLs a fake provider on a loopback port. stop
// shuts the fakes down and is never nil.
func startTargets(cfg *modelConfig, e *env, red *redactor) ([]*target, func(), error) {
	var fakes []*fakeServer
	stop := func() {
		for _, f := range fakes {
			f.Close()
		}
	}
	var targets []*target
	for _, p := range cfg.providers {
		t := &target{name: p.Name, baseURL: p.BaseURL, model: p.Model, price: p.Price}
		if t.model == "" {
			t.model = cfg.model
		}
		if isFakeURL(p.BaseURL) {
			settings, err := parseFakeURL(p.BaseURL)
			if err != nil {
				return nil, stop, err
			}
			f, err := startFake("127.0.0.1:0", settings)
			if err != nil {
				return nil, stop, err
			}
			fakes = append(fakes, f)
			t.baseURL = f.URL
			if t.model == "" {
				t.model = "fake-model"
			}
			fmt.Fprintf(e.stderr, "mcpbench: provider %s is the built-in fake provider on %s: %s\n",
				p.Name, strings.TrimPrefix(f.URL, "http://"), settings)
		}
		if t.model == "" {
			return nil, stop, fmt.Errorf("mcpclient: provider %s: no model (add model=M to the provider or pass --model)", p.Name)
		}
		if p.KeyEnv != "" {
			t.key = e.getenv(p.KeyEnv)
			if t.key == "" {
				return nil, stop, fmt.Errorf("mcpclient: provider %s: the environment variable %s (key-env) is empty or unset",
					p.Name, p.KeyEnv)
			}
			red.add(t.key)
		}
		targets = append(targets, t)
	}
	return targets, stop, nil
}

// newLogger returns the library's logger: debug messages on stderr with -v,
// a logger that discards otherwise. Its output passes the redactor, which startTargets
// fills before any request is sent.
func newLogger(verbose bool, w io.Writer, red *redactor) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(redactingWriter{w, red}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type redactingWriter struct {
	w   io.Writer
	red *redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.red.clean(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
