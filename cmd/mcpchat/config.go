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

	// Remote servers.
	URL     string
	Headers map[string]string
	OAuth   *oauthSpec
}

// oauthSpec holds optional OAuth client settings of a remote server; with
// none, the client registers itself where the server allows it.
type oauthSpec struct {
	ClientID          string `json:"clientId"`
	ClientSecret      string `json:"clientSecret"`
	ClientMetadataURL string `json:"clientMetadataUrl"`
	Scope             string `json:"scope"`
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
	Headers  map[string]string `json:"headers"`
	OAuth    *oauthSpec        `json:"oauth"`
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
			switch s.Type {
			case "", "http", "streamable-http", "streamableHttp", "sse":
			default:
				return nil, fmt.Errorf("config %s: server %q: transport type %q is not supported for a url; use \"http\" or \"sse\"", path, n, s.Type)
			}
			if s.Command != "" {
				return nil, fmt.Errorf("config %s: server %q: has both \"url\" and \"command\"; keep one", path, n)
			}
			specs = append(specs, serverSpec{Name: n, URL: os.ExpandEnv(s.URL), Headers: expandHeaders(s.Headers), OAuth: s.OAuth})
			continue
		case s.Command == "":
			return nil, fmt.Errorf("config %s: server %q: no \"command\" or \"url\"", path, n)
		case s.Type != "" && s.Type != "stdio":
			return nil, fmt.Errorf("config %s: server %q: transport type %q needs a \"url\"", path, n, s.Type)
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

// expandHeaders expands $VAR and ${VAR} in header values, so that a
// config file can name a token without holding it.
func expandHeaders(h map[string]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = os.ExpandEnv(v)
	}
	return out
}

// parseServerFlag reads --server 'name=command args...' or 'name=URL'. Arguments are split
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
	if len(words) == 1 && (strings.HasPrefix(words[0], "http://") || strings.HasPrefix(words[0], "https://")) {
		return serverSpec{Name: name, URL: words[0]}, nil
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
