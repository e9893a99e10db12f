package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
		Model:     c.opts.Model,
		Messages:  toOpenAI(msgs),
		MaxTokens: maxTokens,
		Tools:     cat.definitions(),
	}
	if c.opts.Temperature != nil {
		req.Temperature = *c.opts.Temperature
	}
	if onText != nil {
		return c.completeStream(ctx, req, onText)
	}

	ctx, ex := withExchange(ctx)
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		return nil, c.modelError(ctx, err, ex)
	}
	if len(resp.Choices) == 0 {
		return &reply{usage: resp.Usage}, errors.New("mcpclient: model response has no choices")
	}
	ch := resp.Choices[0]
	return &reply{message: fromOpenAI(ch.Message), usage: resp.Usage, finish: string(ch.FinishReason)}, nil
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

// modelError turns go-openai's error into an [*HTTPError] with the headers
// and attempt count the round tripper saw.
func (c *Client) modelError(ctx context.Context, err error, ex *exchange) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return ctxErr
	}
	ex.mu.Lock()
	he := &HTTPError{StatusCode: ex.status, Header: ex.header, Attempts: ex.attempts}
	ex.mu.Unlock()
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		he.StatusCode = apiErr.HTTPStatusCode
		he.Message, he.Type = apiErr.Message, apiErr.Type
		if apiErr.Code != nil {
			he.Code = fmt.Sprint(apiErr.Code)
		}
	case errors.As(err, &reqErr):
		he.StatusCode = reqErr.HTTPStatusCode
		he.Message = strings.TrimSpace(truncate(reqErr.Body, 500))
	default:
		return fmt.Errorf("mcpclient: model request: %w", err)
	}
	if he.Header != nil {
		he.RetryAfter, _ = RetryAfter(he.Header, time.Now())
	}
	return he
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
