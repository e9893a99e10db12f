package mcpclient

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// describe names a limiter and its settings, to compare parsed limiters.
func describe(l Limiter) string {
	switch l := l.(type) {
	case nil:
		return "none"
	case *TokenBucket:
		return fmt.Sprintf("token(%v,%d)", float64(l.lim.Limit()), l.lim.Burst())
	case *LeakyBucket:
		return fmt.Sprintf("leaky(%v)", l.interval)
	case *SlidingWindow:
		return fmt.Sprintf("window(%d/%v)", l.limit, l.window)
	case *Adaptive:
		return fmt.Sprintf("adaptive(%v)", l.max)
	case *TokenLimit:
		return fmt.Sprintf("tpm(%v)", l.capacity)
	case *Priority:
		return fmt.Sprintf("priority(%v,%s)", time.Duration(l.ageing), describe(l.inner))
	case allOf:
		parts := make([]string, len(l))
		for i, p := range l {
			parts[i] = describe(p)
		}
		return "all(" + strings.Join(parts, ",") + ")"
	}
	return fmt.Sprintf("%T", l)
}

func TestParseLimiter(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"", "none"},
		{"  none ", "none"},
		{"token:5", "token(5,5)"},
		{"token:2.5", "token(2.5,3)"},
		{"token:10:20", "token(10,20)"},
		{"leaky:4", "leaky(250ms)"},
		{"window:100/1m", "window(100/1m0s)"},
		{"window:3/m", "window(3/1m0s)"},
		{"window:5/500ms", "window(5/500ms)"},
		{"adaptive:50", "adaptive(50)"},
		{"adaptive:50,tpm=90000", "all(tpm(90000),adaptive(50))"},
		{"tpm=1000,rpm=60,token:1", "all(tpm(1000),window(60/1m0s),token(1,1))"},
		{"rpm=500,tpm=90000", "all(tpm(90000),window(500/1m0s))"},
		{"leaky:5,priority", "priority(1s,leaky(200ms))"},
		{"leaky:5,priority=2s", "priority(2s,leaky(200ms))"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			l, err := ParseLimiter(tt.spec)
			if err != nil {
				t.Fatalf("ParseLimiter(%q) error: %v", tt.spec, err)
			}
			if got := describe(l); got != tt.want {
				t.Errorf("ParseLimiter(%q) = %s, want %s", tt.spec, got, tt.want)
			}
		})
	}
}

func TestParseLimiterErrors(t *testing.T) {
	tests := []struct {
		spec, want string // want: a part of the message
	}{
		{"bogus:1", `unknown kind "bogus"`},
		{"token", "the rate"},
		{"token:0", "the rate"},
		{"token:-1", "the rate"},
		{"token:NaN", "the rate"},
		{"token:Inf", "the rate"},
		{"token:5:0", "the burst"},
		{"token:5:x", "the burst"},
		{"token:1:2:3", "the burst"},
		{"leaky:", "the rate"},
		{"window:100", "window:N/DURATION"},
		{"window:0/1m", "count"},
		{"window:5/0s", "duration"},
		{"window:5/fortnight", "duration"},
		{"adaptive:x", "the rate"},
		{"token:1,leaky:2", "second strategy"},
		{"token:1,tpm=0", "tpm"},
		{"token:1,rpm=x", "rpm"},
		{"token:1,burst=3", "unknown option"},
		{"token:1,priority=-1s", "duration"},
		{"priority", "priority needs a limit"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			l, err := ParseLimiter(tt.spec)
			if err == nil {
				t.Fatalf("ParseLimiter(%q) = %s, want an error", tt.spec, describe(l))
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "mcpclient: limiter ") || !strings.Contains(msg, tt.want) {
				t.Errorf("ParseLimiter(%q) error = %q, want it to start with mcpclient: and mention %q", tt.spec, msg, tt.want)
			}
		})
	}
}
