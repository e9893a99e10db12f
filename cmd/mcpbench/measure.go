package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/bench"
)

// modelBench holds what every run of the model benchmark shares.
type modelBench struct {
	cfg      *modelConfig
	http     *http.Client // one pool for all runs; its transport traces attempts
	tools    []mcpclient.Tool
	sessions []*mcpclient.Session
	logger   *slog.Logger
	progress *bench.Progress // nil when stderr is not a terminal
}

// measure runs one workload against one provider at one concurrency. Each
// run gets a client of its own, so that a limiter starts every run full and
// no run inherits another's state.
func (mb *modelBench) measure(ctx context.Context, t *target, workload string, concurrency int) (*bench.Run, error) {
	c, check, err := mb.client(ctx, t, workload)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	prompt := mb.cfg.prompt
	if prompt == "" {
		prompt = defaultChatPrompt
		if workload == workLoop {
			prompt = defaultLoopPrompt
		}
	}
	op := modelOp(c, workload, prompt, check, mb.cfg.load.timeout)
	label := fmt.Sprintf("%s %s c=%d", workload, t.name, concurrency)
	run := measureOp(ctx, &mb.cfg.load, mb.progress, label, concurrency, op)
	run.Provider, run.Model, run.Workload = t.name, t.model, workload
	run.Price = t.price
	return run, nil
}

// measureOp warms up, then measures op under the configured load, with
// the process's CPU time read around the measured part only.
func measureOp(ctx context.Context, l *loadFlags, p *bench.Progress, label string, concurrency int, op bench.Op) *bench.Run {
	if n := l.warmupFor(concurrency); n > 0 {
		bench.Drive(ctx, bench.Load{Concurrency: concurrency, Requests: n}, op)
	}
	task := p.Start(label, l.requests)
	defer task.Stop()
	cpu0, ok0 := bench.ProcessCPU()
	run := bench.Drive(ctx, bench.Load{
		Concurrency: concurrency,
		Requests:    l.requests,
		Duration:    l.duration,
		Rate:        l.rate,
		OnDone:      task.Add,
	}, op)
	cpu1, ok1 := bench.ProcessCPU()
	run.CPU, run.CPUMeasured = cpu1-cpu0, ok0 && ok1
	return run
}

// client builds the client of one run and the check of its tool calls.
func (mb *modelBench) client(ctx context.Context, t *target, workload string) (*mcpclient.Client, *bench.ToolSet, error) {
	limiter, err := mcpclient.ParseLimiter(mb.cfg.limiter)
	if err != nil {
		return nil, nil, err
	}
	opts := &mcpclient.Options{
		BaseURL:    t.baseURL,
		APIKey:     t.key,
		Model:      t.model,
		HTTPClient: mb.http,
		Limiter:    limiter,
		Retry:      &mcpclient.RetryPolicy{MaxAttempts: mb.cfg.retries + 1},
		MaxTurns:   mb.cfg.maxTurns,
		Logger:     mb.logger,
	}
	if workload != workLoop {
		opts.MaxTurns = 1
	}
	c, err := mcpclient.NewClient(opts)
	if err != nil {
		return nil, nil, err
	}
	if err := mb.addTools(c, workload); err != nil {
		c.Close()
		return nil, nil, err
	}
	check := &bench.ToolSet{}
	for _, ti := range c.Tools(ctx) {
		if err := check.Add(ti.Name, ti.Tool.InputSchema); err != nil {
			c.Close()
			return nil, nil, err
		}
	}
	return c, check, nil
}

func (mb *modelBench) addTools(c *mcpclient.Client, workload string) error {
	if workload == workLoop {
		for _, s := range mb.sessions {
			if err := c.AddSession(s.Name(), s); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range mb.tools {
		if err := c.AddTool(stubTool(t)); err != nil {
			return err
		}
	}
	return nil
}
