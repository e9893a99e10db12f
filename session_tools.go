package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpclient/mcpclient/internal/streamable"
)

// maxToolPages bounds pagination against a server whose cursors never end.
const maxToolPages = 10000

// toolCache holds a server's tool list until the server says it changed.
type toolCache struct {
	mu      sync.Mutex
	tools   []*Tool
	index   toolIndex
	valid   bool
	expires time.Time // from the server's ttlMs; zero means until invalidated
	gen     uint64    // bumped by every invalidation
}

// toolIndex holds what a modern session learned from a tool list beyond the
// tools themselves: the x-mcp-header annotations of each tool that has any,
// and the tools left out of the list because of an invalid one. Both maps
// are keyed by tool name and nil until needed.
type toolIndex struct {
	headers  map[string][]paramHeader
	rejected map[string]error

	// ttl is the freshness the server granted the list (ttlMs on modern
	// revisions); zero means no limit.
	ttl time.Duration
}

func (x *toolIndex) add(name string, hs []paramHeader) {
	if x == nil || len(hs) == 0 {
		return
	}
	if x.headers == nil {
		x.headers = make(map[string][]paramHeader)
	}
	x.headers[name] = hs
}

func (x *toolIndex) reject(name string, err error) {
	if x == nil {
		return
	}
	if x.rejected == nil {
		x.rejected = make(map[string]error)
	}
	x.rejected[name] = err
}

func (c *toolCache) get() ([]*Tool, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && !c.expires.IsZero() && time.Now().After(c.expires) {
		// Past the server's ttlMs: fetch again, as after list_changed.
		c.valid, c.tools = false, nil
		c.gen++
	}
	return c.tools, c.gen, c.valid
}

// put stores a list fetched while the generation was gen, unless the list
// changed meanwhile, in which case the fetched list is already stale.
func (c *toolCache) put(tools []*Tool, index toolIndex, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.tools, c.index, c.valid = tools, index, true
		c.expires = time.Time{}
		if index.ttl > 0 {
			c.expires = time.Now().Add(index.ttl)
		}
	}
}

// lookup returns the index of the cached list, if there is one.
func (c *toolCache) lookup() (toolIndex, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.index, c.valid
}

func (c *toolCache) invalidate() {
	c.mu.Lock()
	c.valid = false
	c.tools = nil
	c.index = toolIndex{}
	c.gen++
	c.mu.Unlock()
}

// ListTools returns every tool of the server, fetching all pages. The list is
// cached until the server sends notifications/tools/list_changed, so calling
// it per model request costs nothing. The returned slice is shared: do not
// modify it.
func (s *Session) ListTools(ctx context.Context) ([]*Tool, error) {
	// A list the caller keeps must hear of changes.
	if s.modern {
		s.listenForChanges()
	} else if s.streamer != nil && !s.streamOpen.Load() && s.toolsListChanged() {
		s.openServerStream(ctx)
	}
	return s.cachedTools(ctx)
}

// cachedTools is ListTools without opening the change stream, for the
// session's own use of the list.
func (s *Session) cachedTools(ctx context.Context) ([]*Tool, error) {
	if tools, _, ok := s.tools.get(); ok {
		return tools, nil
	}
	_, gen, _ := s.tools.get()
	var tools []*Tool
	var index toolIndex
	for t, err := range s.listTools(ctx, &index) {
		if err != nil {
			return nil, err
		}
		tools = append(tools, t)
	}
	s.tools.put(tools, index, gen)
	return tools, nil
}

// Tools iterates over the server's tools page by page, without the cache. A
// server that sends the same cursor twice ends the iteration with an error
// matching ErrRepeatedCursor instead of looping.
//
// On a modern (2026-07-28) session, a tool whose input schema has an
// invalid x-mcp-header annotation is left out with a warning in the log, as
// the revision requires, so that one malformed definition does not hide the
// other tools.
func (s *Session) Tools(ctx context.Context) iter.Seq2[*Tool, error] {
	return s.listTools(ctx, nil)
}

// listTools is Tools, recording what it learns about each tool in index
// when index is not nil.
func (s *Session) listTools(ctx context.Context, index *toolIndex) iter.Seq2[*Tool, error] {
	return func(yield func(*Tool, error) bool) {
		seen := make(map[string]bool)
		cursor := ""
		for page := 0; ; page++ {
			if page == maxToolPages {
				yield(nil, fmt.Errorf("mcpclient: tools/list: more than %d pages", maxToolPages))
				return
			}
			var params any
			if cursor != "" {
				params = struct {
					Cursor string `json:"cursor"`
				}{cursor}
			}
			var res listToolsResult
			if err := s.Request(ctx, "tools/list", params, &res, nil); err != nil {
				yield(nil, err)
				return
			}
			if res.TTLMs != nil && *res.TTLMs > 0 && index != nil {
				index.ttl = time.Duration(*res.TTLMs) * time.Millisecond
			}
			for _, t := range res.Tools {
				if t == nil || t.Name == "" {
					continue
				}
				if s.modern {
					hs, err := paramHeaders(t.InputSchema)
					if err != nil {
						s.logger.Warn("rejected a tool with an invalid x-mcp-header annotation", "tool", t.Name, "err", err)
						index.reject(t.Name, err)
						continue
					}
					index.add(t.Name, hs)
				}
				if !yield(t, nil) {
					return
				}
			}
			if res.NextCursor == "" {
				return
			}
			if seen[res.NextCursor] {
				yield(nil, fmt.Errorf("%w: %q (tools/list page %d)", ErrRepeatedCursor, res.NextCursor, page+1))
				return
			}
			seen[res.NextCursor] = true
			cursor = res.NextCursor
		}
	}
}

// CallTool calls a tool. args may be nil (no arguments), a json.RawMessage
// holding a JSON object, or any value that encodes to a JSON object.
//
// A result with IsError set is returned as a result, not an error: it is the
// tool's answer. When the session has listed the tool and it declares an
// outputSchema, the structured content is validated: a mismatch returns the
// result together with an [*OutputError]. Errors are protocol errors ([*RPCError], for example an
// unknown tool), transport errors ([*ConnectionError]), timeouts
// ([*TimeoutError]) and the context's error.
//
// On a modern session, the arguments that the tool's input schema marks
// with x-mcp-header are also sent as Mcp-Param-* HTTP headers, as the
// 2026-07-28 revision requires; the tool list is fetched first when the
// session has none, and a tool that the list rejected is not called.
func (s *Session) CallTool(ctx context.Context, name string, args any, opts *CallOptions) (*CallToolResult, error) {
	rawArgs, err := encodeArguments(args)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: call tool %s: %w", name, err)
	}
	params := make([]byte, 0, 32+len(name)+len(rawArgs))
	params = append(params, `{"name":`...)
	params = appendString(params, name)
	params = append(params, `,"arguments":`...)
	params = append(append(params, rawArgs...), '}')
	if s.modern {
		if ctx, err = s.withParamHeaders(ctx, name, rawArgs); err != nil {
			return nil, err
		}
	}
	raw, err := s.callWithInput(ctx, "tools/call", params, opts)
	if err != nil {
		return nil, err
	}
	var res CallToolResult
	if err := decodeCallToolResult(raw, &res); err != nil {
		return nil, fmt.Errorf("mcpclient: call tool %s: malformed result: %w", name, err)
	}
	keepUnknownContent(raw, res.Content)
	if err := s.validateOutput(name, &res); err != nil {
		return &res, err
	}
	return &res, nil
}

// encodeArguments returns args as a JSON object, {} for none.
func encodeArguments(args any) (json.RawMessage, error) {
	var raw json.RawMessage
	switch a := args.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		raw = a
	case []byte:
		raw = a
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode arguments: %w", err)
		}
		raw = b
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), nil
	}
	if raw[0] != '{' || !json.Valid(raw) {
		return nil, fmt.Errorf("arguments must be a JSON object, got %s", truncate(raw, 80))
	}
	return raw, nil
}

// withParamHeaders attaches to ctx the Mcp-Param-* headers of a modern
// tools/call, which mirror the arguments the tool's schema marks with
// x-mcp-header, so that HTTP intermediaries can route on them. The schema
// comes from the tool list, fetched first when the session has none. A tool
// the list rejected is not called.
func (s *Session) withParamHeaders(ctx context.Context, name string, args json.RawMessage) (context.Context, error) {
	index, ok := s.tools.lookup()
	if !ok {
		if _, err := s.cachedTools(ctx); err != nil {
			// The call goes out without the headers; if the server needs
			// them, its answer says so.
			s.logger.Debug("no tool list for x-mcp-header mirroring", "tool", name, "err", err)
			return ctx, nil
		}
		index, _ = s.tools.lookup()
	}
	if err := index.rejected[name]; err != nil {
		return nil, fmt.Errorf("mcpclient: call tool %s: the server's definition of the tool was rejected: %w", name, err)
	}
	return streamable.WithHeaders(ctx, paramHeaderValues(index.headers[name], args)), nil
}

// paramHeader is one x-mcp-header annotation of a tool's input schema: the
// value at path (a chain of property names from the root) is sent as the
// HTTP header Mcp-Param-<name>.
type paramHeader struct {
	name string
	path []string
}

// paramHeaders returns the x-mcp-header annotations of an input schema, or
// an error naming the first one the 2026-07-28 revision forbids: not a
// non-empty HTTP token, not unique regardless of case, not on a string,
// integer or boolean property, or not reachable from the root through
// properties alone (never through items, composition, conditionals or
// $ref, whose instance paths are not static).
func paramHeaders(schema json.RawMessage) ([]paramHeader, error) {
	// Most schemas have no annotation; skip decoding them. An escaped key
	// could hide the name from this test, so escapes take the long way.
	if !bytes.Contains(schema, []byte("x-mcp-header")) && !bytes.Contains(schema, []byte(`\u`)) {
		return nil, nil
	}
	var root any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	w := headerWalk{seen: make(map[string]bool)}
	if err := w.schema(root, nil, true); err != nil {
		return nil, err
	}
	return w.out, nil
}

// headerWalk collects annotations from a decoded schema.
type headerWalk struct {
	out  []paramHeader
	seen map[string]bool // lower-cased names
}

// schema walks one schema. reachable reports whether it is the root or is
// reached from it through properties alone; path is then its property
// chain.
func (w *headerWalk) schema(v any, path []string, reachable bool) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return w.nested(v)
	}
	if ann, ok := obj["x-mcp-header"]; ok {
		if err := w.annotation(obj, ann, path, reachable); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "x-mcp-header", "default", "const", "enum", "examples":
			// Instance data, not schemas: a key there is not an annotation.
			continue
		case "properties":
			if props, ok := obj[k].(map[string]any); ok {
				for _, name := range sortedKeys(props) {
					sub := append(path[:len(path):len(path)], name)
					if err := w.schema(props[name], sub, reachable); err != nil {
						return err
					}
				}
				continue
			}
		}
		if err := w.nested(obj[k]); err != nil {
			return err
		}
	}
	return nil
}

// nested walks a value below a keyword other than properties: an
// annotation anywhere in it is not statically reachable.
func (w *headerWalk) nested(v any) error {
	switch v := v.(type) {
	case map[string]any:
		return w.schema(v, nil, false)
	case []any:
		for _, e := range v {
			if err := w.nested(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *headerWalk) annotation(prop map[string]any, ann any, path []string, reachable bool) error {
	if !reachable || len(path) == 0 {
		return fmt.Errorf("x-mcp-header %v is not on a property reachable from the schema root through properties alone", ann)
	}
	where := strings.Join(path, ".")
	name, ok := ann.(string)
	if !ok || name == "" {
		return fmt.Errorf("x-mcp-header of property %s is empty or not a string", where)
	}
	if !isToken(name) {
		return fmt.Errorf("x-mcp-header %q of property %s is not a valid HTTP field name", name, where)
	}
	key := strings.ToLower(name)
	if w.seen[key] {
		return fmt.Errorf("x-mcp-header %q of property %s is used twice (names are case-insensitive)", name, where)
	}
	w.seen[key] = true
	if !headerType(prop["type"]) {
		return fmt.Errorf("x-mcp-header %q is on property %s, whose type is not string, integer or boolean", name, where)
	}
	w.out = append(w.out, paramHeader{name: name, path: path})
	return nil
}

// headerType reports whether a property's type allows mirroring: string,
// integer or boolean, possibly as a list with "null". A property without a
// type could hold an object, so it does not qualify.
func headerType(t any) bool {
	switch t := t.(type) {
	case string:
		return t == "string" || t == "integer" || t == "boolean"
	case []any:
		n := 0
		for _, e := range t {
			switch e {
			case "string", "integer", "boolean":
				n++
			case "null":
			default:
				return false
			}
		}
		return n > 0
	}
	return false
}

// isToken reports whether s is an HTTP field name (RFC 9110 token).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// paramHeaderValues returns the Mcp-Param-* headers for a call's arguments:
// one per annotation whose path holds a string, integer or boolean; null
// and missing values get none. Values are encoded as the revision says, in
// Base64 when they are not plain ASCII.
func paramHeaderValues(hs []paramHeader, args json.RawMessage) http.Header {
	if len(hs) == 0 {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(args, &top) != nil {
		return nil
	}
	var h http.Header
	for _, p := range hs {
		v, ok := headerValue(valueAt(top, p.path))
		if !ok {
			continue
		}
		if h == nil {
			h = make(http.Header, len(hs))
		}
		h.Set("Mcp-Param-"+p.name, streamable.EncodeHeaderValue(v))
	}
	return h
}

// valueAt returns the raw value at path below top, nil when there is none.
func valueAt(top map[string]json.RawMessage, path []string) json.RawMessage {
	raw := top[path[0]]
	for _, k := range path[1:] {
		var obj map[string]json.RawMessage
		if raw == nil || json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		raw = obj[k]
	}
	return raw
}

// headerValue converts an argument to its header text: a string as is, a
// boolean as true or false, an integer in decimal.
func headerValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case string(raw) == "true", string(raw) == "false":
		return string(raw), true
	case c == '-' || ('0' <= c && c <= '9'):
		if !bytes.ContainsAny(raw, ".eE") {
			return string(raw), true
		}
		// 42.0 or 4.2e1 is still the integer 42 to the server.
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return "", false
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return strconv.FormatInt(int64(f), 10), true
		}
		return string(raw), true
	}
	return "", false
}
