package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// reply is one model response, in our types.
type reply struct {
	message Message
	usage   openai.Usage
	finish  string
}

// complete sends one chat request, streamed when onText is set.
func (c *Client) complete(ctx context.Context, msgs []Message, cat *catalog, onText func(string)) (*reply, error) {
	return c.completeMax(ctx, msgs, cat, onText, c.opts.MaxTokens)
}

// completeMax is complete with a limit on the reply's tokens.
func (c *Client) completeMax(ctx context.Context, msgs []Message, cat *catalog, onText func(string), maxTokens int) (*reply, error) {
	req := openai.ChatCompletionRequest{
		Model:    c.opts.Model,
		Messages: toOpenAI(msgs),
		// max_tokens rather than the newer max_completion_tokens: it is
		// the one every OpenAI-compatible server reads (vLLM, Ollama,
		// llama.cpp, DeepSeek, OpenRouter).
		MaxTokens: maxTokens,
	}
	if c.opts.Temperature != nil {
		req.Temperature = *c.opts.Temperature
	}
	if onText != nil {
		req.Stream = true
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	ctx, ex := withExchange(ctx)
	resp, err := c.post(ctx, ex, req, cat.encodedTools())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if onText != nil {
		return readStream(ctx, resp.Body, onText)
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("mcpclient: model response: %w", err)
	}
	var out openai.ChatCompletionResponse
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("mcpclient: model response is not a chat completion: %w (%s)", err, truncate(body, 200))
	}
	if len(out.Choices) == 0 {
		return &reply{usage: out.Usage}, errors.New("mcpclient: model response has no choices")
	}
	ch := out.Choices[0]
	return &reply{message: fromOpenAI(ch.Message), usage: out.Usage, finish: string(ch.FinishReason)}, nil
}

// maxResponseBody bounds a non-streamed model response.
const maxResponseBody = 64 << 20

// post sends a chat request through the client's HTTP stack (headers,
// limiter, retries) and returns the response of a successful one. The
// request is go-openai's type, encoded here rather than by go-openai's
// client: that client encodes every tool schema again on every request and
// keeps no response headers on errors. The tools go in already encoded,
// once per catalogue.
func (c *Client) post(ctx context.Context, ex *exchange, req openai.ChatCompletionRequest, tools []byte) (*http.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: encode model request: %w", err)
	}
	if len(tools) > 0 {
		// Splice "tools" into the encoded object, before its final brace.
		body = append(body[:len(body)-1], `,"tools":`...)
		body = append(append(body, tools...), '}')
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("mcpclient: model request: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if req.Stream {
		hr.Header.Set("Accept", "text/event-stream")
	} else {
		hr.Header.Set("Accept", "application/json")
	}
	if c.opts.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	if c.opts.Organization != "" {
		hr.Header.Set("OpenAI-Organization", c.opts.Organization)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("mcpclient: model request: %w", err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	ex.mu.Lock()
	he := &HTTPError{StatusCode: resp.StatusCode, Header: resp.Header, Attempts: ex.attempts}
	ex.mu.Unlock()
	decodeErrorBody(he, b)
	he.RetryAfter, _ = RetryAfter(resp.Header, time.Now())
	return nil, he
}

// encodedTools returns the catalogue's tools encoded for the request, once
// per catalogue: a catalogue never changes once built.
func (cat *catalog) encodedTools() []byte {
	cat.encodeOnce.Do(func() {
		if defs := cat.definitions(); len(defs) > 0 {
			cat.encoded, _ = json.Marshal(defs)
		}
	})
	return cat.encoded
}

// definitions returns the tools in the request's shape. Parameters go as raw
// JSON, so the converted schema reaches the endpoint byte for byte.
func (cat *catalog) definitions() []openai.Tool {
	if len(cat.tools) == 0 {
		return nil
	}
	out := make([]openai.Tool, len(cat.tools))
	for i, e := range cat.tools {
		desc := e.Tool.Description
		if desc == "" {
			desc = e.Tool.Title
		}
		out[i] = openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name:        e.Name,
			Description: desc,
			Parameters:  e.Parameters,
			Strict:      e.Strict,
		}}
	}
	return out
}

// toOpenAI converts the transcript. Reasoning text goes back only for the
// assistant messages of the current user turn: providers that need it want
// it there, and dropping it from earlier turns keeps requests small.
func toOpenAI(msgs []Message) []openai.ChatCompletionMessage {
	lastUser := -1
	for i, m := range msgs {
		if m.Role == RoleUser && !m.toolImages {
			lastUser = i
		}
	}
	out := make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		o := openai.ChatCompletionMessage{
			Role:       m.Role,
			Content:    m.Content,
			ToolCallID: m.ToolCallID,
		}
		if m.Role == RoleTool {
			o.Name = m.Name
		}
		if i > lastUser {
			o.ReasoningContent = m.ReasoningContent
		}
		for _, tc := range m.ToolCalls {
			o.ToolCalls = append(o.ToolCalls, openai.ToolCall{
				ID:       tc.ID,
				Type:     openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments},
			})
		}
		if len(m.Images) > 0 {
			o.Content = ""
			if m.Content != "" {
				o.MultiContent = append(o.MultiContent, openai.ChatMessagePart{Type: openai.ChatMessagePartTypeText, Text: m.Content})
			}
			for _, u := range m.Images {
				o.MultiContent = append(o.MultiContent, openai.ChatMessagePart{
					Type:     openai.ChatMessagePartTypeImageURL,
					ImageURL: &openai.ChatMessageImageURL{URL: u},
				})
			}
		}
		out[i] = o
	}
	return out
}

func fromOpenAI(m openai.ChatCompletionMessage) Message {
	out := Message{Role: RoleAssistant, Content: m.Content, ReasoningContent: m.ReasoningContent}
	if out.Content == "" && len(m.MultiContent) > 0 {
		var b strings.Builder
		for _, p := range m.MultiContent {
			b.WriteString(p.Text)
		}
		out.Content = b.String()
	}
	for _, tc := range m.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	return out
}

// decodeErrorBody reads an OpenAI-style error body into he.
func decodeErrorBody(he *HTTPError, body []byte) {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		he.Message, he.Type = e.Error.Message, e.Error.Type
		if e.Error.Code != nil {
			he.Code = fmt.Sprint(e.Error.Code)
		}
		return
	}
	he.Message = strings.TrimSpace(truncate(body, 500))
}
