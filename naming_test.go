package mcpclient

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// modelName is the rule OpenAI-style endpoints apply to function names.
var modelName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// checkNames fails unless every key has a valid name and no two share one.
func checkNames(t *testing.T, keys []toolKey, names map[toolKey]string) {
	t.Helper()
	owner := map[string]toolKey{}
	for _, k := range keys {
		n, ok := names[k]
		if !ok {
			t.Errorf("assignNames: no name for %+v", k)
			continue
		}
		if !modelName.MatchString(n) {
			t.Errorf("assignNames: name of %+v = %q, want it to match %s", k, n, modelName)
		}
		if o, dup := owner[n]; dup {
			t.Errorf("assignNames: %+v and %+v both named %q", o, k, n)
		}
		owner[n] = k
	}
}

func TestAssignNames(t *testing.T) {
	long := strings.Repeat("x", 70)
	tests := []struct {
		name string
		keys []toolKey
		want map[toolKey]string // names that must come out exactly; others are only checked for validity
	}{
		{
			name: "readable when valid and unique",
			keys: []toolKey{{"srv", "get_weather"}, {"", "local-tool"}, {"other", "get_weather"}},
			want: map[toolKey]string{{"srv", "get_weather"}: "srv__get_weather", {"", "local-tool"}: "local-tool", {"other", "get_weather"}: "other__get_weather"},
		},
		{
			name: "sanitising collides with a valid name",
			keys: []toolKey{{"s", "a.b"}, {"s", "a_b"}},
			want: map[toolKey]string{{"s", "a_b"}: "s__a_b"},
		},
		{
			name: "two invalid names that sanitise alike",
			keys: []toolKey{{"s", "a.b"}, {"s", "a b"}, {"s", "a/b"}},
		},
		{
			name: "local tool shadows a server tool's readable name",
			keys: []toolKey{{"", "srv__x"}, {"srv", "x"}},
		},
		{
			name: "longer than 64",
			keys: []toolKey{{"srv", long}, {"srv", long + "y"}, {"", long}},
		},
		{
			name: "only invalid characters",
			keys: []toolKey{{"", "..."}, {"", "é"}, {"ü", "ö"}},
		},
		{
			name: "exactly 64 stays readable",
			keys: []toolKey{{"", strings.Repeat("a", 64)}, {"sv", strings.Repeat("b", 60)}},
			want: map[toolKey]string{{"", strings.Repeat("a", 64)}: strings.Repeat("a", 64), {"sv", strings.Repeat("b", 60)}: "sv__" + strings.Repeat("b", 60)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := assignNames(tt.keys)
			checkNames(t, tt.keys, names)
			for k, want := range tt.want {
				if got := names[k]; got != want {
					t.Errorf("assignNames(%v)[%+v] = %q, want %q", tt.keys, k, got, want)
				}
			}
			// Names depend on the set, not on its order.
			rev := make([]toolKey, len(tt.keys))
			for i, k := range tt.keys {
				rev[len(rev)-1-i] = k
			}
			if again := assignNames(rev); !cmp.Equal(names, again) {
				t.Errorf("assignNames(reversed) = %v, want %v", again, names)
			}
		})
	}
}

func TestAssignNamesStableWhenServerAdded(t *testing.T) {
	before := []toolKey{
		{"corporate-knowledge-base-prod", "search_documents_by_semantic_similarity"},
		{"s", "a.b"},
		{"s", "a_b"},
		{"s", "plain"},
		{"", "local"},
	}
	after := append(append([]toolKey(nil), before...),
		toolKey{"new", "plain"},
		toolKey{"new", "a.b"},
		toolKey{"new", strings.Repeat("q", 80)},
	)
	old, cur := assignNames(before), assignNames(after)
	checkNames(t, after, cur)
	for _, k := range before {
		if old[k] != cur[k] {
			t.Errorf("name of %+v changed from %q to %q when a server was added", k, old[k], cur[k])
		}
	}
}

// Case 04: the same long tool on two servers with long names.
func TestCaseLongNamesAcrossServers(t *testing.T) {
	const tool = "search_documents_by_semantic_similarity"
	servers := []string{"corporate-knowledge-base-prod", "corporate-knowledge-base-staging"}
	search := func(server string) testserver.Tool {
		return testserver.Tool{
			Name:        tool,
			InputSchema: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`),
			Handler: func(_ context.Context, c *testserver.Call) (*testserver.Result, error) {
				return &testserver.Result{Content: []json.RawMessage{testserver.Text(server + " " + c.Name)}}, nil
			},
		}
	}
	// start connects a fresh client (a restart) and returns the names the
	// model is offered, per server.
	start := func(script []fakemodel.Step) (*Client, *fakemodel.Server, map[string]string, map[string]*wireLog) {
		fm, base := startModel(t, fakemodel.Options{Script: script})
		c := newClient(t, base, Options{})
		logs := map[string]*wireLog{}
		for _, s := range servers {
			_, logs[s] = addServer(t, c, s, search(s))
		}
		names := map[string]string{}
		for _, info := range c.Tools(testContext(t)) {
			names[info.Server] = info.Name
		}
		return c, fm, names, logs
	}
	_, _, first, _ := start(nil)
	if len(first) != 2 || first[servers[0]] == first[servers[1]] {
		t.Fatalf("names = %v, want two distinct names", first)
	}
	for s, n := range first {
		if !modelName.MatchString(n) {
			t.Errorf("name for %s = %q, want it to match %s", s, n, modelName)
		}
	}

	script := []fakemodel.Step{
		callStep(call("c1", first[servers[0]], `{"q":"prod"}`), call("c2", first[servers[1]], `{"q":"staging"}`)),
		answerStep("found"),
	}
	c, fm, second, logs := start(script)
	if !cmp.Equal(first, second) {
		t.Errorf("names after restart = %v, want %v", second, first)
	}
	if _, err := c.Ask(testContext(t), "search"); err != nil {
		t.Fatalf("Ask: %v", err)
	}
	for i, s := range servers {
		want := []mcpCall{{Name: tool, Arguments: fmt.Sprintf(`{"q":%q}`, strings.TrimPrefix(s, "corporate-knowledge-base-"))}}
		if got := logs[s].toolCalls(t); !cmp.Equal(got, want) {
			t.Errorf("server %s received %+v, want %+v", s, got, want)
		}
		if got := toolMessages(requests(t, fm, 2)[1])[i].Content; got != s+" "+tool {
			t.Errorf("answer to c%d = %q, want it from %s", i+1, got, s)
		}
	}
}
