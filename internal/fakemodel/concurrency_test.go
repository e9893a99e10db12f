package fakemodel

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConcurrentRequests(t *testing.T) {
	const n, scripted = 50, 25
	var script []Step
	for i := range scripted {
		script = append(script, Step{Message: &Message{Content: fmt.Sprintf("step-%d", i)}})
	}
	s := New(Options{
		Script:    script,
		Latency:   LogNormalLatency(2*time.Millisecond, 0.5, nil),
		RateLimit: &RateLimit{Every: 1000},
	})
	ts := startServer(t, s)

	var wg sync.WaitGroup
	contents := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			req := userRequest(fmt.Sprintf("req-%d", i))
			req.Stream = i%2 == 0
			body, _ := json.Marshal(req)
			resp, err := ts.Client().Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(string(body)))
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Errorf("status %d, read error %v, body %s", resp.StatusCode, err, b)
				return
			}
			contents[i] = string(b)
		})
	}
	wg.Wait()

	seen := map[string]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		var content string
		if i%2 == 0 {
			data, _ := sseEvents(t, contents[i])
			content = assemble(t, data).msg.Content
		} else {
			_, m := decodeCompletion(t, contents[i])
			content = m.Content
		}
		switch {
		case strings.HasPrefix(content, "step-"):
			seen[content]++
		case content != fmt.Sprintf("(demo model) You said: req-%d", i):
			t.Errorf("request %d content = %q, want a step or its own echo", i, content)
		}
	}
	for i := range scripted {
		if c := seen[fmt.Sprintf("step-%d", i)]; c != 1 {
			t.Errorf("step-%d served %d times, want 1", i, c)
		}
	}
	if got := len(s.Requests()); got != n {
		t.Errorf("len(Requests()) = %d, want %d", got, n)
	}
}
