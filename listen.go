package mcpclient

import (
	"context"
	"encoding/json"
	"sort"
	"time"
)

// listenForChanges starts the subscriptions/listen loop of a modern session
// when there is something to listen for: tool list changes the server
// announces, or resources passed to Subscribe.
func (s *Session) listenForChanges() {
	s.subMu.Lock()
	running := s.listening
	s.subMu.Unlock()
	if running || s.listenParams() == nil {
		return
	}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	if s.listening {
		return
	}
	s.listening = true
	s.wg.Add(1)
	go s.listenLoop()
}

// restartListener reopens the stream with the current subscriptions.
func (s *Session) restartListener() {
	s.subMu.Lock()
	cancel := s.listenCancel
	running := s.listening
	s.subMu.Unlock()
	if running && cancel != nil {
		cancel()
		return
	}
	s.listenForChanges()
}

// listenParams returns the filter of the listen request, or nil when there
// is nothing to listen for.
func (s *Session) listenParams() json.RawMessage {
	var caps struct {
		Tools struct {
			ListChanged bool `json:"listChanged"`
		} `json:"tools"`
	}
	_ = json.Unmarshal(s.capabilities, &caps)
	s.subMu.Lock()
	uris := make([]string, 0, len(s.subURIs))
	for u := range s.subURIs {
		uris = append(uris, u)
	}
	s.subMu.Unlock()
	sort.Strings(uris)
	if !caps.Tools.ListChanged && len(uris) == 0 {
		return nil
	}
	filter := map[string]any{}
	if caps.Tools.ListChanged {
		filter["toolsListChanged"] = true
	}
	if len(uris) > 0 {
		filter["resourceSubscriptions"] = uris
	}
	b, _ := json.Marshal(map[string]any{"notifications": filter})
	return b
}

// listenLoop keeps one subscriptions/listen request open for the life of
// the session. When the server ends it, it is opened again after a pause
// that grows while the server keeps ending it quickly; a restart for new
// subscriptions reopens it at once.
func (s *Session) listenLoop() {
	defer s.wg.Done()
	pause := time.Second
	for s.ctx.Err() == nil && s.Err() == nil {
		params := s.listenParams()
		if params == nil {
			s.subMu.Lock()
			s.listening = false
			s.subMu.Unlock()
			return
		}
		ctx, cancel := context.WithCancel(s.ctx)
		s.subMu.Lock()
		s.listenCancel = cancel
		s.subMu.Unlock()
		start := time.Now()
		_, err := s.call(ctx, "subscriptions/listen", params, &CallOptions{Timeout: 24 * time.Hour, MaxTimeout: 24 * time.Hour})
		restarted := ctx.Err() != nil && s.ctx.Err() == nil
		cancel()
		if s.ctx.Err() != nil || s.Err() != nil {
			return
		}
		if restarted {
			continue
		}
		if time.Since(start) > time.Minute {
			pause = time.Second
		}
		s.logger.Debug("subscription ended; listening again", "err", err, "after", pause)
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return
		}
		pause = min(2*pause, 30*time.Second)
	}
}
