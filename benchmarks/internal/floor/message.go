package floor

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Revisions the floor speaks.
const (
	Legacy = "2025-11-25"
	Modern = "2026-07-28"
)

// response is a JSON-RPC response to tools/call, decoded in one pass.
type response struct {
	ID     int64       `json:"id"`
	Result *toolResult `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type toolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	IsError bool `json:"isError"`
}

// text checks the response of one call and returns its first text.
func (r *response) text() (string, error) {
	switch {
	case r.Error != nil:
		return "", fmt.Errorf("mcpclient: floor: tools/call: error %d: %s", r.Error.Code, r.Error.Message)
	case r.Result == nil:
		return "", errors.New("mcpclient: floor: tools/call: response without result")
	case r.Result.IsError:
		return "", errors.New("mcpclient: floor: tools/call: the tool failed")
	case len(r.Result.Content) == 0:
		return "", errors.New("mcpclient: floor: tools/call: empty content")
	}
	return r.Result.Content[0].Text, nil
}

// clientInfo and clientCapabilities describe the floor to the server.
const (
	clientInfo         = `{"name":"floor","version":"1.0.0"}`
	clientCapabilities = `{}`
)

// meta returns the _meta object every request of the stateless revision
// carries.
func meta(version string) string {
	return `{"io.modelcontextprotocol/protocolVersion":` + strconv.Quote(version) +
		`,"io.modelcontextprotocol/clientInfo":` + clientInfo +
		`,"io.modelcontextprotocol/clientCapabilities":` + clientCapabilities + `}`
}

// callTemplate holds a tools/call request cut around its id.
type callTemplate struct {
	head, tail []byte
}

func newCallTemplate(version, tool, args string) callTemplate {
	name, _ := json.Marshal(tool)
	params := `{"name":` + string(name) + `,"arguments":` + args + `}`
	if version == Modern {
		params = `{"_meta":` + meta(version) + `,"name":` + string(name) + `,"arguments":` + args + `}`
	}
	return callTemplate{
		head: []byte(`{"jsonrpc":"2.0","method":"tools/call","params":` + params + `,"id":`),
		tail: []byte(`}`),
	}
}

// append appends the request with id to buf.
func (t *callTemplate) append(buf []byte, id int64) []byte {
	buf = append(buf, t.head...)
	buf = strconv.AppendInt(buf, id, 10)
	return append(buf, t.tail...)
}

// handshake returns the requests that open a session of version, to be
// sent in order; the first (id 0) is answered, the second, when present,
// is a notification.
func handshake(version string) (request, notification []byte) {
	if version == Modern {
		return []byte(`{"jsonrpc":"2.0","id":0,"method":"server/discover","params":{"_meta":` + meta(version) + `}}`), nil
	}
	return []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":` + strconv.Quote(version) +
			`,"capabilities":` + clientCapabilities + `,"clientInfo":` + clientInfo + `}}`),
		[]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

// checkHandshake verifies the answer to the handshake request.
func checkHandshake(data []byte) error {
	var r struct {
		ID     *int64          `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("mcpclient: floor: handshake: %w", err)
	}
	if r.ID == nil || *r.ID != 0 || r.Result == nil {
		return fmt.Errorf("mcpclient: floor: handshake: unexpected answer %.200s", data)
	}
	return nil
}
