package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// errTrailingData rejects input holding more than one JSON value; accepting
// the first value alone would silently ignore part of a schema.
var errTrailingData = errors.New("mcpclient: schema decode: trailing data after JSON value")

// decode parses exactly one JSON value into a fresh tree of map[string]any,
// []any, string, json.Number, bool and nil. Numbers stay json.Number so that
// encoding reproduces them digit for digit. The tree shares nothing with raw,
// so callers may modify it freely.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailingData
	}
	return v, nil
}

// encode writes v as compact JSON. HTML escaping is off because schemas often
// carry "<", ">" and "&" in descriptions and patterns, and rewriting them as
// \u003c and the like only makes the text harder for people to read.
func encode(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// pointerTokens splits the JSON pointer in a local reference ("#" or
// "#/a/b") into unescaped tokens. ok is false for references that are not
// local pointers: remote URIs and plain-name fragments ("#anchor").
func pointerTokens(ref string) (tokens []string, ok bool) {
	frag, found := strings.CutPrefix(ref, "#")
	if !found {
		return nil, false
	}
	if strings.Contains(frag, "%") {
		unescaped, err := url.PathUnescape(frag)
		if err != nil {
			return nil, false
		}
		frag = unescaped
	}
	if frag == "" {
		return nil, true
	}
	if frag[0] != '/' {
		return nil, false
	}
	tokens = strings.Split(frag[1:], "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, true
}

// escapeToken escapes one JSON pointer token.
func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// resolveRef finds the value a local reference points to inside root.
func resolveRef(root any, ref string) (any, bool) {
	tokens, ok := pointerTokens(ref)
	if !ok {
		return nil, false
	}
	cur := root
	for _, tok := range tokens {
		switch c := cur.(type) {
		case map[string]any:
			next, found := c[tok]
			if !found {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) || (len(tok) > 1 && tok[0] == '0') || tok[0] == '+' {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deepCopy copies a decoded JSON tree, so that a subtree can appear twice
// in an output and be modified in each place independently.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
