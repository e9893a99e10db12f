package testserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// rpcIn is a JSON-RPC message from an HTTP client, decoded once with its
// members kept raw so that it can be forwarded with another id.
type rpcIn struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

const (
	kindInvalid = iota
	kindRequest
	kindNotification
	kindResponse
)

// decodeRPC returns the message in body, or nil when body is not a JSON
// object.
func decodeRPC(body []byte) *rpcIn {
	m := new(rpcIn)
	if json.Unmarshal(body, m) != nil {
		return nil
	}
	return m
}

func (m *rpcIn) kind() int {
	hasID := len(m.ID) > 0 && string(m.ID) != "null"
	switch {
	case m.Method != "" && hasID:
		return kindRequest
	case m.Method != "" && len(m.ID) == 0:
		return kindNotification
	case m.Method == "" && len(m.ID) > 0 && (m.Result != nil || m.Error != nil):
		return kindResponse
	}
	return kindInvalid
}

// line encodes the message as one line for Serve, with id in place of its
// own (nil keeps none).
func (m *rpcIn) line(id json.RawMessage, params json.RawMessage) []byte {
	b := new(bytes.Buffer)
	b.WriteString(`{"jsonrpc":"2.0"`)
	if id != nil {
		b.WriteString(`,"id":`)
		b.Write(id)
	}
	if m.Method != "" {
		b.WriteString(`,"method":`)
		appendJSONString(b, m.Method)
	}
	if len(params) > 0 {
		b.WriteString(`,"params":`)
		json.Compact(b, params)
	}
	if m.Result != nil {
		b.WriteString(`,"result":`)
		json.Compact(b, m.Result)
	}
	if m.Error != nil {
		b.WriteString(`,"error":`)
		json.Compact(b, m.Error)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// paramsView holds the params members the HTTP front end looks at.
type paramsView struct {
	Meta struct {
		ProgressToken json.RawMessage `json:"progressToken"`
		Version       string          `json:"io.modelcontextprotocol/protocolVersion"`
	} `json:"_meta"`
	Name          *string         `json:"name"`
	URI           *string         `json:"uri"`
	RequestID     json.RawMessage `json:"requestId"`
	Notifications *struct {
		ToolsListChanged bool `json:"toolsListChanged"`
	} `json:"notifications"`
}

func (m *rpcIn) params() paramsView {
	var p paramsView
	if len(m.Params) > 0 {
		json.Unmarshal(m.Params, &p)
	}
	return p
}

// withRequestID returns params with requestId replaced, for forwarding a
// cancellation under the id the request has inside the session.
func withRequestID(params json.RawMessage, id json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(params, &m) != nil {
		return params
	}
	m["requestId"] = id
	out, err := json.Marshal(m)
	if err != nil {
		return params
	}
	return out
}

// outMsg is a message Serve wrote, decoded for routing.
type outMsg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params *struct {
		ProgressToken json.RawMessage `json:"progressToken"`
	} `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// response encodes a response of Serve under the client's id. complete adds
// the resultType that 2026-07-28 results carry.
func (o *outMsg) response(id json.RawMessage, complete bool) []byte {
	b := new(bytes.Buffer)
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	b.Write(id)
	if o.Error != nil {
		b.WriteString(`,"error":`)
		b.Write(o.Error)
	} else {
		b.WriteString(`,"result":`)
		r := bytes.TrimSpace(o.Result)
		switch {
		case complete && bytes.Equal(r, []byte("{}")):
			b.WriteString(`{"resultType":"complete"}`)
		case complete && len(r) > 0 && r[0] == '{':
			b.WriteString(`{"resultType":"complete",`)
			b.Write(r[1:])
		default:
			b.Write(r)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// rpcError encodes an error response.
func rpcError(id json.RawMessage, code int, msg string, data any) []byte {
	e := struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{code, msg, data}
	eb, _ := json.Marshal(e)
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	b := new(bytes.Buffer)
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	b.Write(id)
	b.WriteString(`,"error":`)
	b.Write(eb)
	b.WriteByte('}')
	return b.Bytes()
}

// decodeHeaderValue reads an Mcp-Name or Mcp-Param value, which clients
// send as "=?base64?...?=" when it is not plain ASCII.
func decodeHeaderValue(v string) (string, bool) {
	const pre, suf = "=?base64?", "?="
	if len(v) < len(pre)+len(suf) || !strings.HasPrefix(v, pre) || !strings.HasSuffix(v, suf) {
		return v, true
	}
	b, err := base64.StdEncoding.DecodeString(v[len(pre) : len(v)-len(suf)])
	if err != nil {
		return "", false
	}
	return string(b), true
}
