package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

const usage = `usage: mcpchat [flags] "question"

Asks a chat model the question and lets it call the tools of MCP servers.
The model comes from --base-url/--model or OPENAI_BASE_URL, OPENAI_API_KEY and
OPENAI_MODEL; with none of them set, a built-in offline demo model answers.
Servers come from --config and --server; with none, a built-in demo server.

flags:
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("mcpchat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		servers    serverFlags
		configPath = fs.String("config", "", `JSON file with {"mcpServers": {"name": {"command", "args", "env"}}}`)
		baseURL    = fs.String("base-url", "", "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (default $OPENAI_BASE_URL)")
		model      = fs.String("model", "", "model name (default $OPENAI_MODEL)")
		system     = fs.String("system", "", "system prompt")
		jsonOut    = fs.Bool("json", false, "print the whole transcript as JSON instead of the answer")
		stream     = fs.Bool("stream", false, "stream the answer as it is written")
		maxTurns   = fs.Int("max-turns", 10, "most model requests in one run")
		timeout    = fs.Duration("timeout", 5*time.Minute, "time limit for the whole run")
		strict     = fs.Bool("strict", false, "send tool schemas in strict mode where possible")
		images     = fs.Bool("images", false, "show images from tool results to the model (it must accept images)")
		limit      = fs.String("limit", "", "rate limit for model requests: token:RPS[:BURST], leaky:RPS, window:N/DURATION or adaptive:RPS, with ,tpm=N ,rpm=N ,priority options")
		verbose    = fs.Bool("v", false, "log details to stderr")
		redirect   = fs.String("oauth-redirect", "127.0.0.1:0", "loopback address for OAuth sign-in redirects (a fixed port for servers with registered redirect URIs)")
		oauthStore = fs.String("oauth-store", "", "file keeping OAuth clients and tokens, by issuer (default: mcpchat/oauth.json in the user config folder)")
		noBrowser  = fs.Bool("no-browser", false, "print sign-in URLs instead of opening a browser")
	)
	fs.Var(&servers, "server", "MCP server as 'name=command args...' (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if question == "" {
		fmt.Fprintln(stderr, "mcpchat: no question given")
		fs.Usage()
		return 2
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	opts := mcpclient.Options{
		BaseURL:       firstNonEmpty(*baseURL, getenv("OPENAI_BASE_URL")),
		APIKey:        getenv("OPENAI_API_KEY"),
		Model:         firstNonEmpty(*model, getenv("OPENAI_MODEL")),
		SystemPrompt:  *system,
		MaxTurns:      *maxTurns,
		StrictSchemas: *strict,
		ImagesToModel: *images,
		Logger:        logger,
	}
	limiter, err := mcpclient.ParseLimiter(*limit)
	if err != nil {
		fmt.Fprintf(stderr, "mcpchat: --limit: %v\n", err)
		return 2
	}
	opts.Limiter = limiter
	var report sync.Mutex
	opts.OnToolCall = func(ev *mcpclient.ToolCallEvent) {
		report.Lock()
		defer report.Unlock()
		fmt.Fprintf(stderr, "tool %s\n", describeCall(ev))
	}

	if opts.BaseURL == "" && opts.APIKey == "" {
		stopDemo, url, err := startDemoModel()
		if err != nil {
			fmt.Fprintf(stderr, "mcpchat: start the demo model: %v\n", err)
			return 1
		}
		defer stopDemo()
		opts.BaseURL, opts.Model = url, "demo"
		fmt.Fprintln(stderr, "mcpchat: no model configured (set OPENAI_BASE_URL or OPENAI_API_KEY); using the built-in offline demo model")
	}
	if opts.Model == "" {
		fmt.Fprintln(stderr, "mcpchat: no model named; pass --model or set OPENAI_MODEL")
		return 2
	}

	var specs []serverSpec
	if *configPath != "" {
		s, err := loadConfig(*configPath)
		if err != nil {
			fmt.Fprintf(stderr, "mcpchat: %v\n", err)
			return 2
		}
		specs = append(specs, s...)
	}
	specs = append(specs, servers...)

	client, err := mcpclient.NewClient(&opts)
	if err != nil {
		fmt.Fprintf(stderr, "mcpchat: %v\n", err)
		return 1
	}
	defer client.Close()

	if len(specs) == 0 {
		fmt.Fprintln(stderr, "mcpchat: no MCP servers configured (use --config or --server); using the built-in demo server")
		demo := testserver.New(testserver.Options{Name: "demo", Tools: testserver.DemoTools()})
		if _, err := client.Connect(ctx, "demo", &mcpclient.InProcessTransport{Serve: demo.Serve}, nil); err != nil {
			fmt.Fprintf(stderr, "mcpchat: %v\n", err)
			return 1
		}
	}
	auth := &remoteAuth{redirectAddr: *redirect, storePath: *oauthStore, noBrowser: *noBrowser, stderr: stderr, logger: logger}
	defer auth.Close()
	if err := connectAll(ctx, client, specs, auth, logger); err != nil {
		fmt.Fprintf(stderr, "mcpchat: %v\n", err)
		return 1
	}

	var res *mcpclient.Result
	if *stream && !*jsonOut {
		res, err = client.RunStream(ctx, []mcpclient.Message{mcpclient.UserMessage(question)}, func(s string) {
			fmt.Fprint(stdout, s)
		})
		if err == nil {
			fmt.Fprintln(stdout)
		}
	} else {
		res, err = client.Ask(ctx, question)
	}
	if *jsonOut && res != nil {
		if werr := writeTranscript(stdout, res, err); werr != nil {
			fmt.Fprintf(stderr, "mcpchat: %v\n", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcpchat: %v\n", err)
		return 1
	}
	if !*jsonOut && !*stream {
		fmt.Fprintln(stdout, res.Answer)
	}
	return 0
}

// connectAll starts every server at once: launchers such as npx take
// seconds each, and one at a time would add them up.
func connectAll(ctx context.Context, client *mcpclient.Client, specs []serverSpec, auth *remoteAuth, logger *slog.Logger) error {
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var t mcpclient.Transport = &mcpclient.StdioTransport{Command: s.Command, Args: s.Args, Env: s.Env, Dir: s.Dir, Logger: logger.With("server", s.Name)}
			if s.URL != "" {
				ht, err := auth.transport(s)
				if err != nil {
					errs[i] = err
					return
				}
				t = ht
			}
			_, errs[i] = client.Connect(ctx, s.Name, t, nil)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func describeCall(ev *mcpclient.ToolCallEvent) string {
	where := ev.Name
	if ev.Server != "" {
		where = ev.Server + "/" + ev.Tool
	}
	took := ev.Duration.Round(time.Millisecond)
	if ev.Duration < time.Millisecond {
		took = ev.Duration.Round(time.Microsecond)
	}
	switch {
	case ev.Err != nil:
		return fmt.Sprintf("%s (%v): error: %v", where, took, ev.Err)
	case ev.Result != nil && ev.Result.IsError:
		return fmt.Sprintf("%s (%v): error reported by the tool: %s", where, took, oneLine(ev.Result.Text(), 120))
	}
	return fmt.Sprintf("%s (%v): ok", where, took)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// startDemoModel serves the built-in demo model on a loopback port.
func startDemoModel() (stop func(), baseURL string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: fakemodel.New(fakemodel.Options{Model: "demo"}), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}
	return stop, "http://" + ln.Addr().String() + "/v1", nil
}

// transcript is the --json output.
type transcript struct {
	Answer    string              `json:"answer"`
	Error     string              `json:"error,omitempty"`
	Turns     int                 `json:"turns"`
	Usage     mcpclient.Usage     `json:"usage"`
	ToolCalls []transcriptCall    `json:"tool_calls"`
	Messages  []mcpclient.Message `json:"messages"`
}

type transcriptCall struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Server     string          `json:"server,omitempty"`
	Tool       string          `json:"tool,omitempty"`
	Arguments  json.RawMessage `json:"arguments,omitempty"`
	DurationMS float64         `json:"duration_ms"`
	IsError    bool            `json:"is_error"`
	Error      string          `json:"error,omitempty"`
}

func writeTranscript(w io.Writer, res *mcpclient.Result, runErr error) error {
	t := transcript{Answer: res.Answer, Turns: res.Turns, Usage: res.Usage, Messages: res.Messages, ToolCalls: []transcriptCall{}}
	if runErr != nil {
		t.Error = runErr.Error()
	}
	for _, ev := range res.ToolCalls {
		c := transcriptCall{ID: ev.ID, Name: ev.Name, Server: ev.Server, Tool: ev.Tool, DurationMS: float64(ev.Duration.Microseconds()) / 1000}
		if json.Valid(ev.Arguments) {
			c.Arguments = ev.Arguments
		}
		if ev.Err != nil {
			c.Error, c.IsError = ev.Err.Error(), true
		} else if ev.Result != nil {
			c.IsError = ev.Result.IsError
		}
		t.ToolCalls = append(t.ToolCalls, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
