package streamable

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Kind is the kind of a JSON-RPC message.
type Kind uint8

// The kinds of JSON-RPC message.
const (
	KindInvalid      Kind = iota // not a JSON-RPC message this package can route
	KindRequest                  // method and a non-null id
	KindNotification             // method and no id
	KindResponse                 // id (maybe null), no method
)

// Message is what the transport needs to know about one JSON-RPC message:
// enough to choose its headers and route its answer. [Peek] fills it without
// decoding the rest.
type Message struct {
	Kind Kind
	// ID is the raw JSON id, a sub-slice of the input; nil when absent.
	ID []byte
	// Method is the method of a request or notification.
	Method string
	// Name is params.name and URI is params.uri, when they are strings.
	Name, URI       string
	HasName, HasURI bool
	// Version is params._meta["io.modelcontextprotocol/protocolVersion"],
	// which every request of 2026-07-28 carries.
	Version string
	// CancelID is the raw params.requestId of notifications/cancelled, a
	// sub-slice of the input.
	CancelID []byte
	// IsError reports a response that carries an error member.
	IsError bool
}

// metaVersionKey is the _meta member that names a modern request's revision.
const metaVersionKey = "io.modelcontextprotocol/protocolVersion"

var errMalformed = errors.New("mcpclient: http: malformed JSON-RPC message")

// Peek reads the members of a JSON-RPC message that [Message] holds and skips
// the rest, so that a large tools/call costs one pass over its bytes and no
// allocation beyond the strings it returns. For valid JSON it agrees with
// encoding/json (the last of duplicate members wins). It does not fully
// validate skipped values: a malformed message may be accepted, but it never
// panics and never reads past data. It returns an error for input that is
// not a JSON object.
func Peek(data []byte) (Message, error) {
	var m Message
	s := scanner{b: data}
	if err := s.open(); err != nil {
		return m, err
	}
	var hasMethod, methodOK, hasResult, hasError bool
	for {
		key, more, err := s.next()
		if err != nil {
			return m, err
		}
		if !more {
			break
		}
		switch string(key) {
		case "id":
			start := s.pos()
			if err := s.skip(); err != nil {
				return m, err
			}
			m.ID = data[start:s.i]
		case "method":
			hasMethod = true
			m.Method, methodOK, err = s.stringValue()
		case "params":
			err = s.params(&m)
		case "result":
			hasResult = true
			err = s.skip()
		case "error":
			hasError = true
			err = s.skip()
		default:
			err = s.skip()
		}
		if err != nil {
			return m, err
		}
	}
	s.ws()
	if s.i != len(data) {
		return m, errMalformed
	}

	isNull := string(m.ID) == "null"
	switch {
	case hasMethod && !methodOK:
	case hasMethod && m.ID == nil:
		m.Kind = KindNotification
	case hasMethod && !isNull:
		m.Kind = KindRequest
	case !hasMethod && m.ID != nil && hasResult != hasError:
		m.Kind = KindResponse
		m.IsError = hasError
	}
	return m, nil
}

// params reads the members of params that matter. A later duplicate params
// member replaces an earlier one whole, as encoding/json does for a map.
func (s *scanner) params(m *Message) error {
	m.Name, m.URI, m.HasName, m.HasURI, m.Version, m.CancelID = "", "", false, false, "", nil
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return s.skip()
	}
	if err := s.open(); err != nil {
		return err
	}
	for {
		key, more, err := s.next()
		if err != nil || !more {
			return err
		}
		switch string(key) {
		case "name":
			m.Name, m.HasName, err = s.stringValue()
		case "uri":
			m.URI, m.HasURI, err = s.stringValue()
		case "requestId":
			start := s.pos()
			err = s.skip()
			m.CancelID = s.b[start:s.i]
		case "_meta":
			err = s.meta(m)
		default:
			err = s.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (s *scanner) meta(m *Message) error {
	m.Version = ""
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return s.skip()
	}
	if err := s.open(); err != nil {
		return err
	}
	for {
		key, more, err := s.next()
		if err != nil || !more {
			return err
		}
		if string(key) == metaVersionKey {
			m.Version, _, err = s.stringValue()
		} else {
			err = s.skip()
		}
		if err != nil {
			return err
		}
	}
}

// scanner walks JSON bytes. Its methods leave i just after what they read.
type scanner struct {
	b     []byte
	i     int
	first bool // the object just opened has not yielded a key yet
}

func (s *scanner) pos() int {
	s.ws()
	return s.i
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// open consumes the '{' of an object.
func (s *scanner) open() error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return errMalformed
	}
	s.i++
	s.first = true
	return nil
}

// next reads the next key of the current object and its colon, or the
// closing brace, in which case more is false.
//
// The key is returned as bytes, valid until the next call, so that matching
// it against the few names of interest allocates nothing.
func (s *scanner) next() (key []byte, more bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, false, errMalformed
	}
	switch {
	case s.b[s.i] == '}':
		s.i++
		s.first = false
		return nil, false, nil
	case !s.first:
		if s.b[s.i] != ',' {
			return nil, false, errMalformed
		}
		s.i++
		s.ws()
	}
	s.first = false
	start := s.i
	raw, plain, err := s.str()
	if err != nil {
		return nil, false, errMalformed
	}
	if !plain || !utf8.Valid(raw) {
		var k string
		if json.Unmarshal(s.b[start:s.i], &k) != nil {
			return nil, false, errMalformed
		}
		raw = []byte(k)
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return nil, false, errMalformed
	}
	s.i++
	return raw, true, nil
}

// stringValue reads any value and returns it as a Go string when it is a
// JSON string; ok is false for other values, which are skipped.
func (s *scanner) stringValue() (v string, ok bool, err error) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false, s.skip()
	}
	start := s.i
	raw, plain, err := s.str()
	if err != nil {
		return "", false, err
	}
	if plain && utf8.Valid(raw) {
		return string(raw), true, nil
	}
	return decodeString(s.b[start:s.i])
}

// decodeString decodes a quoted JSON string. Escapes and invalid UTF-8 are
// rare, so encoding/json handles them, the way the peer will; keeping this
// out of stringValue keeps its plain path free of allocation.
func decodeString(quoted []byte) (string, bool, error) {
	var v string
	if err := json.Unmarshal(quoted, &v); err != nil {
		return "", false, errMalformed
	}
	return v, true, nil
}

// str reads a string at s.i and returns its raw contents; plain reports that
// it holds no escape.
func (s *scanner) str() (raw []byte, plain bool, err error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, errMalformed
	}
	plain = true
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '\\':
			plain = false
			j++
		case c == '"':
			raw = s.b[s.i+1 : j]
			s.i = j + 1
			return raw, plain, nil
		case c < 0x20:
			return nil, false, errMalformed
		}
	}
	return nil, false, errMalformed
}

// skip passes over one value. Containers are skipped by counting brackets
// outside strings, without recursion, so nesting depth costs nothing.
func (s *scanner) skip() error {
	s.ws()
	if s.i >= len(s.b) {
		return errMalformed
	}
	switch s.b[s.i] {
	case '"':
		_, _, err := s.str()
		return err
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, _, err := s.str(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errMalformed
	case '}', ']', ',', ':':
		return errMalformed
	default:
		start := s.i
		for s.i < len(s.b) && !delimiter(s.b[s.i]) {
			s.i++
		}
		if s.i == start {
			return errMalformed
		}
		return nil
	}
}

func delimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ':', '"', '{', '[', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
