package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 150 * time.Millisecond

// Progress draws one self-overwriting status line for the running task. It
// is meant for a terminal: the command creates one only when stderr is a
// terminal, since the carriage returns would litter a log. A nil *Progress
// draws nothing, and so do the tasks it starts.
type Progress struct {
	w io.Writer
}

// NewProgress returns a Progress drawing on w.
func NewProgress(w io.Writer) *Progress { return &Progress{w: w} }

// Task is one running unit of work shown by a [Progress]. Its methods may be
// called from any goroutine; a nil *Task does nothing.
type Task struct {
	w     io.Writer
	label string
	total int
	start time.Time
	done  atomic.Int64
	stop  chan struct{} // closed by Stop
	ended sync.WaitGroup
	once  sync.Once
}

// Start begins showing a task of total steps (0 when unknown) until Stop.
func (p *Progress) Start(label string, total int) *Task {
	if p == nil {
		return nil
	}
	t := &Task{w: p.w, label: label, total: total, start: time.Now(), stop: make(chan struct{})}
	t.ended.Add(1)
	go t.draw()
	return t
}

// Add counts one finished step.
func (t *Task) Add() {
	if t != nil {
		t.done.Add(1)
	}
}

// Stop ends the task and erases its line. It is idempotent.
func (t *Task) Stop() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		close(t.stop)
		t.ended.Wait()
		fmt.Fprint(t.w, "\r\033[K")
	})
}

func (t *Task) draw() {
	defer t.ended.Done()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		fmt.Fprint(t.w, "\r\033[K"+t.line())
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
	}
}

func (t *Task) line() string {
	n := int(t.done.Load())
	elapsed := time.Since(t.start).Round(100 * time.Millisecond)
	if t.total <= 0 {
		return fmt.Sprintf("%s  %d done  %v", t.label, n, elapsed)
	}
	const width = 24
	filled := min(n*width/t.total, width)
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	return fmt.Sprintf("%s  [%s] %d/%d  %v", t.label, bar, n, t.total, elapsed)
}
