package mcpclient

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseLimiter builds a [Limiter] from its text form, the one flags and
// configuration files use: one strategy and any options, separated by
// commas, without spaces.
//
//	token:RPS[:BURST]   a token bucket ([TokenBucket]): RPS requests a second
//	                    on average, bursts of up to BURST (default: RPS
//	                    rounded up)
//	leaky:RPS           a leaky bucket ([LeakyBucket]): one request every
//	                    1/RPS seconds, no bursts
//	window:N/DURATION   a sliding window ([SlidingWindow]): at most N
//	                    requests in any DURATION
//	adaptive:RPS        an adaptive limiter ([Adaptive]) that starts at, and
//	                    never exceeds, RPS requests a second
//
// Options:
//
//	tpm=N               also at most N tokens a minute ([TokenLimit])
//	rpm=N               also at most N requests in any minute (a sliding
//	                    window)
//	priority[=AGEING]   a priority queue in front ([Priority]); AGEING is
//	                    a duration, default 1s
//
// RPS is a positive decimal number (0.5 is one request every two seconds).
// DURATION is a Go duration ("500ms", "1m", "1h30m") or a bare unit ("s",
// "m", "h" for one of them). The options may stand without a strategy:
// "rpm=500,tpm=90000". Examples: "token:5", "token:10:20", "leaky:2",
// "window:100/1m", "adaptive:50,tpm=200000", "leaky:5,priority=2s".
//
// When several budgets apply, a request waits for the tokens first, then
// rpm, then the strategy. An empty string or "none" means no limit and
// returns nil. Errors name the part that is wrong.
func ParseLimiter(spec string) (Limiter, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return nil, nil
	}
	var (
		main, tokens, rpm Limiter
		priority          *PriorityOptions
	)
	for part := range strings.SplitSeq(spec, ",") {
		key, value, hasValue := strings.Cut(part, "=")
		var err error
		switch {
		case key == "tpm" && hasValue:
			var n int
			if n, err = positiveInt(value, "tpm"); err == nil {
				tokens = NewTokenLimit(n)
			}
		case key == "rpm" && hasValue:
			var n int
			if n, err = positiveInt(value, "rpm"); err == nil {
				rpm = NewSlidingWindow(n, time.Minute)
			}
		case key == "priority":
			priority = &PriorityOptions{}
			if hasValue {
				priority.Ageing, err = parseWindow(value)
			}
		case !hasValue && main == nil:
			main, err = parseStrategy(part)
		case !hasValue:
			err = fmt.Errorf("a second strategy %q (only one is allowed)", part)
		default:
			err = fmt.Errorf("unknown option %q (want tpm=N, rpm=N or priority[=AGEING])", part)
		}
		if err != nil {
			return nil, fmt.Errorf("mcpclient: limiter %q: %w", spec, err)
		}
	}
	lim := AllOf(tokens, rpm, main)
	if priority != nil && main == nil && tokens == nil && rpm == nil {
		return nil, fmt.Errorf("mcpclient: limiter %q: priority needs a limit to order requests for", spec)
	}
	if priority != nil {
		lim = NewPriority(lim, priority)
	}
	return lim, nil
}

// parseStrategy reads one KIND:ARGS part.
func parseStrategy(part string) (Limiter, error) {
	kind, rest, _ := strings.Cut(part, ":")
	switch kind {
	case "token":
		rpsText, burstText, hasBurst := strings.Cut(rest, ":")
		rps, err := positiveRate(rpsText)
		if err != nil {
			return nil, err
		}
		burst := int(math.Min(math.Ceil(rps), math.MaxInt32))
		if hasBurst {
			if burst, err = positiveInt(burstText, "the burst"); err != nil {
				return nil, err
			}
		}
		return NewTokenBucket(rps, burst), nil
	case "leaky":
		rps, err := positiveRate(rest)
		if err != nil {
			return nil, err
		}
		return NewLeakyBucket(rps), nil
	case "adaptive":
		rps, err := positiveRate(rest)
		if err != nil {
			return nil, err
		}
		return NewAdaptive(rps, nil), nil
	case "window":
		nText, wText, ok := strings.Cut(rest, "/")
		if !ok {
			return nil, fmt.Errorf("want window:N/DURATION, such as window:100/1m")
		}
		n, err := positiveInt(nText, "the window's count")
		if err != nil {
			return nil, err
		}
		w, err := parseWindow(wText)
		if err != nil {
			return nil, err
		}
		return NewSlidingWindow(n, w), nil
	}
	return nil, fmt.Errorf("unknown kind %q (want token:RPS[:BURST], leaky:RPS, window:N/DURATION or adaptive:RPS)",
		kind)
}

func positiveRate(s string) (float64, error) {
	rps, err := strconv.ParseFloat(s, 64)
	if err != nil || !(rps > 0) || math.IsInf(rps, 0) {
		return 0, fmt.Errorf("the rate %q must be a positive number of requests per second", s)
	}
	return rps, nil
}

func positiveInt(s, what string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s %q must be a positive integer", what, s)
	}
	return n, nil
}

// parseWindow reads a positive duration, or a bare unit meaning one of it.
func parseWindow(s string) (time.Duration, error) {
	switch s {
	case "s":
		return time.Second, nil
	case "m":
		return time.Minute, nil
	case "h":
		return time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("the duration %q must be positive, such as 1m or 500ms", s)
	}
	return d, nil
}
