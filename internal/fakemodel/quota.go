package fakemodel

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Quota is a provider's request budget as hosted providers enforce it: a
// bucket of Burst requests that refills at PerSecond, with 429 and
// Retry-After once it is empty. The zero value refuses every chat request.
type Quota struct {
	PerSecond float64
	// Burst is the bucket's size; 0 means PerSecond rounded up.
	Burst int
}

// QuotaEntry is one chat request a [QuotaHandler] judged.
type QuotaEntry struct {
	At      time.Time
	Refused bool
}

// QuotaHandler enforces a [Quota] in front of another handler, usually a
// Server. Chat requests (POST /v1/chat/completions or /chat/completions)
// that find the bucket empty get 429 in OpenAI's shape, with Retry-After
// (whole seconds, rounded up) and retry-after-ms saying when the next
// request fits; the others go on to the next handler. Every chat response
// carries OpenAI's budget headers: x-ratelimit-limit-requests (the burst),
// x-ratelimit-remaining-requests and x-ratelimit-reset-requests (time until
// the bucket is full, as "20ms", "1s", "6m0s"). Other requests pass
// untouched. It is safe for concurrent use.
type QuotaHandler struct {
	next  http.Handler
	rate  float64
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
	log    []QuotaEntry
}

// WithQuota returns next behind q; the bucket starts full.
func WithQuota(next http.Handler, q Quota) *QuotaHandler {
	burst := q.Burst
	if burst <= 0 {
		burst = int(math.Ceil(q.PerSecond))
	}
	return &QuotaHandler{
		next: next, rate: math.Max(q.PerSecond, 0),
		burst: float64(burst), tokens: float64(burst), last: time.Now(),
	}
}

// Log returns every chat request judged so far, in order.
func (h *QuotaHandler) Log() []QuotaEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]QuotaEntry, len(h.log))
	copy(out, h.log)
	return out
}

func (h *QuotaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || (r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/chat/completions") {
		h.next.ServeHTTP(w, r)
		return
	}
	ok, remaining, reset, retry := h.take(time.Now())
	hd := w.Header()
	hd.Set("x-ratelimit-limit-requests", strconv.Itoa(int(h.burst)))
	hd.Set("x-ratelimit-remaining-requests", strconv.Itoa(remaining))
	hd.Set("x-ratelimit-reset-requests", reset.Round(time.Millisecond).String())
	if ok {
		h.next.ServeHTTP(w, r)
		return
	}
	extra := http.Header{}
	extra.Set("Retry-After", strconv.FormatInt(int64((retry+time.Second-1)/time.Second), 10))
	extra.Set("retry-after-ms", strconv.FormatInt(int64((retry+time.Millisecond-1)/time.Millisecond), 10))
	writeError(w, http.StatusTooManyRequests, extra, "rate_limit_exceeded", "Rate limit reached for requests")
}

// take spends one request if the bucket has one. It returns what is left,
// the time until the bucket is full, and, when refused, the time until one
// request fits.
func (h *QuotaHandler) take(now time.Time) (ok bool, remaining int, reset, retry time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d := now.Sub(h.last); d > 0 {
		h.tokens = math.Min(h.burst, h.tokens+d.Seconds()*h.rate)
		h.last = now
	}
	ok = h.tokens >= 1
	if ok {
		h.tokens--
	}
	h.log = append(h.log, QuotaEntry{At: now, Refused: !ok})
	remaining = int(h.tokens)
	if h.rate > 0 {
		reset = seconds((h.burst - h.tokens) / h.rate)
		retry = seconds((1 - h.tokens) / h.rate)
	} else {
		reset, retry = time.Hour, time.Hour
	}
	return ok, remaining, reset, retry
}

func seconds(s float64) time.Duration {
	return time.Duration(math.Max(s, 0) * float64(time.Second))
}
