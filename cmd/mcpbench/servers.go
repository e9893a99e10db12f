package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// serverSpec is one MCP server to measure or to give the model tools from.
// Exactly one way to reach it is set: a command (stdio), a URL (Streamable
// HTTP, not available yet) or the built-in demo server.
type serverSpec struct {
	Name string
	// Command and Args start a stdio server; Env adds "KEY=value" entries
	// to its environment and Dir is its working directory.
	Command string
	Args    []string
	Env     []string
	Dir     string
	// URL is a remote server's endpoint.
	URL string
	// Demo runs the built-in demo server: in this process, or over stdio
	// as a subprocess of this program when DemoStdio is set.
	Demo      bool
	DemoStdio bool
}

// parseServerFlag reads --server 'NAME=COMMAND [ARGS...]' or NAME=URL.
// Errors name the server, not the command line, which may hold a token.
func parseServerFlag(v string) (serverSpec, error) {
	name, rest, ok := strings.Cut(v, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return serverSpec{}, errors.New("mcpclient: parse --server: want NAME=COMMAND [ARGS...] or NAME=URL")
	}
	rest = strings.TrimSpace(rest)
	if isURL(rest) {
		return serverSpec{Name: name, URL: rest}, nil
	}
	words, err := splitCommand(rest)
	if err != nil {
		return serverSpec{}, fmt.Errorf("mcpclient: parse --server %s: %v", name, err)
	}
	if len(words) == 0 {
		return serverSpec{}, fmt.Errorf("mcpclient: parse --server %s: no command after %q", name, name+"=")
	}
	return serverSpec{Name: name, Command: words[0], Args: words[1:]}, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// mcpConfig is the {"mcpServers": {...}} file that MCP hosts share.
type mcpConfig struct {
	MCPServers map[string]struct {
		Type     string            `json:"type"`
		Command  string            `json:"command"`
		Args     []string          `json:"args"`
		Env      map[string]string `json:"env"`
		Cwd      string            `json:"cwd"`
		URL      string            `json:"url"`
		Disabled bool              `json:"disabled"`
	} `json:"mcpServers"`
}

// loadServerConfig reads the servers of an mcpServers file, by name, so
// that runs come in the same order every time. Disabled entries are left
// out.
func loadServerConfig(path string) ([]serverSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: read server config: %w", err)
	}
	var cfg mcpConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("mcpclient: read server config %s: %w", path, err)
	}
	if cfg.MCPServers == nil {
		return nil, fmt.Errorf("mcpclient: read server config %s: no \"mcpServers\" object", path)
	}
	var specs []serverSpec
	for _, name := range sortedKeys(cfg.MCPServers) {
		e := cfg.MCPServers[name]
		if e.Disabled {
			continue
		}
		spec := serverSpec{Name: name, Command: e.Command, Args: e.Args, Dir: e.Cwd, URL: e.URL}
		for _, k := range sortedKeys(e.Env) {
			spec.Env = append(spec.Env, k+"="+e.Env[k])
		}
		switch {
		case e.URL != "" && e.Command != "":
			return nil, fmt.Errorf("mcpclient: read server config %s: server %q has both \"command\" and \"url\"", path, name)
		case e.URL == "" && e.Command == "":
			return nil, fmt.Errorf("mcpclient: read server config %s: server %q has neither \"command\" nor \"url\"", path, name)
		case e.Command != "" && e.Type != "" && e.Type != "stdio":
			return nil, fmt.Errorf("mcpclient: read server config %s: server %q: type %q with a command; want \"stdio\"",
				path, name, e.Type)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// transport returns how to reach the server. This is the one place that
// knows the kinds of transport.
func (s serverSpec) transport(self selfCommand, logger *slog.Logger) (mcpclient.Transport, error) {
	switch {
	case s.URL != "":
		// Streamable HTTP, or the legacy HTTP+SSE transport when the
		// server offers only that.
		return &mcpclient.HTTPTransport{URL: s.URL, Logger: logger}, nil
	case s.Demo && s.DemoStdio:
		exe, args, err := self("serve-demo")
		if err != nil {
			return nil, fmt.Errorf("mcpclient: start the demo server over stdio: %w", err)
		}
		return &mcpclient.StdioTransport{Command: exe, Args: args, Logger: logger}, nil
	case s.Demo:
		srv := testserver.New(testserver.Options{Name: "demo", Tools: testserver.DemoTools()})
		return &mcpclient.InProcessTransport{Serve: srv.Serve}, nil
	}
	return &mcpclient.StdioTransport{Command: s.Command, Args: s.Args, Env: s.Env, Dir: s.Dir, Logger: logger}, nil
}

// selfCommand returns the command line that runs this program with the
// given subcommand; tests substitute their own binary.
type selfCommand func(sub string) (exe string, args []string, err error)

// connectAll opens a session to every server at once, since launchers such
// as npx take seconds each. On failure it closes what it opened.
func connectAll(ctx context.Context, specs []serverSpec, self selfCommand, logger *slog.Logger) ([]*mcpclient.Session, error) {
	sessions := make([]*mcpclient.Session, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t, err := spec.transport(self, logger.With("server", spec.Name))
			if err != nil {
				errs[i] = err
				return
			}
			s, err := mcpclient.Connect(ctx, t, &mcpclient.SessionOptions{Name: spec.Name, Logger: logger})
			if err != nil {
				errs[i] = fmt.Errorf("mcpclient: connect to server %q: %w", spec.Name, err)
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll(sessions)
		return nil, err
	}
	return sessions, nil
}

func closeAll(sessions []*mcpclient.Session) {
	for _, s := range sessions {
		if s != nil {
			s.Close()
		}
	}
}
