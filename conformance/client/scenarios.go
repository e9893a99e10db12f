package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mcpclient/mcpclient"
)

// scenarios maps the suite's scenario names to what the program does for
// them. A scenario not named here gets callTools, which suits the suite's
// plain tool scenarios (tools_call, elicitation defaults, SSE retry,
// request metadata, custom and invalid tool headers) and any later one of
// the same kind.
var scenarios = map[string]func(context.Context, *conformer) error{
	"initialize":                       listTools,
	"json-schema-ref-no-deref":         keepRef,
	"json-schema-2020-12-preservation": echoSchema,
	"http-standard-headers":            everyFeature,
	"sep-2322-client-request-state":    requestState,
}

// listTools connects and lists the tools.
func listTools(ctx context.Context, c *conformer) error {
	return c.withTools(ctx, func(*mcpclient.Session, []*mcpclient.Tool) error { return nil })
}

// withTools connects, lists the tools and hands the session and the list
// to f; the session is closed when f returns.
func (c *conformer) withTools(ctx context.Context, f func(s *mcpclient.Session, tools []*mcpclient.Tool) error) error {
	s, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	tools, err := s.ListTools(ctx)
	if err != nil {
		return err
	}
	return f(s, tools)
}

// callTools lists the tools and makes the calls the scenario's context
// asks for or, without any, calls every listed tool with arguments made up
// from its schema. Tools the library leaves out of the list (such as those
// with invalid x-mcp-header annotations) are therefore never called.
func callTools(ctx context.Context, c *conformer) error {
	return c.withTools(ctx, func(s *mcpclient.Session, tools []*mcpclient.Tool) error {
		type call struct {
			name string
			args json.RawMessage
		}
		var calls []call
		for _, tc := range c.context.ToolCalls {
			calls = append(calls, call{tc.Name, tc.Arguments})
		}
		if len(calls) == 0 {
			for _, t := range tools {
				calls = append(calls, call{t.Name, sampleArguments(t.InputSchema)})
			}
		}
		for _, cl := range calls {
			res, err := s.CallTool(ctx, cl.name, cl.args, nil)
			if err != nil {
				return err
			}
			c.logger.Info("tool called", "tool", cl.name, "args", string(cl.args), "result", res.Text(), "isError", res.IsError)
		}
		return nil
	})
}

// everyFeature uses every request that carries a name or URI: tools,
// resources and prompts, listed and then each one called, read or got.
func everyFeature(ctx context.Context, c *conformer) error {
	return c.withTools(ctx, func(s *mcpclient.Session, tools []*mcpclient.Tool) error {
		for _, t := range tools {
			if _, err := s.CallTool(ctx, t.Name, sampleArguments(t.InputSchema), nil); err != nil {
				return err
			}
		}
		resources, err := s.ListResources(ctx)
		if err != nil {
			return err
		}
		for _, r := range resources {
			if _, err := s.ReadResource(ctx, r.URI); err != nil {
				return err
			}
		}
		prompts, err := s.ListPrompts(ctx)
		if err != nil {
			return err
		}
		for _, p := range prompts {
			if _, err := s.GetPrompt(ctx, p.Name, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// keepRef lists the tools and checks that a $ref to another document is
// still in the schema as sent: neither fetched nor replaced.
func keepRef(ctx context.Context, c *conformer) error {
	return c.withTools(ctx, func(s *mcpclient.Session, tools []*mcpclient.Tool) error {
		for _, t := range tools {
			var sch struct {
				Properties map[string]struct {
					Ref string `json:"$ref"`
				} `json:"properties"`
			}
			if json.Unmarshal(t.InputSchema, &sch) != nil {
				continue
			}
			for name, p := range sch.Properties {
				if strings.HasPrefix(p.Ref, "http") {
					c.logger.Info("network $ref kept", "tool", t.Name, "property", name, "ref", p.Ref)
					return nil
				}
			}
		}
		return errors.New("mcpclient: conformance list tools: no tool schema kept its network $ref")
	})
}

// echoSchema sends the input schema of the tool with JSON Schema 2020-12
// keywords back, exactly as listed, through the suite's echo tool.
func echoSchema(ctx context.Context, c *conformer) error {
	return c.withTools(ctx, func(s *mcpclient.Session, tools []*mcpclient.Tool) error {
		const focal, echo = "json_schema_2020_12_tool", "json_schema_echo"
		for _, t := range tools {
			if t.Name != focal {
				continue
			}
			args := append(append([]byte(`{"schema":`), t.InputSchema...), '}')
			_, err := s.CallTool(ctx, echo, json.RawMessage(args), nil)
			return err
		}
		return fmt.Errorf("mcpclient: conformance list tools: the server listed no tool %s", focal)
	})
}

// requestState calls the multi round-trip tools of the scenario, each
// expected to answer with its own text, and calls an unrelated tool in the
// middle of a round trip, from the elicitation handler: input responses and
// request state must stay with the request they belong to.
func requestState(ctx context.Context, c *conformer) error {
	var (
		s            *mcpclient.Session
		once         sync.Once
		unrelated    string
		unrelatedErr error
	)
	c.beforeElicit = func(ctx context.Context) {
		once.Do(func() {
			res, err := s.CallTool(ctx, "test_mrtr_unrelated", nil, nil)
			if err != nil {
				unrelatedErr = err
				return
			}
			unrelated = res.Text()
		})
	}
	s, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.ListTools(ctx); err != nil {
		return err
	}
	want := []struct{ tool, text string }{
		{"test_mrtr_echo_state", "echo-state-ok"},
		{"test_mrtr_no_state", "no-state-ok"},
		{"test_mrtr_no_result_type", "no-result-type-test-ok"},
	}
	for _, w := range want {
		res, err := s.CallTool(ctx, w.tool, nil, nil)
		if err != nil {
			return err
		}
		if got := res.Text(); got != w.text {
			return fmt.Errorf("mcpclient: conformance call tool %s: answered %q, want %q", w.tool, got, w.text)
		}
	}
	if unrelatedErr != nil {
		return fmt.Errorf("mcpclient: conformance call tool test_mrtr_unrelated: %w", unrelatedErr)
	}
	if unrelated != "unrelated-ok" {
		return fmt.Errorf("mcpclient: conformance call tool test_mrtr_unrelated: answered %q, want %q", unrelated, "unrelated-ok")
	}
	return nil
}
