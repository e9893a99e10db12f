package mcpclient

import (
	"encoding/json"
	"testing"
)

// TestAppendCallMatchesEncodeParams checks that the direct encoding of a
// request gives the bytes of the general path, appendRequest over
// encodeParams, for every kind of session and params.
func TestAppendCallMatchesEncodeParams(t *testing.T) {
	meta := []byte(`"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"x","version":"1"}`)
	sessions := []struct {
		name   string
		modern bool
		fields []byte
	}{
		{"legacy", false, nil},
		{"modern", true, meta},
		{"modern-no-fields", true, nil},
	}
	params := []string{
		``,
		`null`,
		`  null `,
		`{}`,
		` { } `,
		`{"name":"echo","arguments":{"message":"hi"}}`,
		`  {"name":"echo"}  `,
		`{"_meta":{"k":"v"},"name":"echo"}`,
		`{"name":"has \"_meta\" in a string"}`,
		`[1,2]`,
		`"text"`,
	}
	for _, ss := range sessions {
		for _, progress := range []bool{false, true} {
			for _, p := range params {
				s := &Session{modern: ss.modern}
				if ss.fields != nil {
					f := ss.fields
					s.metaFields.Store(&f)
				}
				const id = 41
				got := string(s.appendCall(nil, id, "tools/call", json.RawMessage(p), progress, nil))
				want := string(appendRequest(nil, id, "tools/call", s.encodeParams(json.RawMessage(p), id, progress, nil)))
				if got != want {
					t.Errorf("%s progress=%v: appendCall(%q) = %s, want %s", ss.name, progress, p, got, want)
				}
			}
		}
	}
}
