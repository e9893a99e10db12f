package testserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
)

// Server is an MCP server. Create it with [New]; the zero value is not
// usable. It is safe for concurrent use, and one Server may serve many
// connections at once.
type Server struct {
	name, version string
	versions      []string
	modern        []string
	instructions  string
	pageSize      int
	faults        Faults
	hang          map[string]bool
	noise         []byte // Faults.Noise, ready to write
	hugeResult    []byte // result member for Faults.HugeResultBytes
	log           *slog.Logger

	tools     atomic.Pointer[toolSet]
	lastReqID atomic.Int64 // ids of server-to-client requests

	mu    sync.Mutex
	conns []*conn // in the order they started; guarded by mu
}

// toolSet is an immutable snapshot of the tool list, with the tools/list
// descriptors encoded once so that listing costs no marshalling.
type toolSet struct {
	tools  []Tool
	byName map[string]int
	descs  [][]byte
}

type toolDesc struct {
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"inputSchema"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
	Annotations  json.RawMessage `json:"annotations,omitempty"`
}

var defaultInputSchema = json.RawMessage(`{"type":"object"}`)

// New returns a server configured by opts. It panics if a tool's
// InputSchema, OutputSchema or Annotations is not valid JSON, since that is a
// mistake in the calling code rather than a runtime condition.
func New(opts Options) *Server {
	s := &Server{
		name:         opts.Name,
		version:      opts.Version,
		versions:     append([]string(nil), opts.ProtocolVersions...),
		modern:       append([]string(nil), opts.ModernVersions...),
		instructions: opts.Instructions,
		pageSize:     opts.PageSize,
		faults:       opts.Faults,
		hang:         make(map[string]bool, len(opts.Faults.HangMethods)),
		log:          opts.Logger,
	}
	if s.name == "" {
		s.name = "testserver"
	}
	if s.version == "" {
		s.version = "1.0.0"
	}
	if len(s.versions) == 0 {
		s.versions = DefaultProtocolVersions()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, m := range opts.Faults.HangMethods {
		s.hang[m] = true
	}
	for _, line := range opts.Faults.Noise {
		s.noise = append(append(s.noise, line...), '\n')
	}
	if n := opts.Faults.HugeResultBytes; n > 0 {
		text := Text(strings.Repeat("x", n))
		s.hugeResult = append(append([]byte(`{"content":[`), text...), "]}"...)
	}
	s.tools.Store(newToolSet(opts.Tools))
	return s
}

func newToolSet(tools []Tool) *toolSet {
	set := &toolSet{
		tools:  append([]Tool(nil), tools...),
		byName: make(map[string]int, len(tools)),
		descs:  make([][]byte, len(tools)),
	}
	for i, t := range set.tools {
		if _, dup := set.byName[t.Name]; !dup {
			set.byName[t.Name] = i
		}
		d := toolDesc{t.Name, t.Title, t.Description, t.InputSchema, t.OutputSchema, t.Annotations}
		if len(d.InputSchema) == 0 {
			d.InputSchema = defaultInputSchema
		}
		b, err := json.Marshal(d)
		if err != nil {
			panic(fmt.Sprintf("mcpclient: testserver tool %q: invalid JSON: %v", t.Name, err))
		}
		set.descs[i] = b
	}
	return set
}

// SetTools replaces the tool list and sends notifications/tools/list_changed
// to every connection being served. Calls already running finish with the
// tool they started with. Duplicate names are kept in tools/list (a client
// may want to see them); tools/call runs the first. It panics on invalid
// JSON like [New]. Write failures are logged, not returned.
func (s *Server) SetTools(tools []Tool) {
	s.tools.Store(newToolSet(tools))
	plain := []byte(`{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}` + "\n")
	for _, c := range s.connections() {
		line := plain
		if tag := c.subscriptionTag(); tag != nil {
			// A modern client gets the notification on its listen stream.
			line = []byte(`{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":` + string(tag) + `}}}` + "\n")
		}
		if err := c.write(line); err != nil && !errors.Is(err, errConnClosed) {
			s.log.Warn("testserver: list_changed not delivered", "err", err)
		}
	}
}

// Notify sends a notification with the given method and params (nil omits
// params; otherwise they are marshalled with encoding/json) to every
// connection being served. With no connection it does nothing. It returns
// the marshalling error or the joined write errors.
func (s *Server) Notify(method string, params any) error {
	line, err := encodeMessage("", method, params)
	if err != nil {
		return fmt.Errorf("mcpclient: testserver notify %s: %w", method, err)
	}
	var errs []error
	for _, c := range s.connections() {
		if err := c.write(line); err != nil && !errors.Is(err, errConnClosed) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mcpclient: testserver notify %s: %w", method, err)
	}
	return nil
}

func (s *Server) connections() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*conn(nil), s.conns...)
}

func (s *Server) latest() *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) == 0 {
		return nil
	}
	return s.conns[len(s.conns)-1]
}

func (s *Server) attach(c *conn) {
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) detach(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			return
		}
	}
}

// negotiate picks the protocol version to answer: the requested one when
// supported, the newest supported otherwise.
func (s *Server) negotiate(requested string) string {
	for _, v := range s.versions {
		if v == requested {
			return v
		}
	}
	return s.versions[0]
}
