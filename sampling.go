package mcpclient

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// SamplingEvent describes a server's request to use the client's model.
type SamplingEvent struct {
	Server  string
	Request *CreateMessageRequest
}

// sampler answers a server's sampling requests with the client's own model,
// once Options.ApproveSampling has allowed each one. The server never sees
// the client's tools or other conversations: the request is sent as the
// server wrote it, with no tools offered.
func (c *Client) sampler(server string) func(ctx context.Context, req *CreateMessageRequest) (*CreateMessageResult, error) {
	return func(ctx context.Context, req *CreateMessageRequest) (*CreateMessageResult, error) {
		if err := c.opts.ApproveSampling(ctx, &SamplingEvent{Server: server, Request: req}); err != nil {
			return nil, fmt.Errorf("%w: sampling request refused: %v", ErrNotApproved, err)
		}
		var msgs []Message
		if req.SystemPrompt != "" {
			msgs = append(msgs, SystemMessage(req.SystemPrompt))
		}
		for _, m := range req.Messages {
			msgs = append(msgs, samplingToMessage(m))
		}
		reply, err := c.completeOnce(ctx, msgs, req.MaxTokens)
		if err != nil {
			return nil, err
		}
		stop := "endTurn"
		if reply.finish == "length" {
			stop = "maxTokens"
		}
		return &CreateMessageResult{
			Role:       RoleAssistant,
			Content:    Content{Type: "text", Text: reply.message.Content},
			Model:      c.opts.Model,
			StopReason: stop,
		}, nil
	}
}

// samplingToMessage turns one sampling message (one content item or a list)
// into a chat message: text joined, images as image URLs on user messages.
func samplingToMessage(m SamplingMessage) Message {
	var items []Content
	if err := json.Unmarshal(m.Content, &items); err != nil {
		var one Content
		if json.Unmarshal(m.Content, &one) == nil {
			items = []Content{one}
		}
	}
	out := Message{Role: m.Role}
	var text []string
	for _, it := range items {
		switch it.Type {
		case "text":
			text = append(text, it.Text)
		case "image":
			if m.Role == RoleUser {
				out.Images = append(out.Images, "data:"+it.MIMEType+";base64,"+it.Data)
			} else {
				text = append(text, "[image]")
			}
		default:
			text = append(text, "["+it.Type+" content]")
		}
	}
	out.Content = strings.Join(text, "\n")
	return out
}

// completeOnce sends one chat request without tools.
func (c *Client) completeOnce(ctx context.Context, msgs []Message, maxTokens int) (*reply, error) {
	if maxTokens <= 0 {
		maxTokens = c.opts.MaxTokens
	}
	return c.completeMax(ctx, msgs, &catalog{byName: map[string]*toolEntry{}}, nil, maxTokens)
}
