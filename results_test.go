package mcpclient

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	openai "github.com/sashabaranov/go-openai"
)

func TestResultToMessages(t *testing.T) {
	text := func(s string) Content { return Content{Type: "text", Text: s} }
	png := Content{Type: "image", Data: tinyPNG, MIMEType: "image/png"}
	tests := []struct {
		name      string
		res       CallToolResult
		images    bool
		want      string
		wantError bool
		wantURLs  []string // nil: no user message
	}{
		{name: "text", res: CallToolResult{Content: []Content{text("a"), text("b")}}, want: "a\nb"},
		{name: "error", res: CallToolResult{Content: []Content{text("boom")}, IsError: true},
			want: "Error: the tool reported a failure.\nboom", wantError: true},
		{name: "empty", res: CallToolResult{}, want: "(the tool returned no content)"},
		{name: "empty error", res: CallToolResult{IsError: true}, want: "Error: the tool reported a failure.\n", wantError: true},
		{name: "image without vision", res: CallToolResult{Content: []Content{text("shot"), png}},
			want: "shot\n[image (image/png, about 9 bytes) not shown to the model]"},
		{name: "images with vision", res: CallToolResult{Content: []Content{png, text("two"), {Type: "image", Data: "R0lG", MIMEType: "image/gif"}}}, images: true,
			want:     "[image 1 (image/png) attached in the next user message]\ntwo\n[image 2 (image/gif) attached in the next user message]",
			wantURLs: []string{"data:image/png;base64," + tinyPNG, "data:image/gif;base64,R0lG"}},
		{name: "empty image data", res: CallToolResult{Content: []Content{{Type: "image", MIMEType: "image/png"}}}, images: true,
			want: "[image (image/png, about 0 bytes) not shown to the model]"},
		{name: "oversized image", res: CallToolResult{Content: []Content{{Type: "image", Data: strings.Repeat("A", 14<<20), MIMEType: "image/png"}}}, images: true,
			want: "[image (image/png, about 11010048 bytes) not shown to the model]"},
		{name: "audio", res: CallToolResult{Content: []Content{{Type: "audio", Data: "AAAA", MIMEType: "audio/wav"}}},
			want: "[audio (audio/wav, about 3 bytes) not shown to the model]"},
		{name: "resource link", res: CallToolResult{Content: []Content{{Type: "resource_link", URI: "file:///a", Name: "a", Description: "the a"}}},
			want: "[resource link: file:///a (a): the a]"},
		{name: "text resource", res: CallToolResult{Content: []Content{{Type: "resource", Resource: &ResourceContents{URI: "file:///b", MIMEType: "text/plain", Text: "bee"}}}},
			want: "[resource file:///b (text/plain)]\nbee"},
		{name: "blob resource", res: CallToolResult{Content: []Content{{Type: "resource", Resource: &ResourceContents{URI: "file:///c", MIMEType: "application/zip", Blob: "AAEC"}}}},
			want: "[binary resource file:///c (application/zip, about 3 bytes) not shown to the model]"},
		{name: "nil resource", res: CallToolResult{Content: []Content{{Type: "resource"}}}, want: "[empty resource]"},
		{name: "unknown type", res: CallToolResult{Content: []Content{{Type: "hologram", Raw: json.RawMessage(`{"type":"hologram"}`)}}},
			want: `[content of type "hologram": {"type":"hologram"}]`},
		{name: "structured only", res: CallToolResult{StructuredContent: json.RawMessage(`{"sum":5}`)}, want: `{"sum":5}`},
		{name: "structured beside text", res: CallToolResult{Content: []Content{text("5")}, StructuredContent: json.RawMessage(`{"sum":5}`)}, want: "5"},
		{name: "structured beside image", res: CallToolResult{Content: []Content{png}, StructuredContent: json.RawMessage(`{"w":1}`)},
			want: "[image (image/png, about 9 bytes) not shown to the model]\n{\"w\":1}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, extra := resultToMessages("c1", "srv__f", &tt.res, tt.images)
			want := Message{Role: RoleTool, ToolCallID: "c1", Name: "srv__f", Content: tt.want, IsError: tt.wantError}
			if diff := cmp.Diff(want, tool, cmpopts.IgnoreUnexported(Message{})); diff != "" {
				t.Errorf("tool message mismatch (-want +got):\n%s", diff)
			}
			if tt.wantURLs == nil {
				if extra != nil {
					t.Errorf("user message = %+v, want none", extra)
				}
				return
			}
			if extra == nil {
				t.Fatal("no user message, want one carrying the images")
			}
			if extra.Role != RoleUser || !extra.toolImages || !cmp.Equal(extra.Images, tt.wantURLs) || !strings.Contains(extra.Content, "c1") {
				t.Errorf("user message = %+v, want a tool-images user message with %v naming c1", extra, tt.wantURLs)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	got := errorMessage("c9", "f", "it broke.")
	want := Message{Role: RoleTool, ToolCallID: "c9", Name: "f", Content: "Error: it broke.", IsError: true}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Message{})); diff != "" {
		t.Errorf("errorMessage mismatch (-want +got):\n%s", diff)
	}
}

func TestToOpenAI(t *testing.T) {
	images := Message{Role: RoleUser, Content: "pictures:", Images: []string{"data:image/png;base64,AA=="}, toolImages: true}
	msgs := []Message{
		SystemMessage("be brief"),
		UserMessage("first"),
		{Role: RoleAssistant, ReasoningContent: "old thought", ToolCalls: []ToolCall{{ID: "a", Name: "f", Arguments: "{}"}}},
		{Role: RoleTool, ToolCallID: "a", Name: "f", Content: "done", IsError: true},
		{Role: RoleAssistant, Content: "ok"},
		UserMessage("second"),
		{Role: RoleAssistant, ReasoningContent: "new thought", ToolCalls: []ToolCall{{ID: "b", Name: "g", Arguments: `{"x":1}`}}},
		{Role: RoleTool, ToolCallID: "b", Name: "g", Content: "shot"},
		images,
		{Role: RoleAssistant, ReasoningContent: "after images", ToolCalls: []ToolCall{{ID: "c", Name: "g", Arguments: "{}"}}},
	}
	got := toOpenAI(msgs)
	want := []openai.ChatCompletionMessage{
		{Role: "system", Content: "be brief"},
		{Role: "user", Content: "first"},
		{Role: "assistant", ToolCalls: []openai.ToolCall{{ID: "a", Type: "function", Function: openai.FunctionCall{Name: "f", Arguments: "{}"}}}},
		{Role: "tool", ToolCallID: "a", Name: "f", Content: "done"},
		{Role: "assistant", Content: "ok"},
		{Role: "user", Content: "second"},
		{Role: "assistant", ReasoningContent: "new thought", ToolCalls: []openai.ToolCall{{ID: "b", Type: "function", Function: openai.FunctionCall{Name: "g", Arguments: `{"x":1}`}}}},
		{Role: "tool", ToolCallID: "b", Name: "g", Content: "shot"},
		{Role: "user", MultiContent: []openai.ChatMessagePart{
			{Type: "text", Text: "pictures:"},
			{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{URL: "data:image/png;base64,AA=="}},
		}},
		{Role: "assistant", ReasoningContent: "after images", ToolCalls: []openai.ToolCall{{ID: "c", Type: "function", Function: openai.FunctionCall{Name: "g", Arguments: "{}"}}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("toOpenAI mismatch (-want +got):\n%s", diff)
	}
	for i, m := range got {
		if _, err := json.Marshal(m); err != nil {
			t.Errorf("message %d does not marshal: %v", i, err)
		}
	}
}
