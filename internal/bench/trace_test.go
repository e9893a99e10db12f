package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const (
	roleChunk    = `data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`
	contentChunk = `data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}`
)

func TestHasToken(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{roleChunk, false},
		{contentChunk, true},
		{`data:{"choices":[{"delta":{"content":"x"}}]}`, true},
		{`data: {"choices":[{"delta":{"reasoning_content":"hmm"}}]}`, true},
		{`data: {"choices":[{"delta":{"reasoning":"hmm"}}]}`, true},
		{`data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}}]}}]}`, true},
		{`data: {"choices":[],"usage":{"prompt_tokens":3}}`, false},
		{`data: [DONE]`, false},
		{`: keep-alive`, false},
		{`event: message`, false},
		{`data: not json`, false},
		{``, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := hasToken([]byte(tt.line)); got != tt.want {
				t.Errorf("hasToken(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

func TestFirstTokenBody(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		found  bool
	}{
		{"LF", roleChunk + "\n\n" + contentChunk + "\n\ndata: [DONE]\n\n", true},
		{"CRLF", roleChunk + "\r\n\r\n" + contentChunk + "\r\n\r\n", true},
		{"no final newline", roleChunk + "\n" + contentChunk, false},
		{"role only", roleChunk + "\n\ndata: [DONE]\n\n", false},
		{"line too long", "data: " + strings.Repeat("x", maxScanLine+10) + "\n" + contentChunk + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &Trace{}
			// One byte per Read, so that lines arrive in pieces.
			body := &firstTokenBody{ReadCloser: io.NopCloser(iotest.OneByteReader(strings.NewReader(tt.stream))), trace: tr}
			got, err := io.ReadAll(body)
			if err != nil || string(got) != tt.stream {
				t.Fatalf("reading through firstTokenBody changed the stream (err %v)", err)
			}
			if found := !tr.FirstToken().IsZero(); found != tt.found {
				t.Errorf("first token found = %v, want %v", found, tt.found)
			}
		})
	}
}

func TestTransportTrace(t *testing.T) {
	const delay = 60 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			io.WriteString(w, "{}")
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, roleChunk+"\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(delay)
		io.WriteString(w, contentChunk+"\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &Transport{Base: srv.Client().Transport}}

	get := func(ctx context.Context, path string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	ctx, tr := WithTrace(context.Background())
	start := time.Now()
	get(ctx, "/stream")
	if got := tr.FirstToken().Sub(start); got < delay {
		t.Errorf("first token after %v, want at least %v (the role chunk is not a token)", got, delay)
	}
	get(ctx, "/plain")
	if got := tr.Attempts(); got != 2 {
		t.Errorf("Attempts() = %d after two requests, want 2", got)
	}
	// Without a trace nothing is recorded and nothing breaks.
	get(context.Background(), "/stream")
	var none *Trace
	if none.Attempts() != 0 || !none.FirstToken().IsZero() || TraceFrom(context.Background()) != nil {
		t.Error("a nil Trace reported something")
	}
	srv.Client().CloseIdleConnections()
}
