package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

var emptyArguments = json.RawMessage("{}")

func (c *conn) callTool(m *inMessage) {
	s := c.s
	p := m.Params
	if p == nil || p.Name == "" {
		c.replyError(m.ID, codeInvalidParams, "invalid params: tools/call needs a tool name")
		return
	}
	if s.hugeResult != nil {
		c.replyResult(m.ID, s.hugeResult)
		return
	}
	set := s.tools.Load()
	i, ok := set.byName[p.Name]
	if !ok {
		c.replyError(m.ID, codeInvalidParams, "unknown tool: "+p.Name)
		return
	}
	key := string(m.ID)
	callCtx, cancel := context.WithCancel(c.hctx)
	f := &inflight{cancel: cancel}
	if err := c.startHandler(key, f, true); err != nil {
		cancel()
		if err == errDuplicateID {
			c.replyError(m.ID, codeInvalidRequest, "invalid request: id already in flight")
		}
		return
	}
	call := &Call{Name: p.Name, Arguments: p.Arguments, Progress: noProgress, Server: s}
	if p.Meta != nil && p.Meta.ProtocolVersion != "" && len(s.modern) > 0 {
		call.Modern = true
		call.ClientCapabilities = p.Meta.ClientCapabilities
		call.InputResponses = p.InputResponses
		call.RequestState = p.RequestState
	}
	if len(call.Arguments) == 0 || string(call.Arguments) == "null" {
		call.Arguments = emptyArguments
	}
	if p.Meta != nil && len(p.Meta.ProgressToken) > 0 && string(p.Meta.ProgressToken) != "null" {
		call.Progress = c.progress(p.Meta.ProgressToken, f)
	}
	go c.run(callCtx, &set.tools[i], call, m.ID, key, f)
}

func noProgress(float64, float64, string) {}

// run executes one handler on its own goroutine and writes its reply, unless
// the client cancelled the call meanwhile.
func (c *conn) run(ctx context.Context, t *Tool, call *Call, id json.RawMessage, key string, f *inflight) {
	defer c.handlers.Done()
	res, err := invoke(ctx, t, call)
	cancelled := c.finish(key, f)
	f.cancel()
	if cancelled {
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	if _, ok := err.(panicError); ok {
		c.log.Error("testserver: tool handler panicked", "tool", call.Name, "err", err)
		appendError(buf, id, c.s.faults.StringIDs, codeInternalError, "internal error: "+err.Error())
		_ = c.write(buf.Bytes())
		return
	}
	if err != nil {
		res = &Result{Content: []json.RawMessage{Text(err.Error())}, IsError: true}
	}
	appendResponseHead(buf, id, c.s.faults.StringIDs)
	buf.WriteString(`"result":`)
	if call.Modern && res != nil && (len(res.InputRequests) > 0 || res.RequestState != "") {
		err = appendInputRequired(buf, res)
	} else {
		err = appendCallResult(buf, res, call.Modern)
	}
	if err != nil {
		buf.Reset()
		msg := fmt.Sprintf("internal error: tool %s returned invalid JSON: %v", call.Name, err)
		appendError(buf, id, c.s.faults.StringIDs, codeInternalError, msg)
	} else {
		buf.WriteString("}\n")
	}
	_ = c.write(buf.Bytes())
}

// panicError is a handler panic, answered as a protocol error rather than
// a tool error because the tool did not produce a result.
type panicError struct{ error }

// invoke calls the handler, turning a panic into a panicError so that one
// bad tool does not take down the process hosting the tests.
func invoke(ctx context.Context, t *Tool, call *Call) (res *Result, err error) {
	if t.Handler == nil {
		return nil, fmt.Errorf("mcpclient: testserver tools/call %s: tool has no handler", call.Name)
	}
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, panicError{fmt.Errorf("mcpclient: testserver tools/call %s: handler panicked: %v", call.Name, v)}
		}
	}()
	return t.Handler(ctx, call)
}

// appendCallResult writes a CallToolResult. Content is compacted, which
// also validates it and guarantees that it holds no newline.
func appendCallResult(buf *bytes.Buffer, res *Result, modern bool) error {
	buf.WriteString(`{`)
	if modern {
		buf.WriteString(`"resultType":"complete",`)
	}
	buf.WriteString(`"content":[`)
	if res != nil {
		for i, item := range res.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := json.Compact(buf, item); err != nil {
				return fmt.Errorf("content %d: %w", i, err)
			}
		}
	}
	buf.WriteByte(']')
	if res != nil && len(res.StructuredContent) > 0 {
		buf.WriteString(`,"structuredContent":`)
		if err := json.Compact(buf, res.StructuredContent); err != nil {
			return fmt.Errorf("structuredContent: %w", err)
		}
	}
	if res != nil && res.IsError {
		buf.WriteString(`,"isError":true`)
	}
	buf.WriteByte('}')
	return nil
}

// progress returns the Progress function of a call that carries a token.
func (c *conn) progress(token json.RawMessage, f *inflight) func(float64, float64, string) {
	return func(progress, total float64, message string) {
		if f.finished.Load() || f.cancelled.Load() || !finite(progress) || !finite(total) {
			return
		}
		buf := getBuf()
		defer putBuf(buf)
		buf.WriteString(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":`)
		buf.Write(token)
		buf.WriteString(`,"progress":`)
		buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), progress, 'g', -1, 64))
		if total != 0 {
			buf.WriteString(`,"total":`)
			buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), total, 'g', -1, 64))
		}
		if message != "" {
			buf.WriteString(`,"message":`)
			appendJSONString(buf, message)
		}
		buf.WriteString("}}\n")
		_ = c.write(buf.Bytes())
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
