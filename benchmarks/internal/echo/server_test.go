package echo

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestPathFor(t *testing.T) {
	for _, tt := range []struct{ version, want string }{
		{"2024-11-05", LegacyPath}, {"2025-11-25", LegacyPath}, {"2026-07-28", ModernPath},
	} {
		if got := PathFor(tt.version); got != tt.want {
			t.Errorf("PathFor(%q) = %q, want %q", tt.version, got, tt.want)
		}
	}
}

func TestHandle(t *testing.T) {
	tests := []struct {
		args string
		want string
		ok   bool
	}{
		{Arguments, Reply, true},
		{`{"message":""}`, "", true},
		{`{}`, "", false},
		{`{"message":3}`, "", false},
	}
	for _, tt := range tests {
		req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: ToolName, Arguments: json.RawMessage(tt.args)}}
		res, err := handle(context.Background(), req)
		if (err == nil) != tt.ok {
			t.Fatalf("handle(%s) error = %v, want ok %v", tt.args, err, tt.ok)
		}
		if !tt.ok {
			continue
		}
		if tc, isText := res.Content[0].(*mcp.TextContent); !isText || tc.Text != tt.want {
			t.Errorf("handle(%s) = %+v, want text %q", tt.args, res.Content, tt.want)
		}
	}
}
