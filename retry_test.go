package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// rateLimitBody is the provider's answer in case 14.
const rateLimitBody = `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`

// failWith returns a response writer for flakyModel: status, body and
// header pairs.
func failWith(status int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// flakyModel answers the first chat requests with fails, in order, and the
// rest with DemoBrain. It records when each request arrived and when each
// answer had been written: the client can only have read an answer after
// that moment, so arrival minus written is a lower bound on its wait.
type flakyModel struct {
	fails []func(http.ResponseWriter)
	model *fakemodel.Server

	mu       sync.Mutex
	arrived  []time.Time
	answered []time.Time
}

func (f *flakyModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	i := len(f.arrived)
	f.arrived = append(f.arrived, time.Now())
	f.answered = append(f.answered, time.Time{})
	f.mu.Unlock()
	if i < len(f.fails) {
		f.fails[i](w)
	} else {
		f.model.ServeHTTP(w, r)
	}
	f.mu.Lock()
	f.answered[i] = time.Now()
	f.mu.Unlock()
}

func (f *flakyModel) posts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.arrived)
}

// gap is how long the client waited between reading answer i-1 and sending
// request i, at least.
func (f *flakyModel) gap(i int) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.arrived[i].Sub(f.answered[i-1])
}

// ask runs one question, streamed or not.
func ask(ctx context.Context, c *Client, stream bool, q string) (*Result, error) {
	if stream {
		return c.RunStream(ctx, []Message{UserMessage(q)}, nil)
	}
	return c.Ask(ctx, q)
}

// Case 14: the client waits as long as the server asks, and no less.
func TestRetryAfterIsHonoured(t *testing.T) {
	tests := []struct {
		name string
		// fail makes the 429; it reports through notBefore the earliest
		// moment the retry may arrive, when that is not minWait after it.
		fail    func(notBefore chan<- time.Time) func(http.ResponseWriter)
		minWait time.Duration
		policy  RetryPolicy
	}{
		{
			name: "seconds",
			fail: func(chan<- time.Time) func(http.ResponseWriter) {
				return failWith(429, rateLimitBody, "Retry-After", "3")
			},
			minWait: 3 * time.Second,
		},
		{
			name: "date",
			fail: func(notBefore chan<- time.Time) func(http.ResponseWriter) {
				return func(w http.ResponseWriter) {
					// Whole seconds only: the date is 1 to 2 seconds ahead.
					d := time.Now().Add(2 * time.Second).Truncate(time.Second)
					notBefore <- d
					failWith(429, rateLimitBody, "Retry-After", d.UTC().Format(http.TimeFormat))(w)
				}
			},
		},
		{
			// Were Retry-After used, 30s would exceed MaxRetryAfter and the
			// request would fail.
			name: "milliseconds preferred",
			fail: func(chan<- time.Time) func(http.ResponseWriter) {
				return failWith(429, rateLimitBody, "Retry-After", "30", "retry-after-ms", "400")
			},
			minWait: 400 * time.Millisecond,
			policy:  RetryPolicy{MaxRetryAfter: 5 * time.Second},
		},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tt.name, stream), func(t *testing.T) {
				t.Parallel()
				notBefore := make(chan time.Time, 1)
				f := &flakyModel{fails: []func(http.ResponseWriter){tt.fail(notBefore)}, model: fakemodel.New(fakemodel.Options{})}
				policy := tt.policy
				c := newClient(t, serveModel(t, f), Options{Retry: &policy})
				res, err := ask(testContext(t), c, stream, "hello")
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				if !strings.Contains(res.Answer, "hello") {
					t.Errorf("Answer = %q, want the model's reply", res.Answer)
				}
				if n := f.posts(); n != 2 {
					t.Fatalf("POSTs = %d, want 2", n)
				}
				if tt.minWait > 0 {
					if g := f.gap(1); g < tt.minWait {
						t.Errorf("second POST came %v after the 429, want at least %v", g, tt.minWait)
					}
					return
				}
				date := <-notBefore
				f.mu.Lock()
				arrived := f.arrived[1]
				f.mu.Unlock()
				if arrived.Before(date) {
					t.Errorf("second POST came at %v, before the Retry-After date %v", arrived, date)
				}
			})
		}
	}
}

func TestRetryDecisions(t *testing.T) {
	quota := `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`
	fast := RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	rateLimited := failWith(429, rateLimitBody, "retry-after-ms", "5")
	tests := []struct {
		name      string
		fails     []func(http.ResponseWriter)
		policy    RetryPolicy
		wantPosts int
		want      *HTTPError // nil: the run succeeds
	}{
		{
			name:      "wait beyond MaxRetryAfter is not waited",
			fails:     []func(http.ResponseWriter){failWith(429, rateLimitBody, "Retry-After", "3600")},
			wantPosts: 1,
			want: &HTTPError{StatusCode: 429, Message: "Rate limit reached", Type: "requests", Code: "rate_limit_exceeded",
				RetryAfter: time.Hour, Attempts: 1},
		},
		{
			name:      "absurd Retry-After is not waited",
			fails:     []func(http.ResponseWriter){failWith(429, rateLimitBody, "Retry-After", "99999999999")},
			wantPosts: 1,
			want: &HTTPError{StatusCode: 429, Message: "Rate limit reached", Type: "requests", Code: "rate_limit_exceeded",
				RetryAfter: time.Duration(1<<63 - 1), Attempts: 1},
		},
		{
			name:      "attempts are bounded",
			fails:     []func(http.ResponseWriter){rateLimited, rateLimited, rateLimited, rateLimited},
			policy:    RetryPolicy{MaxAttempts: 3},
			wantPosts: 3,
			want: &HTTPError{StatusCode: 429, Message: "Rate limit reached", Type: "requests", Code: "rate_limit_exceeded",
				RetryAfter: 5 * time.Millisecond, Attempts: 3},
		},
		{
			name:      "exhausted quota is not retried",
			fails:     []func(http.ResponseWriter){failWith(429, quota)},
			wantPosts: 1,
			want:      &HTTPError{StatusCode: 429, Message: "You exceeded your current quota", Type: "insufficient_quota", Code: "insufficient_quota", Attempts: 1},
		},
		{
			name:      "bad request is not retried",
			fails:     []func(http.ResponseWriter){failWith(400, `{"error":{"message":"bad","type":"invalid_request_error"}}`)},
			wantPosts: 1,
			want:      &HTTPError{StatusCode: 400, Message: "bad", Type: "invalid_request_error", Attempts: 1},
		},
		{
			name:      "server error is retried",
			fails:     []func(http.ResponseWriter){failWith(500, `{"error":{"message":"oops","type":"server_error"}}`), failWith(502, "Bad Gateway")},
			policy:    fast,
			wantPosts: 3,
		},
		{
			name:      "x-should-retry false wins over 503",
			fails:     []func(http.ResponseWriter){failWith(503, `{"error":{"message":"down"}}`, "x-should-retry", "false")},
			policy:    fast,
			wantPosts: 1,
			want:      &HTTPError{StatusCode: 503, Message: "down", Attempts: 1},
		},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tt.name, stream), func(t *testing.T) {
				t.Parallel()
				f := &flakyModel{fails: tt.fails, model: fakemodel.New(fakemodel.Options{})}
				policy := tt.policy
				c := newClient(t, serveModel(t, f), Options{Retry: &policy})
				ctx := testContext(t)
				_, err := ask(ctx, c, stream, "hello")
				if n := f.posts(); n != tt.wantPosts {
					t.Errorf("POSTs = %d, want %d", n, tt.wantPosts)
				}
				if ctx.Err() != nil {
					t.Fatalf("the run outlived its context: %v", err)
				}
				if tt.want == nil {
					if err != nil {
						t.Fatalf("run: %v, want success", err)
					}
					return
				}
				var he *HTTPError
				if !errors.As(err, &he) {
					t.Fatalf("run error = %v, want an *HTTPError", err)
				}
				if diff := cmp.Diff(tt.want, he, cmpopts.IgnoreFields(HTTPError{}, "Header")); diff != "" {
					t.Errorf("HTTPError mismatch (-want +got):\n%s", diff)
				}
				if he.Header.Get("Content-Type") != "application/json" {
					t.Errorf("HTTPError.Header = %v, want the response's headers", he.Header)
				}
				if !strings.Contains(err.Error(), tt.want.Message) {
					t.Errorf("error text %q lacks the provider's message %q", err, tt.want.Message)
				}
			})
		}
	}
}

// stormModel answers the first request of each question with 429 and
// Retry-After: 2, and the rest with DemoBrain. It notes any request sent
// again less than 2 seconds after its 429 was written.
type stormModel struct {
	model *fakemodel.Server

	mu     sync.Mutex
	posts  int
	limits map[string]time.Time // question -> when its 429 was written
	early  []string
}

func (s *stormModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	json.Unmarshal(body, &req)
	q := ""
	if len(req.Messages) > 0 {
		q = req.Messages[0].Content
	}
	s.mu.Lock()
	s.posts++
	at, seen := s.limits[q]
	if !seen {
		s.limits[q] = time.Time{}
	}
	s.mu.Unlock()
	if !seen {
		failWith(429, rateLimitBody, "Retry-After", "2")(w)
		s.mu.Lock()
		s.limits[q] = time.Now()
		s.mu.Unlock()
		return
	}
	if at.IsZero() || time.Since(at) < 2*time.Second {
		s.mu.Lock()
		s.early = append(s.early, q)
		s.mu.Unlock()
	}
	s.model.ServeHTTP(w, r)
}

func TestRetryStorm(t *testing.T) {
	s := &stormModel{model: fakemodel.New(fakemodel.Options{}), limits: map[string]time.Time{}}
	c := newClient(t, serveModel(t, s), Options{})
	ctx := testContext(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := fmt.Sprintf("storm %d", i)
			res, err := ask(ctx, c, i%2 == 1, q)
			if err == nil && !strings.Contains(res.Answer, q) {
				err = fmt.Errorf("answer %q lacks the question", res.Answer)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.posts != 16 {
		t.Errorf("POSTs = %d, want 16", s.posts)
	}
	if len(s.early) > 0 {
		t.Errorf("sent again before Retry-After: %v", s.early)
	}
}

// countingTransport counts the attempts that reach the network.
type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func TestRetryConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			ct := &countingTransport{base: &http.Transport{}}
			policy := RetryPolicy{MaxAttempts: 3, BaseDelay: 40 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
			c := newClient(t, "http://"+addr+"/v1", Options{Retry: &policy, HTTPClient: &http.Client{Transport: ct}})
			var waits []time.Duration
			mt := c.http.Transport.(*modelTransport)
			mt.sleep = func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return sleepCtx(ctx, d)
			}
			_, err := ask(testContext(t), c, stream, "hello")
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("run error = %v, want connection refused", err)
			}
			if !strings.HasPrefix(err.Error(), "mcpclient: ") {
				t.Errorf("error %q does not start with mcpclient:", err)
			}
			if ct.n != 3 {
				t.Errorf("attempts = %d, want 3", ct.n)
			}
			if len(waits) != 2 {
				t.Fatalf("backoff waits = %v, want 2", waits)
			}
			for i, d := range waits {
				if limit := []time.Duration{40 * time.Millisecond, 50 * time.Millisecond}[i]; d < 0 || d > limit {
					t.Errorf("wait before retry %d = %v, want within [0, %v]", i+1, d, limit)
				}
			}
		})
	}
}

func TestRetryGivesUpBeforeDeadline(t *testing.T) {
	f := &flakyModel{fails: []func(http.ResponseWriter){failWith(429, rateLimitBody, "Retry-After", "20")}, model: fakemodel.New(fakemodel.Options{})}
	c := newClient(t, serveModel(t, f), Options{})
	ctx, cancel := context.WithTimeout(testContext(t), 5*time.Second)
	defer cancel()
	_, err := c.Ask(ctx, "hello")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 429 {
		t.Fatalf("Ask error = %v, want the 429 at once rather than a deadline error", err)
	}
	if ctx.Err() != nil {
		t.Errorf("Ask returned after its deadline; want at once")
	}
}

func TestDefaultShouldRetry(t *testing.T) {
	resp := func(status int, header ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name string
		resp *http.Response
		body string
		err  error
		want bool
	}{
		{"connection error", nil, "", errors.New("connection reset"), true},
		{"no response, no error", nil, "", nil, false},
		{"429", resp(429), rateLimitBody, nil, true},
		{"429 insufficient_quota", resp(429), `{"error":{"code":"insufficient_quota"}}`, nil, false},
		{"408", resp(408), "", nil, true},
		{"409", resp(409), "", nil, true},
		{"500", resp(500), "", nil, true},
		{"502", resp(502), "", nil, true},
		{"503", resp(503), "", nil, true},
		{"501", resp(501), "", nil, false},
		{"400", resp(400), "", nil, false},
		{"401", resp(401), "", nil, false},
		{"404", resp(404), "", nil, false},
		{"400 x-should-retry true", resp(400, "x-should-retry", "true"), "", nil, true},
		{"503 x-should-retry false", resp(503, "x-should-retry", "false"), "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultShouldRetry(tt.resp, []byte(tt.body), tt.err); got != tt.want {
				t.Errorf("DefaultShouldRetry(%s) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header []string
		want   time.Duration
		ok     bool
	}{
		{"none", nil, 0, false},
		{"seconds", []string{"Retry-After", "3"}, 3 * time.Second, true},
		{"fractional seconds", []string{"Retry-After", "1.5"}, 1500 * time.Millisecond, true},
		{"zero", []string{"Retry-After", "0"}, 0, true},
		{"date", []string{"Retry-After", now.Add(2 * time.Second).Format(http.TimeFormat)}, 2 * time.Second, true},
		{"past date", []string{"Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)}, 0, true},
		{"milliseconds preferred", []string{"Retry-After", "30", "retry-after-ms", "250"}, 250 * time.Millisecond, true},
		{"bad milliseconds fall back", []string{"Retry-After", "2", "retry-after-ms", "soon"}, 2 * time.Second, true},
		{"negative", []string{"Retry-After", "-1"}, 0, false},
		{"garbage", []string{"Retry-After", "tomorrow-ish"}, 0, false},
		{"huge seconds saturate", []string{"Retry-After", "99999999999"}, time.Duration(1<<63 - 1), true},
		{"infinite seconds saturate", []string{"Retry-After", "Inf"}, time.Duration(1<<63 - 1), true},
		{"huge milliseconds saturate", []string{"retry-after-ms", "1e300"}, time.Duration(1<<63 - 1), true},
		{"NaN", []string{"Retry-After", "NaN"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tt.header); i += 2 {
				h.Set(tt.header[i], tt.header[i+1])
			}
			got, ok := RetryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBackoffWithinCap(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	for n := 1; n <= 70; n++ {
		limit := min(p.BaseDelay<<min(n-1, 20), p.MaxDelay)
		for range 50 {
			if d := p.backoff(n); d < 0 || d > limit {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", n, d, limit)
			}
		}
	}
	if got := (RetryPolicy{}).withDefaults(); got.MaxAttempts != 4 || got.BaseDelay != 500*time.Millisecond || got.MaxDelay != 20*time.Second || got.MaxRetryAfter != time.Minute || got.ShouldRetry == nil {
		t.Errorf("RetryPolicy{}.withDefaults() = %+v, want DefaultRetryPolicy's settings", got)
	}
}
