package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/bench"
)

func TestParseProviderFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    providerSpec
		wantErr string
	}{
		{in: "local=http://127.0.0.1:8080/v1", want: providerSpec{Name: "local", BaseURL: "http://127.0.0.1:8080/v1"}},
		{
			in:   "oai=https://api.example.com/v1,model=gpt-x,key-env=OAI_KEY,price-in=0.15,price-out=0.6",
			want: providerSpec{Name: "oai", BaseURL: "https://api.example.com/v1", Model: "gpt-x", KeyEnv: "OAI_KEY", Price: &bench.Price{In: 0.15, Out: 0.6}},
		},
		{in: "p=https://h/v1,price-out=2", want: providerSpec{Name: "p", BaseURL: "https://h/v1", Price: &bench.Price{Out: 2}}},
		{in: " spaced = http://h/v1 , model = m ", want: providerSpec{Name: "spaced", BaseURL: "http://h/v1", Model: "m"}},
		{in: "f=fake:?median=1ms&sigma=0", want: providerSpec{Name: "f", BaseURL: "fake:?median=1ms&sigma=0"}},
		{in: "http://h/v1", wantErr: "want NAME=BASE_URL"},
		{in: "=http://h/v1", wantErr: "want NAME=BASE_URL"},
		{in: "p", wantErr: "want NAME=BASE_URL"},
		{in: "p=h/v1", wantErr: "base URL must start"},
		{in: "p=http://h/v1,model", wantErr: `option "model" has no value`},
		{in: "p=http://h/v1,model=a,model=b", wantErr: "given twice"},
		{in: "p=http://h/v1,key-env=BAD NAME", wantErr: "must name an environment variable"},
		{in: "p=http://h/v1,price-in=cheap", wantErr: "price-in must be a price"},
		{in: "p=http://h/v1,price-in=-1", wantErr: "price-in must be a price"},
		{in: "p=http://h/v1,temperature=1", wantErr: `unknown option "temperature"`},
		{in: "p=http://h/v1,token=abc", wantErr: "keys come from the environment only"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseProviderFlag(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "mcpclient: ") {
					t.Errorf("parseProviderFlag(%q) = %v, want an mcpclient: error containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseProviderFlag(%q) = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseProviderFlag(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestLoadProviders(t *testing.T) {
	want := []providerSpec{
		{Name: "local", BaseURL: "http://127.0.0.1:8080/v1", Model: "qwen3"},
		{Name: "hosted", BaseURL: "https://api.example.com/v1", Model: "m-1", KeyEnv: "HOSTED_KEY", Price: &bench.Price{In: 0.5, Out: 1.5}},
	}
	files := map[string]string{
		"object.json": `{"providers": [
			{"name": "local", "base_url": "http://127.0.0.1:8080/v1", "model": "qwen3"},
			{"name": "hosted", "base-url": "https://api.example.com/v1", "model": "m-1", "key_env": "HOSTED_KEY", "price_in": 0.5, "price-out": "1.5"}
		]}`,
		"list.json": `[
			{"name": "local", "base_url": "http://127.0.0.1:8080/v1", "model": "qwen3"},
			{"name": "hosted", "base_url": "https://api.example.com/v1", "model": "m-1", "key-env": "HOSTED_KEY", "price-in": 0.5, "price-out": 1.5}
		]`,
		"providers.yaml": `# providers to compare
providers:
  - name: local             # a local server
    base_url: "http://127.0.0.1:8080/v1"
    model: qwen3

  - name: 'hosted'
    base-url: https://api.example.com/v1
    model: m-1
    key_env: HOSTED_KEY
    price_in: 0.5
    price_out: 1.5
`,
		"list.yaml": `- name: local
  base_url: http://127.0.0.1:8080/v1
  model: qwen3
-
  name: hosted
  base_url: https://api.example.com/v1
  model: "m-1"
  key_env: HOSTED_KEY
  price_in: 0.5
  price_out: 1.5
`,
	}
	dir := t.TempDir()
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			os.WriteFile(path, []byte(content), 0o644)
			got, err := loadProviders(path)
			if err != nil {
				t.Fatalf("loadProviders(%s) = %v", name, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("loadProviders(%s) (-want +got):\n%s", name, diff)
			}
		})
	}
}

func TestLoadProvidersErrors(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"empty", "", "no providers"},
		{"bad JSON", `{"providers": [`, "unexpected end"},
		{"JSON value not scalar", `[{"name": "a", "base_url": ["x"]}]`, `"base_url" must be a string or a number`},
		{"entry invalid", `[{"name": "a", "base_url": "ftp://x"}]`, "entry 1: the base URL"},
		{"key in file", `[{"name": "a", "base_url": "http://h", "api_key": "sk-x"}]`, "keys come from the environment"},
		{"YAML flow list", "providers: [a, b]\n", "line 1"},
		{"YAML other key", "servers:\n  - name: a\n", `want "providers:"`},
		{"YAML flow value", "providers:\n  - name: {a: 1}\n", "line 2: name: only plain or quoted scalars"},
		{"YAML tab", "providers:\n\t- name: a\n", "line 2: tabs"},
		{"YAML misaligned", "providers:\n  - name: a\n    base_url: http://h\n - name: b\n", "line 4: list entries must line up"},
		{"YAML duplicate key", "- name: a\n  name: b\n", `line 2: key "name" appears twice`},
		{"YAML orphan key", "providers:\nname: a\n", "line 2"},
		{"YAML open quote", "- name: \"a\n", "line 1: name: bad double-quoted"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("p%d", i))
			os.WriteFile(path, []byte(tt.content), 0o644)
			_, err := loadProviders(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadProviders(%q) = %v, want an error containing %q", tt.content, err, tt.want)
			}
		})
	}
	if _, err := loadProviders(filepath.Join(dir, "missing")); err == nil {
		t.Error("loadProviders(missing file) = nil, want an error")
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"npx -y server", []string{"npx", "-y", "server"}, false},
		{"  spaced   out  ", []string{"spaced", "out"}, false},
		{`run "two words" 'and more'`, []string{"run", "two words", "and more"}, false},
		{`a"b c"d`, []string{"ab cd"}, false},
		{`empty "" arg`, []string{"empty", "", "arg"}, false},
		{`esc\ aped \"q\"`, []string{"esc aped", `"q"`}, false},
		{`'single \n'`, []string{`single \n`}, false},
		{"", nil, false},
		{`"open`, nil, true},
		{`trailing\`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitCommand(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("splitCommand(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("splitCommand(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseServerFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    serverSpec
		wantErr string
	}{
		{in: "fs=npx -y server /srv/notes", want: serverSpec{Name: "fs", Command: "npx", Args: []string{"-y", "server", "/srv/notes"}}},
		{in: "remote=https://mcp.example.com/mcp", want: serverSpec{Name: "remote", URL: "https://mcp.example.com/mcp"}},
		{in: "x=", wantErr: "no command"},
		{in: "=cmd", wantErr: "want NAME=COMMAND"},
		{in: `q=run "unclosed --token secret`, wantErr: "parse --server q: a quote is not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseServerFlag(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Errorf("parseServerFlag(%q) = %v, want an error containing %q and not the command line", tt.in, err, tt.wantErr)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || err != nil {
				t.Errorf("parseServerFlag(%q) = %v (-want +got):\n%s", tt.in, err, diff)
			}
		})
	}
}

func TestLoadServerConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	os.WriteFile(path, []byte(`{"mcpServers": {
		"zeta": {"command": "z", "args": ["1"], "env": {"B": "2", "A": "1"}, "cwd": "/srv"},
		"alpha": {"type": "stdio", "command": "a"},
		"off": {"command": "o", "disabled": true},
		"remote": {"url": "https://mcp.example.com/mcp"}
	}}`), 0o644)
	got, err := loadServerConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []serverSpec{
		{Name: "alpha", Command: "a"},
		{Name: "remote", URL: "https://mcp.example.com/mcp"},
		{Name: "zeta", Command: "z", Args: []string{"1"}, Env: []string{"A=1", "B=2"}, Dir: "/srv"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("loadServerConfig (-want +got):\n%s", diff)
	}
	if tr, err := want[1].transport(nil, nil); err != nil {
		t.Errorf("transport of a URL server: %v", err)
	} else if ht, ok := tr.(*mcpclient.HTTPTransport); !ok || ht.URL != want[1].URL {
		t.Errorf("transport of a URL server = %#v, want an HTTPTransport for %s", tr, want[1].URL)
	}

	for name, content := range map[string]string{
		"no servers":   `{}`,
		"both":         `{"mcpServers": {"x": {"command": "c", "url": "http://h"}}}`,
		"neither":      `{"mcpServers": {"x": {}}}`,
		"bad type":     `{"mcpServers": {"x": {"command": "c", "type": "sse"}}}`,
		"invalid JSON": `{"mcpServers": `,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := loadServerConfig(p); err == nil {
			t.Errorf("loadServerConfig(%s) = nil, want an error", name)
		}
	}
}

func TestParseFakeURL(t *testing.T) {
	tests := []struct {
		in      string
		want    fakeSettings
		wantErr bool
	}{
		{"fake", defaultFake, false},
		{"fake:", defaultFake, false},
		{"fake:?median=300ms&sigma=0.6", fakeSettings{Median: 300 * time.Millisecond, Sigma: 0.6, Throttle: 15, RetryAfter: 50 * time.Millisecond}, false},
		{"fake:?throttle=0&retry-after=1s", fakeSettings{Median: 40 * time.Millisecond, Sigma: 0.5, RetryAfter: time.Second}, false},
		{"fake:?median=fast", fakeSettings{}, true},
		{"fake:?throttle=-1", fakeSettings{}, true},
		{"fake:?colour=red", fakeSettings{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFakeURL(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFakeURL(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("parseFakeURL(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestStartFakeLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.1:0", "nohost"} {
		if f, err := startFake(addr, defaultFake); err == nil {
			f.Close()
			t.Errorf("startFake(%q) = nil error, want a refusal: the fake serves loopback only", addr)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bench.Kind
	}{
		{"nil", nil, bench.OK},
		{"429", &mcpclient.HTTPError{StatusCode: 429}, bench.Throttled},
		{"503 wrapped", fmt.Errorf("run: %w", &mcpclient.HTTPError{StatusCode: 503}), bench.ServerError},
		{"401", &mcpclient.HTTPError{StatusCode: 401}, bench.ClientError},
		{"status 0 over a timeout", &mcpclient.HTTPError{}, bench.Other},
		{"deadline", context.DeadlineExceeded, bench.Timeout},
		{"session timeout", &mcpclient.TimeoutError{Method: "tools/call"}, bench.Timeout},
		{"closed session", &mcpclient.ConnectionError{Server: "s", Err: io.EOF}, bench.Connection},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, bench.Connection},
		{"unexpected EOF", fmt.Errorf("mcpclient: model request: %w", io.ErrUnexpectedEOF), bench.Connection},
		{"rpc error", &mcpclient.RPCError{Code: -32602}, bench.RPCError},
		{"other", errors.New("mcpclient: something else"), bench.Other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestExampleArgs(t *testing.T) {
	tests := []struct{ schema, want string }{
		{`{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`, `{"message":"test"}`},
		{`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":["integer","null"]},"c":{"enum":["x","y"]},"d":{"type":"boolean"},"e":{"type":"array"},"f":{}},"required":["a","b","c","d","e","f"]}`,
			`{"a":1,"b":1,"c":"x","d":false,"e":[],"f":"test"}`},
		{`{"type":"object","properties":{"opt":{"type":"string"}}}`, `{}`},
		{``, `{}`},
	}
	for _, tt := range tests {
		if got := string(exampleArgs([]byte(tt.schema))); got != tt.want {
			t.Errorf("exampleArgs(%s) = %s, want %s", tt.schema, got, tt.want)
		}
	}
}

func TestLoadTools(t *testing.T) {
	def, err := loadTools("")
	if err != nil || len(def) != 2 || def[0].Name != "get_weather" || def[1].Name != "search_database" {
		t.Fatalf("loadTools(default) = %d tools, %v; want get_weather and search_database", len(def), err)
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"list.json":   `{"tools":[{"name":"a","inputSchema":{"type":"object"}},{"name":"b"}]}`,
		"bare.json":   `[{"name":"a"},{"name":"b","description":"B"}]`,
		"nameless":    `{"tools":[{"description":"x"}]}`,
		"invalid":     `{"tools":`,
		"empty.json":  `{"tools":[]}`,
		"object.json": `{"tool":{"name":"a"}}`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		tools, err := loadTools(path)
		good := strings.HasSuffix(name, ".json") && name != "empty.json" && name != "object.json"
		if good != (err == nil) || (good && len(tools) != 2) {
			t.Errorf("loadTools(%s) = %d tools, %v; want success %v", name, len(tools), err, good)
		}
	}
}
