package wire

import (
	"errors"
	"fmt"
)

// ErrMessageTooLarge is matched by every [OversizeError].
var ErrMessageTooLarge = errors.New("mcpclient: message exceeds size limit")

// OversizeError reports a message longer than the reader's limit. The message
// was skipped whole; reading can go on with the next one. ID holds the raw
// top-level "id" of the skipped message when one could be seen while skipping,
// so that the one request it answered can fail instead of waiting forever.
type OversizeError struct {
	Size  int64  // bytes skipped, newline excluded
	Limit int    // the limit in force
	ID    []byte // raw JSON id, nil when none was found
}

func (e *OversizeError) Error() string {
	return fmt.Sprintf("mcpclient: message of %d bytes exceeds the %d-byte limit (raise MaxMessageBytes to accept it)", e.Size, e.Limit)
}

// RequestID returns the id of the skipped message, so that a session can
// fail the one request it answered.
func (e *OversizeError) RequestID() []byte { return e.ID }

// Is makes errors.Is(err, ErrMessageTooLarge) true.
func (e *OversizeError) Is(target error) bool { return target == ErrMessageTooLarge }

// idScanner watches the bytes of a JSON object go by, without holding them,
// and keeps the raw value of its top-level "id" member. It tracks only string
// state and nesting depth, which is all it takes to tell a top-level key from
// one nested in params or result.
type idScanner struct {
	depth    int
	inString bool
	escaped  bool

	// Key and value capture at depth 1.
	expectKey bool   // at depth 1, the next string is a key
	key       []byte // the key being read or last read, capped
	keyLong   bool   // the key outgrew the cap, so it is not "id"
	afterKey  bool   // between a key's closing quote and its colon
	capturing bool   // reading the value of "id"
	value     []byte
	done      bool // the id was captured
}

const maxIDBytes = 256

func (s *idScanner) write(p []byte) {
	for _, c := range p {
		if s.done && s.depth > 1 {
			continue
		}
		s.step(c)
	}
}

func (s *idScanner) step(c byte) {
	if s.capturing {
		s.captureValue(c)
		return
	}
	if s.inString {
		if s.escaped {
			s.escaped = false
		} else if c == '\\' {
			s.escaped = true
		} else if c == '"' {
			s.inString = false
			if s.depth == 1 && s.expectKey {
				s.expectKey = false
				s.afterKey = true
			}
			return
		}
		if s.depth == 1 && s.expectKey {
			if len(s.key) < 8 {
				s.key = append(s.key, c)
			} else {
				s.keyLong = true
			}
		}
		return
	}
	switch c {
	case '"':
		s.inString = true
		if s.depth == 1 && s.expectKey {
			s.key = s.key[:0]
			s.keyLong = false
		}
	case '{', '[':
		s.depth++
		if s.depth == 1 && c == '{' {
			s.expectKey = true
		}
	case '}', ']':
		s.depth--
	case ',':
		if s.depth == 1 {
			s.expectKey = true
		}
	case ':':
		if s.depth == 1 && s.afterKey {
			s.afterKey = false
			if !s.done && !s.keyLong && string(s.key) == "id" {
				s.capturing = true
				s.value = s.value[:0]
			}
		}
	}
}

// captureValue collects the id's value: a string or a scalar. Anything else
// (an object, an array, an overlong value) leaves the id unknown.
func (s *idScanner) captureValue(c byte) {
	if len(s.value) == 0 {
		switch c {
		case ' ', '\t', '\r', '\n':
			return
		case '{', '[':
			s.capturing = false
			s.depth++
			return
		}
		s.value = append(s.value, c)
		if c == '"' {
			s.inString = true
		}
		return
	}
	if s.inString {
		s.value = append(s.value, c)
		if s.escaped {
			s.escaped = false
		} else if c == '\\' {
			s.escaped = true
		} else if c == '"' {
			s.inString = false
			s.finish()
		}
	} else {
		switch c {
		case ',', '}', ' ', '\t', '\r', '\n':
			s.finish()
			s.step(c)
			return
		}
		s.value = append(s.value, c)
	}
	if len(s.value) > maxIDBytes {
		s.capturing = false
		s.value = nil
	}
}

func (s *idScanner) finish() {
	s.capturing = false
	s.done = true
}

// id returns the captured id, or nil.
func (s *idScanner) id() []byte {
	if !s.done || len(s.value) == 0 {
		return nil
	}
	return append([]byte(nil), s.value...)
}
