package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/npmtest"
	"github.com/mcpclient/mcpclient/internal/testserver"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func runCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestOfflineDemo(t *testing.T) {
	code, out, errs := runCmd(t, nil, "What is the weather in Oslo?")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, "get_weather returned:") || !strings.Contains(out, "Oslo") {
		t.Errorf("answer does not come from the weather tool:\n%s", out)
	}
	for _, want := range []string{"built-in offline demo model", "built-in demo server", "tool demo/get_weather"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestJSONTranscript(t *testing.T) {
	code, out, errs := runCmd(t, nil, "--json", "add 2 and 3")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errs)
	}
	var tr transcript
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if tr.Answer == "" || len(tr.ToolCalls) == 0 || tr.ToolCalls[0].Tool != "add" || tr.Turns != 2 || tr.Usage.Requests != 2 {
		t.Errorf("transcript = %+v", tr)
	}
}

func TestStreamFlag(t *testing.T) {
	code, out, errs := runCmd(t, nil, "--stream", "count the words in this sentence")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, "word_count returned:") {
		t.Errorf("streamed answer = %q", out)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	remote := filepath.Join(dir, "remote.json")
	os.WriteFile(remote, []byte(`{"mcpServers":{"r":{"url":"http://127.0.0.1:1/mcp"}}}`), 0o644)
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"mcpServers":`), 0o644)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no question", nil, nil, 2, "no question"},
		{"bad server flag", nil, []string{"--server", "noequals", "q"}, 2, "want name=command"},
		{"unreachable url", nil, []string{"--no-browser", "--oauth-store", filepath.Join(dir, "tokens.json"), "--config", remote, "q"}, 1, `connect to server "r"`},
		{"broken config", nil, []string{"--config", broken, "q"}, 2, "not valid JSON"},
		{"missing config", nil, []string{"--config", filepath.Join(dir, "nope.json"), "q"}, 2, "read config"},
		{"base url without model", map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}, []string{"q"}, 2, "no model named"},
		{"missing command", nil, []string{"--server", "x=" + filepath.Join(dir, "no-such-cmd"), "q"}, 1, "no-such-cmd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCmd(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, tt.code, tt.want)
			}
		})
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"npx -y pkg", []string{"npx", "-y", "pkg"}},
		{`cmd "a b" 'c d' e`, []string{"cmd", "a b", "c d", "e"}},
		{`cmd ""`, []string{"cmd", ""}},
		{"  spaced   out ", []string{"spaced", "out"}},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := splitWords(`a "b`); err == nil {
		t.Error(`splitWords("a \"b") = nil error, want unterminated quote`)
	}
}

// TestRemoteServer connects to a Streamable HTTP server named in the
// config file, with a header taken from the environment.
func TestRemoteServer(t *testing.T) {
	srv := testserver.New(testserver.Options{Tools: testserver.DemoTools()})
	h := testserver.NewHTTPHandler(srv, testserver.HTTPOptions{})
	defer h.Close()
	hs := httptest.NewServer(h)
	defer hs.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mcp.json")
	t.Setenv("MCPCHAT_TEST_TOKEN", "s3cret")
	os.WriteFile(cfg, []byte(`{"mcpServers":{"remote":{"type":"http","url":"`+hs.URL+`/mcp","headers":{"X-Api-Key":"${MCPCHAT_TEST_TOKEN}"}}}}`), 0o644)
	code, out, errs := runCmd(t, nil, "--no-browser", "--oauth-store", filepath.Join(dir, "tokens.json"), "--config", cfg, "What is the weather in Lima?")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, "Lima") || !strings.Contains(errs, "tool remote/get_weather") {
		t.Errorf("answer %q, stderr %q", out, errs)
	}
	var sawKey bool
	for _, r := range h.Requests() {
		sawKey = sawKey || r.Header.Get("X-Api-Key") == "s3cret"
	}
	if !sawKey {
		t.Error("the configured header did not reach the server")
	}
}

// TestConfigWithEverythingServer is the main job against a real server: the
// config names server-everything, the model endpoint asks for its tools,
// and their results reach the model.
func TestConfigWithEverythingServer(t *testing.T) {
	bin := npmtest.Bin(t, npmtest.Everything, "mcp-server-everything")
	cfg := filepath.Join(t.TempDir(), "mcp.json")
	b, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"everything": map[string]any{"command": bin, "args": []string{"stdio"}}}})
	os.WriteFile(cfg, b, 0o644)

	model := fakemodel.New(fakemodel.Options{Script: []fakemodel.Step{{Message: &fakemodel.Message{
		Role: "assistant",
		ToolCalls: []fakemodel.ToolCall{
			{ID: "a", Type: "function", Function: fakemodel.FunctionCall{Name: "everything__get-sum", Arguments: `{"a":19,"b":23}`}},
			{ID: "b", Type: "function", Function: fakemodel.FunctionCall{Name: "everything__echo", Arguments: `{"message":"ping from the model"}`}},
		},
	}}}})
	hs := httptest.NewServer(model)
	defer hs.Close()

	code, out, errs := runCmd(t, map[string]string{"OPENAI_API_KEY": "test-key"}, "--config", cfg, "--base-url", hs.URL+"/v1", "--model", "m", "Add 19 and 23, then echo")
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errs)
	}
	reqs := model.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model requests = %d, want 2", len(reqs))
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("Authorization = %q", got)
	}
	var results []string
	for _, m := range reqs[1].Messages {
		if m.Role == "tool" {
			results = append(results, m.Content)
		}
	}
	if len(results) != 2 || !strings.Contains(results[0], "42") || !strings.Contains(results[1], "ping from the model") {
		t.Errorf("tool results sent to the model = %q", results)
	}
	if !strings.Contains(out, "42") {
		t.Errorf("answer = %q", out)
	}
	for _, want := range []string{"tool everything/get-sum", "tool everything/echo"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestConfigURLWithEverythingServer drives server-everything over
// Streamable HTTP and over the legacy SSE transport from a config file's
// url entry, end to end through the model's tool calls.
func TestConfigURLWithEverythingServer(t *testing.T) {
	for _, tt := range []struct{ mode, path string }{{"streamableHttp", "/mcp"}, {"sse", "/sse"}} {
		t.Run(tt.mode, func(t *testing.T) {
			base := npmtest.EverythingHTTP(t, tt.mode)
			dir := t.TempDir()
			cfg := filepath.Join(dir, "mcp.json")
			os.WriteFile(cfg, []byte(`{"mcpServers":{"everything":{"url":"`+base+tt.path+`"}}}`), 0o644)
			model := fakemodel.New(fakemodel.Options{Script: []fakemodel.Step{{Message: &fakemodel.Message{
				Role: "assistant",
				ToolCalls: []fakemodel.ToolCall{
					{ID: "a", Type: "function", Function: fakemodel.FunctionCall{Name: "everything__get-sum", Arguments: `{"a":19,"b":23}`}},
					{ID: "b", Type: "function", Function: fakemodel.FunctionCall{Name: "everything__echo", Arguments: `{"message":"over ` + tt.mode + `"}`}},
				},
			}}}})
			hs := httptest.NewServer(model)
			defer hs.Close()
			code, out, errs := runCmd(t, nil, "--no-browser", "--oauth-store", filepath.Join(dir, "tokens.json"), "--config", cfg, "--base-url", hs.URL+"/v1", "--model", "m", "Add 19 and 23, then echo")
			if code != 0 {
				t.Fatalf("exit code %d, stderr:\n%s", code, errs)
			}
			reqs := model.Requests()
			if len(reqs) != 2 {
				t.Fatalf("model requests = %d, want 2", len(reqs))
			}
			var results []string
			for _, m := range reqs[1].Messages {
				if m.Role == "tool" {
					results = append(results, m.Content)
				}
			}
			if len(results) != 2 || !strings.Contains(results[0], "42") || !strings.Contains(results[1], "over "+tt.mode) {
				t.Errorf("tool results sent to the model = %q", results)
			}
			if !strings.Contains(out, "42") {
				t.Errorf("answer = %q", out)
			}
		})
	}
}
