package driver

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/clients"
	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
)

// IdleRun is the memory that idle sessions of one client hold.
type IdleRun struct {
	Client     string  `json:"client"`
	Sessions   int     `json:"sessions"`
	Bytes      float64 `json:"bytes_per_session"`      // heap and stacks
	Goroutines float64 `json:"goroutines_per_session"` // beyond the process's own
	Skip       string  `json:"skip,omitempty"`
}

// RunIdle is the "idle" role: it opens one session and makes a call (so
// that one-time costs such as the connection pool and type caches are paid),
// then opens -n more, each making one call, and reports what they hold per
// session once the heap is collected.
func RunIdle(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	name := fs.String("impl", "", "client to run")
	transport := fs.String("transport", clients.HTTPJSON, "http-json or http-sse")
	version := fs.String("version", "2025-11-25", "protocol revision")
	url := fs.String("url", "", "base URL of the Streamable HTTP server")
	n := fs.Int("n", 50, "sessions to open")
	dump := fs.String("goroutines", "", "write the goroutine profile of the idle sessions to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile of the idle sessions to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 1
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	spec := clients.Spec{Transport: *transport, Version: *version, URL: *url + echo.PathFor(*version), HTTPClient: clients.NewHTTPClient()}
	run := IdleRun{Client: *name, Sessions: *n}
	open := func() (clients.Client, error) {
		c, err := clients.Open(ctx, *name, spec)
		if err != nil {
			return nil, err
		}
		if err := c.Call(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	first, err := open()
	switch {
	case clients.IsUnsupported(err):
		run.Skip = err.Error()
		return json.NewEncoder(out).Encode(run)
	case err != nil:
		return fmt.Errorf("mcpclient: bench: idle %s: %w", *name, err)
	}
	defer first.Close()

	heap0, g0 := settled()
	held := make([]clients.Client, 0, *n)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range *n {
		c, err := open()
		if err != nil {
			return fmt.Errorf("mcpclient: bench: idle %s: %w", *name, err)
		}
		held = append(held, c)
	}
	heap1, g1 := settled()
	run.Bytes = float64(heap1-heap0) / float64(*n)
	run.Goroutines = float64(g1-g0) / float64(*n)
	if err := writeProfile("goroutine", *dump, 1); err != nil {
		return err
	}
	if err := writeProfile("heap", *memProfile, 0); err != nil {
		return err
	}
	runtime.KeepAlive(held)
	return json.NewEncoder(out).Encode(run)
}

// settled returns the live heap plus goroutine stacks, and the number of
// goroutines, once background work of the last call has ended.
func settled() (bytes int64, goroutines int) {
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc + ms.StackInuse), runtime.NumGoroutine()
}

// writeProfile writes the named runtime profile to file, if file is set.
func writeProfile(name, file string, debug int) error {
	if file == "" {
		return nil
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	defer out.Close()
	return pprof.Lookup(name).WriteTo(out, debug)
}
