package testserver

import (
	"bytes"
	"encoding/json"
	"sync"
)

// handleModern serves a request that carries modern (2026-07-28) _meta:
// statelessly, without the initialize handshake.
func (c *conn) handleModern(m *inMessage) {
	s := c.s
	v := m.Params.Meta.ProtocolVersion
	if !contains(s.modern, v) {
		data, _ := json.Marshal(struct {
			Supported []string `json:"supported"`
			Requested string   `json:"requested"`
		}{append(append([]string(nil), s.modern...), s.versions...), v})
		c.replyErrorData(m.ID, codeUnsupportedProtocolVersion, "Unsupported protocol version", data)
		return
	}
	switch m.Method {
	case "server/discover":
		res, _ := json.Marshal(struct {
			ResultType        string          `json:"resultType"`
			SupportedVersions []string        `json:"supportedVersions"`
			Capabilities      json.RawMessage `json:"capabilities"`
			Instructions      string          `json:"instructions,omitempty"`
			Meta              any             `json:"_meta"`
			TTLMs             int             `json:"ttlMs"`
			CacheScope        string          `json:"cacheScope"`
		}{"complete", s.modern, json.RawMessage(`{"tools":{"listChanged":true}}`), s.instructions,
			map[string]implementation{"io.modelcontextprotocol/serverInfo": {Name: s.name, Version: s.version}},
			60000, "public"})
		c.replyResult(m.ID, res)
	case "tools/list":
		c.listToolsPage(m, true)
	case "tools/call":
		c.callTool(m)
	case "subscriptions/listen":
		c.listen(m)
	default:
		c.replyError(m.ID, codeMethodNotFound, "method not found: "+m.Method)
	}
}

// listen opens a subscriptions/listen stream: an acknowledgement now, and
// later notifications tagged with the request id, until cancelled.
func (c *conn) listen(m *inMessage) {
	c.subMu.Lock()
	c.listenID = append(json.RawMessage(nil), m.ID...)
	c.subMu.Unlock()
	if err := c.startHandler(string(m.ID), &inflight{}, false); err != nil {
		c.log.Debug("testserver: listen not registered", "err", err)
	}
	ack := `{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":` +
		string(m.ID) + `},"notifications":{"toolsListChanged":true}}}` + "\n"
	_ = c.write([]byte(ack))
}

// subscriptionTag returns the id of the connection's listen stream, or nil.
func (c *conn) subscriptionTag() json.RawMessage {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	return c.listenID
}

func (c *conn) replyErrorData(id json.RawMessage, code int, msg string, data json.RawMessage) {
	e, _ := json.Marshal(wireError{Code: code, Message: msg, Data: data})
	line := []byte(`{"jsonrpc":"2.0","id":`)
	line = append(line, id...)
	line = append(line, `,"error":`...)
	line = append(line, e...)
	line = append(line, "}\n"...)
	_ = c.write(line)
}

// appendInputRequired writes an InputRequiredResult asking the client for
// more input before the call can complete.
func appendInputRequired(buf *bytes.Buffer, res *Result) error {
	buf.WriteString(`{"resultType":"input_required"`)
	if len(res.InputRequests) > 0 {
		buf.WriteString(`,"inputRequests":`)
		if err := json.Compact(buf, res.InputRequests); err != nil {
			return err
		}
	}
	if res.RequestState != "" {
		st, _ := json.Marshal(res.RequestState)
		buf.WriteString(`,"requestState":`)
		buf.Write(st)
	}
	buf.WriteByte('}')
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// subState is embedded in conn for subscriptions.
type subState struct {
	subMu    sync.Mutex
	listenID json.RawMessage
}
