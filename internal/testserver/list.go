package testserver

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Cursors are opaque to clients; inside they carry the offset of the next
// page, so any string the server did not produce is rejected.
const cursorPrefix = "tools@"

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

// decodeCursor returns the offset a cursor points at, accepting offsets up
// to n inclusive (an empty last page, which RepeatCursor can produce).
func decodeCursor(cursor string, n int) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(digits)
	if err != nil || off < 0 || off > n {
		return 0, false
	}
	return off, true
}

func (c *conn) listTools(m *inMessage) { c.listToolsPage(m, false) }

// listToolsPage answers tools/list; a modern answer also carries the
// result type and the cache hints.
func (c *conn) listToolsPage(m *inMessage, modern bool) {
	s := c.s
	set := s.tools.Load()
	n := len(set.descs)
	off := 0
	if m.Params != nil && m.Params.Cursor != nil {
		var ok bool
		if off, ok = decodeCursor(*m.Params.Cursor, n); !ok {
			c.replyError(m.ID, codeInvalidParams, "invalid params: unknown cursor")
			return
		}
	}
	pageEnd := func(from int) int {
		if s.pageSize > 0 && from+s.pageSize < n {
			return from + s.pageSize
		}
		return n
	}
	end := pageEnd(off)
	next := ""
	switch {
	case s.faults.RepeatCursor:
		next = encodeCursor(pageEnd(0))
	case end < n:
		next = encodeCursor(end)
	}

	buf := getBuf()
	defer putBuf(buf)
	appendResponseHead(buf, m.ID, s.faults.StringIDs)
	buf.WriteString(`"result":{"tools":[`)
	for i, d := range set.descs[off:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(d)
	}
	buf.WriteByte(']')
	if next != "" {
		buf.WriteString(`,"nextCursor":"`)
		buf.WriteString(next) // base64url needs no escaping
		buf.WriteByte('"')
	}
	if modern {
		buf.WriteString(`,"resultType":"complete","ttlMs":60000,"cacheScope":"public"`)
	}
	buf.WriteString("}}\n")
	_ = c.write(buf.Bytes())
}
