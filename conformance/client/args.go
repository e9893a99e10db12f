package main

import (
	"encoding/json"
)

// sampleArguments makes up arguments for a tool from its input schema: a
// value for every required property, its default or first enum value when
// the schema gives one, otherwise a plain value of its type.
func sampleArguments(schema json.RawMessage) json.RawMessage {
	var sch struct {
		Properties map[string]struct {
			Type    any               `json:"type"`
			Default json.RawMessage   `json:"default"`
			Enum    []json.RawMessage `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if json.Unmarshal(schema, &sch) != nil {
		return json.RawMessage("{}")
	}
	args := make(map[string]json.RawMessage, len(sch.Required))
	for _, name := range sch.Required {
		p := sch.Properties[name]
		switch {
		case len(p.Default) > 0:
			args[name] = p.Default
		case len(p.Enum) > 0:
			args[name] = p.Enum[0]
		default:
			args[name] = sampleValue(p.Type)
		}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

// sampleValue is a value of a JSON Schema type: the first one of a list,
// a string when the type is missing or unknown.
func sampleValue(t any) json.RawMessage {
	if list, ok := t.([]any); ok && len(list) > 0 {
		t = list[0]
	}
	switch t {
	case "integer":
		return json.RawMessage("7")
	case "number":
		return json.RawMessage("2.5")
	case "boolean":
		return json.RawMessage("true")
	case "array":
		return json.RawMessage("[]")
	case "object":
		return json.RawMessage("{}")
	case "null":
		return json.RawMessage("null")
	}
	return json.RawMessage(`"conformance"`)
}
