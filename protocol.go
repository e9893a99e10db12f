package mcpclient

import (
	"encoding/json"
	"strings"
)

// Protocol revisions this client speaks, newest first. Sessions negotiate the
// newest one the server also speaks.
const (
	// Version20260728 is the stateless revision: no handshake, per-request
	// _meta, server/discover, multi round-trip requests.
	Version20260728 = "2026-07-28"
	Version20251125 = "2025-11-25"
	Version20250618 = "2025-06-18"
	Version20250326 = "2025-03-26"
	Version20241105 = "2024-11-05"
)

// SupportedVersions lists the revisions this client speaks, newest first.
func SupportedVersions() []string {
	return append(modernVersions(), legacyVersions()...)
}

// modernVersions are the stateless revisions, newest first.
func modernVersions() []string { return []string{Version20260728} }

// legacyVersions are the revisions with an initialize handshake, newest
// first.
func legacyVersions() []string {
	return []string{Version20251125, Version20250618, Version20250326, Version20241105}
}

func isSupportedVersion(v string) bool { return contains(SupportedVersions(), v) }

func isModernVersion(v string) bool { return contains(modernVersions(), v) }

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Implementation names a client or server and its version.
type Implementation struct {
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version"`
}

// Tool is a tool as a server lists it. The schemas stay raw JSON, exactly as
// the server sent them.
type Tool struct {
	Name         string           `json:"name"`
	Title        string           `json:"title,omitempty"`
	Description  string           `json:"description,omitempty"`
	InputSchema  json.RawMessage  `json:"inputSchema,omitempty"`
	OutputSchema json.RawMessage  `json:"outputSchema,omitempty"`
	Annotations  *ToolAnnotations `json:"annotations,omitempty"`
	Meta         json.RawMessage  `json:"_meta,omitempty"`
}

// ToolAnnotations are the server's hints about a tool's behaviour. They are
// hints from a peer, not guarantees: approval hooks may use them to decide
// whom to ask, not to skip asking for an untrusted server.
type ToolAnnotations struct {
	Title           string `json:"title,omitempty"`
	ReadOnlyHint    *bool  `json:"readOnlyHint,omitempty"`
	DestructiveHint *bool  `json:"destructiveHint,omitempty"`
	IdempotentHint  *bool  `json:"idempotentHint,omitempty"`
	OpenWorldHint   *bool  `json:"openWorldHint,omitempty"`
}

// CallToolResult is the result of tools/call. A result with IsError set is a
// failure the tool reported, which a model can read and act on; it is not a
// Go error unless the caller asks through [CallToolResult.Err].
type CallToolResult struct {
	Content           []Content       `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent,omitempty"`
	IsError           bool            `json:"isError,omitempty"`
	Meta              json.RawMessage `json:"_meta,omitempty"`
}

// Text returns the text of all text contents, joined by newlines.
func (r *CallToolResult) Text() string {
	var parts []string
	for _, c := range r.Content {
		if c.Type == "text" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// Err returns a [*ToolError] holding the result's text when IsError is set,
// and nil otherwise.
func (r *CallToolResult) Err() error {
	if !r.IsError {
		return nil
	}
	return &ToolError{Message: r.Text()}
}

// Content is one item of a tool result or prompt message. Type says which
// fields are set:
//
//   - "text": Text
//   - "image", "audio": Data (base64) and MIMEType
//   - "resource_link": URI, Name, and optionally Title, Description, MIMEType
//   - "resource": Resource, an embedded resource
//
// Types this client does not know are kept with their raw JSON in Raw.
type Content struct {
	Type        string            `json:"type"`
	Text        string            `json:"text,omitempty"`
	Data        string            `json:"data,omitempty"`
	MIMEType    string            `json:"mimeType,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Name        string            `json:"name,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Size        *int64            `json:"size,omitempty"`
	Resource    *ResourceContents `json:"resource,omitempty"`
	Annotations json.RawMessage   `json:"annotations,omitempty"`
	Meta        json.RawMessage   `json:"_meta,omitempty"`

	// Raw is the item as received, kept for types this client does not
	// know when it comes from a tool result.
	Raw json.RawMessage `json:"-"`
}

func knownContentType(t string) bool {
	switch t {
	case "text", "image", "audio", "resource", "resource_link":
		return true
	}
	return false
}

// keepUnknownContent fills Raw for the items of a type this client does not
// know. It decodes the list a second time, which only such rare results pay
// for; the common path decodes once.
func keepUnknownContent(raw json.RawMessage, items []Content) {
	unknown := false
	for i := range items {
		unknown = unknown || !knownContentType(items[i].Type)
	}
	if !unknown {
		return
	}
	var env struct {
		Content []json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &env) != nil || len(env.Content) != len(items) {
		return
	}
	for i := range items {
		if !knownContentType(items[i].Type) {
			items[i].Raw = env.Content[i]
		}
	}
}

// ResourceContents is the content of a resource: Text for text resources,
// Blob (base64) for binary ones.
type ResourceContents struct {
	URI      string          `json:"uri"`
	MIMEType string          `json:"mimeType,omitempty"`
	Text     string          `json:"text,omitempty"`
	Blob     string          `json:"blob,omitempty"`
	Meta     json.RawMessage `json:"_meta,omitempty"`
}

// Progress is one notifications/progress message for a request.
type Progress struct {
	Progress float64 `json:"progress"`
	Total    float64 `json:"total,omitempty"`
	Message  string  `json:"message,omitempty"`
}

// initializeResult is the server's answer to initialize.
type initializeResult struct {
	ProtocolVersion string          `json:"protocolVersion"`
	Capabilities    json.RawMessage `json:"capabilities"`
	ServerInfo      Implementation  `json:"serverInfo"`
	Instructions    string          `json:"instructions,omitempty"`
}

type listToolsResult struct {
	Tools      []*Tool `json:"tools"`
	NextCursor string  `json:"nextCursor,omitempty"`
	// TTLMs is how long the list may be cached (2026-07-28).
	TTLMs *int64 `json:"ttlMs,omitempty"`
}

type progressParams struct {
	ProgressToken json.RawMessage `json:"progressToken"`
	Progress
}

// LogMessage is a notifications/message from a server.
type LogMessage struct {
	Level  string          `json:"level"`
	Logger string          `json:"logger,omitempty"`
	Data   json.RawMessage `json:"data"`
}
