package mcpclient

import (
	"context"
	"encoding/json"
)

// serverStreamer is a connection whose stream for messages the server sends
// on its own (the GET stream of Streamable HTTP in the handshake era) can
// wait until the session needs it. The stream costs a TCP connection and
// goroutines for as long as the session lives, which a session that only
// calls tools does not need.
type serverStreamer interface {
	DeferServerStream()
	OpenServerStream(ctx context.Context)
}

// wantsServerMessages reports whether the session must hear the server from
// the handshake on: it answers server requests (roots, sampling,
// elicitation), or the caller waits for notifications or asked for log
// messages.
func (s *Session) wantsServerMessages() bool {
	o := &s.opts
	return o.Roots != nil || o.CreateMessage != nil || o.Elicit != nil ||
		o.OnToolsChanged != nil || o.OnLog != nil || o.OnResourceUpdated != nil ||
		o.OnNotification != nil || o.LogLevel != ""
}

// openServerStream opens the stream for server messages of a handshake-era
// session, when its connection deferred it, before the session starts to
// depend on what comes on it: a kept tool list, a resource subscription, a
// log level, progress (which servers that answer with JSON bodies send on
// that stream). Once open, the connection keeps it open, also across
// re-initialisations.
func (s *Session) openServerStream(ctx context.Context) {
	if s.streamer == nil || s.modern || s.streamOpen.Load() {
		return
	}
	s.streamer.OpenServerStream(ctx)
	s.streamOpen.Store(true)
}

// toolsListChanged reports whether the server announces changes of its tool
// list, the only reason a kept list could go stale.
func (s *Session) toolsListChanged() bool {
	var caps struct {
		Tools struct {
			ListChanged bool `json:"listChanged"`
		} `json:"tools"`
	}
	_ = json.Unmarshal(s.capabilities, &caps)
	return caps.Tools.ListChanged
}
