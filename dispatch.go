package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// dispatch runs one turn's tool calls in parallel and returns, in the
// model's order, an event per call and the messages answering them: one tool
// message per call, then any user messages carrying images, which must not
// split the run of tool messages.
func (c *Client) dispatch(ctx context.Context, cat *catalog, calls []ToolCall) ([]*ToolCallEvent, []Message) {
	events := make([]*ToolCallEvent, len(calls))
	tools := make([]Message, len(calls))
	extras := make([]*Message, len(calls))
	var wg sync.WaitGroup
	for i, tc := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			events[i], tools[i], extras[i] = c.runCall(ctx, cat, tc)
		}()
	}
	wg.Wait()
	out := tools
	for _, m := range extras {
		if m != nil {
			out = append(out, *m)
		}
	}
	return events, out
}

// runCall runs one tool call and always produces its answer message.
func (c *Client) runCall(ctx context.Context, cat *catalog, tc ToolCall) (*ToolCallEvent, Message, *Message) {
	ev := &ToolCallEvent{ID: tc.ID, Name: tc.Name, Arguments: json.RawMessage(tc.Arguments)}
	entry, ok := cat.byName[tc.Name]
	if !ok {
		ev.Err = fmt.Errorf("%w: %s", ErrUnknownTool, tc.Name)
		c.observe(ev)
		return ev, errorMessage(tc.ID, tc.Name, fmt.Sprintf("there is no tool named %q. Available tools: %s.", tc.Name, cat.names())), nil
	}
	ev.Server, ev.Tool, ev.Annotations = entry.Server, entry.Tool.Name, entry.Tool.Annotations

	args, err := entry.prepareArgs(tc.Arguments)
	if err != nil {
		ev.Err = fmt.Errorf("mcpclient: tool %s: %w", tc.Name, err)
		c.observe(ev)
		return ev, errorMessage(tc.ID, tc.Name, err.Error()+". Call the tool again with a valid JSON object."), nil
	}
	ev.Arguments = args

	if approve := c.opts.ApproveToolCall; approve != nil {
		if err := approve(ctx, ev); err != nil {
			ev.Err = fmt.Errorf("%w: %v", ErrNotApproved, err)
			c.observe(ev)
			return ev, errorMessage(tc.ID, tc.Name, "the call was not approved: "+err.Error()), nil
		}
	}

	start := time.Now()
	res, err := c.callEntry(ctx, entry, args)
	ev.Duration = time.Since(start)
	ev.Result, ev.Err = res, err
	c.observe(ev)
	if err != nil {
		return ev, errorMessage(tc.ID, tc.Name, describeCallError(err)), nil
	}
	tool, extra := resultToMessages(tc.ID, tc.Name, res, c.opts.ImagesToModel)
	return ev, tool, extra
}

// callEntry runs a local tool under the global limit, or an MCP tool call
// through [Client.callServer], which adds the server's limits, breaker and
// safe retries.
func (c *Client) callEntry(ctx context.Context, e *toolEntry, args json.RawMessage) (*CallToolResult, error) {
	if e.local == nil {
		return c.callServer(ctx, e, args)
	}
	if err := c.sem.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer c.sem.Release(1)
	res, err := e.local.Handler(ctx, args)
	if err == nil && res == nil {
		res = &CallToolResult{}
	}
	return res, err
}

func (c *Client) observe(ev *ToolCallEvent) {
	if ev.Err != nil {
		c.logger.Info("tool call failed", "tool", ev.Name, "server", ev.Server, "err", ev.Err)
	} else {
		c.logger.Debug("tool call", "tool", ev.Name, "server", ev.Server, "duration", ev.Duration, "is_error", ev.Result != nil && ev.Result.IsError)
	}
	if c.opts.OnToolCall != nil {
		c.opts.OnToolCall(ev)
	}
}

// describeCallError words a failed call for the model: it can retry a
// timeout, fix its arguments after an invalid-params error, or give up on a
// server that is gone.
func describeCallError(err error) string {
	var rpcErr *RPCError
	switch {
	case errors.Is(err, ErrOutcomeUnknown):
		// Not "try again": the call may have run, and the model should
		// not repeat an action it cannot see the result of.
		return "no answer came and the call may or may not have taken effect; check its effect before calling it again."
	case errors.Is(err, ErrCircuitOpen):
		return "the tool's server is failing and is not being called for now; try later or do without it."
	case errors.As(err, &rpcErr):
		return fmt.Sprintf("the server rejected the call (code %d): %s", rpcErr.Code, rpcErr.Message)
	case errors.Is(err, ErrTimeout):
		return "the tool did not answer in time."
	case errors.Is(err, ErrClosed):
		return "the tool's server is not available: " + err.Error()
	case errors.Is(err, context.Canceled):
		return "the call was cancelled."
	}
	return err.Error()
}
