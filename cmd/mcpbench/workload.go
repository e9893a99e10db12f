package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/bench"
)

// The workloads of the model benchmark.
const (
	// workChat is one chat request offering tools: the model's first
	// reply, tool calls included, ends it.
	workChat = "chat"
	// workStream is workChat streamed, which adds the time to first token.
	workStream = "stream"
	// workLoop is a whole run: the model calls MCP tools, gets their
	// results, and answers, for as many turns as it takes.
	workLoop = "loop"
)

func checkWorkload(w string) error {
	switch w {
	case workChat, workStream, workLoop:
		return nil
	}
	return fmt.Errorf("mcpclient: --workload: unknown workload %q (want chat, stream or loop)", w)
}

// modelOp returns the request of one workload against one client. Every
// tool call of the reply is checked against what was offered; a call that
// fails the check fails the request, since an application could not run it.
func modelOp(c *mcpclient.Client, workload, prompt string, check *bench.ToolSet, timeout time.Duration) bench.Op {
	input := []mcpclient.Message{mcpclient.UserMessage(prompt)}
	discard := func(string) {}
	return func(ctx context.Context) bench.Outcome {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		ctx, trace := bench.WithTrace(ctx)
		var (
			res *mcpclient.Result
			err error
		)
		if workload == workStream {
			res, err = c.RunStream(ctx, input, discard)
		} else {
			res, err = c.Run(ctx, input)
		}
		// The chat workloads allow one turn: a reply that calls tools is
		// their expected end, not a failure.
		if workload != workLoop && errors.Is(err, mcpclient.ErrMaxTurns) {
			err = nil
		}

		out := bench.Outcome{FirstToken: trace.FirstToken()}
		turns := 1
		if res != nil {
			turns = max(res.Turns, 1)
			out.PromptTokens = res.Usage.PromptTokens
			out.CompletionTokens = res.Usage.CompletionTokens
		}
		out.Retries = max(trace.Attempts()-turns, 0)
		if err != nil {
			out.Kind, out.Err = classify(err), err
			return out
		}
		if err := checkCalls(res, len(input), check); err != nil {
			out.Kind, out.Err = bench.InvalidToolCall, err
		}
		return out
	}
}

// checkCalls checks the tool calls of every assistant message the run
// added after the input.
func checkCalls(res *mcpclient.Result, inputLen int, check *bench.ToolSet) error {
	if res == nil || len(res.Messages) <= inputLen {
		return nil
	}
	for _, m := range res.Messages[inputLen:] {
		if m.Role != mcpclient.RoleAssistant {
			continue
		}
		for _, tc := range m.ToolCalls {
			if err := check.Check(tc.Name, tc.Arguments); err != nil {
				return err
			}
		}
	}
	return nil
}
