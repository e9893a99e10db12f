package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestStrict(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty root", `null`,
			`{"type":"object","properties":{},"required":[],"additionalProperties":false}`},
		{"optional becomes nullable", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer","minimum":1}},"required":["b"]}`,
			`{"type":"object","additionalProperties":false,"required":["a","b"],
			"properties":{"a":{"type":["string","null"]},"b":{"type":"integer","minimum":1}}}`},
		{"type array and enum", `{"type":"object","properties":{"k":{"type":["string","integer"],"enum":["x",1]},"n":{"type":["number","null"]}}}`,
			`{"type":"object","additionalProperties":false,"required":["k","n"],
			"properties":{"k":{"type":["string","integer","null"],"enum":["x",1,null]},"n":{"type":["number","null"]}}}`},
		{"const, ref and anyOf wrapped", `{"type":"object","properties":{
				"c":{"type":"string","const":"v"},
				"r":{"$ref":"#/$defs/R"},
				"u":{"anyOf":[{"type":"string"},{"type":"integer"}],"description":"either"}},
			"$defs":{"R":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"]}}}`,
			`{"type":"object","additionalProperties":false,"required":["c","r","u"],
			"properties":{
				"c":{"anyOf":[{"type":"string","const":"v"},{"type":"null"}]},
				"r":{"anyOf":[{"$ref":"#/$defs/R"},{"type":"null"}]},
				"u":{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}],"description":"either"}},
			"$defs":{"R":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"],"additionalProperties":false}}}`},
		{"nested objects and arrays", `{"type":"object","required":["list"],"properties":{"list":{"type":"array","minItems":1,
				"items":{"type":"object","required":["id"],"properties":{"id":{"type":"string","format":"uuid"},"tags":{"type":"array","items":{"type":"string"}}}}}}}`,
			`{"type":"object","additionalProperties":false,"required":["list"],"properties":{"list":{"type":"array","minItems":1,
				"items":{"type":"object","additionalProperties":false,"required":["id","tags"],
					"properties":{"id":{"type":"string","format":"uuid"},"tags":{"type":["array","null"],"items":{"type":"string"}}}}}}}`},
		{"dropped keywords", `{"$schema":"http://json-schema.org/draft-07/schema#","title":"T","type":"object","required":["s"],
				"properties":{"s":{"type":"string","title":"S","default":"d","examples":["e"],"minLength":1,"maxLength":9,"format":"uri","$comment":"c","pattern":"^a"}}}`,
			`{"type":"object","additionalProperties":false,"required":["s"],"properties":{"s":{"type":"string","pattern":"^a"}}}`},
		{"typeless properties get object", `{"type":"object","required":["o"],"properties":{"o":{"properties":{"a":{"type":"string"}},"required":["a"]}}}`,
			`{"type":"object","additionalProperties":false,"required":["o"],
			"properties":{"o":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}}}`},
		{"explicitly empty nested object", `{"type":"object","required":["o"],"properties":{"o":{"type":"object","additionalProperties":false}}}`,
			`{"type":"object","additionalProperties":false,"required":["o"],
			"properties":{"o":{"type":"object","properties":{},"required":[],"additionalProperties":false}}}`},
		{"recursion via ref", `{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}}}`,
			`{"type":"object","additionalProperties":false,"required":["children","name"],
			"properties":{"name":{"type":"string"},"children":{"type":["array","null"],"items":{"$ref":"#"}}}}`},
		{"unused definitions pruned", `{"type":"object","properties":{},"$defs":{"bad":{"oneOf":[{"type":"string"}]}}}`,
			`{"type":"object","properties":{},"required":[],"additionalProperties":false}`},
		{"root ref inlined and pruned", `{"$ref":"#/$defs/Args","$defs":{"Args":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}}`,
			`{"type":"object","additionalProperties":false,"required":["q"],"properties":{"q":{"type":"string"}}}`},
		{"wrapped root", `{"type":"string","enum":["a","b"]}`,
			`{"type":"object","additionalProperties":false,"required":["input"],"properties":{"input":{"type":"string","enum":["a","b"]}}}`},
		{"type-foreign keywords removed", `{"type":"object","required":["s"],"properties":{"s":{"type":"string","items":{"type":"string"},"properties":{"a":{}}}}}`,
			`{"type":"object","additionalProperties":false,"required":["s"],"properties":{"s":{"type":"string"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, reason := Strict(json.RawMessage(tt.in))
			if !ok {
				t.Fatalf("Strict(%s) = _, false, %q, want ok", tt.in, reason)
			}
			if reason != "" {
				t.Errorf("Strict(%s) reason = %q, want empty", tt.in, reason)
			}
			if d := jsonDiff(t, got, tt.want); d != "" {
				t.Errorf("Strict(%s) mismatch (-got +want):\n%s", tt.in, d)
			}
			// Strict output is already strict: converting again must not
			// change it (no double null, no new wrapping).
			again, ok, reason := Strict(got)
			if !ok {
				t.Fatalf("Strict(Strict(%s)) = _, false, %q, want ok", tt.in, reason)
			}
			if d := jsonDiff(t, again, string(got)); d != "" {
				t.Errorf("Strict is not idempotent on %s (-again +once):\n%s", tt.in, d)
			}
		})
	}
}

func TestStrictRefuses(t *testing.T) {
	tooDeep := nestedUnderProperties(maxStrictObjectDepth+1, `{"type":"string"}`)
	var many strings.Builder
	many.WriteString(`{"type":"object","properties":{`)
	for i := range maxStrictProperties + 1 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"p%d":{"type":"string"}`, i)
	}
	many.WriteString(`}}`)

	tests := []struct {
		name, in, reason string
	}{
		{"itemless array", `{"type":"object","required":["texts"],"properties":{"texts":{"type":"array","description":"word list"}}}`,
			"#/properties/texts: array items are unconstrained"},
		{"empty items", `{"type":"object","properties":{"a":{"type":"array","items":{}}}}`,
			"#/properties/a: array items are unconstrained"},
		{"untyped items", `{"type":"object","properties":{"a":{"type":"array","items":{"description":"x"}}}}`,
			"#/properties/a/items: schema without type"},
		{"tuple items", `{"type":"object","properties":{"a":{"type":"array","items":[{"type":"string"}]}}}`,
			"#/properties/a: tuple-form items"},
		{"oneOf", `{"type":"object","properties":{"a":{"oneOf":[{"type":"string"},{"type":"integer"}]}}}`,
			`#/properties/a: keyword "oneOf" is not supported`},
		{"allOf", `{"type":"object","properties":{"a":{"allOf":[{"type":"string"}]}}}`,
			`#/properties/a: keyword "allOf" is not supported`},
		{"patternProperties", `{"type":"object","patternProperties":{"^x":{"type":"string"}}}`,
			`#: keyword "patternProperties" is not supported`},
		{"unsupported keyword", `{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"},"uniqueItems":true}}}`,
			`#/properties/a: keyword "uniqueItems" is not supported`},
		{"additionalProperties true", `{"type":"object","properties":{},"additionalProperties":true}`,
			"#: additionalProperties other than false"},
		{"additionalProperties schema", `{"type":"object","properties":{"m":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"string"}}}}`,
			"#/properties/m: additionalProperties other than false"},
		{"free-form object", `{"type":"object","properties":{"meta":{"type":"object"}}}`,
			"#/properties/meta: free-form object"},
		{"unconstrained leaf", `{"type":"object","properties":{"v":{"description":"anything"}}}`,
			"#/properties/v: schema without type"},
		{"boolean schema", `{"type":"object","properties":{"v":true}}`,
			"#/properties/v: boolean or malformed schema"},
		{"anyOf at root", `{"type":"object","properties":{"a":{"type":"string"}},"anyOf":[{"type":"object"}]}`,
			"#: anyOf at the root"},
		{"remote ref", `{"type":"object","properties":{"a":{"$ref":"https://example.com/a.json"}}}`,
			`#/properties/a: $ref "https://example.com/a.json" is not a local JSON pointer`},
		{"dangling ref", `{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}`,
			`#/properties/a: $ref "#/$defs/missing" does not resolve`},
		{"bad def", `{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":"array"}}}`,
			"#/$defs/A: array items are unconstrained"},
		{"too deep", tooDeep, "objects nested more than 10 levels deep"},
		{"too many properties", many.String(), "#: more than 100 properties in total"},
		{"items needs type", `{"type":"object","properties":{"a":{"anyOf":[{"type":"string"}],"items":{"type":"string"}}}}`,
			`#/properties/a: keyword "items" needs an explicit type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok, reason := Strict(json.RawMessage(tt.in))
			if ok || out != nil {
				t.Fatalf("Strict(%s) = %s, %v, want nil, false", tt.in, out, ok)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("Strict(%s) reason = %q, want it to contain %q", tt.in, reason, tt.reason)
			}
		})
	}
}

func TestStrictLimitsAreInclusive(t *testing.T) {
	// Exactly at the limits is still accepted.
	deepest := nestedUnderProperties(maxStrictObjectDepth, `{"type":"string"}`)
	if _, ok, reason := Strict(json.RawMessage(deepest)); !ok {
		t.Errorf("Strict(%d nested objects) = _, false, %q, want ok", maxStrictObjectDepth, reason)
	}
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range maxStrictProperties {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"p%d":{"type":"string"}`, i)
	}
	b.WriteString(`}}`)
	if _, ok, reason := Strict(json.RawMessage(b.String())); !ok {
		t.Errorf("Strict(%d properties) = _, false, %q, want ok", maxStrictProperties, reason)
	}
}
