package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

type weatherIn struct {
	City  string  `json:"city" description:"City name"`
	Units *string `json:"units,omitempty"`
	Days  int     `json:"days,omitempty"`
}

type weatherOut struct {
	City string `json:"city"`
	Temp int    `json:"temp"`
}

func TestNewToolSchema(t *testing.T) {
	tool, err := NewTool("weather", "Weather for a city.", func(_ context.Context, in weatherIn) (weatherOut, error) {
		return weatherOut{City: in.City}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(tool.InputSchema, &s); err != nil {
		t.Fatalf("InputSchema %s: %v", tool.InputSchema, err)
	}
	if s.Type != "object" || len(s.Properties) != 3 || !cmp.Equal(s.Required, []string{"city"}) {
		t.Errorf("InputSchema = %s, want an object of city, units, days with only city required", tool.InputSchema)
	}
	if !strings.Contains(string(s.Properties["city"]), "City name") {
		t.Errorf("city schema = %s, want the description tag", s.Properties["city"])
	}
	if tool.Name != "weather" || tool.Description != "Weather for a city." {
		t.Errorf("NewTool name, description = %q, %q", tool.Name, tool.Description)
	}
}

func TestNewToolHandler(t *testing.T) {
	type empty struct{}
	structured := func(_ context.Context, in weatherIn) (weatherOut, error) {
		if in.City == "Atlantis" {
			return weatherOut{}, errors.New("no such city")
		}
		return weatherOut{City: in.City, Temp: 4 + in.Days}, nil
	}
	tests := []struct {
		name       string
		tool       func() (*LocalTool, error)
		args       string
		wantText   string
		wantStruct string
		isError    bool
		wantErr    string // a Go error from the handler
	}{
		{name: "struct result", tool: func() (*LocalTool, error) { return NewTool("w", "", structured) },
			args: `{"city":"Oslo","days":1}`, wantText: `{"city":"Oslo","temp":5}`, wantStruct: `{"city":"Oslo","temp":5}`},
		{name: "fn error is a tool error", tool: func() (*LocalTool, error) { return NewTool("w", "", structured) },
			args: `{"city":"Atlantis"}`, wantText: "no such city", isError: true},
		{name: "unknown field", tool: func() (*LocalTool, error) { return NewTool("w", "", structured) },
			args: `{"city":"Oslo","country":"NO"}`, wantErr: `unknown field "country"`},
		{name: "wrong type", tool: func() (*LocalTool, error) { return NewTool("w", "", structured) },
			args: `{"city":7}`, wantErr: "invalid arguments"},
		{name: "trailing data", tool: func() (*LocalTool, error) { return NewTool("w", "", structured) },
			args: `{"city":"Oslo"} {}`, wantErr: "unexpected data"},
		{name: "empty arguments", tool: func() (*LocalTool, error) {
			return NewTool("e", "", func(context.Context, empty) (string, error) { return "fine", nil })
		}, args: ``, wantText: "fine"},
		{name: "string result", tool: func() (*LocalTool, error) {
			return NewTool("s", "", func(_ context.Context, in weatherIn) (string, error) { return "hi " + in.City, nil })
		}, args: `{"city":"Bergen"}`, wantText: "hi Bergen"},
		{name: "result as is", tool: func() (*LocalTool, error) {
			return NewTool("r", "", func(context.Context, empty) (*CallToolResult, error) {
				return &CallToolResult{Content: []Content{{Type: "text", Text: "raw"}}, IsError: true}, nil
			})
		}, args: `{}`, wantText: "raw", isError: true},
		{name: "nil result", tool: func() (*LocalTool, error) {
			return NewTool("n", "", func(context.Context, empty) (*CallToolResult, error) { return nil, nil })
		}, args: `{}`},
		{name: "array result has no structured content", tool: func() (*LocalTool, error) {
			return NewTool("a", "", func(context.Context, empty) ([]int, error) { return []int{1, 2}, nil })
		}, args: `{}`, wantText: "[1,2]"},
		{name: "map input allows any field", tool: func() (*LocalTool, error) {
			return NewTool("m", "", func(_ context.Context, in map[string]int) (int, error) { return in["a"] + in["b"], nil })
		}, args: `{"a":1,"b":2}`, wantText: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, err := tt.tool()
			if err != nil {
				t.Fatal(err)
			}
			res, err := tool.Handler(context.Background(), json.RawMessage(tt.args))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Handler(%s) error = %v, want one containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Handler(%s): %v", tt.args, err)
			}
			if res.Text() != tt.wantText || res.IsError != tt.isError || string(res.StructuredContent) != tt.wantStruct {
				t.Errorf("Handler(%s) = %q (isError %v, structured %s), want %q (isError %v, structured %s)",
					tt.args, res.Text(), res.IsError, res.StructuredContent, tt.wantText, tt.isError, tt.wantStruct)
			}
		})
	}
}

func TestNewToolErrors(t *testing.T) {
	ok := func(context.Context, struct{}) (string, error) { return "", nil }
	tests := []struct {
		name string
		make func() (*LocalTool, error)
	}{
		{"empty name", func() (*LocalTool, error) { return NewTool("", "", ok) }},
		{"nil function", func() (*LocalTool, error) {
			return NewTool[struct{}, string]("t", "", nil)
		}},
		{"unsupported input", func() (*LocalTool, error) {
			return NewTool("t", "", func(context.Context, struct{ C chan int }) (string, error) { return "", nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, err := tt.make()
			if err == nil || tool != nil || !strings.HasPrefix(err.Error(), "mcpclient: new tool") {
				t.Errorf("NewTool(%s) = %v, %v; want nil and an mcpclient: new tool error", tt.name, tool, err)
			}
		})
	}
}

func TestAddToolRejectsIncomplete(t *testing.T) {
	c, err := NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tool := range []*LocalTool{nil, {Name: "x"}, {Handler: func(context.Context, json.RawMessage) (*CallToolResult, error) { return nil, nil }}} {
		if err := c.AddTool(tool); err == nil {
			t.Errorf("AddTool(%+v) = nil, want an error", tool)
		}
	}
}

// A tool whose input is not an object is offered wrapped as {"input": ...},
// the only form endpoints accept; the tool gets the inner value back.
func TestLocalToolWrappedInput(t *testing.T) {
	shout, err := NewTool("shout", "Upper-case a text.", func(_ context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		callStep(call("c1", "shout", `{"input":"hello"}`), call("c2", "shout", `{}`)),
		answerStep("done"),
	}})
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			if strict {
				fm, base = startModel(t, fakemodel.Options{Script: []fakemodel.Step{
					callStep(call("c1", "shout", `{"input":"hello"}`), call("c2", "shout", `{}`)),
					answerStep("done"),
				}})
			}
			c := newClient(t, base, Options{StrictSchemas: strict})
			if err := c.AddTool(shout); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Ask(testContext(t), "shout hello"); err != nil {
				t.Fatal(err)
			}
			reqs := requests(t, fm, 2)
			var params struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			json.Unmarshal(reqs[0].Tools[0].Function.Parameters, &params)
			if _, ok := params.Properties["input"]; !ok {
				t.Errorf("parameters = %s, want the string wrapped under input", reqs[0].Tools[0].Function.Parameters)
			}
			tools := toolMessages(reqs[1])
			if tools[0].Content != "HELLO" {
				t.Errorf("c1 tool message = %q, want HELLO", tools[0].Content)
			}
			if !strings.Contains(tools[1].Content, `"input"`) {
				t.Errorf("c2 tool message = %q, want it to name the missing input", tools[1].Content)
			}
		})
	}
}
