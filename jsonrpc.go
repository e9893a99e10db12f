package mcpclient

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// message is any JSON-RPC 2.0 message as it crosses the wire: a request has
// Method and ID, a notification Method only, a response ID and Result or
// Error. Raw members are decoded later by whoever knows their type, so the
// reader decodes each message once.
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

func (m *message) isValid() bool {
	if m.JSONRPC != "2.0" {
		return false
	}
	if m.Method != "" {
		return m.Result == nil && m.Error == nil
	}
	// A response needs an id and exactly one of result and error.
	return m.ID != nil && (m.Result != nil) != (m.Error != nil)
}

// requestID parses the id of a response to one of our requests. We send only
// integer ids; a peer that echoes one back as a string ("0" for 0) is
// tolerated, but only in canonical decimal form, so "00" or "zero" match
// nothing.
func requestID(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		raw = []byte(s)
	}
	// Canonical decimal only: no sign but a leading minus, no leading
	// zeros, no "-0".
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && (len(digits) > 1 || len(raw) > 1)) {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// appendRequest encodes a request (or, with id < 0, a notification) whose
// params are already encoded. It builds the bytes directly: the envelope is
// fixed, and this path runs once per call.
func appendRequest(buf []byte, id int64, method string, params json.RawMessage) []byte {
	buf = append(buf, `{"jsonrpc":"2.0"`...)
	if id >= 0 {
		buf = append(buf, `,"id":`...)
		buf = strconv.AppendInt(buf, id, 10)
	}
	buf = append(buf, `,"method":`...)
	buf = appendString(buf, method)
	if len(params) > 0 {
		buf = append(buf, `,"params":`...)
		buf = append(buf, params...)
	}
	return append(buf, '}')
}

// appendResponse encodes a response to a peer's request, echoing its raw id
// so that a string stays a string and a number a number.
func appendResponse(buf []byte, id json.RawMessage, result json.RawMessage, rpcErr *RPCError) ([]byte, error) {
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = append(buf, id...)
	if rpcErr != nil {
		e, err := json.Marshal(rpcErr)
		if err != nil {
			return nil, err
		}
		buf = append(buf, `,"error":`...)
		buf = append(buf, e...)
	} else {
		if len(result) == 0 {
			result = json.RawMessage("{}")
		}
		buf = append(buf, `,"result":`...)
		buf = append(buf, result...)
	}
	return append(buf, '}'), nil
}

// appendString appends s as a JSON string. Method names are plain ASCII, so
// the fast path is a straight copy; anything else goes through encoding/json.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
