package bench

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ToolSet holds the tools offered to a model, by the name the model sees,
// to check the calls it makes. Build it with Add before use; after that it
// is safe for concurrent Checks. The zero value holds no tool.
type ToolSet struct {
	schemas map[string]*Schema
}

// Add offers a tool under name with the given input schema.
func (ts *ToolSet) Add(name string, inputSchema json.RawMessage) error {
	s, err := CompileSchema(inputSchema)
	if err != nil {
		return fmt.Errorf("mcpclient: add tool %q to the check: %w", name, err)
	}
	if ts.schemas == nil {
		ts.schemas = make(map[string]*Schema)
	}
	ts.schemas[name] = s
	return nil
}

// Len returns the number of tools.
func (ts *ToolSet) Len() int { return len(ts.schemas) }

// Check reports whether a call names an offered tool and passes arguments
// that are a JSON object valid against its schema. Empty arguments count
// as {}, as the library sends them.
func (ts *ToolSet) Check(name, arguments string) error {
	s, ok := ts.schemas[name]
	if !ok {
		return fmt.Errorf("mcpclient: check tool call: the model called %q, which was not offered", name)
	}
	args := strings.TrimSpace(arguments)
	if args == "" {
		args = "{}"
	}
	if args[0] != '{' {
		return fmt.Errorf("mcpclient: check tool call %s: the arguments are not a JSON object", name)
	}
	if err := s.check([]byte(args)); err != nil {
		return fmt.Errorf("mcpclient: check tool call %s: %w", name, err)
	}
	return nil
}
