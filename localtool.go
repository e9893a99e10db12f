package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/mcpclient/mcpclient/internal/schema"
)

// LocalTool is a tool implemented by a Go function in this process. It sits
// in the same registry as the tools of MCP servers and is offered to the model
// the same way.
type LocalTool struct {
	Name        string
	Description string
	// InputSchema is the JSON Schema of the arguments object.
	InputSchema json.RawMessage
	Annotations *ToolAnnotations
	// Handler runs the tool. An error it returns is shown to the model as a
	// failed tool call; so is a result with IsError set.
	Handler func(ctx context.Context, args json.RawMessage) (*CallToolResult, error)
}

// NewTool makes a LocalTool from a typed function. The input schema is
// derived from In, which should be a struct: exported fields, named by their
// json tags, required unless omitempty or a pointer, described by a
// `description:"..."` tag. The model's arguments are decoded into In; an
// argument the struct does not know is an error the model is told about.
//
// Out is shown to the model as text: a string as is, a *CallToolResult
// unchanged, anything else as JSON (also sent as structured content). An
// error from fn becomes a tool result with IsError set.
func NewTool[In, Out any](name, description string, fn func(ctx context.Context, in In) (Out, error)) (*LocalTool, error) {
	if fn == nil {
		return nil, fmt.Errorf("mcpclient: new tool %q: nil function", name)
	}
	if name == "" {
		return nil, errors.New("mcpclient: new tool: empty name")
	}
	s, err := schema.For(reflect.TypeFor[In]())
	if err != nil {
		return nil, fmt.Errorf("mcpclient: new tool %q: %w", name, err)
	}
	handler := func(ctx context.Context, args json.RawMessage) (*CallToolResult, error) {
		var in In
		if err := decodeStrict(args, &in); err != nil {
			return nil, fmt.Errorf("invalid arguments: %w", err)
		}
		out, err := fn(ctx, in)
		if err != nil {
			return &CallToolResult{Content: []Content{{Type: "text", Text: err.Error()}}, IsError: true}, nil
		}
		return toResult(out)
	}
	return &LocalTool{Name: name, Description: description, InputSchema: s, Handler: handler}, nil
}

// decodeStrict decodes a JSON object into v, refusing unknown fields when v
// is a struct, so a model's misspelt argument is reported rather than lost.
func decodeStrict(args json.RawMessage, v any) error {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	if t := reflect.TypeOf(v).Elem(); t.Kind() == reflect.Struct {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the arguments object")
	}
	return nil
}

func toResult(out any) (*CallToolResult, error) {
	switch o := out.(type) {
	case *CallToolResult:
		if o == nil {
			return &CallToolResult{}, nil
		}
		return o, nil
	case string:
		return &CallToolResult{Content: []Content{{Type: "text", Text: o}}}, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	res := &CallToolResult{Content: []Content{{Type: "text", Text: string(b)}}}
	if len(b) > 0 && b[0] == '{' {
		res.StructuredContent = b
	}
	return res, nil
}
