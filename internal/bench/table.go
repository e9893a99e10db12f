package bench

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// TableOptions adjust [WriteTable]. The zero value is the standard table.
type TableOptions struct {
	// CPU adds the process CPU time per request, for runs that measured it.
	CPU bool
}

// column is one column of the table: its heading and how to fill a cell.
type column struct {
	head  string
	model bool // only for model runs: tools/call has no tokens, TTFT or price
	cpu   bool // only with TableOptions.CPU
	cell  func(r *Run, st Stats) string
}

func latencyCell(pick func(Summary) string) func(*Run, Stats) string {
	return func(_ *Run, st Stats) string {
		if st.Latency.Count == 0 {
			return "-"
		}
		return pick(st.Latency)
	}
}

var columns = []column{
	{head: "workload", cell: func(r *Run, _ Stats) string { return r.Workload }},
	{head: "provider", cell: func(r *Run, _ Stats) string { return r.Provider }},
	{head: "model", cell: func(r *Run, _ Stats) string { return r.Model }},
	{head: "conc", cell: func(r *Run, _ Stats) string { return loadLabel(r) }},
	{head: "reqs", cell: func(_ *Run, st Stats) string { return fmt.Sprint(st.Requests) }},
	{head: "ok", cell: func(_ *Run, st Stats) string { return fmtPercent(st.SuccessRate) }},
	{head: "mean", cell: latencyCell(func(s Summary) string { return fmtDur(s.Mean) })},
	{head: "p50", cell: latencyCell(func(s Summary) string { return fmtDur(s.P50) })},
	{head: "p90", cell: latencyCell(func(s Summary) string { return fmtDur(s.P90) })},
	{head: "p95", cell: latencyCell(func(s Summary) string { return fmtDur(s.P95) })},
	{head: "p99", cell: latencyCell(func(s Summary) string { return fmtDur(s.P99) })},
	{head: "max", cell: latencyCell(func(s Summary) string { return fmtDur(s.Max) })},
	{head: "ttft", model: true, cell: func(_ *Run, st Stats) string {
		if st.TTFT.Count == 0 {
			return "-"
		}
		return fmtDur(st.TTFT.P50)
	}},
	{head: "req/s", cell: func(_ *Run, st Stats) string { return fmtRate(st.Throughput) }},
	{head: "retries", model: true, cell: func(_ *Run, st Stats) string { return fmt.Sprint(st.Retries) }},
	{head: "tokens in/out", model: true, cell: func(_ *Run, st Stats) string {
		if st.PromptTokens+st.CompletionTokens == 0 {
			return "-"
		}
		return fmtCount(st.PromptTokens) + "/" + fmtCount(st.CompletionTokens)
	}},
	{head: "cost", model: true, cell: func(r *Run, st Stats) string {
		if r.Price == nil {
			return "-"
		}
		return fmtUSD(st.Cost(*r.Price))
	}},
	{head: "cpu/req", cpu: true, cell: func(r *Run, _ Stats) string {
		if d, ok := r.CPUPerRequest(); ok {
			return fmtDur(d)
		}
		return "-"
	}},
	{head: "errors", cell: func(_ *Run, st Stats) string { return fmtErrors(st.Errors) }},
}

// tableColumns returns the columns for runs. tools/call runs name the
// server and the tool where model runs name the provider and the model,
// and leave out what a tool call does not have.
func tableColumns(runs []*Run, opts TableOptions) (cols []column, heads []string) {
	mcp := isMCP(runs)
	for _, c := range columns {
		if (c.model && mcp) || (c.cpu && !opts.CPU) {
			continue
		}
		h := c.head
		if mcp && h == "provider" {
			h = "server"
		} else if mcp && h == "model" {
			h = "tool"
		}
		cols = append(cols, c)
		heads = append(heads, h)
	}
	return cols, heads
}

func tableRow(r *Run, cols []column) []string {
	st := r.Stats()
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.cell(r, st)
	}
	return row
}

// WriteTable writes one line per run: load, success rate, latency
// percentiles (successful requests, from the intended start), time to first
// token, throughput, retries, tokens, cost and failures by kind.
func WriteTable(w io.Writer, runs []*Run, opts TableOptions) error {
	cols, heads := tableColumns(runs, opts)
	rows := [][]string{heads}
	for _, r := range runs {
		rows = append(rows, tableRow(r, cols))
	}
	return writeAligned(w, rows, 3)
}

// writeAligned writes rows as columns two spaces apart: the first
// leftCols columns (names) and the last (free text) aligned left, the rest
// (numbers) aligned right.
func writeAligned(w io.Writer, rows [][]string, leftCols int) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < leftCols || i == len(row)-1 {
				b.WriteString(c)
				if i < len(row)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad)
				b.WriteString(c)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
