package mcpclient

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeCallToolResult decodes a tools/call result into res. Nearly every
// result is a list of plain text items, perhaps with isError, _meta,
// structuredContent and members this client does not know; those are read
// by hand in one pass, which costs a fraction of encoding/json's reflection
// over the thirteen fields of Content. Anything else (escaped strings,
// other content fields, null values, repeated or differently cased keys) is
// left to encoding/json, so res is always what json.Unmarshal would give,
// and malformed JSON is always an error. res.Meta and res.StructuredContent
// may share raw's bytes, so raw must not be modified afterwards.
func decodeCallToolResult(raw []byte, res *CallToolResult) error {
	if fastCallToolResult(raw, res) {
		return nil
	}
	*res = CallToolResult{}
	return json.Unmarshal(raw, res)
}

// fastCallToolResult is the hand-read path of decodeCallToolResult. It
// reports false, leaving res in any state, for input it does not take.
func fastCallToolResult(data []byte, res *CallToolResult) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	var seenContent, seenError, seenMeta, seenStructured bool
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		key, next, ok := plainString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		switch string(key) {
		case "content":
			if seenContent {
				return false
			}
			seenContent = true
			if i, ok = textContents(data, i, res); !ok {
				return false
			}
		case "isError":
			if seenError {
				return false
			}
			seenError = true
			switch {
			case bytes.HasPrefix(data[i:], []byte("true")):
				res.IsError, i = true, i+4
			case bytes.HasPrefix(data[i:], []byte("false")):
				res.IsError, i = false, i+5
			default:
				return false
			}
		case "_meta", "structuredContent":
			seen := &seenMeta
			if string(key) == "structuredContent" {
				seen = &seenStructured
			}
			if *seen {
				return false
			}
			*seen = true
			value, end, ok := validValue(data, i)
			if !ok || string(value) == "null" {
				return false
			}
			// The members keep pointing into raw, which nothing else
			// writes to; the full slice expression keeps an append to
			// them from running into the bytes after.
			value = value[:len(value):len(value)]
			if string(key) == "_meta" {
				res.Meta = value
			} else {
				res.StructuredContent = value
			}
			i = end
		default:
			// encoding/json matches keys without regard to case.
			for _, k := range [...]string{"content", "isError", "_meta", "structuredContent"} {
				if strings.EqualFold(string(key), k) {
					return false
				}
			}
			var end int
			if _, end, ok = validValue(data, i); !ok {
				return false
			}
			i = end
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return false
		}
		if data[i] == '}' {
			return skipSpace(data, i+1) == len(data)
		}
		if data[i] != ',' {
			return false
		}
		i = skipSpace(data, i+1)
	}
}

// textContents reads a content list whose items have only "type" and "text"
// string members, each once.
func textContents(data []byte, i int, res *CallToolResult) (int, bool) {
	if i >= len(data) || data[i] != '[' {
		return 0, false
	}
	items := make([]Content, 0, 1)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		res.Content = items
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '{' {
			return 0, false
		}
		var c Content
		var seenType, seenText bool
		i = skipSpace(data, i+1)
		for {
			key, next, ok := plainString(data, i)
			if !ok {
				return 0, false
			}
			i = skipSpace(data, next)
			if i >= len(data) || data[i] != ':' {
				return 0, false
			}
			value, end, ok := plainString(data, skipSpace(data, i+1))
			if !ok {
				return 0, false
			}
			switch {
			case string(key) == "type" && !seenType:
				seenType = true
				c.Type = internType(value)
			case string(key) == "text" && !seenText:
				seenText = true
				c.Text = string(value)
			default:
				return 0, false
			}
			i = skipSpace(data, end)
			if i >= len(data) {
				return 0, false
			}
			if data[i] == '}' {
				break
			}
			if data[i] != ',' {
				return 0, false
			}
			i = skipSpace(data, i+1)
		}
		items = append(items, c)
		i = skipSpace(data, i+1)
		if i >= len(data) {
			return 0, false
		}
		if data[i] == ']' {
			res.Content = items
			return i + 1, true
		}
		if data[i] != ',' {
			return 0, false
		}
		i = skipSpace(data, i+1)
	}
}

// plainString reads the string at i when it needs no decoding: no escapes,
// no control characters, valid UTF-8. It returns the string's bytes, which
// are its value, and the index past its closing quote.
func plainString(data []byte, i int) ([]byte, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			s := data[i+1 : j]
			if !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// internType returns the common content types without a new string.
func internType(b []byte) string {
	switch string(b) {
	case "text":
		return "text"
	case "image":
		return "image"
	case "audio":
		return "audio"
	case "resource":
		return "resource"
	case "resource_link":
		return "resource_link"
	}
	return string(b)
}

// validValue returns the JSON value at i and the index past it, when the
// value is well formed.
func validValue(data []byte, i int) ([]byte, int, bool) {
	end := skipValue(data, i)
	if end < 0 || !json.Valid(data[i:end]) {
		return nil, 0, false
	}
	return data[i:end], end, true
}
