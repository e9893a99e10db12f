package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/mcpclient/mcpclient"
)

// defaultTools are offered by the chat workloads when no --tools file is
// given: one tool with a free-text argument and one with an enum, a bound
// integer and an optional field, the two shapes most tool schemas take.
const defaultTools = `{"tools": [
  {
    "name": "get_weather",
    "description": "Get the current weather in a city.",
    "inputSchema": {
      "type": "object",
      "properties": {
        "city": {"type": "string", "description": "City name, for example Oslo"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"}
      },
      "required": ["city"]
    }
  },
  {
    "name": "search_database",
    "description": "Search one table of the company database and return matching rows.",
    "inputSchema": {
      "type": "object",
      "properties": {
        "table": {"type": "string", "enum": ["orders", "customers", "products"], "description": "Table to search"},
        "query": {"type": "string", "description": "What to look for"},
        "limit": {"type": "integer", "description": "Most rows to return, 1 to 100"}
      },
      "required": ["table", "query"]
    }
  }
]}`

// defaultChatPrompt asks for both default tools, so that a model that
// follows it makes two calls to check.
const defaultChatPrompt = "What is the weather in Oslo right now? " +
	"Also search the orders table of the database for orders shipped to Oslo."

// defaultLoopPrompt suits the demo server's get_weather tool.
const defaultLoopPrompt = "What is the weather in Oslo? Use your tools."

// loadTools reads tools in the form of an MCP tools/list result
// ({"tools": [...]}) or a bare list of tools; path "" means the defaults.
func loadTools(path string) ([]mcpclient.Tool, error) {
	data := []byte(defaultTools)
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("mcpclient: read tools file: %w", err)
		}
	}
	var tools []mcpclient.Tool
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &tools); err != nil {
			return nil, fmt.Errorf("mcpclient: read tools file %s: %w", path, err)
		}
	} else {
		var list struct {
			Tools []mcpclient.Tool `json:"tools"`
		}
		if err := json.Unmarshal(t, &list); err != nil {
			return nil, fmt.Errorf("mcpclient: read tools file %s: %w", path, err)
		}
		tools = list.Tools
	}
	if len(tools) == 0 {
		return nil, fmt.Errorf("mcpclient: read tools file %s: no tools", path)
	}
	for i, t := range tools {
		if t.Name == "" {
			return nil, fmt.Errorf("mcpclient: read tools file %s: tool %d has no name", path, i+1)
		}
	}
	return tools, nil
}

// stubTool offers t to the model without doing anything: the chat
// workloads measure one model request, and a call the model asks for ends
// there.
func stubTool(t mcpclient.Tool) *mcpclient.LocalTool {
	return &mcpclient.LocalTool{
		Name:        t.Name,
		Description: t.Description,
		InputSchema: t.InputSchema,
		Annotations: t.Annotations,
		Handler: func(context.Context, json.RawMessage) (*mcpclient.CallToolResult, error) {
			return &mcpclient.CallToolResult{Content: []mcpclient.Content{{Type: "text", Text: "ok"}}}, nil
		},
	}
}
