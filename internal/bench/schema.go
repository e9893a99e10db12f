package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Schema is a JSON Schema reduced to the keywords that tool input schemas
// use: type, properties, required, enum, items and additionalProperties.
// Other keywords ($ref, anyOf, minimum, pattern, ...) are not checked, so a
// Schema may accept what the full schema refuses, never the reverse. A
// compiled Schema is immutable and safe for concurrent use; a nil *Schema
// accepts everything.
type Schema struct {
	reject     bool // the schema false
	types      []string
	properties map[string]*Schema
	required   []string
	enum       []any
	hasEnum    bool
	items      *Schema
	additional *Schema // for properties not in properties; nil means any
}

// schemaWire is the part of a schema object that is read.
type schemaWire struct {
	Type                 json.RawMessage            `json:"type"`
	Properties           map[string]json.RawMessage `json:"properties"`
	Required             []string                   `json:"required"`
	Enum                 json.RawMessage            `json:"enum"`
	Items                json.RawMessage            `json:"items"`
	AdditionalProperties json.RawMessage            `json:"additionalProperties"`
}

// CompileSchema reads a schema. Empty input or null means the schema that
// accepts everything, as MCP servers that send no inputSchema intend.
func CompileSchema(raw json.RawMessage) (*Schema, error) {
	s, err := compile(raw, "")
	if err != nil {
		return nil, fmt.Errorf("mcpclient: compile schema: %w", err)
	}
	return s, nil
}

func compile(raw json.RawMessage, path string) (*Schema, error) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", "null", "true":
		return &Schema{}, nil
	case "false":
		return &Schema{reject: true}, nil
	}
	var w schemaWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("%s: not a schema object: %v", where(path), err)
	}
	s := &Schema{required: w.Required}
	if len(w.Type) > 0 {
		var one string
		if json.Unmarshal(w.Type, &one) == nil {
			s.types = []string{one}
		} else if err := json.Unmarshal(w.Type, &s.types); err != nil {
			return nil, fmt.Errorf("%s: \"type\" must be a string or a list of strings", where(path))
		}
	}
	if len(w.Enum) > 0 && string(w.Enum) != "null" {
		vals, err := decodeArray(w.Enum)
		if err != nil {
			return nil, fmt.Errorf("%s: \"enum\" must be a list: %v", where(path), err)
		}
		s.enum, s.hasEnum = vals, true
	}
	if len(w.Properties) > 0 {
		s.properties = make(map[string]*Schema, len(w.Properties))
		for name, sub := range w.Properties {
			c, err := compile(sub, path+"/properties/"+name)
			if err != nil {
				return nil, err
			}
			s.properties[name] = c
		}
	}
	// The tuple form of items (a list) predates 2020-12 and no tool uses
	// it; it is left unchecked rather than misread.
	if t := bytes.TrimSpace(w.Items); len(t) > 0 && t[0] != '[' {
		c, err := compile(t, path+"/items")
		if err != nil {
			return nil, err
		}
		s.items = c
	}
	if len(w.AdditionalProperties) > 0 {
		c, err := compile(w.AdditionalProperties, path+"/additionalProperties")
		if err != nil {
			return nil, err
		}
		s.additional = c
	}
	return s, nil
}

func decodeArray(raw json.RawMessage) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil {
		return nil, err
	}
	return vals, nil
}

// ValidateJSON checks a JSON document, such as a tool call's arguments,
// against the schema. The error names the first failing location.
func (s *Schema) ValidateJSON(doc []byte) error {
	if err := s.check(doc); err != nil {
		return fmt.Errorf("mcpclient: validate arguments: %w", err)
	}
	return nil
}

func (s *Schema) check(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not valid JSON: %v", err)
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return s.validate(v, "")
}

func (s *Schema) validate(v any, path string) error {
	if s == nil {
		return nil
	}
	if s.reject {
		return fmt.Errorf("%s: no value is allowed here", where(path))
	}
	if len(s.types) > 0 && !slices.ContainsFunc(s.types, func(t string) bool { return hasType(v, t) }) {
		return fmt.Errorf("%s: want %s, got %s", where(path), strings.Join(s.types, " or "), typeName(v))
	}
	if s.hasEnum && !slices.ContainsFunc(s.enum, func(e any) bool { return equalJSON(e, v) }) {
		return fmt.Errorf("%s: %s is not one of the allowed values", where(path), short(v))
	}
	switch x := v.(type) {
	case map[string]any:
		for _, name := range s.required {
			if _, ok := x[name]; !ok {
				return fmt.Errorf("%s: missing required property %q", where(path), name)
			}
		}
		// Sorted, so that the same arguments always report the same error.
		names := make([]string, 0, len(x))
		for name := range x {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			sub, known := s.properties[name]
			if !known {
				sub = s.additional
			}
			if err := sub.validate(x[name], path+"/"+name); err != nil {
				return err
			}
		}
	case []any:
		for i, item := range x {
			if err := s.items.validate(item, path+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return "the arguments"
	}
	return path
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		return ok && isInteger(n)
	}
	// An unknown type name is a schema mistake, not the caller's; it is
	// not held against the value.
	return true
}

// isInteger follows JSON Schema: 2.0 is an integer, 2.5 is not.
func isInteger(n json.Number) bool {
	if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return err == nil && !math.IsInf(f, 0) && f == math.Trunc(f)
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case json.Number:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// equalJSON compares two decoded JSON values; numbers compare by value, so
// 1, 1.0 and 1e0 are equal.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalJSON(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}
