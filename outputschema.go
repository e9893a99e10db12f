package mcpclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrInvalidOutput is matched by every [*OutputError].
var ErrInvalidOutput = errors.New("mcpclient: structured tool output does not match the output schema")

// OutputError reports a tool result whose structured content does not
// match the tool's outputSchema. The result is kept whole in Result, so
// nothing the server sent is lost.
type OutputError struct {
	Tool   string
	Result *CallToolResult
	Err    error
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("mcpclient: tool %s: structured output does not match its output schema: %v", e.Tool, e.Err)
}

func (e *OutputError) Unwrap() []error { return []error{ErrInvalidOutput, e.Err} }

// outputSchemas holds compiled output schemas of one tool list. Schemas are
// compiled on first use and kept until the list changes.
type outputSchemas struct {
	mu       sync.Mutex
	gen      uint64
	compiled map[string]*jsonschema.Schema
	failed   map[string]error
}

// validateOutput checks res against the output schema of tool, when the
// session knows the tool list. The server's schema is used as sent,
// $ref and all; references outside the schema are refused rather than
// fetched.
func (s *Session) validateOutput(tool string, res *CallToolResult) error {
	tools, gen, ok := s.tools.get()
	if !ok || res.IsError {
		return nil
	}
	var schemaRaw json.RawMessage
	for _, t := range tools {
		if t.Name == tool {
			schemaRaw = t.OutputSchema
			break
		}
	}
	if len(bytes.TrimSpace(schemaRaw)) == 0 || string(schemaRaw) == "null" {
		return nil
	}
	if len(res.StructuredContent) == 0 {
		return &OutputError{Tool: tool, Result: res, Err: errors.New("the tool declares an output schema but sent no structuredContent")}
	}
	sch, err := s.outputs.schema(gen, tool, schemaRaw)
	if err != nil {
		s.logger.Warn("cannot use the tool's output schema; output not validated", "tool", tool, "err", err)
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(res.StructuredContent))
	if err != nil {
		return &OutputError{Tool: tool, Result: res, Err: err}
	}
	if err := sch.Validate(v); err != nil {
		return &OutputError{Tool: tool, Result: res, Err: err}
	}
	return nil
}

func (o *outputSchemas) schema(gen uint64, tool string, raw json.RawMessage) (*jsonschema.Schema, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.compiled == nil || o.gen != gen {
		o.gen = gen
		o.compiled = map[string]*jsonschema.Schema{}
		o.failed = map[string]error{}
	}
	if sch, ok := o.compiled[tool]; ok {
		return sch, nil
	}
	if err, ok := o.failed[tool]; ok {
		return nil, err
	}
	sch, err := compileSchema(raw)
	if err != nil {
		o.failed[tool] = err
		return nil, err
	}
	o.compiled[tool] = sch
	return sch, nil
}

// compileSchema compiles a schema that may only refer to itself: loading
// anything else (files, URLs) is refused, since a peer must not make the
// client fetch.
func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refuseLoader{})
	const loc = "mcpclient:///output-schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
}

type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	if strings.HasPrefix(url, "http://json-schema.org/") || strings.HasPrefix(url, "https://json-schema.org/") {
		// Known meta-schemas are built into the compiler; getting here
		// means an unknown one.
		return nil, fmt.Errorf("unknown meta-schema %s", url)
	}
	return nil, fmt.Errorf("refusing to load %s: output schemas may only refer to themselves", url)
}
