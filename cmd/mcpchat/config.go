package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

// serverSpec is one MCP server to connect to.
type serverSpec struct {
	Name    string
	Command string
	Args    []string
	Env     []string
	Dir     string
}

// configFile is the widely used {"mcpServers": {...}} format.
type configFile struct {
	MCPServers map[string]configServer `json:"mcpServers"`
}

type configServer struct {
	Type     string            `json:"type"`
	Command  string            `json:"command"`
	Args     []string          `json:"args"`
	Env      map[string]string `json:"env"`
	Cwd      string            `json:"cwd"`
	URL      string            `json:"url"`
	Disabled bool              `json:"disabled"`
}

// loadConfig reads the servers of a config file, sorted by name so that the
// tool names and their order are the same on every run.
func loadConfig(path string) ([]serverSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var cf configFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("config %s: not valid JSON: %w", path, err)
	}
	if cf.MCPServers == nil {
		return nil, fmt.Errorf(`config %s: no "mcpServers" object`, path)
	}
	names := make([]string, 0, len(cf.MCPServers))
	for n := range cf.MCPServers {
		names = append(names, n)
	}
	sort.Strings(names)
	var specs []serverSpec
	for _, n := range names {
		s := cf.MCPServers[n]
		if s.Disabled {
			continue
		}
		switch {
		case s.URL != "":
			return nil, fmt.Errorf("config %s: server %q: remote servers (\"url\") need the Streamable HTTP transport, which this version does not have yet; use a stdio server (\"command\")", path, n)
		case s.Command == "":
			return nil, fmt.Errorf("config %s: server %q: no \"command\"", path, n)
		case s.Type != "" && s.Type != "stdio":
			return nil, fmt.Errorf("config %s: server %q: transport type %q is not supported; use \"stdio\"", path, n, s.Type)
		}
		spec := serverSpec{Name: n, Command: s.Command, Args: s.Args, Dir: s.Cwd}
		keys := make([]string, 0, len(s.Env))
		for k := range s.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			spec.Env = append(spec.Env, k+"="+s.Env[k])
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// parseServerFlag reads --server 'name=command args...'. Arguments are split
// on spaces; single or double quotes keep spaces inside one argument.
func parseServerFlag(v string) (serverSpec, error) {
	name, cmdline, ok := strings.Cut(v, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return serverSpec{}, fmt.Errorf("--server %q: want name=command [args...]", v)
	}
	words, err := splitWords(cmdline)
	if err != nil {
		return serverSpec{}, fmt.Errorf("--server %q: %w", v, err)
	}
	if len(words) == 0 {
		return serverSpec{}, fmt.Errorf("--server %q: no command after %q", v, name+"=")
	}
	return serverSpec{Name: name, Command: words[0], Args: words[1:]}, nil
}

func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// serverFlags collects repeated --server flags.
type serverFlags []serverSpec

func (f *serverFlags) String() string { return "" }

func (f *serverFlags) Set(v string) error {
	s, err := parseServerFlag(v)
	if err != nil {
		return err
	}
	*f = append(*f, s)
	return nil
}
