// Command onetool is the smallest chat with a tool: a local Go function
// offered to a model. It runs offline against the project's demo model; set
// OPENAI_BASE_URL, OPENAI_API_KEY and OPENAI_MODEL to use a real one.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// shoutInput is the tool's argument object; its schema is derived from it.
type shoutInput struct {
	Text string `json:"text" description:"what to shout"`
}

func main() {
	opts := &mcpclient.Options{
		BaseURL: os.Getenv("OPENAI_BASE_URL"),
		APIKey:  os.Getenv("OPENAI_API_KEY"),
		Model:   os.Getenv("OPENAI_MODEL"),
	}
	if opts.BaseURL == "" && opts.APIKey == "" {
		demo := httptest.NewServer(fakemodel.New(fakemodel.Options{}))
		defer demo.Close()
		opts.BaseURL, opts.Model = demo.URL+"/v1", "demo"
	}
	client, err := mcpclient.NewClient(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	shout, err := mcpclient.NewTool("shout", "Repeat a text in capitals",
		func(ctx context.Context, in shoutInput) (string, error) {
			return strings.ToUpper(in.Text) + "!", nil
		})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.AddTool(shout); err != nil {
		log.Fatal(err)
	}

	res, err := client.Ask(context.Background(), "Please shout: hello tools")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Answer)
}
