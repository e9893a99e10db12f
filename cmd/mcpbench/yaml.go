package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseYAMLMaps reads the part of YAML a providers file needs, and no more:
// a block sequence of maps whose values are scalars, either at the top of
// the document or under one top-level key (listKey), such as
//
//	providers:
//	  - name: local            # a comment
//	    base_url: "http://127.0.0.1:8080/v1"
//	    price_in: 0.5
//
// Scalars may be plain, 'single' or "double" quoted. Anchors, tags, flow
// collections ([...] and {...}), multi-line scalars and nesting beyond this
// are refused with the line number, never guessed at.
func parseYAMLMaps(data []byte, listKey string) ([]map[string]string, error) {
	var (
		out      []map[string]string
		cur      map[string]string
		dashCol  = -1 // column of the current item's dash
		underKey bool
	)
	lines := strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n")
	for n, raw := range lines {
		lineNo := n + 1
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %s", lineNo, fmt.Sprintf(format, args...))
		}
		line := strings.TrimRight(stripComment(raw), " \t\r")
		text := strings.TrimLeft(line, " ")
		if text == "" || (line == text && (text == "---" || text == "...")) {
			continue
		}
		if strings.HasPrefix(text, "\t") || strings.Contains(line[:len(line)-len(text)], "\t") {
			return nil, fail("tabs may not indent YAML")
		}
		col := len(line) - len(text)

		if col == 0 && !strings.HasPrefix(text, "-") {
			key, val, err := splitKeyValue(text)
			if err != nil {
				return nil, fail("%v", err)
			}
			if key != listKey || val != "" || underKey || out != nil {
				return nil, fail("want %q followed by a list of entries", listKey+":")
			}
			underKey = true
			continue
		}

		if text == "-" || strings.HasPrefix(text, "- ") {
			if dashCol >= 0 && col != dashCol {
				return nil, fail("list entries must line up")
			}
			dashCol = col
			cur = map[string]string{}
			out = append(out, cur)
			text = strings.TrimLeft(text[1:], " ")
			if text == "" {
				continue
			}
		} else if cur == nil || col <= dashCol {
			return nil, fail("want a list entry (\"- key: value\")")
		}
		key, val, err := splitKeyValue(text)
		if err != nil {
			return nil, fail("%v", err)
		}
		if _, dup := cur[key]; dup {
			return nil, fail("key %q appears twice in one entry", key)
		}
		v, err := yamlScalar(val)
		if err != nil {
			return nil, fail("%s: %v", key, err)
		}
		cur[key] = v
	}
	return out, nil
}

// stripComment removes a # comment: one at the start of the text or after
// white space, outside quotes.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

func splitKeyValue(text string) (key, value string, err error) {
	i := strings.Index(text, ": ")
	if i < 0 && strings.HasSuffix(text, ":") {
		i = len(text) - 1
	}
	if i <= 0 {
		return "", "", fmt.Errorf("want \"key: value\", got %q", text)
	}
	key = strings.TrimSpace(text[:i])
	if strings.ContainsAny(key, "\"'{}[]&*!|>%@`") {
		return "", "", fmt.Errorf("key %q is not a plain name", key)
	}
	return key, strings.TrimSpace(text[i+1:]), nil
}

func yamlScalar(v string) (string, error) {
	switch {
	case v == "":
		return "", nil
	case v[0] == '"':
		s, err := strconv.Unquote(v)
		if err != nil {
			return "", fmt.Errorf("bad double-quoted string %s", v)
		}
		return s, nil
	case v[0] == '\'':
		if len(v) < 2 || v[len(v)-1] != '\'' {
			return "", fmt.Errorf("bad single-quoted string %s", v)
		}
		inner := v[1 : len(v)-1]
		if strings.Count(inner, "'")%2 != 0 {
			return "", fmt.Errorf("bad single-quoted string %s", v)
		}
		return strings.ReplaceAll(inner, "''", "'"), nil
	case strings.ContainsRune("[{&*!|>%@`", rune(v[0])):
		return "", fmt.Errorf("only plain or quoted scalars are supported, got %q", v)
	}
	return v, nil
}
