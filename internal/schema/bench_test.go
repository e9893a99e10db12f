package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// twentyProperties is a tool schema of typical size: 20 properties of mixed
// kinds, some of them arrays without items for Repair to fix.
func twentyProperties() json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"type":"object","required":["p0","p5"],"properties":{`)
	kinds := []string{
		`{"type":"string","description":"a text value"}`,
		`{"type":"integer","minimum":0,"maximum":100}`,
		`{"type":"array","description":"values"}`,
		`{"type":"object","properties":{"k":{"type":"string"},"v":{"type":["string","array","null"]}}}`,
		`{"anyOf":[{"type":"array"},{"type":"string"}]}`,
	}
	for i := range 20 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"p%d":%s`, i, kinds[i%len(kinds)])
	}
	b.WriteString(`}}`)
	return json.RawMessage(b.String())
}

func BenchmarkRepair(b *testing.B) {
	raw := twentyProperties()
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		Repair(raw)
	}
}

func BenchmarkStrict(b *testing.B) {
	raw := json.RawMessage(`{"type":"object","required":["q"],"properties":{"q":{"type":"string"},` +
		`"n":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},` +
		`"o":{"type":"object","properties":{"a":{"type":"boolean"}}}}}`)
	b.ReportAllocs()
	for b.Loop() {
		Strict(raw)
	}
}
