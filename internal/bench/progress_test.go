package bench

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the drawing goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgress(t *testing.T) {
	var out syncBuffer
	task := NewProgress(&out).Start("chat fake c=4", 10)
	for range 5 {
		task.Add()
	}
	time.Sleep(2 * progressEvery)
	task.Stop()
	task.Stop()
	got := out.String()
	for _, want := range []string{"chat fake c=4", "[############............] 5/10", "\r\033[K"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output %q lacks %q", got, want)
		}
	}
	if !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("progress output %q does not end by erasing its line", got)
	}
}

func TestProgressUnknownTotal(t *testing.T) {
	var out syncBuffer
	task := NewProgress(&out).Start("loop", 0)
	task.Add()
	task.Stop()
	if got := out.String(); !strings.Contains(got, "loop  ") || !strings.Contains(got, " done") {
		t.Errorf("progress output %q, want the label and a count of done requests", got)
	}
}

func TestProgressNil(t *testing.T) {
	var p *Progress
	task := p.Start("x", 3)
	task.Add()
	task.Stop()
	if task != nil {
		t.Errorf("(*Progress)(nil).Start() = %v, want nil", task)
	}
}
