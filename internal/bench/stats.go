package bench

import "time"

// Stats are the figures of a [Run].
type Stats struct {
	// Requests counts the measured requests; Succeeded and Failed split
	// them, and SuccessRate is Succeeded/Requests (0 when none ran).
	Requests, Succeeded, Failed int
	SuccessRate                 float64
	// Latency summarises the successful requests, from their intended
	// start. Failures are left out: a fast refusal is not a fast answer,
	// and the success rate already shows them.
	Latency Summary
	// TTFT summarises the time to first token of the successful requests
	// that had one (streamed replies); its Count is 0 otherwise.
	TTFT Summary
	// Throughput is successful requests per second over Elapsed.
	Throughput float64
	// Retries counts attempts after the first, over all requests.
	Retries int
	// PromptTokens and CompletionTokens sum the reported usage of all
	// requests, failed ones included: they were paid for too.
	PromptTokens, CompletionTokens int
	// Errors counts the failed requests by kind; kinds with none are
	// absent.
	Errors map[Kind]int
}

// Cost returns the run's cost under p.
func (s Stats) Cost(p Price) float64 { return p.Cost(s.PromptTokens, s.CompletionTokens) }

func computeStats(r *Run) (Stats, []time.Duration) {
	st := Stats{Requests: len(r.Samples), Errors: make(map[Kind]int)}
	lat := make([]time.Duration, 0, len(r.Samples))
	var ttft []time.Duration
	for _, s := range r.Samples {
		st.Retries += s.Retries
		st.PromptTokens += s.PromptTokens
		st.CompletionTokens += s.CompletionTokens
		if s.Kind != OK {
			st.Failed++
			st.Errors[s.Kind]++
			continue
		}
		st.Succeeded++
		lat = append(lat, s.Latency())
		if s.TTFT > 0 {
			ttft = append(ttft, s.TTFT)
		}
	}
	if st.Requests > 0 {
		st.SuccessRate = float64(st.Succeeded) / float64(st.Requests)
	}
	if r.Elapsed > 0 {
		st.Throughput = float64(st.Succeeded) / r.Elapsed.Seconds()
	}
	st.Latency = Summarize(lat)
	st.TTFT = Summarize(ttft)
	return st, lat
}
