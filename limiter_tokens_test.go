package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// tokensLeft reads a TokenLimit's balance now.
func tokensLeft(tl *TokenLimit) float64 {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.advance(time.Now())
	return tl.tokens
}

// Estimates are settled against the usage reported when the permit is
// done: what was not used goes back, an overrun is owed.
func TestTokenLimitSettles(t *testing.T) {
	tests := []struct {
		name string
		o    Outcome
		want float64 // balance after, of 6000 a minute, estimate 1000
	}{
		{"used less", Outcome{StatusCode: 200, Used: Cost{Tokens: 300}}, 5700},
		{"used more", Outcome{StatusCode: 200, Used: Cost{Tokens: 2500}}, 3500},
		{"usage unknown", Outcome{StatusCode: 200}, 5000},
		{"refused", Outcome{StatusCode: 429}, 6000},
		{"not sent", Outcome{Err: ErrNotSent}, 6000},
		{"lost in transit", Outcome{Err: io.ErrUnexpectedEOF}, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := NewTokenLimit(6000)
			p, err := tl.Acquire(testContext(t), Cost{Requests: 1, Tokens: 1000})
			if err != nil {
				t.Fatal(err)
			}
			p.Done(tt.o)
			// The bucket refills 100 a second; allow a little time.
			if got := tokensLeft(tl); got < tt.want-5 || got > tt.want+5 {
				t.Errorf("balance after %+v = %.0f, want %.0f", tt.o, got, tt.want)
			}
		})
	}
}

func TestTokenLimitWaitsAndRefuses(t *testing.T) {
	tl := NewTokenLimit(6000) // 100 a second
	ctx := testContext(t)
	if _, err := tl.Acquire(ctx, Cost{Tokens: 6001}); !errors.Is(err, ErrCostTooLarge) {
		t.Errorf("Acquire(6001 of 6000 a minute) = %v, want ErrCostTooLarge", err)
	}
	if _, err := tl.Acquire(ctx, Cost{Tokens: 5980}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := tl.Acquire(ctx, Cost{Tokens: 40}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("Acquire of 40 with about 20 left waited %v, want about 200ms", d)
	}
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := tl.Acquire(dctx, Cost{Tokens: 3000}); !errors.Is(err, context.DeadlineExceeded) || dctx.Err() != nil {
		t.Errorf("Acquire of 30s' worth with 100ms left = %v, want a deadline error at once", err)
	}
	if _, err := tl.Acquire(ctx, Cost{}); err != nil {
		t.Errorf("Acquire of no tokens = %v, want admitted", err)
	}
}

// AllOf takes every budget, and a refusal gives back what the earlier ones
// had set aside.
func TestAllOf(t *testing.T) {
	tl := NewTokenLimit(6000)
	lim := AllOf(nil, tl, NewTokenBucket(1000, 1))
	ctx := testContext(t)
	p, err := lim.Acquire(ctx, Cost{Requests: 1, Tokens: 500})
	if err != nil {
		t.Fatal(err)
	}
	p.Done(Outcome{StatusCode: 200, Used: Cost{Tokens: 100}})
	if got := tokensLeft(tl); got < 5895 || got > 5910 {
		t.Errorf("balance after a settled request = %.0f, want 5900", got)
	}
	if _, err := lim.Acquire(ctx, Cost{Requests: 2, Tokens: 500}); !errors.Is(err, ErrCostTooLarge) {
		t.Fatalf("Acquire(2 requests, burst 1) = %v, want ErrCostTooLarge", err)
	}
	if got := tokensLeft(tl); got < 5895 {
		t.Errorf("balance after a refusal = %.0f, want the 500 tokens given back", got)
	}
	if AllOf() == nil || AllOf(tl) != Limiter(tl) {
		t.Error("AllOf of none or one limiter is not the obvious limiter")
	}
}

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		body  string
		extra int // beyond a token per four bytes
	}{
		{`{"model":"m","messages":[]}`, 0},
		{`{"model":"m","max_tokens":100}`, 100},
		{`{"model":"m","max_completion_tokens": 50}`, 50},
		{`{"content":"say \"max_tokens\":99"}`, 0},
	}
	for _, tt := range tests {
		if got, want := estimateTokens([]byte(tt.body)), len(tt.body)/4+tt.extra; got != want {
			t.Errorf("estimateTokens(%s) = %d, want %d", tt.body, got, want)
		}
	}
}

func TestFindUsage(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
		ok         bool
	}{
		{"completion", `{"id":"x","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`, 15, true},
		{"no total", `{"usage":{"prompt_tokens":10,"completion_tokens":5}}`, 15, true},
		{"stream", "data: {\"usage\":null}\n\ndata: {\"choices\":[],\"usage\":{\"total_tokens\":42}}\n\ndata: [DONE]\n\n", 42, true},
		{"null only", `data: {"usage":null}`, 0, false},
		{"none", `{"choices":[]}`, 0, false},
		{"in a string", `{"content":"\"usage\":{\"total_tokens\":7}"}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := findUsage([]byte(tt.body))
			if got.Tokens != tt.want || ok != tt.ok {
				t.Errorf("findUsage(%s) = %v, %v; want %d tokens, %v", tt.body, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// recordPermit keeps the outcome it was given.
type recordPermit struct{ got []Outcome }

func (p *recordPermit) Done(o Outcome) { p.got = append(p.got, o) }

// The permit of a successful response learns its usage once the body is
// read, once only.
func TestSettleOnClose(t *testing.T) {
	body := `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	p := &recordPermit{}
	rc := settleOnClose(io.NopCloser(strings.NewReader(strings.Repeat(" ", 3*usageTail)+body)), p, Outcome{StatusCode: 200})
	if len(p.got) != 0 {
		t.Fatal("permit done before the body was read")
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if len(p.got) != 1 || p.got[0].Used.Tokens != 7 || p.got[0].StatusCode != 200 {
		t.Errorf("outcomes = %+v, want one with 7 tokens used", p.got)
	}
	if rc := settleOnClose(io.NopCloser(strings.NewReader("")), noopPermit{}, Outcome{}); rc == nil {
		t.Error("settleOnClose with a no-op permit returned nil")
	}
}

// Through a client, the estimate is settled against the usage the model
// reports, streamed or not.
func TestTokenLimitSettlesModelUsage(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			step := answerStep("fine")
			step.Usage = &fakemodel.Usage{PromptTokens: 100, CompletionTokens: 23, TotalTokens: 123}
			_, base := startModel(t, fakemodel.Options{Script: []fakemodel.Step{step}})
			tl := NewTokenLimit(60000) // refills 1000 a second
			c := newClient(t, base, Options{Limiter: tl, MaxTokens: 5000})
			if _, err := ask(testContext(t), c, stream, "hi"); err != nil {
				t.Fatal(err)
			}
			// Without settlement, 5000 and more would still be taken.
			if got := tokensLeft(tl); got < 60000-123-5 || got > 60000-123+300 {
				t.Errorf("balance after a request that used 123 tokens = %.0f, want about %d", got, 60000-123)
			}
		})
	}
}
