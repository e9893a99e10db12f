package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// env is what the command gets from its process, so that tests can run it
// whole: streams, environment, whether stderr is a terminal, and how to
// start this program again (for the demo server over stdio).
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	terminal       bool
	self           selfCommand
}

func newFlagSet(name string, e *env, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; done is set when the command should exit with
// code (after -h, or on a bad flag, already reported by the flag package).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "mcpbench: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2, true
	}
	return 0, false
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// intList is a comma-separated list of positive integers.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(v string) error {
	var out intList
	for _, p := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return fmt.Errorf("want positive whole numbers separated by commas")
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

// stringList is a comma-separated list of names.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	var out stringList
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return errors.New("want a comma-separated list")
	}
	*l = out
	return nil
}

// rawList collects the values of a flag given several times. They are
// parsed after the flags, by code whose messages never quote a whole value:
// the flag package's would, and a value in the wrong place may be a key.
type rawList []string

func (l *rawList) String() string { return "" }

func (l *rawList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// parseAll parses every raw value with parse.
func parseAll[T any](raw []string, parse func(string) (T, error)) ([]T, error) {
	out := make([]T, 0, len(raw))
	for _, v := range raw {
		item, err := parse(v)
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

// optionalInt is a non-negative integer flag whose default depends on
// other settings; unset, it shows no default in the usage text.
type optionalInt struct {
	n   int
	set bool
}

func (o *optionalInt) String() string {
	if !o.set {
		return ""
	}
	return strconv.Itoa(o.n)
}

func (o *optionalInt) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return errors.New("want a whole number, 0 or more")
	}
	o.n, o.set = n, true
	return nil
}

// loadFlags are the flags that shape the load, shared by the model and the
// MCP benchmarks.
type loadFlags struct {
	requests    int
	concurrency intList
	duration    time.Duration
	rate        float64
	warmup      optionalInt
	timeout     time.Duration
	jsonPath    string
	csvPath     string
	htmlPath    string
	cpu         bool
}

const defaultRequests = 60

func (l *loadFlags) register(fs *flag.FlagSet) {
	l.concurrency = intList{1, 4, 16}
	fs.IntVar(&l.requests, "requests", defaultRequests, "measured requests per run; with --duration alone, no limit")
	fs.Var(&l.concurrency, "concurrency", "requests in flight; a comma `list` runs one sweep step each")
	fs.DurationVar(&l.duration, "duration", 0, "run each step for this long instead of (or as well as) a request count")
	fs.Float64Var(&l.rate, "rate", 0, "open loop: start this many requests per second, "+
		"latency counted from each intended start (default: closed loop)")
	fs.Var(&l.warmup, "warmup", "unmeasured requests before each run (default: one per worker)")
	fs.DurationVar(&l.timeout, "timeout", time.Minute, "limit for one request, retries included")
	fs.StringVar(&l.jsonPath, "json", "", "write the results as JSON to `file`")
	fs.StringVar(&l.csvPath, "csv", "", "write the results as CSV to `file`")
	fs.StringVar(&l.htmlPath, "html", "", "write a self-contained HTML report with charts to `file`")
	fs.BoolVar(&l.cpu, "cpu", false, "show this process's CPU time per request")
}

// resolve applies the defaults that depend on which flags were given.
func (l *loadFlags) resolve(fs *flag.FlagSet) error {
	if l.duration > 0 && !isSet(fs, "requests") {
		l.requests = 0
	}
	switch {
	case l.requests < 0:
		return errors.New("mcpclient: --requests must not be negative")
	case l.requests == 0 && l.duration <= 0:
		return errors.New("mcpclient: give --requests, --duration or both")
	case l.rate < 0:
		return errors.New("mcpclient: --rate must not be negative")
	case l.timeout <= 0:
		return errors.New("mcpclient: --timeout must be positive")
	}
	return nil
}

// warmupFor returns the number of warm-up requests for a concurrency.
func (l *loadFlags) warmupFor(concurrency int) int {
	if !l.warmup.set {
		return concurrency
	}
	return l.warmup.n
}

func (l *loadFlags) describe() string {
	var parts []string
	if l.requests > 0 {
		parts = append(parts, fmt.Sprintf("%d requests", l.requests))
	}
	if l.duration > 0 {
		parts = append(parts, "for "+l.duration.String())
	}
	s := strings.Join(parts, " or ")
	s += " at concurrency " + l.concurrency.String()
	if l.rate > 0 {
		s += fmt.Sprintf(", open loop at %g requests/s", l.rate)
	} else {
		s += ", closed loop"
	}
	return s
}
