// Package bench is the measuring machinery of the mcpbench command: load
// drivers, exact percentiles, per-request traces of HTTP attempts, a check
// of tool calls against their JSON Schema, and the report writers (text
// table, ranking, JSON, CSV and a self-contained HTML page with SVG charts).
//
// # Measuring
//
// [Drive] runs an [Op] many times and returns a [Run] holding one [Sample]
// per request. Without a rate it is a closed loop: Concurrency workers each
// start a request as soon as their previous one ends. With a rate it is an
// open loop: request i is due at i/rate seconds, and its latency counts from
// that intended start, so a server that stalls cannot hide the queue it
// causes (the "coordinated omission" of closed-loop tools).
//
//	run := bench.Drive(ctx, bench.Load{Concurrency: 4, Requests: 200}, op)
//	st := run.Stats()
//	fmt.Println(st.Latency.P99, st.Throughput)
//
// Percentiles are exact: every sample is kept and sorted, and the p-th
// percentile is the smallest latency that at least p% of requests did not
// exceed (nearest rank).
//
// # Reporting
//
// [WriteTable], [WriteRanking], [WriteJSON], [WriteCSV] and [WriteHTML] take
// the finished runs. None of them prints anywhere but the writer it is given.
package bench
