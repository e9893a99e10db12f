package testserver

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
)

// JSON-RPC error codes the server answers with.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
	codeInternalError  = -32603

	codeUnsupportedProtocolVersion = -32022
)

// inMessage is any message a client can send. The params of every method the
// server understands share one struct so that each line is decoded exactly
// once; methods read only their own fields.
type inMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  *inParams       `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *wireError      `json:"error"`
}

type inParams struct {
	ProtocolVersion string          `json:"protocolVersion"` // initialize
	Cursor          *string         `json:"cursor"`          // tools/list
	Name            string          `json:"name"`            // tools/call
	Arguments       json.RawMessage `json:"arguments"`       // tools/call
	Meta            *inMeta         `json:"_meta"`           // any request
	RequestID       json.RawMessage `json:"requestId"`       // notifications/cancelled
	Reason          string          `json:"reason"`          // notifications/cancelled
	Level           string          `json:"level"`           // logging/setLevel
	InputResponses  json.RawMessage `json:"inputResponses"`  // modern retry of tools/call
	RequestState    *string         `json:"requestState"`    // modern retry of tools/call
}

type inMeta struct {
	ProgressToken json.RawMessage `json:"progressToken"`

	// Modern (2026-07-28) per-request metadata.
	ProtocolVersion    string          `json:"io.modelcontextprotocol/protocolVersion"`
	ClientCapabilities json.RawMessage `json:"io.modelcontextprotocol/clientCapabilities"`
	ClientInfo         json.RawMessage `json:"io.modelcontextprotocol/clientInfo"`
}

type wireError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// validID reports whether a raw id is a JSON string or number, the only id
// types MCP allows.
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	c := id[0]
	return c == '"' || c == '-' || (c >= '0' && c <= '9')
}

var emptyObject = []byte("{}")

// bufPool recycles response buffers; buffers that grew past maxPooledBuf
// (huge results) are left to the garbage collector rather than pinned.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuf = 64 << 10

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuf {
		bufPool.Put(b)
	}
}

// appendResponseHead writes `{"jsonrpc":"2.0","id":ID,` so that the caller
// only adds the result or error member and the closing "}\n".
func appendResponseHead(b *bytes.Buffer, id json.RawMessage, stringIDs bool) {
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	switch {
	case !validID(id):
		b.WriteString("null")
	case stringIDs && id[0] != '"':
		b.WriteByte('"')
		b.Write(id)
		b.WriteByte('"')
	default:
		b.Write(id)
	}
	b.WriteByte(',')
}

// appendJSONString writes s as a JSON string.
func appendJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// appendError writes a complete error response line.
func appendError(b *bytes.Buffer, id json.RawMessage, stringIDs bool, code int, msg string) {
	appendResponseHead(b, id, stringIDs)
	b.WriteString(`"error":{"code":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(code), 10))
	b.WriteString(`,"message":`)
	appendJSONString(b, msg)
	b.WriteString("}}\n")
}

// encodeMessage builds one line holding a notification (id empty) or a
// request from the server.
func encodeMessage(id, method string, params any) ([]byte, error) {
	var raw []byte
	if params != nil {
		var err error
		if raw, err = json.Marshal(params); err != nil {
			return nil, err
		}
	}
	b := new(bytes.Buffer)
	b.WriteString(`{"jsonrpc":"2.0",`)
	if id != "" {
		b.WriteString(`"id":`)
		appendJSONString(b, id)
		b.WriteByte(',')
	}
	b.WriteString(`"method":`)
	appendJSONString(b, method)
	if raw != nil && string(raw) != "null" {
		b.WriteString(`,"params":`)
		b.Write(raw)
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}
