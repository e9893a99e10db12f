package sse

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// refLine is one line of a whole input, and whether a line end followed it.
type refLine struct {
	text  string
	ended bool
}

// refLines splits a whole input, BOM already removed, into lines.
func refLines(s string) []refLine {
	var lines []refLine
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, refLine{text: s})
			break
		}
		lines = append(lines, refLine{text: s[:i], ended: true})
		if strings.HasPrefix(s[i:], "\r\n") {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// refRetry interprets a retry value the way Reader documents it, using strconv rather
// than the Reader's own digit loop.
func refRetry(v string) (time.Duration, bool) {
	// ParseUint may report a range error before it has seen a later non-digit.
	if v == "" || strings.Trim(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	if err != nil || n > math.MaxInt64/uint64(time.Millisecond) {
		return math.MaxInt64, true
	}
	return time.Duration(n) * time.Millisecond, true
}

// reference parses a whole input held in memory, line by line, in the simplest way that
// follows the same rules as Reader, including its size bound.
func reference(in []byte, maxEventBytes int) result {
	if maxEventBytes <= 0 {
		maxEventBytes = defaultMaxEventBytes
	}
	var (
		res      result
		data     []string
		hasData  bool
		typ, id  string
		consumed int
	)
	for _, l := range refLines(strings.TrimPrefix(string(in), "\ufeff")) {
		if strings.HasPrefix(l.text, ":") {
			if l.ended {
				res.Comments++
			}
			continue
		}
		if consumed+len(l.text) > maxEventBytes {
			res.Err = ErrEventTooLarge
			return res
		}
		if !l.ended {
			break
		}
		if l.text == "" {
			res.LastID = id
			if hasData {
				res.Events = append(res.Events, Event{
					Type:  typ,
					Data:  append([]byte{}, strings.Join(data, "\n")...),
					ID:    id,
					Retry: res.Retry,
				})
			}
			data, hasData, typ, consumed = nil, false, "", 0
			continue
		}
		consumed += len(l.text)
		name, value, found := strings.Cut(l.text, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch name {
		case "event":
			typ = value
		case "data":
			data, hasData = append(data, value), true
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		case "retry":
			if d, ok := refRetry(value); ok {
				res.Retry, res.RetrySet = d, true
			}
		}
	}
	res.Err = io.EOF
	return res
}
