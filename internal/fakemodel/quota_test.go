package fakemodel

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// post sends one chat request straight to h.
func post(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	return rec
}

func TestQuota(t *testing.T) {
	q := WithQuota(New(Options{}), Quota{PerSecond: 10, Burst: 3})
	var codes []int
	for range 4 {
		codes = append(codes, post(q, "/v1/chat/completions").Code)
	}
	if want := []int{200, 200, 200, 429}; !slices.Equal(codes, want) {
		t.Fatalf("statuses of 4 requests against a burst of 3 = %v, want %v", codes, want)
	}

	rec := post(q, "/chat/completions")
	if rec.Code != 429 {
		t.Fatalf("status of a 5th request at once = %d, want 429", rec.Code)
	}
	h := rec.Header()
	ms, err := strconv.Atoi(h.Get("retry-after-ms"))
	if err != nil || ms < 1 || ms > 100 {
		t.Errorf("retry-after-ms = %q, want 1 to 100 (one request at 10/s)", h.Get("retry-after-ms"))
	}
	if got := h.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1 (whole seconds, rounded up)", got)
	}
	if h.Get("x-ratelimit-limit-requests") != "3" || h.Get("x-ratelimit-remaining-requests") != "0" {
		t.Errorf("budget headers = %v, want limit 3 and nothing remaining", h)
	}
	if d, err := time.ParseDuration(h.Get("x-ratelimit-reset-requests")); err != nil || d < 200*time.Millisecond || d > 300*time.Millisecond {
		t.Errorf("x-ratelimit-reset-requests = %q, want about 300ms", h.Get("x-ratelimit-reset-requests"))
	}
	var e apiErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != "rate_limit_exceeded" {
		t.Errorf("429 body = %s, want OpenAI's error with rate_limit_exceeded", rec.Body)
	}

	time.Sleep(time.Duration(ms) * time.Millisecond)
	if rec := post(q, "/v1/chat/completions"); rec.Code != 200 || rec.Header().Get("x-ratelimit-remaining-requests") != "0" {
		t.Errorf("after Retry-After: status %d, remaining %q; want 200 and 0", rec.Code, rec.Header().Get("x-ratelimit-remaining-requests"))
	}

	log := q.Log()
	refused := 0
	for _, e := range log {
		if e.Refused {
			refused++
		}
	}
	if len(log) != 6 || refused != 2 {
		t.Errorf("Log() has %d entries, %d refused; want 6 and 2", len(log), refused)
	}

	// Other paths are not counted.
	rec = httptest.NewRecorder()
	q.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/models", nil))
	if rec.Code != 200 || len(q.Log()) != 6 {
		t.Errorf("GET /v1/models: status %d, log %d; want 200 and not counted", rec.Code, len(q.Log()))
	}
}
