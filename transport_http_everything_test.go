package mcpclient

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/npmtest"
)

// TestEverythingOverEveryTransport runs one suite against
// server-everything over stdio, Streamable HTTP and the legacy HTTP+SSE
// transport: tool list changes, progress, cancellation midway, and the server's
// elicitation and sampling requests answered by the session's handlers.
func TestEverythingOverEveryTransport(t *testing.T) {
	transports := []struct {
		name    string
		connect func(t *testing.T) Transport
	}{
		{"stdio", func(t *testing.T) Transport {
			return &StdioTransport{Command: everythingBin(t), Args: []string{"stdio"}}
		}},
		{"streamableHttp", func(t *testing.T) Transport {
			return &HTTPTransport{URL: everythingHTTP(t, "streamableHttp") + "/mcp"}
		}},
		{"sse", func(t *testing.T) Transport {
			return &HTTPTransport{URL: everythingHTTP(t, "sse") + "/sse"}
		}},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			changed := make(chan struct{}, 4)
			var mu sync.Mutex
			var elicited *ElicitRequest
			var sampled *CreateMessageRequest
			s, err := Connect(testContext(t), tr.connect(t), &SessionOptions{
				Name:           "everything",
				OnToolsChanged: func() { changed <- struct{}{} },
				Elicit: func(ctx context.Context, req *ElicitRequest) (*ElicitResult, error) {
					mu.Lock()
					elicited = req
					mu.Unlock()
					return &ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada Lovelace", "check": true}}, nil
				},
				CreateMessage: func(ctx context.Context, req *CreateMessageRequest) (*CreateMessageResult, error) {
					mu.Lock()
					sampled = req
					mu.Unlock()
					return &CreateMessageResult{Role: "assistant", Model: "test-model", StopReason: "endTurn", Content: Content{Type: "text", Text: "sampled reply"}}, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := testContext(t)

			// The server adds the tools that need the client's
			// capabilities once it knows them, and says so.
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
			for _, want := range []string{"echo", "trigger-elicitation-request", "trigger-sampling-request"} {
				if !names[want] {
					t.Fatalf("tools after list_changed lack %q", want)
				}
			}

			res, err := s.CallTool(ctx, "trigger-elicitation-request", nil, nil)
			if err != nil {
				t.Fatalf("elicitation tool: %v", err)
			}
			if !strings.Contains(res.Text(), "Ada Lovelace") {
				t.Errorf("elicitation result = %q, want the accepted name", res.Text())
			}
			mu.Lock()
			if elicited == nil || elicited.Message == "" || len(elicited.RequestedSchema) == 0 {
				t.Errorf("elicitation request seen = %+v", elicited)
			}
			mu.Unlock()

			res, err = s.CallTool(ctx, "trigger-sampling-request", map[string]any{"prompt": "Say hi", "maxTokens": 20}, nil)
			if err != nil {
				t.Fatalf("sampling tool: %v", err)
			}
			if !strings.Contains(res.Text(), "sampled reply") {
				t.Errorf("sampling result = %q, want the handler's reply", res.Text())
			}
			mu.Lock()
			if sampled == nil || sampled.MaxTokens != 20 || !strings.Contains(string(sampled.Messages[0].Content), "Say hi") {
				t.Errorf("sampling request seen = %+v", sampled)
			}
			mu.Unlock()

			var seen []Progress
			res, err = s.CallTool(ctx, "trigger-long-running-operation", map[string]int{"duration": 1, "steps": 4},
				&CallOptions{OnProgress: func(p Progress) {
					mu.Lock()
					seen = append(seen, p)
					mu.Unlock()
				}})
			if err != nil || !strings.Contains(res.Text(), "completed") {
				t.Errorf("long-running operation = %v, %v", res, err)
			}
			mu.Lock()
			if len(seen) != 4 || seen[3].Progress != 4 || seen[3].Total != 4 {
				t.Errorf("progress = %+v, want 4 steps ending at 4/4", seen)
			}
			mu.Unlock()

			cctx, cancel := context.WithCancel(ctx)
			var once sync.Once
			start := time.Now()
			_, err = s.CallTool(cctx, "trigger-long-running-operation", map[string]int{"duration": 30, "steps": 30},
				&CallOptions{OnProgress: func(Progress) { once.Do(cancel) }})
			cancel()
			if !errors.Is(err, context.Canceled) || time.Since(start) > 15*time.Second {
				t.Errorf("cancelled call: %v after %v", err, time.Since(start))
			}
			res, err = s.CallTool(ctx, "echo", map[string]string{"message": "still here"}, nil)
			if err != nil || !strings.Contains(res.Text(), "still here") {
				t.Errorf("echo after cancel = %v, %v", res, err)
			}
		})
	}
}

func everythingBin(t *testing.T) string {
	t.Helper()
	return npmtest.Bin(t, npmtest.Everything, "mcp-server-everything")
}
