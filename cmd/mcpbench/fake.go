package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mcpclient/mcpclient/internal/fakemodel"
)

// fakeSettings shape the built-in fake provider. The defaults keep the
// offline demo short: a real provider's median is nearer 300-800ms.
type fakeSettings struct {
	Median     time.Duration // median latency, log-normally spread
	Sigma      float64       // spread of the log-normal latency
	Throttle   int           // every Throttle-th request gets 429; 0 never
	RetryAfter time.Duration // advertised on each 429
}

var defaultFake = fakeSettings{Median: 40 * time.Millisecond, Sigma: 0.5, Throttle: 15, RetryAfter: 50 * time.Millisecond}

func isFakeURL(s string) bool { return s == "fake" || strings.HasPrefix(s, "fake:") }

// parseFakeURL reads fake:[?median=D&sigma=X&throttle=N&retry-after=D]; what
// is not given keeps its default.
func parseFakeURL(s string) (fakeSettings, error) {
	fs := defaultFake
	_, query, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(s, "fake"), ":"), "?")
	vals, err := url.ParseQuery(query)
	if err != nil {
		return fs, fmt.Errorf("mcpclient: parse fake provider options: %w", err)
	}
	for k, vs := range vals {
		v := vs[len(vs)-1]
		switch k {
		case "median":
			fs.Median, err = time.ParseDuration(v)
		case "retry-after":
			fs.RetryAfter, err = time.ParseDuration(v)
		case "sigma":
			fs.Sigma, err = strconv.ParseFloat(v, 64)
		case "throttle":
			fs.Throttle, err = strconv.Atoi(v)
		default:
			return fs, fmt.Errorf("mcpclient: parse fake provider options: unknown option %q "+
				"(want median, sigma, throttle, retry-after)", k)
		}
		if err != nil {
			return fs, fmt.Errorf("mcpclient: parse fake provider options: %s: %v", k, err)
		}
	}
	if fs.Median < 0 || fs.RetryAfter < 0 || fs.Throttle < 0 || fs.Sigma < 0 {
		return fs, errors.New("mcpclient: parse fake provider options: values must not be negative")
	}
	return fs, nil
}

func (fs fakeSettings) String() string {
	s := fmt.Sprintf("log-normal latency, median %v, sigma %g", fs.Median, fs.Sigma)
	if fs.Throttle > 0 {
		s += fmt.Sprintf("; every %s request answered 429 (Retry-After %v)", ordinal(fs.Throttle), fs.RetryAfter)
	}
	return s
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// fakeServer is a running fake provider.
type fakeServer struct {
	URL  string // base URL with /v1
	srv  *http.Server
	done chan struct{} // closed when Serve has returned
}

// startFake serves a fake provider on addr, which must be a loopback
// address: the fake is for this machine only.
func startFake(addr string, fs fakeSettings) (*fakeServer, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: start the fake provider: %w", err)
	}
	opts := fakemodel.Options{DisableRecording: true}
	if fs.Median > 0 {
		opts.Latency = fakemodel.LogNormalLatency(fs.Median, fs.Sigma, nil)
	}
	if fs.Throttle > 0 {
		opts.RateLimit = &fakemodel.RateLimit{Every: fs.Throttle, RetryAfter: fs.RetryAfter}
	}
	f := &fakeServer{
		URL:  "http://" + ln.Addr().String() + "/v1",
		srv:  &http.Server{Handler: fakemodel.New(opts), ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(f.done)
		f.srv.Serve(ln)
	}()
	return f, nil
}

// Close stops the server, ending the requests still in flight.
func (f *fakeServer) Close() {
	f.srv.Close()
	<-f.done
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("mcpclient: start the fake provider: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("mcpclient: start the fake provider: address %q is not a loopback address", addr)
	}
	return nil
}

// serveFake is the serve-fake subcommand: the fake provider in its own
// process, so that a benchmark against it measures the client alone.
func serveFake(ctx context.Context, args []string, e *env) int {
	fset := newFlagSet("serve-fake", e, `usage: mcpbench serve-fake [flags]

Serves the built-in fake OpenAI-compatible provider on a loopback port and
prints its base URL, until interrupted. Run it in another process to measure
the client's own cost: mcpbench --provider zero=URL --cpu.

flags:
`)
	addr := fset.String("addr", "127.0.0.1:0", "loopback `address` to listen on")
	median := fset.Duration("median", 0, "median latency")
	sigma := fset.Float64("sigma", 0, "spread of the log-normal latency")
	throttle := fset.Int("throttle", 0, "answer every `N`-th request with 429 (0: never)")
	retryAfter := fset.Duration("retry-after", 0, "Retry-After advertised on 429s")
	if code, done := parseFlags(fset, args); done {
		return code
	}
	f, err := startFake(*addr, fakeSettings{Median: *median, Sigma: *sigma, Throttle: *throttle, RetryAfter: *retryAfter})
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	defer f.Close()
	fmt.Fprintln(e.stdout, f.URL)
	<-ctx.Done()
	return 0
}
