package clients

import (
	"context"
	"encoding/json"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
)

func init() { register("mcp-go", openMCPGo) }

type mcpGoClient struct {
	c    *client.Client
	args json.RawMessage
}

func openMCPGo(ctx context.Context, s Spec) (Client, error) {
	var t transport.Interface
	if s.Transport == Stdio {
		t = transport.NewStdio(s.ServerCommand[0], nil, s.ServerCommand[1:]...)
	} else {
		var opts []transport.StreamableHTTPCOption
		if s.HTTPClient != nil {
			opts = append(opts, transport.WithHTTPBasicClient(s.HTTPClient))
		}
		ht, err := transport.NewStreamableHTTP(s.URL, opts...)
		if err != nil {
			return nil, err
		}
		t = ht
	}
	c := client.NewClient(t, client.WithProtocolVersion(s.Version))
	// mcp-go ties the server process to Start's context, so it gets one
	// that lives as long as the client; ctx bounds the handshake only.
	if err := c.Start(context.Background()); err != nil {
		return nil, err
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = s.Version
	req.Params.ClientInfo = mcp.Implementation{Name: "bench-mcp-go", Version: "1.0.0"}
	if _, err := c.Initialize(ctx, req); err != nil {
		c.Close()
		return nil, err
	}
	if err := checkVersion("mcp-go", c.ProtocolVersion(), s.Version); err != nil {
		c.Close()
		return nil, err
	}
	return &mcpGoClient{c: c, args: json.RawMessage(echo.Arguments)}, nil
}

func (c *mcpGoClient) Call(ctx context.Context) error {
	req := mcp.CallToolRequest{}
	req.Params.Name = echo.ToolName
	req.Params.Arguments = c.args
	res, err := c.c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	text := ""
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(mcp.TextContent); ok {
			text = tc.Text
		}
	}
	return checkReply("mcp-go", text, res.IsError, echo.Reply)
}

func (c *mcpGoClient) Close() error { return c.c.Close() }
