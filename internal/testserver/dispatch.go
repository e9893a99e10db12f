package testserver

import (
	"encoding/json"
	"errors"
	"strings"
)

// handleLine decodes one message and acts on it. Only a crash fault returns
// an error; everything else the client did wrong is answered or logged.
func (c *conn) handleLine(line []byte) error {
	m := new(inMessage)
	if err := json.Unmarshal(line, m); err != nil {
		c.badMessage(m, err)
		return nil
	}
	isRequest := len(m.ID) > 0
	switch {
	case m.JSONRPC != "2.0":
		if isRequest == (m.Method != "") {
			c.replyError(m.ID, codeInvalidRequest, `invalid request: jsonrpc must be "2.0"`)
		} else {
			c.log.Warn("testserver: message without jsonrpc 2.0 ignored", "method", m.Method)
		}
	case m.Method != "" && !isRequest:
		c.handleNotification(m)
	case m.Method != "" && !validID(m.ID):
		c.replyError(nil, codeInvalidRequest, "invalid request: id must be a string or a number")
	case m.Method != "":
		return c.handleRequest(m)
	case isRequest && (m.Result != nil || m.Error != nil):
		c.deliver(m)
	default:
		c.replyError(m.ID, codeInvalidRequest, "invalid request: no method")
	}
	return nil
}

// badMessage answers a line that did not decode. A wrongly typed field still
// leaves the rest decoded, so a request whose params are malformed gets
// -32602 with its own id; anything unreadable gets -32700 with a null id.
func (c *conn) badMessage(m *inMessage, err error) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		c.log.Warn("testserver: unparsable line", "err", err)
		c.replyError(nil, codeParseError, "parse error: "+err.Error())
		return
	}
	if m.Method != "" && len(m.ID) == 0 {
		c.log.Warn("testserver: malformed notification ignored", "method", m.Method, "err", err)
		return
	}
	code := codeInvalidRequest
	if strings.HasPrefix(te.Field, "params") {
		code = codeInvalidParams
	}
	c.replyError(m.ID, code, "invalid message: "+err.Error())
}

func (c *conn) handleNotification(m *inMessage) {
	switch m.Method {
	case "notifications/cancelled":
		if m.Params != nil && len(m.Params.RequestID) > 0 {
			c.cancelRequest(string(m.Params.RequestID), m.Params.Reason)
		}
	case "notifications/initialized":
		c.log.Debug("testserver: client initialized")
	default:
		// Unknown notifications are ignored, as JSON-RPC requires.
	}
}

func (c *conn) handleRequest(m *inMessage) error {
	s := c.s
	if m.Method == "tools/call" {
		c.calls++
		if n := s.faults.CrashAfterCalls; n > 0 && c.calls >= n {
			c.dead.Store(true)
			c.log.Info("testserver: crash fault", "call", c.calls)
			return ErrCrash
		}
	}
	if s.hang[m.Method] {
		c.hold(m)
		return nil
	}
	if m.Params != nil && m.Params.Meta != nil && m.Params.Meta.ProtocolVersion != "" && len(s.modern) > 0 {
		c.handleModern(m)
		return nil
	}
	if !c.initialized && m.Method != "initialize" && m.Method != "ping" {
		c.replyError(m.ID, codeInvalidRequest, "server not initialized")
		return nil
	}
	switch m.Method {
	case "initialize":
		c.initialize(m)
	case "ping":
		c.replyResult(m.ID, emptyObject)
	case "tools/list":
		c.listTools(m)
	case "tools/call":
		c.callTool(m)
	case "logging/setLevel":
		c.setLevel(m)
	default:
		c.replyError(m.ID, codeMethodNotFound, "method not found: "+m.Method)
	}
	return nil
}

// hold keeps a request of a HangMethods method in flight without answering,
// so that a cancellation of it is recognised.
func (c *conn) hold(m *inMessage) {
	if err := c.startHandler(string(m.ID), &inflight{}, false); err != nil {
		c.log.Debug("testserver: hung request not registered", "id", string(m.ID), "err", err)
	}
	c.log.Debug("testserver: hang fault", "method", m.Method, "id", string(m.ID))
}

type initializeResult struct {
	ProtocolVersion string          `json:"protocolVersion"`
	Capabilities    json.RawMessage `json:"capabilities"`
	ServerInfo      implementation  `json:"serverInfo"`
	Instructions    string          `json:"instructions,omitempty"`
}

type implementation struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

var serverCapabilities = json.RawMessage(`{"tools":{"listChanged":true},"logging":{}}`)

func (c *conn) initialize(m *inMessage) {
	if m.Params == nil || m.Params.ProtocolVersion == "" {
		c.replyError(m.ID, codeInvalidParams, "invalid params: initialize needs protocolVersion")
		return
	}
	s := c.s
	res, err := json.Marshal(initializeResult{
		ProtocolVersion: s.negotiate(m.Params.ProtocolVersion),
		Capabilities:    serverCapabilities,
		ServerInfo:      implementation{Name: s.name, Version: s.version},
		Instructions:    s.instructions,
	})
	if err != nil {
		c.replyError(m.ID, codeInternalError, "internal error: "+err.Error())
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	if !c.noiseSent {
		c.noiseSent = true
		buf.Write(s.noise)
	}
	appendResponseHead(buf, m.ID, s.faults.StringIDs)
	buf.WriteString(`"result":`)
	buf.Write(res)
	buf.WriteString("}\n")
	c.initialized = true
	_ = c.write(buf.Bytes())
}

var logLevels = map[string]bool{
	"debug": true, "info": true, "notice": true, "warning": true,
	"error": true, "critical": true, "alert": true, "emergency": true,
}

func (c *conn) setLevel(m *inMessage) {
	if m.Params == nil || !logLevels[m.Params.Level] {
		c.replyError(m.ID, codeInvalidParams, "invalid params: unknown logging level")
		return
	}
	c.replyResult(m.ID, emptyObject)
}

// replyResult writes a response whose result member is the given JSON.
func (c *conn) replyResult(id json.RawMessage, result []byte) {
	buf := getBuf()
	defer putBuf(buf)
	appendResponseHead(buf, id, c.s.faults.StringIDs)
	buf.WriteString(`"result":`)
	buf.Write(result)
	buf.WriteString("}\n")
	_ = c.write(buf.Bytes())
}

func (c *conn) replyError(id json.RawMessage, code int, msg string) {
	buf := getBuf()
	defer putBuf(buf)
	appendError(buf, id, c.s.faults.StringIDs, code, msg)
	_ = c.write(buf.Bytes())
}
