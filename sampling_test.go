package mcpclient

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

func TestSamplingThroughClientModel(t *testing.T) {
	model := fakemodel.New(fakemodel.Options{Script: []fakemodel.Step{
		{Message: &fakemodel.Message{Role: "assistant", Content: "Paris"}},
	}})
	hs := httptest.NewServer(model)
	defer hs.Close()
	var seen *SamplingEvent
	refuse := false
	c, err := NewClient(&Options{BaseURL: hs.URL + "/v1", Model: "m", ApproveSampling: func(ctx context.Context, ev *SamplingEvent) error {
		seen = ev
		if refuse {
			return errors.New("not now")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := testserver.New(testserver.Options{})
	if _, err := c.Connect(testContext(t), "srv", &InProcessTransport{Serve: srv.Serve}, nil); err != nil {
		t.Fatal(err)
	}
	params := map[string]any{
		"messages":     []any{map[string]any{"role": "user", "content": map[string]any{"type": "text", "text": "Capital of France?"}}},
		"systemPrompt": "Be brief.",
		"maxTokens":    20,
	}
	res, err := srv.Request(testContext(t), "sampling/createMessage", params)
	if err != nil || !strings.Contains(string(res), `"text":"Paris"`) || !strings.Contains(string(res), `"model":"m"`) {
		t.Fatalf("sampling = %s, %v", res, err)
	}
	if seen == nil || seen.Server != "srv" || seen.Request.MaxTokens != 20 {
		t.Errorf("approval saw %+v", seen)
	}
	reqs := model.Requests()
	if len(reqs) != 1 || reqs[0].Messages[0].Content != "Be brief." || reqs[0].Messages[1].Content != "Capital of France?" || len(reqs[0].Tools) != 0 {
		t.Errorf("model request = %+v", reqs)
	}
	refuse = true
	if _, err := srv.Request(testContext(t), "sampling/createMessage", params); err == nil {
		t.Error("refused sampling answered without error")
	}
	if len(model.Requests()) != 1 {
		t.Error("a refused sampling request reached the model")
	}
}
