package mcpclient

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// budgetInfo is what a provider's x-ratelimit-* headers say about one
// budget (requests or tokens): its size, what is left, and how long until
// it is full again. Fields the response lacks are -1.
type budgetInfo struct {
	limit, remaining int64
	reset            time.Duration
}

func (b budgetInfo) known() bool { return b.remaining >= 0 }

// rateHeaders reads the OpenAI-style x-ratelimit-limit-, -remaining- and
// -reset- headers for requests and for tokens.
func rateHeaders(h http.Header, now time.Time) (requests, tokens budgetInfo) {
	read := func(kind string) budgetInfo {
		b := budgetInfo{limit: -1, remaining: -1, reset: -1}
		if h == nil {
			return b
		}
		if v, ok := headerInt(h, "x-ratelimit-remaining-"+kind); ok && v >= 0 {
			b.remaining = v
		}
		if v, ok := headerInt(h, "x-ratelimit-limit-"+kind); ok && v > 0 {
			b.limit = v
		}
		if d, ok := parseReset(h.Get("x-ratelimit-reset-"+kind), now); ok {
			b.reset = d
		}
		return b
	}
	return read("requests"), read("tokens")
}

func headerInt(h http.Header, key string) (int64, bool) {
	v, err := strconv.ParseInt(strings.TrimSpace(h.Get(key)), 10, 64)
	return v, err == nil
}

// parseReset reads a reset time in the forms providers use: a Go-style
// duration ("1s", "6m0s", "20ms", "1m30.5s"), plain seconds ("0.5"), or a
// moment (RFC 3339 or an HTTP date) relative to now.
func parseReset(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil {
		return max(d, 0), true
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && !math.IsNaN(s) {
		return saturating(s, time.Second), true
	}
	for _, layout := range []string{time.RFC3339Nano, http.TimeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return 0, false
}
