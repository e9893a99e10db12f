package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/syncbuf"
)

func TestProgress(t *testing.T) {
	var out syncbuf.Buffer
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
	var out syncbuf.Buffer
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
