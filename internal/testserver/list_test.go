package testserver

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type listResult struct {
	Tools []struct {
		Name         string          `json:"name"`
		Title        string          `json:"title"`
		Description  string          `json:"description"`
		InputSchema  json.RawMessage `json:"inputSchema"`
		OutputSchema json.RawMessage `json:"outputSchema"`
		Annotations  json.RawMessage `json:"annotations"`
	} `json:"tools"`
	NextCursor *string `json:"nextCursor"`
}

func namedTools(n int) []Tool {
	tools := make([]Tool, n)
	for i := range tools {
		tools[i] = Tool{Name: fmt.Sprintf("t%d", i)}
	}
	return tools
}

// list fetches one page; cursor nil means the first page.
func (p *peer) list(id int, cursor *string) listResult {
	p.t.Helper()
	if cursor == nil {
		p.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`, id)
	} else {
		p.send(`{"jsonrpc":"2.0","id":%d,"method":"tools/list","params":{"cursor":%q}}`, id, *cursor)
	}
	var r listResult
	decode(p.t, p.result(fmt.Sprint(id)), &r)
	return r
}

// listAll follows cursors, giving up after limit pages.
func (p *peer) listAll(limit int) (names [][]string, cursors []string) {
	p.t.Helper()
	var cursor *string
	for i := 0; i < limit; i++ {
		r := p.list(100+i, cursor)
		var page []string
		for _, tl := range r.Tools {
			page = append(page, tl.Name)
		}
		names = append(names, page)
		if r.NextCursor == nil {
			return names, cursors
		}
		cursors = append(cursors, *r.NextCursor)
		cursor = r.NextCursor
	}
	return names, cursors
}

func TestPagination(t *testing.T) {
	tests := []struct {
		name     string
		tools    int
		pageSize int
		want     [][]string
	}{
		{"one page when size is 0", 3, 0, [][]string{{"t0", "t1", "t2"}}},
		{"exact pages", 4, 2, [][]string{{"t0", "t1"}, {"t2", "t3"}}},
		{"short last page", 5, 2, [][]string{{"t0", "t1"}, {"t2", "t3"}, {"t4"}}},
		{"page larger than list", 2, 10, [][]string{{"t0", "t1"}}},
		{"no tools", 0, 2, [][]string{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := connect(t, New(Options{Tools: namedTools(tt.tools), PageSize: tt.pageSize}))
			p.handshake()
			got, _ := p.listAll(10)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pages mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRepeatCursor(t *testing.T) {
	for _, pageSize := range []int{0, 2} {
		t.Run(fmt.Sprint("page size ", pageSize), func(t *testing.T) {
			s := New(Options{Tools: namedTools(5), PageSize: pageSize, Faults: Faults{RepeatCursor: true}})
			p := connect(t, s)
			p.handshake()
			_, cursors := p.listAll(4)
			if len(cursors) != 4 {
				t.Fatalf("cursors after 4 pages = %q, want 4 (the list never ends)", cursors)
			}
			for i, c := range cursors {
				if c != cursors[0] {
					t.Errorf("cursor %d = %q, want %q like the first", i, c, cursors[0])
				}
			}
		})
	}
}

func TestToolDescriptors(t *testing.T) {
	tools := []Tool{
		{Name: "bare"},
		{
			Name: "full", Title: "Full", Description: "All fields",
			InputSchema:  json.RawMessage("{\n  \"type\": \"object\"\n}"),
			OutputSchema: json.RawMessage(`{"type":"object","properties":{"n":{"type":"number"}}}`),
			Annotations:  json.RawMessage(`{"readOnlyHint":true}`),
		},
	}
	p := connect(t, New(Options{Tools: tools}))
	p.handshake()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	raw := p.result("1")
	want := `{"tools":[{"name":"bare","inputSchema":{"type":"object"}},` +
		`{"name":"full","title":"Full","description":"All fields","inputSchema":{"type":"object"},` +
		`"outputSchema":{"type":"object","properties":{"n":{"type":"number"}}},"annotations":{"readOnlyHint":true}}]}`
	if string(raw) != want {
		t.Errorf("tools/list = %s, want %s", raw, want)
	}
}

func TestNewPanicsOnInvalidJSON(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with an invalid InputSchema did not panic, want a panic")
		}
	}()
	New(Options{Tools: []Tool{{Name: "bad", InputSchema: json.RawMessage(`{`)}}})
}

func TestSetToolsNotifiesEveryConnection(t *testing.T) {
	s := New(Options{Tools: namedTools(1)})
	a, b := connect(t, s), connect(t, s)
	a.handshake()
	b.handshake()
	s.SetTools(namedTools(3))
	for name, p := range map[string]*peer{"a": a, "b": b} {
		if m := p.recv(); m.Method != "notifications/tools/list_changed" || m.ID != nil {
			t.Errorf("connection %s got %+v, want notifications/tools/list_changed", name, m)
		}
		if got := p.list(1, nil); len(got.Tools) != 3 {
			t.Errorf("connection %s: tools/list after SetTools has %d tools, want 3", name, len(got.Tools))
		}
	}
}

func TestDuplicateToolNames(t *testing.T) {
	first := func(context.Context, *Call) (*Result, error) {
		return &Result{Content: []json.RawMessage{Text("first")}}, nil
	}
	second := func(context.Context, *Call) (*Result, error) {
		return &Result{Content: []json.RawMessage{Text("second")}}, nil
	}
	p := connect(t, New(Options{Tools: []Tool{{Name: "d", Handler: first}, {Name: "d", Handler: second}}}))
	p.handshake()
	if got := p.list(1, nil); len(got.Tools) != 2 {
		t.Errorf("tools/list with a duplicate has %d tools, want 2", len(got.Tools))
	}
	if got := p.call(2, "d", `{}`); got.Content[0].Text != "first" {
		t.Errorf("call of duplicate = %q, want first", got.Content[0].Text)
	}
}
