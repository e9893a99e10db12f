package driver

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/clients"
	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"github.com/mcpclient/mcpclient/benchmarks/internal/measure"
)

// ClientRun is one client process's answer to the driver.
type ClientRun struct {
	Client string         `json:"client"`
	Result measure.Result `json:"result"`
	Skip   string         `json:"skip,omitempty"` // why the client cannot run this cell
}

// RunClient is the "client" role: it connects one client, runs one load
// and writes a [ClientRun] as JSON to out. self is the path of this
// program, used to start a stdio server (the one -server names).
func RunClient(ctx context.Context, self string, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	name := fs.String("impl", "", "client to run")
	transport := fs.String("transport", clients.Stdio, "stdio, http-json or http-sse")
	version := fs.String("version", "2025-11-25", "protocol revision")
	url := fs.String("url", "", "base URL of the Streamable HTTP server")
	inflight := fs.Int("c", 1, "calls in flight")
	warmup := fs.Int("warmup", 50, "warm-up calls per worker")
	dur := fs.Duration("d", time.Second, "measured duration")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured window to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile of the measured window to this file")
	server := fs.String("server", ServerGoSDK, "stdio server to start: gosdk or lean")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkServer(*server); err != nil {
		return err
	}
	spec := clients.Spec{
		Transport:     *transport,
		Version:       *version,
		ServerCommand: []string{self, "server", "-stdio", "-server", *server},
		URL:           *url + echo.PathFor(*version),
	}
	if *transport != clients.Stdio {
		spec.HTTPClient = clients.NewHTTPClient()
	}
	run := ClientRun{Client: *name}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	c, err := clients.Open(cctx, *name, spec)
	cancel()
	switch {
	case clients.IsUnsupported(err):
		run.Skip = err.Error()
		return json.NewEncoder(out).Encode(run)
	case err != nil:
		return fmt.Errorf("mcpclient: bench: connect %s: %w", *name, err)
	}
	defer c.Close()
	lctx, cancel := context.WithTimeout(ctx, *dur+60*time.Second)
	defer cancel()
	load := measure.Load{InFlight: *inflight, Warmup: *warmup, Duration: *dur}
	run.Result, err = profiled(*cpuProfile, *memProfile, func() (measure.Result, error) {
		return measure.Run(lctx, load, c.Call)
	})
	if err != nil {
		return fmt.Errorf("mcpclient: bench: %s: %w", *name, err)
	}
	return json.NewEncoder(out).Encode(run)
}
