package lean

// ToolName is the name of the server's only tool, the same as package
// echo's.
const ToolName = "echo"

// InputSchema is the tool's input schema, the same as package echo's: an
// object whose "message" is a string.
const InputSchema = `{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`

const toolDescription = "Returns its message."

// toolJSON is the tool as tools/list lists it.
const toolJSON = `{"name":"` + ToolName + `","description":"` + toolDescription + `","inputSchema":` + InputSchema + `}`

// echoMessage returns the raw JSON string token of args' "message" member,
// which the reply carries as it came: a valid JSON string needs no
// re-encoding (bytes that are not UTF-8 come back as sent, where the SDK
// would replace them). ok is false unless args is an object whose
// "message" is a string.
func echoMessage(args []byte) (msg []byte, ok bool) {
	if len(args) == 0 || args[0] != '{' {
		return nil, false
	}
	it := members{data: args, pos: 1}
	for key, val, more := it.next(); more; key, val, more = it.next() {
		if string(unquote(key)) == "message" {
			// A later duplicate wins, as in encoding/json.
			msg, ok = val, val[0] == '"'
		}
	}
	return msg, ok
}
