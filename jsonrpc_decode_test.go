package mcpclient

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeCases are messages the hand-split fast path must decode exactly as
// encoding/json decodes the plain struct, or reject as encoding/json does.
var decodeCases = []string{
	`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}`,
	`{"result":{},"id":"7","jsonrpc":"2.0"}`,
	` { "jsonrpc" : "2.0" , "id" : 12 , "result" : [1, {"a":"}"}, "\\\"", null] } `,
	`{"jsonrpc":"2.0","id":null,"result":null}`,
	`{"jsonrpc":"2.0","id":{"x":1},"result":"text with \"quotes\" and \\ backslashes"}`,
	`{"jsonrpc":"2.0","id":-3,"result":true}`,
	`{"jsonrpc":"2.0","id":1e3,"result":1.5}`,
	`{"jsonrpc":"2.0","id":1,"result":{"a":{"b":[[[]]]}},"extra":1}`,
	`{"jsonrpc":"2.0","id":1,"result":{},"result":{"second":true}}`,
	`{"jsonrpc":"2.0","id":1,"id":2,"result":{}}`,
	`{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"result":{}}`,
	`{"jsonrpc":"1.0","id":1,"result":{}}`,
	`{"jsonrpc":"2.\u0030","id":1,"result":{}}`,
	`{"jsonrpc":2,"id":1,"result":{}}`,
	`{"JSONRPC":"2.0","ID":1,"Result":{}}`,
	`{"jsonrpc":"2.0","\u0069d":1,"result":{}}`,
	`{"jsonrpc":"2.0","id":1}`,
	`{"jsonrpc":"2.0","result":{}}`,
	`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}`,
	`{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"both"}}`,
	`{"jsonrpc":"2.0","id":"a","method":"ping"}`,
	`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":2}}`,
	`{}`,
	`[]`,
	`null`,
	`"2.0"`,
	`{"jsonrpc":"2.0","id":1,"result":{"a":"b\\"}}`,
}

// decodeBoth decodes data through message (fast path first) and through the
// plain struct, as encoding/json would without the method.
func decodeBoth(data []byte) (fast, plain message, fastErr, plainErr error) {
	fastErr = json.Unmarshal(data, &fast)
	plainErr = json.Unmarshal(data, (*plainMessage)(&plain))
	return fast, plain, fastErr, plainErr
}

func TestMessageUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc, func(t *testing.T) {
			fast, plain, fastErr, plainErr := decodeBoth([]byte(tc))
			if (fastErr != nil) != (plainErr != nil) {
				t.Fatalf("json.Unmarshal(%s) error = %v, want %v", tc, fastErr, plainErr)
			}
			if diff := cmp.Diff(plain, fast); diff != "" {
				t.Errorf("json.Unmarshal(%s) mismatch (-encoding/json +message):\n%s", tc, diff)
			}
		})
	}
}

func TestSplitResultResponse(t *testing.T) {
	tests := []struct {
		in         string
		id, result string
		ok         bool
	}{
		{`{"jsonrpc":"2.0","id":1,"result":{"x":[1,2]}}`, `1`, `{"x":[1,2]}`, true},
		{` {"result" : "a\"}" ,"id":"q","jsonrpc":"2.0"} `, `"q"`, `"a\"}"`, true},
		{`{"jsonrpc":"2.0","id":1,"result":{}} x`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"result":{"unclosed":[}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"result":"unclosed}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"method":"x","result":{}}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"result":{}`, "", "", false},
		{`{"jsonrpc":"2.0" "id":1,"result":{}}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, `1`, `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, result, ok := splitResultResponse([]byte(tt.in))
			if ok != tt.ok || string(id) != tt.id || string(result) != tt.result {
				t.Errorf("splitResultResponse(%s) = %q, %q, %v, want %q, %q, %v", tt.in, id, result, ok, tt.id, tt.result, tt.ok)
			}
		})
	}
}

// FuzzMessageUnmarshal checks the fast path against encoding/json on
// arbitrary input.
func FuzzMessageUnmarshal(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add([]byte(tc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, plain, fastErr, plainErr := decodeBoth(data)
		if (fastErr != nil) != (plainErr != nil) {
			t.Fatalf("json.Unmarshal(%q) error = %v, want %v", data, fastErr, plainErr)
		}
		if fastErr == nil {
			if diff := cmp.Diff(plain, fast); diff != "" {
				t.Fatalf("json.Unmarshal(%q) mismatch (-encoding/json +message):\n%s", data, diff)
			}
		}
	})
}

// TestDecodeResponseAllocs pins the fast path's cost: a result response
// costs encoding/json's own validation and one copy of id and result.
func TestDecodeResponseAllocs(t *testing.T) {
	data := []byte(`{"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"hello"}]}}`)
	var m message
	allocs := testing.AllocsPerRun(100, func() {
		m = message{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
	})
	plainAllocs := testing.AllocsPerRun(100, func() {
		var p plainMessage
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs >= plainAllocs {
		t.Errorf("json.Unmarshal(response) = %v allocations, want fewer than encoding/json's %v", allocs, plainAllocs)
	}
	t.Logf("allocations per response: %v (encoding/json alone: %v)", allocs, plainAllocs)
}

// FuzzDecodeMessage checks decodeMessage, the reader's decoder: on valid
// JSON it decodes exactly as encoding/json; on anything else it either
// fails, or it took the response fast path with a valid id and a result
// that is itself malformed, which the caller's decode of the result then
// rejects. Nothing malformed passes for a well-formed message.
func FuzzDecodeMessage(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add([]byte(tc))
	}
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{"a":}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":tru}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":01,"result":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want message
		err := decodeMessage(data, &got)
		if json.Valid(data) {
			wantErr := json.Unmarshal(data, (*plainMessage)(&want))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("decodeMessage(%q) error = %v, want %v", data, err, wantErr)
			}
			if diff := cmp.Diff(want, got); err == nil && diff != "" {
				t.Fatalf("decodeMessage(%q) mismatch (-encoding/json +decodeMessage):\n%s", data, diff)
			}
			return
		}
		if err == nil && (!json.Valid(got.ID) || json.Valid(got.Result)) {
			t.Fatalf("decodeMessage(%q) = id %q, result %q for malformed input, want an error or a malformed result", data, got.ID, got.Result)
		}
	})
}

func TestDecodeMessageMalformed(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{`{"jsonrpc":"2.0","id":1,"result":{"a":}}`, false}, // the result's reader rejects it
		{`{"jsonrpc":"2.0","id":01,"result":{}}`, true},     // a malformed id is never matched
		{`{"jsonrpc":"2.0","id":1,"result":{}`, true},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}`, true},
	}
	for _, tt := range tests {
		var m message
		err := decodeMessage([]byte(tt.in), &m)
		if (err != nil) != tt.wantErr {
			t.Errorf("decodeMessage(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		if err == nil && json.Valid(m.Result) {
			t.Errorf("decodeMessage(%s) result %s is valid JSON; the case expects a malformed one", tt.in, m.Result)
		}
	}
}
