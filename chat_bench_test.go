package mcpclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
)

// cannedModel answers chat requests from memory: first a call of one tool,
// then a final answer, alternating. With no network and no server, what the
// benchmark measures is the library's own work per request.
type cannedModel struct{ n atomic.Int64 }

var (
	cannedToolCall = []byte(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"tool_07","arguments":"{\"city\":\"Oslo\",\"days\":3}"}}]}}],"usage":{"prompt_tokens":900,"completion_tokens":20,"total_tokens":920}}`)
	cannedAnswer   = []byte(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"It will rain in Oslo for three days."}}],"usage":{"prompt_tokens":950,"completion_tokens":12,"total_tokens":962}}`)
)

func (m *cannedModel) RoundTrip(req *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, req.Body)
	req.Body.Close()
	body := cannedAnswer
	if m.n.Add(1)%2 == 1 {
		body = cannedToolCall
	}
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    req,
	}, nil
}

type benchToolInput struct {
	City string `json:"city" description:"a city"`
	Days int    `json:"days,omitempty" description:"how many days ahead"`
}

// BenchmarkChatRequest20Tools measures the library's CPU per chat request
// with 20 tools offered: catalogue lookup, request encoding, response
// decoding and dispatch of one local tool call. Each iteration is one run of
// two model requests (a tool call, then the answer); the requests/op metric
// divides it.
//
//	go test -run '^$' -bench ChatRequest20Tools -benchmem
func BenchmarkChatRequest20Tools(b *testing.B) {
	c, err := NewClient(&Options{BaseURL: "http://model.invalid/v1", Model: "m", HTTPClient: &http.Client{Transport: &cannedModel{}}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i := range 20 {
		tool, err := NewTool(fmt.Sprintf("tool_%02d", i), "Forecast for a city, a longer description as real tools have.",
			func(ctx context.Context, in benchToolInput) (string, error) { return "rain", nil })
		if err != nil {
			b.Fatal(err)
		}
		c.AddTool(tool)
	}
	ctx := context.Background()
	msgs := []Message{UserMessage("Will it rain in Oslo this week?")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Run(ctx, msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2/1000, "us/request")
}
