package mcpclient

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
)

// discardConn is a Connection that swallows writes and reads nothing until
// closed.
type discardConn struct {
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
	out  [][]byte
}

func newDiscardConn() *discardConn { return &discardConn{done: make(chan struct{})} }

func (c *discardConn) Read(ctx context.Context) ([]byte, error) {
	<-c.done
	return nil, io.EOF
}

func (c *discardConn) Write(ctx context.Context, msg []byte) error {
	c.mu.Lock()
	c.out = append(c.out, append([]byte(nil), msg...))
	c.mu.Unlock()
	return nil
}

func (c *discardConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

// FuzzDispatch feeds arbitrary messages to a session's decoder: nothing may
// panic, and every answer the session writes must be one valid JSON-RPC
// response.
func FuzzDispatch(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":0,"result":{"tools":[]}}`,
		`{"jsonrpc":"2.0","id":"0","result":{}}`,
		`{"jsonrpc":"2.0","id":"srv-7","method":"ping"}`,
		`{"jsonrpc":"2.0","id":3,"method":"roots/list","params":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":0,"progress":1}}`,
		`{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}`,
		`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}`,
		`{"jsonrpc":"2.0","id":0,"error":{"code":-32601,"message":"no"}}`,
		`{"jsonrpc":"1.0","id":0,"result":{}}`,
		`Example MCP Server version : 1.4.2`,
		`{"jsonrpc":"2.0","id":null,"result":{}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		conn := newDiscardConn()
		s := newSession(conn, SessionOptions{})
		p := &pendingCall{method: "tools/list", resp: make(chan callResult, 1), onProgress: func(Progress) {}, progressed: make(chan struct{}, 1)}
		s.pending[0] = p
		s.dispatch(data)
		s.Close()
		conn.mu.Lock()
		defer conn.mu.Unlock()
		for _, out := range conn.out {
			var m message
			if err := json.Unmarshal(out, &m); err != nil || !m.isValid() || m.Method != "" {
				t.Fatalf("answer to %q is not a valid response: %s", data, out)
			}
		}
	})
}
