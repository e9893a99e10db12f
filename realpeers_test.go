package mcpclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/npmtest"
)

// These tests run against MCP servers that nobody here wrote, installed from
// npm (see internal/npmtest). Without npm they skip, except under CI=true.

func peerContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func connectEverything(t *testing.T, opts *mcpclient.SessionOptions) *mcpclient.Session {
	t.Helper()
	bin := npmtest.Bin(t, npmtest.Everything, "mcp-server-everything")
	s, err := mcpclient.Connect(peerContext(t), &mcpclient.StdioTransport{Command: bin, Args: []string{"stdio"}}, opts)
	if err != nil {
		t.Fatalf("connect to server-everything: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEverythingServer(t *testing.T) {
	changed := make(chan struct{}, 4)
	s := connectEverything(t, &mcpclient.SessionOptions{Name: "everything", OnToolsChanged: func() { changed <- struct{}{} }})
	ctx := peerContext(t)

	if s.ServerInfo().Name == "" || s.ProtocolVersion() != mcpclient.Version20251125 {
		t.Errorf("handshake: server %+v, version %s", s.ServerInfo(), s.ProtocolVersion())
	}

	t.Run("list_changed", func(t *testing.T) {
		// The server registers more tools once it knows the client's
		// capabilities, and says so with notifications/tools/list_changed.
		select {
		case <-changed:
		case <-time.After(20 * time.Second):
			t.Fatal("no notifications/tools/list_changed within 20s")
		}
		tools, err := s.ListTools(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, tl := range tools {
			names[tl.Name] = true
		}
		for _, want := range []string{"echo", "get-sum", "trigger-long-running-operation", "simulate-research-query"} {
			if !names[want] {
				t.Errorf("tools after list_changed lack %q", want)
			}
		}
	})

	t.Run("echo", func(t *testing.T) {
		res, err := s.CallTool(ctx, "echo", map[string]string{"message": "hello, real server"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Text(), "hello, real server") || res.IsError {
			t.Errorf("echo = %q (isError %v)", res.Text(), res.IsError)
		}
	})

	t.Run("get-sum", func(t *testing.T) {
		res, err := s.CallTool(ctx, "get-sum", map[string]float64{"a": 19, "b": 23}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Text(), "42") {
			t.Errorf("get-sum(19, 23) = %q, want 42 in it", res.Text())
		}
	})

	t.Run("content types", func(t *testing.T) {
		res, err := s.CallTool(ctx, "get-tiny-image", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var image bool
		for _, c := range res.Content {
			image = image || (c.Type == "image" && c.MIMEType != "" && c.Data != "")
		}
		if !image {
			t.Errorf("get-tiny-image content = %+v, want an image", res.Content)
		}
		res, err = s.CallTool(ctx, "get-resource-links", map[string]int{"count": 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		links := 0
		for _, c := range res.Content {
			if c.Type == "resource_link" && c.URI != "" {
				links++
			}
		}
		if links != 2 {
			t.Errorf("get-resource-links(2) gave %d links: %+v", links, res.Content)
		}
		res, err = s.CallTool(ctx, "get-structured-content", map[string]string{"location": "Chicago"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sc struct{ Temperature *float64 }
		if json.Unmarshal(res.StructuredContent, &sc) != nil || sc.Temperature == nil {
			t.Errorf("get-structured-content structuredContent = %s", res.StructuredContent)
		}
	})
}

func TestFilesystemServerInChatLoop(t *testing.T) {
	bin := npmtest.Bin(t, npmtest.Filesystem, "mcp-server-filesystem")
	dir := t.TempDir()
	files := map[string]string{"alpha.txt": "the first file says apples", "beta.txt": "the second file says bananas"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The scripted model asks for both files at once, then the demo brain
	// summarises what the tools returned.
	model := fakemodel.New(fakemodel.Options{Script: []fakemodel.Step{{Message: &fakemodel.Message{
		Role: "assistant",
		ToolCalls: []fakemodel.ToolCall{
			{ID: "c1", Type: "function", Function: fakemodel.FunctionCall{Name: "fs__read_text_file", Arguments: `{"path":"` + filepath.Join(dir, "alpha.txt") + `"}`}},
			{ID: "c2", Type: "function", Function: fakemodel.FunctionCall{Name: "fs__read_text_file", Arguments: `{"path":"` + filepath.Join(dir, "beta.txt") + `"}`}},
		},
	}}}})
	hs := httptest.NewServer(model)
	defer hs.Close()

	var mu sync.Mutex
	var calls []*mcpclient.ToolCallEvent
	c, err := mcpclient.NewClient(&mcpclient.Options{BaseURL: hs.URL + "/v1", Model: "fake", OnToolCall: func(ev *mcpclient.ToolCallEvent) {
		mu.Lock()
		calls = append(calls, ev)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(peerContext(t), "fs", &mcpclient.StdioTransport{Command: bin, Args: []string{dir}}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.Ask(peerContext(t), "What do alpha.txt and beta.txt say?")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range files {
		if !strings.Contains(res.Answer, body) {
			t.Errorf("answer lacks %q:\n%s", body, res.Answer)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("tool calls = %d, want 2", len(calls))
	}
	for _, ev := range calls {
		if ev.Err != nil || ev.Result.IsError || ev.Server != "fs" || ev.Tool != "read_text_file" {
			t.Errorf("call %s: server %q tool %q err %v", ev.ID, ev.Server, ev.Tool, ev.Err)
		}
	}
	// The model's second request carried both results, in order.
	reqs := model.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model requests = %d, want 2", len(reqs))
	}
	msgs := reqs[1].Messages
	if n := len(msgs); n < 3 || msgs[n-2].ToolCallID != "c1" || msgs[n-1].ToolCallID != "c2" {
		t.Fatalf("second request's last messages are not the two tool replies in order: %+v", msgs)
	}
}

func TestMemoryServer(t *testing.T) {
	bin := npmtest.Bin(t, npmtest.Memory, "mcp-server-memory")
	memFile := filepath.Join(t.TempDir(), "memory.jsonl")
	s, err := mcpclient.Connect(peerContext(t), &mcpclient.StdioTransport{Command: bin, Env: []string{"MEMORY_FILE_PATH=" + memFile}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := peerContext(t)
	entities := map[string]any{"entities": []map[string]any{
		{"name": "Ada Lovelace", "entityType": "person", "observations": []string{"wrote the first program"}},
		{"name": "Analytical Engine", "entityType": "machine", "observations": []string{"designed by Babbage"}},
	}}
	res, err := s.CallTool(ctx, "create_entities", entities, nil)
	if err != nil || res.IsError {
		t.Fatalf("create_entities: %v %+v", err, res)
	}
	res, err = s.CallTool(ctx, "read_graph", nil, nil)
	if err != nil || res.IsError {
		t.Fatalf("read_graph: %v %+v", err, res)
	}
	text := res.Text() + string(res.StructuredContent)
	for _, want := range []string{"Ada Lovelace", "wrote the first program", "Analytical Engine"} {
		if !strings.Contains(text, want) {
			t.Errorf("read_graph lacks %q: %s", want, text)
		}
	}
}

func TestEverythingFeatures(t *testing.T) {
	var mu sync.Mutex
	var logs []mcpclient.LogMessage
	updated := make(chan string, 8)
	s := connectEverything(t, &mcpclient.SessionOptions{
		OnLog: func(m mcpclient.LogMessage) {
			mu.Lock()
			logs = append(logs, m)
			mu.Unlock()
		},
		OnResourceUpdated: func(uri string) {
			select {
			case updated <- uri:
			default:
			}
		},
		KeepAlive: 200 * time.Millisecond,
	})
	ctx := peerContext(t)

	t.Run("resources", func(t *testing.T) {
		rs, err := s.ListResources(ctx)
		if err != nil || len(rs) == 0 {
			t.Fatalf("ListResources = %d, %v", len(rs), err)
		}
		res, err := s.ReadResource(ctx, rs[0].URI)
		if err != nil || len(res.Contents) == 0 || res.Contents[0].Text == "" {
			t.Fatalf("ReadResource(%s) = %+v, %v", rs[0].URI, res, err)
		}
		tmpl, err := s.ListResourceTemplates(ctx)
		if err != nil || len(tmpl) == 0 {
			t.Fatalf("ListResourceTemplates = %d, %v", len(tmpl), err)
		}
		res, err = s.ReadResource(ctx, "demo://resource/dynamic/text/7")
		if err != nil || len(res.Contents) != 1 || !strings.Contains(res.Contents[0].Text, "7") {
			t.Errorf("ReadResource(dynamic 7) = %+v, %v", res, err)
		}
		_, err = s.ReadResource(ctx, "demo://no/such/resource")
		var rpcErr *mcpclient.RPCError
		if !errors.As(err, &rpcErr) {
			t.Errorf("ReadResource(unknown) error = %v, want an RPCError", err)
		}
	})

	t.Run("prompts", func(t *testing.T) {
		ps, err := s.ListPrompts(ctx)
		if err != nil || len(ps) == 0 {
			t.Fatalf("ListPrompts = %d, %v", len(ps), err)
		}
		res, err := s.GetPrompt(ctx, "args-prompt", map[string]string{"city": "Oslo"})
		if err != nil || len(res.Messages) == 0 || !strings.Contains(res.Messages[0].Content.Text, "Oslo") {
			t.Errorf("GetPrompt(args-prompt) = %+v, %v", res, err)
		}
	})

	t.Run("completion", func(t *testing.T) {
		c, err := s.Complete(ctx, mcpclient.CompletionRef{Type: "ref/prompt", Name: "completable-prompt"}, "department", "E", nil)
		if err != nil || len(c.Values) == 0 {
			t.Errorf("Complete(department, E) = %+v, %v", c, err)
		}
	})

	t.Run("logging", func(t *testing.T) {
		if err := s.SetLogLevel(ctx, "debug"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CallTool(ctx, "toggle-simulated-logging", nil, nil); err != nil {
			t.Fatal(err)
		}
		defer s.CallTool(ctx, "toggle-simulated-logging", nil, nil)
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			n := len(logs)
			mu.Unlock()
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no log message from the server within 30s")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("subscribe", func(t *testing.T) {
		uri := "demo://resource/static/document/architecture.md"
		if err := s.Subscribe(ctx, uri); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CallTool(ctx, "toggle-subscriber-updates", nil, nil); err != nil {
			t.Fatal(err)
		}
		defer s.CallTool(ctx, "toggle-subscriber-updates", nil, nil)
		select {
		case got := <-updated:
			if got != uri {
				t.Errorf("updated %q, want %q", got, uri)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no notifications/resources/updated within 30s")
		}
		if err := s.Unsubscribe(ctx, uri); err != nil {
			t.Error(err)
		}
	})

	t.Run("keepalive", func(t *testing.T) {
		time.Sleep(700 * time.Millisecond) // a few pings
		if err := s.Err(); err != nil {
			t.Errorf("session ended during keepalive: %v", err)
		}
	})
}
