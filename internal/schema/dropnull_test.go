package schema

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestDropNullOptionals(t *testing.T) {
	tests := []struct {
		name       string
		schema     string
		args, want string
		// strictOK says whether Strict accepts schema, i.e. whether args
		// are a real strict-mode round trip.
		strictOK bool
	}{
		{"top level",
			`{"type":"object","required":["a","c"],"properties":{"a":{"type":"string"},"b":{"type":"string"},"c":{"type":["string","null"]}}}`,
			`{"a":"x","b":null,"c":null}`, `{"a":"x","c":null}`, true},
		{"nested objects in array items",
			`{"type":"object","required":["items"],"properties":{
				"items":{"type":"array","items":{"type":"object","required":["id"],"properties":{
					"id":{"type":"string"},"note":{"type":"string"},
					"meta":{"type":"object","properties":{"x":{"type":"integer"}}}}}},
				"opt":{"type":"object","properties":{"y":{"type":"integer"}}}}}`,
			`{"items":[{"id":"1","note":null,"meta":{"x":null}},{"id":"2","note":"n","meta":null}],"opt":null}`,
			`{"items":[{"id":"1","meta":{}},{"id":"2","note":"n"}]}`, true},
		{"refs into $defs and definitions",
			`{"type":"object","required":["a","b"],"properties":{"a":{"$ref":"#/$defs/A"},"b":{"$ref":"#/definitions/B"}},
			"$defs":{"A":{"type":"object","properties":{"p":{"type":"string"}}}},
			"definitions":{"B":{"type":"object","required":["q"],"properties":{"q":{"type":["string","null"]},"r":{"type":"string"}}}}}`,
			`{"a":{"p":null},"b":{"q":null,"r":null}}`, `{"a":{},"b":{"q":null}}`, true},
		{"recursive tree",
			`{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"label":{"type":"string"},
				"children":{"type":"array","items":{"$ref":"#"}}}}`,
			`{"name":"r","label":null,"children":[{"name":"c","label":null,"children":null}]}`,
			`{"name":"r","children":[{"name":"c"}]}`, true},
		{"anyOf branch chosen by property names",
			`{"type":"object","required":["shape"],"properties":{"shape":{"anyOf":[
				{"type":"object","required":["radius"],"properties":{"radius":{"type":"number"},"unit":{"type":"string"}}},
				{"type":"object","required":["w","h"],"properties":{"w":{"type":"number"},"h":{"type":"number"},"unit":{"type":"string"}}}]}}}`,
			`{"shape":{"w":1,"h":2,"unit":null}}`, `{"shape":{"w":1,"h":2}}`, true},
		{"anyOf branch chosen by kind",
			`{"type":"object","required":["v"],"properties":{"v":{"anyOf":[{"type":"string"},
				{"$ref":"#/$defs/O"}]}},"$defs":{"O":{"type":"object","properties":{"z":{"type":"string"}}}}}`,
			`{"v":{"z":null}}`, `{"v":{}}`, true},
		{"ambiguous anyOf keeps what a candidate requires",
			`{"type":"object","required":["s"],"properties":{"s":{"anyOf":[
				{"type":"object","properties":{"unit":{"type":"string"}}},
				{"type":"object","required":["unit"],"properties":{"unit":{"type":"string"}}}]}}}`,
			`{"s":{"unit":null}}`, `{"s":{"unit":null}}`, true},
		{"oneOf branch chosen by kind",
			`{"type":"object","properties":{"v":{"oneOf":[{"type":"string"},{"type":"object","properties":{"z":{"type":"string"}}}]}}}`,
			`{"v":{"z":null}}`, `{"v":{}}`, false},
		{"allOf merges branches",
			`{"type":"object","allOf":[{"properties":{"a":{"type":"string"}}},{"required":["b"],"properties":{"b":{"type":["string","null"]}}}]}`,
			`{"a":null,"b":null}`, `{"b":null}`, false},
		{"wrapped root",
			`{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}}`,
			`{"input":[{"a":null,"b":1}]}`, `{"input":[{"b":1}]}`, true},
		{"numbers kept exactly",
			`{"type":"object","properties":{"n":{"type":"integer"},"o":{"type":"string"}}}`,
			`{"n":12345678901234567890,"o":null}`, `{"n":12345678901234567890}`, true},
		{"undeclared null kept",
			`{"type":"object","properties":{"a":{"type":"string"}}}`,
			`{"a":null,"extra":null}`, `{"extra":null}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok, reason := Strict(json.RawMessage(tt.schema)); ok != tt.strictOK {
				t.Fatalf("Strict(%s) ok = %v (%s), want %v", tt.schema, ok, reason, tt.strictOK)
			}
			args := json.RawMessage(tt.args)
			before := bytes.Clone(args)
			got := DropNullOptionals(json.RawMessage(tt.schema), args)
			if d := jsonDiff(t, got, tt.want); d != "" {
				t.Errorf("DropNullOptionals(%s) mismatch (-got +want):\n%s", tt.args, d)
			}
			if !bytes.Equal(args, before) {
				t.Errorf("DropNullOptionals modified args: %s, want %s", args, before)
			}
		})
	}
}

func TestDropNullOptionalsUnchanged(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}}}`)
	tests := []struct {
		name, args string
	}{
		{"nothing to drop", `{"a":"x"}`},
		{"array", `[{"a":null}]`},
		{"null", `null`},
		{"string", `"{\"a\":null}"`},
		{"invalid", `{"a":null`},
		{"empty", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := json.RawMessage(tt.args)
			got := DropNullOptionals(schema, args)
			if !bytes.Equal(got, args) {
				t.Errorf("DropNullOptionals(%q) = %q, want args unchanged", tt.args, got)
			}
			if len(args) > 0 && &got[0] != &args[0] {
				t.Errorf("DropNullOptionals(%q) returned a copy, want args itself", tt.args)
			}
		})
	}
}

func TestDropNullOptionalsCycles(t *testing.T) {
	// References that only lead to each other describe nothing; the walk
	// must end and drop nothing.
	tests := []struct {
		name, schema string
	}{
		{"self", `{"type":"object","properties":{"a":{"$ref":"#/properties/a"}}}`},
		{"pair", `{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"$ref":"#/$defs/y"},"y":{"allOf":[{"$ref":"#/$defs/x"}]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := `{"a":{"b":null}}`
			got := DropNullOptionals(json.RawMessage(tt.schema), json.RawMessage(args))
			if string(got) != args {
				t.Errorf("DropNullOptionals(%s) = %s, want %s", args, got, args)
			}
		})
	}
}
