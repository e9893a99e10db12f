package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mcpclient/mcpclient/internal/testserver"
)

func TestOutputSchemaValidation(t *testing.T) {
	schema := json.RawMessage(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
		"$defs":{"temp":{"type":"number","minimum":-100}},
		"properties":{"t":{"$ref":"#/$defs/temp"}},"required":["t"],"additionalProperties":false}`)
	tool := func(name, structured string) testserver.Tool {
		return testserver.Tool{Name: name, OutputSchema: schema, Handler: func(ctx context.Context, c *testserver.Call) (*testserver.Result, error) {
			r := &testserver.Result{Content: []json.RawMessage{testserver.Text(structured)}}
			if structured != "" {
				r.StructuredContent = json.RawMessage(structured)
			}
			return r, nil
		}}
	}
	s, _ := inProcess(t, testserver.Options{Tools: []testserver.Tool{
		tool("good", `{"t":21.5}`), tool("bad", `{"t":"warm"}`), tool("extra", `{"t":1,"u":2}`), tool("none", ""),
	}}, nil)
	ctx := testContext(t)
	if _, err := s.ListTools(ctx); err != nil {
		t.Fatal(err)
	}
	tools, _ := s.ListTools(ctx)
	if got := string(tools[0].OutputSchema); !json.Valid([]byte(got)) || len(got) < 50 {
		t.Fatalf("outputSchema not kept as sent: %s", got)
	}
	tests := []struct {
		tool    string
		invalid bool
	}{{"good", false}, {"bad", true}, {"extra", true}, {"none", true}}
	for _, tt := range tests {
		res, err := s.CallTool(ctx, tt.tool, nil, nil)
		var oe *OutputError
		if got := errors.As(err, &oe); got != tt.invalid {
			t.Errorf("CallTool(%s) error = %v, want invalid=%v", tt.tool, err, tt.invalid)
			continue
		}
		if res == nil {
			t.Errorf("CallTool(%s) lost the result", tt.tool)
		}
		if tt.invalid && (!errors.Is(err, ErrInvalidOutput) || oe.Result != res) {
			t.Errorf("CallTool(%s): OutputError = %+v", tt.tool, oe)
		}
	}
}

func TestOutputSchemaRemoteRefRefused(t *testing.T) {
	_, err := compileSchema(json.RawMessage(`{"$ref":"http://127.0.0.1:1/evil.json"}`))
	if err == nil {
		t.Fatal("compileSchema with a remote $ref succeeded; want a refusal, not a fetch")
	}
	if _, err := compileSchema(json.RawMessage(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`)); err != nil {
		t.Errorf("draft-07 schema: %v", err)
	}
}
