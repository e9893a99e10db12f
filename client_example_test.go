package mcpclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// The model gets the tools of an MCP server, calls one, and answers from
// its result. Here the model is a fake on loopback, scripted to call the
// tool and then summarise, and the MCP server runs in this process.
func ExampleClient_Ask() {
	model := httptest.NewServer(fakemodel.New(fakemodel.Options{Script: []fakemodel.Step{{
		Message: &fakemodel.Message{ToolCalls: []fakemodel.ToolCall{{
			Function: fakemodel.FunctionCall{Name: "weather__get_weather", Arguments: `{"city":"Oslo"}`},
		}}},
	}}}))
	defer model.Close()

	server := testserver.New(testserver.Options{Tools: []testserver.Tool{{
		Name:        "get_weather",
		Description: "Current weather for a city.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
		Handler: func(_ context.Context, c *testserver.Call) (*testserver.Result, error) {
			var in struct{ City string }
			if err := json.Unmarshal(c.Arguments, &in); err != nil {
				return nil, err
			}
			return &testserver.Result{Content: []json.RawMessage{testserver.Text(in.City + ": 4°C, light rain")}}, nil
		},
	}}})

	client, err := mcpclient.NewClient(&mcpclient.Options{BaseURL: model.URL + "/v1", Model: "fake-model"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx := context.Background()
	if _, err := client.Connect(ctx, "weather", &mcpclient.InProcessTransport{Serve: server.Serve}, nil); err != nil {
		log.Fatal(err)
	}
	res, err := client.Ask(ctx, "What is the weather in Oslo?")
	if err != nil {
		log.Fatal(err)
	}
	for _, call := range res.ToolCalls {
		fmt.Printf("%s called %s on server %s with %s\n", call.Name, call.Tool, call.Server, call.Arguments)
	}
	fmt.Println(res.Answer)
	fmt.Println("turns:", res.Turns)
	// Output:
	// weather__get_weather called get_weather on server weather with {"city":"Oslo"}
	// (demo model) weather__get_weather returned: Oslo: 4°C, light rain
	// turns: 2
}
