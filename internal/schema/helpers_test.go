package schema

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parse decodes JSON test data, failing the test on invalid input so that a
// typo in a table cannot pass silently.
func parse(t testing.TB, s string) any {
	t.Helper()
	v, err := decode([]byte(s))
	if err != nil {
		t.Fatalf("test data %q is not JSON: %v", s, err)
	}
	return v
}

// jsonDiff compares two JSON texts as decoded values and returns a
// cmp.Diff (-got +want), or "" when they are equal.
func jsonDiff(t testing.TB, got []byte, want string) string {
	t.Helper()
	g, err := decode(got)
	if err != nil {
		return "got invalid JSON " + string(got) + ": " + err.Error()
	}
	return cmp.Diff(g, parse(t, want))
}

// toolList is the shape of the tools/list results in the brief's cases.
type toolList struct {
	Tools []struct {
		Name        string          `json:"name"`
		InputSchema json.RawMessage `json:"inputSchema"`
	} `json:"tools"`
}

func parseTools(t testing.TB, s string) toolList {
	t.Helper()
	var l toolList
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		t.Fatalf("test data is not a tool list: %v", err)
	}
	return l
}
