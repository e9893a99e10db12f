package sse_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mcpclient/mcpclient/internal/sse"
)

func ExampleReader() {
	stream := ": PROCESSING\n\n" +
		"id: 41\nevent: message\ndata: {\"a\":1}\n\n" +
		"retry: 2000\ndata: line one\ndata: line two\n\n"
	r := sse.NewReader(strings.NewReader(stream), 0)
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("type=%q id=%q data=%q\n", ev.Type, ev.ID, ev.Data)
	}
	retry, ok := r.Retry()
	fmt.Println("last id:", r.LastEventID(), "retry:", retry, ok, "comments:", r.Comments())
	// Output:
	// type="message" id="41" data="{\"a\":1}"
	// type="" id="41" data="line one\nline two"
	// last id: 41 retry: 2s true comments: 1
}
