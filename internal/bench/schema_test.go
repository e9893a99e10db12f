package bench

import (
	"encoding/json"
	"strings"
	"testing"
)

const weatherSchema = `{"type":"object","properties":{
	"city":{"type":"string"},
	"unit":{"type":"string","enum":["celsius","fahrenheit"]},
	"days":{"type":"integer"},
	"tags":{"type":"array","items":{"type":"string"}},
	"where":{"type":"object","properties":{"lat":{"type":"number"}},"required":["lat"],"additionalProperties":false},
	"note":{"type":["string","null"]},
	"level":{"enum":[1,2,3]}
},"required":["city"]}`

func TestSchemaValidate(t *testing.T) {
	tests := []struct {
		name, schema, doc string
		wantErr           string // "" for valid
	}{
		{"valid minimal", weatherSchema, `{"city":"Oslo"}`, ""},
		{"valid full", weatherSchema, `{"city":"Oslo","unit":"celsius","days":3,"tags":["a","b"],"where":{"lat":59.9},"note":null,"level":2}`, ""},
		{"integer written 2.0", weatherSchema, `{"city":"Oslo","days":2.0}`, ""},
		{"enum number 2.0 equals 2", weatherSchema, `{"city":"Oslo","level":2.0}`, ""},
		{"unknown property allowed", weatherSchema, `{"city":"Oslo","extra":true}`, ""},
		{"missing required", weatherSchema, `{"unit":"celsius"}`, `missing required property "city"`},
		{"wrong type", weatherSchema, `{"city":42}`, `/city: want string, got number`},
		{"not in enum", weatherSchema, `{"city":"Oslo","unit":"kelvin"}`, `/unit: "kelvin" is not one of the allowed values`},
		{"fraction for integer", weatherSchema, `{"city":"Oslo","days":2.5}`, `/days: want integer, got number`},
		{"bad item", weatherSchema, `{"city":"Oslo","tags":["a",3]}`, `/tags/1: want string, got number`},
		{"nested required", weatherSchema, `{"city":"Oslo","where":{}}`, `/where: missing required property "lat"`},
		{"no additional properties", weatherSchema, `{"city":"Oslo","where":{"lat":1,"lon":2}}`, `/where/lon: no value is allowed here`},
		{"type list", weatherSchema, `{"city":"Oslo","note":5}`, `/note: want string or null, got number`},
		{"enum without type", weatherSchema, `{"city":"Oslo","level":4}`, `/level: 4 is not one of the allowed values`},
		{"not an object", weatherSchema, `["Oslo"]`, `the arguments: want object, got array`},
		{"invalid JSON", weatherSchema, `{"city":`, `not valid JSON`},
		{"trailing data", weatherSchema, `{"city":"Oslo"} {}`, `data after the JSON value`},
		{"empty schema accepts", ``, `{"anything":[1,2]}`, ""},
		{"true schema accepts", `true`, `[]`, ""},
		{"false schema refuses", `false`, `{}`, `no value is allowed here`},
		{"unknown keywords ignored", `{"type":"object","anyOf":[{"required":["x"]}]}`, `{}`, ""},
		{"unknown type name ignored", `{"type":"decimal"}`, `"x"`, ""},
		{"boolean", `{"type":"boolean"}`, `1`, `want boolean, got number`},
		{"tuple items unchecked", `{"type":"array","items":[{"type":"string"}]}`, `[1]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := CompileSchema(json.RawMessage(tt.schema))
			if err != nil {
				t.Fatalf("CompileSchema(%s) = %v", tt.schema, err)
			}
			err = s.ValidateJSON([]byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateJSON(%s) = %v, want nil", tt.doc, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ValidateJSON(%s) = %v, want an error containing %q", tt.doc, err, tt.wantErr)
			case err != nil && !strings.HasPrefix(err.Error(), "mcpclient: validate arguments: "):
				t.Errorf("ValidateJSON(%s) = %q, want the mcpclient: prefix", tt.doc, err)
			}
		})
	}
}

func TestCompileSchemaErrors(t *testing.T) {
	tests := []struct{ name, schema string }{
		{"not an object", `"string"`},
		{"type not a string", `{"type":5}`},
		{"enum not a list", `{"enum":"a"}`},
		{"bad nested property", `{"properties":{"a":[]}}`},
		{"bad items", `{"items":5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CompileSchema(json.RawMessage(tt.schema)); err == nil || !strings.HasPrefix(err.Error(), "mcpclient: compile schema: ") {
				t.Errorf("CompileSchema(%s) = %v, want an mcpclient: compile schema error", tt.schema, err)
			}
		})
	}
}

func TestToolSetCheck(t *testing.T) {
	var ts ToolSet
	if err := ts.Add("get_weather", json.RawMessage(weatherSchema)); err != nil {
		t.Fatal(err)
	}
	if err := ts.Add("ping", nil); err != nil {
		t.Fatal(err)
	}
	if err := ts.Add("broken", json.RawMessage(`{"type":7}`)); err == nil {
		t.Error("Add(broken schema) = nil, want an error")
	}
	tests := []struct {
		name, tool, args string
		wantErr          string
	}{
		{"valid", "get_weather", `{"city":"Oslo"}`, ""},
		{"no arguments for a tool without parameters", "ping", ``, ""},
		{"not offered", "get_wether", `{"city":"Oslo"}`, `"get_wether", which was not offered`},
		{"arguments not an object", "ping", `"x"`, `not a JSON object`},
		{"empty arguments miss required", "get_weather", ``, `missing required property "city"`},
		{"schema failure", "get_weather", `{"city":1}`, `/city: want string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ts.Check(tt.tool, tt.args)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check(%s, %s) = %v, want nil", tt.tool, tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check(%s, %s) = %v, want an error containing %q", tt.tool, tt.args, err, tt.wantErr)
			}
		})
	}
	if ts.Len() != 2 {
		t.Errorf("Len() = %d, want 2", ts.Len())
	}
}
