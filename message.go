package mcpclient

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one chat message, in the shape OpenAI-compatible endpoints use.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content,omitempty"`
	// Images are data: or https: URLs shown to the model with a user
	// message; endpoints accept images only there.
	Images []string `json:"images,omitempty"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID names the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// Name is the function name, on tool messages.
	Name string `json:"name,omitempty"`
	// ReasoningContent is the thinking text some providers return beside an
	// assistant message and require back, unchanged, within the same user
	// turn.
	ReasoningContent string `json:"reasoning_content,omitempty"`
	// IsError marks a tool message that reports a failure. It is not sent
	// to the model, whose message text says so.
	IsError bool `json:"is_error,omitempty"`

	// toolImages marks the user message that carries a tool's images; it
	// does not start a new user turn.
	toolImages bool
}

// ToolCall is one function call requested by the model.
type ToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// UserMessage is shorthand for a Message with RoleUser.
func UserMessage(text string) Message { return Message{Role: RoleUser, Content: text} }

// SystemMessage is shorthand for a Message with RoleSystem.
func SystemMessage(text string) Message { return Message{Role: RoleSystem, Content: text} }
