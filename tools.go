package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/mcpclient/mcpclient/internal/schema"
	"golang.org/x/sync/semaphore"
)

// ToolInfo describes a tool as offered to the model.
type ToolInfo struct {
	// Name is the function name the model sees.
	Name string
	// Server is the session's name, empty for a local tool.
	Server string
	// Tool is the tool as its server listed it (for a local tool, built
	// from the LocalTool).
	Tool *Tool
	// Parameters is the converted schema sent to the model.
	Parameters json.RawMessage
	// Strict reports whether the tool is sent in strict mode.
	Strict bool
}

// registry holds the tools of MCP sessions and local functions and the
// catalogue offered to the model, rebuilt only when a tool list changes.
type registry struct {
	logger   *slog.Logger
	strict   bool
	perServe int64 // concurrency limit per server

	mu      sync.Mutex
	servers []*serverEntry
	local   []*LocalTool
	version uint64 // bumped when servers or local tools are added or removed
	cat     *catalog
}

type serverEntry struct {
	name    string
	session *Session
	sem     *semaphore.Weighted
}

// catalog is one consistent view of every tool. It is immutable once built.
type catalog struct {
	encodeOnce sync.Once
	encoded    []byte // the tools as the request carries them

	version uint64
	gens    []uint64 // tool-cache generation of each server when built
	tools   []*toolEntry
	byName  map[string]*toolEntry
}

type toolEntry struct {
	ToolInfo
	session *Session
	sem     *semaphore.Weighted
	local   *LocalTool
	orig    json.RawMessage
	wrapped bool // the model sees orig under an "input" property
}

func (r *registry) addServer(name string, s *Session) error {
	if name == "" {
		return fmt.Errorf("mcpclient: add server: empty name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.servers {
		if e.name == name {
			return fmt.Errorf("mcpclient: add server %q: a server with that name is already added", name)
		}
	}
	r.servers = append(r.servers, &serverEntry{name: name, session: s, sem: semaphore.NewWeighted(r.perServe)})
	r.version++
	return nil
}

func (r *registry) addLocal(t *LocalTool) error {
	if t == nil || t.Name == "" || t.Handler == nil {
		return fmt.Errorf("mcpclient: add tool: a tool needs a name and a handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.local {
		if l.Name == t.Name {
			return fmt.Errorf("mcpclient: add tool %q: a local tool with that name is already added", t.Name)
		}
	}
	r.local = append(r.local, t)
	r.version++
	return nil
}

// catalog returns the current catalogue, rebuilding it when a server's tool
// list or the set of tools changed. A server whose list cannot be fetched is
// left out with a warning, so one broken server does not silence the rest;
// its tools come back when it answers again.
func (r *registry) catalog(ctx context.Context) *catalog {
	r.mu.Lock()
	servers := append([]*serverEntry(nil), r.servers...)
	local := append([]*LocalTool(nil), r.local...)
	version, cur := r.version, r.cat
	r.mu.Unlock()

	gens := make([]uint64, len(servers))
	lists := make([][]*Tool, len(servers))
	complete := true
	for i, e := range servers {
		_, gens[i], _ = e.session.tools.get()
		tools, err := e.session.ListTools(ctx)
		if err != nil {
			r.logger.Warn("could not list tools; leaving the server's tools out", "server", e.name, "err", err)
			complete = false
			continue
		}
		lists[i] = tools
	}
	if cur != nil && complete && cur.version == version && equalGens(cur.gens, gens) {
		return cur
	}

	cat := r.build(servers, lists, local)
	cat.version, cat.gens = version, gens
	if complete {
		r.mu.Lock()
		r.cat = cat
		r.mu.Unlock()
	}
	return cat
}

func equalGens(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (r *registry) build(servers []*serverEntry, lists [][]*Tool, local []*LocalTool) *catalog {
	var entries []*toolEntry
	for i, e := range servers {
		for _, t := range lists[i] {
			entries = append(entries, &toolEntry{
				ToolInfo: ToolInfo{Server: e.name, Tool: t},
				session:  e.session,
				sem:      e.sem,
				orig:     t.InputSchema,
			})
		}
	}
	for _, l := range local {
		t := &Tool{Name: l.Name, Description: l.Description, InputSchema: l.InputSchema, Annotations: l.Annotations}
		entries = append(entries, &toolEntry{ToolInfo: ToolInfo{Tool: t}, local: l, orig: l.InputSchema})
	}

	keys := make([]toolKey, len(entries))
	for i, e := range entries {
		keys[i] = toolKey{Server: e.Server, Tool: e.Tool.Name}
	}
	names := assignNames(keys)
	cat := &catalog{byName: make(map[string]*toolEntry, len(entries))}
	for i, e := range entries {
		k := keys[i]
		if _, dup := cat.byName[names[k]]; dup {
			// The same server listed the same name twice; the first wins.
			r.logger.Warn("server listed a tool name twice; ignoring the repeat", "server", k.Server, "tool", k.Tool)
			continue
		}
		e.Name = names[k]
		e.Parameters = schema.Repair(e.orig)
		e.wrapped = schema.WrappedInput(e.orig)
		if r.strict {
			if s, ok, reason := schema.Strict(e.orig); ok {
				e.Parameters, e.Strict = s, true
			} else {
				r.logger.Debug("tool sent without strict mode", "tool", e.Name, "reason", reason)
			}
		}
		cat.tools = append(cat.tools, e)
		cat.byName[e.Name] = e
	}
	return cat
}

// names lists the model names, sorted, for messages about unknown tools.
func (c *catalog) names() string {
	n := make([]string, 0, len(c.tools))
	for _, t := range c.tools {
		n = append(n, t.Name)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// infos returns the catalogue for callers.
func (c *catalog) infos() []ToolInfo {
	out := make([]ToolInfo, len(c.tools))
	for i, t := range c.tools {
		out[i] = t.ToolInfo
	}
	return out
}

// prepareArgs turns the model's arguments into the object the tool expects:
// empty means {}, and strict-mode nulls for optional properties are dropped.
// A tool whose schema is not an object was offered wrapped (see
// schema.WrappedInput) and gets the model's "input" value.
func (e *toolEntry) prepareArgs(args string) (json.RawMessage, error) {
	trimmed := strings.TrimSpace(args)
	if trimmed == "" || trimmed == "null" {
		trimmed = "{}"
	}
	raw := json.RawMessage(trimmed)
	if err := checkJSON(raw); err != nil {
		return nil, err
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("the arguments must be a JSON object, not %s", truncate(raw, 60))
	}
	if e.Strict {
		raw = schema.DropNullOptionals(e.orig, raw)
	}
	if e.wrapped {
		var w struct {
			Input json.RawMessage `json:"input"`
		}
		if json.Unmarshal(raw, &w) != nil || len(w.Input) == 0 {
			return nil, errors.New(`the arguments must be an object with the property "input"`)
		}
		raw = w.Input
	}
	return raw, nil
}

// checkJSON reports invalid JSON with the parser's position, which a model
// can use to repair its output.
func checkJSON(raw json.RawMessage) error {
	if json.Valid(raw) {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		if se, ok := err.(*json.SyntaxError); ok {
			return fmt.Errorf("the arguments are not valid JSON: %v (at byte %d of %d)", se, se.Offset, len(raw))
		}
		return fmt.Errorf("the arguments are not valid JSON: %v", err)
	}
	return nil
}
