package fakemodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Request is a chat completion request as the server decoded it. Fields the
// server does not use (temperature and the like) are only in Raw. A Request can
// also be marshalled to build a request body; Raw and Header are not encoded.
type Request struct {
	Model         string           `json:"model"`
	Messages      []RequestMessage `json:"messages"`
	Tools         []Tool           `json:"tools,omitempty"`
	Stream        bool             `json:"stream,omitempty"`
	StreamOptions *StreamOptions   `json:"stream_options,omitempty"`
	// ToolChoice is kept undecoded because it is either a string or an object;
	// nil when absent.
	ToolChoice json.RawMessage `json:"tool_choice,omitempty"`

	// Raw is the request body exactly as received.
	Raw []byte `json:"-"`
	// Header holds the request headers as received.
	Header http.Header `json:"-"`
}

// StreamOptions is the stream_options object of a request.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// RequestMessage is one message of a request. Its content may arrive as a
// string or as an array of parts: Parts keeps the parts undecoded (nil when the
// content was a string or null) and Content holds the string, or the text parts
// joined by newlines.
type RequestMessage struct {
	Role             string
	Content          string
	Parts            []json.RawMessage
	ToolCalls        []ToolCall
	ToolCallID       string
	Name             string
	ReasoningContent string
}

// requestMessageWire is the JSON layout of a RequestMessage.
type requestMessageWire struct {
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	ToolCalls        []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID       string          `json:"tool_call_id,omitempty"`
	Name             string          `json:"name,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
}

var errContentShape = errors.New("mcpclient: decode message: content must be a string, an array of parts or null")

// UnmarshalJSON decodes a message whose content is a string, an array of parts
// or null; any other content is an error.
func (m *RequestMessage) UnmarshalJSON(b []byte) error {
	var w requestMessageWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = RequestMessage{
		Role:             w.Role,
		ToolCalls:        w.ToolCalls,
		ToolCallID:       w.ToolCallID,
		Name:             w.Name,
		ReasoningContent: w.ReasoningContent,
	}
	c := bytes.TrimSpace(w.Content)
	switch {
	case len(c) == 0 || string(c) == "null":
	case c[0] == '"':
		return json.Unmarshal(c, &m.Content)
	case c[0] == '[':
		if err := json.Unmarshal(c, &m.Parts); err != nil {
			return err
		}
		m.Content = textOfParts(m.Parts)
	default:
		return errContentShape
	}
	return nil
}

// MarshalJSON encodes m with Parts as the content when Parts is non-nil,
// otherwise Content, which becomes null when empty and tool calls are present.
func (m RequestMessage) MarshalJSON() ([]byte, error) {
	w := requestMessageWire{
		Role:             m.Role,
		ToolCalls:        m.ToolCalls,
		ToolCallID:       m.ToolCallID,
		Name:             m.Name,
		ReasoningContent: m.ReasoningContent,
	}
	var err error
	switch {
	case m.Parts != nil:
		w.Content, err = json.Marshal(m.Parts)
	case m.Content == "" && len(m.ToolCalls) > 0:
		w.Content = json.RawMessage("null")
	default:
		w.Content, err = json.Marshal(m.Content)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// textOfParts joins the text of the "text" parts; other parts carry no text
// a brain could use.
func textOfParts(parts []json.RawMessage) string {
	var texts []string
	for _, p := range parts {
		var part struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if json.Unmarshal(p, &part) == nil && part.Type == "text" {
			texts = append(texts, part.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// Tool is one entry of a request's tools array.
type Tool struct {
	Type     string       `json:"type"`
	Function ToolFunction `json:"function"`
}

// ToolFunction describes a function offered to the model. Parameters is kept
// undecoded: nil when absent, the bytes "null" when sent as null.
type ToolFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
}

// decodeRequest parses body; on failure it still returns a Request carrying
// body and header, so that the attempt can be recorded.
func decodeRequest(body []byte, header http.Header) (*Request, error) {
	req := new(Request)
	err := json.Unmarshal(body, req)
	if err != nil {
		req = new(Request)
	}
	req.Raw = body
	req.Header = header.Clone()
	return req, err
}

// cloneRequest returns a deep copy of r, so that recorded requests cannot be
// changed through what callers or brains receive.
func cloneRequest(r *Request) *Request {
	c := *r
	c.Raw = bytes.Clone(r.Raw)
	c.Header = r.Header.Clone()
	c.ToolChoice = bytes.Clone(r.ToolChoice)
	if r.StreamOptions != nil {
		so := *r.StreamOptions
		c.StreamOptions = &so
	}
	if r.Messages != nil {
		c.Messages = make([]RequestMessage, len(r.Messages))
		for i, m := range r.Messages {
			m.ToolCalls = slices.Clone(m.ToolCalls)
			if m.Parts != nil {
				parts := make([]json.RawMessage, len(m.Parts))
				for j, p := range m.Parts {
					parts[j] = bytes.Clone(p)
				}
				m.Parts = parts
			}
			c.Messages[i] = m
		}
	}
	if r.Tools != nil {
		c.Tools = make([]Tool, len(r.Tools))
		for i, t := range r.Tools {
			t.Function.Parameters = bytes.Clone(t.Function.Parameters)
			c.Tools[i] = t
		}
	}
	return &c
}
