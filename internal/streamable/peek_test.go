package streamable

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestPeek(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"request", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"name":"inner","uri":"x"}}}`,
			Message{Kind: KindRequest, ID: []byte("7"), Method: "tools/call", Name: "add", HasName: true}},
		{"string id", `{"jsonrpc":"2.0","id":"a-1","method":"ping"}`,
			Message{Kind: KindRequest, ID: []byte(`"a-1"`), Method: "ping"}},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
			Message{Kind: KindNotification, Method: "notifications/initialized"}},
		{"cancelled", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12,"reason":"timeout"}}`,
			Message{Kind: KindNotification, Method: "notifications/cancelled", CancelID: []byte("12")}},
		{"result", `{"jsonrpc":"2.0","id":3,"result":{"id":99,"method":"x"}}`,
			Message{Kind: KindResponse, ID: []byte("3")}},
		{"error", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}}`,
			Message{Kind: KindResponse, ID: []byte("null"), IsError: true}},
		{"resource uri", `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a b"}}`,
			Message{Kind: KindRequest, ID: []byte("1"), Method: "resources/read", URI: "file:///a b", HasURI: true}},
		{"modern meta", `{"id":1,"jsonrpc":"2.0","params":{"_meta":{"progressToken":1,"io.modelcontextprotocol/protocolVersion":"2026-07-28"},"name":"x"},"method":"tools/call"}`,
			Message{Kind: KindRequest, ID: []byte("1"), Method: "tools/call", Name: "x", HasName: true, Version: "2026-07-28"}},
		{"escaped name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"caf\u00e9 \"q\""}}`,
			Message{Kind: KindRequest, ID: []byte("1"), Method: "tools/call", Name: `café "q"`, HasName: true}},
		{"escaped key", `{"jsonrpc":"2.0","\u0069d":4,"method":"ping"}`,
			Message{Kind: KindRequest, ID: []byte("4"), Method: "ping"}},
		{"whitespace", " {\n \"id\" : 5 ,\t\"method\" : \"ping\" } \n",
			Message{Kind: KindRequest, ID: []byte("5"), Method: "ping"}},
		{"last duplicate wins", `{"id":1,"id":2,"method":"a","method":"b"}`,
			Message{Kind: KindRequest, ID: []byte("2"), Method: "b"}},
		{"duplicate params replace", `{"id":1,"method":"tools/call","params":{"name":"a"},"params":{"uri":"u"}}`,
			Message{Kind: KindRequest, ID: []byte("1"), Method: "tools/call", URI: "u", HasURI: true}},
		{"non-string name", `{"id":1,"method":"tools/call","params":{"name":{"x":"}"}}}`,
			Message{Kind: KindRequest, ID: []byte("1"), Method: "tools/call"}},
		{"nested brackets in strings", `{"id":1,"method":"m","params":{"a":["]}\"",{"b":"{["}],"name":"n"}}`,
			Message{Kind: KindRequest, ID: []byte("1"), Method: "m", Name: "n", HasName: true}},
		{"non-string method", `{"id":1,"method":5}`, Message{ID: []byte("1")}},
		{"request with null id", `{"id":null,"method":"m"}`, Message{ID: []byte("null"), Method: "m"}},
		{"result and error", `{"id":1,"result":{},"error":{}}`, Message{ID: []byte("1")}},
		{"empty", `{}`, Message{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Peek([]byte(tt.in))
			if err != nil {
				t.Fatalf("Peek(%s) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Peek(%s) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestPeekRejects(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `null`, `"x"`, `{`, `{"id"}`, `{"id":1`, `{"id":1,}`, `{,}`, `{"id":1}}`,
		`{"method":"unterminated}`, `{"id":[1,2}`, "{\"method\":\"a\x01b\"}", `{"a":1 "b":2}`, `{} x`,
	} {
		t.Run(in, func(t *testing.T) {
			if m, err := Peek([]byte(in)); err == nil && m.Kind != KindInvalid {
				t.Errorf("Peek(%q) = %+v, nil; want an error or KindInvalid", in, m)
			}
		})
	}
}

func TestPeekAllocs(t *testing.T) {
	msg := []byte(`{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":[1,2,{"c":"d"}]},"_meta":{"progressToken":42}}}`)
	got := testing.AllocsPerRun(100, func() {
		if _, err := Peek(msg); err != nil {
			t.Fatal(err)
		}
	})
	// The method and the name are the only strings made.
	if got > 2 {
		t.Errorf("Peek allocates %v times, want at most 2", got)
	}
}

// reference decodes a message the slow, sure way, for comparison.
func reference(data []byte) (Message, bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return Message{}, false
	}
	var m Message
	str := func(raw json.RawMessage) (string, bool) {
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	if id, ok := top["id"]; ok {
		m.ID = id
	}
	rawMethod, hasMethod := top["method"]
	method, methodOK := str(rawMethod)
	m.Method = method
	var params map[string]json.RawMessage
	if json.Unmarshal(top["params"], &params) == nil {
		m.Name, m.HasName = str(params["name"])
		m.URI, m.HasURI = str(params["uri"])
		m.CancelID = params["requestId"]
		var meta map[string]json.RawMessage
		if json.Unmarshal(params["_meta"], &meta) == nil {
			m.Version, _ = str(meta[metaVersionKey])
		}
	}
	_, hasResult := top["result"]
	_, hasError := top["error"]
	isNull := string(m.ID) == "null"
	switch {
	case hasMethod && !methodOK:
	case hasMethod && m.ID == nil:
		m.Kind = KindNotification
	case hasMethod && !isNull:
		m.Kind = KindRequest
	case !hasMethod && m.ID != nil && hasResult != hasError:
		m.Kind, m.IsError = KindResponse, hasError
	}
	return m, true
}

// FuzzPeek checks that Peek never panics, never reads outside its input,
// and agrees with encoding/json on every valid JSON object.
func FuzzPeek(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{}}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"x"}}`,
		`{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`,
		`{"id":1,"method":"resources/read","params":{"uri":"a\u00e9","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"id":[1,{"a":"]"}],"method":"\ud83d\ude00"}`,
		`{"id":1,"id":2,"params":1,"params":{"name":"n"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		got, err := Peek(in)
		if !bytes.Equal(in, data) {
			t.Fatal("Peek modified its input")
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		want, ok := reference(data)
		if !ok {
			if err == nil && got.Kind != KindInvalid {
				t.Fatalf("Peek(%q) = %+v for a non-object", data, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("Peek(%q) error = %v for a valid object", data, err)
		}
		// Raw ids compare as JSON values: the reference keeps them as
		// they were, and so must Peek.
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Peek(%q) mismatch (-encoding/json +Peek):\n%s", data, diff)
		}
	})
}
