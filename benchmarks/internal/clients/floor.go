package clients

import (
	"context"

	"github.com/mcpclient/mcpclient/benchmarks/internal/echo"
	"github.com/mcpclient/mcpclient/benchmarks/internal/floor"
)

func init() { register("floor", openFloor) }

type floorCaller interface {
	Call(ctx context.Context) (string, error)
	Close() error
}

type floorClient struct{ c floorCaller }

func openFloor(ctx context.Context, s Spec) (Client, error) {
	if s.Transport == Stdio {
		c, err := floor.StartStdio(ctx, s.Version, echo.ToolName, echo.Arguments, s.ServerCommand[0], s.ServerCommand[1:]...)
		if err != nil {
			return nil, err
		}
		return floorClient{c}, nil
	}
	hc := s.HTTPClient
	if hc == nil {
		hc = NewHTTPClient()
	}
	c, err := floor.DialHTTP(ctx, hc, s.URL, s.Version, echo.ToolName, echo.Arguments)
	if err != nil {
		return nil, err
	}
	return floorClient{c}, nil
}

func (f floorClient) Call(ctx context.Context) error {
	text, err := f.c.Call(ctx)
	if err != nil {
		return err
	}
	return checkReply("floor", text, false, echo.Reply)
}

func (f floorClient) Close() error { return f.c.Close() }
