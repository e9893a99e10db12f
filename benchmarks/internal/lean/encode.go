package lean

import (
	"encoding/json"
	"strconv"
)

// JSON-RPC error codes the server answers with.
const (
	codeParseError         = -32700
	codeInvalidRequest     = -32600
	codeMethodNotFound     = -32601
	codeInvalidParams      = -32602
	codeHeaderMismatch     = -32020
	codeUnsupportedVersion = -32022
)

// Protocol revisions.
const (
	modernVersion = "2026-07-28"
	latestLegacy  = "2025-11-25"
)

// legacyVersions are the revisions initialize accepts as asked.
var legacyVersions = [...]string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// Constant pieces of responses. serverMeta is the _meta every 2026-07-28
// result carries, naming the server as the revision asks.
const (
	serverInfo   = `{"name":"lean","version":"1.0.0"}`
	serverMeta   = `"_meta":{"io.modelcontextprotocol/serverInfo":` + serverInfo + `}`
	capabilities = `{"tools":{}}`

	allVersions    = `["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"]`
	modernVersions = `["2026-07-28"]`
)

// appendHead starts a response to id (null when id is nil).
func appendHead(dst, id []byte) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	if id == nil {
		return append(dst, "null"...)
	}
	return append(dst, id...)
}

// appendResult appends a whole response whose result is the JSON text
// result.
func appendResult(dst, id []byte, result string) []byte {
	dst = appendHead(dst, id)
	dst = append(dst, `,"result":`...)
	dst = append(dst, result...)
	return append(dst, '}')
}

// appendCallResult appends the response to a tools/call of the echo tool;
// msg is the raw JSON string to return as text.
func appendCallResult(dst, id, msg []byte, modern bool) []byte {
	dst = appendHead(dst, id)
	dst = append(dst, `,"result":{"content":[{"type":"text","text":`...)
	dst = append(dst, msg...)
	if modern {
		return append(dst, `}],"resultType":"complete",`+serverMeta+`}}`...)
	}
	return append(dst, `}]}}`...)
}

// appendInitializeResult appends the response to a 2025-11-25 initialize.
func appendInitializeResult(dst, id []byte, version string) []byte {
	dst = appendHead(dst, id)
	dst = append(dst, `,"result":{"protocolVersion":"`...)
	dst = append(dst, version...)
	return append(dst, `","capabilities":`+capabilities+`,"serverInfo":`+serverInfo+`}}`...)
}

// appendError appends an error response. data, when not empty, is JSON.
func appendError(dst, id []byte, code int, msg string, data []byte) []byte {
	dst = appendHead(dst, id)
	dst = append(dst, `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, msg)
	if len(data) > 0 {
		dst = append(dst, `,"data":`...)
		dst = append(dst, data...)
	}
	return append(dst, `}}`...)
}

// appendString appends s as a JSON string. Only error paths build messages
// from text of the client's, so encoding/json's escaping is cheap enough.
func appendString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// unsupportedVersionData is the data of an UnsupportedProtocolVersionError.
func unsupportedVersionData(supported string, requested []byte) []byte {
	b := append([]byte(`{"supported":`), supported...)
	b = append(b, `,"requested":`...)
	b = appendString(b, string(requested))
	return append(b, '}')
}
