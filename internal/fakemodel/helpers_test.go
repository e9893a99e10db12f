package fakemodel

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// startServer serves s on loopback for the duration of the test.
func startServer(t *testing.T, s *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request and reads the whole response.
func do(t *testing.T, ts *httptest.Server, method, path, body string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest(%s %s) error = %v", method, path, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("Do(%s %s) error = %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("ReadAll(%s %s) error = %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func postChat(t *testing.T, ts *httptest.Server, body string) response {
	t.Helper()
	return do(t, ts, http.MethodPost, "/v1/chat/completions", body, nil)
}

// encode marshals a request built in a test.
func encode(t *testing.T, req Request) string {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("json.Marshal(%+v) error = %v", req, err)
	}
	return string(b)
}

// userRequest is a minimal valid request with one user message.
func userRequest(text string) Request {
	return Request{Model: "m", Messages: []RequestMessage{{Role: "user", Content: text}}}
}

// wireCompletion decodes a non-streamed reply independently of the server's
// own structs.
type wireCompletion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index        int             `json:"index"`
		Message      json.RawMessage `json:"message"`
		FinishReason string          `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
}

// decodeCompletion checks the envelope and returns the single choice's message.
func decodeCompletion(t *testing.T, body string) (wireCompletion, Message) {
	t.Helper()
	var c wireCompletion
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("json.Unmarshal(%q) error = %v", body, err)
	}
	if len(c.Choices) != 1 {
		t.Fatalf("len(choices) = %d, want 1 (body %s)", len(c.Choices), body)
	}
	var m Message
	if err := json.Unmarshal(c.Choices[0].Message, &m); err != nil {
		t.Fatalf("json.Unmarshal(message %s) error = %v", c.Choices[0].Message, err)
	}
	return c, m
}

type wireError struct {
	Error struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    string          `json:"code"`
		Param   json.RawMessage `json:"param"`
	} `json:"error"`
}

// decodeError checks that body is in OpenAI's error shape.
func decodeError(t *testing.T, body string) wireError {
	t.Helper()
	var e wireError
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("json.Unmarshal(%q) error = %v", body, err)
	}
	if e.Error.Message == "" || e.Error.Type == "" || e.Error.Code == "" {
		t.Fatalf("error body %s lacks message, type or code", body)
	}
	return e
}
