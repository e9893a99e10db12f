package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMaxTurns reports a run that reached Options.MaxTurns while the model was
// still asking for tools. The [Result] returned with it holds the transcript.
var ErrMaxTurns = errors.New("mcpclient: the model was still calling tools after the maximum number of turns")

// Result is the outcome of a run.
type Result struct {
	// Answer is the text of the model's final message.
	Answer string
	// Messages is the whole conversation: the input, then every assistant
	// and tool message of the run, ready to continue with another run.
	Messages []Message
	// Usage sums the model requests.
	Usage Usage
	// Turns counts model requests.
	Turns int
	// ToolCalls lists every tool call in the order the model asked for them.
	ToolCalls []*ToolCallEvent
}

// Ask is shorthand for Run with one user message (after the system prompt).
func (c *Client) Ask(ctx context.Context, question string) (*Result, error) {
	return c.Run(ctx, []Message{UserMessage(question)})
}

// Run sends messages to the model and runs the tool calls it asks for, turn
// after turn, until it answers without tools or MaxTurns is reached. Tool
// calls of one turn run in parallel under the client's limits; their results
// go back in the order the model asked for them, one tool message per call.
// A call that fails (unknown tool, invalid arguments, refused, or an error
// from the server) is answered with an error message the model can act on;
// only model request failures and the end of ctx end the run with an error.
// On error the returned Result, when not nil, holds what happened so far.
func (c *Client) Run(ctx context.Context, messages []Message) (*Result, error) {
	return c.run(ctx, messages, nil)
}

// RunStream is Run with the model's replies streamed: onText receives the
// answer's text as it arrives (across turns), from the calling goroutine.
func (c *Client) RunStream(ctx context.Context, messages []Message, onText func(string)) (*Result, error) {
	if onText == nil {
		onText = func(string) {}
	}
	return c.run(ctx, messages, onText)
}

func (c *Client) run(ctx context.Context, input []Message, onText func(string)) (*Result, error) {
	if c.opts.Model == "" {
		return nil, errors.New("mcpclient: run: no model set (Options.Model)")
	}
	res := &Result{Messages: make([]Message, 0, len(input)+8)}
	if c.opts.SystemPrompt != "" && !hasSystem(input) {
		res.Messages = append(res.Messages, SystemMessage(c.opts.SystemPrompt))
	}
	res.Messages = append(res.Messages, input...)

	for turn := 1; turn <= c.opts.MaxTurns; turn++ {
		cat := c.reg.catalog(ctx)
		reply, err := c.complete(ctx, res.Messages, cat, onText)
		res.Turns = turn
		if reply != nil {
			res.Usage.add(reply.usage)
		}
		if err != nil {
			return res, err
		}
		msg := reply.message
		normalizeCalls(&msg, turn)
		res.Messages = append(res.Messages, msg)
		if len(msg.ToolCalls) == 0 {
			res.Answer = msg.Content
			return res, nil
		}

		events, replies := c.dispatch(ctx, cat, msg.ToolCalls)
		res.ToolCalls = append(res.ToolCalls, events...)
		res.Messages = append(res.Messages, replies...)
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	return res, fmt.Errorf("%w (%d)", ErrMaxTurns, c.opts.MaxTurns)
}

func hasSystem(msgs []Message) bool {
	for _, m := range msgs {
		if m.Role == RoleSystem {
			return true
		}
	}
	return false
}

// normalizeCalls makes the assistant message safe to replay: empty arguments
// become "{}", the form every endpoint accepts back, and missing or repeated
// call ids (some local servers send none) get unique ones, since every tool
// message must name the call it answers.
func normalizeCalls(m *Message, turn int) {
	seen := make(map[string]bool, len(m.ToolCalls))
	for i := range m.ToolCalls {
		tc := &m.ToolCalls[i]
		if strings.TrimSpace(tc.Arguments) == "" {
			tc.Arguments = "{}"
		}
		if tc.ID == "" || seen[tc.ID] {
			tc.ID = "call_" + strconv.Itoa(turn) + "_" + strconv.Itoa(i+1)
			// The model may have used that very id for an earlier call.
			for seen[tc.ID] {
				tc.ID += "_"
			}
		}
		seen[tc.ID] = true
	}
}
