package fakemodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// checkParameters enforces what strict providers demand of a tool's parameters:
// a JSON object schema with "type":"object", no "required":null anywhere and an
// "items" schema on every array schema, however deeply nested.
func checkParameters(path string, raw json.RawMessage) string {
	c := bytes.TrimSpace(raw)
	switch {
	case len(c) == 0:
		return path + " is required"
	case string(c) == "null":
		return path + " must be a JSON schema object, got null"
	}
	node, ok := schemaObject(c)
	if !ok {
		return path + " must be a JSON schema object"
	}
	var typ string
	if json.Unmarshal(node["type"], &typ) != nil || typ != "object" {
		return path + ` must have "type":"object"`
	}
	return checkSchemaNode(path, node)
}

// checkSchemaNode walks a schema through the keywords that hold subschemas, so
// that a property named like a keyword is never mistaken for one.
func checkSchemaNode(path string, node map[string]json.RawMessage) string {
	if r, ok := node["required"]; ok {
		var names []string
		if string(bytes.TrimSpace(r)) == "null" || json.Unmarshal(r, &names) != nil {
			return path + ".required must be an array of strings"
		}
	}
	if hasType(node["type"], "array") {
		items := bytes.TrimSpace(node["items"])
		if len(items) == 0 || string(items) == "null" {
			return path + ": array schema must define items"
		}
	}
	for _, key := range []string{"properties", "patternProperties", "$defs", "definitions"} {
		raw, ok := node[key]
		if !ok {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || m == nil {
			return fmt.Sprintf("%s.%s must be an object", path, key)
		}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			if msg := checkSubschema(fmt.Sprintf("%s.%s.%s", path, key, name), m[name]); msg != "" {
				return msg
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties", "not", "contains"} {
		raw, ok := node[key]
		if !ok {
			continue
		}
		if list, isList := schemaList(raw); isList && key == "items" {
			if msg := checkSchemaListAt(path+".items", list); msg != "" {
				return msg
			}
			continue
		}
		if msg := checkSubschema(path+"."+key, raw); msg != "" {
			return msg
		}
	}
	for _, key := range []string{"anyOf", "oneOf", "allOf", "prefixItems"} {
		raw, ok := node[key]
		if !ok {
			continue
		}
		list, isList := schemaList(raw)
		if !isList {
			return fmt.Sprintf("%s.%s must be an array of schemas", path, key)
		}
		if msg := checkSchemaListAt(path+"."+key, list); msg != "" {
			return msg
		}
	}
	return ""
}

func checkSchemaListAt(path string, list []json.RawMessage) string {
	for i, s := range list {
		if msg := checkSubschema(fmt.Sprintf("%s[%d]", path, i), s); msg != "" {
			return msg
		}
	}
	return ""
}

// checkSubschema accepts boolean schemas, which JSON Schema allows anywhere a
// schema may appear, and walks object schemas.
func checkSubschema(path string, raw json.RawMessage) string {
	c := bytes.TrimSpace(raw)
	if string(c) == "true" || string(c) == "false" {
		return ""
	}
	node, ok := schemaObject(c)
	if !ok {
		return path + " must be a schema object"
	}
	return checkSchemaNode(path, node)
}

func schemaObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

func schemaList(raw json.RawMessage) ([]json.RawMessage, bool) {
	var l []json.RawMessage
	if json.Unmarshal(raw, &l) != nil || l == nil {
		return nil, false
	}
	return l, true
}

// hasType reports whether a "type" keyword, a string or an array of strings,
// includes want.
func hasType(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return slices.Contains(many, want)
	}
	return false
}
