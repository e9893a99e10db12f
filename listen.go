package mcpclient

import (
	"encoding/json"
	"time"
)

// listenForChanges keeps a subscriptions/listen request open on a modern
// session whose server announces tool list changes, so the tool cache is
// invalidated as on legacy sessions. The request lives as long as the
// session; when the server ends it, it is opened again after a pause.
func (s *Session) listenForChanges() {
	var caps struct {
		Tools struct {
			ListChanged bool `json:"listChanged"`
		} `json:"tools"`
	}
	if json.Unmarshal(s.capabilities, &caps) != nil || !caps.Tools.ListChanged {
		return
	}
	params := json.RawMessage(`{"notifications":{"toolsListChanged":true}}`)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		pause := time.Second
		for s.ctx.Err() == nil {
			start := time.Now()
			_, err := s.call(s.ctx, "subscriptions/listen", params, &CallOptions{Timeout: 24 * time.Hour, MaxTimeout: 24 * time.Hour})
			if s.ctx.Err() != nil || s.Err() != nil {
				return
			}
			s.logger.Debug("subscription ended; listening again", "err", err, "after", pause)
			if time.Since(start) > time.Minute {
				pause = time.Second
			}
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return
			}
			pause = min(2*pause, 30*time.Second)
		}
	}()
}
