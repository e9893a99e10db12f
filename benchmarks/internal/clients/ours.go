package clients

import (
	"context"
	"encoding/json"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
)

func init() { register("ours", openOurs) }

type oursClient struct {
	s    *mcpclient.Session
	args json.RawMessage
}

func openOurs(ctx context.Context, s Spec) (Client, error) {
	t, err := oursTransport(s)
	if err != nil {
		return nil, err
	}
	sess, err := mcpclient.Connect(ctx, t, &mcpclient.SessionOptions{ProtocolVersion: s.Version})
	if err != nil {
		return nil, err
	}
	if err := checkVersion("ours", sess.ProtocolVersion(), s.Version); err != nil {
		sess.Close()
		return nil, err
	}
	return &oursClient{s: sess, args: json.RawMessage(echo.Arguments)}, nil
}

// oursTransport returns the transport for s. Over HTTP the session gets
// the shared client when s has one, as the other clients do.
func oursTransport(s Spec) (mcpclient.Transport, error) {
	if s.Transport == Stdio {
		return &mcpclient.StdioTransport{Command: s.ServerCommand[0], Args: s.ServerCommand[1:]}, nil
	}
	return &mcpclient.HTTPTransport{URL: s.URL, HTTPClient: s.HTTPClient}, nil
}

func (c *oursClient) Call(ctx context.Context) error {
	res, err := c.s.CallTool(ctx, echo.ToolName, c.args, nil)
	if err != nil {
		return err
	}
	text := ""
	if len(res.Content) > 0 {
		text = res.Content[0].Text
	}
	return checkReply("ours", text, res.IsError, echo.Reply)
}

func (c *oursClient) Close() error { return c.s.Close() }
