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

// plainMessage is message without its UnmarshalJSON method: the standard
// decoding that the fast path must agree with.
type plainMessage message

// UnmarshalJSON decodes one message. A response carrying a result, which is
// what nearly every line from a server is, is split by hand: its members
// are exactly "jsonrpc" (with the value "2.0"), "id" and "result", and the
// id and result are copied into one allocation. Any other shape, including
// escaped or repeated keys, is left to encoding/json, so both paths give the
// same message for every input. As for any json.Unmarshaler, data is
// assumed to be valid JSON: json.Unmarshal checks it before calling here.
func (m *message) UnmarshalJSON(data []byte) error {
	if id, result, ok := splitResultResponse(data); ok {
		m.setResponse(id, result)
		return nil
	}
	return json.Unmarshal(data, (*plainMessage)(m))
}

// decodeMessage decodes one message read from the server. A response
// carrying a result is split by hand as in UnmarshalJSON, but without the
// two passes over the whole message that json.Unmarshal makes before it
// calls UnmarshalJSON (a validity check, then a skip to find the value's
// end): only the id is checked here. The result stays raw until the caller
// of the request decodes it, and every such decode is encoding/json's,
// which rejects malformed JSON; a malformed result thus fails its own
// request instead of being dropped. Any other shape goes through
// encoding/json, validity check included.
func decodeMessage(data []byte, m *message) error {
	if id, result, ok := splitResultResponse(data); ok && json.Valid(id) {
		m.setResponse(id, result)
		return nil
	}
	return json.Unmarshal(data, (*plainMessage)(m))
}

// setResponse fills m with a result response, copying id and result into
// one allocation so that m does not keep the read buffer.
func (m *message) setResponse(id, result []byte) {
	buf := make([]byte, len(id)+len(result))
	copy(buf, id)
	copy(buf[len(id):], result)
	m.JSONRPC = "2.0"
	m.ID = buf[:len(id):len(id)]
	m.Result = buf[len(id):]
}

// splitResultResponse returns the raw id and result of a message whose
// top-level members are exactly "jsonrpc":"2.0", "id" and "result", each
// once, in any order. ok is false for anything else, for the standard
// decoder to handle.
func splitResultResponse(data []byte) (id, result []byte, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, nil, false
	}
	version := false
	for i++; ; i++ {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return nil, nil, false
		}
		end := i + 1
		for end < len(data) && data[end] != '"' && data[end] != '\\' {
			end++
		}
		if end >= len(data) || data[end] != '"' {
			return nil, nil, false // an escaped key: rare, and not ours to interpret
		}
		key := data[i+1 : end]
		i = skipSpace(data, end+1)
		if i >= len(data) || data[i] != ':' {
			return nil, nil, false
		}
		start := skipSpace(data, i+1)
		stop := skipValue(data, start)
		if stop < 0 {
			return nil, nil, false
		}
		value := data[start:stop]
		switch string(key) {
		case "jsonrpc":
			if version || string(value) != `"2.0"` {
				return nil, nil, false
			}
			version = true
		case "id":
			if id != nil {
				return nil, nil, false
			}
			id = value
		case "result":
			if result != nil {
				return nil, nil, false
			}
			result = value
		default:
			return nil, nil, false
		}
		i = skipSpace(data, stop)
		if i >= len(data) {
			return nil, nil, false
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return nil, nil, false
		}
	}
	if skipSpace(data, i+1) != len(data) {
		return nil, nil, false
	}
	return id, result, version && id != nil && result != nil
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

// skipValue returns the index just past the JSON value that starts at i,
// or -1 when the data ends first.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i = skipString(data, i); i < 0 {
					return -1
				}
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
		return -1
	}
	// A number or a literal: it runs to the next delimiter.
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// skipString returns the index just past the string whose opening quote is
// at i, or -1 when it is not closed.
func skipString(data []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		// The quote closes the string unless an odd run of backslashes
		// escapes it.
		n := 0
		for j := i - 1; data[j] == '\\'; j-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
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
