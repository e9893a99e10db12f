package bench

import (
	"sync"
	"time"
)

// Price is what a provider charges, in US dollars per million tokens. The
// zero value charges nothing.
type Price struct {
	In, Out float64
}

// Cost returns the price of the given token counts in US dollars.
func (p Price) Cost(prompt, completion int) float64 {
	return (float64(prompt)*p.In + float64(completion)*p.Out) / 1e6
}

// Run is one measured run: one provider (or MCP server), one workload, one
// concurrency. [Drive] fills the measurements; the caller sets the labels
// and the price. Once Stats or Latencies has been called, Samples must not
// change; from then on a Run is safe for concurrent reads.
type Run struct {
	// Provider names the provider, or the MCP server for tools/call runs.
	Provider string
	// Model is the model, or the tool for tools/call runs.
	Model string
	// Workload names what was measured ("chat", "stream", "loop", "mcp").
	Workload string
	// Concurrency is the number of workers; Rate the open loop's arrival
	// rate in requests per second, 0 for a closed loop.
	Concurrency int
	Rate        float64

	// Samples holds one entry per measured request, by intended start.
	Samples []Sample
	// Elapsed is the time from the start to the end of the last request.
	Elapsed time.Duration
	// Examples holds the first error message seen for each failure kind.
	Examples map[Kind]string

	// CPU is the process's CPU time (user and system) during the run,
	// when CPUMeasured is set.
	CPU         time.Duration
	CPUMeasured bool

	// Price, when set, gives the run a cost.
	Price *Price

	once      sync.Once
	stats     Stats
	latencies []time.Duration
}

// Stats returns the run's figures, computed on the first call.
func (r *Run) Stats() Stats {
	r.compute()
	return r.stats
}

// Latencies returns the latencies of the successful requests in ascending
// order. The slice is shared: do not modify it.
func (r *Run) Latencies() []time.Duration {
	r.compute()
	return r.latencies
}

func (r *Run) compute() {
	r.once.Do(func() {
		r.stats, r.latencies = computeStats(r)
	})
}

// CPUPerRequest returns the CPU time per measured request, and false when
// it was not measured or no request ran.
func (r *Run) CPUPerRequest() (time.Duration, bool) {
	if !r.CPUMeasured || len(r.Samples) == 0 {
		return 0, false
	}
	return r.CPU / time.Duration(len(r.Samples)), true
}
