package fakemodel

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// demoSchema is the part of a parameters schema DemoBrain reads.
type demoSchema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

type demoProperty struct {
	Type json.RawMessage   `json:"type"`
	Enum []json.RawMessage `json:"enum"`
}

// fillArguments builds the argument object for a tool's required parameters
// from userText, in the schema's order. ok is false when some required
// parameter has no recognisable type; it then gets the user text.
func fillArguments(params json.RawMessage, userText string) (args string, ok bool) {
	var schema demoSchema
	_ = json.Unmarshal(params, &schema)
	ok = true
	next := 2
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range schema.Required {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		b.Write(key)
		b.WriteByte(':')
		value, filled := demoValue(name, schema.Properties[name], userText, &next)
		ok = ok && filled
		b.Write(value)
	}
	b.WriteByte('}')
	return b.String(), ok
}

// demoValue returns the JSON value for one parameter; next is the next number
// to hand out.
func demoValue(name string, raw json.RawMessage, userText string, next *int) ([]byte, bool) {
	var p demoProperty
	_ = json.Unmarshal(raw, &p)
	if len(p.Enum) > 0 {
		var v bytes.Buffer
		if json.Compact(&v, p.Enum[0]) == nil {
			return v.Bytes(), true
		}
	}
	switch firstType(p.Type) {
	case "string":
		text := userText
		if pathLike(name) {
			if tok := pathToken(userText); tok != "" {
				text = tok
			}
		} else if placeLike(name) {
			if tok := properNoun(userText); tok != "" {
				text = tok
			}
		}
		return mustJSON(text), true
	case "number", "integer":
		n := *next
		*next++
		return []byte(strconv.Itoa(n)), true
	case "boolean":
		return []byte("false"), true
	case "array":
		return []byte("[]"), true
	case "object":
		return []byte("{}"), true
	case "null":
		return []byte("null"), true
	}
	return mustJSON(userText), false
}

// firstType reads a "type" keyword, taking the first non-null entry of a list.
func firstType(raw json.RawMessage) string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	for _, t := range many {
		if t != "null" {
			return t
		}
	}
	if len(many) > 0 {
		return many[0]
	}
	return ""
}

func pathLike(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"path", "file", "dir", "folder"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// pathToken returns the first word of text that looks like a path, without
// surrounding quotes, brackets or sentence punctuation, or "".
func pathToken(text string) string {
	for _, f := range strings.Fields(text) {
		t := strings.Trim(f, "\"'`()[]{}<>,;:!?")
		if t != "" && strings.Trim(t, ".") == "" {
			return t // "." or ".." name a directory
		}
		t = strings.TrimRight(t, ".")
		if strings.ContainsAny(t, "/.") {
			return t
		}
	}
	return ""
}

// placeLike reports parameters that name a place or a person, for which a
// proper noun from the question reads better than the whole question.
func placeLike(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"city", "location", "place", "country", "town", "name"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// properNoun returns the first capitalised word of text after its first
// word, without punctuation, or "".
func properNoun(text string) string {
	for i, f := range strings.Fields(text) {
		t := strings.Trim(f, "\"'`()[]{}<>,;:!?.")
		if i == 0 || t == "" || t[0] < 'A' || t[0] > 'Z' || t == "I" {
			continue
		}
		return t
	}
	return ""
}

func mustJSON(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
