package main

import (
	"encoding/json"
	"testing"
)

func TestSampleArguments(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{"numbers", `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"integer"}},"required":["a","b"]}`, `{"a":2.5,"b":7}`},
		{"only required", `{"type":"object","properties":{"r":{"type":"string"},"o":{"type":"string"}},"required":["r"]}`, `{"r":"conformance"}`},
		{"default and enum", `{"properties":{"d":{"type":"string","default":"x"},"e":{"enum":[3,4]}},"required":["d","e"]}`, `{"d":"x","e":3}`},
		{"type list", `{"properties":{"v":{"type":["boolean","null"]}},"required":["v"]}`, `{"v":true}`},
		{"containers", `{"properties":{"l":{"type":"array"},"o":{"type":"object"}},"required":["l","o"]}`, `{"l":[],"o":{}}`},
		{"required but undeclared", `{"required":["x"]}`, `{"x":"conformance"}`},
		{"no schema", ``, `{}`},
		{"not an object", `[1]`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sampleArguments(json.RawMessage(tt.schema))
			if string(got) != tt.want {
				t.Errorf("sampleArguments(%s) = %s, want %s", tt.schema, got, tt.want)
			}
		})
	}
}
