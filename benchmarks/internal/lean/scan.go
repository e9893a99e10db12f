package lean

import (
	"bytes"
	"encoding/json"
)

// request is the envelope of one incoming JSON-RPC message, read in one
// pass. Byte slices point into the message (or, for the rare string with
// escapes, into a fresh copy), so a request is valid only as long as the
// buffer it was read from.
type request struct {
	id       []byte // raw JSON token of the id; nil for a notification
	method   []byte // unescaped method name; nil when absent
	response bool   // a response of the client's (result or error, no method)

	name []byte // params.name, unescaped
	args []byte // params.arguments, raw JSON value; nil when absent

	// initVersion is params.protocolVersion of initialize, unescaped.
	initVersion []byte

	// metaVersion is params._meta's io.modelcontextprotocol/protocolVersion,
	// unescaped; hasMeta reports that it is present as a string, which
	// makes the request one of the 2026-07-28 era. hasCaps reports that
	// io.modelcontextprotocol/clientCapabilities is present.
	metaVersion []byte
	hasMeta     bool
	hasCaps     bool
}

// Members of the request read by parse, as they appear in the JSON text.
const (
	metaVersionKey = "io.modelcontextprotocol/protocolVersion"
	metaCapsKey    = "io.modelcontextprotocol/clientCapabilities"
)

// parseError is what parse found wrong: the JSON-RPC code and message of
// the error response, and the id to answer with when one could be read.
type parseError struct {
	code int
	msg  string
	id   []byte
}

func (e *parseError) Error() string { return "mcpclient: lean: parse: " + e.msg }

// parse reads the envelope of data into r. json.Valid checks the whole
// text first, with no allocation, so the walk below may assume well-formed
// JSON and only has to find the members it needs.
func parse(data []byte, r *request) *parseError {
	*r = request{}
	if !json.Valid(data) {
		return &parseError{code: codeParseError, msg: "parse error"}
	}
	i := skipSpace(data, 0)
	if data[i] != '{' {
		// Batches were removed from MCP in 2025-06-18.
		return &parseError{code: codeInvalidRequest, msg: "invalid request: not a JSON object"}
	}
	var jsonrpc, params []byte
	hasResult := false
	it := members{data: data, pos: i + 1}
	for key, val, ok := it.next(); ok; key, val, ok = it.next() {
		switch string(unquote(key)) {
		case "jsonrpc":
			jsonrpc = val
		case "id":
			r.id = val
		case "method":
			if val[0] != '"' {
				return &parseError{code: codeInvalidRequest, msg: "invalid request: method is not a string"}
			}
			r.method = unquote(val)
		case "params":
			params = val
		case "result", "error":
			hasResult = true
		}
	}
	if r.id != nil {
		switch r.id[0] {
		case '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		default:
			// MCP forbids null ids, and JSON-RPC allows only strings and
			// numbers: the error cannot name this id, so it carries none.
			r.id = nil
			return &parseError{code: codeInvalidRequest, msg: "invalid request: id must be a string or a number"}
		}
	}
	if string(jsonrpc) != `"2.0"` {
		return &parseError{code: codeInvalidRequest, msg: `invalid request: jsonrpc must be "2.0"`, id: r.id}
	}
	if r.method == nil {
		if hasResult && r.id != nil {
			r.response = true
			return nil
		}
		return &parseError{code: codeInvalidRequest, msg: "invalid request: no method", id: r.id}
	}
	if params == nil || string(params) == "null" {
		return nil
	}
	if params[0] != '{' {
		return &parseError{code: codeInvalidParams, msg: "invalid params: not an object", id: r.id}
	}
	r.readParams(params)
	return nil
}

// readParams reads the members of params that any method here uses.
func (r *request) readParams(params []byte) {
	it := members{data: params, pos: 1}
	for key, val, ok := it.next(); ok; key, val, ok = it.next() {
		switch string(unquote(key)) {
		case "name":
			if val[0] == '"' {
				r.name = unquote(val)
			}
		case "arguments":
			r.args = val
		case "protocolVersion":
			if val[0] == '"' {
				r.initVersion = unquote(val)
			}
		case "_meta":
			if val[0] == '{' {
				r.readMeta(val)
			}
		}
	}
}

func (r *request) readMeta(meta []byte) {
	it := members{data: meta, pos: 1}
	for key, val, ok := it.next(); ok; key, val, ok = it.next() {
		switch string(unquote(key)) {
		case metaVersionKey:
			r.hasMeta = val[0] == '"'
			if r.hasMeta {
				r.metaVersion = unquote(val)
			}
		case metaCapsKey:
			r.hasCaps = val[0] == '{'
		}
	}
}

// members walks the members of one object of text already known to be
// valid JSON. pos starts just after the object's '{'.
type members struct {
	data []byte
	pos  int
}

// next returns the next member's key (a raw JSON string, quotes included)
// and value (raw JSON), or ok false at the object's end.
func (m *members) next() (key, val []byte, ok bool) {
	i := skipSpace(m.data, m.pos)
	if m.data[i] == ',' {
		i = skipSpace(m.data, i+1)
	}
	if m.data[i] == '}' {
		m.pos = i + 1
		return nil, nil, false
	}
	end := skipString(m.data, i)
	key = m.data[i:end]
	i = skipSpace(m.data, end)
	i = skipSpace(m.data, i+1) // past ':'
	end = skipValue(m.data, i)
	m.pos = end
	return key, m.data[i:end], true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that starts at i.
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index just past the value that starts at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}

// unquote returns the contents of the JSON string tok. Without escapes
// that is a slice of tok; with them, a decoded copy, so that a member
// named "jsonr\u0070c" still names jsonrpc, as encoding/json reads it.
func unquote(tok []byte) []byte {
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return inner // cannot happen for a token of valid JSON
	}
	return []byte(s)
}
