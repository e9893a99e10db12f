package bench

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// metric is one column of the comparison.
type metric struct {
	name   string
	higher bool // higher values rank first
	value  func(r *Run, st Stats) (float64, bool)
	format func(float64) string
}

func durMetric(name string, pick func(Summary) time.Duration, of func(Stats) Summary) metric {
	return metric{
		name: name,
		value: func(_ *Run, st Stats) (float64, bool) {
			s := of(st)
			return float64(pick(s)), s.Count > 0
		},
		format: func(v float64) string { return fmtDur(time.Duration(v)) },
	}
}

func latencyOf(st Stats) Summary { return st.Latency }
func ttftOf(st Stats) Summary    { return st.TTFT }

var rankedMetrics = []metric{
	{
		name: "success rate", higher: true,
		value:  func(_ *Run, st Stats) (float64, bool) { return st.SuccessRate, st.Requests > 0 },
		format: fmtPercent,
	},
	durMetric("p50 latency", func(s Summary) time.Duration { return s.P50 }, latencyOf),
	durMetric("p99 latency", func(s Summary) time.Duration { return s.P99 }, latencyOf),
	{
		name: "throughput", higher: true,
		value:  func(_ *Run, st Stats) (float64, bool) { return st.Throughput, st.Requests > 0 },
		format: func(v float64) string { return fmtRate(v) + " req/s" },
	},
	durMetric("p50 ttft", func(s Summary) time.Duration { return s.P50 }, ttftOf),
	{
		name: "cost per 1k requests",
		value: func(r *Run, st Stats) (float64, bool) {
			if r.Price == nil || st.Requests == 0 {
				return 0, false
			}
			return st.Cost(*r.Price) / float64(st.Requests) * 1000, true
		},
		format: fmtUSD,
	},
}

// WriteRanking ranks the providers (or servers) of each workload and load
// level on each metric, best first; runs without a figure for the metric
// (no success, no price) come last as n/a. Only groups with two or more
// runs are ranked: a group of one has nothing to compare.
func WriteRanking(w io.Writer, runs []*Run) error {
	var b strings.Builder
	for _, g := range groupRuns(runs) {
		if len(g) < 2 {
			continue
		}
		fmt.Fprintf(&b, "ranking: %s, concurrency %s\n", g[0].Workload, loadLabel(g[0]))
		var rows [][]string
		for _, m := range rankedMetrics {
			if row := rankRow(g, m); row != nil {
				rows = append(rows, row)
			}
		}
		var tb strings.Builder
		if err := writeAligned(&tb, rows, len(rows[0])); err != nil {
			return err
		}
		for _, line := range strings.SplitAfter(tb.String(), "\n") {
			if line != "" {
				b.WriteString("  " + line)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rankRow returns the metric's name and the runs in order, those without
// the metric last, or nil when no run has it.
func rankRow(g []*Run, m metric) []string {
	type entry struct {
		run *Run
		v   float64
		ok  bool
	}
	entries := make([]entry, 0, len(g))
	some := false
	for _, r := range g {
		v, ok := m.value(r, r.Stats())
		entries = append(entries, entry{r, v, ok})
		some = some || ok
	}
	if !some {
		return nil
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.ok != b.ok {
			if a.ok {
				return -1
			}
			return 1
		}
		if m.higher {
			a, b = b, a
		}
		return cmp.Compare(a.v, b.v)
	})
	row := []string{m.name}
	for i, e := range entries {
		v := "n/a"
		if e.ok {
			v = m.format(e.v)
		}
		row = append(row, fmt.Sprintf("%d. %s %s", i+1, e.run.Provider, v))
	}
	return row
}

// groupRuns groups runs that differ only by provider: same workload,
// concurrency and rate, in order of first appearance.
func groupRuns(runs []*Run) [][]*Run {
	type key struct {
		workload    string
		concurrency int
		rate        float64
	}
	var order []key
	groups := map[key][]*Run{}
	for _, r := range runs {
		k := key{r.Workload, r.Concurrency, r.Rate}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([][]*Run, len(order))
	for i, k := range order {
		out[i] = groups[k]
	}
	return out
}
