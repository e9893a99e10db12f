package mcpclient

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// callToolResults are results the hand-read path must decode exactly as
// encoding/json does, or leave to it.
var callToolResults = []string{
	`{"content":[{"type":"text","text":"hello"}]}`,
	`{"content":[{"type":"text","text":"5"}],"isError":false}`,
	` { "content" : [ { "text" : "a" , "type" : "text" } , {"type":"text","text":"b"} ] , "isError" : true } `,
	`{"content":[{"type":"text","text":"hi"}],"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}}}`,
	`{"content":[],"structuredContent":{"n":5,"list":[1,2]}}`,
	`{}`,
	`{"content":null}`,
	`{"content":[{"type":"text","text":"esc\"aped"}]}`,
	`{"content":[{"type":"text","text":"tab\tinside"}]}`,
	`{"content":[{"type":"image","data":"AAAA","mimeType":"image/png"}]}`,
	`{"content":[{"type":"text","text":"a","annotations":{"audience":["user"]}}]}`,
	`{"content":[{"type":"text","text":"a","text":"b"}]}`,
	`{"content":[{"type":"text","text":"a"}],"content":[]}`,
	`{"Content":[{"type":"text","text":"a"}]}`,
	`{"CONTENT":[{"type":"text","text":"a"}],"content":[]}`,
	`{"content":[{"Type":"text","text":"a"}]}`,
	`{"isError":"yes"}`,
	`{"isError":null}`,
	`{"isError":truex}`,
	`{"content":[{"type":"text","text":"a"}],"other":{"bad":}}`,
	`{"content":[{"type":"text","text":"a"}],"other":tru}`,
	`{"content":[{"type":"text","text":"a"}],"_meta":null}`,
	`{"content":[{"type":"text","text":"a"}]} trailing`,
	`{"content":[{"type":"text","text":"a"},]}`,
	`{"content":[{"type":"text","text":"a"}],}`,
	`{"content":[{"type":"text","text":"caf\u00e9"}]}`,
	"{\"content\":[{\"type\":\"text\",\"text\":\"caf\xc3\xa9\"}]}",
	"{\"content\":[{\"type\":\"text\",\"text\":\"bad \xff utf8\"}]}",
	`{"content":[{"type":"text","text":"a"}],"structuredContent":null}`,
	`[]`,
	`null`,
	`{"content":{"type":"text"}}`,
	`{"content":[{"type":"text","text":1}]}`,
}

// decodeResultBoth decodes data through decodeCallToolResult and through
// encoding/json alone.
func decodeResultBoth(data []byte) (got, want CallToolResult, gotErr, wantErr error) {
	gotErr = decodeCallToolResult(data, &got)
	wantErr = json.Unmarshal(data, &want)
	return got, want, gotErr, wantErr
}

func TestDecodeCallToolResultMatchesEncodingJSON(t *testing.T) {
	fast := 0
	for _, tc := range callToolResults {
		t.Run(tc, func(t *testing.T) {
			got, want, gotErr, wantErr := decodeResultBoth([]byte(tc))
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("decodeCallToolResult(%s) error = %v, want %v", tc, gotErr, wantErr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decodeCallToolResult(%s) mismatch (-encoding/json +decodeCallToolResult):\n%s", tc, diff)
			}
			var r CallToolResult
			if fastCallToolResult([]byte(tc), &r) {
				fast++
			}
		})
	}
	// The cases must exercise the hand-read path, not only the fallback.
	if fast < 6 {
		t.Errorf("the hand-read path took %d of the cases, want at least 6", fast)
	}
}

// FuzzDecodeCallToolResult checks the hand-read path against encoding/json
// on arbitrary input.
func FuzzDecodeCallToolResult(f *testing.F) {
	for _, tc := range callToolResults {
		f.Add([]byte(tc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want, gotErr, wantErr := decodeResultBoth(data)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("decodeCallToolResult(%q) error = %v, want %v", data, gotErr, wantErr)
		}
		if gotErr == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("decodeCallToolResult(%q) mismatch (-encoding/json +decodeCallToolResult):\n%s", data, diff)
			}
		}
	})
}

// TestDecodeCallToolResultAllocs pins the hand-read path's cost for a
// one-item text result: the result, the item list and the text
// (encoding/json makes 11).
func TestDecodeCallToolResultAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	data := []byte(`{"content":[{"type":"text","text":"hello"}],"isError":false}`)
	allocs := testing.AllocsPerRun(100, func() {
		var r CallToolResult
		if err := decodeCallToolResult(data, &r); err != nil || r.Content[0].Text != "hello" {
			t.Fatalf("decodeCallToolResult = %+v, %v", r, err)
		}
	})
	if allocs > 3 {
		t.Errorf("decodeCallToolResult allocations = %v, want at most 3", allocs)
	}
}
