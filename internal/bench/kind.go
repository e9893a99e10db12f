package bench

// Kind classifies the outcome of one request. The zero value is [OK].
type Kind uint8

// The outcomes. Their names (see [Kind.String]) are the keys of the
// "errors" object of the JSON report, so they are part of its schema.
const (
	OK Kind = iota
	// Throttled is a request that ended with HTTP 429, retries included.
	Throttled
	// ServerError is a request that ended with a 5xx status.
	ServerError
	// ClientError is a request that ended with another 4xx status.
	ClientError
	// Timeout is a request that ran out of time.
	Timeout
	// Connection is a request that got no response: refused, reset,
	// closed mid-response, or an MCP session that ended.
	Connection
	// InvalidToolCall is a reply whose tool call names no offered tool or
	// has arguments that fail the tool's schema.
	InvalidToolCall
	// ToolError is an MCP tools/call whose result is marked isError.
	ToolError
	// RPCError is an MCP request answered with a JSON-RPC error.
	RPCError
	// Other is any other failure.
	Other

	numKinds
)

var kindNames = [numKinds]string{
	OK:              "ok",
	Throttled:       "429",
	ServerError:     "5xx",
	ClientError:     "4xx",
	Timeout:         "timeout",
	Connection:      "connection",
	InvalidToolCall: "invalid_tool_call",
	ToolError:       "tool_error",
	RPCError:        "rpc_error",
	Other:           "other",
}

// String returns the kind's name as used in reports, "ok" for [OK].
func (k Kind) String() string {
	if k >= numKinds {
		return "other"
	}
	return kindNames[k]
}

// FailureKinds lists every kind but [OK], in report order.
func FailureKinds() []Kind {
	out := make([]Kind, 0, numKinds-1)
	for k := Throttled; k < numKinds; k++ {
		out = append(out, k)
	}
	return out
}
