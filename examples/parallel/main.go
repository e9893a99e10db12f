// Command parallel shows the tool calls of one model turn running in
// parallel under a limit: the model asks for six slow lookups at once, and
// at most two run at a time. It runs offline against a scripted model and
// the project's demo MCP server.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

func main() {
	// The model's first reply asks for six tool calls at once; afterwards
	// the demo brain summarises the results.
	var calls []fakemodel.ToolCall
	for i := 1; i <= 6; i++ {
		calls = append(calls, fakemodel.ToolCall{
			ID: fmt.Sprintf("call_%d", i), Type: "function",
			Function: fakemodel.FunctionCall{Name: "demo__slow_count", Arguments: fmt.Sprintf(`{"steps":%d,"delay_ms":50}`, i)},
		})
	}
	model := httptest.NewServer(fakemodel.New(fakemodel.Options{Script: []fakemodel.Step{
		{Message: &fakemodel.Message{Role: "assistant", ToolCalls: calls}},
	}}))
	defer model.Close()

	start := time.Now()
	client, err := mcpclient.NewClient(&mcpclient.Options{
		BaseURL:              model.URL + "/v1",
		Model:                "scripted",
		MaxParallelTools:     2, // across all servers
		MaxParallelPerServer: 2,
		OnToolCall: func(ev *mcpclient.ToolCallEvent) {
			fmt.Printf("%-7s finished at %4dms, took %4dms\n", ev.ID, time.Since(start).Milliseconds(), ev.Duration.Milliseconds())
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	demo := testserver.New(testserver.Options{Tools: testserver.DemoTools()})
	if _, err := client.Connect(context.Background(), "demo", &mcpclient.InProcessTransport{Serve: demo.Serve}, nil); err != nil {
		log.Fatal(err)
	}
	res, err := client.Ask(context.Background(), "Count six times.")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Answer)
}
