package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// Case 11: every tool call gets its own tool message, in the model's order,
// even when the calls finish in another order.
func TestCaseOneReplyPerToolCall(t *testing.T) {
	var (
		mu       sync.Mutex
		finished []string
	)
	weatherIn, timeIn := make(chan struct{}), make(chan struct{})
	// Each tool waits until the other has started, which only happens when
	// they run concurrently; then get_weather (call_1) is the slower one.
	meet := func(self, other chan struct{}) string {
		close(self)
		select {
		case <-other:
			return ""
		case <-time.After(10 * time.Second):
			return " (ran alone)"
		}
	}
	done := func(name string) {
		mu.Lock()
		finished = append(finished, name)
		mu.Unlock()
	}
	weather := testserver.Tool{
		Name:        "get_weather",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
		Handler: func(context.Context, *testserver.Call) (*testserver.Result, error) {
			note := meet(weatherIn, timeIn)
			time.Sleep(150 * time.Millisecond)
			done("get_weather")
			return &testserver.Result{Content: []json.RawMessage{testserver.Text("4°C, light rain" + note)}}, nil
		},
	}
	clock := testserver.Tool{
		Name:        "get_time",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}`),
		Handler: func(context.Context, *testserver.Call) (*testserver.Result, error) {
			note := meet(timeIn, weatherIn)
			done("get_time")
			return &testserver.Result{Content: []json.RawMessage{testserver.Text("unknown time zone" + note)}, IsError: true}, nil
		},
	}
	calls := []fakemodel.ToolCall{
		call("call_1", "srv__get_weather", `{"city":"Oslo"}`),
		call("call_2", "srv__get_time", `{"tz":"Mars/Olympus"}`),
		call("call_3", "srv__get_forecast", `{}`),
	}
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{callStep(calls...), answerStep("It is raining in Oslo.")}})
	c := newClient(t, base, Options{})
	addServer(t, c, "srv", weather, clock)

	res, err := c.Ask(testContext(t), "Weather and time in Oslo?")
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	if res.Answer != "It is raining in Oslo." {
		t.Errorf("Answer = %q, want the scripted answer", res.Answer)
	}
	mu.Lock()
	if want := []string{"get_time", "get_weather"}; !cmp.Equal(finished, want) {
		t.Errorf("tools finished in order %v, want %v (call_1 slowest)", finished, want)
	}
	mu.Unlock()

	msgs := requests(t, fm, 2)[1].Messages
	if len(msgs) != 5 {
		t.Fatalf("second request has %d messages, want 5 (user, assistant, 3 tool)", len(msgs))
	}
	if diff := cmp.Diff(calls, msgs[1].ToolCalls); msgs[1].Role != "assistant" || diff != "" {
		t.Errorf("replayed assistant message (role %s) calls mismatch (-want +got):\n%s", msgs[1].Role, diff)
	}
	tools := msgs[2:]
	for i, m := range tools {
		if want := fmt.Sprintf("call_%d", i+1); m.Role != "tool" || m.ToolCallID != want {
			t.Errorf("message %d = %s for %q, want tool for %q", i+2, m.Role, m.ToolCallID, want)
		}
	}
	if got := tools[0].Content; got != "4°C, light rain" {
		t.Errorf("call_1 content = %q, want %q", got, "4°C, light rain")
	}
	if got := tools[1].Content; !strings.HasPrefix(got, "Error:") || !strings.HasSuffix(got, "unknown time zone") {
		t.Errorf("call_2 content = %q, want an error with the server's text", got)
	}
	for _, want := range []string{"Error:", `"srv__get_forecast"`, "srv__get_time", "srv__get_weather"} {
		if !strings.Contains(tools[2].Content, want) {
			t.Errorf("call_3 content = %q, want it to contain %q", tools[2].Content, want)
		}
	}
	var isError []bool
	for _, m := range res.Messages[2:5] {
		isError = append(isError, m.IsError)
	}
	if want := []bool{false, true, true}; !cmp.Equal(isError, want) {
		t.Errorf("Result tool messages IsError = %v, want %v", isError, want)
	}
}

// Case 13: empty arguments become {}, malformed ones never reach the server
// and the model is told where the JSON broke.
func TestCaseEmptyOrBadArguments(t *testing.T) {
	bad := `{"path": "notes/todo.txt"`
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		callStep(call("c1", "srv__health", ""), call("c2", "srv__read_file", bad)),
		answerStep("retrying later"),
	}})
	c := newClient(t, base, Options{})
	readFile := argsTool("read_file")
	_, log := addServer(t, c, "srv", textTool("health", "ok"), readFile)

	res, err := c.Ask(testContext(t), "check")
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	if res.Answer != "retrying later" || res.Turns != 2 {
		t.Errorf("Answer, Turns = %q, %d; want the next turn's answer after 2 turns", res.Answer, res.Turns)
	}
	if got, want := log.toolCalls(t), []mcpCall{{Name: "health", Arguments: "{}"}}; !cmp.Equal(got, want) {
		t.Errorf("server received tools/call %+v, want %+v", got, want)
	}
	msgs := requests(t, fm, 2)[1].Messages
	if got := msgs[1].ToolCalls; got[0].Function.Arguments != "{}" || got[1].Function.Arguments != bad {
		t.Errorf("replayed arguments = %q, %q; want \"{}\" and the model's text", got[0].Function.Arguments, got[1].Function.Arguments)
	}
	c2 := toolMessages(requests(t, fm, 2)[1])[1]
	wantPos := fmt.Sprintf("at byte %d", len(bad))
	if !strings.Contains(c2.Content, "not valid JSON") || !strings.Contains(c2.Content, wantPos) {
		t.Errorf("c2 tool message = %q, want it to say invalid JSON %s", c2.Content, wantPos)
	}
}

// tinyPNG is the image of case 15.
const tinyPNG = "iVBORw0KGgo="

// Case 15: images from tool results never sit in tool messages.
func TestCaseToolResultImage(t *testing.T) {
	shot := testserver.Tool{Name: "screenshot", Handler: func(context.Context, *testserver.Call) (*testserver.Result, error) {
		return &testserver.Result{Content: []json.RawMessage{
			testserver.Text("Screenshot taken"),
			json.RawMessage(`{"type":"image","data":"` + tinyPNG + `","mimeType":"image/png"}`),
		}}, nil
	}}
	tests := []struct {
		images   bool
		toolText string
		parts    []string // the parts of the user message after the tools
	}{
		{images: false, toolText: "[image (image/png, about 9 bytes) not shown to the model]"},
		{images: true, toolText: "[image 1 (image/png) attached in the next user message]", parts: []string{
			`{"type":"text","text":"The image(s) returned by tool call c1 (srv__screenshot):"}`,
			`{"type":"image_url","image_url":{"url":"data:image/png;base64,` + tinyPNG + `"}}`,
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("images=%v", tt.images), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
				callStep(call("c1", "srv__screenshot", "{}"), call("c2", "srv__status", "{}")),
				answerStep("I see a pixel."),
			}})
			c := newClient(t, base, Options{ImagesToModel: tt.images})
			addServer(t, c, "srv", shot, textTool("status", "fine"))
			if _, err := c.Ask(testContext(t), "What is on screen?"); err != nil {
				t.Fatalf("Ask: %v (the model rejects images outside user messages)", err)
			}
			msgs := requests(t, fm, 2)[1].Messages
			var roles []string
			for _, m := range msgs {
				roles = append(roles, m.Role)
			}
			wantRoles := []string{"user", "assistant", "tool", "tool"}
			if tt.images {
				wantRoles = append(wantRoles, "user")
			}
			if !cmp.Equal(roles, wantRoles) {
				t.Fatalf("second request roles = %v, want %v", roles, wantRoles)
			}
			if got, want := msgs[2].Content, "Screenshot taken\n"+tt.toolText; got != want || msgs[2].Parts != nil {
				t.Errorf("screenshot tool message = %q (parts %s), want %q as a string", got, msgs[2].Parts, want)
			}
			if !tt.images {
				return
			}
			var parts []string
			for _, p := range msgs[4].Parts {
				var b bytes.Buffer
				json.Compact(&b, p)
				parts = append(parts, b.String())
			}
			if diff := cmp.Diff(tt.parts, parts); diff != "" {
				t.Errorf("image user message parts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Case 16: reasoning text comes back unchanged within the user turn.
func TestCaseReasoningReplay(t *testing.T) {
	tests := []struct {
		reasoning string
		stream    bool
	}{
		{reasoning: "Need the weather first."},
		{reasoning: "Need the weather first.", stream: true},
		{reasoning: ""},
		{reasoning: "", stream: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("reasoning=%q/stream=%v", tt.reasoning, tt.stream), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
				{Message: &fakemodel.Message{ReasoningContent: tt.reasoning, ToolCalls: []fakemodel.ToolCall{call("c1", "srv__get_weather", `{"city":"Oslo"}`)}}},
				answerStep("Rain."),
				answerStep("You are welcome."),
			}})
			c := newClient(t, base, Options{})
			addServer(t, c, "srv", textTool("get_weather", "4°C, light rain"))
			run := func(msgs []Message) *Result {
				t.Helper()
				var res *Result
				var err error
				if tt.stream {
					res, err = c.RunStream(testContext(t), msgs, nil)
				} else {
					res, err = c.Run(testContext(t), msgs)
				}
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				return res
			}
			res := run([]Message{UserMessage("Weather in Oslo?")})
			// A new user turn: the old reasoning may be dropped.
			run(append(res.Messages, UserMessage("Thanks!")))

			reqs := requests(t, fm, 3)
			if got := reqs[1].Messages[1].ReasoningContent; got != tt.reasoning {
				t.Errorf("reasoning_content replayed in the same turn = %q, want %q", got, tt.reasoning)
			}
			if tt.reasoning == "" && bytes.Contains(reqs[1].Raw, []byte("reasoning_content")) {
				t.Errorf("request carries reasoning_content though the provider sent none: %s", reqs[1].Raw)
			}
			if bytes.Contains(reqs[2].Raw, []byte("reasoning_content")) {
				t.Errorf("request of a new user turn carries old reasoning_content: %s", reqs[2].Raw)
			}
		})
	}
}

// Cases 01 and 03: schemas that strict endpoints reject are repaired before
// they reach the model.
func TestCaseSchemasReachTheModel(t *testing.T) {
	schemas := map[string]string{
		"add_words": `{"type":"object","required":["texts"],
			"properties":{"texts":{"type":"array","description":"word list"}}}`,
		"update_product": `{"type":"object","properties":{
			"meta_data":{"type":"array","items":{"type":"object","properties":{
				"key":{"type":"string"},"value":{"type":["string","array","null"]}}}},
			"tags":{"anyOf":[{"type":"array"},{"type":"string"}]}}}`,
		"list_sessions": `{"type":"object","properties":{},"required":null}`,
		"ping_backend":  `{"type":"object"}`,
		"legacy_status": `null`,
		"get_item":      `{"properties":{"id":{"type":"string"}},"required":["id"]}`,
	}
	var tools []testserver.Tool
	for _, name := range []string{"add_words", "update_product", "list_sessions", "ping_backend", "legacy_status", "get_item"} {
		tools = append(tools, testserver.Tool{Name: name, InputSchema: json.RawMessage(schemas[name])})
	}
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{answerStep("none needed")}})
			c := newClient(t, base, Options{StrictSchemas: strict})
			addServer(t, c, "srv", tools...)
			if _, err := c.Ask(testContext(t), "hello"); err != nil {
				t.Fatalf("Ask: %v (the fake model validates schemas)", err)
			}
			req := requests(t, fm, 1)[0]
			for _, bad := range []string{`"required":null`, `"parameters":null`, `"items":null`} {
				if bytes.Contains(req.Raw, []byte(bad)) {
					t.Errorf("request contains %s", bad)
				}
			}
			params := map[string]map[string]any{}
			strictness := map[string]bool{}
			for _, tool := range req.Tools {
				var p map[string]any
				if err := json.Unmarshal(tool.Function.Parameters, &p); err != nil {
					t.Fatalf("parameters of %s: %v", tool.Function.Name, err)
				}
				params[strings.TrimPrefix(tool.Function.Name, "srv__")] = p
				strictness[tool.Function.Name] = tool.Function.Strict
				if p["type"] != "object" {
					t.Errorf("%s parameters type = %v, want object", tool.Function.Name, p["type"])
				}
				checkArrays(t, tool.Function.Name, p)
			}
			if len(params) != len(schemas) {
				t.Fatalf("request offers %d tools, want %d", len(params), len(schemas))
			}
			if strict && strictness["srv__add_words"] {
				t.Error("add_words sent strict, want non-strict (an unconstrained array has no strict form)")
			}
			if strict {
				return
			}
			for _, tt := range []struct {
				tool string
				path []string
				want any
			}{
				{"add_words", []string{"properties", "texts", "items"}, map[string]any{}},
				{"add_words", []string{"properties", "texts", "description"}, "word list"},
				{"add_words", []string{"required"}, []any{"texts"}},
				{"update_product", []string{"properties", "meta_data", "items", "properties", "value", "items"}, map[string]any{}},
				{"list_sessions", []string{"properties"}, map[string]any{}},
				{"ping_backend", []string{"properties"}, map[string]any{}},
				{"legacy_status", []string{"properties"}, map[string]any{}},
				{"get_item", []string{"required"}, []any{"id"}},
				{"get_item", []string{"properties", "id", "type"}, "string"},
			} {
				if got := dig(params[tt.tool], tt.path...); !cmp.Equal(got, tt.want) {
					t.Errorf("%s %s = %v, want %v", tt.tool, strings.Join(tt.path, "."), got, tt.want)
				}
			}
			tags := dig(params["update_product"], "properties", "tags", "anyOf").([]any)
			if got := dig(tags[0].(map[string]any), "items"); !cmp.Equal(got, map[string]any{}) {
				t.Errorf("update_product tags.anyOf[0].items = %v, want {}", got)
			}
		})
	}
}

// dig follows object keys through a decoded JSON value.
func dig(v map[string]any, path ...string) any {
	var cur any = v
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// checkArrays fails the test for an array schema without items, at any depth.
func checkArrays(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		isArray := x["type"] == "array"
		if types, ok := x["type"].([]any); ok {
			for _, ty := range types {
				isArray = isArray || ty == "array"
			}
		}
		if _, ok := x["items"]; isArray && !ok {
			t.Errorf("%s: array schema without items: %v", where, x)
		}
		for k, sub := range x {
			checkArrays(t, where+"."+k, sub)
		}
	case []any:
		for i, sub := range x {
			checkArrays(t, fmt.Sprintf("%s[%d]", where, i), sub)
		}
	}
}

// A tool the model calls with arguments that are valid JSON but not an
// object is told so, and the server is not called.
func TestArgumentsMustBeObject(t *testing.T) {
	fm, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{
		callStep(call("c1", "srv__echo", `["a"]`), call("c2", "srv__echo", `null`)),
		answerStep("ok"),
	}})
	c := newClient(t, base, Options{})
	_, log := addServer(t, c, "srv", argsTool("echo"))
	if _, err := c.Ask(testContext(t), "go"); err != nil {
		t.Fatal(err)
	}
	tools := toolMessages(requests(t, fm, 2)[1])
	if !strings.Contains(tools[0].Content, "must be a JSON object") {
		t.Errorf("c1 tool message = %q, want it to ask for a JSON object", tools[0].Content)
	}
	if got, want := log.toolCalls(t), []mcpCall{{Name: "echo", Arguments: "{}"}}; !cmp.Equal(got, want) {
		t.Errorf("server received %+v, want only the null call as {}", got)
	}
}
