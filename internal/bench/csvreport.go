package bench

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteCSV writes one row per run under a header row. The columns are the
// JSON report's fields flattened (latency_p50_ms, errors_429, ...), then
// cpu_us_per_request; cells without a value (no TTFT, no price, CPU not
// measured) are empty.
func WriteCSV(w io.Writer, runs []*Run) error {
	cw := csv.NewWriter(w)
	head := []string{
		"provider", "model", "workload", "concurrency", "rate", "requests", "succeeded", "failed", "success_rate",
		"latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms", "latency_max_ms",
		"ttft_ms", "throughput_rps", "retries", "tokens_prompt", "tokens_completion", "cost_usd",
	}
	for _, k := range FailureKinds() {
		head = append(head, "errors_"+k.String())
	}
	head = append(head, "cpu_us_per_request")
	if err := cw.Write(head); err != nil {
		return err
	}
	rep := NewReport(runs)
	for i, rr := range rep.Runs {
		f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
		opt := func(x *float64) string {
			if x == nil {
				return ""
			}
			return f(*x)
		}
		l := rr.LatencyMS
		row := []string{
			rr.Provider, rr.Model, rr.Workload, strconv.Itoa(rr.Concurrency), f(runs[i].Rate),
			strconv.Itoa(rr.Requests), strconv.Itoa(rr.Succeeded), strconv.Itoa(rr.Failed), f(rr.SuccessRate),
			f(l.Mean), f(l.P50), f(l.P90), f(l.P95), f(l.P99), f(l.Max),
			opt(rr.TTFTMS), f(rr.ThroughputRPS), strconv.Itoa(rr.Retries),
			strconv.Itoa(rr.Tokens.Prompt), strconv.Itoa(rr.Tokens.Completion), opt(rr.CostUSD),
		}
		for _, k := range FailureKinds() {
			row = append(row, strconv.Itoa(rr.Errors[k.String()]))
		}
		cpu := ""
		if d, ok := runs[i].CPUPerRequest(); ok {
			cpu = strconv.FormatFloat(round(float64(d)/1000, 1), 'f', -1, 64)
		}
		row = append(row, cpu)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
