package mcpclient

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Root is a directory or file the client offers to servers.
type Root struct {
	URI  string `json:"uri"`
	Name string `json:"name,omitempty"`
}

// SamplingMessage is one message of a sampling request. Content is one
// content item or, in newer revisions, a list of them, kept raw.
type SamplingMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// CreateMessageRequest is a server's sampling/createMessage request.
type CreateMessageRequest struct {
	Messages         []SamplingMessage `json:"messages"`
	SystemPrompt     string            `json:"systemPrompt,omitempty"`
	MaxTokens        int               `json:"maxTokens"`
	Temperature      *float64          `json:"temperature,omitempty"`
	StopSequences    []string          `json:"stopSequences,omitempty"`
	IncludeContext   string            `json:"includeContext,omitempty"`
	ModelPreferences json.RawMessage   `json:"modelPreferences,omitempty"`
	Metadata         json.RawMessage   `json:"metadata,omitempty"`
}

// CreateMessageResult is the client's answer to a sampling request.
type CreateMessageResult struct {
	Role       string  `json:"role"`
	Content    Content `json:"content"`
	Model      string  `json:"model"`
	StopReason string  `json:"stopReason,omitempty"`
}

// ElicitRequest is a server's request for user input.
type ElicitRequest struct {
	// Mode is "form" (the default) or "url".
	Mode    string `json:"mode,omitempty"`
	Message string `json:"message"`
	// RequestedSchema describes the form's fields (form mode).
	RequestedSchema json.RawMessage `json:"requestedSchema,omitempty"`
	// URL is the page the user is asked to visit (URL mode).
	URL           string `json:"url,omitempty"`
	ElicitationID string `json:"elicitationId,omitempty"`

	// Default holds the defaults the schema declares, by field, for a
	// form to show; it is not on the wire.
	Default map[string]any `json:"-"`
}

// ElicitResult is the user's answer: Action is "accept", "decline" or
// "cancel"; Content holds the form's values when accepted.
type ElicitResult struct {
	Action  string         `json:"action"`
	Content map[string]any `json:"content,omitempty"`
}

// capabilitiesJSON is the client capabilities object, declaring what the
// handlers can answer.
func (s *Session) capabilitiesJSON(modern bool) json.RawMessage {
	caps := map[string]any{}
	if s.opts.Roots != nil {
		if modern {
			caps["roots"] = map[string]any{}
		} else {
			caps["roots"] = map[string]any{"listChanged": false}
		}
	}
	if s.opts.CreateMessage != nil {
		caps["sampling"] = map[string]any{}
	}
	if s.opts.Elicit != nil {
		e := map[string]any{"form": map[string]any{}}
		if s.opts.AllowURL != nil {
			e["url"] = map[string]any{}
		}
		caps["elicitation"] = e
	}
	b, _ := json.Marshal(caps)
	return b
}

func (s *Session) clientInfo() Implementation {
	if s.opts.ClientInfo != nil {
		return *s.opts.ClientInfo
	}
	return Implementation{Name: "mcpclient", Version: moduleVersion}
}

// serve answers one request from the server, whether it came as a legacy
// server-to-client request or as a modern input request.
func (s *Session) serve(ctx context.Context, method string, params json.RawMessage) (any, *RPCError) {
	switch method {
	case "ping":
		return struct{}{}, nil
	case "roots/list":
		if s.opts.Roots == nil {
			break
		}
		roots, err := s.opts.Roots(ctx)
		if err != nil {
			return nil, &RPCError{Code: CodeInternalError, Message: err.Error()}
		}
		if roots == nil {
			roots = []Root{}
		}
		return struct {
			Roots []Root `json:"roots"`
		}{roots}, nil
	case "sampling/createMessage":
		if s.opts.CreateMessage == nil {
			break
		}
		var req CreateMessageRequest
		if err := json.Unmarshal(params, &req); err != nil {
			return nil, &RPCError{Code: CodeInvalidParams, Message: "invalid sampling request: " + err.Error()}
		}
		res, err := s.opts.CreateMessage(ctx, &req)
		if err != nil {
			return nil, &RPCError{Code: CodeInternalError, Message: err.Error()}
		}
		return res, nil
	case "elicitation/create":
		if s.opts.Elicit == nil {
			break
		}
		return s.elicit(ctx, params)
	}
	return nil, &RPCError{Code: CodeMethodNotFound, Message: "method not supported by this client: " + method}
}

func (s *Session) elicit(ctx context.Context, params json.RawMessage) (any, *RPCError) {
	var req ElicitRequest
	if err := json.Unmarshal(params, &req); err != nil {
		return nil, &RPCError{Code: CodeInvalidParams, Message: "invalid elicitation request: " + err.Error()}
	}
	if req.Mode == "url" {
		// The consent hook is the only way to a URL: no handler result,
		// default or option skips it.
		if s.opts.AllowURL == nil || !s.opts.AllowURL(ctx, &req) {
			return &ElicitResult{Action: "decline"}, nil
		}
	} else {
		req.Default = schemaDefaults(req.RequestedSchema)
	}
	res, err := s.opts.Elicit(ctx, &req)
	if err != nil {
		return nil, &RPCError{Code: CodeInternalError, Message: err.Error()}
	}
	if res == nil {
		return &ElicitResult{Action: "cancel"}, nil
	}
	if res.Action == "accept" && req.Mode != "url" {
		for k, v := range req.Default {
			if res.Content == nil {
				res.Content = map[string]any{}
			}
			if _, ok := res.Content[k]; !ok {
				res.Content[k] = v
			}
		}
	}
	return res, nil
}

// schemaDefaults collects the "default" of each top-level property.
func schemaDefaults(schema json.RawMessage) map[string]any {
	var sch struct {
		Properties map[string]struct {
			Default any `json:"default"`
		} `json:"properties"`
	}
	if json.Unmarshal(schema, &sch) != nil {
		return nil
	}
	var out map[string]any
	for k, p := range sch.Properties {
		if p.Default == nil {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = p.Default
	}
	return out
}

// answer replies to a request from the server. It runs in its own goroutine
// so that a slow handler or write never stalls the reader; the server can
// cancel it with notifications/cancelled, and Close ends it.
func (s *Session) answer(m message) {
	defer s.wg.Done()
	key := string(m.ID)
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	s.serverReq[key] = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.serverReq, key)
		s.mu.Unlock()
		cancel()
	}()

	res, rpcErr := s.serve(ctx, m.Method, m.Params)
	if ctx.Err() != nil {
		return // cancelled: the server expects no answer
	}
	var result json.RawMessage
	if rpcErr == nil {
		b, err := json.Marshal(res)
		if err != nil {
			rpcErr = &RPCError{Code: CodeInternalError, Message: fmt.Sprintf("encode result: %v", err)}
		}
		result = b
	}
	msg, err := appendResponse(nil, m.ID, result, rpcErr)
	if err != nil {
		s.logger.Error("could not encode response", "method", m.Method, "err", err)
		return
	}
	wctx, wcancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer wcancel()
	if err := s.conn.Write(wctx, msg); err != nil {
		s.logger.Debug("could not answer server request", "method", m.Method, "err", err)
	}
}

// cancelServerRequest ends the handler of a request the server cancelled.
func (s *Session) cancelServerRequest(params json.RawMessage) {
	var p struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil {
		return
	}
	s.mu.Lock()
	cancel := s.serverReq[string(p.RequestID)]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
