package fakemodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// demoPrefix marks every DemoBrain text so that nobody mistakes it for a model.
const demoPrefix = "(demo model) "

// resultSnippetRunes bounds how much of each tool result DemoBrain repeats.
const resultSnippetRunes = 200

// DemoBrain is the offline demo model: deterministic, obviously fake, and able
// to drive a tool-calling loop. It never returns nil and is safe for
// concurrent use.
//
// When the last message is from the user and tools are offered (and
// tool_choice is not "none"), it calls up to three tools whose names share a
// word of three or more letters with the user text (names split at '_', '-'
// and digits; case ignored), in offered order; failing that, the first two
// tools whose required parameters it can fill; failing that, with
// tool_choice "required", the first tool. A tool_choice naming a function
// calls that function. Only required parameters are filled, in the schema's
// order: strings get the user text, or for names containing path, file, dir
// or folder the first word of the user text containing '/' or '.'; numbers and
// integers get 2, 3, 4...; booleans false; enums their first value; arrays []
// and objects {}; parameters of unknown type the user text. Calls get ids
// call_1, call_2... .
//
// When the last messages are tool results, it answers "(demo model) " followed
// by one line per result, "<tool name> returned: <result>", the result with
// its whitespace collapsed and cut to 200 characters (marked with "…"), the
// names taken from the preceding assistant message.
//
// Otherwise it answers "(demo model) You said: <last user text>".
func DemoBrain(req *Request) *Message {
	if req == nil || len(req.Messages) == 0 {
		return &Message{Role: "assistant", Content: demoPrefix + "You said: "}
	}
	msgs := req.Messages
	switch msgs[len(msgs)-1].Role {
	case "tool":
		return &Message{Role: "assistant", Content: demoPrefix + summarizeToolResults(msgs)}
	case "user":
		if calls := chooseToolCalls(req, msgs[len(msgs)-1].Content); len(calls) > 0 {
			return &Message{Role: "assistant", ToolCalls: calls}
		}
	}
	return &Message{Role: "assistant", Content: demoPrefix + "You said: " + lastUserText(msgs)}
}

func lastUserText(msgs []RequestMessage) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}

// summarizeToolResults describes the trailing run of tool messages.
func summarizeToolResults(msgs []RequestMessage) string {
	start := len(msgs)
	for start > 0 && msgs[start-1].Role == "tool" {
		start--
	}
	names := map[string]string{}
	if start > 0 && msgs[start-1].Role == "assistant" {
		for _, tc := range msgs[start-1].ToolCalls {
			names[tc.ID] = tc.Function.Name
		}
	}
	lines := make([]string, 0, len(msgs)-start)
	for _, m := range msgs[start:] {
		name := names[m.ToolCallID]
		if name == "" {
			name = "unknown tool " + m.ToolCallID
		}
		lines = append(lines, name+" returned: "+snippet(m.Content))
	}
	return strings.Join(lines, "\n")
}

// snippet collapses whitespace, newlines included, and cuts to
// resultSnippetRunes.
func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= resultSnippetRunes {
		return s
	}
	return s[:runePrefixLen(s, resultSnippetRunes)] + "…"
}

// chooseToolCalls picks and fills tool calls for userText, or returns nil.
func chooseToolCalls(req *Request, userText string) []ToolCall {
	var tools []Tool
	for _, t := range req.Tools {
		if t.Type == "function" {
			tools = append(tools, t)
		}
	}
	if len(tools) == 0 {
		return nil
	}
	mode, named := toolChoiceMode(req.ToolChoice)
	var picked []Tool
	switch mode {
	case "none":
		return nil
	case "named":
		for _, t := range tools {
			if t.Function.Name == named {
				picked = append(picked, t)
				break
			}
		}
	default:
		picked = pickTools(tools, userText)
		if len(picked) == 0 && mode == "required" {
			picked = tools[:1]
		}
	}
	calls := make([]ToolCall, 0, len(picked))
	for i, t := range picked {
		args, _ := fillArguments(t.Function.Parameters, userText)
		calls = append(calls, ToolCall{
			ID:       fmt.Sprintf("call_%d", i+1),
			Type:     "function",
			Function: FunctionCall{Name: t.Function.Name, Arguments: args},
		})
	}
	return calls
}

// toolChoiceMode reads tool_choice as "auto", "none", "required", or "named"
// with the function name.
func toolChoiceMode(raw json.RawMessage) (mode, name string) {
	c := bytes.TrimSpace(raw)
	if len(c) == 0 || string(c) == "null" {
		return "auto", ""
	}
	if json.Unmarshal(c, &mode) == nil {
		return mode, ""
	}
	var named struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(c, &named) == nil && named.Function.Name != "" {
		return "named", named.Function.Name
	}
	return "auto", ""
}

// pickTools prefers tools named after words of the user text, then tools it
// can fill.
func pickTools(tools []Tool, userText string) []Tool {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(userText), func(r rune) bool { return !unicode.IsLetter(r) }) {
		words[w] = true
	}
	var picked []Tool
	for _, t := range tools {
		if nameSharesWord(t.Function.Name, words) {
			picked = append(picked, t)
			if len(picked) == 3 {
				return picked
			}
		}
	}
	if len(picked) > 0 {
		return picked
	}
	for _, t := range tools {
		if _, ok := fillArguments(t.Function.Parameters, userText); ok {
			picked = append(picked, t)
			if len(picked) == 2 {
				break
			}
		}
	}
	return picked
}

func nameSharesWord(name string, words map[string]bool) bool {
	parts := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return r == '_' || r == '-' || unicode.IsDigit(r)
	})
	for _, p := range parts {
		if utf8.RuneCountInString(p) >= 3 && words[p] {
			return true
		}
	}
	return false
}
