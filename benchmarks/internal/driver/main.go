package driver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/clients"
)

// Config is one benchmark run.
type Config struct {
	Duration   time.Duration // measured time of one client in one cell and round
	Rounds     int
	InFlight   []int
	Transports []string
	Versions   []string
	Clients    []string
	Server     string // ServerGoSDK or ServerLean
	IdleN      int    // sessions of the idle measurement; 0 skips it
	Out        string // markdown file to write; empty writes none
	Command    string // how the run was started, for the report
}

// Main is the driver: it parses args, starts the HTTP servers, runs every
// cell, prints the table on stdout and progress on progress.
func Main(ctx context.Context, self string, args []string, stdout, progress io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	cfg.Command = "go run ./cmd/mcpperf " + strings.Join(args, " ")
	cfg.Command = strings.TrimSpace(cfg.Command)

	urls := map[string]string{}
	for _, t := range cfg.Transports {
		if t == clients.Stdio {
			continue
		}
		srv, url, err := startHTTPServer(self, cfg.Server, t == clients.HTTPSSE)
		if err != nil {
			return err
		}
		defer srv.stop()
		urls[t] = url
	}

	start := time.Now()
	rep := &Report{Config: cfg, LoadStart: loadAverage()}
	for _, t := range cfg.Transports {
		for _, v := range cfg.Versions {
			for _, c := range cfg.InFlight {
				cell := Cell{Transport: t, Version: v, InFlight: c}
				runs, err := runCell(ctx, self, cfg, cell, urls[t], progress)
				if err != nil {
					return err
				}
				rep.Cells = append(rep.Cells, CellResult{Cell: cell, Runs: runs})
			}
		}
	}
	if cfg.IdleN > 0 {
		for _, t := range cfg.Transports {
			if t == clients.Stdio {
				continue
			}
			for _, v := range cfg.Versions {
				for _, name := range cfg.Clients {
					if name == "mcp-go" {
						continue // the idle target compares ours, go-sdk and the floor
					}
					ir, err := runIdle(ctx, self, name, t, v, urls[t], cfg.IdleN)
					if err != nil {
						return err
					}
					rep.Idle = append(rep.Idle, IdleResult{Transport: t, Version: v, Run: ir})
				}
			}
			break // one HTTP response mode is enough: idle sessions make no calls
		}
	}
	rep.Took = time.Since(start).Round(time.Second)
	rep.LoadEnd = loadAverage()
	rep.Machine = describeMachine()

	md := rep.Markdown()
	fmt.Fprint(stdout, md)
	if cfg.Out != "" {
		if err := os.WriteFile(cfg.Out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func parseFlags(args []string) (Config, error) {
	fs := flag.NewFlagSet("mcpperf", flag.ContinueOnError)
	dur := fs.Duration("d", 800*time.Millisecond, "measured time of each client in each cell and round")
	long := fs.Bool("long", false, "longer, steadier runs: -d 3s -rounds 7 (about half an hour)")
	rounds := fs.Int("rounds", 5, "rounds; clients are interleaved round by round and medians reported")
	inflight := fs.String("c", "1,8,64", "calls in flight, comma-separated")
	transports := fs.String("transports", "stdio,http-json,http-sse", "transports, comma-separated")
	versions := fs.String("versions", "2025-11-25,2026-07-28", "protocol revisions, comma-separated")
	names := fs.String("clients", strings.Join(clients.Names(), ","), "clients, comma-separated; the floor is needed for ratios")
	idle := fs.Int("idle", 50, "idle HTTP sessions to open per client; 0 skips")
	out := fs.String("o", "RESULTS.md", "markdown file to write; empty for none (default RESULTS-lean.md with -server lean)")
	server := fs.String("server", ServerGoSDK, "server every client calls: gosdk (go-sdk's) or lean (hand-written, cheap)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if err := checkServer(*server); err != nil {
		return Config{}, err
	}
	cfg := Config{Duration: *dur, Rounds: *rounds, IdleN: *idle, Out: *out, Server: *server}
	outSet := false
	fs.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "o" })
	if !outSet && *server == ServerLean {
		// Each server's latest table has a file of its own.
		cfg.Out = "RESULTS-lean.md"
	}
	if *long {
		cfg.Duration, cfg.Rounds = 3*time.Second, 7
	}
	for _, s := range split(*inflight) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("mcpclient: bench: bad in-flight count %q", s)
		}
		cfg.InFlight = append(cfg.InFlight, n)
	}
	cfg.Transports = split(*transports)
	for _, t := range cfg.Transports {
		if t != clients.Stdio && t != clients.HTTPJSON && t != clients.HTTPSSE {
			return Config{}, fmt.Errorf("mcpclient: bench: unknown transport %q", t)
		}
	}
	cfg.Versions = split(*versions)
	cfg.Clients = split(*names)
	if cfg.Rounds < 1 || cfg.Duration <= 0 {
		return Config{}, errors.New("mcpclient: bench: rounds and duration must be positive")
	}
	return cfg, nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// warmupFor gives every cell about the same number of warm-up calls.
func warmupFor(inflight int) int { return max(10, 640/inflight) }

// runCell runs every client Rounds times, rotating which goes first.
func runCell(ctx context.Context, self string, cfg Config, cell Cell, url string, progress io.Writer) (map[string][]ClientRun, error) {
	runs := map[string][]ClientRun{}
	n := len(cfg.Clients)
	for r := range cfg.Rounds {
		for i := range n {
			name := cfg.Clients[(i+r)%n]
			args := []string{"client", "-impl", name, "-transport", cell.Transport, "-version", cell.Version,
				"-c", strconv.Itoa(cell.InFlight), "-d", cfg.Duration.String(),
				"-warmup", strconv.Itoa(warmupFor(cell.InFlight)), "-server", cfg.Server}
			if url != "" {
				args = append(args, "-url", url)
			}
			var run ClientRun
			if err := runChild(ctx, self, args, &run); err != nil {
				return nil, fmt.Errorf("%s %s: %w", cell, name, err)
			}
			runs[name] = append(runs[name], run)
			if run.Skip == "" {
				fmt.Fprintf(progress, "%s round %d %-7s %8.0f calls/s %6.1f us/call %5.1f allocs/call\n",
					cell, r+1, name, run.Result.CallsPerSec,
					float64(run.Result.CPUPerCall())/1e3, run.Result.AllocsPerCall())
			}
		}
	}
	return runs, nil
}

func runIdle(ctx context.Context, self, name, transport, version, url string, n int) (IdleRun, error) {
	var ir IdleRun
	err := runChild(ctx, self, []string{"idle", "-impl", name, "-transport", transport,
		"-version", version, "-url", url, "-n", strconv.Itoa(n)}, &ir)
	if err != nil {
		return ir, fmt.Errorf("idle %s %s: %w", name, version, err)
	}
	return ir, nil
}

// runChild runs one role of this program and decodes its JSON answer.
func runChild(ctx context.Context, self string, args []string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return json.Unmarshal(out, v)
}

// httpServer is a server process on a loopback port.
type httpServer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startHTTPServer(self, server string, sse bool) (*httpServer, string, error) {
	args := []string{"server", "-http", "127.0.0.1:0", "-until-eof", "-server", server}
	if sse {
		args = append(args, "-sse")
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	s := &httpServer{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		s.stop()
		return nil, "", fmt.Errorf("mcpclient: bench: start HTTP server: %w", err)
	}
	return s, strings.TrimSpace(line), nil
}

// stop closes the server's stdin, which ends it, and waits a bounded time.
func (s *httpServer) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}
