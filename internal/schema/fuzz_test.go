package schema

import (
	"encoding/json"
	"testing"
)

// fuzzSeeds are schemas from the other tests, covering every rule.
var fuzzSeeds = []string{
	``, `null`, `{}`, `[]`, `true`, `{"type":"string"}`, `{"type":7}`,
	`{"type":"object","properties":{},"required":null}`,
	`{"type":"object","properties":{"a":{"type":"array"},"b":{"anyOf":[{"type":"array"},null]}},"$defs":{"d":{"type":["array","null"]}}}`,
	`{"type":"array","items":{"$ref":"#"},"$defs":{"x":{"$ref":"#/$defs/x"}}}`,
	`{"type":"object","properties":{"v":{"oneOf":[{"type":"string"},{"type":"object","properties":{"z":{}}}]}},"allOf":[{"required":[1,"v"]}]}`,
	`{"type":"object","properties":{"c":{"type":"string","const":"v","enum":["v"]},"r":{"$ref":"#/properties/c"}}}`,
}

func FuzzRepair(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(itemlessTools))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := Repair(raw)
		v, err := decode(out)
		if err != nil {
			t.Fatalf("Repair(%q) = %q, not valid JSON: %v", raw, out, err)
		}
		m, ok := v.(map[string]any)
		if !ok || m["type"] != "object" {
			t.Fatalf("Repair(%q) = %q, want an object with \"type\":\"object\"", raw, out)
		}
		if again := Repair(out); jsonDiff(t, again, string(out)) != "" {
			t.Fatalf("Repair is not idempotent: Repair(%q) = %q, Repair of that = %q", raw, out, again)
		}

		strict, ok, reason := Strict(raw)
		switch {
		case ok && (reason != "" || !json.Valid(strict)):
			t.Fatalf("Strict(%q) = %q, true, %q: want valid JSON and no reason", raw, strict, reason)
		case !ok && (strict != nil || reason == ""):
			t.Fatalf("Strict(%q) = %q, false, %q: want nil and a reason", raw, strict, reason)
		case ok:
			again, ok, reason := Strict(strict)
			if !ok || jsonDiff(t, again, string(strict)) != "" {
				t.Fatalf("Strict is not idempotent: Strict(%q) = %q, Strict of that = %q, %v, %q", raw, strict, again, ok, reason)
			}
		}
	})
}

func FuzzDropNullOptionals(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), []byte(`{"a":null,"v":{"z":null},"c":null}`))
	}
	f.Fuzz(func(t *testing.T, raw, args []byte) {
		got := DropNullOptionals(raw, args)
		if json.Valid(args) && !json.Valid(got) {
			t.Fatalf("DropNullOptionals(%q, %q) = %q, not valid JSON", raw, args, got)
		}
	})
}
