package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The brief's first case: arrays without items at the top level, inside
// items and inside anyOf.
const itemlessTools = `{"tools":[
 {"name":"add_words","description":"Add words to a list",
  "inputSchema":{"type":"object","required":["texts"],
   "properties":{"texts":{"type":"array","description":"word list"}}}},
 {"name":"update_product","description":"Update product metadata",
  "inputSchema":{"type":"object",
   "properties":{"meta_data":{"type":"array","items":{"type":"object",
      "properties":{"key":{"type":"string"},
                    "value":{"type":["string","array","null"]}}}},
    "tags":{"anyOf":[{"type":"array"},{"type":"string"}]}}}}
]}`

// The brief's second case: null, missing and malformed object parts.
const degenerateTools = `{"tools":[
 {"name":"list_sessions","inputSchema":{"type":"object","properties":{},"required":null}},
 {"name":"ping_backend","inputSchema":{"type":"object"}},
 {"name":"legacy_status","inputSchema":null},
 {"name":"get_item","inputSchema":{"properties":{"id":{"type":"string"}},"required":["id"]}}
]}`

func TestRepairToolLists(t *testing.T) {
	tests := []struct {
		list string
		want map[string]string
	}{
		{itemlessTools, map[string]string{
			"add_words": `{"type":"object","required":["texts"],
				"properties":{"texts":{"type":"array","description":"word list","items":{}}}}`,
			"update_product": `{"type":"object",
				"properties":{"meta_data":{"type":"array","items":{"type":"object",
					"properties":{"key":{"type":"string"},
						"value":{"type":["string","array","null"],"items":{}}}}},
				"tags":{"anyOf":[{"type":"array","items":{}},{"type":"string"}]}}}`,
		}},
		{degenerateTools, map[string]string{
			"list_sessions": `{"type":"object","properties":{}}`,
			"ping_backend":  `{"type":"object","properties":{}}`,
			"legacy_status": `{"type":"object","properties":{}}`,
			"get_item":      `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`,
		}},
	}
	for _, tt := range tests {
		for _, tool := range parseTools(t, tt.list).Tools {
			t.Run(tool.Name, func(t *testing.T) {
				want, ok := tt.want[tool.Name]
				if !ok {
					t.Fatalf("no expectation for tool %q", tool.Name)
				}
				got := Repair(tool.InputSchema)
				if d := jsonDiff(t, got, want); d != "" {
					t.Errorf("Repair(%s) mismatch (-got +want):\n%s", tool.InputSchema, d)
				}
				if bytes.Contains(got, []byte(`"required":null`)) {
					t.Errorf("Repair(%s) = %s, want no \"required\":null", tool.InputSchema, got)
				}
			})
		}
	}
}

func TestRepairEveryDepth(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"$defs", `{"type":"object","properties":{"a":{"$ref":"#/$defs/list"}},"$defs":{"list":{"type":"array"}}}`,
			`{"type":"object","properties":{"a":{"$ref":"#/$defs/list"}},"$defs":{"list":{"type":"array","items":{}}}}`},
		{"definitions", `{"type":"object","properties":{},"definitions":{"list":{"type":"array"}}}`,
			`{"type":"object","properties":{},"definitions":{"list":{"type":"array","items":{}}}}`},
		{"items.items", `{"type":"object","properties":{"m":{"type":"array","items":{"type":"array","items":{"type":"array"}}}}}`,
			`{"type":"object","properties":{"m":{"type":"array","items":{"type":"array","items":{"type":"array","items":{}}}}}}`},
		{"anyOf in properties", `{"type":"object","properties":{"p":{"anyOf":[{"type":"null"},{"type":["array","null"]}]}}}`,
			`{"type":"object","properties":{"p":{"anyOf":[{"type":"null"},{"type":["array","null"],"items":{}}]}}}`},
		{"additionalProperties", `{"type":"object","properties":{},"additionalProperties":{"type":"array"}}`,
			`{"type":"object","properties":{},"additionalProperties":{"type":"array","items":{}}}`},
		{"patternProperties", `{"type":"object","patternProperties":{"^x":{"type":"array"}}}`,
			`{"type":"object","properties":{},"patternProperties":{"^x":{"type":"array","items":{}}}}`},
		{"tuple items", `{"type":"object","properties":{"t":{"type":"array","items":[{"type":"array"}]}}}`,
			`{"type":"object","properties":{"t":{"type":"array","items":[{"type":"array","items":{}}]}}}`},
		{"prefixItems", `{"type":"object","properties":{"t":{"type":"array","prefixItems":[{"type":"array"}]}}}`,
			`{"type":"object","properties":{"t":{"type":"array","items":{},"prefixItems":[{"type":"array","items":{}}]}}}`},
		{"oneOf allOf not", `{"type":"object","properties":{},"oneOf":[{"type":"array"}],"allOf":[{"type":"array"}],"not":{"type":"array"}}`,
			`{"type":"object","properties":{},"oneOf":[{"type":"array","items":{}}],"allOf":[{"type":"array","items":{}}],"not":{"type":"array","items":{}}}`},
		{"if then else", `{"type":"object","properties":{},"if":{"type":"array"},"then":{"type":"array"},"else":{"type":"array"}}`,
			`{"type":"object","properties":{},"if":{"type":"array","items":{}},"then":{"type":"array","items":{}},"else":{"type":"array","items":{}}}`},
		{"dependentSchemas contains", `{"type":"object","properties":{},"dependentSchemas":{"a":{"type":"array"}},"contains":{"type":"array"}}`,
			`{"type":"object","properties":{},"dependentSchemas":{"a":{"type":"array","items":{}}},"contains":{"type":"array","items":{}}}`},
		{"required fixed deep", `{"type":"object","properties":{"o":{"type":"object","properties":{"x":{}},"required":[1,"x",null]},"n":{"type":"object","required":"x"}}}`,
			`{"type":"object","properties":{"o":{"type":"object","properties":{"x":{}},"required":["x"]},"n":{"type":"object"}}}`},
		{"null properties deep", `{"type":"object","properties":{"o":{"type":"object","properties":null}}}`,
			`{"type":"object","properties":{"o":{"type":"object","properties":{}}}}`},
		{"null subschemas", `{"type":"object","properties":{"a":null,"b":{"type":"array","items":null},"c":{"anyOf":[null,{"type":"string"}]},"d":{"not":null}}}`,
			`{"type":"object","properties":{"a":{},"b":{"type":"array","items":{}},"c":{"anyOf":[{},{"type":"string"}]},"d":{}}}`},
		{"property named like keywords", `{"type":"object","properties":{"required":{"type":"array"},"items":{"type":"string"}}}`,
			`{"type":"object","properties":{"required":{"type":"array","items":{}},"items":{"type":"string"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Repair(json.RawMessage(tt.in))
			if d := jsonDiff(t, got, tt.want); d != "" {
				t.Errorf("Repair(%s) mismatch (-got +want):\n%s", tt.in, d)
			}
		})
	}
}

func TestRepairRoot(t *testing.T) {
	const empty = `{"type":"object","properties":{}}`
	tests := []struct {
		name, in, want string
		wrapped        bool
	}{
		{"nil", "", empty, false},
		{"whitespace", " \n", empty, false},
		{"null", "null", empty, false},
		{"invalid", `{"type":`, empty, false},
		{"trailing data", `{"type":"object"} {}`, empty, false},
		{"array", `[{"type":"object"}]`, empty, false},
		{"boolean", `true`, empty, false},
		{"string", `"object"`, empty, false},
		{"empty object", `{}`, empty, false},
		{"invalid type", `{"type":7,"properties":{"a":{}}}`, `{"type":"object","properties":{"a":{}}}`, false},
		{"unknown type name", `{"type":"dict"}`, empty, false},
		{"nullable object", `{"type":["object","null"],"properties":{"a":{}}}`, `{"type":"object","properties":{"a":{}}}`, false},
		{"no type with anyOf", `{"anyOf":[{"required":["a"]}]}`, `{"type":"object","properties":{},"anyOf":[{"required":["a"]}]}`, false},
		{"string root", `{"type":"string","description":"a name"}`,
			`{"type":"object","properties":{"input":{"type":"string","description":"a name"}},"required":["input"]}`, true},
		{"array root", `{"type":"array"}`,
			`{"type":"object","properties":{"input":{"type":"array","items":{}}},"required":["input"]}`, true},
		{"root ref inlined", `{"$ref":"#/$defs/Args","description":"tool args","$defs":{"Args":{"type":"object","description":"inner",
			"properties":{"a":{"type":"array"},"next":{"$ref":"#/$defs/Args"}},"required":["a"]}}}`,
			`{"type":"object","description":"tool args","properties":{"a":{"type":"array","items":{}},"next":{"$ref":"#/$defs/Args"}},"required":["a"],
			"$defs":{"Args":{"type":"object","description":"inner","properties":{"a":{"type":"array","items":{}},"next":{"$ref":"#/$defs/Args"}},"required":["a"]}}}`, false},
		{"root ref to non-object wrapped", `{"$ref":"#/definitions/S","definitions":{"S":{"type":"string"}}}`,
			`{"type":"object","properties":{"input":{"type":"string"}},"required":["input"],"definitions":{"S":{"type":"string"}}}`, true},
		{"root ref with siblings kept", `{"$ref":"#/$defs/A","properties":{"b":{}},"$defs":{"A":{"type":"string"}}}`,
			`{"type":"object","$ref":"#/$defs/A","properties":{"b":{}},"$defs":{"A":{"type":"string"}}}`, false},
		{"root ref elsewhere kept", `{"$ref":"#/$defs/A/properties/x","$defs":{"A":{"properties":{"x":{"type":"object"}}}}}`,
			`{"type":"object","properties":{},"$ref":"#/$defs/A/properties/x","$defs":{"A":{"properties":{"x":{"type":"object"}}}}}`, false},
		{"wrapped refs", `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array",
			"items":{"anyOf":[{"$ref":"#/$defs/leaf"},{"$ref":"#"},{"$ref":"#/items/anyOf/0"},{"$ref":"https://example.com/s"}]},
			"$defs":{"leaf":{"type":"string"},"self":{"$ref":"#"}}}`,
			`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":["input"],
			"properties":{"input":{"type":"array","items":{"anyOf":[{"$ref":"#/$defs/leaf"},{"$ref":"#/properties/input"},
				{"$ref":"#/properties/input/items/anyOf/0"},{"$ref":"https://example.com/s"}]}}},
			"$defs":{"leaf":{"type":"string"},"self":{"$ref":"#/properties/input"}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Repair(json.RawMessage(tt.in))
			if d := jsonDiff(t, got, tt.want); d != "" {
				t.Errorf("Repair(%q) mismatch (-got +want):\n%s", tt.in, d)
			}
			if w := WrappedInput(json.RawMessage(tt.in)); w != tt.wrapped {
				t.Errorf("WrappedInput(%q) = %v, want %v", tt.in, w, tt.wrapped)
			}
		})
	}
}

func TestRepairKeepsEverythingElse(t *testing.T) {
	// Numbers beyond float64 precision and range, HTML-like text, $ref,
	// $defs, $schema, enums, defaults and unknown keywords must survive
	// byte for byte where Repair has nothing to fix.
	in := `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",` +
		`"properties":{"n":{"type":"number","minimum":0.1000000000000000055511151231257827,"maximum":1e400,"default":12345678901234567890},` +
		`"s":{"type":"string","pattern":"^<a&b>$","description":"x < y & z","enum":["a","b"],"x-custom":{"k":[1,2]}},` +
		`"r":{"$ref":"#/definitions/r"}},"definitions":{"r":{"type":"integer"}},"required":["n"]}`
	got := Repair(json.RawMessage(in))
	if d := jsonDiff(t, got, in); d != "" {
		t.Errorf("Repair changed a schema that needs no repair (-got +want):\n%s", d)
	}
	for _, literal := range []string{`0.1000000000000000055511151231257827`, `1e400`, `12345678901234567890`, `"^<a&b>$"`, `"x < y & z"`} {
		if !bytes.Contains(got, []byte(literal)) {
			t.Errorf("Repair(...) = %s, want it to contain %s verbatim", got, literal)
		}
	}
}

// nestedUnderProperties puts leaf depth levels below the root, each level a
// "properties" step.
func nestedUnderProperties(depth int, leaf string) string {
	return strings.Repeat(`{"type":"object","properties":{"p":`, depth) + leaf + strings.Repeat(`}}`, depth)
}

func TestRepairDepthBound(t *testing.T) {
	tests := []struct {
		depth     int
		wantItems bool
	}{
		{1, true},
		{maxRepairDepth, true},
		{maxRepairDepth + 1, false},
		{maxRepairDepth + 10, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("depth %d", tt.depth), func(t *testing.T) {
			in := nestedUnderProperties(tt.depth, `{"type":"array"}`)
			got := Repair(json.RawMessage(in))
			var want string
			if tt.wantItems {
				want = nestedUnderProperties(tt.depth, `{"type":"array","items":{}}`)
			} else {
				want = in
			}
			if d := jsonDiff(t, got, want); d != "" {
				t.Errorf("Repair(array at depth %d) mismatch (-got +want):\n%s", tt.depth, d)
			}
		})
	}
}

func TestFunctionsDoNotModifyInput(t *testing.T) {
	calls := []struct {
		name string
		call func(raw json.RawMessage) json.RawMessage
	}{
		{"Repair", Repair},
		{"Strict", func(raw json.RawMessage) json.RawMessage { out, _, _ := Strict(raw); return out }},
		{"DropNullOptionals", func(raw json.RawMessage) json.RawMessage {
			return DropNullOptionals(raw, json.RawMessage(`{"texts":null}`))
		}},
	}
	tools := append(parseTools(t, itemlessTools).Tools, parseTools(t, degenerateTools).Tools...)
	for _, c := range calls {
		for _, tool := range tools {
			t.Run(c.name+"/"+tool.Name, func(t *testing.T) {
				raw := bytes.Clone(tool.InputSchema)
				out := c.call(raw)
				if !bytes.Equal(raw, tool.InputSchema) {
					t.Errorf("%s modified its input: %s, want %s", c.name, raw, tool.InputSchema)
				}
				if len(raw) > 0 && len(out) > 0 && &out[0] == &raw[0] {
					t.Errorf("%s(%s) returned its input slice, want a fresh one", c.name, raw)
				}
			})
		}
	}
}
