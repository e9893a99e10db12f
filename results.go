package mcpclient

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// maxImageBytes bounds an image forwarded to the model; larger ones are
// described instead, since endpoints reject oversized requests whole.
const maxImageBytes = 10 << 20

// resultToMessages turns a tool result into the tool message that answers
// callID and, when images go to the model, a user message that carries them:
// OpenAI-style endpoints refuse images anywhere but in user messages.
func resultToMessages(callID, name string, res *CallToolResult, images bool) (Message, *Message) {
	var b strings.Builder
	var urls []string
	if res.IsError {
		b.WriteString("Error: the tool reported a failure.\n")
	}
	hasText := false
	for _, c := range res.Content {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		switch c.Type {
		case "text":
			b.WriteString(c.Text)
			hasText = true
		case "image":
			size := base64.StdEncoding.DecodedLen(len(c.Data))
			if images && size <= maxImageBytes && c.Data != "" {
				urls = append(urls, "data:"+c.MIMEType+";base64,"+c.Data)
				fmt.Fprintf(&b, "[image %d (%s) attached in the next user message]", len(urls), c.MIMEType)
			} else {
				fmt.Fprintf(&b, "[image (%s, about %d bytes) not shown to the model]", c.MIMEType, size)
			}
		case "audio":
			fmt.Fprintf(&b, "[audio (%s, about %d bytes) not shown to the model]", c.MIMEType, base64.StdEncoding.DecodedLen(len(c.Data)))
		case "resource_link":
			fmt.Fprintf(&b, "[resource link: %s", c.URI)
			if c.Name != "" {
				fmt.Fprintf(&b, " (%s)", c.Name)
			}
			if c.Description != "" {
				fmt.Fprintf(&b, ": %s", c.Description)
			}
			b.WriteByte(']')
		case "resource":
			writeResource(&b, c.Resource)
			hasText = hasText || (c.Resource != nil && c.Resource.Text != "")
		default:
			fmt.Fprintf(&b, "[content of type %q: %s]", c.Type, truncate(c.Raw, 2000))
		}
	}
	// Structured output usually duplicates a text block; send it only when
	// the text would otherwise be missing.
	if len(res.StructuredContent) > 0 && !hasText {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.Write(res.StructuredContent)
	}
	if b.Len() == 0 {
		b.WriteString("(the tool returned no content)")
	}
	tool := Message{Role: RoleTool, ToolCallID: callID, Name: name, Content: b.String(), IsError: res.IsError}
	if len(urls) == 0 {
		return tool, nil
	}
	user := &Message{
		Role:    RoleUser,
		Content: fmt.Sprintf("The image(s) returned by tool call %s (%s):", callID, name),
		Images:  urls,

		toolImages: true,
	}
	return tool, user
}

func writeResource(b *strings.Builder, r *ResourceContents) {
	if r == nil {
		b.WriteString("[empty resource]")
		return
	}
	if r.Text != "" || r.Blob == "" {
		fmt.Fprintf(b, "[resource %s", r.URI)
		if r.MIMEType != "" {
			fmt.Fprintf(b, " (%s)", r.MIMEType)
		}
		b.WriteString("]\n")
		b.WriteString(r.Text)
		return
	}
	fmt.Fprintf(b, "[binary resource %s (%s, about %d bytes) not shown to the model]", r.URI, r.MIMEType, base64.StdEncoding.DecodedLen(len(r.Blob)))
}

// errorMessage is the tool message for a call that never produced a result:
// it tells the model what went wrong in words it can act on.
func errorMessage(callID, name, text string) Message {
	return Message{Role: RoleTool, ToolCallID: callID, Name: name, Content: "Error: " + text, IsError: true}
}
