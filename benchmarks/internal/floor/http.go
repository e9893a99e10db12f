package floor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync/atomic"
)

// HTTP is the floor over Streamable HTTP. Call is safe for concurrent use.
type HTTP struct {
	url       string
	client    *http.Client
	version   string
	sessionID string // Mcp-Session-Id of a 2025-11-25 session
	tmpl      callTemplate
	tool      string
	nextID    atomic.Int64
}

// DialHTTP opens a session of version with the server at url and prepares
// calls of tool with the JSON object args. client must not be nil.
func DialHTTP(ctx context.Context, client *http.Client, url, version, tool, args string) (*HTTP, error) {
	c := &HTTP{url: url, client: client, version: version, tmpl: newCallTemplate(version, tool, args), tool: tool}
	req, note := handshake(version)
	method := "initialize"
	if version == Modern {
		method = "server/discover"
	}
	resp, err := c.post(ctx, req, method, "")
	if err != nil {
		return nil, err
	}
	body, err := readMessage(resp)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: floor: %s: %w", method, err)
	}
	if err := checkHandshake(body); err != nil {
		return nil, err
	}
	if version == Modern {
		return c, nil
	}
	c.sessionID = resp.Header.Get("Mcp-Session-Id")
	resp, err = c.post(ctx, note, "notifications/initialized", "")
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c, nil
}

// post sends one message and returns the response with a 2xx status.
func (c *HTTP) post(ctx context.Context, body []byte, method, name string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	h := req.Header
	h["Content-Type"] = []string{"application/json"}
	h["Accept"] = []string{"application/json, text/event-stream"}
	if method != "initialize" {
		h["Mcp-Protocol-Version"] = []string{c.version}
	}
	if c.sessionID != "" {
		h["Mcp-Session-Id"] = []string{c.sessionID}
	}
	if c.version == Modern {
		h["Mcp-Method"] = []string{method}
		if name != "" {
			h["Mcp-Name"] = []string{name}
		}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: floor: post %s: %w", method, err)
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("mcpclient: floor: post %s: %s: %s", method, resp.Status, bytes.TrimSpace(b))
	}
	return resp, nil
}

// Call calls the tool once and returns the first text of its result.
func (c *HTTP) Call(ctx context.Context) (string, error) {
	id := c.nextID.Add(1)
	body := c.tmpl.append(make([]byte, 0, len(c.tmpl.head)+24), id)
	resp, err := c.post(ctx, body, "tools/call", c.tool)
	if err != nil {
		return "", err
	}
	data, err := readMessage(resp)
	if err != nil {
		return "", fmt.Errorf("mcpclient: floor: tools/call: %w", err)
	}
	var r response
	if err := json.Unmarshal(data, &r); err != nil {
		return "", fmt.Errorf("mcpclient: floor: tools/call: %w", err)
	}
	if r.ID != id {
		return "", fmt.Errorf("mcpclient: floor: tools/call: response id %d, want %d", r.ID, id)
	}
	return r.text()
}

// readMessage returns the JSON-RPC response in resp's body, a JSON document
// or the first SSE event that holds a response, and closes the body.
func readMessage(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/event-stream" {
		return io.ReadAll(resp.Body)
	}
	br := bufio.NewReader(resp.Body)
	var data []byte
	for {
		line, err := br.ReadSlice('\n')
		if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("event stream ended without a response")
			}
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if len(data) > 0 && isResponse(data) {
				return data, nil
			}
			data = data[:0]
		case bytes.HasPrefix(line, []byte("data:")):
			v := bytes.TrimPrefix(line[5:], []byte(" "))
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, v...)
		}
	}
}

// isResponse tells a response from a notification or request of the
// server's sent on the same stream, without decoding the event twice in
// the common case: a response has no "method" member.
func isResponse(data []byte) bool {
	return !bytes.Contains(data, []byte(`"method"`))
}

// Close ends a 2025-11-25 session with DELETE; a stateless one has nothing
// to end.
func (c *HTTP) Close() error {
	if c.sessionID == "" {
		return nil
	}
	ctx := context.Background()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Mcp-Session-Id", c.sessionID)
	req.Header.Set("Mcp-Protocol-Version", c.version)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
