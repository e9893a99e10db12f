package lean

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

const meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`

// view is what a test compares of a parsed request.
type view struct {
	id, method, name, args, initVersion, metaVersion string
	hasMeta, hasCaps, response                       bool
}

func viewOf(r *request) view {
	return view{
		id: string(r.id), method: string(r.method), name: string(r.name), args: string(r.args),
		initVersion: string(r.initVersion), metaVersion: string(r.metaVersion),
		hasMeta: r.hasMeta, hasCaps: r.hasCaps, response: r.response,
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want view
	}{
		{"legacy call", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}`,
			view{id: "7", method: "tools/call", name: "echo", args: `{"message":"hi"}`}},
		{"modern call, members in another order", `{"method":"tools/call","params":{"arguments":{"message":"hi"},` + meta + `,"name":"echo"},"id":"a-1","jsonrpc":"2.0"}`,
			view{id: `"a-1"`, method: "tools/call", name: "echo", args: `{"message":"hi"}`, metaVersion: "2026-07-28", hasMeta: true, hasCaps: true}},
		{"whitespace everywhere", " {\n\t\"jsonrpc\" : \"2.0\" ,\r\n \"id\" : -3 , \"method\" : \"ping\" , \"params\" : { } } ",
			view{id: "-3", method: "ping"}},
		{"initialize", `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"x":[1,{"y":"}"}]},"clientInfo":{"name":"n","version":"v"}}}`,
			view{id: "0", method: "initialize", initVersion: "2025-06-18"}},
		{"escaped key and method", `{"jsonr\u0070c":"2.0","id":1,"method":"tools\/list"}`,
			view{id: "1", method: "tools/list"}},
		{"duplicate member: the last wins", `{"jsonrpc":"2.0","id":1,"method":"a","method":"ping"}`,
			view{id: "1", method: "ping"}},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
			view{method: "notifications/initialized"}},
		{"null params", `{"jsonrpc":"2.0","id":1,"method":"ping","params":null}`,
			view{id: "1", method: "ping"}},
		{"meta without the version", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{}}}}`,
			view{id: "1", method: "tools/list", hasCaps: true}},
		{"meta version not a string", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":20260728}}}`,
			view{id: "1", method: "tools/list"}},
		{"strings with braces and quotes inside", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"x":"}{\"","name":"e\"cho","arguments":{"message":"a\"}b"}}}`,
			view{id: "1", method: "tools/call", name: `e"cho`, args: `{"message":"a\"}b"}`}},
		{"member names are case-sensitive", `{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"name":"echo"},"params":{"Name":"x"}}`,
			view{id: "1", method: "tools/call"}},
		{"client response", `{"jsonrpc":"2.0","id":5,"result":{}}`,
			view{id: "5", response: true}},
		{"client error response", `{"jsonrpc":"2.0","id":5,"error":{"code":1,"message":"m"}}`,
			view{id: "5", response: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r request
			if err := parse([]byte(tt.in), &r); err != nil {
				t.Fatalf("parse(%s) error = %v, want nil", tt.in, err)
			}
			if got := viewOf(&r); got != tt.want {
				t.Errorf("parse(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		code   int
		wantID string
	}{
		{"not JSON", `{"jsonrpc":"2.0",`, codeParseError, ""},
		{"empty", ``, codeParseError, ""},
		{"trailing garbage", `{"jsonrpc":"2.0","id":1,"method":"ping"} x`, codeParseError, ""},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, codeInvalidRequest, ""},
		{"scalar", `3`, codeInvalidRequest, ""},
		{"no jsonrpc", `{"id":1,"method":"ping"}`, codeInvalidRequest, "1"},
		{"wrong jsonrpc", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, codeInvalidRequest, "1"},
		{"null id", `{"jsonrpc":"2.0","id":null,"method":"ping"}`, codeInvalidRequest, ""},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"ping"}`, codeInvalidRequest, ""},
		{"method not a string", `{"jsonrpc":"2.0","id":2,"method":7}`, codeInvalidRequest, ""},
		{"no method", `{"jsonrpc":"2.0","id":2}`, codeInvalidRequest, "2"},
		{"params not an object", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":[1]}`, codeInvalidParams, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r request
			err := parse([]byte(tt.in), &r)
			if err == nil {
				t.Fatalf("parse(%s) = nil, want error %d", tt.in, tt.code)
			}
			if err.code != tt.code || string(err.id) != tt.wantID {
				t.Errorf("parse(%s) = code %d id %q, want code %d id %q", tt.in, err.code, err.id, tt.code, tt.wantID)
			}
		})
	}
}

// reference is the envelope as encoding/json reads it, to check parse
// against.
type reference struct {
	JSONRPC *string         `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Params  *struct {
		Name            *string         `json:"name"`
		Arguments       json.RawMessage `json:"arguments"`
		ProtocolVersion *string         `json:"protocolVersion"`
		Meta            *struct {
			Version *string         `json:"io.modelcontextprotocol/protocolVersion"`
			Caps    json.RawMessage `json:"io.modelcontextprotocol/clientCapabilities"`
		} `json:"_meta"`
	} `json:"params"`
}

// checkAgainstReference compares parse with encoding/json on in: parse
// reports a parse error exactly for text that is not JSON, and where it
// accepts the message and encoding/json can decode it into reference, both
// read the same members (the typed fields fail on inputs of other shapes,
// which parse treats on its own terms and TestParseErrors covers). Text
// that is not UTF-8 is left out too: encoding/json replaces bad bytes,
// parse passes them through, which only an echoed message can show.
func checkAgainstReference(t *testing.T, in []byte) {
	var r request
	perr := parse(in, &r)
	if notJSON := perr != nil && perr.code == codeParseError; notJSON == json.Valid(in) {
		t.Errorf("parse(%q) = %v, want a parse error exactly when json.Valid is false", in, perr)
	}
	if perr != nil {
		return
	}
	var ref reference
	if foldedKey(in) || !utf8.Valid(in) || json.Unmarshal(in, &ref) != nil || ref.Method == nil {
		return
	}
	if string(r.method) != *ref.Method {
		t.Errorf("parse(%s) method = %q, want %q", in, r.method, *ref.Method)
	}
	if !bytes.Equal(r.id, ref.ID) {
		t.Errorf("parse(%s) id = %s, want %s", in, r.id, ref.ID)
	}
	if ref.Params == nil {
		return
	}
	p := ref.Params
	if p.Name != nil && string(r.name) != *p.Name {
		t.Errorf("parse(%s) name = %q, want %q", in, r.name, *p.Name)
	}
	if !bytes.Equal(r.args, p.Arguments) && !(r.args == nil && string(p.Arguments) == "null") {
		t.Errorf("parse(%s) arguments = %s, want %s", in, r.args, p.Arguments)
	}
	if p.ProtocolVersion != nil && string(r.initVersion) != *p.ProtocolVersion {
		t.Errorf("parse(%s) protocolVersion = %q, want %q", in, r.initVersion, *p.ProtocolVersion)
	}
	if p.Meta != nil && p.Meta.Version != nil && (!r.hasMeta || string(r.metaVersion) != *p.Meta.Version) {
		t.Errorf("parse(%s) meta version = %q (%v), want %q", in, r.metaVersion, r.hasMeta, *p.Meta.Version)
	}
}

// referenceKeys are the member names parse reads, as the protocol spells
// them.
var referenceKeys = []string{"jsonrpc", "id", "method", "params", "name", "arguments", "protocolVersion", "_meta", metaVersionKey, metaCapsKey}

// foldedKey reports whether in may name a member in other letter case:
// encoding/json matches names case-insensitively, JSON-RPC and parse do not.
func foldedKey(in []byte) bool {
	lower := bytes.ToLower(in)
	for _, k := range referenceKeys {
		q := `"` + k + `"`
		if bytes.Count(lower, bytes.ToLower([]byte(q))) != bytes.Count(in, []byte(q)) {
			return true
		}
	}
	return false
}

var referenceSeeds = []string{
	`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}`,
	`{"jsonrpc":"2.0","id":"x\u0041","method":"tools/call","params":{` + meta + `,"name":"\u00e9cho","arguments":{"message":"h\ni"}}}`,
	`{"jsonrpc":"2.0","id":1.5e3,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}`,
	`{"params":{"name":"a","name":"b","arguments":[]},"method":"m","jsonrpc":"2.0","id":0}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","params":{"arguments":"s","_meta":{"io.modelcontextprotocol/protocolVersion":"v","a":{"b":[{"c":"]"}]}}}}`,
}

func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, s := range referenceSeeds {
		checkAgainstReference(t, []byte(s))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range referenceSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkAgainstReference(t, in)
		// Whatever parse accepts, the answer to it must be one JSON value.
		var r request
		out, _ := answer(nil, in, bothEras, &r)
		if len(out) > 0 && !json.Valid(out) {
			t.Errorf("answer(%q) = %s, not valid JSON", in, out)
		}
	})
}

// TestAnswerAllocs holds the server to its point: answering a call
// allocates nothing.
func TestAnswerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	tests := []struct{ name, in string }{
		{"legacy", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}`},
		{"modern", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{` + meta + `,"name":"echo","arguments":{"message":"hello"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			buf := make([]byte, 0, 1024)
			var r request
			got := testing.AllocsPerRun(100, func() { buf, _ = answer(buf[:0], in, bothEras, &r) })
			if got != 0 {
				t.Errorf("answer(tools/call) allocations = %v, want 0", got)
			}
		})
	}
}
