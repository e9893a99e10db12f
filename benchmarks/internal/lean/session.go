package lean

import (
	"crypto/rand"
	"sync"
)

// maxSessions bounds the 2025-11-25 sessions held at once, so clients that
// never DELETE theirs cannot grow the server without end.
const maxSessions = 1 << 14

// sessions is the set of live 2025-11-25 session ids. A session holds no
// other state: nothing a client negotiates changes how this server answers.
// The zero value is not usable; make one with newSessions. Safe for
// concurrent use.
type sessions struct {
	mu  sync.RWMutex
	ids map[string]struct{}
}

func newSessions() *sessions { return &sessions{ids: make(map[string]struct{})} }

// add mints a session id; ok is false when maxSessions are live.
func (s *sessions) add() (id string, ok bool) {
	id = rand.Text()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) >= maxSessions {
		return "", false
	}
	s.ids[id] = struct{}{}
	return id, true
}

func (s *sessions) has(id string) bool {
	s.mu.RLock()
	_, ok := s.ids[id]
	s.mu.RUnlock()
	return ok
}

// remove ends a session and reports whether it was live.
func (s *sessions) remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ids[id]
	delete(s.ids, id)
	return ok
}
