package fakemodel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// completion is a non-streamed chat completion.
type completion struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   Usage              `json:"usage"`
}

type completionChoice struct {
	Index        int     `json:"index"`
	Message      Message `json:"message"`
	FinishReason string  `json:"finish_reason"`
}

// replyMeta is what both reply forms share.
type replyMeta struct {
	status  int
	id      string
	created int64
	model   string
	finish  string
	usage   Usage
}

// reply sends the answer for step: the raw body, a scripted error, or a
// message, streamed when the request asked for it.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, req *Request, step Step) {
	if step.Body != "" {
		writeRaw(w, step)
		return
	}
	status := step.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		writeError(w, status, step.Header, errorCode(status), fmt.Sprintf("scripted error with status %d", status))
		return
	}
	msg := s.answer(req, step.Message)
	meta := replyMeta{
		status:  status,
		id:      s.newID("chatcmpl-", 24),
		created: time.Now().Unix(),
		model:   s.model(),
		finish:  step.FinishReason,
		usage:   estimateUsage(req, msg),
	}
	if meta.finish == "" {
		meta.finish = "stop"
		if len(msg.ToolCalls) > 0 {
			meta.finish = "tool_calls"
		}
	}
	if step.Usage != nil {
		meta.usage = *step.Usage
	}
	if req.Stream {
		s.stream(w, r, req, step, msg, meta)
		return
	}
	body, err := json.Marshal(completion{
		ID:      meta.id,
		Object:  "chat.completion",
		Created: meta.created,
		Model:   meta.model,
		Choices: []completionChoice{{Message: *msg, FinishReason: meta.finish}},
		Usage:   meta.usage,
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, nil, "server_error", "could not encode the reply")
		return
	}
	copyHeader(w.Header(), step.Header)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeRaw(w http.ResponseWriter, step Step) {
	copyHeader(w.Header(), step.Header)
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := step.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(step.Body))
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
}

// answer returns a normalised copy of the scripted message, or the Brain's
// answer, and remembers which of its tool calls came with reasoning.
func (s *Server) answer(req *Request, scripted *Message) *Message {
	var msg Message
	switch {
	case scripted != nil:
		msg = *scripted
	default:
		brain := s.opts.Brain
		if brain == nil {
			brain = DemoBrain
		}
		if m := brain(cloneRequest(req)); m != nil {
			msg = *m
		}
	}
	if msg.Role == "" {
		msg.Role = "assistant"
	}
	msg.ToolCalls = slices.Clone(msg.ToolCalls)
	for i := range msg.ToolCalls {
		tc := &msg.ToolCalls[i]
		if tc.Type == "" {
			tc.Type = "function"
		}
		if tc.ID == "" {
			tc.ID = s.newID("call_", 24)
		}
	}
	s.remember(&msg)
	return &msg
}

// estimateUsage counts about one token per four bytes, which is all a fake
// needs for clients that display or budget tokens.
func estimateUsage(req *Request, msg *Message) Usage {
	n := len(msg.Content) + len(msg.ReasoningContent)
	for _, tc := range msg.ToolCalls {
		n += len(tc.Function.Name) + len(tc.Function.Arguments)
	}
	u := Usage{PromptTokens: (len(req.Raw) + 3) / 4, CompletionTokens: (n + 3) / 4}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}
