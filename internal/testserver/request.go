package testserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// RPCError is a JSON-RPC error the client answered to a [Server.Request].
type RPCError struct {
	Method  string // the method of the request
	Code    int
	Message string
	Data    json.RawMessage // nil when absent
}

// Error names the request's method and the client's code and message.
func (e *RPCError) Error() string {
	return fmt.Sprintf("mcpclient: testserver request %s: client error %d: %s", e.Method, e.Code, e.Message)
}

// Request sends a server-to-client request (for example "ping") on the most
// recently started connection still being served and waits for the reply.
// Ids are the strings "srv-1", "srv-2", ... counted per Server. params are
// marshalled with encoding/json; nil omits them. It returns the raw result,
// an *[RPCError] when the client answered with an error, or an error when
// there is no connection, the connection ends, or ctx ends first.
func (s *Server) Request(ctx context.Context, method string, params any) (json.RawMessage, error) {
	c := s.latest()
	if c == nil {
		return nil, fmt.Errorf("mcpclient: testserver request %s: no connection", method)
	}
	id := "srv-" + strconv.FormatInt(s.lastReqID.Add(1), 10)
	line, err := encodeMessage(id, method, params)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: testserver request %s: %w", method, err)
	}
	key := strconv.Quote(id) // the raw JSON form the reply's id arrives in
	reply := make(chan *inMessage, 1)
	if !c.expect(key, reply) {
		return nil, fmt.Errorf("mcpclient: testserver request %s: %w", method, errConnClosed)
	}
	defer c.forget(key)
	if err := c.write(line); err != nil {
		return nil, fmt.Errorf("mcpclient: testserver request %s: %w", method, err)
	}
	select {
	case m := <-reply:
		return result(method, m)
	case <-ctx.Done():
		return nil, fmt.Errorf("mcpclient: testserver request %s: %w", method, ctx.Err())
	case <-c.done:
		// A reply that raced with the end of the connection still counts.
		select {
		case m := <-reply:
			return result(method, m)
		default:
			return nil, fmt.Errorf("mcpclient: testserver request %s: %w", method, errConnClosed)
		}
	}
}

func result(method string, m *inMessage) (json.RawMessage, error) {
	if m.Error != nil {
		return nil, &RPCError{Method: method, Code: m.Error.Code, Message: m.Error.Message, Data: m.Error.Data}
	}
	return m.Result, nil
}
