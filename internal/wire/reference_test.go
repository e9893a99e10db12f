package wire

import (
	"bytes"
	"encoding/json"
)

// referenceID decodes msg fully and returns its top-level scalar id as raw
// JSON; ok is false when msg is not a JSON object. A duplicate "id" key is
// treated as ambiguous (ok false), since decoders disagree on it.
func referenceID(msg []byte) (id []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(msg))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, false
	}
	if bytes.Count(msg, []byte(`"id"`)) > 1 {
		return nil, false
	}
	raw, found := m["id"]
	if !found || len(raw) == 0 || raw[0] == '{' || raw[0] == '[' || len(raw) > maxIDBytes {
		return nil, true
	}
	return raw, true
}
