package clients

import (
	"context"
	"encoding/json"
	"os/exec"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func init() { register("go-sdk", openGoSDK) }

type goSDKClient struct {
	cs   *mcp.ClientSession
	args json.RawMessage
}

func openGoSDK(ctx context.Context, s Spec) (Client, error) {
	var t mcp.Transport
	if s.Transport == Stdio {
		t = &mcp.CommandTransport{Command: exec.Command(s.ServerCommand[0], s.ServerCommand[1:]...)}
	} else {
		t = &mcp.StreamableClientTransport{Endpoint: s.URL, HTTPClient: s.HTTPClient}
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "bench-go-sdk", Version: "1.0.0"}, nil)
	cs, err := c.Connect(ctx, t, &mcp.ClientSessionOptions{ProtocolVersion: s.Version})
	if err != nil {
		return nil, err
	}
	if err := checkVersion("go-sdk", cs.InitializeResult().ProtocolVersion, s.Version); err != nil {
		cs.Close()
		return nil, err
	}
	return &goSDKClient{cs: cs, args: json.RawMessage(echo.Arguments)}, nil
}

func (c *goSDKClient) Call(ctx context.Context) error {
	res, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: echo.ToolName, Arguments: c.args})
	if err != nil {
		return err
	}
	text := ""
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(*mcp.TextContent); ok {
			text = tc.Text
		}
	}
	return checkReply("go-sdk", text, res.IsError, echo.Reply)
}

func (c *goSDKClient) Close() error { return c.cs.Close() }
