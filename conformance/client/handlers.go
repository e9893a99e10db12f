package main

import (
	"context"

	"github.com/mcpclient/mcpclient"
)

// elicit accepts every form without filling in a field: the library must
// complete the answer with the defaults of the requested schema.
func (c *conformer) elicit(ctx context.Context, req *mcpclient.ElicitRequest) (*mcpclient.ElicitResult, error) {
	c.logger.Info("elicitation", "message", req.Message, "defaults", req.Default)
	if c.beforeElicit != nil {
		c.beforeElicit(ctx)
	}
	return &mcpclient.ElicitResult{Action: "accept"}, nil
}

func (c *conformer) roots(ctx context.Context) ([]mcpclient.Root, error) {
	return []mcpclient.Root{{URI: "file:///conformance", Name: "conformance"}}, nil
}

// createMessage stands in for a model: the conformance client has none.
func (c *conformer) createMessage(ctx context.Context, req *mcpclient.CreateMessageRequest) (*mcpclient.CreateMessageResult, error) {
	return &mcpclient.CreateMessageResult{
		Role:       "assistant",
		Content:    mcpclient.Content{Type: "text", Text: "the conformance client has no model"},
		Model:      "none",
		StopReason: "endTurn",
	}, nil
}
