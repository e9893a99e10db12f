// Package measure runs a fixed load through one client and reports what it
// cost the process that ran it: calls per second, latency quantiles, CPU
// time, allocations and bytes allocated per call.
//
// It is meant to run in a process of its own, one per client and cell, so
// that getrusage(RUSAGE_SELF) and runtime.MemStats see that client only (a
// stdio server is a child process and is not counted).
package measure
