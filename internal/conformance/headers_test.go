package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// These tests cover the x-mcp-header rules of 2026-07-28 beyond what the
// suite's http-custom-headers and http-invalid-tool-headers scenarios ask.

func TestToolHeaderAnnotations(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		listed bool
	}{
		{"string", `{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}`, true},
		{"integer and boolean", `{"type":"object","properties":{"n":{"type":"integer","x-mcp-header":"N"},"b":{"type":"boolean","x-mcp-header":"B"}}}`, true},
		{"nullable string", `{"type":"object","properties":{"r":{"type":["string","null"],"x-mcp-header":"R"}}}`, true},
		{"nested properties", `{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string","x-mcp-header":"B"}}}}}`, true},
		{"token punctuation", `{"type":"object","properties":{"r":{"type":"string","x-mcp-header":"Zone.v2_x-y!#$%&'*+^` + "`" + `|~"}}}`, true},
		{"property named x-mcp-header", `{"type":"object","properties":{"x-mcp-header":{"type":"string"}}}`, true},
		{"key inside a default", `{"type":"object","properties":{"o":{"type":"object","default":{"x-mcp-header":"X"}}}}`, true},
		{"no annotation", `{"type":"object","properties":{"q":{"type":"string"}}}`, true},
		{"empty", `{"type":"object","properties":{"v":{"type":"string","x-mcp-header":""}}}`, false},
		{"not a string", `{"type":"object","properties":{"v":{"type":"string","x-mcp-header":5}}}`, false},
		{"space", `{"type":"object","properties":{"v":{"type":"string","x-mcp-header":"My Region"}}}`, false},
		{"colon", `{"type":"object","properties":{"v":{"type":"string","x-mcp-header":"A:B"}}}`, false},
		{"non-ASCII", `{"type":"object","properties":{"v":{"type":"string","x-mcp-header":"Région"}}}`, false},
		{"line feed", `{"type":"object","properties":{"v":{"type":"string","x-mcp-header":"A\nB"}}}`, false},
		{"escaped name", `{"type":"object","properties":{"v":{"type":"string","x\u002dmcp-header":""}}}`, false},
		{"duplicate", `{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"Dup"},"b":{"type":"string","x-mcp-header":"dup"}}}`, false},
		{"number type", `{"type":"object","properties":{"v":{"type":"number","x-mcp-header":"V"}}}`, false},
		{"object type", `{"type":"object","properties":{"v":{"type":"object","x-mcp-header":"V"}}}`, false},
		{"array type", `{"type":"object","properties":{"v":{"type":"array","x-mcp-header":"V"}}}`, false},
		{"null type", `{"type":"object","properties":{"v":{"type":"null","x-mcp-header":"V"}}}`, false},
		{"no type", `{"type":"object","properties":{"v":{"x-mcp-header":"V"}}}`, false},
		{"on the root", `{"type":"object","x-mcp-header":"Root"}`, false},
		{"under items", `{"type":"object","properties":{"l":{"type":"array","items":{"type":"string","x-mcp-header":"L"}}}}`, false},
		{"under anyOf", `{"type":"object","anyOf":[{"properties":{"v":{"type":"string","x-mcp-header":"V"}}}]}`, false},
		{"under $defs", `{"type":"object","$defs":{"d":{"type":"string","x-mcp-header":"D"}},"properties":{"v":{"$ref":"#/$defs/d"}}}`, false},
		{"under then", `{"type":"object","if":{},"then":{"properties":{"v":{"type":"string","x-mcp-header":"V"}}}}`, false},
		{"under additionalProperties", `{"type":"object","additionalProperties":{"type":"string","x-mcp-header":"A"}}`, false},
	}
	var tools []string
	for i, tt := range tests {
		tools = append(tools, `{"name":"t`+string(rune('a'+i))+`","inputSchema":`+tt.schema+`}`)
	}
	m := modernServer(t, "["+strings.Join(tools, ",")+"]")
	s := connect(t, m)
	ctx := testContext(t)
	list, err := s.ListTools(ctx)
	if err != nil {
		t.Fatalf("ListTools = %v", err)
	}
	listed := map[string]bool{}
	for _, tl := range list {
		listed[tl.Name] = true
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "t" + string(rune('a'+i))
			if listed[name] != tt.listed {
				t.Errorf("ListTools lists the tool with schema %s = %v, want %v", tt.schema, listed[name], tt.listed)
			}
			if tt.listed {
				return
			}
			before := len(m.requests("tools/call"))
			if _, err := s.CallTool(ctx, name, nil, nil); err == nil {
				t.Errorf("CallTool(%s) of a rejected tool = nil error, want one", name)
			}
			if after := len(m.requests("tools/call")); after != before {
				t.Errorf("CallTool(%s) of a rejected tool sent %d tools/call, want 0", name, after-before)
			}
		})
	}
}

func TestToolHeaderValues(t *testing.T) {
	const tool = `[{"name":"h","inputSchema":{"type":"object","properties":{
		"region":{"type":"string","x-mcp-header":"Region"},
		"n":{"type":"integer","x-mcp-header":"N"},
		"flag":{"type":"boolean","x-mcp-header":"Flag"},
		"loc":{"type":"object","properties":{"zone":{"type":"string","x-mcp-header":"Zone"}}},
		"plain":{"type":"string"}}}}]`
	tests := []struct {
		name string
		args string
		want http.Header
	}{
		{"plain values", `{"region":"us-west1","n":42,"flag":false,"plain":"x"}`,
			http.Header{"Mcp-Param-Region": {"us-west1"}, "Mcp-Param-N": {"42"}, "Mcp-Param-Flag": {"false"}}},
		{"nested path", `{"loc":{"zone":"b"}}`, http.Header{"Mcp-Param-Zone": {"b"}}},
		{"non-ASCII in Base64", `{"region":"Hello, 世界"}`, http.Header{"Mcp-Param-Region": {"=?base64?SGVsbG8sIOS4lueVjA==?="}}},
		{"leading space in Base64", `{"region":" us"}`, http.Header{"Mcp-Param-Region": {"=?base64?IHVz?="}}},
		{"sentinel shape in Base64", `{"region":"=?base64?x?="}`, http.Header{"Mcp-Param-Region": {"=?base64?PT9iYXNlNjQ/eD89?="}}},
		{"empty string", `{"region":""}`, http.Header{"Mcp-Param-Region": {""}}},
		{"integral float", `{"n":4.2e1}`, http.Header{"Mcp-Param-N": {"42"}}},
		{"negative integer", `{"n":-7}`, http.Header{"Mcp-Param-N": {"-7"}}},
		{"null and missing omitted", `{"region":null,"loc":{}}`, http.Header{}},
		{"wrong shape omitted", `{"region":{"a":1},"loc":"flat"}`, http.Header{}},
	}
	m := modernServer(t, tool)
	s := connect(t, m)
	ctx := testContext(t)
	if _, err := s.ListTools(ctx); err != nil {
		t.Fatalf("ListTools = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.CallTool(ctx, "h", json.RawMessage(tt.args), nil); err != nil {
				t.Fatalf("CallTool(h, %s) = %v", tt.args, err)
			}
			calls := m.requests("tools/call")
			got := paramHeaders(calls[len(calls)-1].Header)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Mcp-Param headers of CallTool(h, %s) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// TestToolHeadersWithoutList checks that a call made before any ListTools
// still carries its headers: the session fetches the schema first.
func TestToolHeadersWithoutList(t *testing.T) {
	m := modernServer(t, `[{"name":"h","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}}]`)
	s := connect(t, m)
	if _, err := s.CallTool(testContext(t), "h", map[string]string{"region": "eu"}, nil); err != nil {
		t.Fatalf("CallTool = %v", err)
	}
	if n := len(m.requests("tools/list")); n != 1 {
		t.Errorf("tools/list requests = %d, want 1", n)
	}
	calls := m.requests("tools/call")
	if len(calls) != 1 {
		t.Fatalf("tools/call requests = %d, want 1", len(calls))
	}
	if got := calls[0].Header.Get("Mcp-Param-Region"); got != "eu" {
		t.Errorf("Mcp-Param-Region = %q, want %q", got, "eu")
	}
}

// paramHeaders keeps the Mcp-Param-* headers of h.
func paramHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		if strings.HasPrefix(k, "Mcp-Param-") {
			out[k] = v
		}
	}
	return out
}
