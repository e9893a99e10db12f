package bench

import (
	"encoding/json"
	"io"
)

// Report is the JSON report, built by [NewReport]. Its layout is a stable
// interface: fields may be added, never renamed or removed.
type Report struct {
	Runs []ReportRun `json:"runs"`
}

// ReportRun is one run in the JSON report. Durations are milliseconds.
type ReportRun struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	// Workload tells runs of the same provider and concurrency apart when
	// one report holds several workloads.
	Workload    string  `json:"workload"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Succeeded   int     `json:"succeeded"`
	Failed      int     `json:"failed"`
	SuccessRate float64 `json:"success_rate"`
	// LatencyMS summarises the successful requests; all zero when none.
	LatencyMS ReportLatency `json:"latency_ms"`
	// TTFTMS is the median time to first token, null when not streamed.
	TTFTMS        *float64 `json:"ttft_ms"`
	ThroughputRPS float64  `json:"throughput_rps"`
	// Retries counts attempts after the first, over all requests.
	Retries int          `json:"retries"`
	Tokens  ReportTokens `json:"tokens"`
	// CostUSD is null when the provider has no price.
	CostUSD *float64 `json:"cost_usd"`
	// Errors counts failed requests by kind, every kind present.
	Errors map[string]int `json:"errors"`
}

// ReportLatency is the latency summary of a run, in milliseconds.
type ReportLatency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// ReportTokens are the tokens a run used, from the reported usage.
type ReportTokens struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
}

// NewReport builds the JSON report of runs.
func NewReport(runs []*Run) Report {
	rep := Report{Runs: make([]ReportRun, 0, len(runs))}
	for _, r := range runs {
		st := r.Stats()
		rr := ReportRun{
			Provider:    r.Provider,
			Model:       r.Model,
			Workload:    r.Workload,
			Concurrency: r.Concurrency,
			Requests:    st.Requests,
			Succeeded:   st.Succeeded,
			Failed:      st.Failed,
			SuccessRate: round(st.SuccessRate, 6),
			LatencyMS: ReportLatency{
				Mean: millis(st.Latency.Mean),
				P50:  millis(st.Latency.P50),
				P90:  millis(st.Latency.P90),
				P95:  millis(st.Latency.P95),
				P99:  millis(st.Latency.P99),
				Max:  millis(st.Latency.Max),
			},
			ThroughputRPS: round(st.Throughput, 3),
			Retries:       st.Retries,
			Tokens:        ReportTokens{Prompt: st.PromptTokens, Completion: st.CompletionTokens},
			Errors:        make(map[string]int),
		}
		if st.TTFT.Count > 0 {
			v := millis(st.TTFT.P50)
			rr.TTFTMS = &v
		}
		if r.Price != nil {
			v := round(st.Cost(*r.Price), 8)
			rr.CostUSD = &v
		}
		for _, k := range FailureKinds() {
			rr.Errors[k.String()] = st.Errors[k]
		}
		rep.Runs = append(rep.Runs, rr)
	}
	return rep
}

// WriteJSON writes the JSON report of runs, indented.
func WriteJSON(w io.Writer, runs []*Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewReport(runs))
}
