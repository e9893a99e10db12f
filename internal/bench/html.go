package bench

import (
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// HTMLOptions describe the page [WriteHTML] makes. The zero value gives an
// untitled page.
type HTMLOptions struct {
	// Title heads the page; empty means "mcpbench report".
	Title string
	// Notes are lines describing the setup (load, workloads, providers),
	// shown under the title.
	Notes []string
	// Generated is shown as the report's date when not zero.
	Generated time.Time
	// CPU adds the CPU time per request to the tables.
	CPU bool
}

// WriteHTML writes a self-contained HTML page: per workload the table, the
// ranking, and SVG charts of latency by percentile (per concurrency, one line
// per provider), throughput and p99 latency against concurrency. It loads
// nothing: no script, stylesheet, font or image from anywhere, so it opens
// offline and can be mailed as one file.
func WriteHTML(w io.Writer, runs []*Run, opts HTMLOptions) error {
	if opts.Title == "" {
		opts.Title = "mcpbench report"
	}
	page := htmlPage{Title: opts.Title, Notes: opts.Notes, MCP: isMCP(runs)}
	if !opts.Generated.IsZero() {
		page.Generated = opts.Generated.Format("2006-01-02 15:04 MST")
	}
	for _, wl := range workloads(runs) {
		var sel []*Run
		for _, r := range runs {
			if r.Workload == wl {
				sel = append(sel, r)
			}
		}
		page.Sections = append(page.Sections, htmlSection(wl, sel, opts))
	}
	return pageTemplate.Execute(w, page)
}

type htmlPage struct {
	Title     string
	Generated string
	Notes     []string
	MCP       bool
	Sections  []section
}

type section struct {
	Workload string
	Head     []string
	Rows     [][]string
	Ranking  string
	Charts   []template.HTML
}

func htmlSection(workload string, runs []*Run, opts HTMLOptions) section {
	s := section{Workload: workload}
	cols, heads := tableColumns(runs, TableOptions{CPU: opts.CPU})
	s.Head = heads
	for _, r := range runs {
		s.Rows = append(s.Rows, tableRow(r, cols))
	}

	var rb strings.Builder
	_ = WriteRanking(&rb, runs)
	s.Ranking = rb.String()

	for _, c := range concurrencies(runs) {
		s.Charts = append(s.Charts, template.HTML(percentileChart(workload, c, runs).svg()))
	}
	tput, p99 := concurrencyCharts(workload, runs)
	s.Charts = append(s.Charts, template.HTML(tput.svg()), template.HTML(p99.svg()))
	return s
}

// percentileChart draws latency against percentile for the runs at one
// concurrency, one line per provider. The x axis spreads the tail: equal
// steps for 0-90%, 90-99%, 99-99.9%, where the differences that matter are.
func percentileChart(workload string, concurrency int, runs []*Run) *lineChart {
	c := &lineChart{
		title:   workload + ": latency by percentile, concurrency " + strconv.Itoa(concurrency),
		xLabel:  "percentile of successful requests (log scale toward the tail)",
		yLabel:  "latency (ms)",
		yFormat: fmtMS,
	}
	xmax := 0.0
	for _, r := range runs {
		if r.Concurrency != concurrency {
			continue
		}
		lat := r.Latencies()
		if len(lat) == 0 {
			continue
		}
		c.series = append(c.series, series{name: r.Provider, points: percentilePoints(lat)})
		xmax = math.Max(xmax, math.Log10(float64(len(lat))))
	}
	for _, t := range percentileTicks {
		if t.at <= xmax+1e-9 || t.at == 0 {
			c.xTicks = append(c.xTicks, t)
		}
	}
	// The slowest request ends each line at log10(n); mark that end
	// unless a tick is already there.
	if last := c.xTicks[len(c.xTicks)-1]; xmax-last.at > 0.2 {
		c.xTicks = append(c.xTicks, tick{xmax, "max"})
	}
	return c
}

// percentileTicks mark the percentiles people quote, at x = log10(1/(1-p)).
var percentileTicks = []tick{
	{0, "0%"}, {math.Log10(2), "50%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}, {5, "99.999%"},
}

// maxCurvePoints bounds the points of one percentile line.
const maxCurvePoints = 300

// percentilePoints places the i-th fastest of n latencies at
// x = log10(n/(n-i)), the "one in n/(n-i)" scale of HDR histogram plots,
// so the slowest lands at log10(n).
func percentilePoints(sorted []time.Duration) []point {
	n := len(sorted)
	at := func(i int) point {
		return point{x: math.Log10(float64(n) / float64(n-i)), y: ms(sorted[i])}
	}
	if n <= maxCurvePoints {
		pts := make([]point, n)
		for i := range sorted {
			pts[i] = at(i)
		}
		return pts
	}
	// Even steps along the transformed axis, so the tail keeps its detail.
	xmax := math.Log10(float64(n))
	pts := make([]point, 0, maxCurvePoints+1)
	last := -1
	for k := 0; k <= maxCurvePoints; k++ {
		x := xmax * float64(k) / maxCurvePoints
		i := min(int(float64(n)*(1-math.Pow(10, -x))), n-1)
		if i > last {
			pts = append(pts, at(i))
			last = i
		}
	}
	if last < n-1 {
		pts = append(pts, at(n-1))
	}
	return pts
}

// concurrencyCharts draws throughput and p99 latency against concurrency,
// one line per provider; concurrencies spread over a factor of 8 or more
// get a log scale, as sweeps usually double.
func concurrencyCharts(workload string, runs []*Run) (tput, p99 *lineChart) {
	cs := concurrencies(runs)
	logScale := len(cs) > 1 && cs[len(cs)-1] >= 8*cs[0]
	xOf := func(c int) float64 {
		if logScale {
			return math.Log2(float64(c))
		}
		return float64(c)
	}
	var ticks []tick
	for _, c := range cs {
		ticks = append(ticks, tick{xOf(c), strconv.Itoa(c)})
	}
	tput = &lineChart{
		title: workload + ": throughput by concurrency", xLabel: "concurrency (requests in flight)",
		yLabel: "successful requests per second", yFormat: fmtMS, xTicks: ticks, markers: true,
	}
	p99 = &lineChart{
		title: workload + ": p99 latency by concurrency", xLabel: "concurrency (requests in flight)",
		yLabel: "p99 latency (ms)", yFormat: fmtMS, xTicks: ticks, markers: true,
	}
	for _, prov := range providers(runs) {
		ts, ps := series{name: prov}, series{name: prov}
		for _, r := range runs {
			if r.Provider != prov {
				continue
			}
			st := r.Stats()
			ts.points = append(ts.points, point{xOf(r.Concurrency), st.Throughput})
			if st.Latency.Count > 0 {
				ps.points = append(ps.points, point{xOf(r.Concurrency), ms(st.Latency.P99)})
			}
		}
		tput.series = append(tput.series, ts)
		p99.series = append(p99.series, ps)
	}
	return tput, p99
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtMS formats an axis value (milliseconds, requests per second), where
// tick arithmetic leaves float noise such as 0.30000000000000004.
func fmtMS(v float64) string { return strconv.FormatFloat(round(v, 6), 'f', -1, 64) }
