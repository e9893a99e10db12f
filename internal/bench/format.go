package bench

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// fmtDur formats a latency with about three significant digits: in µs
// below a millisecond (MCP calls), ms below a second, s above.
func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d < time.Microsecond:
		return "<1µs"
	case ms < 1:
		return strconv.FormatInt(int64(math.Round(float64(d)/float64(time.Microsecond))), 10) + "µs"
	case ms >= 1000:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + "s"
	case ms >= 100:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	case ms >= 10:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
}

// millis converts to milliseconds rounded to the microsecond, the
// resolution the JSON and CSV reports keep.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func fmtRate(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

func fmtPercent(x float64) string {
	if x == 1 {
		return "100%"
	}
	return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
}

func fmtUSD(x float64) string {
	switch {
	case x == 0:
		return "$0"
	case x >= 1:
		return "$" + strconv.FormatFloat(x, 'f', 2, 64)
	}
	return "$" + strconv.FormatFloat(x, 'g', 3, 64)
}

func fmtCount(n int) string {
	switch {
	case n >= 10_000_000:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 10_000:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// fmtErrors lists the failures by kind, "-" when there are none.
func fmtErrors(errs map[Kind]int) string {
	var parts []string
	for _, k := range FailureKinds() {
		if n := errs[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s:%d", k, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// loadLabel describes how a run's load arrived: its concurrency, and the
// rate of an open loop.
func loadLabel(r *Run) string {
	if r.Rate > 0 {
		return strconv.Itoa(r.Concurrency) + "@" + fmtRate(r.Rate) + "/s"
	}
	return strconv.Itoa(r.Concurrency)
}

// isMCP reports whether every run measures MCP tools/call, where the
// provider and model columns hold the server and the tool.
func isMCP(runs []*Run) bool {
	for _, r := range runs {
		if r.Workload != "mcp" {
			return false
		}
	}
	return len(runs) > 0
}

// workloads lists the workloads of runs in order of first appearance.
func workloads(runs []*Run) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.Workload] {
			seen[r.Workload] = true
			out = append(out, r.Workload)
		}
	}
	return out
}

// providers lists the providers of runs in order of first appearance.
func providers(runs []*Run) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.Provider] {
			seen[r.Provider] = true
			out = append(out, r.Provider)
		}
	}
	return out
}

// concurrencies lists the distinct concurrencies of runs, ascending.
func concurrencies(runs []*Run) []int {
	seen := map[int]bool{}
	var out []int
	for _, r := range runs {
		if !seen[r.Concurrency] {
			seen[r.Concurrency] = true
			out = append(out, r.Concurrency)
		}
	}
	sort.Ints(out)
	return out
}
