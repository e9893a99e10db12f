package driver

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcpclient/mcpclient/benchmarks/internal/clients"
	"github.com/mcpclient/mcpclient/benchmarks/internal/measure"
)

// Cell is one combination of transport, revision and calls in flight.
type Cell struct {
	Transport string
	Version   string
	InFlight  int
}

// String names the cell as the progress lines do: "stdio 2025-11-25 C=64".
func (c Cell) String() string { return fmt.Sprintf("%s %s C=%d", c.Transport, c.Version, c.InFlight) }

// CellResult holds every round of every client in one cell.
type CellResult struct {
	Cell Cell
	Runs map[string][]ClientRun
}

// IdleResult is one client's idle sessions on one revision.
type IdleResult struct {
	Transport, Version string
	Run                IdleRun
}

// Report is a whole run, ready to print.
type Report struct {
	Config  Config
	Cells   []CellResult
	Idle    []IdleResult
	Took    time.Duration
	Machine string
	// LoadStart and LoadEnd are the load averages around the run: other
	// work on the machine shows up in every number.
	LoadStart, LoadEnd string
}

// Summary is the median of each measure over the rounds of one client in
// one cell; each median is taken on its own, so they may come from
// different rounds.
type Summary struct {
	OK            bool
	CallsPerSec   float64
	P50, P99      time.Duration
	CPUPerCall    time.Duration
	AllocsPerCall float64
	BytesPerCall  float64
}

func summarize(runs []ClientRun) Summary {
	var rs []measure.Result
	for _, r := range runs {
		if r.Skip == "" {
			rs = append(rs, r.Result)
		}
	}
	if len(rs) == 0 {
		return Summary{}
	}
	med := func(f func(measure.Result) float64) float64 {
		vs := make([]float64, len(rs))
		for i, r := range rs {
			vs[i] = f(r)
		}
		return median(vs)
	}
	return Summary{
		OK:            true,
		CallsPerSec:   med(func(r measure.Result) float64 { return r.CallsPerSec }),
		P50:           time.Duration(med(func(r measure.Result) float64 { return float64(r.P50) })),
		P99:           time.Duration(med(func(r measure.Result) float64 { return float64(r.P99) })),
		CPUPerCall:    time.Duration(med(func(r measure.Result) float64 { return float64(r.CPUPerCall()) })),
		AllocsPerCall: med(func(r measure.Result) float64 { return r.AllocsPerCall() }),
		BytesPerCall:  med(func(r measure.Result) float64 { return r.BytesPerCall() }),
	}
}

// median returns the middle value, or the mean of the two middle ones.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func us(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) }

// Measures for pairedRatio.
func cpuOf(r measure.Result) float64  { return float64(r.CPUPerCall()) }
func rateOf(r measure.Result) float64 { return r.CallsPerSec }

// pairedRatio returns the median over rounds of f(a's run) ÷ f(b's run) in
// the same round. Two clients of one round ran seconds apart, so their
// ratio is steadier than the ratio of two medians when other work on the
// machine comes and goes. ok is false when no round has both.
func pairedRatio(a, b []ClientRun, f func(measure.Result) float64) (x float64, ok bool) {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if a[i].Skip != "" || b[i].Skip != "" {
			continue
		}
		if d := f(b[i].Result); d > 0 {
			rs = append(rs, f(a[i].Result)/d)
		}
	}
	if len(rs) == 0 {
		return 0, false
	}
	return median(rs), true
}

func pairedString(a, b []ClientRun, f func(measure.Result) float64) string {
	x, ok := pairedRatio(a, b, f)
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', 2, 64) + "x"
}

// Markdown renders the report: the command and machine, one table of
// every cell and client, the targets of the issue, and idle sessions.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# mcpperf results\n\n")
	fmt.Fprintf(&b, "Command: `%s` (in `benchmarks/`), %d rounds of %s per client and cell, clients interleaved round by round; medians over rounds. Took %s.\n\n",
		r.Config.Command, r.Config.Rounds, r.Config.Duration, r.Took)
	fmt.Fprintf(&b, "Machine: %s. Load average (1, 5, 15 min) at the start: %s; at the end: %s.\n\n", r.Machine, r.LoadStart, r.LoadEnd)
	fmt.Fprintf(&b, "Server: %s. Every client runs in its own process against this same MCP echo server (a child process over stdio, a separate process on a loopback port over HTTP). ", describeServer(r.Config.Server))
	b.WriteString("CPU is the client process's user+system time (getrusage RUSAGE_SELF, the server excluded) over the measured window, divided by the calls; allocations and bytes come from runtime.MemStats of the same process. ")
	b.WriteString("Ratios are to the hand-written floor of the same cell (CPU/call ÷ floor's, calls/s ÷ floor's), each the median over rounds of the ratio within a round. Client and server share the cores, so the floor's calls/s is the most any client reaches against this server.\n\n")

	b.WriteString("## Every cell\n\n")
	b.WriteString("| transport | revision | in flight | client | calls/s | ×floor | p50 µs | p99 µs | CPU µs/call | ×floor | allocs/call | B/call |\n")
	b.WriteString("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, cr := range r.Cells {
		for _, name := range r.Config.Clients {
			s := summarize(cr.Runs[name])
			if !s.OK {
				fmt.Fprintf(&b, "| %s | %s | %d | %s | not run: %s |||||||| \n", cr.Cell.Transport, cr.Cell.Version, cr.Cell.InFlight, name, skipReason(cr.Runs[name]))
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %.0f | %s | %s | %s | %s | %s | %.1f | %.0f |\n",
				cr.Cell.Transport, cr.Cell.Version, cr.Cell.InFlight, name,
				s.CallsPerSec, pairedString(cr.Runs[name], cr.Runs["floor"], rateOf), us(s.P50), us(s.P99),
				us(s.CPUPerCall), pairedString(cr.Runs[name], cr.Runs["floor"], cpuOf),
				s.AllocsPerCall, s.BytesPerCall)
		}
	}
	b.WriteString("\n")
	r.writeTargets(&b)
	r.writeIdle(&b)
	return b.String()
}

func skipReason(runs []ClientRun) string {
	for _, r := range runs {
		if r.Skip != "" {
			return r.Skip
		}
	}
	return "no result"
}

func (r *Report) find(c Cell) *CellResult {
	for i := range r.Cells {
		if r.Cells[i].Cell == c {
			return &r.Cells[i]
		}
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// writeTargets checks ours against the targets of issue 7, section 2.
func (r *Report) writeTargets(b *strings.Builder) {
	b.WriteString("## Targets (issue 7, section 2): ours\n\n")
	b.WriteString("Ratios between clients are medians of per-round ratios; the era column compares medians of two cells.\n\n")
	b.WriteString("| transport | revision | in flight | CPU ÷ floor (≤ 1.2) | allocs/call (≤ 30, stdio) | calls/s ÷ mcp-go (≥ 1) | calls/s ÷ go-sdk (≥ 1.8 at 64) | CPU 2026-07-28 ÷ 2025-11-25 (≤ 1.10) |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, cr := range r.Cells {
		ours := summarize(cr.Runs["ours"])
		if !ours.OK {
			continue
		}
		runs, c := cr.Runs, cr.Cell
		cells := []string{c.Transport, c.Version, strconv.Itoa(c.InFlight)}
		if x, ok := pairedRatio(runs["ours"], runs["floor"], cpuOf); ok {
			cells = append(cells, fmt.Sprintf("%.2f %s", x, mark(x <= 1.2)))
		} else {
			cells = append(cells, "–")
		}
		if c.Transport == clients.Stdio {
			cells = append(cells, fmt.Sprintf("%.1f %s", ours.AllocsPerCall, mark(ours.AllocsPerCall <= 30)))
		} else {
			cells = append(cells, fmt.Sprintf("%.1f", ours.AllocsPerCall))
		}
		if x, ok := pairedRatio(runs["ours"], runs["mcp-go"], rateOf); ok {
			cells = append(cells, fmt.Sprintf("%.2f %s", x, mark(x >= 1)))
		} else {
			cells = append(cells, "–")
		}
		switch x, ok := pairedRatio(runs["ours"], runs["go-sdk"], rateOf); {
		case !ok:
			cells = append(cells, "–")
		case c.InFlight == 64:
			v := fmt.Sprintf("%.2f %s", x, mark(x >= 1.8))
			if f, ok := pairedRatio(runs["floor"], runs["go-sdk"], rateOf); ok {
				// What a client with no cost at all reaches against this
				// server: the ceiling of the ratio.
				v += fmt.Sprintf(" (floor %.2f)", f)
			}
			cells = append(cells, v)
		default:
			cells = append(cells, fmt.Sprintf("%.2f", x))
		}
		cells = append(cells, r.eraCost(c, ours, summarize(runs["floor"])))
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\n")
}

// eraCost compares ours on 2026-07-28 with ours on 2025-11-25 in the same
// transport and in-flight count: the raw CPU ratio, which the target is
// about, and the same ratio divided by the floor's, which takes out what
// the server's slower modern path does to every client's CPU per call
// (fewer messages per wake-up).
func (r *Report) eraCost(c Cell, ours, fl Summary) string {
	if c.Version == "2025-11-25" {
		return ""
	}
	legacy := r.find(Cell{Transport: c.Transport, Version: "2025-11-25", InFlight: c.InFlight})
	if legacy == nil {
		return "–"
	}
	ol, fll := summarize(legacy.Runs["ours"]), summarize(legacy.Runs["floor"])
	if !ol.OK {
		return "–"
	}
	x := float64(ours.CPUPerCall) / float64(ol.CPUPerCall)
	out := fmt.Sprintf("%.2f %s", x, mark(x <= 1.10))
	if fl.OK && fll.OK {
		f := float64(fl.CPUPerCall) / float64(fll.CPUPerCall)
		out += fmt.Sprintf(" (floor %.2f; ours ÷ floor's %.2f)", f, x/f)
	}
	return out
}

func (r *Report) writeIdle(b *strings.Builder) {
	if len(r.Idle) == 0 {
		return
	}
	b.WriteString("## Idle HTTP sessions (target: < 8 KiB and ≤ 1 goroutine per session)\n\n")
	b.WriteString("Each client opens one session and makes one call (paying one-time costs), then opens N more sessions that each make one call and stay open; the live heap plus goroutine stacks after two collections, and the goroutine count, are compared before and after and divided by N. All sessions share one HTTP client.\n\n")
	b.WriteString("| revision | client | sessions | KiB/session | goroutines/session |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: |\n")
	for _, ir := range r.Idle {
		if ir.Run.Skip != "" {
			fmt.Fprintf(b, "| %s | %s | – | not run: %s | |\n", ir.Version, ir.Run.Client, ir.Run.Skip)
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %d | %.1f | %.1f |\n", ir.Version, ir.Run.Client, ir.Run.Sessions, ir.Run.Bytes/1024, ir.Run.Goroutines)
	}
	b.WriteString("\n")
}

// loadAverage returns the first three fields of /proc/loadavg.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// describeMachine names the CPU and the number of cores, as nproc and
// /proc/cpuinfo tell them.
func describeMachine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, nproc %d, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
