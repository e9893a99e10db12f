package sse

import (
	"errors"
	"fmt"
)

// ErrEventTooLarge is wrapped by the error Reader.Next returns when one event's field
// lines, or a single line, exceed the Reader's size bound. Test for it with errors.Is.
var ErrEventTooLarge = errors.New("mcpclient: sse event exceeds size limit")

// errNoSource is returned by Next on a Reader that has nothing to read from: the zero
// value, or one made by NewReader with a nil io.Reader.
var errNoSource = errors.New("mcpclient: sse next: reader has no source (use NewReader with a non-nil io.Reader)")

// tooLarge builds the error for an event or line over limit bytes.
func tooLarge(limit int) error {
	return fmt.Errorf("%w of %d bytes", ErrEventTooLarge, limit)
}

// errReleased is what Next returns after Release.
var errReleased = errors.New("mcpclient: sse next: reader used after Release")
